"""Children's and families' voice in a progress update names no one: text that looks like a name or an identifier is
refused with a warning until the lead confirms it does not — the form shows the warning and a box to tick, the API
answers `needs_confirmation` until `confirm` is sent."""

import pytest
from django.urls import reverse

from subgroups.models import ProgressUpdate
from tests.api.conftest import API, assert_error
from tests.subgroups import builders as b

pytestmark = pytest.mark.django_db

NAMING = "My son Jayden told the panel he felt nobody listened."


def _form(**overrides):
    return {
        "action": "post",
        "status": "on_track",
        "done": "Met the four pilot primaries.",
        "next_steps": "Plan the transition days.",
        "children_voice": NAMING,
        **overrides,
    }


def test_the_form_warns_and_asks_to_confirm_a_childs_name(client, world):
    subgroup = b.subgroup(world)
    client.force_login(world.people["lead"])
    url = reverse("subgroup-update", args=[subgroup.collaborative.slug, subgroup.pk])
    warned = client.post(url, _form())
    assert warned.status_code == 400
    page = warned.content.decode()
    assert "“son Jayden” looks like a person" in page and 'name="confirm"' in page
    assert not ProgressUpdate.objects.exists()
    confirmed = client.post(url, _form(confirm="on"))
    assert confirmed.status_code == 302
    assert ProgressUpdate.objects.get().children_voice == NAMING


def test_the_api_refuses_an_identifier_in_the_childrens_voice_until_confirmed(world, api):
    subgroup = b.subgroup(world)
    body = {"subgroup": subgroup.pk, "status": "on_track", "done": "Met.", "next_steps": "Plan.",
            "children_voice": "Pupil A12345678901B said the new timetable helped."}  # fmt: skip
    client = api("lead")
    refused = client.post(f"{API}/progress-updates/", body, format="json")
    assert_error(refused, 400, field="children_voice", code="needs_confirmation")
    assert not ProgressUpdate.objects.exists()
    assert client.post(f"{API}/progress-updates/", {**body, "confirm": True}, format="json").status_code == 201
