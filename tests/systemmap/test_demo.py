"""The quick start's demo map: the first locality's year-1 system map, with evidence quoted by role only, findings,
feedback loops of both kinds to discover, and a saved version."""

from io import StringIO

import pytest
from django.core.management import call_command

from collab.demo import delete_programme
from collab.models import Collaborative, User
from systemmap import selectors
from systemmap.models import Element, Evidence, Finding, Map, MapVersion
from systemmap.rules import clean_attribution

pytestmark = pytest.mark.django_db


def _seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_builds_the_first_localitys_system_map():
    output = _seed()
    eastmere = Collaborative.objects.get(slug="eastmere")
    map_ = Map.objects.get()
    assert map_.collaborative == eastmere and "System map “Eastmere system map”" in output
    assert 38 <= Element.objects.filter(map=map_).count() <= 45
    assert map_.connections.count() >= 50 and Finding.objects.filter(map=map_).count() == 5
    assert MapVersion.objects.get(map=map_).label == "Year 1 map"
    evidence = Evidence.objects.filter(map=map_)
    assert evidence.filter(sensitive=True).exists() and evidence.filter(count__lt=5).exists()
    for item in evidence.exclude(attribution=""):
        assert clean_attribution(item.attribution, required=True) == item.attribution
    assert {e.source_kind for e in evidence} == {"child", "parent", "professional", "data"}


def test_the_demo_map_has_loops_of_both_kinds_gaps_and_a_journey():
    _seed()
    map_ = Map.objects.get()
    member = User.objects.get(email="member@demo.example")
    analysis = selectors.map_analysis(member, map_)
    assert analysis["loops"]["reinforcing"] >= 2 and analysis["loops"]["balancing"] >= 2
    assert analysis["without_evidence"]["findings"], "the finding added after year 1 still needs evidence"
    journey = [Element.objects.get(pk=stage["element"]).label for stage in analysis["journey"]["stages"]]
    assert journey[:3] == ["Early years and nursery", "Primary school", "Move to secondary school"]
    assert analysis["central"]["items"]
    data = selectors.map_data(member, map_)
    assert any(v["hidden"] for v in data["evidence"]) and any(v.get("suppressed") for v in data["evidence"])
    diff = selectors.version_compare(member, map_.versions.get())
    assert [f["title"] for f in diff["findings"]["added"]] == ["Families do not trust how decisions are made"]


def test_seeding_again_changes_nothing_and_removing_the_programme_removes_its_maps():
    _seed()
    _seed()
    assert Map.objects.count() == 1
    assert delete_programme("inclusive-futures")
    assert not Map.objects.exists() and not Evidence.objects.exists()


def test_the_demo_map_has_a_presentation_that_reveals_more_at_each_step():
    _seed()
    map_ = Map.objects.get()
    presentation = map_.presentations.get()
    facilitator = User.objects.get(email="facilitator@demo.example")
    steps = selectors.presentation_steps(facilitator, presentation)
    assert len(steps) >= 3 and steps[0]["title"] == "The child's journey"
    for before, after in zip(steps, steps[1:], strict=False):
        assert set(before["elements"]) < set(after["elements"]), "each step shows what the last one did, and more"
    assert any(step["focus"] for step in steps)
