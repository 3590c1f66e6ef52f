"""The system map pages: the maps list, the map (its data for the canvas and the analysis in words), the table view
and its forms, presentations and present mode. What each person sees, what they may change, and what they are told
when something is wrong. (Every route as every kind of person: tests/permissions/cases_systemmap.py.)"""

import json
import re

import pytest
from django.urls import reverse

from collab.models import AuditEvent
from systemmap import services
from systemmap.models import Connection, Element, Map, MapComment, Presentation, PresentationStep
from tests.frontend.pages import h1, text, title
from tests.systemmap import builders as b

SECRET = "Children in care excluded this year: named in the panel minutes"


def url(name, map_, **kwargs):
    return reverse(name, kwargs={"slug": map_.collaborative.slug, "pk": map_.pk, **kwargs})


def embedded(response, name):
    """A JSON block the page hands its script (json_script)."""
    html = response.content.decode()
    found = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', html, re.S)
    assert found, f"no {name} in the page"
    return json.loads(found.group(1))


@pytest.fixture
def small(world):
    return b.small_map(world)


@pytest.fixture
def with_sensitive(world, small):
    map_, (a, *_), _ = small
    b.quote(world, map_, element=a, text=SECRET, sensitive=True, attribution="Other (Fair Access panel clerk)")
    b.quote(world, map_, element=a, text="We waited eleven months for CAMHS.")
    return map_


def as_(client, world, who):
    client.force_login(world.people[who])
    return client


# --- The maps list -------------------------------------------------------------------------------------------------


def test_the_maps_list_links_each_map_and_its_counts(world, client, small):
    map_, _, _ = small
    response = as_(client, world, "member").get(reverse("systemmap-maps", kwargs={"slug": world.ours.slug}))
    assert response.status_code == 200
    assert h1(response) == ["System maps"]
    assert f'href="{url("systemmap-map", map_)}"' in response.content.decode()
    assert "4 elements, 3 connections, 0 findings" in text(response)
    assert "Start a map" not in text(response), "members do not start maps"


def test_a_facilitator_starts_a_map_and_lands_on_its_table(world, client):
    response = as_(client, world, "facilitator").post(
        reverse("systemmap-maps", kwargs={"slug": world.ours.slug}), {"title": "Year 1 map"}
    )
    made = Map.objects.get(collaborative=world.ours, title="Year 1 map")
    assert response.status_code == 302 and response["Location"].startswith(url("systemmap-table", made))


def test_a_map_without_a_title_is_refused_beside_the_field(world, client):
    response = as_(client, world, "anchor").post(reverse("systemmap-maps", kwargs={"slug": world.ours.slug}), {})
    assert response.status_code == 400
    assert title(response).startswith("Error:")
    assert "Give the map a title." in text(response)
    assert not Map.objects.filter(collaborative=world.ours).exists()


def test_the_collaboratives_tabs_lead_to_its_maps(world, client):
    response = as_(client, world, "observer").get(f"/c/{world.ours.slug}/")
    assert f'href="{reverse("systemmap-maps", kwargs={"slug": world.ours.slug})}"' in response.content.decode()


# --- The map page --------------------------------------------------------------------------------------------------


def test_the_map_page_hands_the_canvas_the_map_and_its_live_address(world, client, small):
    map_, (a, b_, c, lonely), _ = small
    response = as_(client, world, "member").get(url("systemmap-map", map_))
    assert response.status_code == 200
    html = response.content.decode()
    assert "vendor/cytoscape/cytoscape.min.js" in html and "frontend/systemmap.js" in html
    state = embedded(response, "map-state")
    assert {e["label"] for e in state["elements"]} == {"Waiting lists", "Suspensions", "Early help", "Youth service"}
    assert len(state["connections"]) == 3
    config = embedded(response, "map-config")
    assert config["socket"] == f"/ws/live/systemmap/{map_.pk}/"
    assert config["can_edit"] is False
    assert "Add an element" not in text(response)


def test_the_map_page_says_what_the_analysis_found(world, client, small):
    map_, _, _ = small
    response = as_(client, world, "observer").get(url("systemmap-map", map_))
    words = text(response)
    assert "1 loop of up to 8 connections: 0 reinforcing" in words and "1 balancing" in words
    assert "Waiting lists → Suspensions → Early help → Waiting lists" in words
    assert "Not connected to anything (1)" in words and "Youth service" in words
    assert "The list is cut" not in words


