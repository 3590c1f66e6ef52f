"""When a facilitator closes a guest code, the guests who joined with it leave the board for everyone: their
connection is counted as closed even though they no longer have access, so "Here now" stops listing them."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from collab.models import Participant
from collab.services import boards as board_services
from tests.boards.conftest import LiveClient, guest_cookie, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_guest_whose_code_is_closed_leaves_the_presence_list(world, board):
    facilitator = world.people["facilitator"]
    link = board_services.guest_link_create(actor=facilitator, board=board, hours=2)
    guest = board_services.guest_join(code=link.code, display_name="Sam (parent carer)")
    cookies = {"facilitator": session_cookie(facilitator), "guest": guest_cookie(guest)}

    async def scenario():
        watcher, visitor = LiveClient(board.pk, cookies["facilitator"]), LiveClient(board.pk, cookies["guest"])
        assert await watcher.connect()
        await watcher.hello()
        assert await visitor.connect()
        await watcher.next("batch")  # the guest arriving
        await database_sync_to_async(board_services.guest_link_revoke)(actor=facilitator, link=link)
        closed = await visitor.communicator.receive_output(timeout=3)
        while closed["type"] != "websocket.close":
            closed = await visitor.communicator.receive_output(timeout=3)
        assert closed["code"] == 4403
        await visitor.close()  # the guest's browser goes; the server counts the connection closed
        while True:
            frame = await watcher.next("batch", timeout=5)
            if any(p["key"] == f"g:{guest.pk}" and not p["online"] for p in frame["presence"]):
                break
        await watcher.close()

    async_to_sync(scenario)()
    assert Participant.objects.get(key=f"g:{guest.pk}").connections == 0
