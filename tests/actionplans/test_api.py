"""The shared vision's API as a script would use it: drafting and reordering statements, publishing versions with
their counts by sector, responding; bad input answered 400 with the field at fault and nothing changed; another
locality's objects answered 404, exactly as missing ones."""

import pytest

from actionplans import services
from actionplans.models import Endorsement, VisionStatement, VisionVersion
from collab.models import Sector
from tests.actionplans import builders as b
from tests.api.conftest import API, assert_error

pytestmark = pytest.mark.django_db

STATEMENTS = f"{API}/vision-statements/"
VERSIONS = f"{API}/vision-versions/"
ENDORSEMENTS = f"{API}/endorsements/"
PRIORITIES = f"{API}/priorities/"


def ids(response):
    return [row["id"] for row in response.json()["results"]]


# --- Drafts --------------------------------------------------------------------------------------------------------


def test_the_anchor_drafts_changes_and_reorders_statements(world, api):
    anchor = api("anchor")
    first = anchor.post(STATEMENTS, {"collaborative": world.ours.pk, "text": "Every child is known."}, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["position"] == 1 and first.json()["revision"] == 1
    second = anchor.post(
        STATEMENTS,
        {"collaborative": world.ours.pk, "text": "Families are partners.", "note": "From the parent carer forum."},
        format="json",
    ).json()
    changed = anchor.patch(
        f"{STATEMENTS}{first.json()['id']}/",
        {"text": "Every child is known and welcomed.", "revision": 1},
        format="json",
    )
    assert changed.status_code == 200 and changed.json()["revision"] == 2
    reordered = anchor.post(
        f"{STATEMENTS}reorder/",
        {"collaborative": world.ours.pk, "order": [second["id"], first.json()["id"]]},
        format="json",
    )
    assert reordered.status_code == 200
    assert [(row["text"], row["position"]) for row in reordered.json()] == [
        ("Families are partners.", 1),
        ("Every child is known and welcomed.", 2),
    ]
    listed = api("observer").get(STATEMENTS, {"collaborative": world.ours.pk}).json()["results"]
    assert [row["id"] for row in listed] == [second["id"], first.json()["id"]]
    assert api("member").delete(f"{STATEMENTS}{second['id']}/").status_code == 403
    assert anchor.delete(f"{STATEMENTS}{second['id']}/").status_code == 204
    assert ids(api("observer").get(STATEMENTS)) == [first.json()["id"]]
    assert VisionStatement.objects.get(pk=second["id"]).removed_at is not None, "kept, out of the draft"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "Every child is known."}, "collaborative"),
        ({"collaborative": "ashford", "text": "Every child is known."}, "collaborative"),
        ({"collaborative": 0, "text": "Every child is known."}, "collaborative"),
        ({"collaborative": "THEIRS", "text": "Every child is known."}, "collaborative"),
        ({"collaborative": "OURS"}, "text"),
        ({"collaborative": "OURS", "text": ""}, "text"),
        ({"collaborative": "OURS", "text": "   "}, "text"),
        ({"collaborative": "OURS", "text": "x" * 1001}, "text"),
        ({"collaborative": "OURS", "text": "Nul\x00here"}, "text"),
        ({"collaborative": "OURS", "text": ["a list"]}, "text"),
        ({"collaborative": "OURS", "text": "Fine.", "note": "x" * 5001}, "note"),
    ],
)
def test_bad_statements_are_refused_with_the_field_at_fault(world, api, unchanged, body, field):
    body = {k: world.ours.pk if v == "OURS" else world.theirs.pk if v == "THEIRS" else v for k, v in body.items()}
    with unchanged():
        assert_error(api("facilitator").post(STATEMENTS, body, format="json"), 400, field=field)


def test_a_stale_revision_is_a_conflict_and_bad_revisions_are_refused(world, api, unchanged):
    statement = b.statement(world, "Every child is known.")
    facilitator = api("facilitator")
    url = f"{STATEMENTS}{statement.pk}/"
    facilitator.patch(url, {"text": "Every child is known and welcomed.", "revision": 1}, format="json")
    with unchanged():
        error = assert_error(facilitator.patch(url, {"text": "Every pupil.", "revision": 1}, format="json"), 409)
        assert "Every child is known and welcomed." in error["message"]
        assert_error(facilitator.patch(url, {"revision": "two"}, format="json"), 400, field="revision")
        assert_error(facilitator.patch(url, {"text": ""}, format="json"), 400, field="text")


