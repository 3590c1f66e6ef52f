"""Workshop boards: every change to a board, by a participant or its facilitator.

Each operation runs in a transaction that first locks the board's live stream (`collab.live.stream_for_update`).
That lock serialises changes to one board, which gives concurrent edits defined outcomes:

- the server's order is the order of sequence numbers; for the same card, the later change wins (last writer wins)
  for text, colour, zone, group and position;
- a change to a card or group that has been removed is refused ("That card has been removed");
- a vote beyond the budget or the per-card cap is refused, however many arrive at once;
- a retried operation (same participant, same client op id) is applied once: the retry gets the first result.

Every change is stored as a numbered event and broadcast after commit. Events carry the resulting state of what
changed (not a difference), so applying one twice, or after a snapshot that already includes it, does no harm.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from collab import live
from collab.access import Action, board_viewer, refresh_grants, require_workshop
from collab.audit import audit_record
from collab.errors import Conflict, DomainError, Forbidden, NotFound
from collab.live import Viewer
from collab.models import (
    CARD_TEXT_MAX,
    TITLE_MAX,
    Board,
    BoardTemplate,
    Card,
    CardColour,
    CardGroup,
    Guest,
    GuestLink,
    LiveEvent,
    LiveStream,
    Participant,
    Phase,
    Promotion,
    User,
    Vote,
    Workshop,
    Zone,
)
from collab.promotion import Source, target_named

KIND = "board"
MAX_TIMER_SECONDS = 3 * 60 * 60
GUEST_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on a projector
GUEST_LINK_MAX_HOURS = 72

# The zones each template starts with.
TEMPLATE_ZONES: dict[str, list[str]] = {
    BoardTemplate.EXPLORE_MAP: ["What surprised you on the map?", "Where are the pressures?", "What is missing?"],
    BoardTemplate.VISION: ["For children and families", "For schools and services", "For how we work together"],
    BoardTemplate.PRIORITISE: ["Ideas"],
    BoardTemplate.ACTION_PLANNING: ["What", "Who", "By when", "Support needed"],
    BoardTemplate.REVIEW: ["What went well", "What was hard", "What we would change"],
    BoardTemplate.BLANK: ["Ideas"],
}


# --- Creating boards (pages and API) --------------------------------------------------------------------------


@transaction.atomic
def board_create(
    *,
    actor: User,
    workshop: Workshop,
    title: str,
    template: str = BoardTemplate.BLANK,
    prompt: str = "",
    private_writing: bool = True,
    vote_budget: int = 5,
    vote_cap_per_card: int = 3,
) -> Board:
    require_workshop(actor, Action.RUN_WORKSHOPS, workshop, what="create boards")
    if template not in BoardTemplate.values:
        raise DomainError.for_field("template", "Choose a template from the list.")
    if workshop.cancelled_at:
        raise Conflict("This workshop has been cancelled.")
    _check_votes(vote_budget, vote_cap_per_card)
    position = (workshop.boards.aggregate(last=Max("position"))["last"] or 0) + 1
    board = Board.objects.create(
        workshop=workshop,
        title=_clean(title, "title", TITLE_MAX),
        template=template,
        prompt=prompt.strip()[:500],
        private_writing=private_writing,
        vote_budget=vote_budget,
        vote_cap_per_card=vote_cap_per_card,
        facilitator=actor,
        position=position,
    )
    Zone.objects.bulk_create(
        Zone(board=board, title=title, position=i) for i, title in enumerate(TEMPLATE_ZONES[template])
    )
    LiveStream.objects.create(kind=KIND, object_id=board.pk)
    audit_record(
        actor=actor,
        action="board.create",
        target=board,
        collaborative=workshop.collaborative,
        programme=workshop.programme,
        changes={"title": [None, board.title], "template": [None, template]},
    )
    return board


# --- The operation wrapper ----------------------------------------------------------------------------------------


@dataclass
class Change:
    """What an operation works with: the locked stream, the board, who is acting, and their participant row."""

    stream: LiveStream
    board: Board
    viewer: Viewer
    participant: Participant
    op_key: str | None
    op_digest: str = ""

    def emit(
        self,
        type: str,
        payload: dict[str, Any],
        *,
        redacted: dict | None = None,
        audience: str = "",
        anonymous: bool = False,
    ) -> LiveEvent:
        """The operation's event. `anonymous`: it concerns an anonymous card, so only the facilitator and the actor
        are told who acted."""
        return live.emit(
            self.stream,
            type,
            payload,
            redacted=redacted,
            audience=audience,
            actor_key=self.viewer.key,
            actor_withheld=anonymous,
            op_key=self.op_key,
            op_digest=self.op_digest,
        )

    def emit_more(self, type: str, payload: dict[str, Any]) -> LiveEvent:
        """A second event of the same operation (the op id belongs to the first)."""
        return live.emit(self.stream, type, payload, actor_key=self.viewer.key)


@dataclass(frozen=True)
class Operation:
    fn: Callable[..., LiveEvent]
    moderator: bool  # the board's facilitator only
    after_end: bool  # allowed once the workshop has ended
    name: str = ""
    audited: bool = False  # written to the audit trail (what shapes the board; not every card or vote)


OPERATIONS: dict[str, Operation] = {}


def board_operation(name: str, *, moderator: bool = False, after_end: bool = False, audited: bool = False):
    """Registers a board operation under `name`. It runs through `apply_many`: the stream locked, a retry answered
    with its first result, the access policy asked, and the board's state (locked, ended) respected; an `audited`
    one is also written to the audit trail, in the same transaction."""

    def register(fn: Callable[..., LiveEvent]) -> Callable[..., LiveEvent]:
        OPERATIONS[name] = Operation(fn, moderator, after_end, name, audited)
        return fn

    return register


@dataclass(frozen=True)
class Submission:
    """An operation as someone sent it, its data checked for shape (`board_protocol.validate_op`)."""

    principal: Any
    operation: Operation
    data: dict[str, Any]
    op_key: str | None
    digest: str = ""  # what the operation asks for (`live.op_digest`): a retry must ask for the same


@dataclass
class Request:
    """A submission with who is acting settled, not yet applied."""

    viewer: Viewer
    participant: Participant
    operation: Operation
    data: dict[str, Any]
    op_key: str | None
    digest: str = ""


def submission(*, principal: Any, op: str, data: dict[str, Any], op_key: str | None) -> Submission:
    operation = OPERATIONS.get(op)
    if operation is None:
        raise DomainError(f"Unknown operation “{op}”.")
    return Submission(principal, operation, data, op_key, live.op_digest(op, data) if op_key else "")


def apply(*, principal: Any, board_id: int, op: str, data: dict[str, Any], op_key: str | None) -> LiveEvent:
    """Apply one operation; its event (on a retry, the event its first delivery produced)."""
    [result] = apply_many(board_id, [submission(principal=principal, op=op, data=data, op_key=op_key)])
    if isinstance(result, Exception):
        raise result
    return result


def apply_many(board_id: int, submissions: list[Submission]) -> list[LiveEvent | Exception]:
    """Apply operations on one board in order, as if one after another; each one's event, or the error that refused
    it. They are applied in one transaction (one lock, one commit), the access policy asked afresh for each: an
    operation refused before it wrote anything (a vote over the budget, a card removed meanwhile) is simply left out.
    Should one be refused or fail after writing, the transaction is undone and each operation applied again in a
    transaction of its own."""
    if len(submissions) > 1:
        try:
            return _apply_together(board_id, submissions)
        except _Undo:
            pass
        except NotFound as error:
            return [error] * len(submissions)
    return [_apply_alone(board_id, sent) for sent in submissions]


class _Undo(Exception):
    """An operation of a batch was refused, or failed, after writing: the batch's transaction must be undone."""


