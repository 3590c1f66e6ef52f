"""The sub-groups' API through the HTTP client: what each person reads, what leads may change, and bad input —
missing fields, wrong types, a changed direction without its reason, a milestone of another locality, a lead who is
not a member — answered 400 with a message on the field at fault, changing nothing."""

import pytest

from collab.models import AuditEvent
from subgroups import services
from subgroups.models import Status, SubGroup, SubGroupMember
from tests.api.conftest import API, assert_error
from tests.subgroups import builders as b


def _update_body(subgroup, **overrides):
    body = {
        "subgroup": subgroup.pk,
        "status": "on_track",
        "done": "Met the pilot schools.",
        "next_steps": "Share the checklist.",
        "children_voice": "Parents reviewed the letter.",
    }
    body.update(overrides)
    return body


# --- Reads -------------------------------------------------------------------------------------------------------


def test_the_sub_group_list_is_the_leads_view(world, api):
    subgroup = b.subgroup(world, name="Transitions pilot")
    b.update(world, subgroup, status=Status.BLOCKED, blockers="No data-sharing agreement.", support_needed="An intro.")
    b.support_request(world, subgroup)
    b.their_subgroup(world)
    response = api("observer").get(f"{API}/subgroups/")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["name"] == "Transitions pilot"
    assert row["status"] == "blocked"
    assert row["blockers"] == "No data-sharing agreement."
    assert row["support_needed"] == "An intro."
    assert row["open_support_requests"] == 1
    assert row["last_update_at"] is not None
    assert [(lead["user"]["display_name"], lead["role"], lead["mandate"]) for lead in row["leads"]] == [
        ("Ashford Lead", "lead", "self_appointed")
    ]


def test_filter_by_status_counts_sub_groups_without_updates_as_not_started(world, api):
    quiet = b.subgroup(world, name="Quiet")
    busy = b.subgroup(world, name="Busy", lead=b.member_of(world, world.ours))
    b.update(world, busy, status=Status.AT_RISK, blockers="x")
    client = api("member")
    names = lambda status: [r["name"] for r in client.get(f"{API}/subgroups/", {"status": status}).json()["results"]]  # noqa: E731
    assert names("not_started") == [quiet.name]
    assert names("at_risk") == [busy.name]


def test_another_locality_s_sub_group_does_not_exist(world, api):
    theirs = b.their_subgroup(world)
    assert_error(api("member").get(f"{API}/subgroups/{theirs.pk}/"), 404, code="not_found")
    assert_error(api("member").get(f"{API}/subgroups/", {"collaborative": world.theirs.pk}), 400, field="collaborative")


def test_the_timeline_lists_updates_newest_first(world, api):
    subgroup = b.subgroup(world)
    first = b.update(world, subgroup)
    second = b.update(world, subgroup, status=Status.AT_RISK, blockers="x")
    rows = api("member").get(f"{API}/progress-updates/", {"subgroup": subgroup.pk}).json()["results"]
    assert [r["id"] for r in rows] == [second.pk, first.pk]


def test_links_show_the_other_locality_s_sub_group_by_name_only(world, api):
    ours = b.subgroup(world)
    theirs = b.their_subgroup(world, name="Brindle transitions")
    services.link_create(actor=world.people["programme_team"], from_subgroup=ours, to_subgroup=theirs)
    [row] = api("member").get(f"{API}/subgroup-links/").json()["results"]
    assert row["to_subgroup"] == {
        "id": theirs.pk,
        "name": "Brindle transitions",
        "collaborative": world.theirs.pk,
        "locality": "Brindle",
    }
    # Its updates stay Brindle's.
    b.update(world, theirs)
    assert api("member").get(f"{API}/progress-updates/").json()["count"] == 0


# --- Writes ------------------------------------------------------------------------------------------------------