def test_a_long_list_of_loops_says_where_it_was_cut(world, client):
    map_ = b.a_map(world)
    # Six elements each joined to every other both ways: 409 loops, more than the 200 listed.
    items = [b.element(world, map_, f"Part {n}") for n in range(6)]
    for x in items:
        for y in items:
            if x != y:
                b.connect(world, map_, x, y)
    words = text(as_(client, world, "member").get(url("systemmap-map", map_)))
    assert "The list is cut at 200 loops, shortest first" in words
    assert "And 170 more" in words


def test_editors_get_the_controls_to_change_the_map_in_place(world, client, small):
    map_, _, _ = small
    response = as_(client, world, "anchor").get(url("systemmap-map", map_))
    assert embedded(response, "map-config")["can_edit"] is True
    assert "Add an element" in text(response) and "Save these positions" in text(response)


@pytest.mark.parametrize("who", ["member", "observer", "anchor"])
def test_sensitive_evidence_is_not_in_the_page_for_anyone_but_facilitators(world, client, with_sensitive, who):
    for name in ("systemmap-map", "systemmap-table"):
        response = as_(client, world, who).get(url(name, with_sensitive))
        html = response.content.decode()
        assert SECRET not in html and "Fair Access panel clerk" not in html
        assert "We waited eleven months for CAMHS." in html or name == "systemmap-table"
    state = embedded(as_(client, world, who).get(url("systemmap-map", with_sensitive)), "map-state")
    hidden = [v for v in state["evidence"] if v.get("hidden")]
    assert len(hidden) == 1 and set(hidden[0]) == {"id", "element", "connection", "finding", "sensitive", "hidden"}


def test_facilitators_see_sensitive_evidence_on_the_map(world, client, with_sensitive):
    response = as_(client, world, "facilitator").get(url("systemmap-map", with_sensitive))
    assert SECRET in response.content.decode()


def test_another_localitys_map_is_missing_under_either_address(world, client):
    theirs = b.their_map(world)
    client = as_(client, world, "facilitator")
    assert client.get(url("systemmap-map", theirs)).status_code == 404
    # Our collaborative's address with their map's id: missing too, not a way round the check.
    mixed = reverse("systemmap-map", kwargs={"slug": world.ours.slug, "pk": theirs.pk})
    assert client.get(mixed).status_code == 404
    assert client.get(reverse("systemmap-table", kwargs={"slug": world.ours.slug, "pk": theirs.pk})).status_code == 404


# --- The table view ------------------------------------------------------------------------------------------------


def test_the_table_view_lists_elements_and_connections_with_evidence_counts(world, client, with_sensitive):
    response = as_(client, world, "member").get(url("systemmap-table", with_sensitive))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<caption" in html and 'scope="col"' in html
    row = re.search(r'<tr id="element-\d+".*?Waiting lists.*?</tr>', html, re.S).group(0)
    # Two pieces of evidence back it: one the member may read, one sensitive. The count stays true.
    assert re.search(r'data-label="Evidence" class="numeric">2<', row)
    words = text(response)
    assert "Waiting lists" in words and "Suspensions" in words
    assert "Add an element" not in words and "Change Waiting lists" not in words
    assert "Add your comment" in words, "members comment"


def test_observers_read_the_table_without_forms(world, client, small):
    map_, _, _ = small
    words = text(as_(client, world, "observer").get(url("systemmap-table", map_)))
    assert "Add an element" not in words and "Add your comment" not in words
    assert "you can read it." in words


def test_an_editor_adds_an_element_from_the_table(world, client, small):
    map_, _, _ = small
    response = as_(client, world, "facilitator").post(
        url("systemmap-element-add", map_),
        {"label": "School nursing", "type": "service", "sector": "health", "tags": "year 1, health"},
    )
    element = Element.objects.get(map=map_, label="School nursing")
    assert response.status_code == 302 and response["Location"].endswith(f"#element-{element.pk}")
    assert element.tags == ["year 1", "health"] and element.sector == "health"
    assert AuditEvent.objects.filter(action="systemmap.element.create").exists()


