"""Reads of sub-groups, already scoped by the access policy, with the queries they need and no more.

Sub-groups, and everything in them, are seen by whoever can see their collaborative (observers included). Concerns
are the exception: only the person who raised one and the programme team see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from collab.access import Action, can, grants_for, require, require_confidential, require_leader, scope_confidential
from collab.access import scope_to_collaboratives as _scope
from collab.errors import NotFound
from collab.models import Collaborative, Membership, Organisation, Role, User, Workshop
from subgroups.models import (
    LEAD_ROLES,
    OPEN_SUPPORT_STATES,
    Concern,
    ConcernNote,
    Milestone,
    MilestoneState,
    ProgressUpdate,
    Review,
    SubGroup,
    SubGroupLink,
    SubGroupMember,
    SupportEntry,
    UpdateComment,
    UpdateDraft,
)

OPEN_MILESTONE_STATES = (MilestoneState.PLANNED, MilestoneState.IN_PROGRESS)
STALE_AFTER = timedelta(days=28)  # two missed fortnightly updates
TIMELINE_PAGE_SIZE = 10


def _current_leads() -> Prefetch:
    return Prefetch(
        "people",
        queryset=SubGroupMember.objects.active().leads().select_related("user").order_by("-role", "user__display_name"),
        to_attr="current_leads",
    )


# --- Scoped querysets (the API's viewsets and the pages' look-ups) ----------------------------------------------


def _open_requests() -> Subquery:
    return Subquery(
        SupportEntry.objects.filter(subgroup=OuterRef("pk"), state__in=OPEN_SUPPORT_STATES, requested_by__isnull=False)
        .values("subgroup")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def subgroups_visible(user: Any) -> QuerySet[SubGroup]:
    return (
        _scope(SubGroup.objects.select_related("collaborative", "current_update"), user)
        .prefetch_related(_current_leads(), "partners")
        .annotate(open_requests=Coalesce(_open_requests(), Value(0)))
    )


def subgroup_members_visible(user: Any) -> QuerySet[SubGroupMember]:
    return _scope(
        SubGroupMember.objects.select_related("user", "subgroup", "mandate_workshop"),
        user,
        field="subgroup__collaborative",
    )


def milestones_visible(user: Any) -> QuerySet[Milestone]:
    return _scope(Milestone.objects.select_related("subgroup"), user, field="subgroup__collaborative")


def updates_visible(user: Any) -> QuerySet[ProgressUpdate]:
    return _scope(
        ProgressUpdate.objects.select_related("author", "subgroup").prefetch_related("milestones_completed"),
        user,
        field="subgroup__collaborative",
    )


def comments_visible(user: Any) -> QuerySet[UpdateComment]:
    return _scope(
        UpdateComment.objects.select_related("author", "update"), user, field="update__subgroup__collaborative"
    )


def support_visible(user: Any) -> QuerySet[SupportEntry]:
    return _scope(
        SupportEntry.objects.select_related("subgroup", "requested_by", "given_by", "recorded_by"),
        user,
        field="subgroup__collaborative",
    )


def links_visible(user: Any) -> QuerySet[SubGroupLink]:
    """Links with at least one end the person can see. A link to another locality's sub-group shares its name and
    locality on purpose; what is inside it stays theirs."""
    ends = SubGroupLink.objects.current()
    from_here = _scope(ends, user, field="from_subgroup__collaborative").values("pk")
    to_here = _scope(ends, user, field="to_subgroup__collaborative").values("pk")
    return SubGroupLink.objects.select_related(
        "from_subgroup__collaborative", "to_subgroup__collaborative", "created_by"
    ).filter(Q(pk__in=from_here) | Q(pk__in=to_here))


def reviews_visible(user: Any) -> QuerySet[Review]:
    return _scope(Review.objects.select_related("subgroup", "recorded_by"), user, field="subgroup__collaborative")


def concerns_visible(user: Any) -> QuerySet[Concern]:
    """Concerns the person raised; for the programme team, every concern of its programmes."""
    return scope_confidential(
        Concern.objects.select_related("collaborative", "raised_by", "resolved_by").prefetch_related(
            Prefetch("notes", queryset=ConcernNote.objects.select_related("author"))
        ),
        user,
    )


def people_visible(user: Any) -> QuerySet[User]:
    """People with a membership in a collaborative the person can see: those who could be added to a sub-group."""
    memberships = _scope(Membership.objects.all(), user).values("user_id")
    return User.objects.filter(pk__in=memberships)


def workshops_visible(user: Any) -> QuerySet[Workshop]:
    return _scope(Workshop.objects.all(), user)


def subgroup_get(user: Any, collaborative: Collaborative, pk: int) -> SubGroup:
    """One sub-group of the collaborative, or NotFound (the same for missing and not theirs)."""
    require(user, Action.VIEW, collaborative)
    subgroup = (
        SubGroup.objects.filter(collaborative=collaborative, pk=pk)
        .select_related("collaborative__programme", "current_update")
        .first()
    )
    if subgroup is None:
        raise NotFound()
    return subgroup


def lead_ids(subgroup: SubGroup) -> list[int]:
    return list(SubGroupMember.objects.active().leads().filter(subgroup=subgroup).values_list("user_id", flat=True))


def may_lead(user: Any, subgroup: SubGroup, leads: list[int] | None = None) -> bool:
    """May the person change this sub-group (its leads, facilitators, the programme team)?"""
    role = grants_for(user).role_in(subgroup.collaborative)
    if role is None:
        return False
    if can(user, Action.MANAGE_MEMBERS, subgroup.collaborative):
        return True
    ids = leads if leads is not None else lead_ids(subgroup)
    return can(user, Action.CONTRIBUTE, subgroup.collaborative) and user.pk in ids


# --- The workstream leads' view ----------------------------------------------------------------------------------


@dataclass
class LeadsView:
    collaborative: Collaborative
    subgroups: list[SubGroup]
    closed: list[SubGroup]
    may_start: bool
    led_by_me: set[int]


def leads_view(user: Any, collaborative: Collaborative) -> LeadsView:
    """Every sub-group of a collaborative with its status, last update, blockers, support needed and what is due:
    what a meeting of the workstream leads looks at. Four queries, however many sub-groups and updates."""
    require(user, Action.VIEW, collaborative)
    today = timezone.localdate()
    overdue = (
        Milestone.objects.filter(subgroup=OuterRef("pk"), state__in=OPEN_MILESTONE_STATES, due_on__lt=today)
        .values("subgroup")
        .annotate(n=Count("pk"))
        .values("n")
    )
    next_due = (
        Milestone.objects.filter(subgroup=OuterRef("pk"), state__in=OPEN_MILESTONE_STATES, due_on__gte=today)
        .order_by("due_on", "pk")
        .values("title")[:1]
    )
    next_due_on = (
        Milestone.objects.filter(subgroup=OuterRef("pk"), state__in=OPEN_MILESTONE_STATES, due_on__gte=today)
        .values("subgroup")
        .annotate(d=Min("due_on"))
        .values("d")
    )
    latest_review = (
        Review.objects.filter(subgroup=OuterRef("pk")).order_by("-reviewed_on", "-pk").values("decision")[:1]
    )
    rows = list(
        SubGroup.objects.filter(collaborative=collaborative)
        .select_related("current_update__author")
        .prefetch_related(_current_leads())
        .annotate(
            open_requests=Coalesce(_open_requests(), Value(0)),
            overdue_milestones=Coalesce(Subquery(overdue, output_field=IntegerField()), Value(0)),
            next_milestone=Subquery(next_due),
            next_milestone_on=Subquery(next_due_on),
            review_decision=Subquery(latest_review),
        )
        .order_by("name", "pk")
    )
    now = timezone.now()
    for subgroup in rows:
        update = subgroup.current_update
        subgroup.is_stale = update is None or update.created_at < now - STALE_AFTER
        subgroup.quiet_weeks = (now - update.created_at).days // 7 if update else None
    me = getattr(user, "pk", None)
    return LeadsView(
        collaborative=collaborative,
        subgroups=[s for s in rows if s.closed_on is None],
        closed=[s for s in rows if s.closed_on is not None],
        may_start=can(user, Action.EDIT_COLLABORATIVE, collaborative),
        led_by_me={s.pk for s in rows if any(p.user_id == me for p in s.current_leads)},
    )


def leads_for_overview(user: Any, collaborative: Collaborative) -> list[SubGroup]:
    """The collaborative's open sub-groups and who leads each (two queries), for “who leads what”."""
    require(user, Action.VIEW, collaborative)
    return list(
        SubGroup.objects.filter(collaborative=collaborative, closed_on__isnull=True)
        .prefetch_related(_current_leads())
        .order_by("name", "pk")
    )


