"""The anchor's dashboard and the programme view: the action plan (from `actionplans`) set against the sub-groups'
latest updates, leads and mandates (from here) and the Collaborative's engagement (from `collab`).

Composed here because it needs both the plan and the sub-groups, and `actionplans` must not know about sub-groups
(dependencies point `subgroups → actionplans → collab`). Everything is read for a list of collaboratives at once, so
the number of queries does not grow with the number of localities, items or sub-groups.

Who sees what:
- The dashboard of one Collaborative: its anchor, facilitators and the programme team (`Action.VIEW_ENGAGEMENT`, the
  right that also shows who comes to workshops, which the dashboard's engagement headline does). Members and
  observers read the plan and every sub-group's page but not this governance view.
- The programme view: the programme team sees every locality of its programme; an anchor or facilitator sees the
  localities where they hold that role. Localities are set side by side in alphabetical order, never ranked.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from actionplans.models import (
    ActionPlan,
    Alignment,
    ItemStatus,
    LearningNote,
    Objective,
    Outcome,
    OutcomeLevel,
    PlanItem,
    Strategy,
    Theme,
)
from collab.access import PERMISSIONS, Action, grants_for, require
from collab.errors import DomainError, Forbidden, NotFound
from collab.models import Collaborative, Membership, Programme, Registration, Role, Sector, Workshop
from subgroups.models import Mandate, PlanItemOwner, ProgressUpdate, Status, SubGroup, SubGroupMember, SubGroupRole

DEFAULT_STALLED_WEEKS = 6
MAX_STALLED_WEEKS = 52
ATTENDANCE_WORKSHOPS = 6  # the attendance trend covers the last six workshops held
SECTOR_QUARTERS = 4  # active members by sector at the end of each of the last four quarters, and today

NO_SUBGROUP = "no_subgroup"
ROLLUP_ORDER = [
    Status.ON_TRACK,
    Status.AT_RISK,
    Status.BLOCKED,
    Status.CHANGED_DIRECTION,
    Status.COMPLETED,
    Status.NOT_STARTED,
    NO_SUBGROUP,
]
ROLLUP_LABELS = {**dict(Status.choices), NO_SUBGROUP: "No sub-group owns it"}
FINISHED = {Status.COMPLETED}
ITEM_FINISHED = {ItemStatus.DONE, ItemStatus.STOPPED}


class Risk:
    NO_SUBGROUP = "no_subgroup"
    NO_LEAD = "no_lead"
    SELF_APPOINTED = "self_appointed"
    STALLED = "stalled"
    CHILDREN_VOICE = "children_voice"
    SECTOR_MISSING = "sector_missing"


RISK_LABELS = {
    Risk.NO_SUBGROUP: "No sub-group owns it",
    Risk.NO_LEAD: "No lead",
    Risk.SELF_APPOINTED: "Lead self-appointed, mandate not agreed",
    Risk.STALLED: "No recent update",
    Risk.CHILDREN_VOICE: "Children's and families' views not yet considered",
    Risk.SECTOR_MISSING: "Needs a sector nobody active comes from",
}
RISK_ORDER = list(RISK_LABELS)


def clean_weeks(value: Any) -> int:
    """The stalled threshold from a query string: a whole number of weeks from 1 to 52 (6 when not given)."""
    if value in (None, ""):
        return DEFAULT_STALLED_WEEKS
    try:
        weeks = int(str(value).strip())
    except ValueError:
        weeks = 0
    if not 1 <= weeks <= MAX_STALLED_WEEKS:
        raise DomainError.for_field(
            "weeks", f"Give the number of weeks as a whole number from 1 to {MAX_STALLED_WEEKS}."
        )
    return weeks


# --- Rows ---------------------------------------------------------------------------------------------------------


@dataclass
class ItemRow:
    """One plan item with what the dashboard knows about it."""

    item: PlanItem
    subgroup: SubGroup | None
    leads: list[SubGroupMember]
    last_update: ProgressUpdate | None
    status: str  # a sub-group Status value, or NO_SUBGROUP
    stalled: bool
    risks: list[str]
    sectors: list[str]  # partners needed
    missing_sectors: list[str]  # of those, sectors with no active member
    objective_ids: set[int] = field(default_factory=set)

    @property
    def status_label(self) -> str:
        return ROLLUP_LABELS[self.status]

    @property
    def risk_labels(self) -> list[str]:
        return [RISK_LABELS[r] for r in self.risks]

    @property
    def updated_at(self) -> datetime | None:
        return self.last_update.created_at if self.last_update else None


@dataclass
class Locality:
    """What is read for one collaborative, for the dashboard and the programme view alike."""

    collaborative: Collaborative
    plan: ActionPlan | None
    items: list[ItemRow]
    subgroups: list[SubGroup]
    active_sectors: set[str]
    needed_sectors: set[str]

    @property
    def missing_sectors(self) -> list[str]:
        return [s for s in Sector.values if s in self.needed_sectors - self.active_sectors]

    def rollup(self) -> list[tuple[str, str, int]]:
        counts = defaultdict(int)
        for row in self.items:
            counts[row.status] += 1
        return [(status, ROLLUP_LABELS[status], counts[status]) for status in ROLLUP_ORDER]

    def risk_counts(self) -> list[tuple[str, str, int]]:
        counts = defaultdict(int)
        for row in self.items:
            for risk in row.risks:
                counts[risk] += 1
        return [(risk, RISK_LABELS[risk], counts[risk]) for risk in RISK_ORDER]


def _lead_is_unagreed(part: SubGroupMember) -> bool:
    return part.role == SubGroupRole.LEAD and part.mandate != Mandate.AGREED


def _localities(collaboratives: list[Collaborative], *, weeks: int, now: datetime) -> dict[int, Locality]:
    """Plans, items, owners, leads, latest updates and active sectors of these collaboratives: six queries
    whatever their number."""
    ids = [c.pk for c in collaboratives]
    plans = {
        p.collaborative_id: p for p in ActionPlan.objects.filter(collaborative_id__in=ids).select_related("workshop")
    }
    items = list(
        PlanItem.objects.filter(collaborative_id__in=ids, removed_at__isnull=True)
        .prefetch_related("partners", "outcomes")
        .order_by("collaborative_id", "position", "pk")
    )
    owners = {
        o.item_id: o.subgroup
        for o in PlanItemOwner.objects.filter(item__collaborative_id__in=ids).select_related("subgroup__current_update")
    }
    subgroups = list(
        SubGroup.objects.filter(collaborative_id__in=ids, closed_on__isnull=True).select_related("current_update")
    )
    by_subgroup_leads: dict[int, list[SubGroupMember]] = defaultdict(list)
    for part in (
        SubGroupMember.objects.active()
        .leads()
        .filter(subgroup__collaborative_id__in=ids)
        .select_related("user")
        .order_by("role", "user__display_name")
    ):
        by_subgroup_leads[part.subgroup_id].append(part)
    active: dict[int, set[str]] = defaultdict(set)
    for collaborative_id, sector in (
        Membership.objects.active()
        .filter(collaborative_id__in=ids)
        .exclude(role__in=[Role.OBSERVER, Role.FACILITATOR])
        .values_list("collaborative_id", "sector")
        .distinct()
    ):
        active[collaborative_id].add(sector)

    stale_before = now - timedelta(weeks=weeks)
    localities = {c.pk: Locality(c, plans.get(c.pk), [], [], active[c.pk], set()) for c in collaboratives}
    for subgroup in subgroups:
        localities[subgroup.collaborative_id].subgroups.append(subgroup)
    for item in items:
        locality = localities[item.collaborative_id]
        item.collaborative = locality.collaborative  # already read: no query per item when pages link to it
        sectors = [p.sector for p in item.partners.all()]
        locality.needed_sectors.update(sectors)
        subgroup = owners.get(item.pk)
        leads = by_subgroup_leads.get(subgroup.pk, []) if subgroup else []
        update = subgroup.current_update if subgroup else None
        finished = item.status in ITEM_FINISHED or (update is not None and update.status in FINISHED)
        risks: list[str] = []
        stalled = False
        if subgroup is None:
            risks.append(Risk.NO_SUBGROUP)
            status = NO_SUBGROUP
        else:
            status = update.status if update else Status.NOT_STARTED
            if not leads:
                risks.append(Risk.NO_LEAD)
            elif any(_lead_is_unagreed(p) for p in leads):
                risks.append(Risk.SELF_APPOINTED)
            since = update.created_at if update else subgroup.created_at
            stalled = not finished and since < stale_before
            if stalled:
                risks.append(Risk.STALLED)
            if not finished and (update is None or update.children_voice_not_yet):
                risks.append(Risk.CHILDREN_VOICE)
        missing = [s for s in sectors if s not in locality.active_sectors]
        if missing and not finished:
            risks.append(Risk.SECTOR_MISSING)
        locality.items.append(
            ItemRow(
                item=item,
                subgroup=subgroup,
                leads=leads,
                last_update=update,
                status=status,
                stalled=stalled,
                risks=risks,
                sectors=sectors,
                missing_sectors=missing,
            )
        )
    return localities


# --- The dashboard --------------------------------------------------------------------------------------------------


@dataclass
class MatrixRow:
    objective: Objective
    cells: list[Alignment | None]  # one per item column, in the order of `Dashboard.items`

    @property
    def served(self) -> bool:
        return any(self.cells)


@dataclass
class SubGroupColumn:
    """A sub-group in the matrix: the objectives its items serve."""

    subgroup: SubGroup
    objective_ids: set[int]
    items: list[ItemRow]


@dataclass
class AttendancePoint:
    workshop: Workshop
    day: date
    attended: int
    members: int
    taken: bool

    @property
    def percent(self) -> int | None:
        return round(100 * self.attended / self.members) if self.taken and self.members else None


@dataclass
class SectorSeries:
    sector: str
    label: str
    counts: list[int]  # one per date of `Engagement.dates`


@dataclass
class EngagementHeadline:
    attendance: list[AttendancePoint]  # oldest first
    dates: list[date]
    sectors: list[SectorSeries]

    @property
    def trend(self) -> str:
        """Compares the last two workshops whose attendance was taken: "rising", "falling", "steady" or ""."""
        taken = [p.percent for p in self.attendance if p.percent is not None]
        if len(taken) < 2:
            return ""
        if taken[-1] > taken[-2]:
            return "rising"
        if taken[-1] < taken[-2]:
            return "falling"
        return "steady"


@dataclass
class Dashboard:
    collaborative: Collaborative
    locality: Locality
    weeks: int
    strategies: list[Strategy]
    matrix: list[MatrixRow]
    subgroup_columns: list[SubGroupColumn]
    engagement: EngagementHeadline

    @property
    def plan(self) -> ActionPlan | None:
        return self.locality.plan

    @property
    def items(self) -> list[ItemRow]:
        return self.locality.items

    @property
    def objectives_unserved(self) -> list[Objective]:
        return [row.objective for row in self.matrix if not row.served]

    @property
    def items_unaligned(self) -> list[ItemRow]:
        return [row for row in self.items if not row.objective_ids]

    @property
    def subgroups_unaligned(self) -> list[SubGroupColumn]:
        return [column for column in self.subgroup_columns if not column.objective_ids]

    @property
    def stalled(self) -> list[ItemRow]:
        return [row for row in self.items if row.stalled]

    @property
    def at_risk(self) -> list[ItemRow]:
        return [row for row in self.items if row.risks]


def _quarter_ends(today: date, count: int) -> list[date]:
    """The last day of each of the `count` quarters before today's, oldest first, then today."""
    ends = []
    year, quarter = today.year, (today.month - 1) // 3  # quarter index of the current quarter, 0-based
    for _ in range(count):
        quarter -= 1
        if quarter < 0:
            year, quarter = year - 1, 3
        month = 3 * quarter + 3
        ends.append((date(year, month % 12 + 1, 1) if month < 12 else date(year + 1, 1, 1)) - timedelta(days=1))
    return [*reversed(ends), today]


