"""Permission rows for the core: pages and the API of programmes, collaboratives, organisations, memberships,
invitations and the audit trail. Columns: anonymous, outsider (facilitator of another locality), observer, member,
anchor, facilitator, programme team."""

from collab.audit import audit_record
from collab.models import Membership, Role, Sector
from collab.services import invitation_token
from tests.factories import PASSWORD, InvitationFactory, MembershipFactory
from tests.permissions.matrix import Case, everyone, expect


def another_member(world):
    """A member of ours who is none of the actors, so that changing them does not change who is calling."""
    return MembershipFactory(collaborative=world.ours, role=Role.MEMBER, organisation=world.our_school)


def pending_invitation(world):
    return InvitationFactory(collaborative=world.ours, invited_by=world.people["facilitator"], email="new@example.org")


def our_audit_event(world):
    return audit_record(
        actor=world.people["facilitator"], action="test.write", target=world.ours, collaborative=world.ours
    )


def members_token_id(world):
    from knox.models import AuthToken

    from collab.services import token_id

    token, _ = AuthToken.objects.create(user=world.people["member"])
    return token_id(token)


SIGNED_IN = {"anonymous": 302}  # pages send anonymous people to sign in
PAGE = expect(302, 404, 200, 200, 200, 200, 200)  # a page of our collaborative
MANAGE = expect(302, 404, 403, 403, 200, 200, 200)  # anchors, facilitators and the programme team
FACILITATE = expect(302, 404, 403, 403, 403, 200, 200)  # facilitators and the programme team
FACILITATE_WRITE = expect(302, 404, 403, 403, 403, 302, 302)

