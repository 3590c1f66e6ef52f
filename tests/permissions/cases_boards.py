"""Permission rows for the live workshop boards' pages: the board, guest links, joining as a guest, making a board and
the workshop record. Columns: anonymous, outsider (facilitator of another locality), observer, member, anchor,
facilitator, programme team. Guests (no account) are covered in tests/frontend/test_boards_pages.py."""

from datetime import timedelta

from django.utils import timezone

from collab.models import BoardTemplate, Workshop
from collab.services import boards as board_services
from tests.permissions.matrix import Case, everyone, expect


def our_workshop(world):
    start = timezone.now() - timedelta(minutes=30)
    return Workshop.objects.create(
        programme=world.programme,
        collaborative=world.ours,
        title="Explore the map",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        created_by=world.people["facilitator"],
    )


def our_board(world):
    return board_services.board_create(
        actor=world.people["facilitator"], workshop=our_workshop(world), title="What gets in the way?"
    )


def open_link(world):
    return board_services.guest_link_create(actor=world.people["facilitator"], board=our_board(world), hours=2)


def board_and_link(world):
    link = open_link(world)
    return {"pk": link.board_id, "link_pk": link.pk}


SEE = expect(302, 404, 200, 200, 200, 200, 200)  # anyone who can see the workshop
RUN = expect(302, 404, 403, 403, 403, 200, 200)  # those who run its workshops: facilitators and the programme team
RUN_WRITE = expect(302, 404, 403, 403, 403, 302, 302)

CASES = [
    Case("get", SEE, page="board", kwargs=lambda w: {"pk": our_board(w).pk}, note="guests: their own board only"),
    Case(
        "post",
        RUN_WRITE,
        page="board-guest-link-create",
        kwargs=lambda w: {"pk": our_board(w).pk},
        data=lambda w: {"hours": 4},
    ),
    Case("get", RUN, page="board-guest-link", kwargs=board_and_link, note="the code on a big screen"),
    Case("post", RUN_WRITE, page="board-guest-link-revoke", kwargs=board_and_link),
    Case("get", everyone(200), page="guest-join", note="people without an account type the code here"),
    Case(
        "post",
        expect(200, 200, 302, 302, 302, 302, 302),
        page="guest-join",
        data=lambda w: {"code": open_link(w).code},
        note="a good code asks for a name; people who can see the board go straight to it",
    ),
    Case(
        "get",
        expect(200, 200, 302, 302, 302, 302, 302),
        page="guest-join-name",
        kwargs=lambda w: {"code": open_link(w).code},
        note="signed in elsewhere: told to sign out before joining as a guest",
    ),
    Case(
        "post",
        expect(303, 403, 302, 302, 302, 302, 302),
        page="guest-join-name",
        kwargs=lambda w: {"code": open_link(w).code},
        data=lambda w: {"display_name": "Sam (parent carer)"},
        note="a guest who joins is sent on to the board (303 See Other), not to sign in",
    ),
    Case("get", RUN, page="workshop-board-create", kwargs=lambda w: {"pk": our_workshop(w).pk}),
    Case(
        "post",
        RUN_WRITE,
        page="workshop-board-create",
        kwargs=lambda w: {"pk": our_workshop(w).pk},
        data=lambda w: {
            "title": "Priorities",
            "template": BoardTemplate.PRIORITISE,
            "private_writing": "on",
            "vote_budget": 5,
            "vote_cap_per_card": 3,
        },
    ),
    Case("get", SEE, page="workshop-record", kwargs=lambda w: {"pk": our_workshop(w).pk}),
    Case("get", SEE, page="workshop-record-md", kwargs=lambda w: {"pk": our_workshop(w).pk}),
    Case("get", SEE, page="workshop-record-csv", kwargs=lambda w: {"pk": our_workshop(w).pk}),
]