def _engagement(collaborative: Collaborative, *, now: datetime) -> EngagementHeadline:
    """Attendance at the last workshops held, and active members by sector over the last quarters (three queries).
    Members are professionals, so small counts are shown as they are."""
    held = list(
        Workshop.objects.filter(collaborative=collaborative, cancelled_at__isnull=True, ends_at__lte=now).order_by(
            "-starts_at", "-pk"
        )[:ATTENDANCE_WORKSHOPS]
    )
    held.reverse()
    memberships = list(
        Membership.objects.filter(collaborative=collaborative)
        .exclude(role__in=[Role.FACILITATOR, Role.OBSERVER])
        .exclude(sector=Sector.FACILITATION)
        .values_list("user_id", "sector", "joined_on", "left_on")
    )
    came: dict[int, set[int]] = defaultdict(set)
    taken: set[int] = set()
    for workshop_id, user_id, attended in Registration.objects.filter(workshop__in=[w.pk for w in held]).values_list(
        "workshop_id", "user_id", "attended"
    ):
        if attended is not None:
            taken.add(workshop_id)
        if attended:
            came[workshop_id].add(user_id)

    def member_on(day: date, joined: date, left: date | None) -> bool:
        return joined <= day and (left is None or left >= day)

    attendance = []
    for workshop in held:
        day = timezone.localtime(workshop.starts_at).date()
        members = {u for u, _, joined, left in memberships if member_on(day, joined, left)}
        attendance.append(
            AttendancePoint(workshop, day, len(came[workshop.pk] & members), len(members), workshop.pk in taken)
        )
    dates = _quarter_ends(timezone.localdate(now), SECTOR_QUARTERS)
    series = []
    for sector in Sector:
        counts = [
            sum(1 for _, s, joined, left in memberships if s == sector.value and member_on(day, joined, left))
            for day in dates
        ]
        if any(counts):
            series.append(SectorSeries(sector.value, sector.label, counts))
    return EngagementHeadline(attendance, dates, series)


