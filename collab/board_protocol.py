"""The workshop board as a live object: the shape of each operation a client may send (checked here, at the edge,
before any service runs) and the `LiveKind` that joins the board to the generic live consumer.

Client → server frames (JSON, one per message):
    {"type": "hello", "since": <last seq seen, or null>}        → a "snapshot" or the "events" missed
    {"type": "op", "id": "<client op id>", "op": "card.add", "data": {...}}  → "ack" or "error" with the same id
    {"type": "presence", "writing": true}                        → presence broadcast, coalesced
    {"type": "ping", "id": ...}                                  → "pong" with the board's head `seq`
Server → client frames: "welcome", "snapshot", "events", "batch" (events and presence, coalesced), "ack" (with
"replayed": true when it answers a retry), "error", "pong". Every event has a per-board `seq`; a client that sees a
gap, or a pong's head beyond its last event, sends "hello" again with the last seq it has. The promises in full are
in the README ("Live boards and maps: what the protocol promises").
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from collab.errors import DomainError
from collab.live import LiveKind, Viewer
from collab.models import CARD_TEXT_MAX, TITLE_MAX, CardColour, LiveEvent, Phase
from collab.services import boards as board_services


def _id(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=2**62, **kwargs)


class CardAdd(serializers.Serializer):
    zone = _id()
    text = serializers.CharField(max_length=CARD_TEXT_MAX)
    colour = serializers.ChoiceField(choices=CardColour.choices, default=CardColour.YELLOW)
    anonymous = serializers.BooleanField(default=False)


class CardEdit(serializers.Serializer):
    card = _id()
    text = serializers.CharField(max_length=CARD_TEXT_MAX, required=False)
    colour = serializers.ChoiceField(choices=CardColour.choices, required=False)


class CardMove(serializers.Serializer):
    card = _id()
    zone = _id(required=False, allow_null=True)
    group = _id(required=False, allow_null=True)
    position = serializers.FloatField(required=False, min_value=-1e12, max_value=1e12)


class CardRef(serializers.Serializer):
    card = _id()


class GroupCreate(serializers.Serializer):
    zone = _id()
    title = serializers.CharField(max_length=TITLE_MAX)
    cards = serializers.ListField(child=_id(), required=False, max_length=200)


class GroupRename(serializers.Serializer):
    group = _id()
    title = serializers.CharField(max_length=TITLE_MAX)


class GroupRef(serializers.Serializer):
    group = _id()


class Nothing(serializers.Serializer):
    pass


class PhaseSet(serializers.Serializer):
    phase = serializers.ChoiceField(choices=Phase.choices)


class BoardSettings(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX, required=False)
    prompt = serializers.CharField(max_length=500, required=False, allow_blank=True)
    private_writing = serializers.BooleanField(required=False)
    vote_budget = serializers.IntegerField(min_value=1, max_value=20, required=False)
    vote_cap_per_card = serializers.IntegerField(min_value=1, max_value=20, required=False)


class BoardLock(serializers.Serializer):
    locked = serializers.BooleanField()


class TimerSet(serializers.Serializer):
    action = serializers.ChoiceField(choices=["start", "pause", "resume", "stop"])
    seconds = serializers.IntegerField(min_value=1, max_value=board_services.MAX_TIMER_SECONDS, required=False)


class SpotlightSet(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["card", "group"], required=False, allow_null=True)
    id = _id(required=False, allow_null=True)


class Handover(serializers.Serializer):
    to = serializers.RegexField(r"^u:\d{1,18}$", max_length=24, error_messages={"invalid": "Choose a participant."})


class ZoneAdd(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX)
    breakout = serializers.CharField(max_length=TITLE_MAX, required=False, allow_blank=True, default="")


class ZoneUpdate(serializers.Serializer):
    zone = _id()
    title = serializers.CharField(max_length=TITLE_MAX, required=False)
    breakout = serializers.CharField(max_length=TITLE_MAX, required=False, allow_blank=True)


class BreakoutJoin(serializers.Serializer):
    breakout = serializers.CharField(max_length=TITLE_MAX, allow_blank=True)


class Promote(serializers.Serializer):
    target = serializers.CharField(max_length=40)
    card = _id(required=False, allow_null=True)
    group = _id(required=False, allow_null=True)


SCHEMAS: dict[str, type[serializers.Serializer]] = {
    "card.add": CardAdd,
    "card.edit": CardEdit,
    "card.move": CardMove,
    "card.remove": CardRef,
    "cards.reveal": Nothing,
    "group.create": GroupCreate,
    "group.rename": GroupRename,
    "group.remove": GroupRef,
    "vote.add": CardRef,
    "vote.remove": CardRef,
    "phase.set": PhaseSet,
    "board.settings": BoardSettings,
    "board.lock": BoardLock,
    "timer.set": TimerSet,
    "spotlight.set": SpotlightSet,
    "facilitator.handover": Handover,
    "facilitator.take": Nothing,
    "zone.add": ZoneAdd,
    "zone.update": ZoneUpdate,
    "breakouts.converge": Nothing,
    "breakout.join": BreakoutJoin,
    "promote": Promote,
}
assert set(SCHEMAS) == set(board_services.OPERATIONS), "every board operation needs a message schema"


def validate_op(op: Any, data: Any) -> dict[str, Any]:
    """The operation's data, checked for shape, types and sizes; a DomainError naming each bad field otherwise."""
    schema = SCHEMAS.get(op) if isinstance(op, str) else None
    if schema is None:
        raise DomainError.for_field("op", f"Unknown operation. Known: {', '.join(sorted(SCHEMAS))}.")
    if not isinstance(data, dict):
        raise DomainError.for_field("data", "Send the operation's data as an object.")
    unknown = sorted(set(data) - set(schema().fields))
    if unknown:
        raise DomainError(f"Unexpected field(s) for {op}: {', '.join(unknown)}.")
    serializer = schema(data=data)
    if not serializer.is_valid():
        fields = {name: [str(m) for m in messages] for name, messages in serializer.errors.items()}
        first = next(iter(fields.values()))[0] if fields else "That operation was not valid."
        raise DomainError(first, fields=fields)
    return dict(serializer.validated_data)


