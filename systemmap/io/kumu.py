"""Kumu's own JSON, read and written, so facilitators can move maps between Kumu and the workspace both ways.

Read: a Kumu project backup ("Export .json": elements and connections with `_id` and `attributes`, positions under
`maps[].elements`, hand-made loops under `loops`) or a Kumu blueprint (`{"elements": [{"label": ...}],
"connections": [{"from": ..., "to": ...}]}`). Kumu's causal-loop connection types become polarities: "++" and "--"
(both ends move the same way) are +, "+-" and "-+" are −. A connection with no type is taken as + and said so. An
element type the workspace does not have becomes the default type, with Kumu's type kept as a tag. Kumu's `_id`s are
kept, with anything else the file carried (undirected connections, loops, "--" rather than "++"), so that writing the
map back gives Kumu the same items.

Write: a project backup in the same layout, which Kumu restores as a new project.
"""

from __future__ import annotations

import json
from typing import Any

from systemmap.io.common import (
    DEFAULT_ELEMENT_TYPE,
    KUMU_SIGNS,
    MAX_CONNECTION_ROWS,
    MAX_ELEMENT_ROWS,
    ConnectionIn,
    Existing,
    ImportData,
    Problem,
    Resolver,
    RowProblems,
    check_connection_values,
    check_element,
    check_ids,
    text,
)
from systemmap.io.export import MapExport
from systemmap.models import DESCRIPTION_MAX, TITLE_MAX, ConnectionType, ElementType, Polarity

ELEMENT_ATTRIBUTES = {"label", "element type", "type", "description", "tags", "sector", "journey step"}
CONNECTION_ATTRIBUTES = {"connection type", "description", "strength", "relationship", "polarity"}


def is_kumu(document: Any) -> bool:
    return isinstance(document, dict) and isinstance(document.get("elements"), list)


def _is_project(document: dict[str, Any]) -> bool:
    return any(isinstance(e, dict) and ("_id" in e or "attributes" in e) for e in document["elements"]) or bool(
        document.get("maps")
    )


def parse(document: dict[str, Any], existing: Existing, problems: list[Problem]) -> ImportData:
    data = ImportData(format="kumu")
    data.title = text(document.get("name"))[:TITLE_MAX]
    data.description = text(document.get("description"))[:DESCRIPTION_MAX]
    elements = document.get("elements") or []
    connections = document.get("connections") or []
    if not isinstance(connections, list):
        problems.append(Problem("connections", None, "“connections” should be a list."))
        connections = []
    if len(elements) > MAX_ELEMENT_ROWS or len(connections) > MAX_CONNECTION_ROWS:
        problems.append(Problem("file", None, "The map is too large to import."))
        return data
    project = _is_project(document)
    positions = _positions(document) if project else {}
    lines = []
    for item, raw in enumerate(elements, start=1):
        row = RowProblems(problems, "elements", None, item)
        if not isinstance(raw, dict):
            row.add("Each element should be an object.")
            continue
        attributes = (raw.get("attributes") if project else raw) or {}
        if not isinstance(attributes, dict):
            row.add("The element's attributes should be an object.")
            continue
        kumu_id = text(raw.get("_id") if project else raw.get("id"))
        x, y = positions.get(kumu_id, (None, None))
        fields = {k: v for k, v in attributes.items() if k.lower() not in ELEMENT_ATTRIBUTES | {"id", "_id"}}
        element_extra: dict[str, Any] = {"fields": fields} if fields else {}
        if not text(attributes.get("element type", attributes.get("type"))):
            element_extra["kumu_type"] = ""  # untyped in Kumu: stays untyped on the way back while it is the default
        element = check_element(
            {
                "id": kumu_id,
                "label": attributes.get("label"),
                "type": attributes.get("element type", attributes.get("type")),
                "description": attributes.get("description"),
                "tags": attributes.get("tags") or [],
                "sector": attributes.get("sector"),
                "journey_step": attributes.get("journey step"),
                "x": x,
                "y": y,
                "extra": element_extra,
            },
            len(data.elements),
            row,
            unknown_types="keep",
        )
        data.elements.append(element)
        lines.append(("elements", None, item))
    check_ids(data.elements, lines, existing, problems)
    resolver = Resolver(data.elements, existing)
    untyped = undirected = 0
    for item, raw in enumerate(connections, start=1):
        row = RowProblems(problems, "connections", None, item)
        if not isinstance(raw, dict):
            row.add("Each connection should be an object.")
            continue
        attributes = (raw.get("attributes") if project else raw) or {}
        if not isinstance(attributes, dict):
            row.add("The connection's attributes should be an object.")
            continue
        source = resolver.find(text(raw.get("from")), "From", row)
        target = resolver.find(text(raw.get("to")), "To", row)
        if source is not None and source == target:
            row.add("From and To are the same element: a connection joins two different elements.")
        kind = text(attributes.get("connection type", attributes.get("type")))
        polarity, our_type = "", text(attributes.get("relationship"))
        if kind in KUMU_SIGNS:
            polarity = kind
        elif kind:
            our_type = our_type or kind
        else:
            untyped += 1
        fields = {k: v for k, v in attributes.items() if k.lower() not in CONNECTION_ATTRIBUTES | {"type"}}
        extra: dict[str, Any] = {"fields": fields} if fields else {}
        if not kind:
            extra["kumu_sign"] = ""  # untyped in Kumu: stays untyped on the way back while it is +
        for flag in ("delayed", "reversed"):
            if raw.get(flag) is True:
                extra.setdefault("kumu", {})[flag] = True
        direction = text(raw.get("direction")) or "directed"
        undirected += direction != "directed"
        values = check_connection_values(
            {
                "id": raw.get("_id") if project else raw.get("id"),
                "type": our_type,
                "polarity": polarity or attributes.get("polarity"),
                "strength": attributes.get("strength"),
                "note": attributes.get("description"),
                "direction": direction,
                "extra": extra,
            },
            row,
        )
        if source is not None and target is not None and not row.count:
            data.connections.append(ConnectionIn(source=source, target=target, **values))
    loops = _loops(document)
    if loops or project:
        data.map_extra = {"kumu": {"loops": loops, "name": data.title}}
    if untyped:
        data.warnings.append(
            f"{untyped} connection{'s' if untyped != 1 else ''} had no connection type in Kumu and "
            f"{'were' if untyped != 1 else 'was'} taken as + (same direction)."
        )
    if undirected:
        data.warnings.append(
            f"{undirected} connection{'s were' if undirected != 1 else ' was'} undirected in Kumu; "
            "here each points from its first element to its second (Kumu gets them back as they were)."
        )
    return data


