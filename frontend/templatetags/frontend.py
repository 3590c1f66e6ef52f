"""Small template helpers of the pages: form anchors, dictionary look-ups and the audit trail in plain words."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import template
from django.utils import timezone

from collab.models import Role, Sector

register = template.Library()

ACTIONS = {
    "programme.update": "Changed the programme",
    "collaborative.create": "Started the collaborative",
    "collaborative.update": "Changed the collaborative's details",
    "organisation.create": "Added an organisation",
    "organisation.update": "Changed an organisation",
    "membership.update": "Changed a member's details",
    "membership.leave": "Marked a member as having left",
    "invitation.create": "Invited someone",
    "invitation.revoke": "Withdrew an invitation",
    "invitation.accept": "Accepted an invitation",
    "user.update": "Changed their profile",
    "workshop.create": "Scheduled a workshop",
    "workshop.update": "Changed a workshop",
    "workshop.cancel": "Cancelled a workshop",
    "workshop.end": "Ended a workshop",
    "registration.create": "Booked a place at a workshop",
    "registration.cancel": "Gave up a place at a workshop",
    "registration.attendance": "Recorded attendance at a workshop",
    "vision_statement.create": "Added a statement to the draft vision",
    "vision_statement.update": "Changed a statement of the draft vision",
    "vision_statement.remove": "Took a statement out of the draft vision",
    "vision_statement.reorder": "Reordered the draft vision",
    "vision.publish": "Published a version of the vision",
    "endorsement.create": "Responded to the vision",
    "endorsement.update": "Changed their response to the vision",
}

FIELD_LABELS = {
    "anchor_organisation": "Anchor organisation",
    "display_name": "Name",
    "email": "Email address",
    "ends_on": "Ends on",
    "job_title": "Job title",
    "joined_on": "Joined on",
    "left_on": "Left on",
    "revoked_at": "Withdrawn at",
    "starts_on": "Starts on",
    "starts_at": "Starts at",
    "ends_at": "Ends at",
    "cancelled_at": "Cancelled at",
    "ended_at": "Ended at",
    "accessibility_notes": "Accessibility notes",
    "access_needs": "Access needs",
    "attended": "Came",
}
ORGANISATION_FIELDS = {"organisation", "anchor_organisation"}
NOTHING = "—"


@register.filter
def field_anchor(bound_field: Any) -> str:
    """The id of the control an error summary links to: the first option of a group of radios or boxes."""
    if bound_field.field.widget.use_fieldset:
        return f"{bound_field.auto_id}_0"
    return bound_field.id_for_label


@register.filter
def lookup(mapping: dict, key: Any) -> Any:
    return mapping.get(key, "") if mapping else ""


@register.filter
def audit_action(action: str) -> str:
    return ACTIONS.get(action, action.replace(".", ": ").replace("_", " ").capitalize())


@register.filter
def audit_changes(changes: dict, organisation_names: dict[int, str] | None = None) -> list[tuple[str, str, str]]:
    """Field → before → after, in words: role and sector labels, organisation names, UK dates."""
    rows = []
    for name, values in (changes or {}).items():
        before, after = (values + [None, None])[:2] if isinstance(values, list) else (None, values)
        rows.append(
            (
                FIELD_LABELS.get(name, name.replace("_", " ").capitalize()),
                _in_words(name, before, organisation_names or {}),
                _in_words(name, after, organisation_names or {}),
            )
        )
    return rows


def _in_words(name: str, value: Any, organisation_names: dict[int, str]) -> str:
    if value in (None, ""):
        return NOTHING
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if name == "role" and value in Role.values:
        return Role(value).label
    if name == "sector" and value in Sector.values:
        return Sector(value).label
    if name in ORGANISATION_FIELDS:
        return organisation_names.get(value, f"Organisation {value}")
    if isinstance(value, str):
        return _uk_date_or_text(value)
    return str(value)


def _uk_date_or_text(value: str) -> str:
    if len(value) == 10:
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if len(value) > 10 and value[4] == "-" and "T" in value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%d/%m/%Y %H:%M")
    return value


@register.simple_tag
def time_after(delta: Any) -> str:
    """When a wait of `delta` from now ends, in UK words: “17:42”, or “00:15 on 24 November 2026” if not today."""
    if not delta:
        return ""
    now = timezone.localtime()
    moment = timezone.localtime(now + delta)
    if moment.date() == now.date():
        return moment.strftime("%H:%M")
    return f"{moment:%H:%M} on {moment.day} {moment:%B %Y}"
