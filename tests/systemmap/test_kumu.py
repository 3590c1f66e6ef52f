"""A real Kumu export (tests/fixtures/kumu/, see its README) imports whole, its feedback loops are found, and it goes
back to Kumu's layout with nothing lost."""

import json
from collections import Counter

import pytest

from systemmap import io, selectors
from systemmap.models import Connection, Element, Polarity
from systemmap.services import map_import_new
from tests.systemmap.builders import KUMU_FIXTURE

KUMU = json.loads(KUMU_FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture
def imported(world):
    result = map_import_new(
        actor=world.people["facilitator"],
        collaborative=world.ours,
        files={KUMU_FIXTURE.name: KUMU_FIXTURE.read_bytes()},
    )
    return result


def test_the_real_kumu_export_imports_whole(imported):
    map_ = imported.map
    assert (imported.elements, imported.connections) == (230, 232)
    assert map_.title == "US Financial Inclusion"
    assert Element.objects.filter(map=map_).count() == 230
    # Every element keeps its Kumu id, label and position from maps[0].elements.
    positions = {node["element"]: node["position"] for node in KUMU["maps"][0]["elements"]}
    for element in Element.objects.filter(map=map_):
        kumu = positions[element.external_id]
        assert (element.x, element.y) == (kumu["x"], kumu["y"])
    labels = Counter(e["attributes"]["label"] for e in KUMU["elements"])
    assert Counter(Element.objects.filter(map=map_).values_list("label", flat=True)) == labels


def test_kumu_connection_types_become_polarities(imported):
    by_id = {c.external_id: c for c in Connection.objects.filter(map=imported.map).select_related("source", "target")}
    assert len(by_id) == 232
    signs = {"++": Polarity.SAME, "--": Polarity.SAME, "+-": Polarity.OPPOSITE, "-+": Polarity.OPPOSITE, None: "+"}
    for kumu in KUMU["connections"]:
        ours = by_id[kumu["_id"]]
        assert ours.polarity == signs[kumu["attributes"].get("connection type")], kumu["_id"]
        assert (ours.source.external_id, ours.target.external_id) == (kumu["from"], kumu["to"])
    counts = Counter(c.polarity for c in by_id.values())
    assert counts == {"+": 114 + 38 + 7, "-": 38 + 35}
    assert any("7 connections had no connection type" in w for w in imported.warnings)
    assert any("2 connections were undirected" in w for w in imported.warnings)


def test_the_loop_analysis_finds_every_loop_the_authors_labelled(world, imported):
    result = selectors.map_analysis(world.people["member"], imported.map)
    loops = result["loops"]
    assert loops["cut"] is False
    external = dict(Connection.objects.filter(map=imported.map).values_list("pk", "external_id"))
    found = [frozenset(external[pk] for pk in loop["connections"]) for loop in loops["items"]]
    # 42 distinct loops of elements; two of them pass the pair of elements Kumu joins twice (two undirected
    # connections), so they are listed once per connection: 44 in all.
    assert len({frozenset(loop["elements"]) for loop in loops["items"]}) == 42
    assert len(found) == 44
    exact, extra = 0, []
    for labelled in KUMU["loops"]:
        drawn = frozenset(labelled["connections"])
        if drawn in found:
            exact += 1
        else:
            # The other labels take in connections leading into the loop as well as the loop itself.
            contained = [loop for loop in found if loop < drawn]
            assert len(contained) == 1, labelled["attributes"]["label"]
            extra.append(len(drawn - contained[0]))
    assert exact == 33
    assert sorted(extra) == [1, 1, 1, 1, 1, 1, 1, 1, 6]
    assert loops["reinforcing"] + loops["balancing"] == 44
    assert loops["balancing"] > 0 and loops["reinforcing"] > 0


def test_the_map_goes_back_to_kumu_with_its_ids_types_positions_and_loops(world, imported):
    download = io.export(selectors.map_export_data(world.people["facilitator"], imported.map), "kumu")
    written = json.loads(download.content)
    assert set(written) == set(KUMU)  # the same layout as Kumu's own project backup
    assert {e["_id"] for e in written["elements"]} == {e["_id"] for e in KUMU["elements"]}
    original = {c["_id"]: c for c in KUMU["connections"]}
    for connection in written["connections"]:
        before = original[connection["_id"]]
        assert (connection["from"], connection["to"], connection["direction"]) == (
            before["from"],
            before["to"],
            before["direction"],
        )
        assert connection["attributes"].get("connection type") == before["attributes"].get("connection type")
        assert connection["attributes"].get("description") == before["attributes"].get("description")
    positions = {n["element"]: n["position"] for n in written["maps"][0]["elements"]}
    assert positions == {n["element"]: n["position"] for n in KUMU["maps"][0]["elements"]}
    assert sorted(loop["connections"] for loop in written["loops"]) == sorted(k["connections"] for k in KUMU["loops"])
    assert {loop["attributes"]["label"] for loop in written["loops"]} == {
        k["attributes"]["label"] for k in KUMU["loops"]
    }


def test_what_goes_back_to_kumu_comes_in_again_as_the_same_map(world, imported):
    facilitator = world.people["facilitator"]
    download = io.export(selectors.map_export_data(facilitator, imported.map), "kumu")
    again = map_import_new(actor=facilitator, collaborative=world.ours, files={"again.json": download.content})
    assert shape(facilitator, again.map) == shape(facilitator, imported.map)


def test_a_kumu_blueprint_imports_too(world):
    blueprint = {
        "elements": [
            {"id": "e1", "label": "A", "type": "Person", "tags": ["one"]},
            {"id": "e2", "label": "A", "description": "Same label, another element"},
        ],
        "connections": [{"from": "e1", "to": "e2", "type": "+-"}],
    }
    result = map_import_new(
        actor=world.people["facilitator"], collaborative=world.ours, files={"b.json": json.dumps(blueprint).encode()}
    )
    first = Element.objects.get(map=result.map, external_id="e1")
    assert first.type == "organisation" and first.tags == ["one"]
    assert Connection.objects.get(map=result.map).polarity == "-"


def shape(user, map_):
    """A map by its content, not its database ids: what a round trip must keep."""
    data = selectors.map_data(user, map_)
    labels = {e["id"]: (e["label"], e["x"], e["y"]) for e in data["elements"]}
    elements = sorted(
        (e["label"], e["type"], e["sector"], e["description"], tuple(e["tags"]), e["x"], e["y"], e["journey_step"])
        for e in data["elements"]
    )
    connections = sorted(
        (labels[c["source"]], labels[c["target"]], c["type"], c["polarity"], c["strength"], c["note"])
        for c in data["connections"]
    )
    return elements, connections
