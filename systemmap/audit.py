"""What the audit trail may say about evidence (registered with `collab.audit` when the app is ready).

The label of an evidence row is "Evidence #<id>": never the words of a quote, which stay under evidence rules. Its
changes are shown to each reader as evidence is shown to them everywhere else: to anyone who may not see sensitive
evidence (everyone but facilitators and the programme team), a small count is "fewer than 5", words are "…", and an
item that is (or was made) sensitive, or is gone, shows no values at all, only that it changed and where it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from collab.models import AuditEvent
from systemmap.models import Evidence
from systemmap.payloads import count_as_seen

TARGET_TYPE = "systemmap.evidence"
HIDDEN = "…"
_WORDS = ("text", "attribution", "reference")
_ALWAYS_SHOWN = ("on", "sensitive")


def evidence_label(evidence: Evidence) -> str:
    return f"Evidence #{evidence.pk}"


def redact_evidence_changes(events: list[AuditEvent], sees_sensitive: Callable[[AuditEvent], bool]) -> None:
    hidden = [event for event in events if not sees_sensitive(event)]
    if not hidden:
        return
    ids = {int(event.target_id) for event in hidden if event.target_id.isdigit()}
    sensitive_now = dict(Evidence.objects.filter(pk__in=ids).order_by().values_list("pk", "sensitive"))
    for event in hidden:
        changes = event.changes if isinstance(event.changes, dict) else {}
        pk = int(event.target_id) if event.target_id.isdigit() else None
        marked = changes.get("sensitive")
        was_sensitive = isinstance(marked, list) and True in marked
        # Gone, sensitive now or at the time: nothing of its values (fail closed when unsure).
        withheld = pk not in sensitive_now or sensitive_now[pk] or was_sensitive
        event.changes = {name: _seen(name, values, withheld=withheld) for name, values in changes.items()}
        event.target_label = f"Evidence #{event.target_id}"


def _seen(name: str, values: Any, *, withheld: bool) -> Any:
    if name in _ALWAYS_SHOWN:
        return values
    items = values if isinstance(values, list) else [values]
    if withheld or name in _WORDS:
        shown = [None if value is None else HIDDEN for value in items]
    elif name == "count":
        shown = [count_as_seen(value, sees_sensitive=False) for value in items]
    else:
        shown = items
    return shown if isinstance(values, list) else shown[0]