# --- One sub-group -----------------------------------------------------------------------------------------------


@dataclass
class LinkedSubGroup:
    link: SubGroupLink
    other: SubGroup
    visible: bool  # whether the person may open the other sub-group's page


@dataclass
class SubGroupPage:
    subgroup: SubGroup
    people: list[SubGroupMember]
    lead_history: list[SubGroupMember]
    former: list[SubGroupMember]
    organisations: dict[int, Organisation | None]  # user id → their organisation in the collaborative
    partners_by_sector: list[tuple[str, list[Organisation]]]
    milestones: list[Milestone]
    timeline: Page
    support: list[SupportEntry]
    links: list[LinkedSubGroup]
    reviews: list[Review]
    may_lead: bool
    may_support: bool
    may_comment: bool
    is_member: bool
    leads: list[SubGroupMember] = field(default_factory=list)


def subgroup_page(user: Any, collaborative: Collaborative, pk: int, *, page: Any = 1) -> SubGroupPage:
    """Everything the sub-group page shows, in a fixed number of queries however long its history."""
    subgroup = subgroup_get(user, collaborative, pk)
    parts = list(
        SubGroupMember.objects.filter(subgroup=subgroup)
        .select_related("user", "mandate_workshop", "mandate_recorded_by")
        .order_by("started_on", "pk")
    )
    active = sorted((p for p in parts if p.is_active), key=lambda p: (p.role != "lead", p.role, p.user.display_name))
    leads = [p for p in active if p.role in LEAD_ROLES]
    organisations = {
        m.user_id: m.organisation
        for m in Membership.objects.filter(collaborative=collaborative, user_id__in={p.user_id for p in parts})
        .select_related("organisation")
        .order_by("left_on")  # a current membership (no leaving date) comes last and wins
    }
    partners: dict[str, list[Organisation]] = {}
    for organisation in subgroup.partners.order_by("sector", "name"):
        partners.setdefault(organisation.get_sector_display(), []).append(organisation)
    updates = (
        ProgressUpdate.objects.filter(subgroup=subgroup)
        .select_related("author")
        .prefetch_related(
            "milestones_completed", Prefetch("comments", queryset=UpdateComment.objects.select_related("author"))
        )
        .order_by("-created_at", "-pk")
    )
    timeline = Paginator(updates, TIMELINE_PAGE_SIZE).get_page(page)
    links = []
    grants = grants_for(user)
    current_links = SubGroupLink.objects.current().filter(Q(from_subgroup=subgroup) | Q(to_subgroup=subgroup))
    for link in current_links.select_related("from_subgroup__collaborative", "to_subgroup__collaborative"):
        other = link.to_subgroup if link.from_subgroup_id == subgroup.pk else link.from_subgroup
        links.append(LinkedSubGroup(link, other, grants.role_in(other.collaborative) is not None))
    me = getattr(user, "pk", None)
    return SubGroupPage(
        subgroup=subgroup,
        people=active,
        lead_history=[p for p in parts if p.role == "lead"],
        former=[p for p in parts if not p.is_active],
        organisations=organisations,
        partners_by_sector=list(partners.items()),
        milestones=list(Milestone.objects.filter(subgroup=subgroup).order_by("due_on", "pk")),
        timeline=timeline,
        support=list(
            SupportEntry.objects.filter(subgroup=subgroup).select_related("requested_by", "given_by", "recorded_by")
        ),
        links=links,
        reviews=list(Review.objects.filter(subgroup=subgroup).select_related("recorded_by")),
        may_lead=may_lead(user, subgroup, [p.user_id for p in leads]),
        may_support=can(user, Action.SUPPORT, collaborative),
        may_comment=can(user, Action.CONTRIBUTE, collaborative),
        is_member=any(p.user_id == me for p in active),
        leads=leads,
    )


