"""Builders for workshop tests: workshops and places, and a clock that stands still.

Unless a test says otherwise, “now” is Monday 23 November 2026, 12:00 UK time (GMT), so the dates the tests use
(January to November 2027, across the spring and autumn clock changes) are in the future.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone as django_timezone

from collab.models import Registration, Workshop
from tests.factories import CollaborativeFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def uk(day: date, at: time) -> datetime:
    return datetime.combine(day, at).replace(tzinfo=LONDON)


class Clock:
    """`timezone.now()` as the tests want it. Move it with `clock.now = …` or `clock.advance(days=…)`."""

    def __init__(self, now: datetime):
        self.now = now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


def stop_the_clock(monkeypatch, now: datetime = NOW) -> Clock:
    clock = Clock(now)
    monkeypatch.setattr(django_timezone, "now", lambda: clock.now)
    return clock


class WorkshopFactory(factory.django.DjangoModelFactory):
    """A three-hour workshop of a collaborative, a month from now. For a cross-locality workshop pass
    `collaborative=None, programme=…`."""

    class Meta:
        model = Workshop

    collaborative = factory.SubFactory(CollaborativeFactory)
    programme = factory.LazyAttribute(lambda o: o.collaborative.programme)
    title = factory.Sequence(lambda n: f"Workshop {n}")
    starts_at = factory.LazyFunction(lambda: django_timezone.now() + timedelta(days=30))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))
    created_by = factory.SubFactory(UserFactory)


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    workshop = factory.SubFactory(WorkshopFactory)
    user = factory.SubFactory(UserFactory)


def past_workshop(collaborative, *, days_ago: int = 7, **fields) -> Workshop:
    """A workshop that has taken place (its time has passed; nobody pressed “end”)."""
    starts = django_timezone.now() - timedelta(days=days_ago)
    return WorkshopFactory(collaborative=collaborative, starts_at=starts, ends_at=starts + timedelta(hours=3), **fields)


def running_workshop(collaborative, **fields) -> Workshop:
    """A workshop that started an hour ago and runs for two more."""
    starts = django_timezone.now() - timedelta(hours=1)
    return WorkshopFactory(collaborative=collaborative, starts_at=starts, ends_at=starts + timedelta(hours=3), **fields)