def dashboard(user: Any, collaborative: Collaborative, *, weeks: int = DEFAULT_STALLED_WEEKS) -> Dashboard:
    require(user, Action.VIEW_ENGAGEMENT, collaborative, what="see the anchor's dashboard")
    now = timezone.now()
    locality = _localities([collaborative], weeks=weeks, now=now)[collaborative.pk]
    strategies = list(
        Strategy.objects.filter(collaborative=collaborative, removed_at__isnull=True).prefetch_related(
            Prefetch(
                "objectives", queryset=Objective.objects.filter(removed_at__isnull=True).order_by("position", "pk")
            )
        )
    )
    alignments = {
        (a.objective_id, a.item_id): a
        for a in Alignment.objects.filter(
            item__collaborative=collaborative, item__removed_at__isnull=True, objective__removed_at__isnull=True
        )
    }
    for row in locality.items:
        row.objective_ids = {o for (o, i) in alignments if i == row.item.pk}
    matrix = [
        MatrixRow(objective, [alignments.get((objective.pk, row.item.pk)) for row in locality.items])
        for strategy in strategies
        for objective in strategy.objectives.all()
    ]
    columns = []
    for subgroup in locality.subgroups:
        rows = [row for row in locality.items if row.subgroup and row.subgroup.pk == subgroup.pk]
        columns.append(SubGroupColumn(subgroup, set().union(*(row.objective_ids for row in rows)), rows))
    return Dashboard(
        collaborative=collaborative,
        locality=locality,
        weeks=weeks,
        strategies=strategies,
        matrix=matrix,
        subgroup_columns=columns,
        engagement=_engagement(collaborative, now=now),
    )