def _positions(document: dict[str, Any]) -> dict[str, tuple[float, float]]:
    maps = [m for m in document.get("maps") or [] if isinstance(m, dict)]
    chosen = next((m for m in maps if m.get("_id") == document.get("defaultMap")), maps[0] if maps else None)
    positions: dict[str, tuple[float, float]] = {}
    nodes = (chosen or {}).get("elements")
    for node in nodes if isinstance(nodes, list) else []:
        position = node.get("position") if isinstance(node, dict) else None
        if isinstance(position, dict) and isinstance(node.get("element"), str):
            x, y = position.get("x"), position.get("y")
            if isinstance(x, int | float) and isinstance(y, int | float):
                positions[node["element"]] = (x, y)
    return positions


def _loops(document: dict[str, Any]) -> list[dict[str, Any]]:
    loops = []
    for loop in document.get("loops") or []:
        if not isinstance(loop, dict) or not isinstance(loop.get("connections"), list):
            continue
        attributes = loop.get("attributes") if isinstance(loop.get("attributes"), dict) else {}
        loops.append(
            {
                "id": text(loop.get("_id")),
                "label": text(attributes.get("label")),
                "description": text(attributes.get("description")),
                "connections": [text(c) for c in loop["connections"]],
            }
        )
    return loops


# --- Writing -------------------------------------------------------------------------------------------------------


def _kumu_id(prefix: str, export_id: str) -> str:
    return export_id if export_id.startswith(f"{prefix}-") else f"{prefix}-{export_id}"


def _sign(connection: dict[str, Any]) -> str | None:
    kept = (connection["extra"] or {}).get("kumu_sign")
    same = connection["polarity"] == Polarity.SAME
    if kept == "" and same:
        return None  # untyped in Kumu, and still +
    if kept in ("++", "--") and same or kept in ("+-", "-+") and not same:
        return kept
    return "++" if same else "+-"


