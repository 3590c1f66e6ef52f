"""What the core itself has to say, and when: workshops coming up (two weeks and two days before, with a calendar
file and the accessibility notes), the workshop record once it has ended, invitations about to expire (to whoever
sent them), and members who missed the last workshops (to the facilitators, never to the member).

Each check is registered in `collab.notify` and posts through `message_post`, whose keys make a second run a no-op.
Each asks the database a fixed number of questions, however many collaboratives and people there are.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from collab.ics import ICS_TYPE, workshop_ics
from collab.models import Invitation, Membership, NotificationKind, Registration, Role, Workshop
from collab.notify import register_due_check, uk_day, uk_when
from collab.services.notifications import absolute, message_post

UPCOMING_STAGES = ((2, "2d"), (14, "14d"))  # days before the workshop (UK dates)
RECORD_WITHIN = timedelta(days=7)
INVITATION_WARNING = timedelta(days=2)
MISSED_IN_A_ROW = 3


def _members_by_scope(collaborative_ids: set[int], programme_ids: set[int]) -> tuple[dict, dict]:
    """Active people of collaboratives (by id) and of whole programmes (by id), in two queries at most."""
    by_collaborative: dict[int, set[int]] = defaultdict(set)
    by_programme: dict[int, set[int]] = defaultdict(set)
    if collaborative_ids:
        rows = Membership.objects.active().filter(collaborative_id__in=collaborative_ids)
        for collaborative_id, user_id in rows.values_list("collaborative_id", "user_id"):
            by_collaborative[collaborative_id].add(user_id)
    if programme_ids:
        rows = Membership.objects.active().filter(programme_id__in=programme_ids)
        for programme_id, user_id in rows.values_list("programme_id", "user_id"):
            by_programme[programme_id].add(user_id)
    return by_collaborative, by_programme


def _audience(workshop: Workshop, by_collaborative: dict, by_programme: dict) -> set[int]:
    if workshop.collaborative_id is None:
        return by_programme.get(workshop.programme_id, set())
    return by_collaborative.get(workshop.collaborative_id, set())


def workshops_coming_up(now: datetime) -> int:
    today = timezone.localtime(now).date()
    horizon = today + timedelta(days=UPCOMING_STAGES[-1][0])
    workshops = list(
        Workshop.objects.filter(
            cancelled_at__isnull=True, ended_at__isnull=True, starts_at__gt=now, starts_at__lt=now + timedelta(days=16)
        ).select_related("collaborative", "programme")
    )
    workshops = [w for w in workshops if timezone.localtime(w.starts_at).date() <= horizon]
    by_collaborative, by_programme = _members_by_scope(
        {w.collaborative_id for w in workshops if w.collaborative_id},
        {w.programme_id for w in workshops if w.collaborative_id is None},
    )
    added = 0
    for workshop in workshops:
        days = (timezone.localtime(workshop.starts_at).date() - today).days
        stage = next(name for limit, name in UPCOMING_STAGES if days <= limit)
        link = reverse("workshop-detail", args=[workshop.pk])
        when = "tomorrow" if days == 1 else "today" if days == 0 else f"in {days} days"
        where = (
            workshop.collaborative.name if workshop.collaborative_id else f"{workshop.programme.name}, all localities"
        )
        added += len(
            message_post(
                kind=NotificationKind.WORKSHOP_UPCOMING,
                # A workshop moved to another time is announced again.
                key=f"workshop_upcoming:{workshop.pk}:{stage}:{workshop.starts_at:%Y%m%dT%H%M}",
                programme_id=workshop.programme_id,
                collaborative_id=workshop.collaborative_id,
                recipient_ids=_audience(workshop, by_collaborative, by_programme),
                subject=f"Workshop {when}: {workshop.title}",
                summary=f"{uk_when(workshop.starts_at)}, {workshop.get_format_display().lower()}"
                + (f", {workshop.venue}" if workshop.venue else ""),
                template="collab/email/reminder",
                context={
                    "heading": f"{workshop.title} is {when}",
                    "paragraphs": [
                        f"{where}: {uk_when(workshop.starts_at)} to {timezone.localtime(workshop.ends_at):%H:%M} "
                        f"(UK time), {workshop.get_format_display().lower()}, "
                        f"{workshop.get_length_display().lower()}.",
                        f"Where: {workshop.venue}" if workshop.venue else "Where: to be confirmed.",
                        "The calendar file attached adds it to your calendar.",
                    ],
                    "items": [],
                    "accessibility_notes": workshop.accessibility_notes,
                    "link_text": "See the workshop and book a place",
                },
                link=link,
                attachment=("workshop.ics", ICS_TYPE, workshop_ics(workshop, url=absolute(link), now=now)),
            )
        )
    return added


def workshop_records(now: datetime) -> int:
    since = now - RECORD_WITHIN
    workshops = list(
        Workshop.objects.filter(cancelled_at__isnull=True)
        .filter(
            Q(ended_at__gte=since, ended_at__lte=now) | Q(ended_at__isnull=True, ends_at__gte=since, ends_at__lte=now)
        )
        .select_related("collaborative", "programme")
    )
    by_collaborative, by_programme = _members_by_scope(
        {w.collaborative_id for w in workshops if w.collaborative_id},
        {w.programme_id for w in workshops if w.collaborative_id is None},
    )
    added = 0
    for workshop in workshops:
        added += len(
            message_post(
                kind=NotificationKind.WORKSHOP_RECORD,
                key=f"workshop_record:{workshop.pk}",
                programme_id=workshop.programme_id,
                collaborative_id=workshop.collaborative_id,
                recipient_ids=_audience(workshop, by_collaborative, by_programme),
                subject=f"The record of {workshop.title}",
                summary=f"What came out of the workshop on {uk_day(timezone.localtime(workshop.starts_at).date())}.",
                template="collab/email/reminder",
                context={
                    "heading": f"The record of {workshop.title}",
                    "paragraphs": [
                        f"The workshop on {uk_day(timezone.localtime(workshop.starts_at).date())} has ended. Its "
                        "record has the boards, the groups and votes, and who came.",
                    ],
                    "items": [],
                    "link_text": "Read the workshop record",
                },
                link=reverse("workshop-record", args=[workshop.pk]),
            )
        )
    return added


def invitations_expiring(now: datetime) -> int:
    invitations = Invitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now, expires_at__lte=now + INVITATION_WARNING
    ).select_related("collaborative")
    added = 0
    for invitation in invitations:
        added += len(
            message_post(
                kind=NotificationKind.INVITATION_EXPIRING,
                key=f"invitation_expiring:{invitation.pk}:{invitation.expires_at:%Y%m%dT%H%M}",
                programme_id=invitation.collaborative.programme_id,
                collaborative_id=invitation.collaborative_id,
                recipient_ids=[invitation.invited_by_id],
                subject=f"Your invitation to {invitation.email} expires soon",
                summary=f"It has not been accepted and stops working on {uk_when(invitation.expires_at)}.",
                template="collab/email/reminder",
                context={
                    "heading": f"Your invitation to {invitation.email} expires soon",
                    "paragraphs": [
                        f"You invited {invitation.email} to join {invitation.collaborative.name} as "
                        f"{invitation.get_role_display().lower()}. It has not been accepted yet, and the link stops "
                        f"working on {uk_when(invitation.expires_at)} (UK time).",
                        "If they still mean to join, send them a new invitation from the members page.",
                    ],
                    "items": [],
                    "link_text": "Open the members page",
                },
                link=reverse("collaborative-members", args=[invitation.collaborative.slug]),
            )
        )
    return added


def members_missing_workshops(now: datetime) -> int:
    """Members who missed each of their collaborative's last MISSED_IN_A_ROW workshops where attendance was taken,
    named to its facilitators (one message per collaborative and latest workshop)."""
    taken = Registration.objects.filter(attended__isnull=False).values("workshop_id")
    recent = (
        Workshop.objects.filter(
            collaborative__isnull=False,
            cancelled_at__isnull=True,
            ends_at__lte=now,
            ends_at__gte=now - timedelta(days=366),
        )
        .filter(pk__in=taken)
        .order_by("collaborative_id", "-starts_at")
        .values_list("pk", "collaborative_id", "starts_at")
    )
    last: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    for pk, collaborative_id, starts_at in recent:
        if len(last[collaborative_id]) < MISSED_IN_A_ROW:
            last[collaborative_id].append((pk, starts_at))
    last = {c: ws for c, ws in last.items() if len(ws) == MISSED_IN_A_ROW}
    if not last:
        return 0
    workshop_ids = [pk for ws in last.values() for pk, _ in ws]
    came: dict[int, set[int]] = defaultdict(set)
    for workshop_id, user_id in Registration.objects.filter(workshop_id__in=workshop_ids, attended=True).values_list(
        "workshop_id", "user_id"
    ):
        came[workshop_id].add(user_id)
    memberships = (
        Membership.objects.active()
        .filter(collaborative_id__in=list(last))
        .select_related("user", "collaborative")
        .order_by("user__display_name")
    )
    missing: dict[int, list[str]] = defaultdict(list)
    facilitators: dict[int, set[int]] = defaultdict(set)
    collaboratives = {}
    for membership in memberships:
        collaborative_id = membership.collaborative_id
        collaboratives[collaborative_id] = membership.collaborative
        if membership.role == Role.FACILITATOR:
            facilitators[collaborative_id].add(membership.user_id)
            continue
        earliest = timezone.localtime(last[collaborative_id][-1][1]).date()
        if membership.joined_on > earliest:
            continue  # joined since: they could not have come to all of them
        if not any(membership.user_id in came[pk] for pk, _ in last[collaborative_id]):
            missing[collaborative_id].append(f"{membership.user.display_name} ({membership.get_sector_display()})")
    added = 0
    for collaborative_id, names in missing.items():
        collaborative = collaboratives[collaborative_id]
        latest = last[collaborative_id][0][0]
        added += len(
            message_post(
                kind=NotificationKind.ATTENDANCE_MISSED,
                key=f"attendance_missed:{collaborative_id}:{latest}",
                programme_id=collaborative.programme_id,
                collaborative_id=collaborative_id,
                recipient_ids=facilitators[collaborative_id],
                subject=f"{len(names)} of {collaborative.name} missed the last {MISSED_IN_A_ROW} workshops",
                summary="A word from you may bring them back: "
                + ", ".join(names[:5])
                + ("…" if len(names) > 5 else ""),
                template="collab/email/reminder",
                context={
                    "heading": f"Members who missed the last {MISSED_IN_A_ROW} workshops of {collaborative.name}",
                    "paragraphs": [
                        "These members did not come to any of the last three workshops where attendance was taken. "
                        "This goes to the facilitators only; the members are not told.",
                    ],
                    "items": names,
                    "link_text": "See engagement",
                },
                link=reverse("collaborative-engagement", args=[collaborative.slug]),
            )
        )
    return added


def register() -> None:
    register_due_check("collab.workshops_coming_up", workshops_coming_up)
    register_due_check("collab.workshop_records", workshop_records)
    register_due_check("collab.invitations_expiring", invitations_expiring)
    register_due_check("collab.members_missing_workshops", members_missing_workshops)
