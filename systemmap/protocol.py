"""A system map as a live object: the `LiveKind` that joins maps to the generic live consumer at
`/ws/live/systemmap/<map id>/`, and the shape of each operation a client may send (checked here, at the edge, before
any service runs).

The frames are the boards' (see `collab.board_protocol`): "hello" (with the last seq seen) → "snapshot" (the
`selectors.map_data` shape) or the "events" missed; "op" → "ack" or "error"; "presence"; "ping". Operations:

    map.update        {title?, description?}
    element.add       {label, type, sector?, description?, tags?, x?, y?, journey_step?}
    element.update    {element, label?, type?, sector?, description?, tags?, x?, y?, journey_step?}
    element.move      {element, x, y}
    elements.move     {positions: [{id, x, y}, ...]}            (a whole layout)
    element.remove    {element}
    connection.add    {source, target, type?, polarity?, strength?, note?}
    connection.update {connection, source?, target?, type?, polarity?, strength?, note?}
    connection.remove {connection}
    evidence.add      {element | connection | finding, kind, source_kind, text, attribution?, count?, reference?,
                       collected_on?, sensitive?, confirm?}
    evidence.update   {evidence, kind?, source_kind?, text?, attribution?, count?, reference?, collected_on?,
                       sensitive?, confirm?}
    evidence.remove   {evidence}
    finding.add       {title, summary?, elements?, evidence?}
    finding.update    {finding, title?, summary?, position?, elements?, evidence?}
    finding.remove    {finding}
    comment.add       {body, element? | finding?}
    comment.remove    {comment}

The same changes made through the API emit the same events. Guests (board-only visitors) cannot open maps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from rest_framework import serializers

from collab import live
from collab.access import refresh_grants
from collab.errors import DomainError, NotFound
from collab.live import LiveKind, Viewer
from collab.models import LiveEvent, Sector, User
from systemmap import services
from systemmap.models import (
    ATTRIBUTION_MAX,
    COMMENT_MAX,
    DESCRIPTION_MAX,
    EVIDENCE_TEXT_MAX,
    FINDING_TITLE_MAX,
    LABEL_MAX,
    NOTE_MAX,
    REFERENCE_MAX,
    TAG_MAX,
    TAGS_MAX,
    TITLE_MAX,
    ConnectionType,
    ElementType,
    EvidenceKind,
    Map,
    MapComment,
    Polarity,
    SourceKind,
)
from systemmap.selectors import map_data, map_get, map_viewer
from systemmap.services.common import KIND, connection_in, element_in, evidence_in, finding_in


def _id(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=2**62, **kwargs)


def _coordinate(**kwargs: Any) -> serializers.FloatField:
    return serializers.FloatField(min_value=-1e7, max_value=1e7, **kwargs)


class MapUpdate(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX, required=False)
    description = serializers.CharField(max_length=DESCRIPTION_MAX, required=False, allow_blank=True)


class _ElementFields(serializers.Serializer):
    sector = serializers.ChoiceField(choices=Sector.choices, required=False, allow_blank=True)
    description = serializers.CharField(max_length=DESCRIPTION_MAX, required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=TAG_MAX), max_length=TAGS_MAX, required=False)
    x = _coordinate(required=False, allow_null=True)
    y = _coordinate(required=False, allow_null=True)
    journey_step = serializers.IntegerField(min_value=1, max_value=1000, required=False, allow_null=True)


class ElementAdd(_ElementFields):
    label = serializers.CharField(max_length=LABEL_MAX)
    type = serializers.ChoiceField(choices=ElementType.choices)


class ElementUpdate(_ElementFields):
    element = _id()
    label = serializers.CharField(max_length=LABEL_MAX, required=False)
    type = serializers.ChoiceField(choices=ElementType.choices, required=False)


class ElementMove(serializers.Serializer):
    element = _id()
    x = _coordinate()
    y = _coordinate()


class Position(serializers.Serializer):
    id = _id()
    x = _coordinate()
    y = _coordinate()


class ElementsMove(serializers.Serializer):
    positions = Position(many=True, min_length=1, max_length=5000)


class ElementRef(serializers.Serializer):
    element = _id()


class _ConnectionFields(serializers.Serializer):
    type = serializers.ChoiceField(choices=ConnectionType.choices, required=False)
    polarity = serializers.ChoiceField(choices=Polarity.choices, required=False)
    strength = serializers.IntegerField(min_value=1, max_value=5, required=False)
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True)


class ConnectionAdd(_ConnectionFields):
    source = _id()
    target = _id()


class ConnectionUpdate(_ConnectionFields):
    connection = _id()
    source = _id(required=False)
    target = _id(required=False)


class ConnectionRef(serializers.Serializer):
    connection = _id()


class _EvidenceFields(serializers.Serializer):
    attribution = serializers.CharField(max_length=ATTRIBUTION_MAX, required=False, allow_blank=True)
    count = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False, allow_null=True)
    reference = serializers.CharField(max_length=REFERENCE_MAX, required=False, allow_blank=True)
    collected_on = serializers.DateField(required=False, allow_null=True)
    sensitive = serializers.BooleanField(required=False)
    confirm = serializers.BooleanField(required=False)  # text that seems to identify someone: checked, it does not


class EvidenceAdd(_EvidenceFields):
    element = _id(required=False, allow_null=True)
    connection = _id(required=False, allow_null=True)
    finding = _id(required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    source_kind = serializers.ChoiceField(choices=SourceKind.choices)
    text = serializers.CharField(max_length=EVIDENCE_TEXT_MAX)


class EvidenceUpdate(_EvidenceFields):
    evidence = _id()
    kind = serializers.ChoiceField(choices=EvidenceKind.choices, required=False)
    source_kind = serializers.ChoiceField(choices=SourceKind.choices, required=False)
    text = serializers.CharField(max_length=EVIDENCE_TEXT_MAX, required=False)


class EvidenceRef(serializers.Serializer):
    evidence = _id()


class FindingAdd(serializers.Serializer):
    title = serializers.CharField(max_length=FINDING_TITLE_MAX)
    summary = serializers.CharField(max_length=DESCRIPTION_MAX, required=False, allow_blank=True)
    elements = serializers.ListField(child=_id(), max_length=500, required=False)
    evidence = serializers.ListField(child=_id(), max_length=500, required=False)


class FindingUpdate(serializers.Serializer):
    finding = _id()
    title = serializers.CharField(max_length=FINDING_TITLE_MAX, required=False)
    summary = serializers.CharField(max_length=DESCRIPTION_MAX, required=False, allow_blank=True)
    position = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
    elements = serializers.ListField(child=_id(), max_length=500, required=False)
    evidence = serializers.ListField(child=_id(), max_length=500, required=False)


class FindingRef(serializers.Serializer):
    finding = _id()


class CommentAdd(serializers.Serializer):
    body = serializers.CharField(max_length=COMMENT_MAX)
    element = _id(required=False, allow_null=True)
    finding = _id(required=False, allow_null=True)


class CommentRef(serializers.Serializer):
    comment = _id()


# --- Operations: each calls a service with the map's items looked up on this map ------------------------------------


def _comment(map_: Any, pk: int) -> MapComment:
    found = MapComment.objects.filter(map=map_, pk=pk).select_related("map__collaborative").first()
    if found is None:
        raise DomainError.for_field("comment", "That comment is not on this map (it may have been removed).")
    return found


Operation = Callable[[User, Any, dict[str, Any], str], Any]

OPERATIONS: dict[str, tuple[type[serializers.Serializer], Operation]] = {
    "map.update": (MapUpdate, lambda u, m, d, k: services.map_update(actor=u, map=m, op_key=k, **d)),
    "element.add": (ElementAdd, lambda u, m, d, k: services.element_create(actor=u, map=m, op_key=k, **d)),
    "element.update": (
        ElementUpdate,
        lambda u, m, d, k: services.element_update(actor=u, element=element_in(m, d.pop("element")), op_key=k, **d),
    ),
    "element.move": (
        ElementMove,
        lambda u, m, d, k: services.elements_move(actor=u, map=m, positions=[(d["element"], d["x"], d["y"])], op_key=k),
    ),
    "elements.move": (
        ElementsMove,
        lambda u, m, d, k: services.elements_move(
            actor=u, map=m, positions=[(p["id"], p["x"], p["y"]) for p in d["positions"]], op_key=k
        ),
    ),
    "element.remove": (
        ElementRef,
        lambda u, m, d, k: services.element_delete(actor=u, element=element_in(m, d["element"]), op_key=k),
    ),
    "connection.add": (ConnectionAdd, lambda u, m, d, k: services.connection_create(actor=u, map=m, op_key=k, **d)),
    "connection.update": (
        ConnectionUpdate,
        lambda u, m, d, k: services.connection_update(
            actor=u, connection=connection_in(m, d.pop("connection")), op_key=k, **d
        ),
    ),
    "connection.remove": (
        ConnectionRef,
        lambda u, m, d, k: services.connection_delete(actor=u, connection=connection_in(m, d["connection"]), op_key=k),
    ),
    "evidence.add": (
        EvidenceAdd,
        lambda u, m, d, k: services.evidence_create(
            actor=u, map=m, op_key=k, **{key: v for key, v in d.items() if v is not None or key == "count"}
        ),
    ),
    "evidence.update": (
        EvidenceUpdate,
        lambda u, m, d, k: services.evidence_update(actor=u, evidence=evidence_in(m, d.pop("evidence")), op_key=k, **d),
    ),
    "evidence.remove": (
        EvidenceRef,
        lambda u, m, d, k: services.evidence_delete(actor=u, evidence=evidence_in(m, d["evidence"]), op_key=k),
    ),
    "finding.add": (FindingAdd, lambda u, m, d, k: services.finding_create(actor=u, map=m, op_key=k, **d)),
    "finding.update": (
        FindingUpdate,
        lambda u, m, d, k: services.finding_update(actor=u, finding=finding_in(m, d.pop("finding")), op_key=k, **d),
    ),
    "finding.remove": (
        FindingRef,
        lambda u, m, d, k: services.finding_delete(actor=u, finding=finding_in(m, d["finding"]), op_key=k),
    ),
    "comment.add": (
        CommentAdd,
        lambda u, m, d, k: services.comment_create(
            actor=u, map=m, op_key=k, **{key: v for key, v in d.items() if v is not None}
        ),
    ),
    "comment.remove": (
        CommentRef,
        lambda u, m, d, k: services.comment_delete(actor=u, comment=_comment(m, d["comment"]), op_key=k),
    ),
}


def validate_op(op: Any, data: Any) -> tuple[Operation, dict[str, Any]]:
    """The operation and its data, checked for shape, types and sizes; a DomainError naming each bad field."""
    entry = OPERATIONS.get(op) if isinstance(op, str) else None
    if entry is None:
        raise DomainError.for_field("op", f"Unknown operation. Known: {', '.join(sorted(OPERATIONS))}.")
    schema, operation = entry
    if not isinstance(data, dict):
        raise DomainError.for_field("data", "Send the operation's data as an object.")
    unknown = sorted(set(data) - set(schema().fields))
    if unknown:
        raise DomainError(f"Unexpected field(s) for {op}: {', '.join(unknown)}.")
    serializer = schema(data=data)
    if not serializer.is_valid():
        fields = {name: [str(m) for m in _messages(messages)] for name, messages in serializer.errors.items()}
        first = next(iter(fields.values()))[0] if fields else "That operation was not valid."
        raise DomainError(first, fields=fields)
    return operation, dict(serializer.validated_data)


def _messages(messages: Any) -> list[str]:
    if isinstance(messages, dict):
        return [str(m) for value in messages.values() for m in _messages(value)]
    if isinstance(messages, list):
        return [m for value in messages for m in _messages(value)]
    return [str(messages)]


def apply(*, principal: Any, map_id: int, op: str, data: dict[str, Any], op_key: str) -> LiveEvent:
    """Apply one operation: a retry (same person, same op id) gets the event the first delivery produced, marked as a
    replay; the same id used for another change is refused (`live.OpIdReused`)."""
    operation, clean = validate_op(op, data)
    digest = live.op_digest(op, clean) if op_key else ""
    try:
        return _apply_once(principal, map_id, operation, clean, op_key, digest)
    except IntegrityError as error:
        # Another process applied a delivery of the same operation while this one waited for the stream's lock:
        # that answer is committed now, and a second attempt finds it.
        if not op_key or "one_event_per_client_op" not in str(error):
            raise
        return _apply_once(principal, map_id, operation, clean, op_key, digest)


@transaction.atomic
def _apply_once(principal: Any, map_id: int, operation, clean: dict[str, Any], op_key: str, digest: str) -> LiveEvent:
    map_ = map_get(principal, map_id)
    stream = live.stream_for_update(KIND, map_id)
    done = live.replayed(stream, op_key)
    if done is not None:
        return live.replay_of(done, digest)
    operation(principal, map_, clean, op_key)
    event = live.replayed(stream, op_key)
    if event is None:  # every operation emits: this would be a bug, not a person's mistake
        raise DomainError("That change produced no event.")
    if digest:
        LiveEvent.objects.filter(pk=event.pk).update(op_digest=digest)
        event.op_digest = digest
    return event


class MapKind(LiveKind):
    name = KIND

    def authorize(self, principal: Any, object_id: int) -> Viewer:
        if not isinstance(principal, User):
            raise NotFound()  # a board's guest sees that board and nothing else
        map_ = map_get(principal, object_id)
        viewer = map_viewer(principal, map_)
        return Viewer(
            key=f"u:{principal.pk}",
            display_name=principal.display_name,
            can_write=viewer.can_edit,
            moderator=viewer.sees_sensitive,  # sees events in full: sensitive evidence and small counts
            user_id=principal.pk,
            extra={"can_comment": viewer.can_comment},
        )

    def join(self, principal: Any, object_id: int, *, connected: bool) -> tuple[Viewer, dict[str, Any] | None]:
        viewer = self.authorize(principal, object_id)
        return viewer, _presence(viewer, online=connected)

    def snapshot(self, principal: Any, object_id: int) -> dict[str, Any]:
        if not isinstance(principal, User):
            raise NotFound()
        return map_data(principal, map_get(principal, object_id))

    def apply(self, principal: Any, object_id: int, op: str, data: dict[str, Any], op_key: str) -> LiveEvent:
        if not isinstance(principal, User):
            raise NotFound()
        return apply(principal=principal, map_id=object_id, op=op, data=data, op_key=op_key)

    def apply_many(self, object_id: int, prepared: list[Any]) -> list[LiveEvent | Exception]:
        # A connection keeps its user object all workshop long: ask the policy with memberships as they are now.
        refresh_grants(principal for principal, *_ in prepared if isinstance(principal, User))
        return super().apply_many(object_id, prepared)

    def seen(self, viewer: Viewer, object_id: int, *, writing: bool) -> dict[str, Any] | None:
        return _presence(viewer, online=True, writing=writing)

    def open_for(self, user_id: int, collaborative_id: int) -> list[int]:
        # Who has a map open is not stored: every map of the collaborative checks.
        return list(Map.objects.filter(collaborative_id=collaborative_id).values_list("pk", flat=True))


def _presence(viewer: Viewer, *, online: bool, writing: bool = False) -> dict[str, Any]:
    """Who has the map open: ephemeral, never stored."""
    return {"presence": {"key": viewer.key, "name": viewer.display_name, "online": online, "writing": writing}}
