"""A bad or unlucky frame never takes a board connection down without a reason, and leaving a board is always
counted, however the connection ended (through the full ASGI application)."""

import asyncio
import contextlib

import pytest

from collab import live
from collab.models import Participant
from tests.boards.conftest import LiveClient, run

pytestmark = pytest.mark.django_db(transaction=True)

NESTED = "[" * 8000 + "]" * 8000  # 16,000 characters: under the size limit, too deep to parse


def connections_of(board, person) -> int:
    return Participant.objects.get(board=board, key=f"u:{person.pk}").connections


def test_a_frame_nested_too_deeply_answers_an_error_and_the_connection_keeps_working(world, board, cookies):
    async def scenario():
        member = LiveClient(board.pk, cookies["member"])
        assert await member.connect()
        error = await member.send_raw(NESTED)
        assert error["code"] == "bad_json" and error["message"]
        await member.communicator.send_json_to({"type": "ping", "id": 1})
        assert (await member.next("pong"))["id"] == 1
        assert (await member.hello())["type"] == "snapshot"
        await member.close()

    run(scenario)


def test_people_who_sent_bad_frames_still_leave_the_presence_list(world, board, cookies):
    member = world.people["member"]

    async def scenario():
        watcher = LiveClient(board.pk, cookies["facilitator"])
        assert await watcher.connect()
        for _ in range(5):
            tab = LiveClient(board.pk, cookies["member"])
            assert await tab.connect()
            assert (await tab.send_raw(NESTED))["code"] == "bad_json"
            await tab.close()
        late = LiveClient(board.pk, cookies["anchor"])
        assert await late.connect()
        snapshot = await late.hello()
        assert f"u:{member.pk}" not in [p["key"] for p in snapshot["state"]["participants"]]
        await watcher.close()
        await late.close()

    run(scenario)
    assert connections_of(board, member) == 0


def test_a_message_that_fails_unexpectedly_is_answered_and_leaving_is_still_counted(world, board, cookies, monkeypatch):
    kind = live.kind_named("board")

    def broken(*args, **kwargs):
        raise RuntimeError("the snapshot could not be built")

    monkeypatch.setattr(kind, "snapshot", broken)
    zone = board.zones.first().pk

    async def scenario():
        member = LiveClient(board.pk, cookies["member"])
        assert await member.connect()
        await member.communicator.send_json_to({"type": "hello", "since": None})
        failed = await member.next("error")
        assert failed["code"] == "server_error" and "try again" in failed["message"]
        await member.communicator.send_json_to({"type": "ping", "id": 2})
        assert (await member.next("pong"))["id"] == 2
        assert (await member.op("card.add", {"zone": zone, "text": "Still working"}))["type"] == "ack"
        await member.close()

    run(scenario)
    assert connections_of(board, world.people["member"]) == 0


def test_a_failed_operation_is_answered_with_its_id(world, board, cookies, monkeypatch):
    async def broken(*args, **kwargs):
        raise RuntimeError("the lane is broken")

    monkeypatch.setattr(live.lanes, "submit", broken)
    zone = board.zones.first().pk

    async def scenario():
        member = LiveClient(board.pk, cookies["member"])
        assert await member.connect()
        failed = await member.op("card.add", {"zone": zone, "text": "Lost?"}, op_id="op-broken")
        assert failed["type"] == "error" and failed["code"] == "server_error" and failed["id"] == "op-broken"
        await member.close()

    run(scenario)


def test_a_connection_cut_off_by_the_server_shutting_down_is_counted_closed(world, board, cookies):
    async def scenario():
        member = LiveClient(board.pk, cookies["member"])
        assert await member.connect()
        member.communicator.future.cancel()  # as a server stopping cancels its connections' tasks
        with contextlib.suppress(asyncio.CancelledError):
            await member.communicator.future

    run(scenario)
    assert connections_of(board, world.people["member"]) == 0
