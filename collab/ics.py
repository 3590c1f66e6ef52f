"""A calendar file (RFC 5545) for one workshop, written by hand.

One VEVENT with times in UTC needs no VTIMEZONE block, so the whole format used here is a dozen lines: escaping
text (backslash, semicolon, comma, newline), folding lines at 75 octets and CRLF line ends. That is less to keep
than a dependency; calendar programs show the times in the reader's own zone (UK time for UK readers).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

ICS_TYPE = "text/calendar"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (never splitting a UTF-8 character)."""
    out: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


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
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Collaborative workspace//Workshops//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:workshop-{workshop.pk}@{host}",
        f"DTSTAMP:{_utc(now or timezone.now())}",
        f"SEQUENCE:{sequence}",
        f"DTSTART:{_utc(workshop.starts_at)}",
        f"DTEND:{_utc(workshop.ends_at)}",
        f"SUMMARY:{_escape(workshop.title)}",
    ]
    if workshop.venue:
        lines.append(f"LOCATION:{_escape(workshop.venue)}")
    if description:
        lines.append(f"DESCRIPTION:{_escape(description)}")
    if url:
        lines.append(f"URL:{url}")
    lines += ["STATUS:CONFIRMED", "END:VEVENT", "END:VCALENDAR"]
    return "".join(_fold(line) + "\r\n" for line in lines)