# --- Drill-down -----------------------------------------------------------------------------------------------------

FILTER_NAMES = ("status", "risk", "objective", "subgroup", "sector", "unaligned", "stalled", "theme", "outcome")


@dataclass
class ItemList:
    dashboard: Dashboard
    rows: list[ItemRow]
    filters: dict[str, str]
    described: list[str]  # the filters in words, for the heading
    updates: dict[int, list[ProgressUpdate]]  # sub-group id → its recent updates


def clean_filters(params: Any) -> dict[str, str]:
    filters = {}
    for name in FILTER_NAMES:
        value = (params.get(name) or "").strip()
        if value:
            filters[name] = value
    if "status" in filters and filters["status"] not in ROLLUP_LABELS:
        raise DomainError.for_field("status", "Choose one of the statuses shown on the dashboard.")
    if "risk" in filters and filters["risk"] not in RISK_LABELS:
        raise DomainError.for_field("risk", "Choose one of the risks shown on the dashboard.")
    if "sector" in filters and filters["sector"] not in Sector.values:
        raise DomainError.for_field("sector", "Choose one of the listed sectors.")
    if "theme" in filters and filters["theme"] not in Theme.values:
        raise DomainError.for_field("theme", "Choose one of the listed themes.")
    for name in ("objective", "subgroup", "outcome"):
        if name in filters and not filters[name].isdigit():
            raise DomainError.for_field(name, f"Give the {name}'s id as a whole number.")
    return filters


