"""Writes of maps themselves: start one, change its title, remove it, and take a version (a snapshot)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from collab.access import Action, require
from collab.audit import audit_record
from collab.errors import DomainError
from collab.models import Collaborative, LiveStream, User
from systemmap.models import (
    DESCRIPTION_MAX,
    TITLE_MAX,
    VERSION_LABEL_MAX,
    Connection,
    Element,
    Evidence,
    Finding,
    FindingElement,
    FindingEvidence,
    Map,
    MapVersion,
)
from systemmap.payloads import map_payload, version_payload
from systemmap.services.common import KIND, UNSET, begin, clean_text

MAPS_PER_COLLABORATIVE = 50


@transaction.atomic
def map_create(*, actor: User, collaborative: Collaborative, title: str, description: str = "") -> Map:
    require(actor, Action.EDIT_PLAN, collaborative, what="start system maps")
    if Map.objects.filter(collaborative=collaborative).count() >= MAPS_PER_COLLABORATIVE:
        raise DomainError(f"A collaborative can have at most {MAPS_PER_COLLABORATIVE} maps; remove an old one first.")
    map_ = Map.objects.create(
        collaborative=collaborative,
        title=clean_text(title, "title", TITLE_MAX, what="the map a title"),
        description=clean_text(description, "description", DESCRIPTION_MAX, required=False),
        created_by=actor,
    )
    LiveStream.objects.get_or_create(kind=KIND, object_id=map_.pk)
    audit_record(
        actor=actor,
        action="systemmap.map.create",
        target=map_,
        collaborative=collaborative,
        changes={"title": [None, map_.title]},
    )
    return map_


@transaction.atomic
def map_update(
    *, actor: User, map: Map, title: Any = UNSET, description: Any = UNSET, op_key: str | None = None
) -> Map:
    edit = begin(actor, map, what="change system maps", op_key=op_key)
    map_ = Map.objects.get(pk=map.pk)
    before = {"title": map_.title, "description": map_.description}
    if title is not UNSET:
        map_.title = clean_text(title, "title", TITLE_MAX, what="the map a title")
    if description is not UNSET:
        map_.description = clean_text(description, "description", DESCRIPTION_MAX, required=False)
    map_.save()
    changes = {k: [v, getattr(map_, k)] for k, v in before.items() if getattr(map_, k) != v}
    edit.audit("systemmap.map.update", map_, changes)
    edit.emit("map.updated", map_payload(map_))
    return map_


@transaction.atomic
def map_delete(*, actor: User, map: Map) -> None:
    """Remove a map and everything on it. Its versions go with it; the audit trail keeps the record."""
    edit = begin(actor, map, what="remove system maps")
    counts = {
        "elements": Element.objects.filter(map=map).count(),
        "connections": Connection.objects.filter(map=map).count(),
    }
    edit.audit("systemmap.map.delete", map, {"title": [map.title, None], **{k: [v, 0] for k, v in counts.items()}})
    edit.emit("map.deleted", {"id": map.pk})
    pk = map.pk
    map.delete()
    # Open pages have been told; later joins find nothing. The stream and its events go with the map.
    LiveStream.objects.filter(kind=KIND, object_id=pk).delete()


@transaction.atomic
def version_create(*, actor: User, map: Map, label: str) -> MapVersion:
    """Keep the map as it is now under a label such as "Year 1 map"."""
    edit = begin(actor, map, what="save versions of system maps")
    snapshot = map_snapshot(map)
    version = MapVersion.objects.create(
        map=map,
        label=clean_text(label, "label", VERSION_LABEL_MAX, what="the version a label, such as “Year 1 map”"),
        snapshot=snapshot,
        element_count=len(snapshot["elements"]),
        connection_count=len(snapshot["connections"]),
        created_by=actor,
    )
    edit.audit("systemmap.version.create", version, {"label": [None, version.label]})
    edit.emit("version.created", {**version_payload(version), "created_by": actor.display_name})
    return version


def map_snapshot(map_: Map) -> dict[str, Any]:
    """Everything on the map, keyed by id, in a form that can be stored and compared. Evidence appears only as
    links (where it is attached, its kind, whether it is sensitive), never its words: a version is read by everyone
    who can see the map."""
    elements = {
        str(e["id"]): {k: v for k, v in e.items() if k != "id"}
        for e in Element.objects.filter(map=map_).values(
            "id", "label", "type", "sector", "description", "tags", "x", "y", "journey_step"
        )
    }
    connections = {
        str(c["id"]): {
            "source": c["source_id"],
            "target": c["target_id"],
            "type": c["type"],
            "polarity": c["polarity"],
            "strength": c["strength"],
            "note": c["note"],
        }
        for c in Connection.objects.filter(map=map_).values(
            "id", "source_id", "target_id", "type", "polarity", "strength", "note"
        )
    }
    evidence = {}
    for row in Evidence.objects.filter(map=map_).values(
        "id", "element_id", "connection_id", "finding_id", "kind", "source_kind", "sensitive"
    ):
        on = next(f"{k}:{row[f'{k}_id']}" for k in ("element", "connection", "finding") if row[f"{k}_id"])
        evidence[str(row["id"])] = {
            "on": on,
            "kind": row["kind"],
            "source_kind": row["source_kind"],
            "sensitive": row["sensitive"],
        }
    linked_elements: dict[int, list[int]] = {}
    for finding_id, element_id in FindingElement.objects.filter(map=map_).values_list("finding_id", "element_id"):
        linked_elements.setdefault(finding_id, []).append(element_id)
    linked_evidence: dict[int, list[int]] = {}
    for finding_id, evidence_id in FindingEvidence.objects.filter(map=map_).values_list("finding_id", "evidence_id"):
        linked_evidence.setdefault(finding_id, []).append(evidence_id)
    findings = {
        str(f["id"]): {
            "title": f["title"],
            "summary": f["summary"],
            "elements": sorted(linked_elements.get(f["id"], [])),
            "evidence": sorted(linked_evidence.get(f["id"], [])),
        }
        for f in Finding.objects.filter(map=map_).values("id", "title", "summary")
    }
    return {
        "map": {"title": map_.title, "description": map_.description},
        "elements": elements,
        "connections": connections,
        "evidence": evidence,
        "findings": findings,
    }
