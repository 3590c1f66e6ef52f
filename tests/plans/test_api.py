"""The action plan's API as a script would use it: items with partners and alignment, strategies scoped to the
locality, owners set from `subgroups`, bad input answered with a clear error and nothing written."""

import pytest

from actionplans.models import Alignment, PlanItem, Strategy
from subgroups.models import PlanItemOwner
from tests.api.conftest import api, assert_error  # noqa: F401
from tests.plans import builders as p
from tests.subgroups import builders as sb

pytestmark = pytest.mark.django_db


def test_anchor_builds_an_item_aligns_it_and_gives_it_an_owner(world, api):  # noqa: F811
    anchor = api("anchor")
    response = anchor.post(
        "/api/v1/plan-items/",
        {"collaborative": world.ours.pk, "title": "Drop-in clinics", "theme": "early_help",
         "partners": ["early_help", "social_care"]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    item = response.json()
    assert sorted(item["partners"]) == ["early_help", "social_care"]
    objective = p.objective(world)
    response = anchor.post(
        "/api/v1/alignments/", {"item": item["id"], "objective": objective.pk, "note": "Early help in school"}
    )
    assert response.status_code == 201
    again = anchor.post("/api/v1/alignments/", {"item": item["id"], "objective": objective.pk, "note": "Weekly"})
    assert again.status_code == 200 and Alignment.objects.get().note == "Weekly"
    subgroup = sb.subgroup(world, name="Clinics")
    response = anchor.post("/api/v1/plan-item-owners/", {"item": item["id"], "subgroup": subgroup.pk})
    assert response.status_code == 201
    assert PlanItemOwner.objects.get().subgroup == subgroup
    detail = anchor.get(f"/api/v1/plan-items/{item['id']}/").json()
    assert detail["alignments"] == [{"id": Alignment.objects.get().pk, "objective": objective.pk, "note": "Weekly"}]


def test_bad_input_is_a_clear_400_and_writes_nothing(world, api):  # noqa: F811
    anchor = api("anchor")
    response = anchor.post(
        "/api/v1/plan-items/",
        {"collaborative": world.ours.pk, "title": "Clinics", "starts_on": "2027-03-01", "ends_on": "2027-01-01",
         "partners": ["astronauts"]},
        format="json",
    )  # fmt: skip
    assert_error(response, 400, field="partners")
    response = anchor.post(
        "/api/v1/plan-items/",
        {"collaborative": world.ours.pk, "title": "Clinics", "starts_on": "2027-03-01", "ends_on": "2027-01-01"},
        format="json",
    )
    body = assert_error(response, 400, field="ends_on")
    assert "end date" in body["fields"]["ends_on"][0]
    response = anchor.post("/api/v1/action-plans/record/", {"collaborative": world.ours.pk, "status": "agreed"})
    assert_error(response, 400, field="workshop")  # agreed: at a named workshop
    response = anchor.post("/api/v1/action-plans/record/", {"collaborative": world.ours.pk, "status": "revised"})
    assert_error(response, 409)  # nothing to record yet
    theirs = p.objective(world, world.theirs)
    item = p.item(world)
    response = anchor.post("/api/v1/alignments/", {"item": item.pk, "objective": theirs.pk, "note": "x"})
    assert_error(response, 400, field="objective")
    assert PlanItem.objects.count() == 1 and not Alignment.objects.exists()


def test_an_anchor_sees_their_own_authoritys_strategies_only(world, api):  # noqa: F811
    ours = p.strategy(world, title="Ashford SEND strategy")
    theirs = p.strategy(world, world.theirs, title="Brindle SEND strategy")
    listed = {row["id"] for row in api("anchor").get("/api/v1/strategies/").json()["results"]}
    assert listed == {ours.pk}
    assert api("anchor").get(f"/api/v1/strategies/{theirs.pk}/").status_code == 404
    team = {row["id"] for row in api("programme_team").get("/api/v1/strategies/").json()["results"]}
    assert team == {ours.pk, theirs.pk}
    assert Strategy.objects.count() == 2