@transaction.atomic
def _apply_together(board_id: int, submissions: list[Submission]) -> list[LiveEvent | Exception]:
    """Operations in one transaction, their events stored together at the end; `_Undo` if one must be undone.

    Everything is read once the board's stream is locked, the board included: the lane (`collab.live.Lanes`) already
    hands a process's operations on a board over one batch at a time, so the lock is contended only across processes,
    and a read made before it would have to be made again under it."""
    stream, done = live.existing_stream_for_update(KIND, board_id, [sent.op_key for sent in submissions])
    board = _board(board_id)
    if stream is None:  # a board made before boards made their stream
        stream = live.stream_for_update(KIND, board_id)
    refresh_grants(sent.principal for sent in submissions if isinstance(sent.principal, User))
    results: list[LiveEvent | Exception | None] = [None] * len(submissions)
    allowed: list[tuple[int, Submission, Viewer]] = []
    for index, sent in enumerate(submissions):
        try:
            allowed.append((index, sent, board_viewer(sent.principal, board)))
        except DomainError as error:
            results[index] = error
    rows = _participant_rows(board_id, [viewer for _, _, viewer in allowed])
    collected = live.collect(stream)
    replays: list[tuple[LiveEvent, LiveEvent]] = []  # (replay, first delivery) of operations sent twice in the batch
    for index, sent, viewer in allowed:
        if sent.op_key in done:
            try:
                results[index] = replay = live.replay_of(done[sent.op_key], sent.digest)
                replays.append((replay, done[sent.op_key]))
            except DomainError as error:
                results[index] = error
            continue
        request = Request(viewer, rows[viewer.key], sent.operation, sent.data, sent.op_key, sent.digest)
        writes, emitted = _Writes(), len(collected)
        try:
            with connection.execute_wrapper(writes):
                event = _run(stream, board, request)
        except DomainError as error:
            if writes.made or len(collected) > emitted:
                raise _Undo from error
            results[index] = error
            board = _board(board_id)  # the operation may have changed the board in memory before it was refused
            continue
        except Exception as error:
            raise _Undo from error
        if sent.op_key:
            done[sent.op_key] = event
        results[index] = event
    try:
        live.store_collected(stream)
    except DatabaseError as error:
        raise _Undo from error
    for replay, first in replays:  # a first delivery in this batch has its row only now
        replay.pk = first.pk
    return results


def _apply_alone(board_id: int, sent: Submission) -> LiveEvent | Exception:
    for attempt in range(2):
        try:
            [outcome] = _apply_together(board_id, [sent])
            return outcome
        except _Undo as undo:  # refused or failed after writing: undone, and the caller of this operation is told why
            if attempt == 0 and _lost_race(undo.__cause__, sent):
                continue  # the first answer is committed now: this attempt finds it and answers with it
            return undo.__cause__
        except Exception as error:  # the caller of this operation gets it; the others still apply
            return error
    raise AssertionError("unreachable")


