"""A calendar file (RFC 5545) for one workshop, written by the `icalendar` library.

The library escapes text (backslash, semicolon, comma and every line break, a lone carriage return included, so a
venue or title can never start a property of its own), folds lines at 75 octets and ends them with CRLF. Times are
in UTC, so one VEVENT needs no VTIMEZONE block; calendar programs show them in the reader's own zone (UK time for UK
readers). Control characters other than line breaks and tabs, which RFC 5545 does not allow in text, are dropped
before the library sees the text.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

ICS_TYPE = "text/calendar"

_NOT_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value: str) -> str:
    return _NOT_IN_TEXT.sub("", value)


def workshop_ics(workshop, *, url: str = "", sequence: int = 0, now: datetime | None = None) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    description = "\n\n".join(
        part
        for part in (
            workshop.agenda,
            f"Accessibility: {workshop.accessibility_notes}" if workshop.accessibility_notes else "",
            url,
        )
        if part
    )
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", "-//Collaborative workspace//Workshops//EN")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"workshop-{workshop.pk}@{host}")
    event.add("dtstamp", (now or timezone.now()).astimezone(UTC))
    event.add("sequence", sequence)
    event.add("dtstart", workshop.starts_at.astimezone(UTC))
    event.add("dtend", workshop.ends_at.astimezone(UTC))
    event.add("summary", _text(workshop.title))
    if workshop.venue:
        event.add("location", _text(workshop.venue))
    if description:
        event.add("description", _text(description))
    if url:
        event.add("url", url)
    event.add("status", "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical().decode()
