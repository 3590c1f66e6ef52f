"""What every map service shares: the edit context (access checked, the map's live stream locked, events emitted after
commit), and the checks of values that come from people and files.

Concurrency: each change first locks the map's live stream (`collab.live.stream_for_update`). That serialises the
changes to one map, so for the same item the later change wins (last writer wins), a change to something removed
meanwhile is refused ("That element has been removed from the map"), and each change gets the next sequence number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model

from collab import live
from collab.access import Action, require
from collab.audit import audit_record
from collab.errors import DomainError
from collab.models import LiveEvent, LiveStream, User
from systemmap.models import (
    Connection,
    Element,
    Evidence,
    Finding,
    Map,
)
from systemmap.rules import (  # noqa: F401  (the services' checks, importable from here)
    COORDINATE_LIMIT,
    clean_attribution,
    clean_choice,
    clean_coordinate,
    clean_evidence_attribution,
    clean_journey_step,
    clean_sector,
    clean_strength,
    clean_tags,
    clean_text,
)

KIND = "systemmap"


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()  # "leave this field as it is" in partial updates


@dataclass
class Edit:
    """One change to a map: who makes it, the locked stream, and the client's op key (for a retried websocket op)."""

    actor: User
    map: Map
    stream: LiveStream
    op_key: str | None = None
    events: list[LiveEvent] = field(default_factory=list)

    def emit(self, type: str, payload: dict[str, Any], *, redacted: dict[str, Any] | None = None) -> LiveEvent:
        """Numbered in the map's stream now, broadcast after commit. The op key belongs to the first event."""
        event = live.emit(
            self.stream,
            type,
            payload,
            redacted=redacted,
            actor_key=f"u:{self.actor.pk}",
            op_key=None if self.events else self.op_key,
        )
        self.events.append(event)
        return event

    def audit(self, action: str, target: Model, changes: dict[str, Any] | None = None) -> None:
        audit_record(
            actor=self.actor, action=action, target=target, collaborative=self.map.collaborative, changes=changes
        )


def begin(actor: User, map_: Map, *, what: str, action: Action = Action.EDIT_PLAN, op_key: str | None = None) -> Edit:
    """Check the actor may change the map, then lock its stream. Call inside the service's transaction."""
    require(actor, action, map_.collaborative, what=what)
    return Edit(actor=actor, map=map_, stream=live.stream_for_update(KIND, map_.pk), op_key=op_key)


# --- Items of the map, refetched under the lock --------------------------------------------------------------------


def element_in(map_: Map, element: Element | int, *, field: str = "element") -> Element:
    pk = element.pk if isinstance(element, Element) else element
    found = Element.objects.filter(map=map_, pk=pk).first()
    if found is None:
        raise DomainError.for_field(field, "That element is not on this map (it may have been removed).")
    return found


def connection_in(map_: Map, connection: Connection | int) -> Connection:
    pk = connection.pk if isinstance(connection, Connection) else connection
    found = Connection.objects.filter(map=map_, pk=pk).first()
    if found is None:
        raise DomainError.for_field("connection", "That connection is not on this map (it may have been removed).")
    return found


def finding_in(map_: Map, finding: Finding | int) -> Finding:
    pk = finding.pk if isinstance(finding, Finding) else finding
    found = Finding.objects.filter(map=map_, pk=pk).first()
    if found is None:
        raise DomainError.for_field("finding", "That finding is not on this map (it may have been removed).")
    return found


def evidence_in(map_: Map, evidence: Evidence | int) -> Evidence:
    pk = evidence.pk if isinstance(evidence, Evidence) else evidence
    found = Evidence.objects.filter(map=map_, pk=pk).first()
    if found is None:
        raise DomainError.for_field("evidence", "That evidence is not on this map (it may have been removed).")
    return found
