"""The board pages as each kind of person sees them: the board (signed in, and as a guest confined to their board),
joining with a code, guest links, making a board, and the workshop record as a page, Markdown and CSV."""

import csv
import io
import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from collab.guests import GUEST_COOKIE, GUEST_COOKIE_MAX_AGE, guest_cookie_value
from collab.models import Board, BoardTemplate, Card, Guest, GuestLink, Registration, Workshop
from collab.services import boards as board_services
from tests.frontend.pages import h1, read, text, title

LONDON = ZoneInfo("Europe/London")


def board_url(board) -> str:
    return reverse("board", kwargs={"pk": board.pk})


def embedded_state(response) -> dict:
    found = re.search(r'<script id="board-state" type="application/json">(.*?)</script>', response.content.decode())
    return json.loads(found.group(1))


def op(person, board, name, **data):
    return board_services.apply(principal=person, board_id=board.pk, op=name, data=data, op_key=None)


def card_id(event) -> int:
    return event.payload["id"]


@pytest.fixture
def guest(world, board):
    link = board_services.guest_link_create(actor=world.people["facilitator"], board=board, hours=2)
    return board_services.guest_join(code=link.code, display_name="Sam (parent carer)")


def as_guest(client, guest):
    client.cookies[GUEST_COOKIE] = guest_cookie_value(guest)
    return client


# --- The board page ------------------------------------------------------------------------------------------------


def test_the_board_page_renders_the_shell_with_each_zone_as_a_headed_region(client, world, board):
    op(world.people["facilitator"], board, "zone.add", title="What would help?", breakout="Schools")
    client.force_login(world.people["member"])
    response = client.get(board_url(board))
    assert response.status_code == 200
    assert h1(response) == ["What gets in the way?"]
    assert title(response) == "What gets in the way? – Explore the map – Collaborative workspace"
    page = read(response)
    assert "Ideas" in page.headings["h2"] and "What would help?" in page.headings["h2"]
    html = response.content.decode()
    for zone in board.zones.all():
        assert f'<section class="zone" data-zone="{zone.pk}" aria-labelledby="zone-{zone.pk}-title">' in html
    words = text(response)
    assert "Write a card" in words and "Post anonymously" in words
    assert "Breakout: Schools" in words
    assert "/static/frontend/board.js" in html


def test_each_role_sees_what_it_may_do(client, world, board):
    def page_as(role):
        client.force_login(world.people[role])
        response = client.get(board_url(board))
        assert response.status_code == 200, role
        return response

    observer = page_as("observer")
    assert embedded_state(observer)["me"]["can_write"] is False
    assert "You are observing" in text(observer) and "Write a card" not in text(observer)
    member = page_as("member")
    assert embedded_state(member)["me"] == {
        "key": f"u:{world.people['member'].pk}",
        "name": "Ashford Member",
        "can_write": True,
        "moderator": False,
        "may_take_over": False,
        "breakout": "",
    }
    assert "Guests" not in read(member).headings["h2"]
    facilitator = page_as("facilitator")
    assert embedded_state(facilitator)["me"]["moderator"] is True
    assert "Guests" in read(facilitator).headings["h2"]
    assert "Open a guest code" in text(facilitator)
    team = page_as("programme_team")
    state = embedded_state(team)["me"]
    assert state["moderator"] is False and state["may_take_over"] is True
    assert "Take over facilitation" in text(team)
    assert page_as("anchor").status_code == 200
    client.force_login(world.people["outsider"])
    assert client.get(board_url(board)).status_code == 404


def test_the_page_withholds_others_private_cards_as_the_server_does(client, world, board):
    zone = board.zones.get()
    op(world.people["member"], board, "card.add", zone=zone.pk, text="Referrals arrive without information")
    client.force_login(world.people["anchor"])
    response = client.get(board_url(board))
    assert "Referrals arrive" not in response.content.decode()
    assert embedded_state(response)["cards"] == [
        {"id": Card.objects.get().pk, "zone": zone.pk, "group": None, "hidden": True, "position": 1.0}
    ]
    client.force_login(world.people["facilitator"])
    assert "Referrals arrive without information" in client.get(board_url(board)).content.decode()


def test_anonymous_people_are_sent_to_sign_in(client, world, board):
    response = client.get(board_url(board))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={board_url(board)}"


# --- Guests ----------------------------------------------------------------------------------------------------------