CASES = [
    # --- Pages ---------------------------------------------------------------------------------------------------
    Case("get", expect(200, 302, 302, 302, 302, 302, 302), page="login", note="signed-in people go to their home"),
    Case("post", everyone(302), page="logout"),
    Case("get", everyone(200), page="password_reset"),
    Case("get", everyone(200), page="password_reset_done"),
    Case("get", everyone(200), page="password_reset_confirm", kwargs=lambda w: {"uidb64": "MQ", "token": "bad-token"}),
    Case("get", everyone(200), page="password_reset_complete"),
    Case("get", {**everyone(200), **SIGNED_IN}, page="profile"),
    Case("get", {**everyone(200), **SIGNED_IN}, page="account-tokens"),
    Case(
        "post",
        expect(302, 404, 404, 302, 404, 404, 404, lead=404),
        page="account-token-revoke",
        kwargs=lambda w: {"token": members_token_id(w)},
        note="the member's token",
    ),
    Case("post", everyone(302), page="account-tokens-revoke-all"),
    Case("get", {**everyone(200), **SIGNED_IN}, page="home"),
    Case("get", PAGE, page="collaborative-overview", kwargs=lambda w: {"slug": w.ours.slug}),
    Case("get", MANAGE, page="collaborative-members", kwargs=lambda w: {"slug": w.ours.slug}),
    Case(
        "post",
        expect(302, 404, 403, 403, 302, 302, 302),
        page="collaborative-members",
        kwargs=lambda w: {"slug": w.ours.slug},
        data=lambda w: {"email": "invitee@example.org", "role": Role.MEMBER, "sector": Sector.HEALTH},
        note="the invite form",
    ),
    Case("get", MANAGE, page="collaborative-audit", kwargs=lambda w: {"slug": w.ours.slug}),
    Case(
        "get",
        FACILITATE,
        page="collaborative-member-change",
        kwargs=lambda w: {"slug": w.ours.slug, "pk": another_member(w).pk},
    ),
    Case(
        "post",
        FACILITATE_WRITE,
        page="collaborative-member-change",
        kwargs=lambda w: {"slug": w.ours.slug, "pk": another_member(w).pk},
        data=lambda w: {"role": Role.OBSERVER, "organisation": w.our_school.pk, "sector": Sector.PRIMARY_SCHOOL},
    ),
    Case(
        "get",
        FACILITATE,
        page="collaborative-member-leave",
        kwargs=lambda w: {"slug": w.ours.slug, "pk": another_member(w).pk},
    ),
    Case(
        "post",
        FACILITATE_WRITE,
        page="collaborative-member-leave",
        kwargs=lambda w: {"slug": w.ours.slug, "pk": another_member(w).pk},
    ),
    Case(
        "post",
        expect(302, 404, 403, 403, 302, 302, 302),
        page="collaborative-invitation-withdraw",
        kwargs=lambda w: {"slug": w.ours.slug, "pk": pending_invitation(w).pk},
    ),
    Case(
        "get",
        everyone(200),
        page="invitation-accept",
        kwargs=lambda w: {"token": invitation_token(pending_invitation(w))},
        note="signed-in people with another address are told to sign out first",
    ),
    # --- API entry points that are not resources ------------------------------------------------------------------
    Case("get", {**everyone(200), "anonymous": 401}, page="api-root"),
    # The schema and its docs are for people with an account (README, "Security"): anonymous browsers are sent to
    # sign in for the docs page, and the schema answers 401 like the rest of the API.
    Case("get", {**everyone(200), "anonymous": 401}, page="api-schema"),
    Case("get", {**everyone(200), "anonymous": 302}, page="api-docs"),
    Case("get", {**everyone(200), "anonymous": 401}, api="/api/v1/me/"),
    Case(
        "post",
        everyone(200),
        api="/api/v1/auth/token/",
        data=lambda w: {"email": w.people["member"].email, "password": PASSWORD},
    ),
    Case("get", everyone(404), page="api-not-found", address="/api/v1/no-such-thing/"),
    # A person's own API tokens: nobody else's are even visible (404, as for a missing one).
    Case("get", {**everyone(200), "anonymous": 401}, api="/api/v1/auth/tokens/"),
    Case(
        "delete",
        expect(401, 404, 404, 204, 404, 404, 404, lead=404),
        api="/api/v1/auth/tokens/{id}/",
        kwargs=lambda w: {"id": members_token_id(w)},
        note="the member's token",
    ),
    Case("post", {**everyone(200), "anonymous": 401}, api="/api/v1/auth/tokens/revoke-all/"),
    Case(
        "post",
        everyone(200),
        page="api-token",
        data=lambda w: {"email": w.people["member"].email, "password": PASSWORD},
    ),
    # --- API: programmes --------------------------------------------------------------------------------------------
    Case("get", {**everyone(200), "anonymous": 401}, api="/api/v1/programmes/"),
    Case(
        "get",
        {**everyone(200), "anonymous": 401},
        api="/api/v1/programmes/{id}/",
        kwargs=lambda w: {"id": w.programme.pk},
    ),
    Case(
        "patch",
        expect(401, 403, 403, 403, 403, 403, 200),
        api="/api/v1/programmes/{id}/",
        kwargs=lambda w: {"id": w.programme.pk},
        data=lambda w: {"description": "Three years, three localities."},
    ),
    # --- API: collaboratives ----------------------------------------------------------------------------------------
    Case("get", {**everyone(200), "anonymous": 401}, api="/api/v1/collaboratives/"),
    Case(
        "post",
        expect(401, 403, 403, 403, 403, 403, 201),
        api="/api/v1/collaboratives/",
        data=lambda w: {"programme": w.programme.pk, "name": "Cranmoor Collaborative", "locality": "Cranmoor"},
    ),
    Case(
        "get",
        expect(401, 404, 200, 200, 200, 200, 200),
        api="/api/v1/collaboratives/{id}/",
        kwargs=lambda w: {"id": w.ours.pk},
    ),
    Case(
        "patch",
        expect(401, 404, 403, 403, 403, 200, 200),
        api="/api/v1/collaboratives/{id}/",
        kwargs=lambda w: {"id": w.ours.pk},
        data=lambda w: {"description": "Working together in Ashford."},
    ),
    # --- API: organisations -----------------------------------------------------------------------------------------
    Case("get", {**everyone(200), "anonymous": 401}, api="/api/v1/organisations/"),
    Case(
        "post",
        expect(401, 400, 403, 403, 201, 201, 201),
        api="/api/v1/organisations/",
        data=lambda w: {"collaborative": w.ours.pk, "name": "Ashford CAMHS", "sector": Sector.HEALTH},
        note="to an outsider our collaborative's id does not exist: a field error, not a hint that it does",
    ),
    Case(
        "get",
        expect(401, 404, 200, 200, 200, 200, 200),
        api="/api/v1/organisations/{id}/",
        kwargs=lambda w: {"id": w.our_school.pk},
    ),
    Case(
        "patch",
        expect(401, 404, 403, 403, 200, 200, 200),
        api="/api/v1/organisations/{id}/",
        kwargs=lambda w: {"id": w.our_school.pk},
        data=lambda w: {"name": "Ashford Primary Academy"},
    ),
    # --- API: memberships -------------------------------------------------------------------------------------------
    Case("get", {**everyone(200), "anonymous": 401}, api="/api/v1/memberships/"),
    Case(
        "get",
        expect(401, 404, 200, 200, 200, 200, 200),
        api="/api/v1/memberships/{id}/",
        kwargs=lambda w: {"id": another_member(w).pk},
    ),
    Case(
        "patch",
        expect(401, 404, 403, 403, 403, 200, 200),
        api="/api/v1/memberships/{id}/",
        kwargs=lambda w: {"id": another_member(w).pk},
        data=lambda w: {"job_title": "SENCo"},
    ),
    Case(
        "post",
        expect(401, 404, 403, 403, 403, 200, 200),
        api="/api/v1/memberships/{id}/leave/",
        kwargs=lambda w: {"id": another_member(w).pk},
        data=lambda w: {},
    ),
    # --- API: invitations -------------------------------------------------------------------------------------------
    Case("get", {**everyone(200), "anonymous": 401}, api="/api/v1/invitations/"),
    Case(
        "post",
        expect(401, 400, 403, 403, 201, 201, 201),
        api="/api/v1/invitations/",
        data=lambda w: {
            "collaborative": w.ours.pk,
            "email": "invitee@example.org",
            "role": Role.MEMBER,
            "sector": Sector.HEALTH,
        },
    ),
    Case(
        "get",
        expect(401, 404, 404, 404, 200, 200, 200),
        api="/api/v1/invitations/{id}/",
        kwargs=lambda w: {"id": pending_invitation(w).pk},
        note="invitations are private to those who may invite",
    ),
    Case(
        "post",
        expect(401, 404, 404, 404, 200, 200, 200),
        api="/api/v1/invitations/{id}/revoke/",
        kwargs=lambda w: {"id": pending_invitation(w).pk},
        data=lambda w: {},
    ),
    # --- API: audit trail -------------------------------------------------------------------------------------------
    Case("get", {**everyone(200), "anonymous": 401}, api="/api/v1/audit-events/"),
    Case(
        "get",
        expect(401, 404, 404, 404, 200, 200, 200),
        api="/api/v1/audit-events/{id}/",
        kwargs=lambda w: {"id": our_audit_event(w).pk},
    ),
]


def their_audit_event(world):
    return audit_record(
        actor=world.people["outsider"], action="test.write", target=world.theirs, collaborative=world.theirs
    )


def their_invitation(world):
    return InvitationFactory(collaborative=world.theirs, invited_by=world.people["outsider"], email="x@example.org")


def memberships_of(collaborative):
    return set(Membership.objects.filter(collaborative=collaborative).values_list("pk", flat=True))


# Lists answer 200 to everyone signed in but hold only what each may see. For the outsider (a facilitator of the
# other locality), each entry gives (our rows, which must be absent; their rows, which must be present).
LIST_SCOPING = {
    "/api/v1/collaboratives/": lambda w: ({w.ours.pk}, {w.theirs.pk}),
    "/api/v1/organisations/": lambda w: ({w.our_school.pk}, {w.their_school.pk}),
    "/api/v1/memberships/": lambda w: (memberships_of(w.ours), memberships_of(w.theirs)),
    "/api/v1/invitations/": lambda w: ({pending_invitation(w).pk}, {their_invitation(w).pk}),
    "/api/v1/audit-events/": lambda w: ({our_audit_event(w).pk}, {their_audit_event(w).pk}),
}
