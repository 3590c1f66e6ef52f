"""Writes of evidence and of comments on a map.

Evidence is attached to exactly one element, connection or finding of the map. Only people who may see sensitive
evidence (facilitators and the programme team: `Action.VIEW_SENSITIVE`) may add, change or remove evidence marked
sensitive; to anyone else it does not exist, except as a stub that keeps counts true.

Events: "evidence.added", "evidence.updated" (the full item; a stub or a version without small counts for everyone
who may not see those), "evidence.removed" {"id"}; "comment.added" (the comment), "comment.removed" {"id"}.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from collab.access import Action, can
from collab.audit import changes_between, snapshot
from collab.errors import DomainError, Forbidden, NotFound
from collab.identifiers import require_confirmed
from collab.models import User
from systemmap.models import (
    COMMENT_MAX,
    EVIDENCE_TEXT_MAX,
    REFERENCE_MAX,
    Connection,
    Element,
    Evidence,
    EvidenceKind,
    Finding,
    Map,
    MapComment,
    SourceKind,
)
from systemmap.payloads import comment_payload, evidence_for_others, evidence_payload
from systemmap.services.common import (
    begin,
    clean_choice,
    clean_evidence_attribution,
    clean_text,
    connection_in,
    element_in,
    evidence_in,
    finding_in,
)

EVIDENCE_PER_MAP = 20000
COUNT_MAX = 10_000_000
FIELDS = ["kind", "source_kind", "attribution", "text", "count", "reference", "collected_on", "sensitive"]


def sees_sensitive(user: Any, map_: Map) -> bool:
    return can(user, Action.VIEW_SENSITIVE, map_.collaborative)


def _check_sensitive(actor: User, map_: Map) -> None:
    if not sees_sensitive(actor, map_):
        raise Forbidden("Only facilitators and the programme team handle sensitive evidence; ask a facilitator.")


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    kind = clean_choice(fields["kind"], "kind", EvidenceKind, what="what kind of evidence it is")
    source_kind = clean_choice(fields["source_kind"], "source_kind", SourceKind, what="whose evidence it is")
    count = fields.get("count")
    if count is not None:
        if kind != EvidenceKind.DATA_POINT:
            raise DomainError.for_field("count", "Only a data point has a count.")
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= COUNT_MAX:
            raise DomainError.for_field("count", "Give the count as a whole number, 0 or more.")
    collected_on = fields.get("collected_on")
    if collected_on is not None:
        if not isinstance(collected_on, date):
            raise DomainError.for_field("collected_on", "Give the date it was collected.")
        if collected_on > timezone.localdate():
            raise DomainError.for_field("collected_on", "The date it was collected cannot be in the future.")
    return {
        "kind": kind,
        "source_kind": source_kind,
        # A quote is always someone's words: say whose, by a role from the list. Other evidence may name its source.
        "attribution": clean_evidence_attribution(fields.get("attribution", ""), kind),
        "text": clean_text(fields.get("text"), "text", EVIDENCE_TEXT_MAX, what="the quote, observation or figure"),
        "count": count,
        "reference": clean_text(fields.get("reference", ""), "reference", REFERENCE_MAX, required=False),
        "collected_on": collected_on,
        "sensitive": bool(fields.get("sensitive", False)),
    }


def _emit(edit: Any, type: str, evidence: Evidence) -> None:
    edit.emit(type, evidence_payload(evidence), redacted=evidence_for_others(evidence))


@transaction.atomic
def evidence_create(
    *,
    actor: User,
    map: Map,
    kind: str,
    source_kind: str,
    text: str,
    element: Element | int | None = None,
    connection: Connection | int | None = None,
    finding: Finding | int | None = None,
    attribution: str = "",
    count: int | None = None,
    reference: str = "",
    collected_on: date | None = None,
    sensitive: bool = False,
    confirm: bool = False,
    op_key: str | None = None,
) -> Evidence:
    """`confirm`: the person has looked again at text that seems to name someone or hold an identifier (see
    `collab.identifiers`) and says it does not; without it such text is refused with a warning."""
    edit = begin(actor, map, what="add evidence to system maps", op_key=op_key)
    if sensitive:
        _check_sensitive(actor, map)
    if sum(thing is not None for thing in (element, connection, finding)) != 1:
        raise DomainError("Attach the evidence to one element, connection or finding.")
    if Evidence.objects.filter(map=map).count() >= EVIDENCE_PER_MAP:
        raise DomainError(f"A map can hold at most {EVIDENCE_PER_MAP:,} pieces of evidence.")
    fields = _clean_fields(
        {
            "kind": kind,
            "source_kind": source_kind,
            "attribution": attribution,
            "text": text,
            "count": count,
            "reference": reference,
            "collected_on": collected_on,
            "sensitive": sensitive,
        }
    )
    require_confirmed({"text": fields["text"]}, confirmed=confirm)
    evidence = Evidence.objects.create(
        map=map,
        element=element_in(map, element) if element is not None else None,
        connection=connection_in(map, connection) if connection is not None else None,
        finding=finding_in(map, finding) if finding is not None else None,
        created_by=actor,
        **fields,
    )
    where, pk = evidence.attached_to
    # The audit trail records what was added and where, not the words of a quote (they stay under evidence rules).
    edit.audit(
        "systemmap.evidence.create",
        evidence,
        {"on": [None, f"{where} {pk}"], "kind": [None, evidence.kind], "sensitive": [None, evidence.sensitive]},
    )
    _emit(edit, "evidence.added", evidence)
    return evidence


@transaction.atomic
def evidence_update(
    *, actor: User, evidence: Evidence, confirm: bool = False, op_key: str | None = None, **changes: Any
) -> Evidence:
    """Change any of `kind`, `source_kind`, `attribution`, `text`, `count`, `reference`, `collected_on`,
    `sensitive`. Where it is attached does not change: remove it and add it again elsewhere. New text that seems to
    identify someone needs `confirm`, as when adding."""
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise DomainError(f"These cannot be changed on evidence: {', '.join(unknown)}.")
    edit = begin(actor, evidence.map, what="change evidence on system maps", op_key=op_key)
    found = evidence_in(edit.map, evidence)
    if found.sensitive and not sees_sensitive(actor, edit.map):
        raise NotFound()
    if changes.get("sensitive"):
        _check_sensitive(actor, edit.map)
    before = snapshot(found, FIELDS)
    merged = {**before, "collected_on": found.collected_on, **changes}
    if "kind" in changes and changes["kind"] != EvidenceKind.DATA_POINT and "count" not in changes:
        merged["count"] = None  # no longer a data point: no longer a count
    cleaned = _clean_fields(merged)
    if cleaned["text"] != before["text"]:
        require_confirmed({"text": cleaned["text"]}, confirmed=confirm)
    for name, value in cleaned.items():
        setattr(found, name, value)
    found.save()
    edit.audit("systemmap.evidence.update", found, _without_words(changes_between(before, snapshot(found, FIELDS))))
    _emit(edit, "evidence.updated", found)
    return found


@transaction.atomic
def evidence_delete(*, actor: User, evidence: Evidence, op_key: str | None = None) -> None:
    edit = begin(actor, evidence.map, what="remove evidence from system maps", op_key=op_key)
    found = evidence_in(edit.map, evidence)
    if found.sensitive and not sees_sensitive(actor, edit.map):
        raise NotFound()
    where, pk = found.attached_to
    edit.audit("systemmap.evidence.delete", found, {"on": [f"{where} {pk}", None], "kind": [found.kind, None]})
    edit.emit("evidence.removed", {"id": found.pk})
    found.delete()


def _without_words(changes: dict[str, Any]) -> dict[str, Any]:
    """The audit trail notes that the words changed, not what they were."""
    return {k: (["…", "…"] if k in ("text", "attribution") else v) for k, v in changes.items()}


# --- Comments ----------------------------------------------------------------------------------------------------


@transaction.atomic
def comment_create(
    *,
    actor: User,
    map: Map,
    body: str,
    element: Element | int | None = None,
    finding: Finding | int | None = None,
    op_key: str | None = None,
) -> MapComment:
    """Members comment on the map as a whole, or on one element or finding of it."""
    edit = begin(actor, map, what="comment on system maps", action=Action.CONTRIBUTE, op_key=op_key)
    if element is not None and finding is not None:
        raise DomainError("Comment on one element or one finding, or on the map as a whole.")
    comment = MapComment.objects.create(
        map=map,
        element=element_in(map, element) if element is not None else None,
        finding=finding_in(map, finding) if finding is not None else None,
        author=actor,
        body=clean_text(body, "body", COMMENT_MAX, what="your comment"),
    )
    edit.audit("systemmap.comment.create", comment, {"body": [None, comment.body[:200]]})
    edit.emit("comment.added", comment_payload(comment))
    return comment


@transaction.atomic
def comment_delete(*, actor: User, comment: MapComment, op_key: str | None = None) -> None:
    """Its author removes a comment; so may anyone who edits the map (moderation)."""
    map_ = comment.map
    if comment.author_id == actor.pk:
        edit = begin(actor, map_, what="comment on system maps", action=Action.CONTRIBUTE, op_key=op_key)
    else:
        edit = begin(actor, map_, what="remove other people's comments", op_key=op_key)
    found = MapComment.objects.filter(map=map_, pk=comment.pk).first()
    if found is None:
        raise DomainError.for_field("comment", "That comment has already been removed.")
    edit.audit("systemmap.comment.delete", found, {"body": [found.body[:200], None]})
    edit.emit("comment.removed", {"id": found.pk})
    found.delete()
