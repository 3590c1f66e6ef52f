"""The shared vision's pages as people use them: reading the current vision and how each sector responded, giving
and changing one's own response, the draft editor (add, change, move up and down, take out), publishing with a
confirmation, and the earlier versions."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from actionplans import services
from actionplans.models import Endorsement, VisionStatement, VisionVersion
from collab.models import Sector
from collab.services import boards as board_services
from tests.actionplans import builders as b
from tests.frontend.pages import h1, link_to, text, title

pytestmark = pytest.mark.django_db

VISION = reverse("vision", args=["ashford"])
RESPOND = reverse("vision-endorse", args=["ashford"])
DRAFTS = reverse("vision-drafts", args=["ashford"])
PUBLISH = reverse("vision-publish", args=["ashford"])
VERSIONS = reverse("vision-versions", args=["ashford"])


def signed_in(client, world, who):
    client.force_login(world.people[who])
    return client


def draft_texts(world):
    return list(
        VisionStatement.objects.filter(collaborative=world.ours, removed_at__isnull=True)
        .order_by("position")
        .values_list("text", flat=True)
    )


# --- The current vision --------------------------------------------------------------------------------------------


def test_before_anything_is_published_the_page_says_how_the_vision_comes_about(client, world):
    response = signed_in(client, world, "member").get(VISION)
    assert response.status_code == 200
    assert h1(response) == ["Shared vision"]
    assert "No vision published yet" in text(response)
    assert 'aria-current="page">Vision</a>' in response.content.decode(), "the Vision tab is the current one"
    assert not link_to(response, PUBLISH)


def test_the_current_vision_with_counts_by_sector_and_comments(client, world):
    b.publish(world, texts=["Every child is known."])
    version = b.publish(world, texts=["Every child is known and welcomed.", "Families are partners."])
    b.endorse(world, version, "member", "agree")
    b.endorse(world, version, "lead", "agree_with_reservations", comment="Capacity in CAMHS will decide this.")
    b.endorse(world, version, b.member_of(world, sector=Sector.HEALTH, name="Priya Shah"), "disagree")
    response = signed_in(client, world, "observer").get(VISION)
    words = text(response)
    assert "Version 2 Published on" in words
    assert "1. Every child is known and welcomed." not in words  # numbers come from the list, not the text
    assert "Every child is known and welcomed. Families are partners." in words
    assert "3 of the 5 current members who can respond have responded to version 2." in words, "not observers"
    assert "Mainstream primary school 1 1 0 2" in words
    assert "Health (NHS therapies, CAMHS, paediatrics) 0 0 1 1" in words
    assert "All sectors 1 1 1 3" in words
    assert "Ashford Lead · Mainstream primary school" in words and "Capacity in CAMHS will decide this." in words
    assert link_to(response, reverse("vision-version", args=["ashford", 1])), "earlier versions are linked"
    assert "<form" not in response.content.decode().split('id="my-response"')[1], "observers do not respond"
    assert "observers and the programme team read them" in words


def test_a_member_responds_and_then_changes_their_response(client, world):
    version = b.publish(world)
    signed_in(client, world, "member")
    page = client.get(VISION)
    assert "Do you endorse this vision?" in text(page) and "Send my response" in text(page)
    response = client.post(RESPOND, {"version": 1, "response": "agree_with_reservations", "comment": "Capacity."})
    assert response.status_code == 302 and response["Location"] == f"{VISION}#my-response"
    page = client.get(VISION)
    assert "Thank you. Your response to version 1 is “agree with reservations”." in text(page)
    assert "You responded agree with reservations on" in text(page) and "Change my response" in text(page)
    assert re.search(r'value="agree_with_reservations"[^>]*checked', page.content.decode()), "the form shows it"
    client.post(RESPOND, {"version": 1, "response": "agree", "comment": ""})
    endorsement = Endorsement.objects.get()
    assert (endorsement.version, endorsement.response, endorsement.comment) == (version, "agree", "")


def test_a_response_without_a_choice_is_a_400_with_the_error_beside_the_question(client, world):
    b.publish(world)
    response = signed_in(client, world, "member").post(RESPOND, {"version": 1, "comment": "x" * 2001})
    assert response.status_code == 400
    assert title(response).startswith("Error: ")
    words = text(response)
    assert "There is a problem" in words
    assert "Choose agree, agree with reservations or disagree." in words
    assert "The comment must be 2,000 characters or fewer" in words
    assert 'href="#id_response_0"' in response.content.decode(), "the summary links to the first option"
    assert not Endorsement.objects.exists()


def test_a_response_to_a_version_replaced_meanwhile_is_not_moved_onto_the_new_one(client, world):
    b.publish(world, texts=["One."])
    b.publish(world, texts=["One, reworded."])
    response = signed_in(client, world, "member").post(RESPOND, {"version": 1, "response": "agree", "comment": "Yes"})
    assert response.status_code == 409
    assert "Version 1 has been replaced by version 2. Respond to the current vision." in text(response)
    assert 'name="version" value="2"' in response.content.decode(), "sending it again answers the version shown"
    assert re.search(r">\s*Yes</textarea>", response.content.decode()), "what they wrote is kept"
    assert not Endorsement.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("observer", 403), ("programme_team", 403), ("outsider", 404)])
def test_those_who_do_not_respond_are_refused(client, world, who, status):
    b.publish(world)
    response = signed_in(client, world, who).post(RESPOND, {"version": 1, "response": "agree"})
    assert response.status_code == status
    assert not Endorsement.objects.exists()


# --- The draft -----------------------------------------------------------------------------------------------------


def test_the_anchor_adds_statements_and_moves_them_with_buttons(client, world):
    signed_in(client, world, "anchor")
    for words in ("Every child is known.", "Families are partners.", "Exclusion is a last resort."):
        response = client.post(DRAFTS, {"text": words, "note": ""})
        assert response.status_code == 302
    last = VisionStatement.objects.get(text="Exclusion is a last resort.")
    assert response["Location"] == f"{DRAFTS}#statement-{last.pk}"
    page = client.get(DRAFTS)
    html = page.content.decode()
    assert html.count("Move up<span") == 2 and html.count("Move down<span") == 2, "none past either end"
    assert 'Move up<span class="visually-hidden"> statement 3</span>' in html
    move = reverse("vision-statement-move", args=["ashford", last.pk])
    assert client.post(move, {"direction": "up"}).status_code == 302
    assert client.post(move, {"direction": "up"}).status_code == 302
    assert draft_texts(world) == ["Exclusion is a last resort.", "Every child is known.", "Families are partners."]
    assert "Moved up: it is now statement 1." in text(client.get(DRAFTS))
    refused = client.post(move, {"direction": "up"})
    assert refused.status_code == 409 and "already the first one" in text(refused)
    bad = client.post(move, {"direction": "left"})
    assert bad.status_code == 400 and "Move a statement up or down." in text(bad)


def test_an_empty_statement_is_a_400_and_nothing_is_added(client, world):
    response = signed_in(client, world, "facilitator").post(DRAFTS, {"text": "   ", "note": ""})
    assert response.status_code == 400
    assert title(response).startswith("Error: ") and "Write the statement." in text(response)
    assert not VisionStatement.objects.exists()


def test_members_read_the_draft_but_cannot_change_it(client, world):
    statement = b.statement(world, "Every child is known.", note="From the March board.")
    signed_in(client, world, "member")
    page = client.get(DRAFTS)
    assert page.status_code == 200 and "Every child is known." in text(page)
    assert "Add to the draft" not in text(page) and "Move up" not in text(page)
    assert not link_to(page, reverse("vision-statement-edit", args=["ashford", statement.pk]))
    assert client.post(DRAFTS, {"text": "Mine."}).status_code == 403
    assert client.get(reverse("vision-statement-edit", args=["ashford", statement.pk])).status_code == 403
    assert draft_texts(world) == ["Every child is known."]


def test_a_promoted_statement_shows_the_board_it_came_from(client, world, board):
    facilitator = world.people["facilitator"]

    def op(name, **data):
        return board_services.apply(principal=facilitator, board_id=board.pk, op=name, data=data, op_key=None)

    card = op("card.add", zone=board.zones.first().pk, text="Every child feels they belong").payload["id"]
    op("cards.reveal")
    op("promote", target="vision_statement", card=card)
    page = signed_in(client, world, "observer").get(DRAFTS)
    assert "Every child feels they belong" in text(page)
    assert link_to(page, reverse("board", args=[board.pk])) and "at Explore the map" in text(page)


def test_changing_a_statement_someone_else_changed_meanwhile_keeps_both_words_in_view(client, world):
    statement = b.statement(world, "Every child is known.")
    url = reverse("vision-statement-edit", args=["ashford", statement.pk])
    signed_in(client, world, "facilitator")
    form = client.get(url)
    assert 'name="revision" value="1"' in form.content.decode()
    services.vision_statement_update(actor=world.people["anchor"], statement=statement, text="Every child belongs.")
    response = client.post(url, {"text": "Every pupil is known.", "note": "", "revision": 1})
    assert response.status_code == 409
    words = text(response)
    assert (
        "Someone else changed this statement while you were editing it. It now reads: “Every child belongs.”" in words
    )
    html = response.content.decode()
    assert re.search(r">\s*Every pupil is known.</textarea>", html) and 'name="revision" value="2"' in html
    assert client.post(url, {"text": "Every pupil is known.", "note": "", "revision": 2}).status_code == 302
    assert draft_texts(world) == ["Every pupil is known."]


def test_taking_a_statement_out_asks_first(client, world):
    statement = b.statement(world, "Every child is known.")
    url = reverse("vision-statement-remove", args=["ashford", statement.pk])
    signed_in(client, world, "facilitator")
    confirm = client.get(url)
    assert h1(confirm) == ["Take statement 1 out of the draft?"]
    assert "Versions already published keep it" in text(confirm)
    assert draft_texts(world) == ["Every child is known."]
    assert client.post(url).status_code == 302
    assert draft_texts(world) == []


# --- Publishing and versions ---------------------------------------------------------------------------------------


def test_publishing_shows_what_will_be_published_and_asks_to_confirm(client, world):
    b.statement(world, "Every child is known.")
    b.statement(world, "Families are partners.")
    signed_in(client, world, "anchor")
    confirm = client.get(PUBLISH)
    assert h1(confirm) == ["Publish version 1 of the vision?"]
    assert "Every child is known. Families are partners." in text(confirm)
    assert not VisionVersion.objects.exists()
    response = client.post(PUBLISH, {"note": "After the vision workshop."})
    assert response.status_code == 302 and response["Location"] == VISION
    page = client.get(VISION)
    assert "Version 1 of the vision is published. Members can now respond to it." in text(page)
    assert "After the vision workshop." in text(page)
    again = client.post(PUBLISH, {"note": ""})
    assert again.status_code == 409 and "The draft is the same as version 1" in text(again)
    assert VisionVersion.objects.count() == 1


def test_a_too_long_note_is_a_400(client, world):
    b.statement(world)
    response = signed_in(client, world, "facilitator").post(PUBLISH, {"note": "x" * 501})
    assert response.status_code == 400 and "What changed must be 500 characters or fewer" in text(response)
    assert not VisionVersion.objects.exists()


def test_earlier_versions_are_kept_with_their_responses(client, world):
    first = b.publish(world, texts=["Every child is known."], note="First go.")
    b.endorse(world, first, "member", "disagree")
    b.publish(world, texts=["Every child is known and welcomed."])
    signed_in(client, world, "member")
    listing = client.get(VERSIONS)
    assert "Version 2 (current)" in text(listing) and "Version 1 First go." in text(listing)
    old = client.get(reverse("vision-version", args=["ashford", 1]))
    assert h1(old) == ["Version 1 of the vision"]
    words = text(old)
    assert "Every child is known." in words and "Every child is known and welcomed." not in words
    assert "A later version has replaced this one" in words
    assert "Mainstream primary school 0 0 1 1" in words
    assert client.get(reverse("vision-version", args=["ashford", 3])).status_code == 404


def test_dates_are_written_the_uk_way(client, world):
    version = b.publish(world)
    local = timezone.localtime(version.published_at)
    page = signed_in(client, world, "member").get(VISION)
    assert f"Published on {local.day} {local:%B %Y} by Ashford Facilitator." in text(page)


@pytest.mark.parametrize(
    "name",
    ["vision", "vision-drafts", "vision-publish", "vision-versions"],
)
def test_other_localities_see_nothing(client, world, name):
    b.publish(world)
    response = signed_in(client, world, "outsider").get(reverse(name, args=["ashford"]))
    assert response.status_code == 404


def test_the_audit_trail_tells_the_vision_s_story_in_words(client, world):
    one, two = b.statement(world, "One."), b.statement(world, "Two.")
    services.vision_statements_reorder(actor=world.people["anchor"], collaborative=world.ours, order=[two.pk, one.pk])
    b.endorse(world, b.publish(world), "member", "agree_with_reservations", comment="Capacity.")
    page = signed_in(client, world, "facilitator").get(reverse("collaborative-audit", args=["ashford"]))
    assert page.status_code == 200
    words = text(page)
    for line in (
        "Added a statement to the draft vision",
        "Reordered the draft vision",
        "Published a version of the vision",
        "Responded to the vision",
    ):
        assert line in words