def subgroup_for_change(user: Any, collaborative: Collaborative, pk: int) -> SubGroup:
    """A sub-group the person may change (its leads, facilitators, the programme team); Forbidden for others who
    can see it."""
    subgroup = subgroup_get(user, collaborative, pk)
    require_leader(user, collaborative, lead_ids(subgroup), what="change this sub-group")
    return subgroup


@dataclass
class UpdateForm:
    subgroup: SubGroup
    previous: ProgressUpdate | None
    draft: UpdateDraft | None
    open_milestones: list[Milestone]


def update_form(user: Any, collaborative: Collaborative, pk: int) -> UpdateForm:
    """What the update form starts from: the person's draft if they saved one, otherwise the previous update."""
    subgroup = subgroup_for_change(user, collaborative, pk)
    previous = (
        ProgressUpdate.objects.filter(pk=subgroup.current_update_id).select_related("author").first()
        if subgroup.current_update_id
        else None
    )
    return UpdateForm(
        subgroup=subgroup,
        previous=previous,
        draft=UpdateDraft.objects.filter(subgroup=subgroup, author_id=user.pk).first(),
        open_milestones=list(
            Milestone.objects.filter(subgroup=subgroup, state__in=OPEN_MILESTONE_STATES).order_by("due_on", "pk")
        ),
    )