def _lost_race(error: BaseException | None, sent: Submission) -> bool:
    """Whether an operation failed because a delivery of the same client operation was applied meanwhile by another
    process: the stream lock serialised the two, but the retry check was made before the lock was granted."""
    return sent.op_key is not None and isinstance(error, IntegrityError) and "one_event_per_client_op" in str(error)


def _run(stream: LiveStream, board: Board, request: Request) -> LiveEvent:
    """One operation on the locked board, after the checks every operation shares."""
    viewer, operation = request.viewer, request.operation
    if viewer.user_id is not None:  # the facilitator may have handed over since the viewer was settled
        viewer = dataclasses.replace(viewer, moderator=board.facilitator_id == viewer.user_id)
    if not viewer.can_write:
        raise Forbidden("Observers can follow the board but not change it.")
    if operation.moderator and not viewer.moderator:
        raise Forbidden("Only the board's facilitator can do that.")
    if board.workshop.ended_at and not operation.after_end:
        raise Conflict("This workshop has ended; its boards are kept as the record.")
    if board.locked and not viewer.moderator:
        raise Conflict("The facilitator has locked the board for now.")
    change = Change(stream, board, viewer, request.participant, request.op_key, request.digest)
    event = operation.fn(change, **request.data)
    if operation.audited:
        _audit(board, viewer, operation.name, request.data)
    return event


def _audit(board: Board, viewer: Viewer, op: str, data: dict[str, Any]) -> None:
    """Who did what to the board. What was asked, by id and setting: never a card's text, which may still be
    private to its author."""
    audit_record(
        actor=User.objects.get(pk=viewer.user_id) if viewer.user_id else None,
        actor_label=None if viewer.user_id else f"Guest: {viewer.display_name}",
        action=f"board.{op}",
        target=board,
        collaborative=board.workshop.collaborative,
        programme=board.workshop.programme,
        changes={name: [None, value] for name, value in data.items() if name != "text"},
    )


class _Writes:
    """Notes whether an operation sent the database anything but reads (a savepoint counts as a write)."""

    def __init__(self) -> None:
        self.made = False

    def __call__(self, execute, sql, params, many, context):
        if not self.made and sql.lstrip()[:6].upper() != "SELECT":
            self.made = True
        return execute(sql, params, many, context)


# --- Cards ------------------------------------------------------------------------------------------------------


@board_operation("card.add")
def card_add(change: Change, *, zone: int, text: str, colour: str = CardColour.YELLOW, anonymous: bool = False):
    target = _zone(change, zone)
    _check_breakout(change, target)
    if colour not in CardColour.values:
        raise DomainError.for_field("colour", "Choose one of the card colours.")
    last = Card.objects.filter(zone=target).aggregate(last=Max("position"))["last"] or 0
    card = Card.objects.create(
        board=change.board,
        zone=target,
        text=_clean(text, "text", CARD_TEXT_MAX),
        colour=colour,
        author=change.participant,
        anonymous=anonymous,
        position=last + 1,
    )
    return _emit_card(change, "card.added", card)


@board_operation("card.edit")
def card_edit(change: Change, *, card: int, text: str | None = None, colour: str | None = None):
    target = _card(change, card, own_or_moderator=True)
    if text is not None:
        target.text = _clean(text, "text", CARD_TEXT_MAX)
    if colour is not None:
        if colour not in CardColour.values:
            raise DomainError.for_field("colour", "Choose one of the card colours.")
        target.colour = colour
    target.updated_at = timezone.now()
    target.save(update_fields=["text", "colour", "updated_at"])
    return _emit_card(change, "card.updated", target)


@board_operation("card.move")
def card_move(
    change: Change, *, card: int, zone: int | None = None, group: int | None = None, position: float | None = None
):
    target = _card(change, card, own_or_moderator=_is_hidden(change.board))
    if group is not None:
        into = _group(change, group)
        target.group, target.zone = into, into.zone
    else:
        target.group = None
        if zone is not None:
            target.zone = _zone(change, zone)
    _check_breakout(change, target.zone)
    if position is not None:
        target.position = float(position)
    target.updated_at = timezone.now()
    target.save(update_fields=["group", "zone", "position", "updated_at"])
    return _emit_card(change, "card.moved", target)


@board_operation("card.remove", audited=True)
def card_remove(change: Change, *, card: int):
    target = _card(change, card, own_or_moderator=True)
    target.removed_at = timezone.now()
    target.save(update_fields=["removed_at"])
    return change.emit("card.removed", {"id": target.pk}, anonymous=target.anonymous)


@board_operation("cards.reveal", moderator=True, after_end=True, audited=True)
def cards_reveal(change: Change):
    board = change.board
    if board.is_revealed:
        raise Conflict("The cards are already revealed.")
    board.revealed_at = timezone.now()
    board.save(update_fields=["revealed_at"])
    return change.emit("cards.revealed", _revealed(board))


