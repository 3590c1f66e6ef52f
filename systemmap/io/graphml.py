"""GraphML (for Gephi, yEd, Cytoscape desktop and network analysis tools): read as a stream, written with networkx.

Nodes are elements (attributes label, type, sector, description, tags joined by "|", x, y, journey_step); edges are
connections (type, polarity "+" or "-", strength, note). A node without a label takes its id as its label; yEd's own
node labels and positions are read too. GraphML has no lines to point at, so problems name the node or edge by its
number in the file and its id.

Reading never holds the document: it is parsed with defusedxml (no DTD or entities, in any encoding, however far into
the file), event by event, each node checked as it ends; nodes and edges are counted as they come and reading stops
at the first one past the limit. Values are typed as the file's keys say (int, long, float, double, boolean,
string), as networkx reads them.
"""

from __future__ import annotations

import io
from typing import Any

import networkx as nx

from systemmap.io.bounded import Capped, TooLarge, Unreadable, xml_events
from systemmap.io.common import (
    MAX_CONNECTION_ROWS,
    MAX_ELEMENT_ROWS,
    MAX_FILE_BYTES,
    ConnectionIn,
    ElementIn,
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

MAX_KEYS = 1000
TYPES: dict[str, Any] = {"int": int, "integer": int, "long": int, "float": float, "double": float, "boolean": bool}
BOOLEANS = {"true": True, "false": False, "1": True, "0": False}
YFILES_NODES = ("GenericNode", "ShapeNode", "SVGNode", "ImageNode")


class TooMany(Exception):
    pass


class _Reader:
    """Walks the events of one GraphML document, keeping only what an import needs."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        self.keys: dict[str, tuple[str, str]] = {}  # id → (name, type)
        self.graph: dict[str, Any] = {}
        self.directed: bool | None = None  # of the first graph; later top-level graphs are not read
        self.elements: list[ElementIn] = []
        self.lines: list[tuple[str, int | None, int | None]] = []
        self.edges: list[tuple[int, str, str, str, dict[str, Any]]] = []
        self.item: dict[str, Any] | None = None  # the node or edge being read
        self.graphs = 0

    def read(self, stream: Any) -> None:
        for event, element, path in xml_events(stream):
            if len(path) == 1 and path[0] != "graphml":
                raise Unreadable(f"its outermost element is <{path[0]}>, not <graphml>")
            if event == "start":
                self.start(element, path)
            else:
                self.end(element, path)

    def start(self, element: Any, path: list[str]) -> None:
        name = path[-1]
        if name == "graph" and len(path) == 2:
            self.graphs += 1
            if self.graphs == 1:
                self.directed = element.get("edgedefault") == "directed"
        if self.graphs != 1 or len(path) < 3 or path[-2] != "graph":
            return
        if name == "node":
            if len(self.elements) >= MAX_ELEMENT_ROWS:
                raise TooMany
            self.item = {"kind": "node", "id": element.get("id", ""), "data": {}, "yfiles": {}}
        elif name == "edge":
            if len(self.edges) >= MAX_CONNECTION_ROWS:
                raise TooMany
            self.item = {
                "kind": "edge",
                "id": element.get("id", ""),
                "source": element.get("source", ""),
                "target": element.get("target", ""),
                "data": {},
                "yfiles": {},
            }

    def end(self, element: Any, path: list[str]) -> None:
        name = path[-1]
        if name == "key" and len(path) == 2:
            if len(self.keys) >= MAX_KEYS:
                raise Unreadable(f"it declares more than {MAX_KEYS:,} keys")
            yfiles = element.get("yfiles.type")
            self.keys[element.get("id", "")] = (
                yfiles or element.get("attr.name") or element.get("id", ""),
                "yfiles" if yfiles else element.get("attr.type", "string"),
            )
        elif self.graphs != 1:
            return
        elif name == "data" and path[-2] == "graph" and len(path) == 3:
            key, value = self.value(element)
            self.graph[key] = value
        elif self.item is None:
            return
        elif name == "data" and path[-2] == self.item["kind"]:
            key, value = self.value(element)
            if value is not None:
                self.item["data"][key] = value
        elif name in ("NodeLabel", "EdgeLabel"):
            self.item["yfiles"].setdefault("label", element.text or "")
        elif name == "Geometry" and len(path) >= 2 and path[-2] in YFILES_NODES:
            self.item["yfiles"].setdefault("x", element.get("x"))
            self.item["yfiles"].setdefault("y", element.get("y"))
        elif name in ("node", "edge") and path[-2] == "graph":
            item, self.item = self.item, None
            attributes = {**item["yfiles"], **item["data"]}
            if name == "node":
                self.node(item["id"], attributes)
            else:
                self.edges.append((len(self.edges) + 1, item["id"], item["source"], item["target"], attributes))

    def value(self, element: Any) -> tuple[str, Any]:
        key = element.get("key", "")
        if key not in self.keys:
            raise Unreadable(f"data refers to key “{key}”, which the file does not declare")
        name, kind = self.keys[key]
        if kind == "yfiles":
            return name, None  # read from its parts (NodeLabel, Geometry) as they pass
        raw = element.text or ""
        if kind == "boolean":
            return name, BOOLEANS.get(raw.strip().lower(), raw)
        if kind in TYPES:
            try:
                return name, TYPES[kind](raw)
            except ValueError:
                return name, raw  # checked, and reported, as the value it is
        return name, raw

    def node(self, node_id: str, attributes: dict[str, Any]) -> None:
        item = len(self.lines) + 1
        row = RowProblems(self.problems, f"node “{node_id}”", None, item)
        if not node_id:
            row.add("The node has no id.")
        raw = {
            "id": node_id,
            "label": attributes.get("label") or attributes.get("name") or node_id,
            "type": attributes.get("type"),
            "sector": attributes.get("sector"),
            "description": attributes.get("description"),
            "tags": text(attributes.get("tags")),
            "x": attributes.get("x"),
            "y": attributes.get("y"),
            "journey_step": attributes.get("journey_step"),
        }
        self.elements.append(check_element(raw, len(self.elements), row))
        self.lines.append(("nodes", None, item))


def parse(content: bytes, name: str, existing: Existing, problems: list[Problem]) -> ImportData:
    data = ImportData(format="graphml")
    reader = _Reader(problems)
    try:
        reader.read(Capped(io.BytesIO(content), MAX_FILE_BYTES))
    except TooMany:
        problems.append(Problem(name, None, "The graph is too large to import."))
        return data
    except TooLarge:
        problems.append(Problem(name, None, "This file is too large (the most is 20 MB)."))
        return data
    except Unreadable as error:
        if error.dtd:
            problems.append(Problem(name, None, "GraphML with a DOCTYPE or entities is not accepted."))
        else:
            problems.append(Problem(name, None, f"This is not GraphML that can be read ({error.reason})."))
        return data
    if reader.directed is None:
        problems.append(Problem(name, None, "This is not GraphML that can be read (it holds no graph)."))
        return data
    data.title = text(reader.graph.get("title") or reader.graph.get("name"))[:200]
    data.description = text(reader.graph.get("description"))[:5000]
    data.elements = reader.elements
    check_ids(data.elements, reader.lines, existing, problems)
    resolver = Resolver(data.elements, existing)
    for item, edge_id, source_id, target_id, attributes in reader.edges:
        row = RowProblems(problems, f"edge “{edge_id or item}”", None, item)
        source = resolver.find(text(source_id), "From", row)
        target = resolver.find(text(target_id), "To", row)
        if source is not None and source == target:
            row.add("It joins a node to itself: a connection joins two different elements.")
        values = check_connection_values(
            {
                "id": edge_id,
                "type": attributes.get("type"),
                "polarity": attributes.get("polarity", attributes.get("sign")),
                "strength": attributes.get("strength"),
                "note": attributes.get("note"),
            },
            row,
        )
        if source is not None and target is not None and not row.count:
            data.connections.append(ConnectionIn(source=source, target=target, **values))
    if not reader.directed:
        data.warnings.append("The graph was undirected: each connection points from its first node to its second.")
    return data


def write(export: MapExport) -> bytes:
    graph = nx.MultiDiGraph(title=export.title, description=export.description)
    for e in export.elements:
        attributes: dict[str, Any] = {
            "label": e["label"],
            "type": e["type"],
            "sector": e["sector"],
            "description": e["description"],
            "tags": "|".join(e["tags"]),
        }
        for name in ("x", "y"):
            if e[name] is not None:
                attributes[name] = float(e[name])
        if e["journey_step"] is not None:
            attributes["journey_step"] = int(e["journey_step"])
        graph.add_node(e["export_id"], **attributes)
    for c in export.connections:
        graph.add_edge(
            export.element_ids[c["source"]],
            export.element_ids[c["target"]],
            key=c["export_id"],
            type=c["type"],
            polarity=c["polarity"],
            strength=int(c["strength"]),
            note=c["note"],
        )
    buffer = io.BytesIO()
    nx.write_graphml(graph, buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue()
