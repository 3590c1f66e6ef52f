"""GraphML (for Gephi, yEd, Cytoscape desktop and network analysis tools), read and written with networkx.

Nodes are elements (attributes label, type, sector, description, tags joined by "|", x, y, journey_step); edges are
connections (type, polarity "+" or "-", strength, note). A node without a label takes its id as its label. GraphML
has no lines to point at, so problems name the node or edge by its number in the file and its id.
"""

from __future__ import annotations

import io
from typing import Any
from xml.etree.ElementTree import ParseError

import networkx as nx

from systemmap.io.common import (
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


def parse(content: bytes, name: str, existing: Existing, problems: list[Problem]) -> ImportData:
    data = ImportData(format="graphml")
    head = content[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in content.lower():
        problems.append(Problem(name, None, "GraphML with a DOCTYPE or entities is not accepted."))
        return data
    try:
        graph = nx.read_graphml(io.BytesIO(content), force_multigraph=True)
    except (ParseError, nx.NetworkXError, ValueError, KeyError) as error:
        problems.append(Problem(name, None, f"This is not GraphML that can be read ({error})."))
        return data
    except Exception:  # networkx meets malformed GraphML in many ways; none of them is a server error
        problems.append(Problem(name, None, "This is not GraphML that can be read."))
        return data
    if graph.number_of_nodes() > MAX_ELEMENT_ROWS or graph.number_of_edges() > MAX_CONNECTION_ROWS:
        problems.append(Problem(name, None, "The graph is too large to import."))
        return data
    data.title = text(graph.graph.get("title") or graph.graph.get("name"))[:200]
    data.description = text(graph.graph.get("description"))[:5000]
    lines = []
    for item, (node_id, attributes) in enumerate(graph.nodes(data=True), start=1):
        row = RowProblems(problems, f"node “{node_id}”", None, item)
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
        data.elements.append(check_element(raw, len(data.elements), row))
        lines.append(("nodes", None, item))
    check_ids(data.elements, lines, existing, problems)
    resolver = Resolver(data.elements, existing)
    for item, (source_id, target_id, key, attributes) in enumerate(graph.edges(keys=True, data=True), start=1):
        row = RowProblems(problems, f"edge “{key}”", None, item)
        source = resolver.find(text(source_id), "From", row)
        target = resolver.find(text(target_id), "To", row)
        if source is not None and source == target:
            row.add("It joins a node to itself: a connection joins two different elements.")
        values = check_connection_values(
            {
                "id": key if isinstance(key, str) else "",
                "type": attributes.get("type"),
                "polarity": attributes.get("polarity", attributes.get("sign")),
                "strength": attributes.get("strength"),
                "note": attributes.get("note"),
            },
            row,
        )
        if source is not None and target is not None and not row.count:
            data.connections.append(ConnectionIn(source=source, target=target, **values))
    if not graph.is_directed():
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