def _revealed(board: Board) -> dict[str, Any]:
    """What everyone is sent when a board's cards are revealed, whatever revealed them: every card in full."""
    cards = Card.objects.filter(board=board, removed_at__isnull=True).select_related("author")
    return {"board": board_payload(board), "cards": [card_payload(c) for c in cards]}


# --- Groups -------------------------------------------------------------------------------------------------------


@board_operation("group.create")
def group_create(change: Change, *, zone: int, title: str, cards: list[int] | None = None):
    target = _zone(change, zone)
    group = CardGroup.objects.create(
        board=change.board, zone=target, title=_clean(title, "title", TITLE_MAX), position=timezone.now().timestamp()
    )
    members = [_card(change, card_id, own_or_moderator=_is_hidden(change.board)) for card_id in cards or []]
    for card in members:
        card.group, card.zone = group, target
    Card.objects.bulk_update(members, ["group", "zone"])
    return change.emit("group.created", group_payload(group, [c.pk for c in members]))


@board_operation("group.rename")
def group_rename(change: Change, *, group: int, title: str):
    target = _group(change, group)
    target.title = _clean(title, "title", TITLE_MAX)
    target.save(update_fields=["title"])
    return change.emit("group.updated", group_payload(target))


@board_operation("group.remove", audited=True)
def group_remove(change: Change, *, group: int):
    target = _group(change, group)
    target.removed_at = timezone.now()
    target.save(update_fields=["removed_at"])
    released = list(Card.objects.filter(group=target).values_list("pk", flat=True))
    Card.objects.filter(group=target).update(group=None)
    return change.emit("group.removed", {"id": target.pk, "cards": released})


# --- Votes ------------------------------------------------------------------------------------------------------


@board_operation("vote.add")
def vote_add(change: Change, *, card: int):
    board = change.board
    _check_voting(board)
    target, counts = _voted_card(change, card)
    if counts["mine"] >= board.vote_budget:
        used = "your only vote" if board.vote_budget == 1 else f"all {board.vote_budget} of your votes"
        raise Conflict(f"You have used {used}. Take one back to move it.")
    if counts["mine_here"] >= board.vote_cap_per_card:
        cap = board.vote_cap_per_card
        raise Conflict(f"You can put at most {cap} vote{'' if cap == 1 else 's'} on one card.")
    Vote.objects.create(board=board, round=board.voting_round, card=target, voter=change.participant)
    return _emit_vote(change, target, counts={key: n + 1 for key, n in counts.items()})


@board_operation("vote.remove")
def vote_remove(change: Change, *, card: int):
    board = change.board
    _check_voting(board)
    target, counts = _voted_card(change, card)
    if not counts["mine_here"]:
        raise Conflict("You have no vote on that card to take back.")
    Vote.objects.filter(board=board, round=board.voting_round, voter=change.participant, card=target).first().delete()
    return _emit_vote(change, target, counts={key: n - 1 for key, n in counts.items()})


# --- Facilitator controls -----------------------------------------------------------------------------------------


@board_operation("phase.set", moderator=True, audited=True)
def phase_set(change: Change, *, phase: str):
    board = change.board
    if phase not in Phase.values:
        raise DomainError.for_field("phase", "Choose one of: write, group, vote, discuss, decide.")
    closing = board.voting_open and phase != Phase.VOTE
    if phase == Phase.VOTE and not board.voting_open:
        board.voting_round += 1
        board.voting_open = True
    if closing:
        board.voting_open = False
    board.phase = phase
    board.save(update_fields=["phase", "voting_round", "voting_open"])
    event = change.emit("board.updated", board_payload(board))
    if closing:
        change.emit_more("votes.tallied", {"round": board.voting_round, "tallies": tallies(board, board.voting_round)})
    return event


@board_operation("board.settings", moderator=True, audited=True)
def board_settings(
    change: Change,
    *,
    title: str | None = None,
    prompt: str | None = None,
    private_writing: bool | None = None,
    vote_budget: int | None = None,
    vote_cap_per_card: int | None = None,
):
    board = change.board
    was_hidden = not board.is_revealed
    if title is not None:
        board.title = _clean(title, "title", TITLE_MAX)
    if prompt is not None:
        board.prompt = prompt.strip()[:500]
    if private_writing is not None:
        if board.revealed_at and private_writing:
            raise Conflict("The cards have been revealed; private writing cannot be turned back on.")
        board.private_writing = private_writing
        if was_hidden and not private_writing:  # turning private writing off reveals the cards, as a reveal does
            board.revealed_at = timezone.now()
    if vote_budget is not None or vote_cap_per_card is not None:
        if board.voting_open:
            raise Conflict("Change the votes per person between rounds, not while voting is open.")
        budget = board.vote_budget if vote_budget is None else vote_budget
        cap = board.vote_cap_per_card if vote_cap_per_card is None else vote_cap_per_card
        _check_votes(budget, cap)
        board.vote_budget, board.vote_cap_per_card = budget, cap
    board.save()
    event = change.emit("board.updated", board_payload(board))
    if was_hidden and board.is_revealed:
        change.emit_more("cards.revealed", _revealed(board))
    return event


@board_operation("board.lock", moderator=True, audited=True)
def board_lock(change: Change, *, locked: bool):
    change.board.locked = bool(locked)
    change.board.save(update_fields=["locked"])
    return change.emit("board.updated", board_payload(change.board))