@pytest.mark.parametrize(
    "order",
    [
        "MISSING",
        "EXTRA_THEIRS",
        "REPEATED",
        [],
        "not a list",
        ["one"],
        [2**70],
    ],
)
def test_bad_orders_are_refused(world, api, unchanged, order):
    one, two = b.statement(world, "One."), b.statement(world, "Two.")
    theirs = b.statement(world, "Theirs.", collaborative=world.theirs)
    named = {"MISSING": [one.pk], "EXTRA_THEIRS": [one.pk, two.pk, theirs.pk], "REPEATED": [one.pk, one.pk, two.pk]}
    order = named.get(order, order) if isinstance(order, str) else order
    with unchanged():
        response = api("facilitator").post(
            f"{STATEMENTS}reorder/", {"collaborative": world.ours.pk, "order": order}, format="json"
        )
        assert_error(response, 400, field="order")


def test_another_locality_s_statements_are_not_there(world, api, unchanged):
    theirs = b.statement(world, "Brindle's words.", collaborative=world.theirs)
    url = f"{STATEMENTS}{theirs.pk}/"
    for who in ("member", "facilitator", "anchor"):
        client = api(who)
        with unchanged():
            assert_error(client.get(url), 404)
            assert_error(client.patch(url, {"text": "Ours now."}, format="json"), 404)
            assert_error(client.delete(url), 404)
        assert theirs.pk not in ids(client.get(STATEMENTS))
    assert_error(api("member").get(f"{STATEMENTS}999999/"), 404)


# --- Versions ------------------------------------------------------------------------------------------------------


def test_publishing_makes_a_numbered_version_with_its_counts(world, api):
    b.statement(world, "Every child is known.")
    published = api("facilitator").post(
        f"{VERSIONS}publish/", {"collaborative": world.ours.pk, "note": "After workshop 2."}, format="json"
    )
    assert published.status_code == 201, published.content
    body = published.json()
    assert body["number"] == 1 and body["is_current"] is True and body["note"] == "After workshop 2."
    assert [s["text"] for s in body["statements"]] == ["Every child is known."]
    version = VisionVersion.objects.get()
    b.endorse(world, version, "member", "agree")
    b.endorse(world, version, b.member_of(world, sector=Sector.HEALTH), "disagree")
    detail = api("observer").get(f"{VERSIONS}{version.pk}/").json()
    counts = detail["endorsement_counts"]
    assert [
        (r["sector"], r["agree"], r["agree_with_reservations"], r["disagree"], r["total"]) for r in counts["sectors"]
    ] == [
        ("primary_school", 1, 0, 0, 1),
        ("health", 0, 0, 1, 1),
    ]
    assert (counts["total"]["agree"], counts["total"]["disagree"], counts["total"]["total"]) == (1, 1, 2)
    b.publish(world, texts=["Every child belongs."])
    listed = api("member").get(VERSIONS, {"collaborative": world.ours.pk}).json()["results"]
    assert [(row["number"], row["is_current"], row["endorsement_counts"]["total"]["total"]) for row in listed] == [
        (2, True, 0),
        (1, False, 2),
    ]


def test_publishing_refuses_an_empty_or_unchanged_draft_and_other_people(world, api, unchanged):
    facilitator = api("facilitator")
    body = {"collaborative": world.ours.pk}
    with unchanged():
        assert_error(facilitator.post(f"{VERSIONS}publish/", body, format="json"), 400)
        assert_error(facilitator.post(f"{VERSIONS}publish/", {}, format="json"), 400, field="collaborative")
        assert_error(
            facilitator.post(f"{VERSIONS}publish/", {**body, "note": "x" * 501}, format="json"), 400, field="note"
        )
    b.publish(world)
    with unchanged():
        assert_error(facilitator.post(f"{VERSIONS}publish/", body, format="json"), 409)
        assert_error(api("member").post(f"{VERSIONS}publish/", body, format="json"), 403)
        assert_error(api("outsider").post(f"{VERSIONS}publish/", body, format="json"), 400, field="collaborative")


def test_another_locality_s_versions_are_not_there(world, api):
    theirs = b.publish(world, collaborative=world.theirs)
    assert_error(api("facilitator").get(f"{VERSIONS}{theirs.pk}/"), 404)
    assert theirs.pk not in ids(api("facilitator").get(VERSIONS))


# --- Endorsements --------------------------------------------------------------------------------------------------


