"""Permission rows for the notification pages: the notification centre and choices (each person's own), the
one-click unsubscribe (no sign-in: the signed token is the proof) and the facilitators' digest preview.
Columns: anonymous, outsider, observer, member, anchor, facilitator, programme team (lead: a member)."""

from collab.models import DigestFrequency, Notification, NotificationKind
from collab.services import unsubscribe_token
from tests.permissions.matrix import Case, everyone, expect

SIGNED_IN = {**everyone(200), "anonymous": 302}


def members_notification(world):
    return Notification.objects.create(
        user=world.people["member"], kind=NotificationKind.MILESTONE_DUE, title="Milestone due", link="/"
    )


CASES = [
    Case("get", SIGNED_IN, page="notification-list"),
    Case("post", everyone(302), page="notification-read-all"),
    Case(
        "post",
        expect(302, 404, 404, 302, 404, 404, 404, lead=404),
        page="notification-read",
        kwargs=lambda w: {"pk": members_notification(w).pk},
        note="only the person it is for; anyone else's is as if missing",
    ),
    Case("get", SIGNED_IN, page="notification-preferences"),
    Case(
        "post",
        everyone(302),
        page="notification-preferences",
        data=lambda w: {"digest_frequency": DigestFrequency.FORTNIGHTLY, "email": "on", "in_app": "on"},
    ),
    Case(
        "get",
        everyone(200),
        page="notification-unsubscribe",
        kwargs=lambda w: {"token": unsubscribe_token(w.people["member"], "digest")},
        note="no sign-in needed: GET only asks to confirm",
    ),
    Case(
        "post",
        everyone(200),
        page="notification-unsubscribe",
        kwargs=lambda w: {"token": unsubscribe_token(w.people["member"], "digest")},
        note="RFC 8058 one-click: no sign-in, no CSRF token",
    ),
    Case(
        "get",
        expect(302, 404, 403, 403, 403, 200, 200),
        page="digest-preview",
        kwargs=lambda w: {"slug": w.ours.slug},
    ),
]
LIST_SCOPING: dict = {}
