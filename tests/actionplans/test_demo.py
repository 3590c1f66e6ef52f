"""The quick start's demo data for the shared vision: the first locality (Eastmere) has a published vision in two
versions, with responses from several sectors; the demo member can still respond to the current one."""

from io import StringIO

import pytest
from django.core.management import call_command

from actionplans.models import Endorsement, VisionStatement, VisionVersion
from actionplans.selectors import endorsement_counts
from collab.demo import delete_programme
from collab.models import Programme

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_builds_eastmere_s_vision_once():
    output = _seed()
    assert "A shared vision for" in output
    versions = list(VisionVersion.objects.order_by("number"))
    assert [(v.collaborative.slug, v.number) for v in versions] == [("eastmere", 1), ("eastmere", 2)]
    current = versions[-1]
    drafts = VisionStatement.objects.filter(collaborative=current.collaborative, removed_at__isnull=True)
    assert current.texts == list(drafts.order_by("position").values_list("text", flat=True))
    counts = endorsement_counts([current.pk])[current.pk]
    assert counts.total.total >= 15 and len(counts.sectors) >= 5, "responses from many sectors"
    assert counts.total.agree > counts.total.reservations > 0
    assert not Endorsement.objects.filter(version=current, member__email="member@demo.example").exists()
    assert Endorsement.objects.filter(version=versions[0]).exists()
    before = (VisionVersion.objects.count(), Endorsement.objects.count())
    assert "A shared vision for" not in _seed(), "idempotent: built once"
    assert (VisionVersion.objects.count(), Endorsement.objects.count()) == before


def test_removing_the_demo_programme_removes_its_vision():
    _seed()
    assert delete_programme(Programme.objects.get().slug)
    assert not VisionVersion.objects.exists() and not VisionStatement.objects.exists()