@board_operation("timer.set", moderator=True)
def timer_set(change: Change, *, action: str, seconds: int | None = None):
    """start (with seconds), pause, resume or stop. The server's clock is the only clock."""
    board, now = change.board, timezone.now()
    if action == "start":
        if not seconds or not 1 <= seconds <= MAX_TIMER_SECONDS:
            raise DomainError.for_field("seconds", "Set the timer for between 1 second and 3 hours.")
        board.timer_ends_at, board.timer_paused_seconds = now + timedelta(seconds=seconds), None
    elif action == "pause":
        if not board.timer_ends_at:
            raise Conflict("The timer is not running.")
        board.timer_paused_seconds = max(0, int((board.timer_ends_at - now).total_seconds()))
        board.timer_ends_at = None
    elif action == "resume":
        if board.timer_paused_seconds is None:
            raise Conflict("The timer is not paused.")
        board.timer_ends_at, board.timer_paused_seconds = now + timedelta(seconds=board.timer_paused_seconds), None
    elif action == "stop":
        board.timer_ends_at, board.timer_paused_seconds = None, None
    else:
        raise DomainError.for_field("action", "The timer can start, pause, resume or stop.")
    board.save(update_fields=["timer_ends_at", "timer_paused_seconds"])
    return change.emit("board.updated", board_payload(board))


@board_operation("spotlight.set", moderator=True)
def spotlight_set(change: Change, *, kind: str | None = None, id: int | None = None):
    """Point everyone at one card or group ("follow me"); no kind clears it."""
    if kind is None:
        change.board.spotlight = None
    elif kind == "card":
        change.board.spotlight = {"kind": "card", "id": _card(change, id).pk}
    elif kind == "group":
        change.board.spotlight = {"kind": "group", "id": _group(change, id).pk}
    else:
        raise DomainError.for_field("kind", "Spotlight a card or a group.")
    change.board.save(update_fields=["spotlight"])
    return change.emit("board.updated", board_payload(change.board))


@board_operation("facilitator.handover", moderator=True, audited=True)
def facilitator_handover(change: Change, *, to: str):
    """Hand the board to another signed-in participant who can contribute."""
    participant = (
        Participant.objects.filter(board=change.board, key=to, user__isnull=False).select_related("user").first()
    )
    if participant is None:
        raise DomainError.for_field("to", "Choose someone with an account who is taking part on this board.")
    if not board_viewer(participant.user, change.board).can_write:
        raise DomainError.for_field("to", f"{participant.display_name} can only observe, so cannot facilitate.")
    return _set_facilitator(change, participant.user)


@board_operation("facilitator.take", audited=True)
def facilitator_take(change: Change):
    """A facilitator of the Collaborative (or the programme team) takes the board back."""
    if not change.viewer.extra.get("may_take_over"):
        raise Forbidden("Only the Collaborative's facilitators can take over a board.")
    user = User.objects.get(pk=change.viewer.user_id)
    return _set_facilitator(change, user)


# --- Zones and breakouts ------------------------------------------------------------------------------------------


@board_operation("zone.add", moderator=True)
def zone_add(change: Change, *, title: str, breakout: str = ""):
    last = Zone.objects.filter(board=change.board).aggregate(last=Max("position"))["last"] or 0
    zone = Zone.objects.create(
        board=change.board,
        title=_clean(title, "title", TITLE_MAX),
        breakout=breakout.strip()[:TITLE_MAX],
        position=last + 1,
    )
    return change.emit("zone.updated", zone_payload(zone))


@board_operation("zone.update", moderator=True)
def zone_update(change: Change, *, zone: int, title: str | None = None, breakout: str | None = None):
    target = _zone(change, zone)
    if title is not None:
        target.title = _clean(title, "title", TITLE_MAX)
    if breakout is not None:
        target.breakout = breakout.strip()[:TITLE_MAX]
    target.save(update_fields=["title", "breakout"])
    return change.emit("zone.updated", zone_payload(target))


@board_operation("breakouts.converge", moderator=True, audited=True)
def breakouts_converge(change: Change):
    """Bring breakout groups back together: every zone is open to everyone again."""
    Zone.objects.filter(board=change.board).update(breakout="")
    Participant.objects.filter(board=change.board).update(breakout="")
    zones = Zone.objects.filter(board=change.board)
    return change.emit("breakouts.converged", {"zones": [zone_payload(z) for z in zones]})


@board_operation("breakout.join")
def breakout_join(change: Change, *, breakout: str):
    """A participant chooses their breakout group ("" to leave it)."""
    names = set(Zone.objects.filter(board=change.board).exclude(breakout="").values_list("breakout", flat=True))
    if breakout and breakout not in names:
        raise DomainError.for_field("breakout", "Choose one of the board's breakout groups.")
    change.participant.breakout = breakout
    change.participant.save(update_fields=["breakout"])
    return change.emit("participant.updated", participant_payload(change.participant))


# --- Promotion -----------------------------------------------------------------------------------------------------


