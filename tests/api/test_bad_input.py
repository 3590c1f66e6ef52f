"""Bad input to every write: missing fields, wrong types, oversized strings, unknown ids and ids from another
locality. Each gets a 400 (or a 404 for the object in the URL) in the shared error format, with a message on the
field at fault, and changes nothing."""

import pytest

from collab.models import Membership
from tests.api.conftest import API, assert_error
from tests.factories import InvitationFactory

LONG = "x" * 201


def _member(w):
    return Membership.objects.get(user=w.people["member"], collaborative=w.ours).pk


# (who, method, path, body, status, field)
CASES = {
    # Programmes
    "programme: oversized name": (
        "programme_team",
        "patch",
        lambda w: f"programmes/{w.programme.pk}/",
        {"name": LONG},
        400,
        "name",
    ),
    "programme: blank name": (
        "programme_team",
        "patch",
        lambda w: f"programmes/{w.programme.pk}/",
        {"name": "  "},
        400,
        "name",
    ),
    "programme: date of the wrong type": (
        "programme_team",
        "patch",
        lambda w: f"programmes/{w.programme.pk}/",
        {"starts_on": 20260901},
        400,
        "starts_on",
    ),
    "programme: impossible date": (
        "programme_team",
        "patch",
        lambda w: f"programmes/{w.programme.pk}/",
        {"ends_on": "2026-02-30"},
        400,
        "ends_on",
    ),
    "programme: unknown id": ("programme_team", "patch", lambda w: "programmes/999999/", {"name": "X"}, 404, None),
    # Collaboratives
    "collaborative: missing everything": ("programme_team", "post", lambda w: "collaboratives/", {}, 400, "name"),
    "collaborative: missing programme": (
        "programme_team",
        "post",
        lambda w: "collaboratives/",
        {"name": "C", "locality": "C"},
        400,
        "programme",
    ),
    "collaborative: programme id of the wrong type": (
        "programme_team",
        "post",
        lambda w: "collaboratives/",
        {"programme": "demo", "name": "C", "locality": "C"},
        400,
        "programme",
    ),
    "collaborative: programme id given as true": (
        "programme_team",
        "post",
        lambda w: "collaboratives/",
        {"programme": True, "name": "C", "locality": "C"},
        400,
        "programme",
    ),
    "collaborative: unknown programme": (
        "programme_team",
        "post",
        lambda w: "collaboratives/",
        {"programme": 999999, "name": "C", "locality": "C"},
        400,
        "programme",
    ),
    "collaborative: oversized locality": (
        "programme_team",
        "post",
        lambda w: "collaboratives/",
        lambda w: {"programme": w.programme.pk, "name": "C", "locality": LONG},
        400,
        "locality",
    ),
    "collaborative: name as a list": (
        "facilitator",
        "patch",
        lambda w: f"collaboratives/{w.ours.pk}/",
        {"name": ["Ashford"]},
        400,
        "name",
    ),
    "collaborative: oversized description": (
        "facilitator",
        "patch",
        lambda w: f"collaboratives/{w.ours.pk}/",
        {"description": "x" * 5001},
        400,
        "description",
    ),
    "collaborative: another locality's anchor organisation": (
        "facilitator",
        "patch",
        lambda w: f"collaboratives/{w.ours.pk}/",
        lambda w: {"anchor_organisation": w.their_school.pk},
        400,
        "anchor_organisation",
    ),
    "collaborative: another locality's collaborative": (
        "facilitator",
        "patch",
        lambda w: f"collaboratives/{w.theirs.pk}/",
        {"name": "Mine"},
        404,
        None,
    ),
    "collaborative: body is not an object": (
        "facilitator",
        "patch",
        lambda w: f"collaboratives/{w.ours.pk}/",
        ["name"],
        400,
        None,
    ),
    # Organisations
    "organisation: missing sector": (
        "anchor",
        "post",
        lambda w: "organisations/",
        lambda w: {"collaborative": w.ours.pk, "name": "N"},
        400,
        "sector",
    ),
    "organisation: unknown sector": (
        "anchor",
        "post",
        lambda w: "organisations/",
        lambda w: {"collaborative": w.ours.pk, "name": "N", "sector": "army"},
        400,
        "sector",
    ),
    "organisation: oversized name": (
        "anchor",
        "post",
        lambda w: "organisations/",
        lambda w: {"collaborative": w.ours.pk, "name": LONG, "sector": "health"},
        400,
        "name",
    ),
    "organisation: another locality's collaborative": (
        "anchor",
        "post",
        lambda w: "organisations/",
        lambda w: {"collaborative": w.theirs.pk, "name": "N", "sector": "health"},
        400,
        "collaborative",
    ),
    "organisation: unknown collaborative": (
        "anchor",
        "post",
        lambda w: "organisations/",
        {"collaborative": 999999, "name": "N", "sector": "health"},
        400,
        "collaborative",
    ),
    "organisation: name with a NUL character": (
        "anchor",
        "patch",
        lambda w: f"organisations/{w.our_school.pk}/",
        {"name": "A\x00B"},
        400,
        "name",
    ),
    "organisation: another locality's organisation": (
        "anchor",
        "patch",
        lambda w: f"organisations/{w.their_school.pk}/",
        {"name": "Mine"},
        404,
        None,
    ),
    # Memberships
    "membership: role that cannot be given": (
        "facilitator",
        "patch",
        lambda w: f"memberships/{_member(w)}/",
        {"role": "programme_team"},
        400,
        "role",
    ),
    "membership: role of the wrong type": (
        "facilitator",
        "patch",
        lambda w: f"memberships/{_member(w)}/",
        {"role": 3},
        400,
        "role",
    ),
    "membership: oversized job title": (
        "facilitator",
        "patch",
        lambda w: f"memberships/{_member(w)}/",
        {"job_title": "x" * 151},
        400,
        "job_title",
    ),
    "membership: another locality's organisation": (
        "facilitator",
        "patch",
        lambda w: f"memberships/{_member(w)}/",
        lambda w: {"organisation": w.their_school.pk},
        400,
        "organisation",
    ),
    "membership: unknown organisation": (
        "facilitator",
        "patch",
        lambda w: f"memberships/{_member(w)}/",
        {"organisation": 999999},
        400,
        "organisation",
    ),
    "membership: leaving date that is not a date": (
        "facilitator",
        "post",
        lambda w: f"memberships/{_member(w)}/leave/",
        {"left_on": "last week"},
        400,
        "left_on",
    ),
    "membership: another locality's membership": (
        "facilitator",
        "post",
        lambda w: f"memberships/{Membership.objects.get(user=w.people['outsider']).pk}/leave/",
        {},
        404,
        None,
    ),
    "membership: unknown id": ("facilitator", "patch", lambda w: "memberships/999999/", {"role": "member"}, 404, None),
    "membership: id that is not a number": (
        "facilitator",
        "patch",
        lambda w: "memberships/abc/",
        {"role": "member"},
        404,
        None,
    ),
    # Invitations
    "invitation: missing email": (
        "facilitator",
        "post",
        lambda w: "invitations/",
        lambda w: {"collaborative": w.ours.pk, "role": "member", "sector": "health"},
        400,
        "email",
    ),
    "invitation: not an email address": (
        "facilitator",
        "post",
        lambda w: "invitations/",
        lambda w: {"collaborative": w.ours.pk, "email": "not-an-email", "role": "member", "sector": "health"},
        400,
        "email",
    ),
    "invitation: oversized email": (
        "facilitator",
        "post",
        lambda w: "invitations/",
        lambda w: {
            "collaborative": w.ours.pk,
            "email": "a" * 250 + "@example.org",
            "role": "member",
            "sector": "health",
        },
        400,
        "email",
    ),
    "invitation: missing role": (
        "facilitator",
        "post",
        lambda w: "invitations/",
        lambda w: {"collaborative": w.ours.pk, "email": "x@example.org", "sector": "health"},
        400,
        "role",
    ),
    "invitation: role that cannot be given": (
        "facilitator",
        "post",
        lambda w: "invitations/",
        lambda w: {"collaborative": w.ours.pk, "email": "x@example.org", "role": "subgroup_lead", "sector": "health"},
        400,
        "role",
    ),
    "invitation: oversized message": (
        "facilitator",
        "post",
        lambda w: "invitations/",
        lambda w: {
            "collaborative": w.ours.pk,
            "email": "x@example.org",
            "role": "member",
            "sector": "health",
            "message": "x" * 2001,
        },
        400,
        "message",
    ),
    "invitation: another locality's collaborative": (
        "facilitator",
        "post",
        lambda w: "invitations/",
        lambda w: {"collaborative": w.theirs.pk, "email": "x@example.org", "role": "member", "sector": "health"},
        400,
        "collaborative",
    ),
    "invitation: another locality's organisation": (
        "facilitator",
        "post",
        lambda w: "invitations/",
        lambda w: {
            "collaborative": w.ours.pk,
            "email": "x@example.org",
            "role": "member",
            "organisation": w.their_school.pk,
        },
        400,
        "organisation",
    ),
    "invitation: another locality's invitation": (
        "facilitator",
        "post",
        lambda w: (
            f"invitations/{InvitationFactory(collaborative=w.theirs, invited_by=w.people['outsider']).pk}/revoke/"
        ),
        None,
        404,
        None,
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(world, api, unchanged, mailoutbox, case):
    who, method, path, body, status, field = CASES[case]
    url = f"{API}/{path(world)}"  # built first: some cases create the row they aim at
    client = api(who)
    data = body(world) if callable(body) else body
    with unchanged():
        response = getattr(client, method)(url, data, format="json")
    error = assert_error(response, status, field=field)
    if status == 404:
        assert error["code"] == "not_found"
    assert mailoutbox == []


def test_an_id_from_another_locality_reads_exactly_like_an_unknown_one(world, api):
    client = api("facilitator")
    theirs = client.post(
        f"{API}/organisations/", {"collaborative": world.theirs.pk, "name": "N", "sector": "health"}, format="json"
    ).json()
    unknown = client.post(
        f"{API}/organisations/", {"collaborative": 999999, "name": "N", "sector": "health"}, format="json"
    ).json()
    assert theirs["error"]["fields"]["collaborative"] == [
        f"There is no collaborative with id {world.theirs.pk} that you can see."
    ]
    assert unknown["error"]["fields"]["collaborative"] == ["There is no collaborative with id 999999 that you can see."]


def test_every_missing_field_is_named_at_once(world, api):
    error = assert_error(api("facilitator").post(f"{API}/invitations/", {}, format="json"), 400)
    assert set(error["fields"]) == {"collaborative", "email", "role"}
    assert error["message"] == "Please correct the highlighted fields."


def test_malformed_json_is_a_400(world, api, unchanged):
    with unchanged():
        response = api("facilitator").generic(
            "PATCH", f"{API}/collaboratives/{world.ours.pk}/", "{not json", content_type="application/json"
        )
    error = assert_error(response, 400, code="parse_error")
    assert "JSON" in error["message"]


@pytest.mark.parametrize("page_size", ["abc", "0", "-1", "501", "null", "2.5", ""])
def test_a_page_size_that_is_not_a_whole_number_from_1_to_500_is_refused(world, api, page_size):
    error = assert_error(api("member").get(f"{API}/memberships/", {"page_size": page_size}), 400, field="page_size")
    assert "from 1 to 500" in error["fields"]["page_size"][0]


def test_a_page_size_in_range_sets_the_rows_per_page(world, api):
    body = api("facilitator").get(f"{API}/memberships/", {"page_size": "2"}).json()
    assert len(body["results"]) == 2 and body["next"]