def test_a_bad_element_is_refused_with_messages_tied_to_the_fields(world, client, small):
    map_, _, _ = small
    before = Element.objects.count()
    response = as_(client, world, "facilitator").post(url("systemmap-element-add", map_), {"label": "", "type": "x"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Give the element a label." in html and "Choose a type from the list." in html
    # Each message is tied to its field, and the summary links to it.
    assert 'id="new-element-label_error"' in html and 'href="#new-element-label"' in html
    assert Element.objects.count() == before


def test_a_label_too_long_is_refused_beside_the_field(world, client, small):
    map_, (a, *_), _ = small
    response = as_(client, world, "facilitator").post(
        url("systemmap-element-edit", map_, element_pk=a.pk), {"label": "x" * 201, "type": "service"}
    )
    assert response.status_code == 400
    assert "The label must be 200 characters or fewer" in text(response)


def test_an_editor_connects_two_elements_and_a_loop_to_itself_is_refused(world, client, small):
    map_, (a, b_, c, lonely), _ = small
    client = as_(client, world, "anchor")
    response = client.post(
        url("systemmap-connection-add", map_),
        {"source": lonely.pk, "target": a.pk, "type": "support", "polarity": "+", "strength": "4"},
    )
    assert response.status_code == 302
    made = Connection.objects.get(map=map_, source=lonely)
    assert (made.target, made.strength, made.type) == (a, 4, "support")
    response = client.post(
        url("systemmap-connection-add", map_),
        {"source": a.pk, "target": a.pk, "type": "support", "polarity": "+", "strength": "3"},
    )
    assert response.status_code == 400
    assert "A connection joins two different elements" in text(response)
    # An element of another map is not a choice here.
    other = b.element(world, b.their_map(world), "Their school")
    response = client.post(
        url("systemmap-connection-add", map_),
        {"source": other.pk, "target": a.pk, "type": "support", "polarity": "+", "strength": "3"},
    )
    assert response.status_code == 400 and Connection.objects.filter(source=other).count() == 0


def test_editing_and_removing_from_the_table(world, client, small):
    map_, (a, b_, c, lonely), (ab, *_) = small
    client = as_(client, world, "facilitator")
    assert client.get(url("systemmap-element-edit", map_, element_pk=a.pk)).status_code == 200
    response = client.post(
        url("systemmap-element-edit", map_, element_pk=a.pk), {"label": "CAMHS waiting lists", "type": "pressure"}
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert (a.label, a.type) == ("CAMHS waiting lists", "pressure")
    response = client.post(
        url("systemmap-connection-edit", map_, connection_pk=ab.pk),
        {"source": ab.source_id, "target": ab.target_id, "type": "referral", "polarity": "-", "strength": "5"},
    )
    assert response.status_code == 302
    ab.refresh_from_db()
    assert (ab.type, ab.polarity, ab.strength) == ("referral", "-", 5)
    assert "Remove “Youth service”?" in text(client.get(url("systemmap-element-remove", map_, element_pk=lonely.pk)))
    assert client.post(url("systemmap-element-remove", map_, element_pk=lonely.pk)).status_code == 302
    assert client.post(url("systemmap-connection-remove", map_, connection_pk=ab.pk)).status_code == 302
    assert not Element.objects.filter(pk=lonely.pk).exists() and not Connection.objects.filter(pk=ab.pk).exists()


def test_an_element_of_another_map_is_missing_from_this_maps_forms(world, client, small):
    map_, _, _ = small
    other = b.element(world, b.a_map(world), "Elsewhere")
    client = as_(client, world, "facilitator")
    assert client.get(url("systemmap-element-edit", map_, element_pk=other.pk)).status_code == 404


def test_members_comment_and_observers_may_not(world, client, small):
    map_, _, _ = small
    response = as_(client, world, "member").post(url("systemmap-comment-add", map_), {"body": "Same in KS2?"})
    assert response.status_code == 302
    assert MapComment.objects.get(map=map_).body == "Same in KS2?"
    response = as_(client, world, "member").post(url("systemmap-comment-add", map_), {"body": ""})
    assert response.status_code == 400 and "Write your comment." in text(response)
    assert as_(client, world, "observer").post(url("systemmap-comment-add", map_), {"body": "Hi"}).status_code == 403


# --- Presentations and present mode ---------------------------------------------------------------------------------


def test_a_facilitator_prepares_a_presentation_step_by_step(world, client, small):
    map_, (a, b_, c, lonely), _ = small
    client = as_(client, world, "facilitator")
    response = client.post(url("systemmap-presentations", map_), {"title": "First workshop"})
    presentation = Presentation.objects.get(map=map_)
    assert response.status_code == 302
    page = url("systemmap-presentation", map_, presentation_pk=presentation.pk)
    assert client.post(page, {"title": "The loop", "elements": [a.pk, b_.pk]}).status_code == 302
    # The next step starts from what the last one showed.
    html = client.get(page).content.decode()
    assert re.search(rf'value="{a.pk}"[^>]*checked', html) and not re.search(rf'value="{lonely.pk}"[^>]*checked', html)
    response = client.post(
        page, {"title": "All of it", "elements": [a.pk, b_.pk, c.pk], "focus": str(c.pk), "caption": "Say it."}
    )
    assert response.status_code == 302
    steps = list(PresentationStep.objects.filter(presentation=presentation))
    assert [(s.position, s.title, s.elements, s.focus_id) for s in steps] == [
        (1, "The loop", [a.pk, b_.pk], None),
        (2, "All of it", [a.pk, b_.pk, c.pk], c.pk),
    ]


def test_a_step_that_zooms_in_on_an_element_it_does_not_show_is_refused(world, client, small):
    map_, (a, b_, c, lonely), _ = small
    presentation = services.presentation_create(actor=world.people["facilitator"], map=map_, title="P")
    page = url("systemmap-presentation", map_, presentation_pk=presentation.pk)
    response = as_(client, world, "facilitator").post(
        page, {"title": "Odd", "elements": [a.pk], "focus": str(lonely.pk)}
    )
    assert response.status_code == 400
    assert "Zoom in on one of the elements this step shows." in text(response)
    assert not PresentationStep.objects.exists()


def test_present_mode_hands_the_steps_to_the_page_for_everyone(world, client, small):
    map_, (a, b_, c, lonely), _ = small
    presentation = services.presentation_create(actor=world.people["facilitator"], map=map_, title="P")
    services.step_create(actor=world.people["facilitator"], presentation=presentation, title="One", elements=[a.pk])
    services.step_create(
        actor=world.people["facilitator"], presentation=presentation, title="Two", elements=[a.pk, b_.pk], focus=b_
    )
    services.element_delete(actor=world.people["facilitator"], element=a)
    response = as_(client, world, "observer").get(url("systemmap-present", map_, presentation_pk=presentation.pk))
    assert response.status_code == 200
    steps = embedded(response, "map-steps")
    # An element removed since is skipped, not an error.
    assert [(s["title"], s["elements"], s["focus"]) for s in steps] == [("One", [], None), ("Two", [b_.pk], b_.pk)]
    assert "Full screen" in text(response)


def test_observers_see_presentations_but_do_not_change_them(world, client, small):
    map_, _, _ = small
    presentation = services.presentation_create(actor=world.people["facilitator"], map=map_, title="P")
    response = as_(client, world, "observer").get(url("systemmap-presentation", map_, presentation_pk=presentation.pk))
    assert response.status_code == 200 and "Add a step" not in text(response)
    response = as_(client, world, "observer").post(
        url("systemmap-presentation", map_, presentation_pk=presentation.pk), {"title": "Mine"}
    )
    assert response.status_code == 403 and not PresentationStep.objects.exists()


def test_the_map_and_table_pages_cost_the_same_queries_whatever_the_size_of_the_map(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small_map, _, _ = b.small_map(world)
    big_map = b.a_map(world)
    items = [b.element(world, big_map, f"Part {n}") for n in range(30)]
    for x, y in zip(items, items[1:], strict=False):
        b.connect(world, big_map, x, y)
        b.quote(world, big_map, element=x)
    client = as_(client, world, "member")
    for name in ("systemmap-map", "systemmap-table"):
        counts = []
        for map_ in (small_map, big_map):
            client.get(url(name, map_))  # the analysis is cached after the first view; count a warm page
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url(name, map_)).status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1], f"{name}: {counts}"
