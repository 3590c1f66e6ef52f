"""Changing things through the API: each write goes through the services, is recorded in the audit trail with who
did it and what changed, and is refused (changing nothing) for those whose role does not allow it."""

import datetime

from django.utils import timezone

from collab import services
from collab.models import AuditEvent, Collaborative, Invitation, Membership, Organisation, Role
from tests.api.conftest import API, assert_error


def _last_event(action):
    return AuditEvent.objects.filter(action=action).latest("at", "id")


# --- Programmes ----------------------------------------------------------------------------------------------------


def test_programme_team_changes_the_programme(world, api):
    response = api("programme_team").patch(
        f"{API}/programmes/{world.programme.pk}/",
        {"name": "Inclusive Futures", "starts_on": "2026-09-01", "ends_on": "2029-08-31"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Inclusive Futures"
    assert response.json()["starts_on"] == "2026-09-01"
    world.programme.refresh_from_db()
    assert world.programme.name == "Inclusive Futures"
    event = _last_event("programme.update")
    assert event.actor == world.people["programme_team"]
    assert event.changes["name"] == ["Demo Programme", "Inclusive Futures"]
    assert event.changes["ends_on"] == [None, "2029-08-31"]


def test_a_facilitator_cannot_change_the_programme(world, api, unchanged):
    with unchanged():
        response = api("facilitator").patch(f"{API}/programmes/{world.programme.pk}/", {"name": "Mine"}, format="json")
    error = assert_error(response, 403, code="permission_denied")
    assert "programme team" in error["message"]


def test_a_programme_cannot_end_before_it_starts(world, api, unchanged):
    with unchanged():
        response = api("programme_team").patch(
            f"{API}/programmes/{world.programme.pk}/",
            {"starts_on": "2027-01-01", "ends_on": "2026-01-01"},
            format="json",
        )
    assert_error(response, 400, field="ends_on")


# --- Collaboratives ------------------------------------------------------------------------------------------------


def test_programme_team_starts_a_collaborative(world, api):
    response = api("programme_team").post(
        f"{API}/collaboratives/",
        {"programme": world.programme.pk, "name": "Calder Collaborative", "locality": "Calder"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "calder-collaborative"
    assert body["my_role"] == "programme_team"
    assert body["active_member_count"] == 0
    created = Collaborative.objects.get(pk=body["id"])
    event = _last_event("collaborative.create")
    assert event.collaborative == created
    assert event.actor == world.people["programme_team"]
    assert event.changes["locality"] == [None, "Calder"]


def test_a_facilitator_cannot_start_a_collaborative(world, api, unchanged):
    with unchanged():
        response = api("facilitator").post(
            f"{API}/collaboratives/",
            {"programme": world.programme.pk, "name": "Calder Collaborative", "locality": "Calder"},
            format="json",
        )
    assert_error(response, 403)


def test_a_second_collaborative_in_a_locality_is_refused(world, api, unchanged):
    with unchanged():
        response = api("programme_team").post(
            f"{API}/collaboratives/",
            {"programme": world.programme.pk, "name": "Another", "locality": "ashford"},
            format="json",
        )
    assert_error(response, 400, field="locality")


def test_facilitator_changes_the_collaborative_and_names_its_anchor_organisation(world, api):
    response = api("facilitator").patch(
        f"{API}/collaboratives/{world.ours.pk}/",
        {"description": "Preventing exclusions in Ashford.", "anchor_organisation": world.our_school.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["anchor_organisation_name"] == "Ashford Primary"
    assert response.json()["active_member_count"] == 5
    world.ours.refresh_from_db()
    assert world.ours.anchor_organisation == world.our_school
    event = _last_event("collaborative.update")
    assert event.actor == world.people["facilitator"]
    assert event.changes["anchor_organisation"] == [None, world.our_school.pk]


def test_members_and_outsiders_cannot_change_the_collaborative(world, api, unchanged):
    with unchanged():
        as_member = api("member").patch(f"{API}/collaboratives/{world.ours.pk}/", {"name": "X"}, format="json")
        as_outsider = api("outsider").patch(f"{API}/collaboratives/{world.ours.pk}/", {"name": "X"}, format="json")
    assert_error(as_member, 403)
    assert_error(as_outsider, 404)


# --- Organisations -------------------------------------------------------------------------------------------------


def test_anchor_adds_and_renames_an_organisation(world, api):
    client = api("anchor")
    response = client.post(
        f"{API}/organisations/",
        {"collaborative": world.ours.pk, "name": "  Ashford Early Help  ", "sector": "early_help"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Ashford Early Help"
    assert body["collaborative"] == world.ours.pk
    assert body["programme"] == world.programme.pk
    assert _last_event("organisation.create").actor == world.people["anchor"]

    renamed = client.patch(f"{API}/organisations/{body['id']}/", {"name": "Ashford Family Hub"}, format="json")
    assert renamed.status_code == 200, renamed.content
    assert Organisation.objects.get(pk=body["id"]).name == "Ashford Family Hub"
    assert _last_event("organisation.update").changes == {"name": ["Ashford Early Help", "Ashford Family Hub"]}


def test_an_organisation_name_is_unique_in_a_collaborative(world, api, unchanged):
    with unchanged():
        response = api("anchor").post(
            f"{API}/organisations/",
            {"collaborative": world.ours.pk, "name": "Ashford Primary", "sector": "primary_school"},
            format="json",
        )
    assert_error(response, 400, field="name")


def test_a_member_cannot_add_organisations(world, api, unchanged):
    with unchanged():
        response = api("member").post(
            f"{API}/organisations/",
            {"collaborative": world.ours.pk, "name": "New School", "sector": "primary_school"},
            format="json",
        )
    assert_error(response, 403)


# --- Memberships ---------------------------------------------------------------------------------------------------


def _membership(world, who):
    return Membership.objects.get(user=world.people[who], collaborative=world.ours)


def test_facilitator_changes_a_members_role(world, api):
    membership = _membership(world, "member")
    response = api("facilitator").patch(
        f"{API}/memberships/{membership.pk}/", {"role": "observer", "job_title": "SENCo"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["role"] == "observer"
    assert response.json()["job_title"] == "SENCo"
    membership.refresh_from_db()
    assert membership.role == Role.OBSERVER
    event = _last_event("membership.update")
    assert event.actor == world.people["facilitator"]
    assert event.actor_label == "Ashford Facilitator <facilitator@example.org>"
    assert event.collaborative == world.ours
    assert event.target_id == str(membership.pk)
    assert event.changes == {"role": ["member", "observer"], "job_title": ["", "SENCo"]}


def test_the_last_facilitator_cannot_step_down(world, api, unchanged):
    membership = _membership(world, "facilitator")
    with unchanged():
        response = api("facilitator").patch(f"{API}/memberships/{membership.pk}/", {"role": "member"}, format="json")
    assert_error(response, 409, code="conflict")


def test_an_anchor_cannot_change_roles(world, api, unchanged):
    membership = _membership(world, "member")
    with unchanged():
        response = api("anchor").patch(f"{API}/memberships/{membership.pk}/", {"role": "observer"}, format="json")
    assert_error(response, 403)


def test_facilitator_marks_a_member_as_having_left_and_the_record_stays(world, api):
    membership = _membership(world, "member")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    membership.joined_on = yesterday - datetime.timedelta(days=30)
    membership.save()
    response = api("facilitator").post(
        f"{API}/memberships/{membership.pk}/leave/", {"left_on": yesterday.isoformat()}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["left_on"] == yesterday.isoformat()
    assert response.json()["is_active"] is False
    membership.refresh_from_db()
    assert membership.left_on == yesterday
    event = _last_event("membership.leave")
    assert event.actor == world.people["facilitator"]
    assert event.changes == {"left_on": [None, yesterday.isoformat()]}
    # Leaving twice is a clash, not a second record.
    again = api("facilitator").post(f"{API}/memberships/{membership.pk}/leave/", {}, format="json")
    assert_error(again, 409)
    assert AuditEvent.objects.filter(action="membership.leave").count() == 1


def test_a_member_can_leave_themselves_today(world, api):
    membership = _membership(world, "member")
    response = api("member").post(f"{API}/memberships/{membership.pk}/leave/", format="json")
    assert response.status_code == 200, response.content
    membership.refresh_from_db()
    assert membership.left_on == timezone.localdate()


def test_a_member_cannot_remove_someone_else(world, api, unchanged):
    membership = _membership(world, "observer")
    with unchanged():
        response = api("member").post(f"{API}/memberships/{membership.pk}/leave/", {}, format="json")
    assert_error(response, 403)


def test_nobody_can_leave_a_date_in_the_future(world, api, unchanged):
    membership = _membership(world, "member")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with unchanged():
        response = api("facilitator").post(
            f"{API}/memberships/{membership.pk}/leave/", {"left_on": tomorrow.isoformat()}, format="json"
        )
    assert_error(response, 400, field="left_on")


# --- Invitations ---------------------------------------------------------------------------------------------------


def test_facilitator_invites_someone_and_the_link_goes_by_email_only(
    world, api, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api("facilitator").post(
            f"{API}/invitations/",
            {
                "collaborative": world.ours.pk,
                "email": "New.Person@Example.org",
                "role": "member",
                "organisation": world.our_school.pk,
                "message": "Do join us.",
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    invitation = Invitation.objects.get(pk=body["id"])
    assert body["email"] == "new.person@example.org"
    assert body["status"] == "pending"
    assert body["sector"] == "primary_school", "taken from the organisation"
    assert body["invited_by"]["email"] == "facilitator@example.org"
    token = services.invitation_token(invitation)
    assert token not in response.content.decode()
    assert not {"token", "url", "link"} & set(body)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["new.person@example.org"]
    assert token in mailoutbox[0].body
    event = _last_event("invitation.create")
    assert event.actor == world.people["facilitator"]
    assert event.changes["email"] == [None, "new.person@example.org"]


def test_an_anchor_cannot_invite_a_facilitator(world, api, unchanged, mailoutbox):
    with unchanged():
        response = api("anchor").post(
            f"{API}/invitations/",
            {"collaborative": world.ours.pk, "email": "x@example.org", "role": "facilitator", "sector": "health"},
            format="json",
        )
    assert_error(response, 403)
    assert mailoutbox == []


def test_a_member_cannot_invite(world, api, unchanged, mailoutbox):
    with unchanged():
        response = api("member").post(
            f"{API}/invitations/",
            {"collaborative": world.ours.pk, "email": "x@example.org", "role": "member", "sector": "health"},
            format="json",
        )
    assert_error(response, 403)
    assert mailoutbox == []


def test_inviting_a_current_member_is_refused(world, api, unchanged):
    with unchanged():
        response = api("facilitator").post(
            f"{API}/invitations/",
            {"collaborative": world.ours.pk, "email": "OBSERVER@example.org", "role": "member", "sector": "health"},
            format="json",
        )
    assert_error(response, 400, field="email")


def test_an_invitation_needs_a_sector_or_an_organisation(world, api, unchanged):
    with unchanged():
        response = api("facilitator").post(
            f"{API}/invitations/",
            {"collaborative": world.ours.pk, "email": "x@example.org", "role": "member"},
            format="json",
        )
    assert_error(response, 400, field="sector")


def test_facilitator_withdraws_an_invitation(world, api):
    invitation = services.invitation_create(
        actor=world.people["facilitator"],
        collaborative=world.ours,
        email="x@example.org",
        role="member",
        sector="health",
    )
    response = api("anchor").post(f"{API}/invitations/{invitation.pk}/revoke/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "revoked"
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert _last_event("invitation.revoke").actor == world.people["anchor"]
    assert_error(api("anchor").post(f"{API}/invitations/{invitation.pk}/revoke/"), 409)


def test_members_and_outsiders_cannot_withdraw_invitations(world, api, unchanged):
    invitation = services.invitation_create(
        actor=world.people["facilitator"],
        collaborative=world.ours,
        email="x@example.org",
        role="member",
        sector="health",
    )
    with unchanged():
        assert_error(api("member").post(f"{API}/invitations/{invitation.pk}/revoke/"), 404)
        assert_error(api("outsider").post(f"{API}/invitations/{invitation.pk}/revoke/"), 404)


# --- The audit trail -----------------------------------------------------------------------------------------------


def test_the_audit_trail_says_who_changed_what_and_is_read_by_facilitators_and_anchors(world, api):
    membership = _membership(world, "member")
    api("facilitator").patch(f"{API}/memberships/{membership.pk}/", {"job_title": "SENCo"}, format="json")
    api("outsider").patch(
        f"{API}/collaboratives/{world.theirs.pk}/", {"description": "Brindle's own work."}, format="json"
    )

    for reader in ("facilitator", "anchor", "programme_team"):
        response = api(reader).get(f"{API}/audit-events/", {"collaborative": world.ours.pk})
        rows = response.json()["results"]
        assert [r["action"] for r in rows] == ["membership.update"], reader
    row = rows[0]
    assert row["actor"] == world.people["facilitator"].pk
    assert row["actor_label"] == "Ashford Facilitator <facilitator@example.org>"
    assert row["target_type"] == "collab.membership"
    assert row["target_id"] == str(membership.pk)
    assert row["changes"] == {"job_title": ["", "SENCo"]}

    facilitator = api("facilitator")
    assert facilitator.get(f"{API}/audit-events/", {"action": "membership.update"}).json()["count"] == 1
    assert facilitator.get(f"{API}/audit-events/", {"target_type": "collab.collaborative"}).json()["count"] == 0
    assert facilitator.get(f"{API}/audit-events/{row['id']}/").json()["id"] == row["id"]

    # Members do not read the trail; another locality's trail does not exist for Ashford.
    assert api("member").get(f"{API}/audit-events/").json()["count"] == 0
    assert_error(api("member").get(f"{API}/audit-events/{row['id']}/"), 404)
    brindle_event = AuditEvent.objects.get(collaborative=world.theirs)
    assert_error(facilitator.get(f"{API}/audit-events/{brindle_event.pk}/"), 404)