def current_parts(subgroup: SubGroup) -> list[SubGroupMember]:
    """Who is in the sub-group now, the lead first."""
    parts = SubGroupMember.objects.active().filter(subgroup=subgroup).select_related("user")
    return sorted(parts, key=lambda p: (p.role != "lead", p.role, p.user.display_name))


def current_lead(subgroup: SubGroup) -> SubGroupMember | None:
    return SubGroupMember.objects.active().filter(subgroup=subgroup, role="lead").select_related("user").first()


def part_get(subgroup: SubGroup, pk: int) -> SubGroupMember:
    """A current part in the sub-group (callers have checked the person may see or change it)."""
    part = (
        SubGroupMember.objects.active()
        .filter(subgroup=subgroup, pk=pk)
        .select_related("user", "subgroup__collaborative")
        .first()
    )
    if part is None:
        raise NotFound()
    return part


def people_to_add(user: Any, subgroup: SubGroup) -> list[Membership]:
    """Current members of the collaborative who are not in the sub-group yet (for the add-a-person form)."""
    taken = SubGroupMember.objects.active().filter(subgroup=subgroup).values("user_id")
    return list(
        Membership.objects.active()
        .filter(collaborative_id=subgroup.collaborative_id)
        .exclude(user_id__in=taken)
        .select_related("user", "organisation")
        .order_by("user__display_name", "user__email")
    )


def possible_leads(user: Any, collaborative: Collaborative) -> list[Membership]:
    """Current members who may lead a sub-group: anyone but observers."""
    return list(
        Membership.objects.active()
        .filter(collaborative=collaborative)
        .exclude(role=Role.OBSERVER)
        .select_related("user", "organisation")
        .order_by("user__display_name", "user__email")
    )


def organisations_for(collaborative: Collaborative) -> list[Organisation]:
    return list(
        Organisation.objects.filter(
            Q(collaborative=collaborative) | Q(collaborative__isnull=True, programme_id=collaborative.programme_id)
        ).order_by("sector", "name")
    )


def workshops_for(collaborative: Collaborative) -> list[Workshop]:
    """The collaborative's workshops, latest first, for recording where a lead's mandate was agreed."""
    return list(Workshop.objects.filter(collaborative=collaborative, cancelled_at__isnull=True).order_by("-starts_at"))


def link_targets(user: Any, subgroup: SubGroup) -> list[SubGroup]:
    """Sub-groups the person could link this one with: any they can see, except itself and those already linked."""
    linked = (
        SubGroupLink.objects.current()
        .filter(Q(from_subgroup=subgroup) | Q(to_subgroup=subgroup))
        .values_list("from_subgroup_id", "to_subgroup_id")
    )
    exclude = {subgroup.pk} | {pk for pair in linked for pk in pair}
    return list(
        _scope(SubGroup.objects.select_related("collaborative"), user)
        .exclude(pk__in=exclude)
        .order_by("collaborative__name", "name")
    )


# --- Concerns ----------------------------------------------------------------------------------------------------


def concern_list(user: Any) -> QuerySet[Concern]:
    return concerns_visible(user).order_by("state", "-created_at", "-pk")


def concern_get(user: Any, pk: int) -> tuple[Concern, bool]:
    """One concern the person may see, and whether they answer it as the programme team."""
    concern = concerns_visible(user).select_related("programme").filter(pk=pk).first()
    if concern is None:
        raise NotFound()
    return concern, require_confidential(user, concern.programme, concern.raised_by_id) == "programme_team"


def is_programme_team(user: Any) -> bool:
    return bool(grants_for(user).programme_team)