@board_operation("promote", moderator=True, after_end=True, audited=True)
def promote(change: Change, *, target: str, card: int | None = None, group: int | None = None):
    """Turn a card or a group into an output elsewhere (a priority, a finding…), keeping the link to the board."""
    where = target_named(target)
    if where is None:
        raise DomainError.for_field("target", "That is not something a card can become here.")
    if (card is None) == (group is None):
        raise DomainError("Promote either one card or one group.")
    if _is_hidden(change.board):
        # A promotion copies the card's text elsewhere (a priority, a finding) and shows it on the board: until
        # the reveal, that text is its author's alone.
        raise Conflict("Reveal the cards before promoting: until then, what people wrote is private to them.")
    if card is not None:
        source_card = _card(change, card)
        source = Source(board=change.board, title=source_card.text, detail="", card=source_card, group=None)
    else:
        source_group = _group(change, group)
        texts = Card.objects.filter(group=source_group, removed_at__isnull=True).values_list("text", flat=True)
        detail = "\n".join(f"- {text}" for text in texts)
        source = Source(board=change.board, title=source_group.title, detail=detail, card=None, group=source_group)
    actor = User.objects.get(pk=change.viewer.user_id)
    made = where.create(actor=actor, source=source)
    promotion = Promotion.objects.create(
        board=change.board,
        card=source.card,
        group=source.group,
        target=where.name,
        target_id=made.id,
        target_label=made.label[:300],
        promoted_by=actor,
    )
    return change.emit("promoted", promotion_payload(promotion, url=made.url, target_label=where.label))


# --- Presence (ephemeral: not events) -----------------------------------------------------------------------------


def participant_connected(
    *, principal: Any, board_id: int, connected: bool
) -> tuple[Viewer | None, dict[str, Any] | None]:
    """Count a connection opening or closing; returns the viewer and the presence item to broadcast.

    A connection closing because its person lost access (a guest link withdrawn) is still counted as closed, so the
    others see them leave; the viewer is then None."""
    with transaction.atomic():
        board = _board(board_id)
        try:
            viewer = board_viewer(principal, board)
        except (NotFound, Forbidden):
            if connected:
                raise
            key = f"g:{principal.pk}" if isinstance(principal, Guest) else f"u:{principal.pk}"
            participant = Participant.objects.select_for_update().filter(board=board, key=key).first()
            if participant is None:
                return None, None
            participant.connections = max(0, participant.connections - 1)
            participant.save(update_fields=["connections"])
            return None, presence_item(participant)
        participant = _participant(board, viewer, lock=True)
        participant.connections = max(0, participant.connections + (1 if connected else -1))
        participant.last_seen = timezone.now()
        participant.save(update_fields=["connections", "last_seen"])
    return viewer, presence_item(participant)


def boards_open_for(user_id: int) -> list[int]:
    """The boards where the person has a connection open."""
    return list(Participant.objects.filter(user_id=user_id, connections__gt=0).values_list("board_id", flat=True))


def participant_seen(*, viewer: Viewer, board_id: int, writing: bool = False) -> dict[str, Any]:
    """A heartbeat, or "I am writing": refreshes presence without an event."""
    now = timezone.now()
    fields = {"last_seen": now}
    if writing:
        fields["writing_until"] = now + timedelta(seconds=6)
    Participant.objects.filter(board_id=board_id, key=viewer.key).update(**fields)
    participant = Participant.objects.get(board_id=board_id, key=viewer.key)
    return presence_item(participant)


PRESENCE_TIMEOUT = timedelta(seconds=75)


def is_online(participant: Participant) -> bool:
    return participant.connections > 0 and participant.last_seen > timezone.now() - PRESENCE_TIMEOUT


def presence_item(participant: Participant) -> dict[str, Any]:
    writing = bool(participant.writing_until and participant.writing_until > timezone.now())
    return {"presence": {**participant_payload(participant), "online": is_online(participant), "writing": writing}}


# --- Guests ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def guest_link_create(*, actor: User, board: Board, hours: int = 4) -> GuestLink:
    require_workshop(actor, Action.RUN_WORKSHOPS, board.workshop, what="invite guests")
    if not 1 <= hours <= GUEST_LINK_MAX_HOURS:
        raise DomainError.for_field("hours", f"A guest link can last between 1 and {GUEST_LINK_MAX_HOURS} hours.")
    link = GuestLink.objects.create(
        board=board,
        code=_unique_code(),
        created_by=actor,
        expires_at=timezone.now() + timedelta(hours=hours),
    )
    audit_record(
        actor=actor,
        action="guest_link.create",
        target=link,
        collaborative=board.workshop.collaborative,
        programme=board.workshop.programme,
        changes={"expires_at": [None, link.expires_at.isoformat()]},
    )
    return link


@transaction.atomic
def guest_link_revoke(*, actor: User, link: GuestLink) -> GuestLink:
    require_workshop(actor, Action.RUN_WORKSHOPS, link.board.workshop, what="withdraw guest links")
    if link.revoked_at:
        raise Conflict("This guest link has already been withdrawn.")
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="guest_link.revoke",
        target=link,
        collaborative=link.board.workshop.collaborative,
        programme=link.board.workshop.programme,
        changes={"revoked_at": [None, link.revoked_at.isoformat()]},
    )
    # Guests who joined through it are disconnected: their connections check again and are refused.
    live.reauthorize(KIND, link.board_id)
    return link