class BoardKind(LiveKind):
    name = board_services.KIND

    def authorize(self, principal: Any, object_id: int) -> Viewer:
        from collab.selectors.boards import board_get

        return board_get(principal, object_id)[1]

    def join(self, principal: Any, object_id: int, *, connected: bool) -> tuple[Viewer, dict[str, Any] | None]:
        return board_services.participant_connected(principal=principal, board_id=object_id, connected=connected)

    def snapshot(self, principal: Any, object_id: int) -> dict[str, Any]:
        from collab.selectors.boards import board_get, board_state

        board, viewer = board_get(principal, object_id)
        return board_state(viewer, board)

    def apply(self, principal: Any, object_id: int, op: str, data: dict[str, Any], op_key: str) -> LiveEvent:
        clean = validate_op(op, data)
        return board_services.apply(principal=principal, board_id=object_id, op=op, data=clean, op_key=op_key)

    def prepare(self, principal: Any, object_id: int, op: Any, data: Any, op_key: str) -> board_services.Submission:
        clean = validate_op(op, data)
        return board_services.submission(principal=principal, op=op, data=clean, op_key=op_key)

    def apply_many(self, object_id: int, prepared: list[board_services.Submission]) -> list[LiveEvent | Exception]:
        return board_services.apply_many(object_id, prepared)

    def seen(self, viewer: Viewer, object_id: int, *, writing: bool) -> dict[str, Any] | None:
        return board_services.participant_seen(viewer=viewer, board_id=object_id, writing=writing)

    def open_for(self, user_id: int, collaborative_id: int) -> list[int]:
        # Any board, not only the collaborative's: a programme team member's standing reaches cross-locality ones.
        return board_services.boards_open_for(user_id)