def test_a_guest_sees_their_board_and_nothing_else(client, world, board, workshop, guest):
    other = board_services.board_create(actor=world.people["facilitator"], workshop=workshop, title="Other board")
    as_guest(client, guest)
    response = client.get(board_url(board))
    assert response.status_code == 200
    assert embedded_state(response)["me"]["key"] == f"g:{guest.pk}"
    words = text(response)
    assert "You are taking part as Sam (parent carer), a guest: you can see this board only." in words
    assert "Explore the map" in words
    assert f'href="{reverse("workshop-detail", kwargs={"pk": workshop.pk})}"' not in response.content.decode()
    assert "My collaboratives" not in words
    assert client.get(board_url(other)).status_code == 404
    for url in (
        reverse("home"),
        reverse("collaborative-overview", args=[world.ours.slug]),
        reverse("workshop-detail", kwargs={"pk": workshop.pk}),
        reverse("workshop-record", kwargs={"pk": workshop.pk}),
        reverse("workshop-record-csv", kwargs={"pk": workshop.pk}),
        reverse("workshop-board-create", kwargs={"pk": workshop.pk}),
        reverse("board-guest-link", kwargs={"pk": board.pk, "link_pk": guest.link_id}),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    response = client.post(reverse("board-guest-link-create", kwargs={"pk": board.pk}), {"hours": 4})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert GuestLink.objects.count() == 1


def test_a_guest_whose_code_was_closed_is_told_so(client, world, board, guest):
    board_services.guest_link_revoke(actor=world.people["facilitator"], link=guest.link)
    response = as_guest(client, guest).get(board_url(board))
    assert response.status_code == 403
    assert "The facilitator has closed this guest link, or it has expired." in text(response)


def test_a_guest_whose_code_expired_is_told_so(client, world, board, guest):
    GuestLink.objects.filter(pk=guest.link_id).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = as_guest(client, guest).get(board_url(board))
    assert response.status_code == 403
    assert "Ask them for a new code" in text(response)


def test_a_forged_guest_cookie_is_nobody(client, world, board, guest):
    client.cookies[GUEST_COOKIE] = guest_cookie_value(guest)[:-3] + "abc"
    response = client.get(board_url(board))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- Joining with a code -------------------------------------------------------------------------------------------


def test_joining_with_a_code_then_a_name(client, world, board, settings):
    link = board_services.guest_link_create(actor=world.people["facilitator"], board=board, hours=2)
    assert client.get(reverse("guest-join")).status_code == 200
    response = client.post(reverse("guest-join"), {"code": f" {link.code.lower()[:4]} {link.code.lower()[4:]} "})
    assert response.status_code == 200
    assert h1(response) == ["What gets in the way?"]
    assert "Joining as a guest" in text(response)
    response = client.post(reverse("guest-join-name", kwargs={"code": link.code}), {"display_name": " Sam (parent) "})
    assert response.status_code == 303
    assert response["Location"] == board_url(board)
    guest = Guest.objects.get()
    assert guest.display_name == "Sam (parent)" and guest.board == board
    cookie = response.cookies[GUEST_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == GUEST_COOKIE_MAX_AGE
    assert cookie["secure"] == ""
    page = client.get(board_url(board))
    assert page.status_code == 200 and embedded_state(page)["me"]["name"] == "Sam (parent)"

    # Behind HTTPS the cookie is only ever sent over HTTPS.
    settings.SESSION_COOKIE_SECURE = True
    other = client_class_post(link, "Alex")
    assert other.cookies[GUEST_COOKIE]["secure"] is True


def client_class_post(link, name):
    from django.test import Client

    return Client().post(reverse("guest-join-name", kwargs={"code": link.code}), {"display_name": name})


@pytest.mark.parametrize(
    "state, status, message",
    [
        ("unknown", 404, "There is no board with that code. Check the code on the screen and try again."),
        ("revoked", 409, "The facilitator has closed this guest link."),
        ("expired", 409, "This guest link has expired. Ask the facilitator for a new code."),
    ],
)
def test_codes_that_do_not_work_say_why_and_change_nothing(client, world, board, state, status, message):
    link = board_services.guest_link_create(actor=world.people["facilitator"], board=board, hours=2)
    code = link.code
    if state == "unknown":
        code = "ZZZZZZZZ"
    elif state == "revoked":
        board_services.guest_link_revoke(actor=world.people["facilitator"], link=link)
    else:
        GuestLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    typed = client.post(reverse("guest-join"), {"code": code})
    assert typed.status_code == status
    assert message in text(typed)
    assert title(typed).startswith("Error: ")
    followed = client.get(reverse("guest-join-name", kwargs={"code": code}))
    assert followed.status_code == status
    assert message in text(followed)
    joined = client.post(reverse("guest-join-name", kwargs={"code": code}), {"display_name": "Sam"})
    assert joined.status_code == status
    assert GUEST_COOKIE not in joined.cookies
    assert not Guest.objects.exists()


def test_a_name_is_needed_to_join(client, world, board):
    link = board_services.guest_link_create(actor=world.people["facilitator"], board=board, hours=2)
    response = client.post(reverse("guest-join-name", kwargs={"code": link.code}), {"display_name": "   "})
    assert response.status_code == 400
    assert "Enter the name others will see" in text(response)
    response = client.post(reverse("guest-join-name", kwargs={"code": link.code}), {"display_name": "x" * 81})
    assert response.status_code == 400
    assert "Your name must be 80 characters or fewer" in text(response)
    assert not Guest.objects.exists()


def test_an_empty_code_is_asked_for_again(client, db):
    response = client.post(reverse("guest-join"), {"code": ""})
    assert response.status_code == 400
    assert "Enter the code on the facilitator's screen." in text(response)


def test_people_signed_in_go_to_the_board_or_are_told_to_sign_out_first(client, world, board):
    link = board_services.guest_link_create(actor=world.people["facilitator"], board=board, hours=2)
    client.force_login(world.people["member"])
    response = client.get(reverse("guest-join-name", kwargs={"code": link.code}))
    assert response.status_code == 302 and response["Location"] == board_url(board)
    client.force_login(world.people["outsider"])
    response = client.get(reverse("guest-join-name", kwargs={"code": link.code}))
    assert response.status_code == 200
    assert "To join it as a guest, sign out first" in text(response)
    response = client.post(reverse("guest-join-name", kwargs={"code": link.code}), {"display_name": "Brindle"})
    assert response.status_code == 403
    assert not Guest.objects.exists()


# --- Guest links -----------------------------------------------------------------------------------------------------


def test_a_facilitator_opens_shows_and_closes_a_guest_code(client, world, board):
    client.force_login(world.people["facilitator"])
    response = client.post(reverse("board-guest-link-create", kwargs={"pk": board.pk}), {"hours": 4}, follow=True)
    link = GuestLink.objects.get()
    assert timedelta(hours=3, minutes=59) < link.expires_at - link.created_at <= timedelta(hours=4)
    words = text(response)
    assert f"Guests can join with the code {link.code} until" in words
    assert f"/join/{link.code}/" in words
    shown = client.get(reverse("board-guest-link", kwargs={"pk": board.pk, "link_pk": link.pk}))
    assert shown.status_code == 200
    assert link.code in shown.content.decode()
    assert "No account needed." in text(shown)
    revoke = reverse("board-guest-link-revoke", kwargs={"pk": board.pk, "link_pk": link.pk})
    response = client.post(revoke, follow=True)
    assert f"The code {link.code} no longer works." in text(response)
    link.refresh_from_db()
    assert link.revoked_at is not None
    again = client.post(revoke)
    assert again.status_code == 409
    assert "already been withdrawn" in text(again)
    assert "This code is closed" in text(client.get(reverse("board-guest-link", args=[board.pk, link.pk])))


def test_a_guest_code_lasts_a_time_from_the_list(client, world, board):
    client.force_login(world.people["facilitator"])
    response = client.post(reverse("board-guest-link-create", kwargs={"pk": board.pk}), {"hours": 500})
    assert response.status_code == 400
    assert "Choose how long guests can join for, up to 72 hours." in text(response)
    assert not GuestLink.objects.exists()


# --- Making a board ------------------------------------------------------------------------------------------------


def test_a_facilitator_makes_a_board_from_a_template(client, world, workshop):
    client.force_login(world.people["facilitator"])
    url = reverse("workshop-board-create", kwargs={"pk": workshop.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert h1(page) == ["Make a board"]
    assert "Shared vision" in text(page) and "What, who, by when, and the support needed." in text(page)
    response = client.post(
        url,
        {
            "title": "Our vision",
            "template": BoardTemplate.VISION,
            "prompt": "In three years, what will be different?",
            "vote_budget": 4,
            "vote_cap_per_card": 2,
        },
    )
    board = Board.objects.get(title="Our vision")
    assert response.status_code == 302 and response["Location"] == board_url(board)
    assert [z.title for z in board.zones.all()] == [
        "For children and families",
        "For schools and services",
        "For how we work together",
    ]
    assert (board.private_writing, board.vote_budget, board.vote_cap_per_card) == (False, 4, 2)
    assert board.facilitator == world.people["facilitator"]


def test_bad_board_details_are_explained_and_nothing_is_made(client, world, workshop):
    client.force_login(world.people["facilitator"])
    url = reverse("workshop-board-create", kwargs={"pk": workshop.pk})
    response = client.post(url, {"title": "", "template": "mural", "vote_budget": 2, "vote_cap_per_card": 3})
    assert response.status_code == 400
    words = text(response)
    assert "Give the board a title." in words and "Choose a template." in words
    response = client.post(
        url, {"title": "Votes", "template": BoardTemplate.BLANK, "vote_budget": 2, "vote_cap_per_card": 3}
    )
    assert response.status_code == 400
    assert "The most votes on one card must be between 1 and the votes each." in text(response)
    assert not Board.objects.exists()


def test_members_and_anchors_cannot_make_boards(client, world, workshop):
    for role in ("member", "anchor"):
        client.force_login(world.people[role])
        response = client.get(reverse("workshop-board-create", kwargs={"pk": workshop.pk}))
        assert response.status_code == 403
        assert "cannot make boards" in text(response)


def test_the_workshop_page_lists_its_boards(client, world, workshop, board):
    client.force_login(world.people["facilitator"])
    response = client.get(reverse("workshop-detail", kwargs={"pk": workshop.pk}))
    assert response.status_code == 200
    words = text(response)
    assert "What gets in the way? Blank board · Write phase · run by Ashford Facilitator" in words
    assert "Make a board" in words
    assert "Workshop record" in words
    client.force_login(world.people["member"])
    words = text(client.get(reverse("workshop-detail", kwargs={"pk": workshop.pk})))
    assert "What gets in the way?" in words and "Make a board" not in words


# --- The workshop record ---------------------------------------------------------------------------------------------


@pytest.fixture
def finished_workshop(world):
    """A workshop with one board taken through writing, grouping, voting and a promotion, one board never revealed,
    and attendance taken."""
    facilitator, member, anchor = (world.people[r] for r in ("facilitator", "member", "anchor"))
    starts = datetime(2026, 11, 24, 10, 0, tzinfo=LONDON)
    workshop = Workshop.objects.create(
        programme=world.programme,
        collaborative=world.ours,
        title="Shared vision",
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        created_by=facilitator,
    )
    board = board_services.board_create(
        actor=facilitator,
        workshop=workshop,
        title="What gets in the way?",
        template=BoardTemplate.EXPLORE_MAP,
        prompt="What gets in the way of including every child?",
    )
    surprised, pressures, missing = board.zones.all()
    referrals = card_id(
        op(member, board, "card.add", zone=surprised.pk, text="Referrals arrive without the right information")
    )
    waiting = card_id(op(member, board, "card.add", zone=pressures.pk, text="Waiting lists for CAMHS"))
    data = card_id(op(anchor, board, "card.add", zone=pressures.pk, text="No shared exclusion data | by term"))
    op(anchor, board, "card.add", zone=missing.pk, text="=Training for staff")
    op(facilitator, board, "cards.reveal")
    group = op(
        facilitator, board, "group.create", zone=pressures.pk, title="Getting help in time", cards=[waiting, data]
    )
    op(facilitator, board, "phase.set", phase="vote")
    for voter, card in ((member, waiting), (member, waiting), (member, referrals), (anchor, waiting)):
        op(voter, board, "vote.add", card=card)
    op(facilitator, board, "phase.set", phase="discuss")
    op(facilitator, board, "promote", target="priority", group=group.payload["id"])

    parked = board_services.board_create(actor=facilitator, workshop=workshop, title="Parking lot")
    op(member, parked, "card.add", zone=parked.zones.get().pk, text="A private thought never revealed")

    Registration.objects.create(workshop=workshop, user=member, attended=True)
    Registration.objects.create(workshop=workshop, user=anchor, attended=False)
    Registration.objects.create(workshop=workshop, user=world.people["observer"], attended=None)
    return workshop


MARKDOWN = """# Workshop record: Shared vision

Ashford Collaborative · Tuesday 24 November 2026, 10:00–13:00

Record made on (when)

## What gets in the way?

> What gets in the way of including every child?

### Cards ranked by votes

| Rank | Card | Group | Zone | Votes |
| ---: | --- | --- | --- | ---: |
| 1 | Waiting lists for CAMHS | Getting help in time | Where are the pressures? | 3 |
| 2 | Referrals arrive without the right information |  | What surprised you on the map? | 1 |
| 3 | =Training for staff |  | What is missing? | 0 |
| 3 | No shared exclusion data \\| by term | Getting help in time | Where are the pressures? | 0 |

### Groups

**Getting help in time**

- Waiting lists for CAMHS
- No shared exclusion data \\| by term

**Not in a group**

- Referrals arrive without the right information
- =Training for staff

### Taken forward

- Priority: Getting help in time (from the group “Getting help in time”)

## Parking lot

The cards on this board were never revealed, so they are not in the record.

## Attendance

Came (1): Ashford Member

Had a place but did not come (1): Ashford Collaborative Anchor
"""

CSV_ROWS = [
    ["Board", "Rank", "Card", "Group", "Zone", "Votes"],
    ["What gets in the way?", "1", "Waiting lists for CAMHS", "Getting help in time", "Where are the pressures?", "3"],
    [
        "What gets in the way?",
        "2",
        "Referrals arrive without the right information",
        "",
        "What surprised you on the map?",
        "1",
    ],
    ["What gets in the way?", "3", "'=Training for staff", "", "What is missing?", "0"],
    [
        "What gets in the way?",
        "3",
        "No shared exclusion data | by term",
        "Getting help in time",
        "Where are the pressures?",
        "0",
    ],
]


def test_the_record_as_markdown(client, world, finished_workshop):
    client.force_login(world.people["observer"])
    response = client.get(reverse("workshop-record-md", kwargs={"pk": finished_workshop.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="workshop-{finished_workshop.pk}-record.md"'
    body = response.content.decode()
    made = re.search(r"^Record made on (\d{1,2} [A-Z][a-z]+ \d{4} at \d\d:\d\d)\.$", body, re.MULTILINE)
    assert made, body
    assert body.replace(made.group(0), "Record made on (when)") == MARKDOWN


def test_the_record_as_csv(client, world, finished_workshop):
    client.force_login(world.people["member"])
    response = client.get(reverse("workshop-record-csv", kwargs={"pk": finished_workshop.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="workshop-{finished_workshop.pk}-record.csv"'
    assert list(csv.reader(io.StringIO(response.content.decode()))) == CSV_ROWS


def test_the_printable_record(client, world, finished_workshop):
    client.force_login(world.people["anchor"])
    response = client.get(reverse("workshop-record", kwargs={"pk": finished_workshop.pk}))
    assert response.status_code == 200
    assert h1(response) == ["Shared vision"]
    assert read(response).headings["h2"] == ["What gets in the way?", "Parking lot", "Attendance"]
    words = text(response)
    assert "Ashford Collaborative · Tuesday 24 November 2026, 10:00–13:00" in words
    assert "1 Waiting lists for CAMHS Getting help in time Where are the pressures? 3" in words
    assert "2 Referrals arrive without the right information – What surprised you on the map? 1" in words
    assert "Getting help in time Waiting lists for CAMHS No shared exclusion data | by term" in words
    assert "Priority: Getting help in time (from the group “Getting help in time”)" in words
    assert "The cards on this board were never revealed, so they are not in the record." in words
    assert "Came (1): Ashford Member" in words
    assert "Had a place but did not come (1): Ashford Collaborative Anchor" in words
    assert "Ashford Observer" not in words
    assert "A private thought" not in response.content.decode()
    assert "@media print" in open_board_css()


def open_board_css() -> str:
    from pathlib import Path

    return (Path(__file__).resolve().parents[2] / "frontend/static/frontend/board.css").read_text()


def test_the_record_of_another_locality_does_not_exist(client, world, finished_workshop):
    client.force_login(world.people["outsider"])
    for name in ("workshop-record", "workshop-record-md", "workshop-record-csv"):
        assert client.get(reverse(name, kwargs={"pk": finished_workshop.pk})).status_code == 404
