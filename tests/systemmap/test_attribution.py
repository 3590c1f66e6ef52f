"""Children are never named in evidence: a quote's attribution is a role from the list, and text that looks like it
names someone or holds an identifier is refused until the person confirms it does not — through the API, a live map
operation and a file import alike."""

import json

import pytest

from systemmap.models import Evidence
from tests.api.conftest import API, assert_error
from tests.systemmap import builders as b

pytestmark = pytest.mark.django_db

NAMED = ["sarah jones", "Sarah Jones, Year 9 pupil", "Jayden (Year 9 pupil)", "J. Smith", "Pupil number 123456"]


@pytest.fixture
def on(world):
    map_ = b.a_map(world)
    return b.element(world, map_)


def _quote(**fields):
    return {
        "kind": "quote",
        "source_kind": "child",
        "attribution": "Year 9 pupil",
        "text": "Nobody asked me.",
        **fields,
    }


@pytest.mark.parametrize("attribution", NAMED)
def test_a_quote_attributed_to_a_name_is_refused_and_nothing_is_saved(world, api, on, attribution):
    answer = api("facilitator").post(
        f"{API}/evidence/", {"element": on.pk, **_quote(attribution=attribution)}, format="json"
    )
    assert_error(answer, 400, field="attribution")
    assert not Evidence.objects.exists()


def test_a_quote_is_attributed_by_a_role_chosen_from_the_list(world, api, on):
    client = api("facilitator")
    made = client.post(
        f"{API}/evidence/",
        {"element": on.pk, **_quote(attribution_role="Parent or carer", attribution_qualifier="of a Year 7 pupil")},
        format="json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["attribution"] == "Parent or carer (of a Year 7 pupil)"
    wrong = client.post(f"{API}/evidence/", {"element": on.pk, **_quote(attribution_role="Sarah")}, format="json")
    assert_error(wrong, 400, field="attribution_role")


def test_a_quote_that_names_a_child_needs_confirming(world, api, on):
    client = api("facilitator")
    text = "My son Jayden was sent home three times before anyone rang me."
    warned = client.post(f"{API}/evidence/", {"element": on.pk, **_quote(text=text)}, format="json")
    error = assert_error(warned, 400, field="text", code="needs_confirmation")
    assert "“son Jayden”" in error["message"] and "confirm" in error["fields"]
    assert not Evidence.objects.exists()
    confirmed = client.post(f"{API}/evidence/", {"element": on.pk, **_quote(text=text), "confirm": True}, format="json")
    assert confirmed.status_code == 201


def test_changing_the_words_to_hold_an_identifier_needs_confirming(world, api, on):
    quote = b.quote(world, on.map, element=on)
    client = api("facilitator")
    changed = client.patch(f"{API}/evidence/{quote.pk}/", {"text": "Her UPN is A12345678901B."}, format="json")
    assert_error(changed, 400, field="text", code="needs_confirmation")
    quote.refresh_from_db()
    assert quote.text == "We waited eleven months for CAMHS."


def test_an_import_with_identifying_evidence_needs_confirming(world, api):
    map_ = b.a_map(world)
    document = {
        "format": "collaborative-workspace/system-map",
        "version": 1,
        "elements": [{"id": "a", "label": "CAMHS", "type": "service"}],
        "connections": [],
        "evidence": [
            {"on": {"element": "a"}, "kind": "quote", "source_kind": "parent", "attribution": "Parent or carer",
             "text": "Call me on 07700 900123 about Jayden."},
        ],
    }  # fmt: skip
    client = api("facilitator")
    body = {"content": json.dumps(document), "format": "json"}
    refused = client.post(f"{API}/maps/{map_.pk}/import/", body, format="json")
    if refused.status_code == 400 and refused.json()["error"]["code"] == "invalid":
        pytest.fail(f"the test's file is not one the importer reads: {refused.content}")
    assert_error(refused, 400, field="confirm", code="needs_confirmation")
    assert not Evidence.objects.exists()
    imported = client.post(f"{API}/maps/{map_.pk}/import/", {**body, "confirm": True}, format="json")
    assert imported.status_code == 200, imported.content
    assert Evidence.objects.count() == 1


def test_a_name_in_a_quotes_attribution_is_refused_in_an_import(world, api):
    map_ = b.a_map(world)
    document = {
        "format": "collaborative-workspace/system-map",
        "version": 1,
        "elements": [{"id": "a", "label": "CAMHS", "type": "service"}],
        "connections": [],
        "evidence": [{"on": {"element": "a"}, "kind": "quote", "source_kind": "child",
                      "attribution": "Jayden (Year 9 pupil)", "text": "Nobody asked me."}],
    }  # fmt: skip
    refused = api("facilitator").post(
        f"{API}/maps/{map_.pk}/import/", {"content": json.dumps(document), "format": "json"}, format="json"
    )
    assert refused.status_code == 400 and "role" in refused.content.decode()
    assert not Evidence.objects.exists()
