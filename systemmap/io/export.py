"""A map as plain data for the writers, and the ids each element and connection carries in an exported file.

An exported element keeps the id it was imported with (a Kumu `_id`, a spreadsheet ID), so a map can go back and
forth without its elements being taken for new ones; the others are given "e<id>" (connections "c<id>"), made
unique if an imported id happens to look the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from collab.models import Sector


@dataclass
class MapExport:
    title: str
    description: str
    extra: dict[str, Any]
    elements: list[dict[str, Any]]  # element rows (as `values()`), each with "export_id" added
    connections: list[dict[str, Any]]  # connection rows, "source"/"target" being element ids, with "export_id"
    evidence: list[dict[str, Any]] = field(default_factory=list)  # only what the exporting person may see
    findings: list[dict[str, Any]] = field(default_factory=list)
    element_ids: dict[int, str] = field(default_factory=dict)  # element id → its id in the file
    sector_labels: dict[str, str] = field(default_factory=lambda: {v: str(label) for v, label in Sector.choices})

    @classmethod
    def build(cls, *, title: str, description: str, extra: dict[str, Any], elements: list[dict[str, Any]],
              connections: list[dict[str, Any]], evidence: list[dict[str, Any]] | None = None,
              findings: list[dict[str, Any]] | None = None) -> MapExport:  # fmt: skip
        _assign(elements, "e")
        _assign(connections, "c")
        return cls(
            title=title,
            description=description,
            extra=extra or {},
            elements=elements,
            connections=connections,
            evidence=evidence or [],
            findings=findings or [],
            element_ids={e["id"]: e["export_id"] for e in elements},
        )


def _assign(rows: list[dict[str, Any]], prefix: str) -> None:
    taken = {row["external_id"] for row in rows if row.get("external_id")}
    for row in rows:
        if row.get("external_id"):
            row["export_id"] = row["external_id"]
            continue
        candidate = f"{prefix}{row['id']}"
        n = 1
        while candidate in taken:
            n += 1
            candidate = f"{prefix}{row['id']}-{n}"
        taken.add(candidate)
        row["export_id"] = candidate
