"""Which sub-group owns which item of the action plan: a write and the reads it needs.

The link lives in `subgroups` (`PlanItemOwner` points down at `actionplans.PlanItem`) so `actionplans` never depends
on this app. Those who edit the plan (`Action.EDIT_PLAN`: facilitators, anchors, the programme team) set the owner.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from actionplans.models import PlanItem
from collab.access import Action, require
from collab.access import scope_to_collaboratives as _scope
from collab.audit import audit_record
from collab.errors import DomainError, NotFound
from collab.models import User
from subgroups.models import PlanItemOwner, SubGroup


@transaction.atomic
def plan_item_owner_set(*, actor: User, item: PlanItem, subgroup: SubGroup | None) -> PlanItemOwner | None:
    """Make `subgroup` the owner of the item, or (None) leave it without one."""
    collaborative = item.collaborative
    require(actor, Action.EDIT_PLAN, collaborative, what="choose which sub-group owns an item")
    if item.removed_at is not None:
        raise NotFound("That item is no longer in the plan.")
    if subgroup is not None:
        if subgroup.collaborative_id != collaborative.pk:
            raise DomainError.for_field("subgroup", "Choose a sub-group of this Collaborative.")
        if subgroup.closed_on is not None:
            raise DomainError.for_field("subgroup", "That sub-group has closed; choose an open one.")
    current = PlanItemOwner.objects.select_for_update().filter(item=item).first()
    old = current.subgroup_id if current else None
    new = subgroup.pk if subgroup else None
    if old == new:
        return current
    if subgroup is None:
        current.delete()
        owner = None
    elif current is None:
        owner = PlanItemOwner.objects.create(item=item, subgroup=subgroup, assigned_by=actor)
    else:
        current.subgroup, current.assigned_by = subgroup, actor
        current.save(update_fields=["subgroup", "assigned_by"])
        owner = current
    audit_record(
        actor=actor,
        action="plan_item.owner",
        target=item,
        collaborative=collaborative,
        changes={"subgroup": [old, new]},
    )
    return owner


def plan_item_owners_visible(user: Any) -> QuerySet[PlanItemOwner]:
    return _scope(
        PlanItemOwner.objects.filter(item__removed_at__isnull=True).select_related("item", "subgroup"),
        user,
        field="item__collaborative",
    )


def owners_of(item_ids: Iterable[int]) -> dict[int, SubGroup]:
    """Item id → its owning sub-group (one query). Callers pass ids they have already read through a selector."""
    return {
        o.item_id: o.subgroup
        for o in PlanItemOwner.objects.filter(item_id__in=list(item_ids)).select_related("subgroup")
    }


def open_subgroups(collaborative_id: int) -> list[SubGroup]:
    return list(SubGroup.objects.filter(collaborative_id=collaborative_id, closed_on__isnull=True).order_by("name"))
