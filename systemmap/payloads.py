"""The shapes clients receive: in a map's snapshot (`selectors.map_data`) and in its live events alike, so a page
applies an event by replacing the item with the same id.

Evidence has two shapes besides the full one. To anyone who may not see sensitive evidence (everyone but facilitators
and the programme team), a sensitive item is a stub that only says it is there and where (`hidden: true`), so counts
stay true without showing what it says; and a data point counting fewer than `SMALL_COUNT` children shows no number,
only "fewer than 5" (`suppressed: true`).
"""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse

from systemmap.models import SMALL_COUNT, Connection, Element, Evidence, Finding, Map, MapComment, MapVersion


def map_payload(map_: Map) -> dict[str, Any]:
    return {
        "id": map_.pk,
        "collaborative": map_.collaborative_id,
        "title": map_.title,
        "description": map_.description,
        "updated_at": map_.updated_at.isoformat() if map_.updated_at else None,
    }


def element_payload(element: Element) -> dict[str, Any]:
    return {
        "id": element.pk,
        "label": element.label,
        "type": element.type,
        "sector": element.sector,
        "description": element.description,
        "tags": list(element.tags or []),
        "x": element.x,
        "y": element.y,
        "journey_step": element.journey_step,
    }


def connection_payload(connection: Connection) -> dict[str, Any]:
    return {
        "id": connection.pk,
        "source": connection.source_id,
        "target": connection.target_id,
        "type": connection.type,
        "polarity": connection.polarity,
        "strength": connection.strength,
        "note": connection.note,
    }


def _where(evidence: Evidence) -> dict[str, Any]:
    return {"element": evidence.element_id, "connection": evidence.connection_id, "finding": evidence.finding_id}


def evidence_payload(evidence: Evidence) -> dict[str, Any]:
    """In full, as facilitators see it."""
    return {
        "id": evidence.pk,
        **_where(evidence),
        "kind": evidence.kind,
        "source_kind": evidence.source_kind,
        "attribution": evidence.attribution,
        "text": evidence.text,
        "count": evidence.count,
        "count_display": None if evidence.count is None else f"{evidence.count:,}",
        "suppressed": False,
        "reference": evidence.reference,
        "collected_on": evidence.collected_on.isoformat() if evidence.collected_on else None,
        "sensitive": evidence.sensitive,
        "hidden": False,
    }


SUPPRESSED = "fewer than 5"  # what a small count about children shows instead of its number


def is_small(evidence: Evidence) -> bool:
    return is_small_count(evidence.count)


def is_small_count(count: Any) -> bool:
    return isinstance(count, int) and not isinstance(count, bool) and count < SMALL_COUNT


def count_as_seen(count: Any, *, sees_sensitive: bool) -> Any:
    """A count as this person may see it: small ones are "fewer than 5" to everyone who may not see sensitive
    evidence. The one rule for every route: payloads, the API and the audit trail."""
    return SUPPRESSED if not sees_sensitive and is_small_count(count) else count


def evidence_for_others(evidence: Evidence) -> dict[str, Any] | None:
    """What everyone who may not see sensitive evidence gets instead, or None when they get it in full."""
    if evidence.sensitive:
        return {"id": evidence.pk, **_where(evidence), "sensitive": True, "hidden": True}
    if is_small(evidence):
        return {**evidence_payload(evidence), "count": None, "count_display": SUPPRESSED, "suppressed": True}
    return None


def evidence_as_seen(evidence: Evidence, *, sees_sensitive: bool) -> dict[str, Any]:
    if sees_sensitive:
        return evidence_payload(evidence)
    return evidence_for_others(evidence) or evidence_payload(evidence)


def finding_payload(
    finding: Finding, *, elements: list[int] | None = None, evidence: list[int] | None = None
) -> dict[str, Any]:
    """`elements` and `evidence` are the linked ids (read from the prefetched links when not given)."""
    if elements is None:
        elements = sorted(link.element_id for link in finding.element_links.all())
    if evidence is None:
        evidence = sorted(link.evidence_id for link in finding.evidence_links.all())
    source = None
    if finding.source_board_id:
        source = {
            "board": finding.source_board_id,
            "card": finding.source_card_id,
            "group": finding.source_group_id,
            "url": board_url(finding.source_board_id),
        }
    return {
        "id": finding.pk,
        "title": finding.title,
        "summary": finding.summary,
        "position": finding.position,
        "elements": elements,
        "evidence": evidence,
        "source": source,
    }


def comment_payload(comment: MapComment) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "element": comment.element_id,
        "finding": comment.finding_id,
        "author": comment.author.display_name,
        "author_id": comment.author_id,
        "body": comment.body,
        "created_at": comment.created_at.isoformat() if comment.created_at else None,
    }


def version_payload(version: MapVersion) -> dict[str, Any]:
    return {
        "id": version.pk,
        "label": version.label,
        "element_count": version.element_count,
        "connection_count": version.connection_count,
        "created_at": version.created_at.isoformat() if version.created_at else None,
    }


def board_url(board_id: int) -> str:
    """The workshop board a finding came from (empty if the pages are not installed)."""
    try:
        return reverse("board", kwargs={"pk": board_id})
    except NoReverseMatch:
        return ""