def test_a_member_responds_then_changes_their_response(world, api):
    version = b.publish(world)
    member = api("member")
    created = member.post(
        ENDORSEMENTS,
        {"version": version.pk, "response": "agree_with_reservations", "comment": "Capacity."},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["sector"] == "primary_school" and created.json()["version_number"] == 1
    again = member.post(ENDORSEMENTS, {"version": version.pk, "response": "agree"}, format="json")
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    patched = member.patch(f"{ENDORSEMENTS}{created.json()['id']}/", {"comment": "Fully agree now."}, format="json")
    assert patched.status_code == 200 and patched.json()["response"] == "agree"
    assert Endorsement.objects.get().comment == "Fully agree now."
    b.endorse(world, version, "lead", "disagree")
    mine = api("member").get(ENDORSEMENTS, {"mine": "true"}).json()["results"]
    assert [row["member"]["id"] for row in mine] == [world.people["member"].pk]
    disagreeing = api("observer").get(ENDORSEMENTS, {"version": version.pk, "response": "disagree"}).json()["results"]
    assert [row["member"]["id"] for row in disagreeing] == [world.people["lead"].pk]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"response": "agree"}, "version"),
        ({"version": "THEIRS", "response": "agree"}, "version"),
        ({"version": 999999, "response": "agree"}, "version"),
        ({"version": "OURS"}, "response"),
        ({"version": "OURS", "response": "maybe"}, "response"),
        ({"version": "OURS", "response": "agree", "comment": "x" * 2001}, "comment"),
    ],
)
def test_bad_responses_are_refused_with_the_field_at_fault(world, api, unchanged, body, field):
    ours, theirs = b.publish(world), b.publish(world, collaborative=world.theirs)
    body = {k: ours.pk if v == "OURS" else theirs.pk if v == "THEIRS" else v for k, v in body.items()}
    with unchanged():
        assert_error(api("member").post(ENDORSEMENTS, body, format="json"), 400, field=field)


def test_responses_to_a_replaced_version_and_other_people_s_responses_cannot_change(world, api, unchanged):
    first = b.publish(world, texts=["One."])
    endorsement = b.endorse(world, first, "member")
    b.publish(world, texts=["One, reworded."])
    with unchanged():
        assert_error(api("anchor").post(ENDORSEMENTS, {"version": first.pk, "response": "agree"}, format="json"), 409)
        assert_error(
            api("member").patch(f"{ENDORSEMENTS}{endorsement.pk}/", {"response": "disagree"}, format="json"), 409
        )
        assert_error(
            api("lead").patch(f"{ENDORSEMENTS}{endorsement.pk}/", {"response": "disagree"}, format="json"), 403
        )
        assert_error(
            api("outsider").patch(f"{ENDORSEMENTS}{endorsement.pk}/", {"response": "agree"}, format="json"), 404
        )
        assert_error(
            api("programme_team").post(
                ENDORSEMENTS, {"version": VisionVersion.objects.get(number=2).pk, "response": "agree"}, format="json"
            ),
            403,
        )


def test_another_locality_s_responses_are_not_there(world, api):
    theirs = b.publish(world, collaborative=world.theirs)
    response = b.endorse(world, theirs, b.member_of(world, world.theirs), "agree")
    assert_error(api("facilitator").get(f"{ENDORSEMENTS}{response.pk}/"), 404)
    assert response.pk not in ids(api("facilitator").get(ENDORSEMENTS))
    assert_error(api("facilitator").get(ENDORSEMENTS, {"collaborative": world.theirs.pk}), 400, field="collaborative")


# --- Priorities (read only) ----------------------------------------------------------------------------------------


def test_priorities_are_listed_for_those_who_can_see_them(world, api):
    ours = services.priority_create(actor=world.people["facilitator"], collaborative=world.ours, title="Transitions")
    theirs = services.priority_create(actor=world.people["outsider"], collaborative=world.theirs, title="Data")
    assert ids(api("observer").get(PRIORITIES)) == [ours.pk]
    assert api("observer").get(f"{PRIORITIES}{ours.pk}/").json()["title"] == "Transitions"
    assert_error(api("observer").get(f"{PRIORITIES}{theirs.pk}/"), 404)
    assert api("observer").post(PRIORITIES, {"title": "New"}, format="json").status_code == 405


def test_anonymous_people_get_nothing(world, anonymous):
    for url in (STATEMENTS, VERSIONS, ENDORSEMENTS, PRIORITIES):
        assert_error(anonymous.get(url), 401)
