"""The audit trail page: changes made through the pages show up in plain words, with UK dates, page by page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from collab import services
from collab.models import Membership
from tests.frontend.pages import h1, text

AUDIT = reverse("collaborative-audit", args=["ashford"])
MEMBERS = reverse("collaborative-members", args=["ashford"])


def test_changes_made_through_the_pages_are_listed(client, world):
    client.force_login(world.people["facilitator"])
    client.post(
        MEMBERS,
        {"email": "dana@example.org", "role": "observer", "organisation": str(world.our_school.pk), "sector": ""},
    )
    member = Membership.objects.get(user=world.people["member"], collaborative=world.ours)
    client.post(
        reverse("collaborative-member-change", args=["ashford", member.pk]),
        {
            "role": "observer",
            "organisation": str(world.our_school.pk),
            "sector": "primary_school",
            "job_title": "SENCo",
        },
    )
    client.post(reverse("collaborative-member-leave", args=["ashford", member.pk]))

    response = client.get(AUDIT)
    assert response.status_code == 200
    assert h1(response) == ["Audit trail"]
    words = text(response)
    today = timezone.localdate().strftime("%d/%m/%Y")
    # Newest first.
    left = words.index("Marked a member as having left")
    changed = words.index("Changed a member's details")
    invited = words.index("Invited someone")
    assert left < changed < invited
    assert "Ashford Facilitator <facilitator@example.org>" in words
    assert f"Left on: to {today}" in words
    assert "Role: from Member → to Observer" in words
    assert "Job title: to SENCo" in words
    assert "Email address: to dana@example.org" in words
    assert "Organisation: to Ashford Primary" in words
    assert "Sector: to Mainstream primary school" in words
    assert today in words


@pytest.mark.parametrize("role", ["facilitator", "anchor", "programme_team"])
def test_facilitators_anchors_and_the_programme_team_may_read_it(client, world, role):
    client.force_login(world.people[role])
    assert client.get(AUDIT).status_code == 200


@pytest.mark.parametrize("role", ["member", "observer"])
def test_members_and_observers_may_not(client, world, role):
    client.force_login(world.people[role])
    response = client.get(AUDIT)
    assert response.status_code == 403
    assert "you cannot read the audit trail in Ashford Collaborative" in text(response)


def test_another_localitys_trail_does_not_exist_for_me(client, world):
    client.force_login(world.people["outsider"])
    assert client.get(AUDIT).status_code == 404


def test_a_long_trail_comes_in_pages(client, world):
    facilitator = world.people["facilitator"]
    for n in range(30):
        services.organisation_create(
            actor=facilitator, collaborative=world.ours, name=f"School {n:02}", sector="health"
        )
    client.force_login(facilitator)
    first = text(client.get(AUDIT))
    assert "Showing 1 to 25 of 30" in first
    assert "Name: to School 29" in first
    assert "Name: to School 04" not in first
    second = client.get(AUDIT, {"page": 2})
    assert "Showing 26 to 30 of 30" in text(second)
    assert "Name: to School 04" in text(second)
    # A page number out of range shows the last page rather than an error.
    assert client.get(AUDIT, {"page": "999"}).status_code == 200
    assert client.get(AUDIT, {"page": "abc"}).status_code == 200


def test_an_empty_trail_says_what_will_appear(client, world):
    client.force_login(world.people["facilitator"])
    assert "Nothing has changed yet." in text(client.get(AUDIT))
