"""Writes of the action-plan app."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from actionplans.models import Priority
from collab.access import Action, require
from collab.audit import audit_record
from collab.errors import DomainError
from collab.models import Collaborative, User
from collab.promotion import Promoted, PromotionTarget, Source, register_target


@transaction.atomic
def priority_create(
    *, actor: User, collaborative: Collaborative, title: str, description: str = "", source: Source | None = None
) -> Priority:
    require(actor, Action.EDIT_PLAN, collaborative, what="add priorities")
    title = title.strip()
    if not title:
        raise DomainError.for_field("title", "Give the priority a title.")
    if len(title) > 300:
        raise DomainError.for_field("title", "Keep the title to 300 characters or fewer.")
    priority = Priority.objects.create(
        collaborative=collaborative,
        title=title,
        description=description.strip(),
        source_board=source.board if source else None,
        source_card=source.card if source else None,
        source_group=source.group if source else None,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="priority.create",
        target=priority,
        collaborative=collaborative,
        changes={"title": [None, priority.title], "source_board": [None, priority.source_board_id]},
    )
    return priority


def _promote_to_priority(*, actor: User, source: Source) -> Promoted:
    collaborative = source.board.workshop.collaborative
    if collaborative is None:
        raise DomainError("Priorities belong to one Collaborative: promote from a workshop of that Collaborative.")
    priority = priority_create(
        actor=actor, collaborative=collaborative, title=source.title[:300], description=source.detail, source=source
    )
    url = reverse("collaborative-priorities", kwargs={"slug": collaborative.slug}) + f"#priority-{priority.pk}"
    return Promoted(id=priority.pk, label=priority.title, url=url)


def register_promotion_targets() -> None:
    register_target(PromotionTarget(name="priority", label="Priority", create=_promote_to_priority))