def guest_link_by_code(code: str) -> GuestLink:
    link = GuestLink.objects.select_related("board__workshop").filter(code=code.strip().upper()).first()
    if link is None:
        raise NotFound("There is no board with that code. Check the code on the screen and try again.")
    if link.revoked_at:
        raise Conflict("The facilitator has closed this guest link.")
    if link.expires_at <= timezone.now():
        raise Conflict("This guest link has expired. Ask the facilitator for a new code.")
    return link


@transaction.atomic
def guest_join(*, code: str, display_name: str) -> Guest:
    link = guest_link_by_code(code)
    name = display_name.strip()
    if not name:
        raise DomainError.for_field("display_name", "Enter the name others will see, for example “Sam (parent)”.")
    if len(name) > 80:
        raise DomainError.for_field("display_name", "Use a name of 80 characters or fewer.")
    guest = Guest.objects.create(link=link, board=link.board, display_name=name)
    audit_record(
        actor=None,
        actor_label=f"Guest: {name}",
        action="guest.join",
        target=guest,
        collaborative=link.board.workshop.collaborative,
        programme=link.board.workshop.programme,
        changes={"board": [None, link.board_id], "guest_link": [None, link.pk]},
    )
    return guest


# --- Payloads: the shapes clients receive -------------------------------------------------------------------------


def board_payload(board: Board) -> dict[str, Any]:
    return {
        "id": board.pk,
        "title": board.title,
        "prompt": board.prompt,
        "template": board.template,
        "phase": board.phase,
        "private_writing": board.private_writing,
        "revealed": board.is_revealed,
        "locked": board.locked,
        "facilitator": f"u:{board.facilitator_id}",
        "timer": {
            "ends_at": board.timer_ends_at.isoformat() if board.timer_ends_at else None,
            "paused_seconds": board.timer_paused_seconds,
        },
        "spotlight": board.spotlight,
        "vote_budget": board.vote_budget,
        "vote_cap_per_card": board.vote_cap_per_card,
        "voting_round": board.voting_round,
        "voting_open": board.voting_open,
    }


def card_payload(card: Card) -> dict[str, Any]:
    return {
        "id": card.pk,
        "zone": card.zone_id,
        "group": card.group_id,
        "text": card.text,
        "colour": card.colour,
        "author": None if card.anonymous else card.author.display_name,
        "author_key": None if card.anonymous else card.author.key,
        "anonymous": card.anonymous,
        "position": card.position,
    }


def hidden_card_payload(card: Card) -> dict[str, Any]:
    """What others see of a card written privately: that it exists, and where."""
    return {"id": card.pk, "zone": card.zone_id, "group": None, "hidden": True, "position": card.position}


def group_payload(group: CardGroup, cards: list[int] | None = None) -> dict[str, Any]:
    payload = {"id": group.pk, "zone": group.zone_id, "title": group.title, "position": group.position}
    if cards is not None:
        payload["cards"] = cards
    return payload


def zone_payload(zone: Zone) -> dict[str, Any]:
    return {"id": zone.pk, "title": zone.title, "position": zone.position, "breakout": zone.breakout}


def participant_payload(participant: Participant) -> dict[str, Any]:
    return {
        "key": participant.key,
        "name": participant.display_name,
        "guest": participant.guest_id is not None,
        "breakout": participant.breakout,
    }


def promotion_payload(promotion: Promotion, *, url: str, target_label: str) -> dict[str, Any]:
    return {
        "id": promotion.pk,
        "card": promotion.card_id,
        "group": promotion.group_id,
        "target": promotion.target,
        "target_name": target_label,
        "label": promotion.target_label,
        "url": url,
    }


def tallies(board: Board, voting_round: int) -> dict[str, int]:
    rows = (
        Vote.objects.filter(board=board, round=voting_round)
        .values("card_id")
        .annotate(n=Count("id"))
        .values_list("card_id", "n")
    )
    return {str(card_id): n for card_id, n in rows}


# --- Helpers ----------------------------------------------------------------------------------------------------------


def _one(queryset: QuerySet, pk: int) -> Any:
    """The row with this primary key, or None. Unlike `.first()`, `get` leaves out the model's default ordering: one
    row needs none, and building it is most of the cost of these small queries (a board's ordering joins its
    workshop)."""
    try:
        return queryset.get(pk=pk)
    except queryset.model.DoesNotExist:
        return None


def _board(board_id: int) -> Board:
    board = _one(Board.objects.select_related("workshop__collaborative__programme", "workshop__programme"), board_id)
    if board is None:
        raise NotFound()
    return board


def _participant_rows(board_id: int, viewers: list[Viewer]) -> dict[str, Participant]:
    """The rows of the people acting, by key: one per person, so one operation sees what the last one changed."""
    rows = {row.key: row for row in Participant.objects.filter(board_id=board_id, key__in={v.key for v in viewers})}
    for viewer in viewers:
        if viewer.key not in rows:
            rows[viewer.key] = _participant_row(board_id, viewer)
    return rows


def _participant_row(board_id: int, viewer: Viewer) -> Participant:
    """The acting participant's row, made on their first change (a connection makes it too, on joining)."""
    participant, _ = Participant.objects.get_or_create(
        board_id=board_id,
        key=viewer.key,
        defaults={"user_id": viewer.user_id, "guest_id": viewer.guest_id, "display_name": viewer.display_name},
    )
    return participant