def item_list(user: Any, collaborative: Collaborative, *, weeks: int, filters: dict[str, str]) -> ItemList:
    """The items (and their sub-groups' recent updates) behind a cell of the dashboard."""
    board = dashboard(user, collaborative, weeks=weeks)
    rows = board.items
    described = []
    if "status" in filters:
        rows = [r for r in rows if r.status == filters["status"]]
        described.append(f"status: {ROLLUP_LABELS[filters['status']]}")
    if "risk" in filters:
        rows = [r for r in rows if filters["risk"] in r.risks]
        described.append(f"risk: {RISK_LABELS[filters['risk']]}")
    if "objective" in filters:
        objective = next((row.objective for row in board.matrix if row.objective.pk == int(filters["objective"])), None)
        if objective is None:
            raise NotFound("There is no such objective in this Collaborative's strategies.")
        rows = [r for r in rows if objective.pk in r.objective_ids]
        described.append(f"serving objective: {objective}")
    if "subgroup" in filters:
        subgroup = next((s for s in board.locality.subgroups if s.pk == int(filters["subgroup"])), None)
        if subgroup is None:
            raise NotFound("There is no such sub-group in this Collaborative.")
        rows = [r for r in rows if r.subgroup and r.subgroup.pk == subgroup.pk]
        described.append(f"owned by {subgroup.name}")
    if "sector" in filters:
        rows = [r for r in rows if filters["sector"] in r.sectors]
        described.append(f"needing {Sector(filters['sector']).label}")
    if "theme" in filters:
        rows = [r for r in rows if r.item.theme == filters["theme"]]
        described.append(f"theme: {Theme(filters['theme']).label}")
    if "outcome" in filters:
        rows = [r for r in rows if any(o.pk == int(filters["outcome"]) for o in r.item.outcomes.all())]
        described.append("serving the chosen outcome")
    if filters.get("unaligned"):
        rows = [r for r in rows if not r.objective_ids]
        described.append("serving no objective")
    if filters.get("stalled"):
        rows = [r for r in rows if r.stalled]
        described.append(f"no update for {weeks} weeks or more")
    subgroup_ids = {r.subgroup.pk for r in rows if r.subgroup}
    updates: dict[int, list[ProgressUpdate]] = defaultdict(list)
    for update in (
        ProgressUpdate.objects.filter(subgroup_id__in=subgroup_ids)
        .select_related("author")
        .order_by("subgroup_id", "-created_at", "-pk")
    ):
        if len(updates[update.subgroup_id]) < 3:
            updates[update.subgroup_id].append(update)
    return ItemList(board, rows, filters, described, dict(updates))


