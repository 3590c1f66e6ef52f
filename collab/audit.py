"""The audit trail: every write records who, when, what and what changed. Services call `audit_record` inside
their transaction, so the record and the change are saved together or not at all."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import models

from collab.models import AuditEvent, Collaborative, Programme


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """The current values of `fields`, in a form that can be stored as JSON (foreign keys by id)."""
    values = {}
    for name in fields:
        field = instance._meta.get_field(name)
        value = getattr(instance, field.attname)
        values[name] = _jsonable(value)
    return values


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Field → [before, after] for each field whose value changed."""
    return {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model,
    collaborative: Collaborative | None = None,
    programme: Programme | None = None,
    changes: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """`actor_label` names an actor without an account (a workshop guest); without either, the system acted."""
    if programme is None and collaborative is not None:
        programme = collaborative.programme
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_person else None,
        actor_label=(f"{actor.display_name} <{actor.email}>" if is_person else actor_label or "system")[:200],
        action=action,
        programme=programme,
        collaborative=collaborative,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_label=str(target)[:300],
        changes=changes or {},
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
