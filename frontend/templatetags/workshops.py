"""Workshop times and states in UK words: “Tuesday 12 January 2027, 10:00–13:00”."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.utils import timezone

register = template.Library()

STATUS_LABELS = {
    "upcoming": "Upcoming",
    "running": "Happening now",
    "past": "Taken place",
    "ended": "Ended",
    "cancelled": "Cancelled",
}


def _long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


@register.filter
def long_date(value: Any) -> str:
    """“Tuesday 12 January 2027” for a date or (in UK time) a moment."""
    if not value:
        return ""
    if hasattr(value, "tzinfo"):
        value = timezone.localtime(value).date()
    return _long_date(value)


@register.filter
def workshop_when(workshop: Any) -> str:
    """The workshop's date and UK times: “Tuesday 12 January 2027, 10:00–13:00”."""
    starts, ends = timezone.localtime(workshop.starts_at), timezone.localtime(workshop.ends_at)
    if starts.date() == ends.date():
        return f"{_long_date(starts.date())}, {starts:%H:%M}–{ends:%H:%M}"
    return f"{_long_date(starts.date())}, {starts:%H:%M} to {_long_date(ends.date())}, {ends:%H:%M}"


@register.filter
def workshop_status(workshop: Any) -> str:
    return STATUS_LABELS.get(workshop.status, workshop.status)


@register.filter
def share(part: int, whole: int) -> str:
    """“3 of 5 (60%)”, or “0 of 0” when there was no one to count."""
    if not whole:
        return f"{part} of {whole}"
    return f"{part} of {whole} ({round(100 * part / whole)}%)"
