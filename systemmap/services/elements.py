"""Writes of a map's elements and connections. Each change is audited and becomes a live event on the map's stream.

Events (their payloads are the shapes in `systemmap.payloads`):
- "element.added", "element.updated": the element;
- "elements.moved": {"positions": [{"id", "x", "y"}, ...]} (one element dragged, or a whole layout saved);
- "element.removed": {"id", "connections": [ids], "evidence": [ids], "comments": [ids]} — everything that went with it;
- "connection.added", "connection.updated": the connection;
- "connection.removed": {"id", "evidence": [ids]}.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from collab.audit import changes_between, snapshot
from collab.errors import DomainError
from collab.models import User
from systemmap.models import (
    DESCRIPTION_MAX,
    LABEL_MAX,
    NOTE_MAX,
    Connection,
    ConnectionType,
    Element,
    ElementType,
    Evidence,
    Map,
    MapComment,
    Polarity,
)
from systemmap.payloads import connection_payload, element_payload
from systemmap.services.common import (
    UNSET,
    begin,
    clean_choice,
    clean_coordinate,
    clean_journey_step,
    clean_sector,
    clean_strength,
    clean_tags,
    clean_text,
    connection_in,
    element_in,
)

ELEMENTS_PER_MAP = 5000
CONNECTIONS_PER_MAP = 20000
MOVES_AT_ONCE = ELEMENTS_PER_MAP
ELEMENT_FIELDS = ["label", "type", "sector", "description", "tags", "x", "y", "journey_step"]
CONNECTION_FIELDS = ["source", "target", "type", "polarity", "strength", "note"]


# --- Elements ----------------------------------------------------------------------------------------------------


@transaction.atomic
def element_create(
    *,
    actor: User,
    map: Map,
    label: str,
    type: str,
    sector: str = "",
    description: str = "",
    tags: Iterable[str] | None = None,
    x: float | None = None,
    y: float | None = None,
    journey_step: int | None = None,
    op_key: str | None = None,
) -> Element:
    edit = begin(actor, map, what="add to system maps", op_key=op_key)
    if Element.objects.filter(map=map).count() >= ELEMENTS_PER_MAP:
        raise DomainError(f"A map can hold at most {ELEMENTS_PER_MAP:,} elements.")
    element_type = clean_choice(type, "type", ElementType, what="a type")
    element = Element.objects.create(
        map=map,
        label=clean_text(label, "label", LABEL_MAX, what="the element a label"),
        type=element_type,
        sector=clean_sector(sector),
        description=clean_text(description, "description", DESCRIPTION_MAX, required=False),
        tags=clean_tags(list(tags) if tags is not None else []),
        x=clean_coordinate(x, "x"),
        y=clean_coordinate(y, "y"),
        journey_step=clean_journey_step(journey_step, element_type),
    )
    edit.audit("systemmap.element.create", element, {"label": [None, element.label], "type": [None, element.type]})
    edit.emit("element.added", element_payload(element))
    return element


@transaction.atomic
def element_update(
    *,
    actor: User,
    element: Element,
    label: Any = UNSET,
    type: Any = UNSET,
    sector: Any = UNSET,
    description: Any = UNSET,
    tags: Any = UNSET,
    x: Any = UNSET,
    y: Any = UNSET,
    journey_step: Any = UNSET,
    op_key: str | None = None,
) -> Element:
    edit = begin(actor, element.map, what="change system maps", op_key=op_key)
    target = element_in(edit.map, element)
    before = snapshot(target, ELEMENT_FIELDS)
    if label is not UNSET:
        target.label = clean_text(label, "label", LABEL_MAX, what="the element a label")
    if type is not UNSET:
        target.type = clean_choice(type, "type", ElementType, what="a type")
    if sector is not UNSET:
        target.sector = clean_sector(sector)
    if description is not UNSET:
        target.description = clean_text(description, "description", DESCRIPTION_MAX, required=False)
    if tags is not UNSET:
        target.tags = clean_tags(tags)
    if x is not UNSET:
        target.x = clean_coordinate(x, "x")
    if y is not UNSET:
        target.y = clean_coordinate(y, "y")
    if journey_step is not UNSET:
        target.journey_step = clean_journey_step(journey_step, target.type)
    elif target.type != ElementType.STAGE:
        target.journey_step = None  # no longer a stage: no longer a step of the journey
    target.save()
    changes = changes_between(before, snapshot(target, ELEMENT_FIELDS))
    edit.audit("systemmap.element.update", target, changes)
    edit.emit("element.updated", element_payload(target))
    return target


@transaction.atomic
def elements_move(
    *, actor: User, map: Map, positions: list[tuple[int, float, float]], op_key: str | None = None
) -> list[Element]:
    """Save the positions of one or many elements (a drag, or a whole layout) as one change."""
    edit = begin(actor, map, what="arrange system maps", op_key=op_key)
    if not positions:
        raise DomainError.for_field("positions", "Give at least one element's position.")
    if len(positions) > MOVES_AT_ONCE:
        raise DomainError.for_field("positions", f"Move at most {MOVES_AT_ONCE:,} elements at once.")
    wanted: dict[int, tuple[float, float]] = {}
    for pk, x, y in positions:
        wanted[pk] = (clean_coordinate(x, "x"), clean_coordinate(y, "y"))
    elements = list(Element.objects.filter(map=map, pk__in=list(wanted)))
    missing = sorted(set(wanted) - {e.pk for e in elements})
    if missing:
        raise DomainError.for_field(
            "positions", f"Not on this map (or removed): element {', '.join(str(pk) for pk in missing)}."
        )
    for element in elements:
        element.x, element.y = wanted[element.pk]
    Element.objects.bulk_update(elements, ["x", "y"])
    # One audit row per move, not per element: positions are how a map looks, not what it says.
    edit.audit("systemmap.elements.move", map, {"moved": [None, len(elements)]})
    edit.emit("elements.moved", {"positions": [{"id": e.pk, "x": e.x, "y": e.y} for e in elements]})
    return elements


@transaction.atomic
def element_delete(*, actor: User, element: Element, op_key: str | None = None) -> None:
    """Remove an element with its connections and the evidence and comments attached to them (a saved version keeps
    how the map was)."""
    edit = begin(actor, element.map, what="remove things from system maps", op_key=op_key)
    target = element_in(edit.map, element)
    connections = list(Connection.objects.filter(map=edit.map, source=target).values_list("pk", flat=True)) + list(
        Connection.objects.filter(map=edit.map, target=target).values_list("pk", flat=True)
    )
    evidence = list(Evidence.objects.filter(map=edit.map, element=target).values_list("pk", flat=True)) + list(
        Evidence.objects.filter(map=edit.map, connection__in=connections).values_list("pk", flat=True)
    )
    comments = list(MapComment.objects.filter(map=edit.map, element=target).values_list("pk", flat=True))
    edit.audit(
        "systemmap.element.delete",
        target,
        {"label": [target.label, None], "connections": [len(connections), 0], "evidence": [len(evidence), 0]},
    )
    payload = {"id": target.pk, "connections": sorted(set(connections)), "evidence": sorted(evidence)}
    edit.emit("element.removed", {**payload, "comments": comments})
    target.delete()


# --- Connections -------------------------------------------------------------------------------------------------


@transaction.atomic
def connection_create(
    *,
    actor: User,
    map: Map,
    source: Element | int,
    target: Element | int,
    type: str = ConnectionType.INFLUENCE,
    polarity: str = Polarity.SAME,
    strength: int = 3,
    note: str = "",
    op_key: str | None = None,
) -> Connection:
    edit = begin(actor, map, what="add to system maps", op_key=op_key)
    if Connection.objects.filter(map=map).count() >= CONNECTIONS_PER_MAP:
        raise DomainError(f"A map can hold at most {CONNECTIONS_PER_MAP:,} connections.")
    start = element_in(map, source, field="source")
    end = element_in(map, target, field="target")
    if start.pk == end.pk:
        raise DomainError.for_field("target", "A connection joins two different elements.")
    connection = Connection.objects.create(
        map=map,
        source=start,
        target=end,
        type=clean_choice(type, "type", ConnectionType, what="a type of connection"),
        polarity=clean_choice(polarity, "polarity", Polarity, what="a polarity"),
        strength=clean_strength(strength),
        note=clean_text(note, "note", NOTE_MAX, required=False),
    )
    edit.audit(
        "systemmap.connection.create",
        connection,
        {"source": [None, start.label], "target": [None, end.label], "type": [None, connection.type]},
    )
    edit.emit("connection.added", connection_payload(connection))
    return connection


@transaction.atomic
def connection_update(
    *,
    actor: User,
    connection: Connection,
    source: Any = UNSET,
    target: Any = UNSET,
    type: Any = UNSET,
    polarity: Any = UNSET,
    strength: Any = UNSET,
    note: Any = UNSET,
    op_key: str | None = None,
) -> Connection:
    edit = begin(actor, connection.map, what="change system maps", op_key=op_key)
    found = connection_in(edit.map, connection)
    before = snapshot(found, CONNECTION_FIELDS)
    if source is not UNSET:
        found.source = element_in(edit.map, source, field="source")
    if target is not UNSET:
        found.target = element_in(edit.map, target, field="target")
    if found.source_id == found.target_id:
        raise DomainError.for_field("target", "A connection joins two different elements.")
    if type is not UNSET:
        found.type = clean_choice(type, "type", ConnectionType, what="a type of connection")
    if polarity is not UNSET:
        found.polarity = clean_choice(polarity, "polarity", Polarity, what="a polarity")
    if strength is not UNSET:
        found.strength = clean_strength(strength)
    if note is not UNSET:
        found.note = clean_text(note, "note", NOTE_MAX, required=False)
    found.save()
    edit.audit("systemmap.connection.update", found, changes_between(before, snapshot(found, CONNECTION_FIELDS)))
    edit.emit("connection.updated", connection_payload(found))
    return found


@transaction.atomic
def connection_delete(*, actor: User, connection: Connection, op_key: str | None = None) -> None:
    edit = begin(actor, connection.map, what="remove things from system maps", op_key=op_key)
    found = connection_in(edit.map, connection)
    evidence = list(Evidence.objects.filter(map=edit.map, connection=found).values_list("pk", flat=True))
    edit.audit(
        "systemmap.connection.delete", found, {"source": [found.source_id, None], "evidence": [len(evidence), 0]}
    )
    edit.emit("connection.removed", {"id": found.pk, "evidence": evidence})
    found.delete()
