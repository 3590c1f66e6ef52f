"""Notifications as a service of the core: what the apps above compose, and when.

The core delivers (email and the in-app centre, preferences, unsubscribe: `collab.services.notifications`); each
app composes what to say about its own things. An app registers a *due check* here from its `AppConfig.ready()`: a
function given the moment `now` that finds what is due and posts it with `message_post`, idempotently (a message's
key names its subject and period, so running a check twice posts nothing new). The hourly periodic task and
`manage.py send_due_notifications` run every registered check.

Times are UK times: a digest goes out on Monday at 08:00 in Europe/London, whether the clocks say GMT or BST.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from collab.models import DigestFrequency

log = logging.getLogger(__name__)

DIGEST_WEEKDAY = 0  # Monday
DIGEST_TIME = time(8, 0)

DueCheck = Callable[[datetime], int]
_checks: dict[str, DueCheck] = {}


def register_due_check(name: str, check: DueCheck) -> None:
    """`check(now)` posts whatever is due at `now` and returns how many deliveries it added."""
    _checks[name] = check


def due_checks() -> dict[str, DueCheck]:
    return dict(_checks)


def local_moment(day: date, at: time) -> datetime:
    """The aware moment a UK wall-clock time happens on a day (the first of two, the night the clocks go back)."""
    zone = timezone.get_default_timezone()
    return datetime.combine(day, at).replace(tzinfo=zone)


@dataclass(frozen=True)
class DigestPeriod:
    frequency: str
    key: str  # "2026-W48": the ISO week the digest is sent in
    starts_at: datetime  # what happened from here…
    ends_at: datetime  # …to here (the moment it is sent)

    @property
    def label(self) -> str:
        start = timezone.localtime(self.starts_at).date()
        end = timezone.localtime(self.ends_at).date()
        return f"{start.day} {start:%B} to {end.day} {end:%B %Y}"


def digest_period(now: datetime, frequency: str) -> DigestPeriod | None:
    """The latest digest period that has begun by `now` for a frequency: weekly digests go out every Monday at
    08:00 UK time, fortnightly ones on the Mondays of even ISO weeks. None when the frequency is off."""
    if frequency == DigestFrequency.OFF:
        return None
    today = timezone.localtime(now).date()
    monday = today - timedelta(days=(today.weekday() - DIGEST_WEEKDAY) % 7)
    if local_moment(monday, DIGEST_TIME) > now:
        monday -= timedelta(days=7)
    weeks = 1
    if frequency == DigestFrequency.FORTNIGHTLY:
        weeks = 2
        if monday.isocalendar().week % 2:
            monday -= timedelta(days=7)
    year, week, _ = monday.isocalendar()
    return DigestPeriod(
        frequency=frequency,
        key=f"{year}-W{week:02d}",
        starts_at=local_moment(monday - timedelta(days=7 * weeks), DIGEST_TIME),
        ends_at=local_moment(monday, DIGEST_TIME),
    )


def uk_day(day: date) -> str:
    """“Monday 30 November 2026”."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def uk_when(moment: datetime) -> str:
    """“Monday 30 November 2026, 10:00” in UK time."""
    local = timezone.localtime(moment)
    return f"{uk_day(local.date())}, {local:%H:%M}"
