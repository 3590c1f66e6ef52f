"""Importing a file into a map: all of it, or (when any row is bad) nothing.

The file is read and every row checked first (`systemmap.io.parse`, which raises `ImportRejected` listing every
problem with where it is and why); only then is anything written, in bulk and in one transaction. The map's open
pages get one "map.imported" event ({"elements", "connections", "evidence", "findings", "resync": true}) and fetch
a fresh snapshot.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max

from collab.access import Action, require
from collab.identifiers import NeedsConfirmation, identifying
from collab.models import Collaborative, User
from systemmap import io
from systemmap.io.common import Existing, ImportData, ImportRejected, Problem
from systemmap.models import Connection, Element, Evidence, Finding, FindingElement, FindingEvidence, Map
from systemmap.services.common import Edit, begin
from systemmap.services.elements import CONNECTIONS_PER_MAP, ELEMENTS_PER_MAP
from systemmap.services.evidence import EVIDENCE_PER_MAP, sees_sensitive
from systemmap.services.findings import FINDINGS_PER_MAP
from systemmap.services.maps import map_create

BATCH = 1000


@dataclass
class ImportResult:
    map: Map
    format: str
    elements: int = 0
    connections: int = 0
    evidence: int = 0
    findings: int = 0
    warnings: list[str] = field(default_factory=list)


def existing_elements(map_: Map) -> Existing:
    existing = Existing()
    for pk, label, external_id in Element.objects.filter(map=map_).values_list("pk", "label", "external_id"):
        existing.by_label[label].append(pk)
        if external_id:
            existing.by_external_id[external_id] = pk
    return existing


@transaction.atomic
def map_import(
    *, actor: User, map: Map, files: dict[str, bytes], format: str | None = None, confirm: bool = False
) -> ImportResult:
    """Add what the files hold to an existing map. Connections in the files may point at elements already on the
    map, by ID or by a label only one element has. Evidence whose text seems to identify someone is refused, all
    rows listed, unless `confirm` says it was checked."""
    edit = begin(actor, map, what="import into system maps")
    data = io.parse(files, existing_elements(map), format=format)
    _require_confirmed(data, confirm)
    return _write(edit, data)


def _require_confirmed(data: ImportData, confirm: bool) -> None:
    """The same check as evidence added one by one (`collab.identifiers`), for every piece of evidence in a file."""
    if confirm:
        return
    rows = [(n, found) for n, item in enumerate(data.evidence, start=1) if (found := identifying(item.text))]
    if rows:
        listed = [f"Evidence {n}: " + "; ".join(found) for n, found in rows[:20]]
        more = f" (and {len(rows) - 20} more)" if len(rows) > 20 else ""
        message = (
            "Children and families must never be identifiable. "
            + " · ".join(listed)
            + more
            + ". Correct the file, or, if none of it names or identifies anyone, confirm and import again."
        )
        raise NeedsConfirmation(message, fields={"confirm": [message]})


@transaction.atomic
def map_import_new(
    *,
    actor: User,
    collaborative: Collaborative,
    files: dict[str, bytes],
    format: str | None = None,
    title: str = "",
    confirm: bool = False,
) -> ImportResult:
    """Start a map from a file; its title is `title`, else the name in the file."""
    require(actor, Action.EDIT_PLAN, collaborative, what="start system maps")
    data = io.parse(files, Existing(), format=format)  # read before anything is made: a bad file makes nothing
    _require_confirmed(data, confirm)
    map_ = map_create(
        actor=actor,
        collaborative=collaborative,
        title=title or data.title or "Imported map",
        description=data.description,
    )
    return _write(begin(actor, map_, what="import into system maps"), data)


def _check_room(map_: Map, data: ImportData, actor: User) -> None:
    problems = []
    for model, count, limit, name in (
        (Element, len(data.elements), ELEMENTS_PER_MAP, "elements"),
        (Connection, len(data.connections), CONNECTIONS_PER_MAP, "connections"),
        (Evidence, len(data.evidence), EVIDENCE_PER_MAP, "pieces of evidence"),
        (Finding, len(data.findings), FINDINGS_PER_MAP, "findings"),
    ):
        if count and model.objects.filter(map=map_).count() + count > limit:
            problems.append(Problem("file", None, f"A map can hold at most {limit:,} {name}; this would pass that."))
    sensitive = sum(e.sensitive for e in data.evidence)
    if sensitive and not sees_sensitive(actor, map_):
        problems.append(
            Problem(
                "evidence",
                None,
                f"{sensitive} piece{'s are' if sensitive != 1 else ' is'} marked sensitive: only facilitators and "
                "the programme team import sensitive evidence.",
            )
        )
    if problems:
        raise ImportRejected(problems)


def _write(edit: Edit, data: ImportData) -> ImportResult:
    map_, actor = edit.map, edit.actor
    _check_room(map_, data, actor)
    elements = Element.objects.bulk_create(
        [
            Element(
                map=map_,
                label=e.label,
                type=e.type,
                sector=e.sector,
                description=e.description,
                tags=e.tags,
                x=e.x,
                y=e.y,
                journey_step=e.journey_step,
                external_id=e.external_id,
                extra=e.extra,
            )
            for e in data.elements
        ],
        batch_size=BATCH,
    )

    def pk(ref: tuple[str, int]) -> int:
        where, value = ref
        return elements[value].pk if where == "file" else value

    connections = Connection.objects.bulk_create(
        [
            Connection(
                map=map_,
                source_id=pk(c.source),
                target_id=pk(c.target),
                type=c.type,
                polarity=c.polarity,
                strength=c.strength,
                note=c.note,
                external_id=c.external_id,
                extra=c.extra,
            )
            for c in data.connections
        ],
        batch_size=BATCH,
    )
    last = Finding.objects.filter(map=map_).aggregate(last=Max("position"))["last"]
    findings = Finding.objects.bulk_create(
        [
            Finding(map=map_, title=f.title, summary=f.summary, position=(last or 0) + n + 1, created_by=actor)
            for n, f in enumerate(data.findings)
        ]
    )
    FindingElement.objects.bulk_create(
        [
            FindingElement(map=map_, finding=finding, element_id=element_id)
            for finding, f in zip(findings, data.findings, strict=True)
            for element_id in dict.fromkeys(pk(ref) for ref in f.elements)
        ],
        batch_size=BATCH,
    )
    evidence_rows = []
    for item in data.evidence:
        where, ref = item.on
        on = {
            "element_id": pk(ref) if where == "element" else None,
            "connection_id": connections[ref].pk if where == "connection" else None,
            "finding_id": findings[ref].pk if where == "finding" else None,
        }
        evidence_rows.append(
            Evidence(
                map=map_,
                kind=item.kind,
                source_kind=item.source_kind,
                text=item.text,
                attribution=item.attribution,
                count=item.count,
                reference=item.reference,
                collected_on=item.collected_on,
                sensitive=item.sensitive,
                created_by=actor,
                **on,
            )
        )
    evidence = Evidence.objects.bulk_create(evidence_rows, batch_size=BATCH)
    FindingEvidence.objects.bulk_create(
        [
            FindingEvidence(map=map_, finding=finding, evidence_id=evidence[index].pk)
            for finding, f in zip(findings, data.findings, strict=True)
            for index in dict.fromkeys(f.evidence)
        ],
        batch_size=BATCH,
    )
    if data.map_extra:
        _merge_extra(map_, data.map_extra)
    counts = {
        "elements": len(elements),
        "connections": len(connections),
        "evidence": len(evidence),
        "findings": len(findings),
    }
    edit.audit("systemmap.map.import", map_, {"format": [None, data.format], **{k: [0, v] for k, v in counts.items()}})
    edit.emit("map.imported", {**counts, "resync": True})
    return ImportResult(map=map_, format=data.format, warnings=data.warnings, **counts)


def _merge_extra(map_: Map, extra: dict) -> None:
    merged = defaultdict(dict, {k: dict(v) if isinstance(v, dict) else v for k, v in (map_.extra or {}).items()})
    for key, value in extra.items():
        if key == "kumu" and isinstance(merged.get("kumu"), dict):
            loops = list(merged["kumu"].get("loops", [])) + list(value.get("loops", []))
            merged["kumu"] = {**merged["kumu"], **value, "loops": loops}
        else:
            merged[key] = value
    map_.extra = dict(merged)
    map_.save(update_fields=["extra", "updated_at"])
