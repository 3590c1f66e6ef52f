"""Reads of system maps, scoped by the access policy.

- `*_visible(user)`: querysets of what the person may see (the API lists and looks up through these).
- `map_get(user, id)`, `map_viewer(user, map)`: one map, and what the person may do on it.
- `map_data(user, map)`: everything a map page needs in one go, in a constant number of queries whatever the size of
  the map — the live snapshot is this too.
- `map_analysis(user, map)`: loops, bottlenecks, gaps and the journey (cached per version of the map's stream).
- `version_compare(user, version, other)`: what was added, removed and changed between two versions.
- `map_export_data(user, map)`: the map as plain data for the exporters, holding only what the person may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from collab import live
from collab.access import Action, can, require, role_in, scope_to_collaboratives, scope_where_allowed
from collab.errors import NotFound
from systemmap import analysis
from systemmap.io.export import MapExport
from systemmap.models import (
    Connection,
    Element,
    Evidence,
    Finding,
    FindingElement,
    FindingEvidence,
    Map,
    MapComment,
    MapVersion,
    Presentation,
    PresentationStep,
)
from systemmap.payloads import (
    comment_payload,
    connection_payload,
    element_payload,
    evidence_as_seen,
    finding_payload,
    map_payload,
    version_payload,
)
from systemmap.services.common import KIND

ANALYSIS_CACHE_SECONDS = 60 * 60
ELEMENT_FIELDS = ("id", "label", "type", "sector", "description", "tags", "x", "y", "journey_step")
CONNECTION_FIELDS = ("id", "source_id", "target_id", "type", "polarity", "strength", "note")
EVIDENCE_FIELDS = (
    "id", "element_id", "connection_id", "finding_id", "kind", "source_kind", "attribution", "text", "count",
    "reference", "collected_on", "sensitive",
)  # fmt: skip


# --- Scoped querysets ----------------------------------------------------------------------------------------------


def _count(model: type, **outer: str) -> Coalesce:
    rows = model.objects.filter(**{k: OuterRef(v) for k, v in outer.items()}).order_by().values(*outer)
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0)


def maps_visible(user: Any) -> QuerySet[Map]:
    return scope_to_collaboratives(
        Map.objects.select_related("collaborative", "created_by").annotate(
            element_count=_count(Element, map="pk"),
            connection_count=_count(Connection, map="pk"),
            finding_count=_count(Finding, map="pk"),
        ),
        user,
    )


def elements_visible(user: Any) -> QuerySet[Element]:
    return scope_to_collaboratives(Element.objects.select_related("map"), user, field="map__collaborative")


def connections_visible(user: Any) -> QuerySet[Connection]:
    return scope_to_collaboratives(Connection.objects.select_related("map"), user, field="map__collaborative")


def evidence_visible(user: Any) -> QuerySet[Evidence]:
    """Evidence of the maps the person can see; sensitive evidence only where they may see it."""
    base = scope_to_collaboratives(
        Evidence.objects.select_related("map__collaborative"), user, field="map__collaborative"
    )
    sensitive = scope_where_allowed(
        base.filter(sensitive=True), user, Action.VIEW_SENSITIVE, field="map__collaborative"
    )
    return base.filter(sensitive=False) | sensitive


def findings_visible(user: Any) -> QuerySet[Finding]:
    return scope_to_collaboratives(
        Finding.objects.select_related("map").prefetch_related(
            Prefetch("element_links", queryset=FindingElement.objects.only("finding_id", "element_id")),
            Prefetch("evidence_links", queryset=FindingEvidence.objects.only("finding_id", "evidence_id")),
        ),
        user,
        field="map__collaborative",
    )


def versions_visible(user: Any) -> QuerySet[MapVersion]:
    return scope_to_collaboratives(
        MapVersion.objects.select_related("map", "created_by").defer("snapshot"), user, field="map__collaborative"
    )


def comments_visible(user: Any) -> QuerySet[MapComment]:
    return scope_to_collaboratives(MapComment.objects.select_related("map", "author"), user, field="map__collaborative")


# --- One map -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapViewer:
    can_edit: bool
    can_comment: bool
    sees_sensitive: bool

    def as_dict(self) -> dict[str, bool]:
        return {"can_edit": self.can_edit, "can_comment": self.can_comment, "sees_sensitive": self.sees_sensitive}


def map_get(user: Any, map_id: int) -> Map:
    """A map the person can see; NotFound otherwise (missing and not yours look the same)."""
    found = Map.objects.select_related("collaborative__programme").filter(pk=map_id).first()
    if found is None or role_in(user, found.collaborative) is None:
        raise NotFound()
    return found


def map_viewer(user: Any, map_: Map) -> MapViewer:
    require(user, Action.VIEW, map_.collaborative)
    collaborative = map_.collaborative
    return MapViewer(
        can_edit=can(user, Action.EDIT_PLAN, collaborative),
        can_comment=can(user, Action.CONTRIBUTE, collaborative),
        sees_sensitive=can(user, Action.VIEW_SENSITIVE, collaborative),
    )


def require_map_editor(user: Any, map_: Map) -> None:
    """Forbidden unless the person may change the map (checked before reading an upload)."""
    require(user, Action.EDIT_PLAN, map_.collaborative, what="import into system maps")


def map_data(user: Any, map_: Map) -> dict[str, Any]:
    """The whole map as the person may see it, and the `seq` of its stream it is current to.

    The sequence number is read first: anything committed after it arrives as live events the page applies on top,
    and events carry the resulting state, so one already reflected here does no harm when applied again.

    Evidence the person may not see is a stub (`hidden: true`) so that counts per element stay true; see
    `systemmap.payloads`. Queries: a fixed number (about ten), whatever the size of the map.
    """
    viewer = map_viewer(user, map_)
    seq = live.current_seq(KIND, map_.pk)
    map_ = Map.objects.select_related("collaborative").get(pk=map_.pk)
    # Only the fields the page shows: loading timestamps and imported extras for thousands of rows costs more
    # than the query itself.
    elements = [element_payload(e) for e in Element.objects.filter(map=map_).order_by("pk").only(*ELEMENT_FIELDS)]
    connections = [
        connection_payload(c) for c in Connection.objects.filter(map=map_).order_by("pk").only(*CONNECTION_FIELDS)
    ]
    evidence = [
        evidence_as_seen(v, sees_sensitive=viewer.sees_sensitive)
        for v in Evidence.objects.filter(map=map_).order_by("pk").only(*EVIDENCE_FIELDS)
    ]
    findings = [
        finding_payload(f) for f in Finding.objects.filter(map=map_).prefetch_related("element_links", "evidence_links")
    ]
    comments = [comment_payload(c) for c in MapComment.objects.filter(map=map_).select_related("author")]
    versions = [version_payload(v) for v in MapVersion.objects.filter(map=map_).defer("snapshot")]
    return {
        "seq": seq,
        "map": map_payload(map_),
        "me": viewer.as_dict(),
        "elements": elements,
        "connections": connections,
        "evidence": evidence,
        "findings": findings,
        "comments": comments,
        "versions": versions,
    }


def map_analysis(
    user: Any,
    map_: Map,
    *,
    max_length: int = analysis.LOOP_MAX_LENGTH,
    max_loops: int = analysis.LOOPS_MAX,
) -> dict[str, Any]:
    """The analysis of the map as it is now. It depends on nothing the person cannot see (ids, signs, and whether
    evidence exists), so one result serves everyone; it is cached against the map's sequence number, which moves
    with every change."""
    require(user, Action.VIEW, map_.collaborative)
    seq = live.current_seq(KIND, map_.pk)
    # The map's creation time makes the key unique to this map even where several databases share one cache.
    key = f"systemmap:analysis:{map_.pk}:{map_.created_at.timestamp()}:{seq}:{max_length}:{max_loops}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    nodes = [
        analysis.Node(id=pk, type=type_, label=label, journey_step=step)
        for pk, type_, label, step in Element.objects.filter(map=map_).values_list(
            "pk", "type", "label", "journey_step"
        )
    ]
    links = [
        analysis.Link(id=pk, source=source, target=target, polarity=polarity)
        for pk, source, target, polarity in Connection.objects.filter(map=map_).values_list(
            "pk", "source_id", "target_id", "polarity"
        )
    ]
    evidenced = set(
        Evidence.objects.filter(map=map_, element__isnull=False).values_list("element_id", flat=True).distinct()
    )
    findings = dict.fromkeys(Finding.objects.filter(map=map_).values_list("pk", flat=True), False)
    for pk in Evidence.objects.filter(map=map_, finding__isnull=False).values_list("finding_id", flat=True):
        findings[pk] = True
    for pk in FindingEvidence.objects.filter(map=map_).values_list("finding_id", flat=True):
        findings[pk] = True
    result = {
        "seq": seq,
        **analysis.analyse(
            nodes,
            links,
            evidenced_elements=evidenced,
            findings=findings,
            max_length=max_length,
            max_loops=max_loops,
        ),
    }
    cache.set(key, result, ANALYSIS_CACHE_SECONDS)
    return result


# --- Versions ----------------------------------------------------------------------------------------------------

COMPARED = ("elements", "connections", "findings", "evidence")


def version_compare(user: Any, version: MapVersion, other: MapVersion | None = None) -> dict[str, Any]:
    """What changed from `version` to `other` (or to the map as it is now): per kind of item, what was added,
    removed and changed (with each field's before and after). Elements that only moved are listed apart, under
    "moved". Sensitive evidence appears only to those who may see it."""
    from systemmap.services.maps import map_snapshot

    viewer = map_viewer(user, version.map)
    before = MapVersion.objects.get(pk=version.pk).snapshot
    after = MapVersion.objects.get(pk=other.pk).snapshot if other else map_snapshot(version.map)
    result: dict[str, Any] = {
        "from": version_payload(version),
        "to": version_payload(other) if other else None,
    }
    for kind in COMPARED:
        old, new = before.get(kind, {}), after.get(kind, {})
        if kind == "evidence" and not viewer.sees_sensitive:
            old = {k: v for k, v in old.items() if not v.get("sensitive")}
            new = {k: v for k, v in new.items() if not v.get("sensitive")}
        added = [{"id": int(k), **new[k]} for k in sorted(set(new) - set(old), key=int)]
        removed = [{"id": int(k), **old[k]} for k in sorted(set(old) - set(new), key=int)]
        changed, moved = [], []
        for k in sorted(set(old) & set(new), key=int):
            fields = {f: [old[k].get(f), new[k].get(f)] for f in new[k] if old[k].get(f) != new[k].get(f)}
            position = {f: fields.pop(f) for f in ("x", "y") if f in fields}
            if fields:
                changed.append({"id": int(k), "label": new[k].get("label", new[k].get("title")), "fields": fields})
            if position:
                moved.append({"id": int(k), **position})
        result[kind] = {"added": added, "removed": removed, "changed": changed}
        if kind == "elements":
            result[kind]["moved"] = moved
    return result


# --- Export ------------------------------------------------------------------------------------------------------


def map_export_data(user: Any, map_: Map) -> MapExport:
    viewer = map_viewer(user, map_)
    elements = list(
        Element.objects.filter(map=map_)
        .order_by("pk")
        .values(
            "id", "label", "type", "sector", "description", "tags", "x", "y", "journey_step", "external_id", "extra"
        )
    )
    connections = list(
        Connection.objects.filter(map=map_)
        .order_by("pk")
        .values("id", "source", "target", "type", "polarity", "strength", "note", "external_id", "extra")
    )
    evidence_rows = Evidence.objects.filter(map=map_).order_by("pk")
    if not viewer.sees_sensitive:
        evidence_rows = evidence_rows.filter(sensitive=False)
    evidence = []
    for item in evidence_rows:
        row = evidence_as_seen(item, sees_sensitive=viewer.sees_sensitive)
        evidence.append(
            {
                "id": item.pk,
                "element": item.element_id,
                "connection": item.connection_id,
                "finding": item.finding_id,
                "kind": item.kind,
                "source_kind": item.source_kind,
                "attribution": item.attribution,
                "text": item.text,
                "count": row["count"],
                "reference": item.reference,
                "collected_on": item.collected_on,
                "sensitive": item.sensitive,
            }
        )
    findings = [
        {
            "id": f.pk,
            "title": f.title,
            "summary": f.summary,
            "elements": sorted(link.element_id for link in f.element_links.all()),
            "evidence": sorted(link.evidence_id for link in f.evidence_links.all()),
        }
        for f in Finding.objects.filter(map=map_).prefetch_related("element_links", "evidence_links")
    ]
    return MapExport.build(
        title=map_.title,
        description=map_.description,
        extra=map_.extra,
        elements=elements,
        connections=connections,
        evidence=evidence,
        findings=findings,
    )


# --- Presentations -----------------------------------------------------------------------------------------------


def presentations_of(user: Any, map_: Map) -> list[Presentation]:
    """The map's presentations, each with `step_count`."""
    require(user, Action.VIEW, map_.collaborative)
    return list(Presentation.objects.filter(map=map_).annotate(step_count=Count("steps")).select_related("created_by"))


def element_in_map(map_: Map, pk: int) -> Element:
    """An element of this map (the caller has checked the map may be seen); NotFound otherwise."""
    found = Element.objects.filter(map=map_, pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def connection_in_map(map_: Map, pk: int) -> Connection:
    """A connection of this map, with its two ends (the caller has checked the map may be seen); NotFound otherwise."""
    found = Connection.objects.filter(map=map_, pk=pk).select_related("source", "target").first()
    if found is None:
        raise NotFound()
    return found


def presentation_get(user: Any, map_: Map, pk: int) -> Presentation:
    """A presentation of this map the person can see; NotFound otherwise."""
    require(user, Action.VIEW, map_.collaborative)
    found = Presentation.objects.filter(map=map_, pk=pk).select_related("map__collaborative").first()
    if found is None:
        raise NotFound()
    return found


def presentation_steps(user: Any, presentation: Presentation) -> list[dict[str, Any]]:
    """The steps as the present mode shows them: elements still on the map only, in order."""
    require(user, Action.VIEW, presentation.map.collaborative)
    on_map = set(Element.objects.filter(map_id=presentation.map_id).values_list("pk", flat=True))
    steps = []
    for number, step in enumerate(PresentationStep.objects.filter(presentation=presentation), start=1):
        shown = [pk for pk in step.elements if pk in on_map]
        steps.append(
            {
                "id": step.pk,
                "number": number,
                "title": step.title,
                "caption": step.caption,
                "elements": shown,
                "focus": step.focus_id if step.focus_id in on_map else None,
            }
        )
    return steps
