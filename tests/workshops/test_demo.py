"""The demo's workshops: a year of them per locality, past ones with attendance, a couple to come."""

import pytest
from django.utils import timezone

from collab.demo import build_programme, delete_programme
from collab.models import Collaborative, Registration, User, Workshop

pytestmark = pytest.mark.django_db


def _pattern():
    return sorted(
        Registration.objects.values_list("workshop__collaborative__slug", "workshop__title", "user__email", "attended")
    )


def test_each_locality_has_a_year_of_workshops_with_attendance():
    build_programme()
    now = timezone.now()

    for collaborative in Collaborative.objects.all():
        workshops = list(Workshop.objects.filter(collaborative=collaborative))
        past = [w for w in workshops if w.ends_at <= now]
        upcoming = [w for w in workshops if w.ends_at > now]
        assert len(past) == 4 and len(upcoming) == 2
        for workshop in past:
            places = Registration.objects.filter(workshop=workshop)
            assert places.filter(attended=True).count() >= 10, "past workshops have attendance"
            assert not places.filter(attended__isnull=True).exists(), "attendance was taken at every past workshop"
            assert timezone.localtime(workshop.starts_at).weekday() in (1, 2, 3)
        for workshop in upcoming:
            assert not Registration.objects.filter(workshop=workshop, attended__isnull=False).exists()
    assert Workshop.objects.filter(collaborative__isnull=True).count() == 1, "one cross-locality workshop"

    member = User.objects.get(email="member@demo.example")
    next_one = Workshop.objects.filter(collaborative__slug="eastmere", starts_at__gt=now).order_by("starts_at")[0]
    assert Registration.objects.filter(workshop=next_one, user=member).exists(), "the demo member has a place"


def test_the_demo_workshops_are_the_same_every_time_and_go_with_the_programme():
    build_programme()
    first = _pattern()
    build_programme(reset=True)
    assert _pattern() == first

    assert delete_programme("inclusive-futures")
    assert not Workshop.objects.exists()
    assert not Registration.objects.exists()
