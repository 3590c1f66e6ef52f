"""The sub-group pages as people use them: the leads' view, one sub-group, the progress update form (prefilled,
drafts kept), people and handover, and the confidential concerns route."""

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from subgroups import services
from subgroups.models import ProgressUpdate, Status, SubGroup, SubGroupMember, UpdateDraft
from tests.frontend.pages import h1, link_to, text, title
from tests.subgroups import builders as b

LIST = reverse("subgroup-list", args=["ashford"])


def detail(subgroup):
    return reverse("subgroup-detail", args=[subgroup.collaborative.slug, subgroup.pk])


def update_url(subgroup):
    return reverse("subgroup-update", args=[subgroup.collaborative.slug, subgroup.pk])


def form_data(**overrides):
    data = {
        "action": "post",
        "status": "on_track",
        "done": "Met the four pilot primaries.",
        "next_steps": "Plan the transition days.",
        "children_voice": "Parents from the forum reviewed the letter.",
    }
    data.update(overrides)
    return data


# --- The leads' view ---------------------------------------------------------------------------------------------


def test_the_leads_view_shows_every_sub_group_s_status_blockers_and_support(client, world):
    mine = b.subgroup(world, name="Transitions pilot")
    b.update(world, mine, status=Status.BLOCKED, blockers="No data-sharing agreement.", support_needed="An intro.")
    b.support_request(world, mine)
    quiet = b.subgroup(world, name="Clinics", lead=b.member_of(world, world.ours, name="Rhys Davies"))
    b.their_subgroup(world, name="Brindle network")
    client.force_login(world.people["lead"])
    response = client.get(LIST)
    assert response.status_code == 200
    assert h1(response) == ["Sub-groups"]
    words = text(response)
    assert "Transitions pilot Ashford Lead (lead) Post an update for Transitions pilot Blocked" in words
    assert f"{timezone.localdate().day} {timezone.localdate():%B %Y}" in words
    assert "No data-sharing agreement." in words
    assert "An intro. 1 open support request" in words
    assert "Clinics Rhys Davies (lead) Not started No update yet" in words
    assert "Brindle" not in words
    assert link_to(response, update_url(mine))
    assert not link_to(response, update_url(quiet)), "leads post updates for their own sub-groups only"
    assert link_to(response, reverse("concern-new", args=["ashford"]))


def test_a_sub_group_quiet_for_a_month_stands_out(client, world):
    subgroup = b.subgroup(world)
    update = b.update(world, subgroup)
    ProgressUpdate.objects.filter(pk=update.pk).update(created_at=timezone.now() - timedelta(days=36))
    client.force_login(world.people["observer"])
    assert "Nothing new for 5 weeks" in text(client.get(LIST))


def test_the_tab_and_the_overview_say_who_leads_what(client, world):
    b.subgroup(world, name="Transitions pilot")
    client.force_login(world.people["member"])
    response = client.get(reverse("collaborative-overview", args=["ashford"]))
    assert link_to(response, LIST)
    assert "Sub-group leads Transitions pilot: Ashford Lead (self-appointed)" in text(response)


def test_with_no_sub_groups_the_page_says_what_happens_next(client, world):
    client.force_login(world.people["facilitator"])
    words = text(client.get(LIST))
    assert "No sub-groups yet" in words
    assert "Start the first sub-group" in words


# --- One sub-group -----------------------------------------------------------------------------------------------


def test_the_sub_group_page_shows_aims_people_milestones_timeline_support_and_links(client, world):
    subgroup = b.subgroup(world, name="Transitions pilot")
    milestone = b.milestone(world, subgroup, title="Pilot schools signed up")
    b.update(world, subgroup, status=Status.CHANGED_DIRECTION, direction_reason="Schools asked for less paperwork.")
    b.support_request(world, subgroup)
    other = b.their_subgroup(world, name="Brindle transitions")
    services.link_create(actor=world.people["programme_team"], from_subgroup=subgroup, to_subgroup=other)
    client.force_login(world.people["observer"])
    response = client.get(detail(subgroup))
    assert response.status_code == 200
    assert h1(response) == ["Transitions pilot"]
    words = text(response)
    assert "Changed direction" in words
    assert "Plan the move to secondary school early." in words
    assert "Lead Ashford Lead, Ashford Primary Mandate: self-appointed, not yet agreed by the group" in words
    assert f"{milestone.title}" in words
    assert "Why the direction changed Schools asked for less paperwork." in words
    assert "Brokering an introduction" in words
    assert "Brindle transitions in Brindle" in words
    assert not link_to(response, detail(other)), "another locality's sub-group is named, not opened"
    assert not link_to(response, update_url(subgroup)), "observers read only"
    assert "Comment on this update" not in words