# --- The programme view ---------------------------------------------------------------------------------------------


@dataclass
class ProgrammeView:
    programme: Programme
    localities: list[Locality]  # alphabetical: side by side, never ranked
    themes: list[tuple[str, str, list[list[ItemRow]]]]  # (theme, label, items per locality)
    outcomes: list[tuple[Outcome, list[int]]]  # outcome, items serving it per locality
    levels: dict[str, str]
    learning: list[LearningNote]
    hidden: int  # localities of the programme the person does not see here

    def rollup_table(self) -> list[tuple[str, str, list[int]]]:
        """Status rows, a count per locality (in the localities' order)."""
        per = [{status: n for status, _, n in loc.rollup()} for loc in self.localities]
        return [(status, ROLLUP_LABELS[status], [counts[status] for counts in per]) for status in ROLLUP_ORDER]

    def risk_table(self) -> list[tuple[str, str, list[int]]]:
        per = [{risk: n for risk, _, n in loc.risk_counts()} for loc in self.localities]
        return [(risk, RISK_LABELS[risk], [counts[risk] for counts in per]) for risk in RISK_ORDER]

    def outcomes_by_level(self) -> list[tuple[str, list[tuple[Outcome, list[int]]]]]:
        grouped = []
        for level, label in OutcomeLevel.choices:
            rows = [row for row in self.outcomes if row[0].level == level]
            if rows:
                grouped.append((label, rows))
        return grouped


def programme_localities(user: Any, programme: Programme) -> list[Collaborative]:
    """The programme's localities the person sees in the programme view: all of them for the programme team; for
    others, those where their role shows engagement (anchors and facilitators). NotFound for a programme they are
    not part of; Forbidden if they see none."""
    grants = grants_for(user)
    if programme.pk not in grants.programmes:
        raise NotFound()
    collaboratives = Collaborative.objects.filter(programme=programme).order_by("name", "pk")
    if programme.pk not in grants.programme_team:
        allowed = [pk for pk, role in grants.collaborative_roles.items() if Action.VIEW_ENGAGEMENT in PERMISSIONS[role]]
        collaboratives = collaboratives.filter(pk__in=allowed)
    found = list(collaboratives)
    if not found:
        raise Forbidden("The programme view is for the programme team, and for anchors and facilitators.")
    return found


def programme_view(user: Any, programme: Programme, *, weeks: int = DEFAULT_STALLED_WEEKS) -> ProgrammeView:
    collaboratives = programme_localities(user, programme)
    now = timezone.now()
    localities = _localities(collaboratives, weeks=weeks, now=now)
    ordered = [localities[c.pk] for c in collaboratives]
    themes = []
    for theme, label in Theme.choices:
        per = [[row for row in loc.items if row.item.theme == theme] for loc in ordered]
        if any(per):
            themes.append((theme, label, per))
    outcomes = list(Outcome.objects.filter(framework__programme=programme, retired_at__isnull=True))
    outcome_rows = [
        (outcome, [sum(1 for row in loc.items if outcome in row.item.outcomes.all()) for loc in ordered])
        for outcome in outcomes
    ]
    learning = list(
        LearningNote.objects.filter(collaborative_id__in=[c.pk for c in collaboratives], shared=True)
        .select_related("collaborative", "item", "author")
        .order_by("-created_at", "-pk")[:30]
    )
    total = Collaborative.objects.filter(programme=programme).count()
    return ProgrammeView(
        programme=programme,
        localities=ordered,
        themes=themes,
        outcomes=outcome_rows,
        levels=dict(OutcomeLevel.choices),
        learning=learning,
        hidden=total - len(ordered),
    )
