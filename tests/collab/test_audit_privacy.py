"""The audit trail never shows a reader what they may not see elsewhere: no words of evidence (sensitive or not), small
counts about children as "fewer than 5", and people of another locality by name and organisation, not email — in the
API and on the page alike, for rows written before this rule too."""

import pytest
from django.urls import reverse

from collab.models import AuditEvent
from subgroups import services as subgroup_services
from tests.api.conftest import API
from tests.frontend.pages import text
from tests.subgroups import builders as sb
from tests.systemmap import builders as b

pytestmark = pytest.mark.django_db

QUOTE = "Nobody asked me what was going on at home"
PAGE = reverse("collaborative-audit", args=["ashford"])


@pytest.fixture
def evidence(world):
    map_ = b.a_map(world)
    on = b.element(world, map_)
    quote = b.quote(world, map_, element=on, text=QUOTE, attribution="Year 9 pupil")
    # An edit that made it sensitive afterwards.
    b.services.evidence_update(actor=world.people["facilitator"], evidence=quote, sensitive=True)
    small = b.data_point(world, map_, element=on, count=3)
    b.services.evidence_update(actor=world.people["facilitator"], evidence=small, count=4)
    return quote, small


def _evidence_rows(client):
    answer = client.get(f"{API}/audit-events/", {"target_type": "systemmap.evidence"})
    assert answer.status_code == 200
    return answer.json()["results"]


def test_an_anchor_reads_no_words_of_evidence_and_no_small_counts_in_the_audit_trail(world, api, client, evidence):
    rows = _evidence_rows(api("anchor"))
    assert rows, "the anchor reads the audit trail"
    assert QUOTE[:20] not in str(rows)
    assert {row["target_label"] for row in rows} == {f"Evidence #{e.pk}" for e in evidence}
    count_changes = [row["changes"]["count"] for row in rows if "count" in row["changes"]]
    assert count_changes and all(3 not in values and 4 not in values for values in count_changes)
    assert ["fewer than 5", "fewer than 5"] in count_changes
    client.force_login(world.people["anchor"])
    page = text(client.get(PAGE))
    assert QUOTE[:20] not in page and "fewer than 5" in page


def test_facilitators_read_small_counts_of_evidence_in_the_audit_trail(world, api, evidence):
    rows = _evidence_rows(api("facilitator"))
    assert [3, 4] in [row["changes"].get("count") for row in rows]
    assert QUOTE[:20] not in str(rows)


def test_old_rows_labelled_with_a_quote_no_longer_show_it(world, api, client, evidence):
    quote, _ = evidence
    AuditEvent.objects.filter(target_type="systemmap.evidence", target_id=str(quote.pk)).update(
        target_label=f"Quote: {QUOTE}"
    )
    assert QUOTE[:20] not in str(_evidence_rows(api("anchor")))
    client.force_login(world.people["member"])  # members do not read the audit trail at all
    assert client.get(PAGE).status_code in (403, 404)
    client.force_login(world.people["anchor"])
    assert QUOTE[:20] not in text(client.get(PAGE))


def test_the_stored_label_of_evidence_holds_none_of_its_words(world, evidence):
    labels = set(AuditEvent.objects.filter(target_type="systemmap.evidence").values_list("target_label", flat=True))
    assert labels == {f"Evidence #{e.pk}" for e in evidence}


@pytest.fixture
def link_removed_by_another_locality(world):
    ours, theirs = sb.subgroup(world), sb.their_subgroup(world)
    link = subgroup_services.link_create(actor=world.people["programme_team"], from_subgroup=ours, to_subgroup=theirs)
    subgroup_services.link_remove(actor=world.people["outsider"], link=link)
    return link


def test_a_person_of_another_locality_shows_by_name_and_organisation_not_email(
    world, api, client, link_removed_by_another_locality
):
    answer = api("anchor").get(f"{API}/audit-events/", {"action": "subgroup_link.remove"})
    (row,) = answer.json()["results"]
    assert row["actor_label"] == "Brindle Member (Brindle Academy)"
    assert "outsider@example.org" not in answer.content.decode()
    client.force_login(world.people["anchor"])
    page = client.get(PAGE).content.decode()
    assert "Brindle Member (Brindle Academy)" in page and "outsider@example.org" not in page
    # Searching by the address finds nothing either.
    found = api("anchor").get(f"{API}/audit-events/", {"search": "outsider@example.org"})
    assert found.json()["results"] == []
    # The programme team works with every locality and sees who it was.
    team = api("programme_team").get(f"{API}/audit-events/", {"action": "subgroup_link.remove"})
    assert "outsider@example.org" in team.json()["results"][0]["actor_label"]


def test_people_of_the_readers_own_locality_show_with_their_email(world, api, evidence):
    rows = _evidence_rows(api("anchor"))
    assert all(row["actor_label"] == "Ashford Facilitator <facilitator@example.org>" for row in rows)