def test_another_locality_s_sub_group_is_not_found(client, world):
    theirs = b.their_subgroup(world)
    client.force_login(world.people["facilitator"])
    assert client.get(detail(theirs)).status_code == 404
    assert client.get(reverse("subgroup-detail", args=["ashford", theirs.pk])).status_code == 404


def test_members_comment_on_updates(client, world):
    subgroup = b.subgroup(world)
    update = b.update(world, subgroup)
    client.force_login(world.people["member"])
    url = reverse("subgroup-comment", args=["ashford", subgroup.pk, update.pk])
    response = client.post(url, {"body": "Could the clinics take your referrals?"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#update-{update.pk}")
    assert "Could the clinics take your referrals?" in text(client.get(detail(subgroup)))
    empty = client.post(url, {"body": "  "})
    assert empty.status_code == 400
    assert "Write a comment." in text(empty)


# --- The progress update form ------------------------------------------------------------------------------------


def test_the_form_is_prefilled_from_the_previous_update(client, world):
    subgroup = b.subgroup(world)
    b.update(
        world,
        subgroup,
        status=Status.AT_RISK,
        next_steps="Book the summer transition days.",
        blockers="No hall booked.",
        stage="Pilot",
    )
    client.force_login(world.people["lead"])
    response = client.get(update_url(subgroup))
    assert response.status_code == 200
    assert h1(response) == ["Post an update"]
    html = response.content.decode()
    assert "Filled in from the last update" in text(response)
    assert re.search(r'value="at_risk"[^>]*checked', html)
    assert "Book the summer transition days.</textarea>" in html  # what was planned is likely what was done
    assert "No hall booked.</textarea>" in html
    assert 'value="Pilot"' in html


def test_posting_an_update_goes_to_the_timeline(client, world):
    subgroup = b.subgroup(world)
    milestone = b.milestone(world, subgroup)
    client.force_login(world.people["lead"])
    response = client.post(update_url(subgroup), form_data(milestones_completed=[milestone.pk]))
    assert response.status_code == 302
    update = ProgressUpdate.objects.get(subgroup=subgroup)
    assert response["Location"] == f"{detail(subgroup)}#update-{update.pk}"
    assert "Your update is posted." in text(client.get(detail(subgroup)))
    assert subgroup.milestones.get().state == "done"


def test_a_changed_direction_without_its_reason_is_explained_beside_the_field(client, world):
    subgroup = b.subgroup(world)
    client.force_login(world.people["lead"])
    response = client.post(update_url(subgroup), form_data(status="changed_direction"))
    assert response.status_code == 400
    assert title(response).startswith("Error: ")
    words = text(response)
    assert "There is a problem" in words
    assert "Say why the direction changed" in words
    assert 'href="#id_direction_reason"' in response.content.decode()
    assert not ProgressUpdate.objects.exists()


def test_not_yet_or_an_answer_about_children_s_views(client, world):
    subgroup = b.subgroup(world)
    client.force_login(world.people["lead"])
    response = client.post(update_url(subgroup), form_data(children_voice=""))
    assert response.status_code == 400
    assert "or tick “Not yet” if they were not" in text(response)
    ok = client.post(update_url(subgroup), form_data(children_voice="", children_voice_not_yet="on"))
    assert ok.status_code == 302
    assert ProgressUpdate.objects.get().children_voice_not_yet


def test_a_draft_is_saved_and_comes_back(client, world):
    subgroup = b.subgroup(world)
    client.force_login(world.people["lead"])
    saved = client.post(update_url(subgroup), form_data(action="draft", done="Half way through writing"))
    assert saved.status_code == 302
    response = client.get(update_url(subgroup))
    assert "You are carrying on from your draft" in text(response)
    assert "Half way through writing</textarea>" in response.content.decode()
    assert not ProgressUpdate.objects.exists(), "a draft is not an update"
    client.post(update_url(subgroup), {"action": "discard"})
    assert not UpdateDraft.objects.exists()


def test_the_draft_is_saved_in_the_background_while_typing(client, world):
    subgroup = b.subgroup(world)
    client.force_login(world.people["lead"])
    response = client.post(
        update_url(subgroup), {"action": "draft", "done": "Typed on the bus"}, HTTP_X_REQUESTED_WITH="fetch"
    )
    assert response.status_code == 200
    assert response.content.decode().startswith("Draft saved at ")
    assert UpdateDraft.objects.get().data == {"done": "Typed on the bus", "children_voice_not_yet": False}


def test_members_cannot_open_the_update_form(client, world):
    subgroup = b.subgroup(world)
    client.force_login(world.people["member"])
    response = client.get(update_url(subgroup))
    assert response.status_code == 403
    assert "Only its leads and the facilitators can change this sub-group." in text(response)


# --- Starting a sub-group, people and handover -------------------------------------------------------------------


def test_a_facilitator_starts_a_sub_group_with_its_lead(client, world):
    client.force_login(world.people["facilitator"])
    url = reverse("subgroup-create", args=["ashford"])
    response = client.post(
        url,
        {
            "name": "Therapies advice line",
            "aims": "Advice while pupils wait.",
            "lead": world.people["lead"].pk,
            "mandate": "agreed",
            "mandate_agreed_on": "2026-03-12",
            "mandate_setting": "workshop",
            "partners": [world.our_school.pk],
        },
    )
    assert response.status_code == 302, text(response)
    subgroup = SubGroup.objects.get()
    lead = SubGroupMember.objects.get(subgroup=subgroup)
    assert (lead.user, lead.mandate, str(lead.mandate_agreed_on)) == (world.people["lead"], "agreed", "2026-03-12")


def test_a_lead_from_another_locality_cannot_be_chosen(client, world):
    client.force_login(world.people["facilitator"])
    response = client.post(
        reverse("subgroup-create", args=["ashford"]), {"name": "Clinics", "lead": world.people["outsider"].pk}
    )
    assert response.status_code == 400
    assert "Choose the lead from the list of members." in text(response)
    assert not SubGroup.objects.exists()


def test_an_agreed_mandate_without_a_date_is_explained(client, world):
    client.force_login(world.people["facilitator"])
    response = client.post(
        reverse("subgroup-create", args=["ashford"]),
        {"name": "Clinics", "lead": world.people["lead"].pk, "mandate": "agreed"},
    )
    assert response.status_code == 400
    words = text(response)
    assert "Say when the group agreed who leads." in words
    assert "Say where it was agreed" in words
    assert not SubGroup.objects.exists()


def test_handing_over_the_lead(client, world):
    subgroup = b.subgroup(world)
    successor = b.member_of(world, world.ours, name="Nia Okafor")
    client.force_login(world.people["lead"])
    url = reverse("subgroup-handover", args=["ashford", subgroup.pk])
    assert "Leads Ashford Lead now." in text(client.get(url))
    response = client.post(url, {"to_user": successor.pk, "previous_lead": "member", "mandate": "self_appointed"})
    assert response.status_code == 302
    words = text(client.get(detail(subgroup)))
    assert "Lead Nia Okafor" in words
    assert "Who has led it, and who has left" in words


def test_adding_someone_who_is_already_in_it_says_so(client, world):
    subgroup = b.subgroup(world)
    client.force_login(world.people["lead"])
    url = reverse("subgroup-people", args=["ashford", subgroup.pk])
    assert client.post(url, {"user": world.people["member"].pk, "role": "member"}).status_code == 302
    again = client.post(url, {"user": world.people["member"].pk, "role": "member"})
    assert again.status_code == 400
    assert "Choose someone from the list of members." in text(again)


# --- Concerns ----------------------------------------------------------------------------------------------------


def test_a_member_raises_a_concern_that_only_the_programme_team_sees(client, world):
    client.force_login(world.people["member"])
    response = client.post(
        reverse("concern-new", args=["ashford"]),
        {"subject": "Attendance is falling", "details": "Fewer schools come each time."},
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert h1(page) == ["Attendance is falling"]
    assert "Only you and the programme team" in text(client.get(reverse("concern-new", args=["ashford"])))
    for who in ("facilitator", "anchor"):
        client.force_login(world.people[who])
        assert "Attendance is falling" not in text(client.get(reverse("concern-list")))
        assert client.get(response["Location"]).status_code == 404
    client.force_login(world.people["programme_team"])
    listing = client.get(reverse("concern-list"))
    assert "Attendance is falling Ashford Collaborative Ashford Member" in text(listing)
    resolve = client.post(response["Location"], {"action": "state", "state": "resolved", "resolution": ""})
    assert resolve.status_code == 400
    assert "Say how the concern was resolved" in text(resolve)


def test_the_person_who_raised_a_concern_cannot_close_it_themselves(client, world):
    concern = b.concern(world, "member")
    client.force_login(world.people["member"])
    url = reverse("concern-detail", args=[concern.pk])
    response = client.post(url, {"action": "state", "state": "resolved", "resolution": "Sorted."})
    assert response.status_code == 403
    assert "Only the programme team" in text(response)
    concern.refresh_from_db()
    assert concern.state == "open"
    assert client.post(url, {"action": "note", "body": "Any news?"}).status_code == 302
    assert "Any news?" in text(client.get(url))
