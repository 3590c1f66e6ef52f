"""Reads about workshops, already scoped by the access policy: what is coming up, one workshop with its places, and
the engagement view (who comes, per member and per sector). Each asks the database a fixed number of questions,
however many workshops, members or registrations there are."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from collab.access import (
    PERMISSIONS,
    Action,
    require,
    require_workshop,
    scope_workshops,
    scope_workshops_run,
)
from collab.errors import DomainError, NotFound
from collab.models import Collaborative, Membership, Registration, Role, Sector, User, Workshop

__all__ = [
    "ENGAGEMENT_WINDOWS",
    "CollaborativeWorkshops",
    "Engagement",
    "MemberEngagement",
    "SectorCell",
    "SectorEngagement",
    "WorkshopDetail",
    "collaborative_workshops",
    "engagement",
    "registrations_visible",
    "upcoming_workshops",
    "workshop_detail",
    "workshop_get",
    "workshop_person",
    "workshops_coming_up",
    "workshops_visible",
]

ENGAGEMENT_WINDOWS = (3, 5, 10, 20)  # "the last N workshops" the engagement view can look back over


# --- Scoped querysets --------------------------------------------------------------------------------------------


def workshops_visible(user: Any) -> QuerySet[Workshop]:
    """Workshops of the collaboratives the person can see and cross-locality workshops of their programmes, with how
    many places are taken, how many came, and whether the person has a place."""
    mine = Registration.objects.filter(workshop=OuterRef("pk"), user_id=getattr(user, "pk", None))
    return scope_workshops(Workshop.objects.select_related("programme", "collaborative"), user).annotate(
        registered_count=Count("registrations"),
        attended_count=Count("registrations", filter=Q(registrations__attended=True)),
        am_registered=Exists(mine),
    )


def registrations_visible(user: Any) -> QuerySet[Registration]:
    """A person's own places, and every place at the workshops they run. Other people's places (and their access
    needs) stay private."""
    base = Registration.objects.select_related("user", "workshop", "attendance_marked_by")
    own = scope_workshops(base, user, field="workshop").filter(user_id=getattr(user, "pk", None))
    return own | scope_workshops_run(base, user, field="workshop")


def workshop_get(user: Any, pk: int) -> Workshop:
    """One workshop the person can see, or NotFound (the same for missing and not theirs)."""
    workshop = workshops_visible(user).filter(pk=pk).first()
    if workshop is None:
        raise NotFound()
    return workshop


def _upcoming(queryset: QuerySet[Workshop]) -> QuerySet[Workshop]:
    return queryset.filter(cancelled_at__isnull=True, ended_at__isnull=True, ends_at__gt=timezone.now()).order_by(
        "starts_at", "pk"
    )


def _of_collaborative(collaborative: Collaborative) -> Q:
    """A collaborative's own workshops, and the cross-locality workshops of its programme."""
    return Q(collaborative=collaborative) | Q(collaborative__isnull=True, programme_id=collaborative.programme_id)


def upcoming_workshops(user: Any, collaborative: Collaborative, *, limit: int = 3) -> list[Workshop]:
    """The next workshops a member of the collaborative could go to (its own and cross-locality ones)."""
    return list(_upcoming(workshops_visible(user).filter(_of_collaborative(collaborative)))[:limit])


def workshops_coming_up(user: Any, *, limit: int = 5) -> list[Workshop]:
    """The next workshops anywhere the person takes part, for their home page."""
    return list(_upcoming(workshops_visible(user))[:limit])


# --- Pages -------------------------------------------------------------------------------------------------------


@dataclass
class CollaborativeWorkshops:
    collaborative: Collaborative
    role: Role
    may_run: bool
    upcoming: list[Workshop]  # soonest first; cancelled ones stay listed, marked as such
    past: list[Workshop]  # most recent first


def collaborative_workshops(user: Any, collaborative: Collaborative) -> CollaborativeWorkshops:
    role = require(user, Action.VIEW, collaborative)
    now = timezone.now()
    upcoming, past = [], []
    rows = workshops_visible(user).filter(_of_collaborative(collaborative)).order_by("starts_at", "pk")
    for workshop in rows:
        if workshop.ended_at or workshop.ends_at <= now:
            past.append(workshop)
        else:
            upcoming.append(workshop)
    past.reverse()
    return CollaborativeWorkshops(
        collaborative=collaborative,
        role=role,
        may_run=Action.RUN_WORKSHOPS in PERMISSIONS[role],
        upcoming=upcoming,
        past=past,
    )


