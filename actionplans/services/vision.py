"""Writes of the action-plan app: priorities, and the shared vision (drafts, published versions, endorsements).

Every write checks the access policy, runs in one transaction and leaves an audit record. Facilitators and anchors
(`Action.EDIT_PLAN`) draft and publish the vision; everyone who may contribute endorses it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from actionplans.models import (
    COMMENT_MAX,
    NOTE_MAX,
    STATEMENT_MAX,
    VERSION_NOTE_MAX,
    Endorsement,
    EndorsementResponse,
    Priority,
    VisionStatement,
    VisionVersion,
)
from collab.access import Action, require
from collab.audit import audit_record
from collab.errors import Conflict, DomainError, Forbidden, NotFound
from collab.models import Collaborative, Membership, User
from collab.promotion import Source

DRAFT_MAX = 50  # statements in one draft: a vision is a handful of sentences, not a document


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


# --- The vision: drafts ------------------------------------------------------------------------------------------


def _may_draft(actor: User, collaborative: Collaborative) -> None:
    require(actor, Action.EDIT_PLAN, collaborative, what="draft the vision")


def _lock(collaborative: Collaborative) -> Collaborative:
    """Serialise the drafts and versions of one Collaborative: positions and version numbers are handed out one
    writer at a time."""
    return Collaborative.objects.select_for_update(of=("self",)).get(pk=collaborative.pk)


def _drafts(collaborative: Collaborative) -> list[VisionStatement]:
    return list(
        VisionStatement.objects.filter(collaborative=collaborative, removed_at__isnull=True).order_by("position", "pk")
    )


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError.for_field("text", "Write the statement.")
    if len(text) > STATEMENT_MAX:
        raise DomainError.for_field("text", f"Keep a statement to {STATEMENT_MAX:,} characters or fewer.")
    return text


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError.for_field("note", f"Keep the note to {NOTE_MAX:,} characters or fewer.")
    return note


def _fresh_statement(statement: VisionStatement) -> VisionStatement:
    """The statement, locked, if it is still in the draft."""
    fresh = VisionStatement.objects.select_for_update(of=("self",)).filter(pk=statement.pk).first()
    if fresh is None or fresh.removed_at is not None:
        raise NotFound("That statement is no longer in the draft.")
    return fresh


@transaction.atomic
def vision_statement_create(
    *, actor: User, collaborative: Collaborative, text: str, note: str = "", source: Source | None = None
) -> VisionStatement:
    """Add a statement at the end of the draft, typed by hand or promoted from a workshop board."""
    _may_draft(actor, collaborative)
    text, note = _clean_text(text), _clean_note(note)
    _lock(collaborative)
    drafts = _drafts(collaborative)
    if len(drafts) >= DRAFT_MAX:
        raise Conflict(f"The draft already has {DRAFT_MAX} statements. Combine or remove some before adding more.")
    statement = VisionStatement.objects.create(
        collaborative=collaborative,
        text=text,
        note=note,
        position=len(drafts) + 1,
        source_board=source.board if source else None,
        source_card=source.card if source else None,
        source_group=source.group if source else None,
        created_by=actor,
        updated_by=actor,
    )
    audit_record(
        actor=actor,
        action="vision_statement.create",
        target=statement,
        collaborative=collaborative,
        changes={"text": [None, text], "source_board": [None, statement.source_board_id]},
    )
    return statement


@transaction.atomic
def vision_statement_update(
    *,
    actor: User,
    statement: VisionStatement,
    text: str | None = None,
    note: str | None = None,
    expected_revision: int | None = None,
) -> VisionStatement:
    """Change a statement's words or its note. Given the revision the editor started from, a change made by someone
    else in the meantime is refused rather than silently overwritten."""
    _may_draft(actor, statement.collaborative)
    statement = _fresh_statement(statement)
    if expected_revision is not None and expected_revision != statement.revision:
        raise Conflict(
            f"Someone else changed this statement while you were editing it. It now reads: “{statement.text}”. "
            "Make your change again on the current words."
        )
    changes = {}
    if text is not None:
        text = _clean_text(text)
        if text != statement.text:
            changes["text"] = [statement.text, text]
            statement.text = text
    if note is not None:
        note = _clean_note(note)
        if note != statement.note:
            changes["note"] = [statement.note, note]
            statement.note = note
    if not changes:
        return statement
    statement.revision += 1
    statement.updated_by = actor
    statement.save(update_fields=["text", "note", "revision", "updated_by", "updated_at"])
    audit_record(
        actor=actor,
        action="vision_statement.update",
        target=statement,
        collaborative=statement.collaborative,
        changes=changes,
    )
    return statement


@transaction.atomic
def vision_statement_remove(*, actor: User, statement: VisionStatement) -> VisionStatement:
    """Take a statement out of the draft. Published versions keep their own copy of its words."""
    collaborative = statement.collaborative
    _may_draft(actor, collaborative)
    _lock(collaborative)
    statement = _fresh_statement(statement)
    statement.removed_at = timezone.now()
    statement.removed_by = actor
    statement.save(update_fields=["removed_at", "removed_by"])
    _renumber(_drafts(collaborative))
    audit_record(
        actor=actor,
        action="vision_statement.remove",
        target=statement,
        collaborative=collaborative,
        changes={"removed_at": [None, statement.removed_at.isoformat()]},
    )
    return statement


def _renumber(statements: Sequence[VisionStatement]) -> list[int]:
    """Positions 1, 2, 3… in the given order; the ids of the statements that moved."""
    moved = []
    for position, statement in enumerate(statements, start=1):
        if statement.position != position:
            statement.position = position
            moved.append(statement)
    VisionStatement.objects.bulk_update(moved, ["position"])
    return [statement.pk for statement in moved]


@transaction.atomic
def vision_statements_reorder(
    *, actor: User, collaborative: Collaborative, order: Sequence[int]
) -> list[VisionStatement]:
    """Put the draft in the given order: `order` lists every statement of the draft by id, each once."""
    _may_draft(actor, collaborative)
    _lock(collaborative)
    drafts = _drafts(collaborative)
    by_id = {statement.pk: statement for statement in drafts}
    order = list(order)
    if len(set(order)) != len(order):
        raise DomainError.for_field("order", "List each statement once.")
    if set(order) != set(by_id):
        missing = sorted(set(by_id) - set(order))
        unknown = sorted(set(order) - set(by_id))
        parts = []
        if missing:
            parts.append(f"missing {', '.join(map(str, missing))}")
        if unknown:
            parts.append(f"not in this draft: {', '.join(map(str, unknown))}")
        raise DomainError.for_field("order", f"List every statement of the draft, and only those ({'; '.join(parts)}).")
    before = [statement.pk for statement in drafts]
    ordered = [by_id[pk] for pk in order]
    if _renumber(ordered):
        audit_record(
            actor=actor,
            action="vision_statement.reorder",
            target=collaborative,
            collaborative=collaborative,
            changes={"order": [before, order]},
        )
    return ordered


@transaction.atomic
def vision_statement_move(*, actor: User, statement: VisionStatement, direction: str) -> VisionStatement:
    """Move a statement one place up or down the draft."""
    if direction not in ("up", "down"):
        raise DomainError.for_field("direction", "Move a statement up or down.")
    collaborative = statement.collaborative
    _may_draft(actor, collaborative)
    _lock(collaborative)
    ids = [s.pk for s in _drafts(collaborative)]
    if statement.pk not in ids:
        raise NotFound("That statement is no longer in the draft.")
    index = ids.index(statement.pk)
    other = index - 1 if direction == "up" else index + 1
    if other < 0 or other >= len(ids):
        where = "first" if direction == "up" else "last"
        raise Conflict(f"That statement is already the {where} one.")
    ids[index], ids[other] = ids[other], ids[index]
    ordered = vision_statements_reorder(actor=actor, collaborative=collaborative, order=ids)
    return next(s for s in ordered if s.pk == statement.pk)


# --- The vision: publishing ----------------------------------------------------------------------------------------


def current_version(collaborative: Collaborative) -> VisionVersion | None:
    return VisionVersion.objects.filter(collaborative=collaborative).order_by("-number").first()


@transaction.atomic
def vision_publish(*, actor: User, collaborative: Collaborative, note: str = "") -> VisionVersion:
    """Publish the draft as the next version. Earlier versions, and their endorsements, stay as they were."""
    require(actor, Action.EDIT_PLAN, collaborative, what="publish the vision")
    note = (note or "").strip()
    if len(note) > VERSION_NOTE_MAX:
        raise DomainError.for_field("note", f"Keep the note to {VERSION_NOTE_MAX} characters or fewer.")
    _lock(collaborative)
    drafts = _drafts(collaborative)
    if not drafts:
        raise DomainError("Add at least one statement to the draft before publishing it.")
    statements = [{"statement": s.pk, "text": s.text} for s in drafts]
    latest = current_version(collaborative)
    if latest is not None and latest.texts == [s["text"] for s in statements]:
        raise Conflict(f"The draft is the same as version {latest.number}, which is already published.")
    version = VisionVersion.objects.create(
        collaborative=collaborative,
        number=(latest.number if latest else 0) + 1,
        statements=statements,
        note=note,
        published_by=actor,
        published_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="vision.publish",
        target=version,
        collaborative=collaborative,
        changes={"number": [latest.number if latest else None, version.number], "statements": [None, len(drafts)]},
    )
    return version


# --- The vision: endorsements --------------------------------------------------------------------------------------


def _clean_endorsement(response: str, comment: str) -> tuple[str, str]:
    if response not in EndorsementResponse.values:
        raise DomainError.for_field("response", "Choose agree, agree with reservations or disagree.")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise DomainError.for_field("comment", f"Keep the comment to {COMMENT_MAX:,} characters or fewer.")
    return response, comment


def _require_current(version: VisionVersion) -> None:
    latest = current_version(version.collaborative)
    if latest is not None and latest.pk != version.pk:
        raise Conflict(
            f"Version {version.number} has been replaced by version {latest.number}. Respond to the current vision."
        )


def _endorser_sector(actor: User, collaborative: Collaborative) -> str:
    membership = Membership.objects.active().filter(user=actor, collaborative=collaborative).first()
    if membership is None:
        raise Forbidden(f"Only members of {collaborative.name} endorse its vision.")
    return membership.sector


@transaction.atomic
def endorsement_give(
    *, actor: User, version: VisionVersion, response: str, comment: str = ""
) -> tuple[Endorsement, bool]:
    """Record the person's response to a version, or change the one they gave, while it is the current version.
    Returns the endorsement and whether it is new."""
    collaborative = version.collaborative
    require(actor, Action.CONTRIBUTE, collaborative, what="endorse the vision")
    response, comment = _clean_endorsement(response, comment)
    version = VisionVersion.objects.select_for_update(of=("self",)).select_related("collaborative").get(pk=version.pk)
    _require_current(version)
    sector = _endorser_sector(actor, collaborative)
    endorsement = Endorsement.objects.select_for_update(of=("self",)).filter(version=version, member=actor).first()
    if endorsement is None:
        endorsement = Endorsement.objects.create(
            version=version, member=actor, sector=sector, response=response, comment=comment
        )
        audit_record(
            actor=actor,
            action="endorsement.create",
            target=endorsement,
            collaborative=collaborative,
            changes={"version": [None, version.number], "response": [None, response]},
        )
        return endorsement, True
    return _change(actor, endorsement, response=response, comment=comment, sector=sector), False


@transaction.atomic
def endorsement_change(
    *, actor: User, endorsement: Endorsement, response: str | None = None, comment: str | None = None
) -> Endorsement:
    """Change one's own response, while its version is current."""
    version = endorsement.version
    collaborative = version.collaborative
    require(actor, Action.CONTRIBUTE, collaborative, what="endorse the vision")
    if endorsement.member_id != actor.pk:
        raise Forbidden("Only the person who gave a response can change it.")
    response, comment = _clean_endorsement(
        endorsement.response if response is None else response, endorsement.comment if comment is None else comment
    )
    VisionVersion.objects.select_for_update(of=("self",)).get(pk=version.pk)
    _require_current(version)
    sector = _endorser_sector(actor, collaborative)
    endorsement = Endorsement.objects.select_for_update(of=("self",)).select_related("version").get(pk=endorsement.pk)
    return _change(actor, endorsement, response=response, comment=comment, sector=sector)


def _change(actor: User, endorsement: Endorsement, *, response: str, comment: str, sector: str) -> Endorsement:
    changes = {
        name: [getattr(endorsement, name), value]
        for name, value in (("response", response), ("comment", comment), ("sector", sector))
        if getattr(endorsement, name) != value
    }
    if not changes:
        return endorsement
    endorsement.response, endorsement.comment, endorsement.sector = response, comment, sector
    endorsement.save(update_fields=["response", "comment", "sector", "updated_at"])
    audit_record(
        actor=actor,
        action="endorsement.update",
        target=endorsement,
        collaborative=endorsement.version.collaborative,
        changes=changes,
    )
    return endorsement


# --- Promotion from the workshop boards ----------------------------------------------------------------------------


def _collaborative_of(source: Source, what: str) -> Collaborative:
    collaborative = source.board.workshop.collaborative
    if collaborative is None:
        raise DomainError(f"{what} belong to one Collaborative: promote from a workshop of that Collaborative.")
    return collaborative
