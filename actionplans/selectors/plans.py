"""Reads of the action plan: the plan and its items, the outcome framework, strategies and their objectives, the
alignment of items to objectives, and shared learning, each scoped by the access policy.

Strategies and objectives are read by everyone who can see their Collaborative (an anchor sees their own authority's
strategies, the programme team every locality of its programme); another locality's are as unknown as missing ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet

from actionplans.models import (
    ActionPlan,
    ActionPlanVersion,
    Alignment,
    LearningNote,
    Objective,
    Outcome,
    OutcomeFramework,
    PlanItem,
    PlanItemPartner,
    Strategy,
)
from collab.access import Action, grants_for, require, scope_to_collaboratives
from collab.errors import NotFound
from collab.models import Collaborative, Programme

__all__ = [
    "action_plans_visible",
    "alignments_visible",
    "learning_notes_visible",
    "objectives_visible",
    "outcome_frameworks_visible",
    "outcomes_visible",
    "plan_item_get",
    "plan_items_of",
    "plan_items_visible",
    "plan_of",
    "plan_versions_visible",
    "sectors_needed_by_plan",
    "strategies_of",
    "strategies_visible",
]


def sectors_needed_by_plan(*, collaborative_ids: Iterable[int]) -> dict[int, set[str]]:
    """For each collaborative, the sectors (`collab.models.Sector` values) its action plan's current items need as
    partners; an empty set when it has no plan or its items need none (one query).

    Not scoped: callers pass ids they have already read through a scoped selector (or a scheduled job).
    """
    ids = list(collaborative_ids)
    needed: dict[int, set[str]] = {pk: set() for pk in ids}
    if ids:
        rows = (
            PlanItemPartner.objects.filter(item__collaborative_id__in=ids, item__removed_at__isnull=True)
            .values_list("item__collaborative_id", "sector")
            .distinct()
        )
        for collaborative_id, sector in rows:
            needed.setdefault(collaborative_id, set()).add(sector)
    return needed


def action_plans_visible(user: Any) -> QuerySet[ActionPlan]:
    return scope_to_collaboratives(ActionPlan.objects.select_related("collaborative", "workshop"), user)


def plan_versions_visible(user: Any) -> QuerySet[ActionPlanVersion]:
    return scope_to_collaboratives(
        ActionPlanVersion.objects.select_related("plan__collaborative", "workshop", "recorded_by"),
        user,
        field="plan__collaborative",
    )


def plan_items_visible(user: Any) -> QuerySet[PlanItem]:
    """Current items (not taken out) of every plan the person can see, with what they link to."""
    return scope_to_collaboratives(
        PlanItem.objects.filter(removed_at__isnull=True)
        .select_related("collaborative", "plan", "source_board__workshop")
        .prefetch_related(
            "partners",
            "priorities",
            "outcomes",
            Prefetch("alignments", queryset=Alignment.objects.select_related("objective__strategy")),
        ),
        user,
    )


def plan_of(user: Any, collaborative: Collaborative) -> ActionPlan | None:
    require(user, Action.VIEW, collaborative)
    return action_plans_visible(user).filter(collaborative=collaborative).first()


def plan_items_of(user: Any, collaborative: Collaborative) -> list[PlanItem]:
    require(user, Action.VIEW, collaborative)
    return list(plan_items_visible(user).filter(collaborative=collaborative))


def plan_item_get(user: Any, collaborative: Collaborative, pk: int) -> PlanItem:
    require(user, Action.VIEW, collaborative)
    item = plan_items_visible(user).filter(collaborative=collaborative, pk=pk).first()
    if item is None:
        raise NotFound()
    return item


def outcome_frameworks_visible(user: Any) -> QuerySet[OutcomeFramework]:
    programmes = grants_for(user).programmes
    return OutcomeFramework.objects.filter(programme_id__in=list(programmes)).select_related("programme")


def outcomes_visible(user: Any) -> QuerySet[Outcome]:
    """Outcomes (not retired) of the frameworks of the person's programmes."""
    programmes = grants_for(user).programmes
    return Outcome.objects.filter(framework__programme_id__in=list(programmes), retired_at__isnull=True).select_related(
        "framework"
    )


def outcomes_of_programme(programme: Programme) -> list[Outcome]:
    """Not scoped: for callers that already checked the programme is visible."""
    return list(Outcome.objects.filter(framework__programme=programme, retired_at__isnull=True))


def strategies_visible(user: Any) -> QuerySet[Strategy]:
    return scope_to_collaboratives(
        Strategy.objects.filter(removed_at__isnull=True)
        .select_related("collaborative", "created_by")
        .prefetch_related(Prefetch("objectives", queryset=Objective.objects.filter(removed_at__isnull=True))),
        user,
    )


def strategies_of(user: Any, collaborative: Collaborative) -> list[Strategy]:
    require(user, Action.VIEW, collaborative)
    return list(strategies_visible(user).filter(collaborative=collaborative))


def objectives_visible(user: Any) -> QuerySet[Objective]:
    return scope_to_collaboratives(
        Objective.objects.filter(removed_at__isnull=True, strategy__removed_at__isnull=True).select_related(
            "strategy", "collaborative"
        ),
        user,
    )


def alignments_visible(user: Any) -> QuerySet[Alignment]:
    return scope_to_collaboratives(
        Alignment.objects.filter(
            item__removed_at__isnull=True,
            objective__removed_at__isnull=True,
            objective__strategy__removed_at__isnull=True,
        ).select_related("item", "objective__strategy", "created_by"),
        user,
        field="item__collaborative",
    )


def learning_notes_visible(user: Any) -> QuerySet[LearningNote]:
    """Notes of the person's own Collaboratives, and notes shared with the programme by the other localities of
    their programmes."""
    grants = grants_for(user)
    own = scope_to_collaboratives(LearningNote.objects.all(), user).values("pk")
    from django.db.models import Q

    return LearningNote.objects.filter(
        Q(pk__in=own) | Q(shared=True, collaborative__programme_id__in=list(grants.programmes))
    ).select_related("collaborative", "item", "author")