def test_a_lead_posts_an_update_and_it_is_audited(world, api):
    subgroup = b.subgroup(world)
    milestone = b.milestone(world, subgroup)
    response = api("lead").post(
        f"{API}/progress-updates/",
        _update_body(subgroup, status="at_risk", blockers="Room not booked.", milestones_completed=[milestone.pk]),
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "at_risk"
    assert body["author"]["display_name"] == "Ashford Lead"
    assert body["milestones_completed"] == [milestone.pk]
    assert api("lead").get(f"{API}/milestones/{milestone.pk}/").json()["state"] == "done"
    subgroup_row = api("lead").get(f"{API}/subgroups/{subgroup.pk}/").json()
    assert subgroup_row["status"] == "at_risk"
    assert AuditEvent.objects.filter(action="progress_update.create", actor=world.people["lead"]).exists()


def test_a_facilitator_starts_a_sub_group_with_its_lead_and_mandate(world, api):
    response = api("facilitator").post(
        f"{API}/subgroups/",
        {
            "collaborative": world.ours.pk,
            "name": "Fair Access panel",
            "partners": [world.our_school.pk],
            "lead": world.people["lead"].pk,
            "lead_mandate": "agreed",
            "lead_mandate_agreed_on": "2026-01-15",
            "lead_mandate_setting": "workshop",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["partners"] == [world.our_school.pk]
    assert body["leads"][0]["mandate"] == "agreed"
    assert body["leads"][0]["mandate_agreed_on"] == "2026-01-15"


def test_handover_through_the_api_keeps_the_previous_lead(world, api):
    subgroup = b.subgroup(world)
    successor = b.member_of(world, world.ours)
    response = api("lead").post(
        f"{API}/subgroups/{subgroup.pk}/handover/",
        {"to_user": successor.pk, "previous_lead": "leaves"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["user"]["id"] == successor.pk
    past = api("member").get(f"{API}/subgroup-members/", {"subgroup": subgroup.pk, "active": "false"}).json()
    assert [(r["user"]["id"], r["role"]) for r in past["results"]] == [(world.people["lead"].pk, "lead")]
    # The former lead can no longer change it.
    assert_error(api("lead").patch(f"{API}/subgroups/{subgroup.pk}/", {"aims": "Still mine?"}, format="json"), 403)


def test_changing_a_role_answers_the_new_part(world, api):
    subgroup = b.subgroup(world)
    part = b.part_of(world, subgroup)
    response = api("lead").patch(f"{API}/subgroup-members/{part.pk}/", {"role": "co_lead"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["role"] == "co_lead" and response.json()["id"] != part.pk


def test_a_concern_is_seen_by_its_raiser_and_the_programme_team_only(world, api):
    response = api("anchor").post(
        f"{API}/concerns/",
        {"collaborative": world.ours.pk, "subject": "Restructure", "details": "The inclusion post may go."},
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert api("anchor").get(f"{API}/concerns/{pk}/").status_code == 200
    assert api("programme_team").get(f"{API}/concerns/{pk}/").status_code == 200
    for who in ("facilitator", "member", "observer", "outsider"):
        assert api(who).get(f"{API}/concerns/").json()["count"] == 0
        assert_error(api(who).get(f"{API}/concerns/{pk}/"), 404)
    reply = api("programme_team").post(f"{API}/concerns/{pk}/notes/", {"body": "We will call you."}, format="json")
    assert reply.status_code == 201
    assert [n["body"] for n in reply.json()["notes"]] == ["We will call you."]
    resolved = api("programme_team").patch(
        f"{API}/concerns/{pk}/", {"state": "resolved", "resolution": "Post kept."}, format="json"
    )
    assert resolved.json()["state"] == "resolved" and resolved.json()["resolved_at"]


# --- Bad input: a clear 400 on the field at fault, nothing changed ------------------------------------------------

LONG = "x" * 5001


def _bad_cases():
    return {
        "update: changed direction without a reason": (
            "lead",
            "progress-updates/",
            lambda w, s: _update_body(s, status="changed_direction"),
            "direction_reason",
        ),
        "update: changed direction with a blank reason": (
            "lead",
            "progress-updates/",
            lambda w, s: _update_body(s, status="changed_direction", direction_reason="   "),
            "direction_reason",
        ),
        "update: a milestone of another locality": (
            "lead",
            "progress-updates/",
            lambda w, s: _update_body(s, milestones_completed=[b.milestone(w, b.their_subgroup(w)).pk]),
            "milestones_completed",
        ),
        "update: a milestone of another sub-group here": (
            "lead",
            "progress-updates/",
            lambda w, s: _update_body(
                s, milestones_completed=[b.milestone(w, b.subgroup(w, lead=b.member_of(w, w.ours))).pk]
            ),
            "milestones_completed",
        ),
        "update: children's views neither answered nor not yet": (
            "lead",
            "progress-updates/",
            lambda w, s: _update_body(s, children_voice=""),
            "children_voice",
        ),
        "update: unknown status": ("lead", "progress-updates/", lambda w, s: _update_body(s, status="fine"), "status"),
        "update: percentage over 100": (
            "lead",
            "progress-updates/",
            lambda w, s: _update_body(s, percent_complete=140),
            "percent_complete",
        ),
        "update: percentage as words": (
            "lead",
            "progress-updates/",
            lambda w, s: _update_body(s, percent_complete="half"),
            "percent_complete",
        ),
        "update: missing what was done": (
            "lead",
            "progress-updates/",
            lambda w, s: {k: v for k, v in _update_body(s).items() if k != "done"},
            "done",
        ),
        "update: oversized text": ("lead", "progress-updates/", lambda w, s: _update_body(s, done=LONG), "done"),
        "update: another locality's sub-group": (
            "lead",
            "progress-updates/",
            lambda w, s: {**_update_body(s), "subgroup": b.their_subgroup(w).pk},
            "subgroup",
        ),
        "update: a sub-group id that is not a number": (
            "lead",
            "progress-updates/",
            lambda w, s: {**_update_body(s), "subgroup": "transitions"},
            "subgroup",
        ),
        "sub-group: a lead who is not a member": (
            "facilitator",
            "subgroups/",
            lambda w, s: {"collaborative": w.ours.pk, "name": "New", "lead": b.member_of(w, w.theirs).pk},
            "lead",
        ),
        "sub-group: a lead who is an observer": (
            "facilitator",
            "subgroups/",
            lambda w, s: {"collaborative": w.ours.pk, "name": "New", "lead": w.people["observer"].pk},
            "lead",
        ),
        "sub-group: an agreed mandate without its date": (
            "facilitator",
            "subgroups/",
            lambda w, s: {
                "collaborative": w.ours.pk,
                "name": "New",
                "lead": w.people["lead"].pk,
                "lead_mandate": "agreed",
                "lead_mandate_setting": "meeting",
            },
            "lead_mandate_agreed_on",
        ),
        "sub-group: a duplicate name": (
            "facilitator",
            "subgroups/",
            lambda w, s: {"collaborative": w.ours.pk, "name": s.name.upper()},
            "name",
        ),
        "sub-group: a partner of another locality": (
            "facilitator",
            "subgroups/",
            lambda w, s: {"collaborative": w.ours.pk, "name": "New", "partners": [w.their_school.pk]},
            "partners",
        ),
        "person: not a member of the collaborative": (
            "lead",
            "subgroup-members/",
            lambda w, s: {"subgroup": s.pk, "user": b.member_of(w, w.theirs).pk},
            "user",
        ),
        "person: a second lead": (
            "lead",
            "subgroup-members/",
            lambda w, s: {"subgroup": s.pk, "user": w.people["member"].pk, "role": "lead"},
            "role",
        ),
        "milestone: in another locality's sub-group": (
            "lead",
            "milestones/",
            lambda w, s: {"subgroup": b.their_subgroup(w).pk, "title": "Ours?", "due_on": "2027-01-01"},
            "subgroup",
        ),
        "milestone: an impossible date": (
            "lead",
            "milestones/",
            lambda w, s: {"subgroup": s.pk, "title": "Clinic", "due_on": "2027-02-30"},
            "due_on",
        ),
        "link: to another locality, as a lead": (
            "lead",
            "subgroup-links/",
            lambda w, s: {"from_subgroup": s.pk, "to_subgroup": b.their_subgroup(w).pk},
            "to_subgroup",
        ),
        "link: to itself": (
            "lead",
            "subgroup-links/",
            lambda w, s: {"from_subgroup": s.pk, "to_subgroup": s.pk},
            "to_subgroup",
        ),
        "support: an unknown kind": (
            "lead",
            "support-entries/",
            lambda w, s: {"subgroup": s.pk, "type": "request", "kind": "money", "description": "Funding"},
            "kind",
        ),
        "review: no forward plan": (
            "facilitator",
            "reviews/",
            lambda w, s: {"subgroup": s.pk, "decision": "close", "reasons": "Done.", "forward_plan": " "},
            "forward_plan",
        ),
        "concern: another locality": (
            "member",
            "concerns/",
            lambda w, s: {"collaborative": w.theirs.pk, "subject": "x", "details": "y"},
            "collaborative",
        ),
    }


@pytest.mark.parametrize("name", list(_bad_cases()))
def test_bad_input_is_a_clear_400_and_changes_nothing(world, api, unchanged, name):
    who, path, body, field = _bad_cases()[name]
    subgroup = b.subgroup(world)
    data = body(world, subgroup)
    with unchanged():
        response = api(who).post(f"{API}/{path}", data, format="json")
    error = assert_error(response, 400, field=field)
    assert all(len(message) > 15 for message in error["fields"][field]), error


def test_a_changed_direction_without_a_reason_says_why(world, api, unchanged):
    subgroup = b.subgroup(world)
    with unchanged():
        response = api("lead").post(
            f"{API}/progress-updates/", _update_body(subgroup, status="changed_direction"), format="json"
        )
    error = assert_error(response, 400, field="direction_reason")
    assert "Say why the direction changed" in error["fields"]["direction_reason"][0]
    assert SubGroup.objects.get(pk=subgroup.pk).current_update is None
    assert SubGroupMember.objects.filter(subgroup=subgroup).count() == 1


@pytest.mark.parametrize("direction", ["to their locality", "from their locality"])
def test_removing_a_link_one_can_read_but_not_change_is_forbidden_not_missing(world, api, direction):
    """Readable but not writable answers 403 whichever end of a cross-locality link is ours; unreadable, 404."""
    ours, theirs = b.subgroup(world), b.their_subgroup(world)
    ends = (ours, theirs) if direction == "to their locality" else (theirs, ours)
    link = services.link_create(actor=world.people["programme_team"], from_subgroup=ends[0], to_subgroup=ends[1])
    assert api("observer").get(f"{API}/subgroup-links/{link.pk}/").status_code == 200
    assert_error(api("observer").post(f"{API}/subgroup-links/{link.pk}/remove/"), 403, code="permission_denied")
    assert_error(api("member").post(f"{API}/subgroup-links/{link.pk}/remove/"), 403, code="permission_denied")
    link.refresh_from_db()
    assert link.removed_at is None


def test_a_member_without_a_mandate_is_answered_as_the_schema_promises(world, answered_as_published):
    """A plain member has no mandate (""), nor where it was agreed: reading or ending their part matches the schema."""
    part = b.part_of(world, b.subgroup(world))
    read = answered_as_published("observer", "GET", "/api/v1/subgroup-members/{id}/", id=part.pk)
    assert (read.json()["mandate"], read.json()["mandate_setting"]) == ("", "")
    ended = answered_as_published("facilitator", "POST", "/api/v1/subgroup-members/{id}/end/", id=part.pk)
    assert ended.json()["is_active"] is False


def test_a_progress_update_names_every_field_to_correct_at_once(world, api):
    """The children's-voice question is answered in one of two ways; leaving both out is reported together with the
    other mistakes, not after they are fixed."""
    subgroup = b.subgroup(world)
    body = _update_body(subgroup, done="", children_voice="")
    error = assert_error(api("lead").post(f"{API}/progress-updates/", body, format="json"), 400)
    assert {"done", "children_voice"} <= set(error["fields"]), error
    assert subgroup.updates.count() == 0


def test_the_schema_says_a_progress_update_needs_one_answer_about_children_s_voice(client, world):
    client.force_login(world.people["member"])
    schema = client.get("/api/schema/?format=json").json()
    request = schema["components"]["schemas"]["ProgressUpdateCreateRequest"]
    assert [branch["required"] for branch in request["oneOf"]] == [["children_voice"], ["children_voice_not_yet"]]
    assert "children_voice" not in request["required"] and "children_voice_not_yet" not in request["required"]
