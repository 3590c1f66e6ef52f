"""Reading through the API: each route lists and shows only what the person may see, with filters and pages."""

import pytest

from collab.models import Membership, Role, Sector
from tests.api.conftest import API, assert_error
from tests.factories import InvitationFactory, MembershipFactory, OrganisationFactory, UserFactory


def _names(response, key="name"):
    assert response.status_code == 200, response.content
    return sorted(row[key] for row in response.json()["results"])


def test_me_shows_my_role_in_each_collaborative(world, api):
    body = api("member").get(f"{API}/me/").json()
    assert body["email"] == "member@example.org"
    assert body["display_name"] == "Ashford Member"
    assert body["programme_team"] == []
    assert body["collaboratives"] == [
        {
            "id": world.ours.pk,
            "slug": "ashford",
            "name": "Ashford Collaborative",
            "programme": world.programme.pk,
            "role": "member",
        }
    ]

    team = api("programme_team").get(f"{API}/me/").json()
    assert [p["slug"] for p in team["programme_team"]] == ["demo"]
    assert {(c["slug"], c["role"]) for c in team["collaboratives"]} == {
        ("ashford", "programme_team"),
        ("brindle", "programme_team"),
    }


def test_programmes_are_those_i_take_part_in(world, api, anonymous):
    assert _names(api("member").get(f"{API}/programmes/")) == ["Demo Programme"]
    detail = api("member").get(f"{API}/programmes/{world.programme.pk}/")
    assert detail.json()["slug"] == "demo"
    assert_error(api("member").get(f"{API}/programmes/999999/"), 404, code="not_found")


def test_someone_in_no_collaborative_sees_nothing(world):
    from tests.factories import api_client_for

    stranger = UserFactory(email="stranger@example.org")
    client = api_client_for(stranger)
    for route in ("programmes", "collaboratives", "organisations", "memberships", "invitations", "audit-events"):
        response = client.get(f"{API}/{route}/")
        assert response.status_code == 200
        assert response.json()["count"] == 0, route
    assert_error(client.get(f"{API}/collaboratives/{world.ours.pk}/"), 404)


def test_collaboratives_are_scoped_and_show_my_role_and_member_count(world, api):
    response = api("member").get(f"{API}/collaboratives/")
    rows = response.json()["results"]
    assert [(r["slug"], r["my_role"], r["active_member_count"]) for r in rows] == [("ashford", "member", 5)]
    assert rows[0]["programme_name"] == "Demo Programme"

    assert _names(api("programme_team").get(f"{API}/collaboratives/")) == [
        "Ashford Collaborative",
        "Brindle Collaborative",
    ]
    filtered = api("programme_team").get(f"{API}/collaboratives/", {"programme": world.programme.pk})
    assert filtered.json()["count"] == 2


def test_another_localitys_collaborative_is_404_like_a_missing_one(world, api):
    theirs = api("member").get(f"{API}/collaboratives/{world.theirs.pk}/")
    missing = api("member").get(f"{API}/collaboratives/999999/")
    assert_error(theirs, 404)
    assert theirs.json() == missing.json()


def test_organisations_are_our_own_and_the_programme_wide_ones(world, api):
    OrganisationFactory(programme=world.programme, collaborative=None, name="Inclusion Trust", sector="facilitation")
    OrganisationFactory(collaborative=world.ours, name="Ashford CAMHS", sector=Sector.HEALTH)
    member = api("member")
    assert _names(member.get(f"{API}/organisations/")) == ["Ashford CAMHS", "Ashford Primary", "Inclusion Trust"]
    assert _names(member.get(f"{API}/organisations/", {"sector": "health"})) == ["Ashford CAMHS"]
    assert _names(member.get(f"{API}/organisations/", {"search": "primary"})) == ["Ashford Primary"]
    assert _names(member.get(f"{API}/organisations/", {"collaborative": world.ours.pk})) == [
        "Ashford CAMHS",
        "Ashford Primary",
    ]
    assert_error(member.get(f"{API}/organisations/{world.their_school.pk}/"), 404)


def test_organisation_filter_with_another_localitys_id_is_refused_like_an_unknown_one(world, api):
    theirs = assert_error(
        api("member").get(f"{API}/organisations/", {"collaborative": world.theirs.pk}), 400, field="collaborative"
    )
    unknown = assert_error(
        api("member").get(f"{API}/organisations/", {"collaborative": 999999}), 400, field="collaborative"
    )
    assert theirs["fields"] == unknown["fields"]


