"""Reads of the action-plan app, scoped by the access policy."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from actionplans.models import Priority
from collab.access import Action, require, scope_to_collaboratives
from collab.models import Collaborative


def priorities_visible(user: Any) -> QuerySet[Priority]:
    return scope_to_collaboratives(
        Priority.objects.select_related("collaborative", "source_board__workshop", "created_by"), user
    )


def priorities_of(user: Any, collaborative: Collaborative) -> list[Priority]:
    require(user, Action.VIEW, collaborative)
    return list(priorities_visible(user).filter(collaborative=collaborative))
