"""The workspace's own JSON: a whole map — elements, connections, findings and the evidence the exporting person may
see — that imports back as it was. Items refer to each other by the ids in the file:

    {"format": "collaborative-workspace/system-map", "version": 1,
     "map": {"title": "...", "description": "..."},
     "elements": [{"id": "e1", "label": "...", "type": "service", "sector": "health", "description": "...",
                   "tags": ["..."], "x": 0.0, "y": 0.0, "journey_step": null, "extra": {}}],
     "connections": [{"id": "c1", "from": "e1", "to": "e2", "type": "referral", "polarity": "+", "strength": 3,
                      "note": "...", "extra": {}}],
     "findings": [{"id": "f1", "title": "...", "summary": "...", "elements": ["e1"], "evidence": ["v2"]}],
     "evidence": [{"id": "v1", "on": {"element": "e1"}, "kind": "quote", "source_kind": "parent",
                   "attribution": "Parent of a Year 7 pupil", "text": "...", "count": null, "reference": "",
                   "collected_on": "2026-03-01", "sensitive": false}]}
"""

from __future__ import annotations

import json
from typing import Any

from systemmap.io.common import (
    MAX_CONNECTION_ROWS,
    MAX_ELEMENT_ROWS,
    ConnectionIn,
    EvidenceIn,
    Existing,
    FindingIn,
    ImportData,
    Problem,
    Resolver,
    RowProblems,
    check_connection_values,
    check_element,
    check_evidence_values,
    check_ids,
    text,
)
from systemmap.io.export import MapExport
from systemmap.models import DESCRIPTION_MAX, FINDING_TITLE_MAX, TITLE_MAX

FORMAT_NAME = "collaborative-workspace/system-map"


def is_ours(document: Any) -> bool:
    return isinstance(document, dict) and document.get("format") == FORMAT_NAME


def _list(document: dict[str, Any], name: str, problems: list[Problem], limit: int) -> list[Any]:
    value = document.get(name, [])
    if not isinstance(value, list):
        problems.append(Problem(name, None, f"“{name}” should be a list."))
        return []
    if len(value) > limit:
        problems.append(Problem(name, None, f"There are more than {limit:,} {name}."))
        return []
    return value


def parse(document: dict[str, Any], existing: Existing, problems: list[Problem]) -> ImportData:
    data = ImportData(format="json")
    if document.get("version") != 1:
        problems.append(Problem("file", None, "This is a version of the format this workspace does not know (not 1)."))
        return data
    about = document.get("map") if isinstance(document.get("map"), dict) else {}
    data.title = text(about.get("title"))[:TITLE_MAX]
    data.description = text(about.get("description"))[:DESCRIPTION_MAX]
    elements = _list(document, "elements", problems, MAX_ELEMENT_ROWS)
    lines = []
    for item, raw in enumerate(elements, start=1):
        row = RowProblems(problems, "elements", None, item)
        if not isinstance(raw, dict):
            row.add("Each element should be an object.")
            continue
        data.elements.append(check_element(raw, len(data.elements), row))
        lines.append(("elements", None, item))
    check_ids(data.elements, lines, existing, problems)
    resolver = Resolver(data.elements, existing)
    connection_index: dict[str, int] = {}
    for item, raw in enumerate(_list(document, "connections", problems, MAX_CONNECTION_ROWS), start=1):
        row = RowProblems(problems, "connections", None, item)
        if not isinstance(raw, dict):
            row.add("Each connection should be an object.")
            continue
        source = resolver.find(text(raw.get("from")), "From", row)
        target = resolver.find(text(raw.get("to")), "To", row)
        if source is not None and source == target:
            row.add("From and To are the same element: a connection joins two different elements.")
        values = check_connection_values(raw, row)
        if source is not None and target is not None and not row.count:
            if values["external_id"]:
                connection_index[values["external_id"]] = len(data.connections)
            data.connections.append(ConnectionIn(source=source, target=target, **values))
    finding_index: dict[str, int] = {}
    raw_findings = _list(document, "findings", problems, 5000)
    for item, raw in enumerate(raw_findings, start=1):
        if isinstance(raw, dict) and text(raw.get("id")):
            finding_index[text(raw.get("id"))] = item - 1
    evidence_index: dict[str, int] = {}
    for item, raw in enumerate(_list(document, "evidence", problems, 100_000), start=1):
        row = RowProblems(problems, "evidence", None, item)
        if not isinstance(raw, dict):
            row.add("Each piece of evidence should be an object.")
            continue
        on = raw.get("on") if isinstance(raw.get("on"), dict) else {}
        attached: tuple[str, Any] | None = None
        if len(on) != 1:
            row.add('“on” should name one element, connection or finding, for example {"element": "e1"}.')
        else:
            ((where, ref),) = on.items()
            ref = text(ref)
            if where == "element":
                found = resolver.find(ref, "Element", row)
                attached = ("element", found) if found else None
            elif where == "connection" and ref in connection_index:
                attached = ("connection", connection_index[ref])
            elif where == "finding" and ref in finding_index:
                attached = ("finding", finding_index[ref])
            else:
                row.add(f"“on” names {where} “{ref}”, which is not in this file.")
        values = check_evidence_values(raw, row)
        if values is not None and attached is not None:
            if text(raw.get("id")):
                evidence_index[text(raw.get("id"))] = len(data.evidence)
            data.evidence.append(EvidenceIn(on=attached, **values))
    for item, raw in enumerate(raw_findings, start=1):
        row = RowProblems(problems, "findings", None, item)
        if not isinstance(raw, dict):
            row.add("Each finding should be an object.")
            continue
        title = text(raw.get("title"))
        if not title:
            row.add("Title is empty: every finding needs one.")
        elif len(title) > FINDING_TITLE_MAX:
            row.add(f"Title is longer than {FINDING_TITLE_MAX} characters.")
        refs = []
        for ref in _refs(raw.get("elements"), "elements", row):
            found = resolver.find(text(ref), "Element", row)
            if found:
                refs.append(found)
        linked = []
        for ref in _refs(raw.get("evidence"), "evidence", row):
            if text(ref) in evidence_index:
                linked.append(evidence_index[text(ref)])
            else:
                row.add(f"Evidence “{text(ref)}” is not in this file.")
        data.findings.append(
            FindingIn(
                title=title[:FINDING_TITLE_MAX],
                summary=text(raw.get("summary"))[:DESCRIPTION_MAX],
                elements=refs,
                evidence=linked,
            )  # fmt: skip
        )
    return data