@dataclass
class Place:
    """A registration as the workshop's facilitators see it: who, from where, and whether they came."""

    registration: Registration
    organisation: str
    sector: str


@dataclass
class WorkshopDetail:
    workshop: Workshop
    role: Role
    may_run: bool
    my_registration: Registration | None
    places: list[Place]  # only for those who run the workshop
    could_also_come: list[User]  # people without a place, for recording who came anyway (those who run it)

    @property
    def attendance_open(self) -> bool:
        """Whether attendance can be taken now: the workshop has started and was not cancelled."""
        return not self.workshop.cancelled_at and self.workshop.starts_at <= timezone.now()

    @property
    def is_open(self) -> bool:
        """Whether places can still be booked or given up."""
        workshop = self.workshop
        return not workshop.cancelled_at and not workshop.ended_at and workshop.ends_at > timezone.now()


def workshop_detail(user: Any, workshop: Workshop) -> WorkshopDetail:
    """One workshop: the person's own place and, for those who run it, everyone's places and who else could come."""
    role = require_workshop(user, Action.VIEW, workshop)
    may_run = Action.RUN_WORKSHOPS in PERMISSIONS[role]
    my_registration = Registration.objects.filter(workshop=workshop, user_id=user.pk).first()
    places: list[Place] = []
    could_also_come: list[User] = []
    if may_run:
        registrations = list(
            Registration.objects.filter(workshop=workshop)
            .select_related("user")
            .order_by("user__display_name", "user__email")
        )
        members = _members_of(workshop)
        for registration in registrations:
            membership = members.get(registration.user_id)
            places.append(
                Place(
                    registration=registration,
                    organisation=membership.organisation.name if membership and membership.organisation else "",
                    sector=membership.get_sector_display() if membership else "",
                )
            )
        booked = {r.user_id for r in registrations}
        could_also_come = sorted(
            (m.user for pk, m in members.items() if pk not in booked),
            key=lambda person: (person.display_name.lower(), person.email),
        )
    return WorkshopDetail(
        workshop=workshop,
        role=role,
        may_run=may_run,
        my_registration=my_registration,
        places=places,
        could_also_come=could_also_come,
    )


def _members_of(workshop: Workshop) -> dict[int, Membership]:
    """Everyone who could come to the workshop, by person id, with the membership that says where they are from."""
    memberships = Membership.objects.active().select_related("user", "organisation")
    if workshop.collaborative_id is None:
        memberships = memberships.filter(programme_id=workshop.programme_id)
    else:
        memberships = memberships.filter(
            Q(collaborative_id=workshop.collaborative_id)
            | Q(collaborative__isnull=True, programme_id=workshop.programme_id)
        )
    # A collaborative's own membership says more about a person than a programme-wide one, so it comes first and wins.
    by_person: dict[int, Membership] = {}
    for membership in memberships.order_by(F("collaborative_id").asc(nulls_last=True), "pk"):
        by_person.setdefault(membership.user_id, membership)
    return by_person


def workshop_person(user: Any, workshop: Workshop, pk: int) -> User:
    """Someone who could come to the workshop, by id, for those booking or recording on their behalf."""
    require_workshop(user, Action.VIEW, workshop)
    if pk == user.pk:
        return user
    membership = _members_of(workshop).get(pk)
    if membership is None:
        raise DomainError.for_field("user", f"There is no one with the id {pk} who could come to this workshop.")
    return membership.user


# --- Engagement --------------------------------------------------------------------------------------------------


@dataclass
class MemberEngagement:
    """One member over the workshops in view: how many were held while they were a member, how many they had a place
    at, came to, and missed (had a place, did not come)."""

    membership: Membership
    held: int = 0
    registered: int = 0
    attended: int = 0
    missed: int = 0
    not_recorded: int = 0  # had a place at a workshop whose attendance was not taken
    last_attended: date | None = None
    held_recorded: int = 0  # of `held`, those whose attendance was taken


@dataclass
class SectorCell:
    """One sector at one workshop: how many came out of how many members from that sector there were."""

    attended: int
    members: int
    recorded: bool  # False when attendance was not taken at that workshop

    @property
    def percent(self) -> int | None:
        if not self.recorded or not self.members:
            return None
        return round(100 * self.attended / self.members)


