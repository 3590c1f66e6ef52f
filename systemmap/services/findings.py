"""Writes of findings ("key issues"), and the "finding" target of the workshop boards' promote operation.

Events: "finding.added", "finding.updated" (the finding with its linked element and evidence ids),
"finding.removed" {"id", "evidence": [ids of evidence attached to it, removed with it]}.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.urls import NoReverseMatch, reverse

from collab.access import Action, require
from collab.errors import DomainError
from collab.models import User
from collab.promotion import Promoted, PromotionTarget, Source
from systemmap.models import (
    DESCRIPTION_MAX,
    FINDING_TITLE_MAX,
    Element,
    Evidence,
    Finding,
    FindingElement,
    FindingEvidence,
    Map,
)
from systemmap.payloads import finding_payload
from systemmap.services.common import UNSET, begin, clean_text, finding_in
from systemmap.services.evidence import sees_sensitive
from systemmap.services.maps import map_create

FINDINGS_PER_MAP = 500
LINKS_MAX = 500


def _ids(values: Iterable[Any] | None, field: str) -> list[int]:
    if values is None:
        return []
    ids = []
    for value in values:
        pk = value.pk if hasattr(value, "pk") else value
        if isinstance(pk, bool) or not isinstance(pk, int):
            raise DomainError.for_field(field, "Give ids as whole numbers.")
        if pk not in ids:
            ids.append(pk)
    if len(ids) > LINKS_MAX:
        raise DomainError.for_field(field, f"Link at most {LINKS_MAX} items to one finding.")
    return ids


def _link(finding: Finding, actor: User, *, elements: list[int] | None, evidence: list[int] | None) -> None:
    map_ = finding.map
    if elements is not None:
        found = set(Element.objects.filter(map=map_, pk__in=elements).values_list("pk", flat=True))
        missing = [pk for pk in elements if pk not in found]
        if missing:
            raise DomainError.for_field("elements", f"Not on this map: element {', '.join(map(str, missing))}.")
        FindingElement.objects.filter(finding=finding).exclude(element_id__in=elements).delete()
        have = set(FindingElement.objects.filter(finding=finding).values_list("element_id", flat=True))
        FindingElement.objects.bulk_create(
            FindingElement(map=map_, finding=finding, element_id=pk) for pk in elements if pk not in have
        )
    if evidence is not None:
        rows = Evidence.objects.filter(map=map_, pk__in=evidence)
        if not sees_sensitive(actor, map_):
            rows = rows.filter(sensitive=False)
        found = set(rows.values_list("pk", flat=True))
        missing = [pk for pk in evidence if pk not in found]
        if missing:
            raise DomainError.for_field("evidence", f"Not on this map: evidence {', '.join(map(str, missing))}.")
        # Links to sensitive evidence that the actor cannot see are kept as they are.
        current = FindingEvidence.objects.filter(finding=finding)
        if not sees_sensitive(actor, map_):
            current = current.filter(evidence__sensitive=False)
        current.exclude(evidence_id__in=evidence).delete()
        have = set(FindingEvidence.objects.filter(finding=finding).values_list("evidence_id", flat=True))
        FindingEvidence.objects.bulk_create(
            FindingEvidence(map=map_, finding=finding, evidence_id=pk) for pk in evidence if pk not in have
        )


def _payload(finding: Finding) -> dict[str, Any]:
    elements = sorted(FindingElement.objects.filter(finding=finding).values_list("element_id", flat=True))
    evidence = sorted(FindingEvidence.objects.filter(finding=finding).values_list("evidence_id", flat=True))
    return finding_payload(finding, elements=elements, evidence=evidence)


@transaction.atomic
def finding_create(
    *,
    actor: User,
    map: Map,
    title: str,
    summary: str = "",
    elements: Iterable[Any] | None = None,
    evidence: Iterable[Any] | None = None,
    source: Source | None = None,
    op_key: str | None = None,
) -> Finding:
    edit = begin(actor, map, what="add findings to system maps", op_key=op_key)
    if Finding.objects.filter(map=map).count() >= FINDINGS_PER_MAP:
        raise DomainError(f"A map can hold at most {FINDINGS_PER_MAP} findings.")
    last = Finding.objects.filter(map=map).aggregate(last=Max("position"))["last"]
    finding = Finding.objects.create(
        map=map,
        title=clean_text(title, "title", FINDING_TITLE_MAX, what="the finding a title"),
        summary=clean_text(summary, "summary", DESCRIPTION_MAX, required=False),
        position=0 if last is None else last + 1,
        source_board=source.board if source else None,
        source_card=source.card if source else None,
        source_group=source.group if source else None,
        created_by=actor,
    )
    _link(finding, actor, elements=_ids(elements, "elements"), evidence=_ids(evidence, "evidence"))
    edit.audit(
        "systemmap.finding.create",
        finding,
        {"title": [None, finding.title], "source_board": [None, finding.source_board_id]},
    )
    edit.emit("finding.added", _payload(finding))
    return finding


@transaction.atomic
def finding_update(
    *,
    actor: User,
    finding: Finding,
    title: Any = UNSET,
    summary: Any = UNSET,
    position: Any = UNSET,
    elements: Any = UNSET,
    evidence: Any = UNSET,
    op_key: str | None = None,
) -> Finding:
    edit = begin(actor, finding.map, what="change findings", op_key=op_key)
    found = finding_in(edit.map, finding)
    before = {"title": found.title, "summary": found.summary, "position": found.position}
    if title is not UNSET:
        found.title = clean_text(title, "title", FINDING_TITLE_MAX, what="the finding a title")
    if summary is not UNSET:
        found.summary = clean_text(summary, "summary", DESCRIPTION_MAX, required=False)
    if position is not UNSET:
        if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= 100_000:
            raise DomainError.for_field("position", "Give the position as a whole number, 0 or more.")
        found.position = position
    found.save()
    _link(
        found,
        actor,
        elements=None if elements is UNSET else _ids(elements, "elements"),
        evidence=None if evidence is UNSET else _ids(evidence, "evidence"),
    )
    changes = {k: [v, getattr(found, k)] for k, v in before.items() if getattr(found, k) != v}
    if elements is not UNSET or evidence is not UNSET:
        changes["links"] = ["…", "…"]
    edit.audit("systemmap.finding.update", found, changes)
    edit.emit("finding.updated", _payload(found))
    return found


@transaction.atomic
def finding_delete(*, actor: User, finding: Finding, op_key: str | None = None) -> None:
    edit = begin(actor, finding.map, what="remove findings", op_key=op_key)
    found = finding_in(edit.map, finding)
    attached = list(Evidence.objects.filter(map=edit.map, finding=found).values_list("pk", flat=True))
    edit.audit("systemmap.finding.delete", found, {"title": [found.title, None], "evidence": [len(attached), 0]})
    edit.emit("finding.removed", {"id": found.pk, "evidence": attached})
    found.delete()


# --- Promotion from a workshop board -------------------------------------------------------------------------------

DEFAULT_MAP_TITLE = "System map"


def _promote_to_finding(*, actor: User, source: Source) -> Promoted:
    """A card or group becomes a finding on the collaborative's map (its first one; a map is started if it has
    none), keeping the link back to the board, card and group."""
    collaborative = source.board.workshop.collaborative
    if collaborative is None:
        raise DomainError("Findings belong to one Collaborative's map: promote from a workshop of that Collaborative.")
    require(actor, Action.EDIT_PLAN, collaborative, what="add findings to the system map")
    map_ = Map.objects.filter(collaborative=collaborative).order_by("created_at", "pk").first()
    if map_ is None:
        map_ = map_create(actor=actor, collaborative=collaborative, title=DEFAULT_MAP_TITLE)
    finding = finding_create(
        actor=actor, map=map_, title=source.title[:FINDING_TITLE_MAX], summary=source.detail, source=source
    )
    return Promoted(id=finding.pk, label=finding.title, url=finding_url(finding))


def finding_url(finding: Finding) -> str:
    """The finding on its map's page ("systemmap-map", once the map pages exist), else its API address."""
    map_ = finding.map
    try:
        page = reverse("systemmap-map", kwargs={"slug": map_.collaborative.slug, "pk": map_.pk})
    except NoReverseMatch:
        return f"/api/v1/findings/{finding.pk}/"
    return f"{page}#finding-{finding.pk}"


FINDING_TARGET = PromotionTarget(name="finding", label="Finding on the system map", create=_promote_to_finding)