def _refs(value: Any, name: str, row: RowProblems) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        row.add(f"“{name}” should be a list of ids.")
        return []
    return value


def write(export: MapExport) -> bytes:
    connection_ids = {c["id"]: c["export_id"] for c in export.connections}
    finding_ids = {f["id"]: f"f{f['id']}" for f in export.findings}
    evidence_ids = {v["id"]: f"v{v['id']}" for v in export.evidence}

    def on(evidence: dict[str, Any]) -> dict[str, str]:
        if evidence["element"]:
            return {"element": export.element_ids[evidence["element"]]}
        if evidence["connection"]:
            return {"connection": connection_ids[evidence["connection"]]}
        return {"finding": finding_ids[evidence["finding"]]}

    document = {
        "format": FORMAT_NAME,
        "version": 1,
        "map": {"title": export.title, "description": export.description},
        "elements": [
            {
                "id": e["export_id"],
                "label": e["label"],
                "type": e["type"],
                "sector": e["sector"],
                "description": e["description"],
                "tags": e["tags"],
                "x": e["x"],
                "y": e["y"],
                "journey_step": e["journey_step"],
                "extra": e["extra"] or {},
            }
            for e in export.elements
        ],
        "connections": [
            {
                "id": c["export_id"],
                "from": export.element_ids[c["source"]],
                "to": export.element_ids[c["target"]],
                "type": c["type"],
                "polarity": c["polarity"],
                "strength": c["strength"],
                "note": c["note"],
                "extra": c["extra"] or {},
            }
            for c in export.connections
        ],
        "findings": [
            {
                "id": finding_ids[f["id"]],
                "title": f["title"],
                "summary": f["summary"],
                "elements": [export.element_ids[pk] for pk in f["elements"] if pk in export.element_ids],
                "evidence": [evidence_ids[pk] for pk in f["evidence"] if pk in evidence_ids],
            }
            for f in export.findings
        ],
        "evidence": [
            {
                "id": evidence_ids[v["id"]],
                "on": on(v),
                "kind": v["kind"],
                "source_kind": v["source_kind"],
                "attribution": v["attribution"],
                "text": v["text"],
                "count": v["count"],
                "reference": v["reference"],
                "collected_on": v["collected_on"].isoformat() if v["collected_on"] else None,
                "sensitive": v["sensitive"],
            }
            for v in export.evidence
            if not (v["finding"] and v["finding"] not in finding_ids)
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