def test_memberships_list_and_filters(world, api):
    health = OrganisationFactory(collaborative=world.ours, name="Ashford Health", sector=Sector.HEALTH)
    nurse = MembershipFactory(
        collaborative=world.ours, organisation=health, sector=Sector.HEALTH, user=UserFactory(display_name="Zara Nurse")
    )
    Membership.objects.filter(pk=nurse.pk).update(left_on=nurse.joined_on)
    client = api("member")

    def people(**params):
        return _names(client.get(f"{API}/memberships/", params), key="id")

    everyone = client.get(f"{API}/memberships/").json()
    assert everyone["count"] == 6
    row = next(r for r in everyone["results"] if r["user"]["display_name"] == "Ashford Facilitator")
    assert row["organisation_name"] == "Ashford Primary"
    assert row["role"] == "facilitator" and row["is_active"] is True
    assert row["user"]["email"] == "facilitator@example.org"

    assert people(active="false") == [nurse.pk]
    assert len(people(active="true")) == 5
    assert people(sector="health") == [nurse.pk]
    assert people(organisation=health.pk) == [nurse.pk]
    assert len(people(role="facilitator")) == 1
    assert len(people(collaborative=world.ours.pk)) == 6
    # Outsiders' memberships never appear, even when asked for by collaborative.
    assert_error(client.get(f"{API}/memberships/", {"collaborative": world.theirs.pk}), 400, field="collaborative")
    team = api("programme_team")
    assert [
        r["user"]["email"]
        for r in team.get(f"{API}/memberships/", {"collaborative": world.theirs.pk}).json()["results"]
    ] == ["outsider@example.org"]


def test_memberships_ordering(world, api):
    response = api("member").get(f"{API}/memberships/", {"ordering": "-user__display_name"})
    names = [r["user"]["display_name"] for r in response.json()["results"]]
    assert names == sorted(names, reverse=True)


def test_pagination(world, api):
    for n in range(56):
        MembershipFactory(collaborative=world.ours, user=UserFactory(display_name=f"Person {n:02d}"))
    client = api("member")
    first = client.get(f"{API}/memberships/").json()
    assert first["count"] == 61
    assert len(first["results"]) == 50
    assert first["next"].endswith("page=2") and first["previous"] is None
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 11
    ids = {r["id"] for r in first["results"]} | {r["id"] for r in second["results"]}
    assert len(ids) == 61
    small = client.get(f"{API}/memberships/", {"page_size": 7}).json()
    assert len(small["results"]) == 7
    assert_error(client.get(f"{API}/memberships/", {"page": 99}), 404)


def test_invitations_are_seen_only_by_those_who_may_invite(world, api):
    invitation = InvitationFactory(collaborative=world.ours, invited_by=world.people["facilitator"])
    InvitationFactory(collaborative=world.theirs, invited_by=world.people["outsider"])
    rows = api("anchor").get(f"{API}/invitations/").json()["results"]
    assert [r["id"] for r in rows] == [invitation.pk]
    assert rows[0]["status"] == "pending"
    assert rows[0]["invited_by"]["display_name"] == "Ashford Facilitator"
    assert api("member").get(f"{API}/invitations/").json()["count"] == 0
    assert_error(api("member").get(f"{API}/invitations/{invitation.pk}/"), 404)
    assert_error(api("outsider").get(f"{API}/invitations/{invitation.pk}/"), 404)


@pytest.mark.parametrize("status", ["pending", "accepted", "revoked", "expired"])
def test_invitations_filter_by_status(world, api, status):
    from django.utils import timezone

    now = timezone.now()
    made = {
        "pending": InvitationFactory(collaborative=world.ours),
        "accepted": InvitationFactory(collaborative=world.ours, accepted_at=now),
        "revoked": InvitationFactory(collaborative=world.ours, revoked_at=now),
        "expired": InvitationFactory(collaborative=world.ours, expires_at=now - timezone.timedelta(days=1)),
    }
    rows = api("facilitator").get(f"{API}/invitations/", {"status": status}).json()["results"]
    assert [(r["id"], r["status"]) for r in rows] == [(made[status].pk, status)]


def test_a_bad_filter_value_is_a_400_with_the_field(world, api):
    assert_error(api("member").get(f"{API}/memberships/", {"role": "emperor"}), 400, field="role")
    assert_error(api("member").get(f"{API}/memberships/", {"collaborative": "abc"}), 400, field="collaborative")
    assert_error(api("member").get(f"{API}/organisations/", {"search": "a\x00b"}), 400, field="search")


def test_role_filter_covers_every_role(world, api):
    counts = {role: api("member").get(f"{API}/memberships/", {"role": role}).json()["count"] for role in Role.values}
    assert counts == {
        "programme_team": 0,
        "facilitator": 1,
        "anchor": 1,
        "subgroup_lead": 0,
        "member": 2,
        "observer": 1,
    }


def test_the_browsable_api_renders_and_its_filter_menus_leak_no_other_locality(world, client):
    client.force_login(world.people["facilitator"])
    for route in ("memberships", "organisations", "invitations", "audit-events", "collaboratives", "programmes"):
        response = client.get(f"{API}/{route}/", HTTP_ACCEPT="text/html")
        assert response.status_code == 200, route
        assert b"Brindle" not in response.content, route
    assert client.get(f"{API}/me/", HTTP_ACCEPT="text/html").status_code == 200


def test_an_unknown_api_address_answers_in_the_api_format(world, api):
    assert_error(api("member").get(f"{API}/nothing-here/"), 404, code="not_found")
    assert_error(api("member").post(f"{API}/memberships/1.5/leave/"), 404, code="not_found")
    # An id with a line break in it (%0A) is still an address under the API.
    assert_error(api("member").get(f"{API}/subgroup-members/a.b%0A/"), 404, code="not_found")