def write(export: MapExport) -> bytes:
    types, connection_types = dict(ElementType.choices), dict(ConnectionType.choices)
    element_ids = {e["id"]: _kumu_id("elem", e["export_id"]) for e in export.elements}
    connection_ids = {c["id"]: _kumu_id("conn", c["export_id"]) for c in export.connections}
    elements = []
    for e in export.elements:
        extra = e["extra"] or {}
        attributes: dict[str, Any] = {"label": e["label"]}
        if not (extra.get("kumu_type") == "" and e["type"] == DEFAULT_ELEMENT_TYPE):
            attributes["element type"] = str(types[e["type"]])
        if e["description"]:
            attributes["description"] = e["description"]
        if e["tags"]:
            attributes["tags"] = list(e["tags"])
        if e["sector"]:
            attributes["sector"] = export.sector_labels.get(e["sector"], e["sector"])
        if e["journey_step"] is not None:
            attributes["journey step"] = e["journey_step"]
        attributes.update(extra.get("fields", {}))
        elements.append({"_id": element_ids[e["id"]], "attributes": attributes})
    connections = []
    for c in export.connections:
        extra = c["extra"] or {}
        kumu = extra.get("kumu") or {}
        attributes = {}
        sign = _sign(c)
        if sign:
            attributes["connection type"] = sign
        if c["type"] != ConnectionType.INFLUENCE:
            attributes["relationship"] = str(connection_types[c["type"]])
        if c["strength"] != 3:
            attributes["strength"] = c["strength"]
        if c["note"]:
            attributes["description"] = c["note"]
        attributes.update(extra.get("fields", {}))
        connections.append(
            {
                "_id": connection_ids[c["id"]],
                "direction": extra.get("direction", "directed"),
                "delayed": bool(kumu.get("delayed")),
                "reversed": bool(kumu.get("reversed")),
                "attributes": attributes,
                "from": element_ids[c["source"]],
                "to": element_ids[c["target"]],
            }
        )
    # Loops labelled in Kumu come back while every connection they follow is still on the map.
    present = set(connection_ids.values())
    loops = [
        {
            "_id": loop["id"] or f"loop-{n}",
            "attributes": _loop_attributes(loop),
            "connections": loop["connections"],
        }
        for n, loop in enumerate(((export.extra.get("kumu") or {}).get("loops") or []), start=1)
        if loop["connections"] and all(c in present for c in loop["connections"])
    ]  # fmt: skip
    map_id, perspective = "map-workspace", "pers-workspace"
    document = {
        "name": export.title,
        "description": export.description,
        "proxyImages": True,
        "defaultMap": map_id,
        "defaultPerspective": perspective,
        "attributeRelevance": {},
        "attributes": _attribute_definitions(),
        "elements": elements,
        "connections": connections,
        "loops": loops,
        "maps": [
            {
                "_id": map_id,
                "name": export.title,
                "description": export.description,
                "scale": 1,
                "center": {"x": 0, "y": 0},
                "defaultPerspective": perspective,
                "elements": [
                    {
                        "_id": f"node-{element_ids[e['id']].removeprefix('elem-')}",
                        "position": {"x": e["x"], "y": e["y"]},
                        "pinned": True,
                        "element": element_ids[e["id"]],
                    }
                    for e in export.elements
                    if e["x"] is not None and e["y"] is not None
                ],
                "connections": [
                    {"_id": f"edge-{cid.removeprefix('conn-')}", "connection": cid} for cid in connection_ids.values()
                ],
                "loops": [
                    {
                        "_id": f"labl-{loop['_id'].removeprefix('loop-')}",
                        "position": None,
                        "pinned": False,
                        "loop": loop["_id"],
                    }
                    for loop in loops
                ],  # fmt: skip
            }
        ],
        "perspectives": [
            {"_id": perspective, "name": export.title, "style": "@settings {\n  template: causal-loop;\n}\n"}
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def _loop_attributes(loop: dict[str, Any]) -> dict[str, str]:
    attributes = {"label": loop["label"]}
    if loop["description"]:
        attributes["description"] = loop["description"]
    return attributes


def _attribute_definitions() -> list[dict[str, Any]]:
    def attribute(n: int, name: str, format: str, values: list[str] | None = None, limit: Any = 1) -> dict[str, Any]:
        return {
            "_id": f"attr-workspace{n}",
            "name": name,
            "format": format,
            "private": False,
            "limit": limit,
            "category": "General",
            "prompt": "list" if values else "none",
            "locked": False,
            "values": values or [],
        }

    return [
        attribute(1, "Connection Type", "string", ["++", "--", "+-", "-+"]),
        attribute(2, "Description", "text"),
        attribute(3, "Element Type", "string", [str(label) for label in ElementType.labels]),
        attribute(4, "Label", "string"),
        attribute(5, "Tags", "string", limit="none"),
        attribute(6, "Sector", "string"),
        attribute(7, "Relationship", "string", [str(label) for label in ConnectionType.labels]),
        attribute(8, "Strength", "number"),
        attribute(9, "Journey Step", "number"),
    ]