@dataclass
class SectorEngagement:
    sector: Sector
    cells: list[SectorCell]
    attended: int = 0
    places: int = 0  # member-workshops: members of the sector at each workshop whose attendance was taken

    @property
    def percent(self) -> int | None:
        return round(100 * self.attended / self.places) if self.places else None


@dataclass
class HeldWorkshop:
    workshop: Workshop
    day: date
    attendance_taken: bool
    attended: int = 0
    members: int = 0


@dataclass
class Engagement:
    collaborative: Collaborative
    last: int
    workshops: list[HeldWorkshop]  # oldest first
    members: list[MemberEngagement]  # current members, by name
    sectors: list[SectorEngagement]  # sectors with members in the period, in the taxonomy's order
    not_seen: list[MemberEngagement] = field(default_factory=list)  # current members at none of the workshops


def engagement(user: Any, collaborative: Collaborative, *, last: int = 5) -> Engagement:
    """Who comes to the collaborative's own workshops, over the last `last` that took place: per current member, and
    per sector at each workshop (members who came out of members there were). Facilitators are left out: they run
    the workshops. Three queries, whatever the numbers."""
    require(user, Action.VIEW_ENGAGEMENT, collaborative, what="see who comes to workshops")
    now = timezone.now()
    held_rows = list(
        Workshop.objects.filter(collaborative=collaborative, cancelled_at__isnull=True)
        .filter(Q(ended_at__isnull=False) | Q(ends_at__lte=now))
        .order_by("-starts_at", "-pk")[:last]
    )
    held_rows.reverse()
    memberships = list(
        Membership.objects.filter(collaborative=collaborative)
        .exclude(role=Role.FACILITATOR)
        .exclude(sector=Sector.FACILITATION)
        .select_related("user", "organisation")
        .order_by("user__display_name", "user__email", "pk")
    )
    registrations = Registration.objects.filter(workshop__in=[w.pk for w in held_rows]).values_list(
        "workshop_id", "user_id", "attended"
    )
    places: dict[tuple[int, int], bool | None] = {(w, u): attended for w, u, attended in registrations}
    taken = {w for (w, _), attended in places.items() if attended is not None}
    held = [
        HeldWorkshop(workshop=w, day=timezone.localtime(w.starts_at).date(), attendance_taken=w.pk in taken)
        for w in held_rows
    ]

    def member_then(membership: Membership, day: date) -> bool:
        return membership.joined_on <= day and (membership.left_on is None or membership.left_on >= day)

    sector_rows: dict[str, SectorEngagement] = {}
    for index, workshop in enumerate(held):
        counts: dict[str, list[int]] = {}
        for membership in memberships:
            if not member_then(membership, workshop.day):
                continue
            tally = counts.setdefault(membership.sector, [0, 0])
            tally[1] += 1
            if places.get((workshop.workshop.pk, membership.user_id)) is True:
                tally[0] += 1
        for sector, (came, members) in counts.items():
            row = sector_rows.get(sector)
            if row is None:
                row = sector_rows[sector] = SectorEngagement(
                    Sector(sector), [SectorCell(0, 0, held[i].attendance_taken) for i in range(len(held))]
                )
            row.cells[index] = SectorCell(came, members, workshop.attendance_taken)
            if workshop.attendance_taken:
                row.attended += came
                row.places += members
                workshop.attended += came
                workshop.members += members

    members: list[MemberEngagement] = []
    for membership in memberships:
        if membership.left_on is not None:
            continue
        row = MemberEngagement(membership)
        for workshop in held:
            pk = workshop.workshop.pk
            if member_then(membership, workshop.day):
                row.held += 1
                row.held_recorded += workshop.attendance_taken
            if (pk, membership.user_id) not in places:
                continue
            row.registered += 1
            came = places[(pk, membership.user_id)]
            if came is True:
                row.attended += 1
                row.last_attended = workshop.day
            elif came is False:
                row.missed += 1
            else:
                row.not_recorded += 1
        members.append(row)
    return Engagement(
        collaborative=collaborative,
        last=last,
        workshops=held,
        members=members,
        sectors=[sector_rows[s.value] for s in Sector if s.value in sector_rows],
        not_seen=[m for m in members if m.held_recorded and not m.attended],
    )
