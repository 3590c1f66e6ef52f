"""The audit trail: every write records who, when, what and what changed. Services call `audit_record` inside
their transaction, so the record and the change are saved together or not at all.

An audit row never shows a reader what they may not see elsewhere:

- **Labels.** What a row is about is stored as a label. An app whose objects hold words that not everyone may read
  (evidence: quotes, sensitive items) registers a label without content (`register_label`), so "Evidence #12" is
  stored, never the quote.
- **Changes.** The same app registers a redaction of `changes` (`register_redaction`), applied when the row is read,
  for each reader: a small count about children shows "fewer than 5", a sensitive item shows no values, exactly as
  everywhere else.
- **People.** Who made the change is stored as "name <email>". A reader who shares no collaborative with that person
  (and is not on the programme team) sees their name and organisation only.

The selectors apply all of it (`as_seen_by`), so the API and the pages get the same rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.db import models
from django.db.models import F

from collab.access import PERMISSIONS, Action, grants_for
from collab.models import AuditEvent, Collaborative, Membership, Programme, Role

# target_type ("systemmap.evidence") → the stored label of such an object, holding none of its content
_labels: dict[str, Callable[[Any], str]] = {}
# target_type → redacts in place the `changes` of rows whose reader may not see sensitive things there:
# redact(events, sees_sensitive) where sees_sensitive(event) says whether this reader may, for that row
_redactions: dict[str, Callable[[list[AuditEvent], Callable[[AuditEvent], bool]], None]] = {}


def register_label(target_type: str, label: Callable[[Any], str]) -> None:
    _labels[target_type] = label


def register_redaction(
    target_type: str, redact: Callable[[list[AuditEvent], Callable[[AuditEvent], bool]], None]
) -> None:
    _redactions[target_type] = redact


def label_for(target: models.Model) -> str:
    label = _labels.get(target._meta.label_lower)
    return (label(target) if label else str(target))[:300]


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
        target_label=label_for(target),
        changes=changes or {},
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def as_seen_by(user: Any) -> Callable[[list[AuditEvent]], None]:
    """The redaction of audit rows for one reader (see the module's docstring). Two queries per page of rows at
    most, whatever its length."""
    grants = grants_for(user)
    reader_id = getattr(user, "pk", None)

    def role_for(event: AuditEvent) -> Role | None:
        if event.programme_id in grants.programme_team:
            return Role.PROGRAMME_TEAM
        return grants.collaborative_roles.get(event.collaborative_id) if event.collaborative_id else None

    def sees_sensitive(event: AuditEvent) -> bool:
        role = role_for(event)
        return role is not None and Action.VIEW_SENSITIVE in PERMISSIONS[role]

    def redact(events: list[AuditEvent]) -> None:
        _people_outside_their_locality(events, grants, reader_id)
        by_type: dict[str, list[AuditEvent]] = {}
        for event in events:
            if event.target_type in _redactions:
                by_type.setdefault(event.target_type, []).append(event)
        for target_type, rows in by_type.items():
            _redactions[target_type](rows, sees_sensitive)

    return redact


def _people_outside_their_locality(events: list[AuditEvent], grants: Any, reader_id: int | None) -> None:
    """Name and organisation only, not the email address, for people the reader shares no collaborative with."""
    candidates = {
        e.actor_id
        for e in events
        if e.actor_id is not None and e.actor_id != reader_id and e.programme_id not in grants.programme_team
    }
    if not candidates:
        return
    shared = set(
        Membership.objects.active()
        .filter(user_id__in=candidates, collaborative_id__in=list(grants.collaborative_roles))
        .order_by()
        .values_list("user_id", flat=True)
    )
    outsiders = candidates - shared
    if not outsiders:
        return
    organisations: dict[tuple[int, int], str] = {}
    rows = (
        Membership.objects.filter(user_id__in=outsiders)
        .order_by(F("left_on").desc(nulls_first=True), "-pk")
        .values_list("user_id", "programme_id", "organisation__name")
    )
    for user_id, programme_id, organisation in rows:
        organisations.setdefault((user_id, programme_id), organisation or "")
    for event in events:
        if event.actor_id in outsiders and event.programme_id not in grants.programme_team:
            name = event.actor_label.split(" <", 1)[0].strip()
            organisation = organisations.get((event.actor_id, event.programme_id), "")
            event.actor_label = f"{name} ({organisation})" if organisation else name
