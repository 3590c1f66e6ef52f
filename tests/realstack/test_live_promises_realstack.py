"""The protocol's delivery and idempotency promises against the real stack (two uvicorn processes, their own Redis,
PostgreSQL), on a quiet board: no later event comes along to reveal a gap, so the server has to.

- A process killed between committing an event and broadcasting it: every other client has the event within five
  seconds all the same.
- Redis restarted while the board is quiet, then a change: every client, on both processes, has it within five
  seconds, whichever process's broadcast failed.
- The same client operation sent to both processes at the same moment: both connections get the same answer (one
  marked as a replay) and stay open.
"""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync

from collab.models import Card, LiveEvent
from tests.realstack.client import BoardClient
from tests.realstack.test_live_board_realstack import SYNC_TIMEOUT, assert_in_sync, stream_seq

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def run(coroutine_function):
    return async_to_sync(coroutine_function)()


def test_watchers_get_an_event_whose_process_died_before_broadcasting_it(world, board, stack, cookies):
    """Watchers on process A at seq 2; a participant on process B makes two changes in quick succession, so the
    second waits in B's coalescing window, and B is killed the moment the second is acknowledged. Nobody acts after
    that. The watchers are sent the second change from the stored events within five seconds."""
    zone = board.zones.first().pk
    survivor, doomed = stack.servers

    async def scenario():
        watchers = {
            BoardClient(survivor.ws_url, board.pk, cookies[role], name=role): world.people[role]
            for role in ("facilitator", "anchor")
        }
        participant = BoardClient(doomed.ws_url, board.pk, cookies["member"], name="participant")
        await asyncio.gather(*(client.start() for client in [*watchers, participant]))
        for text in ("First", "Second"):
            await participant.op("card.add", {"zone": zone, "text": text})
        await asyncio.gather(*(w.wait_seq(2, SYNC_TIMEOUT) for w in watchers))

        await participant.op("card.add", {"zone": zone, "text": "Third"})
        last = await participant.op("card.add", {"zone": zone, "text": "Fourth"})
        doomed.kill()
        assert last["type"] == "ack" and last["seq"] == 4
        await asyncio.gather(*(w.wait_seq(4, SYNC_TIMEOUT) for w in watchers))
        await assert_in_sync(watchers, board.pk, SYNC_TIMEOUT)
        for client in [*watchers, participant]:
            await client.close()

    run(scenario)
    assert not stack.servers[1].alive()


def test_a_change_just_after_redis_restarts_reaches_every_client_on_every_process(world, board, stack, cookies):
    """Redis restarts (forgetting every group) while the board is quiet; the first change after it is broadcast by a
    process whose pooled connections Redis closed. Clients on both processes have it within five seconds."""
    zone = board.zones.first().pk
    first, second = stack.servers

    async def scenario():
        people = {
            BoardClient(server.ws_url, board.pk, cookies[role], name=f"{role}@{server.name}"): world.people[role]
            for server, role in ((first, "facilitator"), (first, "anchor"), (second, "observer"), (second, "member"))
        }
        writer = next(client for client in people if client.name == "member@server2")
        await asyncio.gather(*(client.start() for client in people))
        await writer.op("card.add", {"zone": zone, "text": "Before the restart"})
        await asyncio.gather(*(client.wait_seq(1, SYNC_TIMEOUT) for client in people))

        await asyncio.to_thread(stack.redis.stop)
        await asyncio.to_thread(stack.redis.start)
        reply = await writer.op("card.add", {"zone": zone, "text": "Right after the restart"})
        assert reply["type"] == "ack"
        await asyncio.gather(*(client.wait_seq(reply["seq"], SYNC_TIMEOUT) for client in people))
        await assert_in_sync(people, board.pk, SYNC_TIMEOUT)
        for client in people:
            await client.close()

    run(scenario)


def test_the_same_operation_sent_to_both_processes_at_once_gets_one_answer_on_both(world, board, stack, cookies):
    """A client that reconnected to the other process sends an operation again while the first delivery is still
    being applied: six times over, both connections are acknowledged with the same event (one as a replay), nothing
    is applied twice, and neither connection is closed."""
    zone = board.zones.first().pk
    trials = 6

    async def scenario():
        on_first, on_second = (
            BoardClient(server.ws_url, board.pk, cookies["member"], name=f"tab@{server.name}")
            for server in stack.servers
        )
        await asyncio.gather(on_first.start(), on_second.start())
        for trial in range(trials):
            data = {"zone": zone, "text": f"Sent twice {trial}"}
            a, b = await asyncio.gather(
                on_first.op("card.add", data, op_id=f"race-{trial}"),
                on_second.op("card.add", data, op_id=f"race-{trial}"),
            )
            assert (a["type"], b["type"]) == ("ack", "ack"), (a, b)
            assert a["seq"] == b["seq"] and a["event"]["data"] == b["event"]["data"]
            assert sorted([a["replayed"], b["replayed"]]) == [False, True]
        assert on_first.stats.connects == on_second.stats.connects == 1
        seq = await stream_seq(board.pk)
        assert seq == trials
        for client in (on_first, on_second):
            await client.close()

    run(scenario)
    assert Card.objects.count() == trials
    assert LiveEvent.objects.exclude(op_key=None).count() == trials