def _participant(board: Board, viewer: Viewer, *, lock: bool = False) -> Participant:
    participant = _participant_row(board.pk, viewer)
    if lock:
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if participant.display_name != viewer.display_name:
        participant.display_name = viewer.display_name
        participant.save(update_fields=["display_name"])
    return participant


def _is_hidden(board: Board) -> bool:
    return not board.is_revealed


def _zone(change: Change, zone_id: Any) -> Zone:
    zone = _one(Zone.objects.filter(board=change.board), _id(zone_id, "zone"))
    if zone is None:
        raise DomainError.for_field("zone", "That area is not on this board.")
    return zone


def _group(change: Change, group_id: Any) -> CardGroup:
    group = _one(CardGroup.objects.filter(board=change.board), _id(group_id, "group"))
    if group is None:
        raise DomainError.for_field("group", "That group is not on this board.")
    if group.removed_at:
        raise Conflict("That group has been removed.")
    return group


def _card(change: Change, card_id: Any, *, own_or_moderator: bool = False) -> Card:
    card = _one(Card.objects.filter(board=change.board).select_related("author"), _id(card_id, "card"))
    hidden_from_me = card is not None and _is_hidden(change.board) and not _mine_or_moderator(change, card)
    if card is None or hidden_from_me:
        raise DomainError.for_field("card", "That card is not on this board.")
    if card.removed_at:
        raise Conflict("That card has been removed.")
    if own_or_moderator and not _mine_or_moderator(change, card):
        raise Forbidden("Only its author or the facilitator can change that card.")
    return card


def _mine_or_moderator(change: Change, card: Card) -> bool:
    return change.viewer.moderator or card.author.key == change.viewer.key


def _check_breakout(change: Change, zone: Zone) -> None:
    if zone.breakout and not change.viewer.moderator and change.participant.breakout != zone.breakout:
        raise Forbidden(f"“{zone.title}” is for the {zone.breakout} breakout group.")


def _check_voting(board: Board) -> None:
    if board.phase != Phase.VOTE or not board.voting_open:
        raise Conflict("Voting is not open on this board.")


def _check_votes(budget: int, cap: int) -> None:
    if not 1 <= budget <= 20:
        raise DomainError.for_field("vote_budget", "Give each person between 1 and 20 votes.")
    if not 1 <= cap <= budget:
        raise DomainError.for_field(
            "vote_cap_per_card", "The most votes on one card must be between 1 and the votes each."
        )


def _emit_card(change: Change, type: str, card: Card) -> LiveEvent:
    if _is_hidden(change.board):
        return change.emit(
            type,
            card_payload(card),
            redacted=hidden_card_payload(card),
            audience=card.author.key,
            anonymous=card.anonymous,
        )
    return change.emit(type, card_payload(card), anonymous=card.anonymous)


def _voted_card(change: Change, card_id: Any) -> tuple[Card, dict[str, int]]:
    """The card voted on, and the votes of the round: all of them, the participant's, and the participant's on the
    card; the stream lock keeps the counts true until this commits. Two plain queries: as one (three counting
    subqueries) it took Django longer to build than both take to run, and in a voting burst that was the lane's
    largest cost."""
    board, voter = change.board, change.participant
    card = _card(change, card_id)
    counts = Vote.objects.filter(board=board, round=board.voting_round).aggregate(
        cast=Count("pk"),
        mine=Count("pk", filter=Q(voter=voter)),
        mine_here=Count("pk", filter=Q(voter=voter, card=card)),
    )
    return card, counts


def _emit_vote(change: Change, card: Card, *, counts: dict[str, int]) -> LiveEvent:
    """The round's counts after the vote (see `_voted_card`): the voter sees theirs, everyone the total cast."""
    board, voter = change.board, change.participant
    payload = {
        "card": card.pk,
        "round": board.voting_round,
        "mine": counts["mine_here"],
        "remaining": board.vote_budget - counts["mine"],
        "cast": counts["cast"],
    }
    return change.emit(
        "vote.changed", payload, redacted={"round": board.voting_round, "cast": counts["cast"]}, audience=voter.key
    )


def _set_facilitator(change: Change, user: User) -> LiveEvent:
    change.board.facilitator = user
    change.board.save(update_fields=["facilitator"])
    event = change.emit("board.updated", board_payload(change.board))
    # Everyone's rights may have changed: connections check again who moderates.
    live.reauthorize(KIND, change.board.pk)
    return event


def _id(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DomainError.for_field(field, f"Give the {field} as a whole number id.")
    return value


def _clean(text: Any, field: str, limit: int) -> str:
    if not isinstance(text, str) or not text.strip():
        raise DomainError.for_field(field, "Write something first.")
    text = text.strip()
    if len(text) > limit:
        raise DomainError.for_field(field, f"Keep it to {limit} characters or fewer (this is {len(text)}).")
    return text


def _unique_code() -> str:
    while True:
        code = "".join(secrets.choice(GUEST_CODE_ALPHABET) for _ in range(8))
        if not GuestLink.objects.filter(code=code).exists():
            return code
