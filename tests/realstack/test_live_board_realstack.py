"""Live boards against the real stack: two uvicorn processes, a real Redis as the channel layer, PostgreSQL.

Participants are real websocket clients (`tests/realstack/client.py`) connected over TCP with a session cookie and an
Origin, some to one process and some to the other. What they must see: each other's changes across processes; after
one process is killed, or after Redis restarts, the same board as a fresh snapshot, with every operation they sent
applied exactly once.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from collab.models import Card, LiveEvent, LiveStream, Vote
from collab.selectors.boards import board_get, board_state
from collab.services import boards as board_services
from tests.realstack.client import BoardClient, comparable_snapshot

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SYNC_TIMEOUT = 5  # seconds: the promise for getting back in sync after Redis restarts


def run(coroutine_function):
    return async_to_sync(coroutine_function)()


@sync_to_async
def fresh_snapshot(user, board_id):
    board, viewer = board_get(user, board_id)
    return comparable_snapshot(board_state(viewer, board))


@sync_to_async
def stream_seq(board_id) -> int:
    return LiveStream.objects.get(kind=board_services.KIND, object_id=board_id).seq


async def assert_in_sync(clients: dict[BoardClient, object], board_id: int, timeout: float) -> None:
    """Every client reaches the board's latest seq and holds exactly what a fresh snapshot shows its person."""
    seq = await stream_seq(board_id)
    await asyncio.gather(*(client.wait_seq(seq, timeout) for client in clients))
    for client, user in clients.items():
        assert client.state.comparable() == await fresh_snapshot(user, board_id), client.name
        assert not client.state.unknown


async def write_cards(client: BoardClient, zone: int, count: int, *, pause: float = 0.03) -> list[dict]:
    """`count` cards, one after another, each with its own op id (the text names the op, to count it later)."""
    replies = []
    for n in range(count):
        op_id = f"{client.name}-{n}"
        replies.append(await client.op("card.add", {"zone": zone, "text": f"card {op_id}"}, op_id=op_id))
        await asyncio.sleep(pause * random.random())
    return replies


def assert_each_card_once(writers: list[BoardClient], count: int) -> None:
    texts = Counter(Card.objects.values_list("text", flat=True))
    expected = {f"card {w.name}-{n}" for w in writers for n in range(count)}
    assert set(texts) == expected
    assert all(n == 1 for n in texts.values())
    keys = Counter(LiveEvent.objects.exclude(op_key=None).values_list("op_key", flat=True))
    assert all(n == 1 for n in keys.values())


def test_a_participant_on_one_process_sees_what_others_do_on_the_other(world, board, stack, cookies):
    zone = board.zones.first().pk
    first, second = stack.servers

    async def scenario():
        facilitator = BoardClient(first.ws_url, board.pk, cookies["facilitator"], name="facilitator")
        anchor = BoardClient(first.ws_url, board.pk, cookies["anchor"], name="anchor")
        member = BoardClient(second.ws_url, board.pk, cookies["member"], name="member")
        await facilitator.start()
        await anchor.start()
        await member.start()
        them = member.me["key"]
        # Presence: the member joined on the second process; the anchor, on the first, sees them arrive and write.
        await anchor.wait_for(lambda: anchor.presence.get(them, {}).get("online"), 5)
        await member.send_presence(writing=True)
        await anchor.wait_for(lambda: anchor.presence[them]["writing"], 5)

        # Private writing: the facilitator sees the card's text, the anchor only that it exists.
        written = await member.op("card.add", {"zone": zone, "text": "Transition plans arrive too late"})
        card = written["event"]["data"]["id"]
        await facilitator.wait_seq(written["seq"])
        await anchor.wait_seq(written["seq"])
        assert facilitator.state.cards[card]["text"] == "Transition plans arrive too late"
        assert anchor.state.cards[card] == {"id": card, "zone": zone, "group": None, "hidden": True, "position": 1.0}

        # Revealed on the first process: the text reaches the anchor there and the member on the second.
        revealed = await facilitator.op("cards.reveal")
        voting = await facilitator.op("phase.set", {"phase": "vote"})
        await member.wait_seq(voting["seq"])
        await anchor.wait_seq(voting["seq"])
        assert revealed["seq"] < voting["seq"]
        assert anchor.state.cards[card]["text"] == "Transition plans arrive too late"
        assert member.state.board["phase"] == "vote"

        # Votes cast on either process are counted on the other.
        mine = await member.op("vote.add", {"card": card})
        await anchor.wait_seq(mine["seq"])
        assert anchor.state.votes["cast"] == 1
        theirs = await anchor.op("vote.add", {"card": card})
        await member.wait_seq(theirs["seq"])
        assert member.state.votes == {"round": 1, "mine": {str(card): 1}, "remaining": 2, "cast": 2}

        # All of it arrived live through the channel layer: nobody needed a replay or a second snapshot.
        for client in (facilitator, anchor, member):
            assert client.stats.replays_asked == 0 and client.stats.snapshots == 1, client.stats

        # Leaving on the second process shows on the first.
        await member.close()
        await anchor.wait_for(lambda: not anchor.presence[them]["online"], 5)
        await assert_in_sync({facilitator: world.people["facilitator"], anchor: world.people["anchor"]}, board.pk, 5)
        await facilitator.close()
        await anchor.close()

    run(scenario)
    assert Vote.objects.filter(board=board).count() == 2


def test_a_server_process_killed_mid_workshop_loses_nothing(world, board, members, stack, cookies):
    """Half the room is on the process that dies: they reconnect to the other and carry on. Every card they were
    writing is there exactly once, including those whose acknowledgement died with the process."""
    zone = board.zones.first().pk
    per_writer = 30
    survivor, doomed = stack.servers

    async def scenario():
        people = {
            BoardClient(stack.urls, board.pk, cookies["facilitator"], name="facilitator"): world.people["facilitator"]
        }
        for n, person in enumerate(members):
            # Each client knows both addresses; half start on the process that will be killed.
            urls = stack.urls if n % 2 == 0 else list(reversed(stack.urls))
            people[BoardClient(urls, board.pk, cookies[person.email], name=f"writer{n}")] = person
        facilitator, *writers = people
        await asyncio.gather(*(client.start() for client in people))
        assert {w.url for w in writers} == {survivor.ws_url, doomed.ws_url}

        async def kill_when_under_way():
            await facilitator.wait_for(lambda: facilitator.seq >= per_writer * len(writers) // 3, 30)
            doomed.kill()

        results = await asyncio.gather(kill_when_under_way(), *(write_cards(w, zone, per_writer) for w in writers))
        assert not doomed.alive()
        for replies in results[1:]:
            assert [r["type"] for r in replies] == ["ack"] * per_writer
        moved = [w for w in writers if w.stats.connects > 1]
        assert len(moved) == 3 and all(w.url == survivor.ws_url for w in moved)
        await assert_in_sync(people, board.pk, 10)

        # The facilitator reveals; everyone (all on the surviving process now) sees the same cards.
        await facilitator.op("cards.reveal")
        await assert_in_sync(people, board.pk, 10)
        return writers

    writers = run(scenario)
    assert stack.redis.answers()
    assert_each_card_once(writers, per_writer)
    assert Card.objects.count() == len(members) * per_writer


def test_clients_are_back_in_sync_within_seconds_after_redis_restarts(world, board, members, stack, cookies):
    """Redis (the channel layer) stops and starts again while people write and vote, on both processes. Operations
    sent during the outage are retried with the same id and applied once; within five seconds of Redis answering
    again every client holds the board a fresh snapshot shows."""
    zone = board.zones.first().pk
    per_writer = 40

    async def scenario():
        people = {
            BoardClient(stack.urls, board.pk, cookies["facilitator"], name="facilitator"): world.people["facilitator"]
        }
        for n, person in enumerate(members):
            urls = stack.urls if n % 2 == 0 else list(reversed(stack.urls))
            people[BoardClient(urls, board.pk, cookies[person.email], name=f"writer{n}")] = person
        facilitator, *writers = people
        await asyncio.gather(*(client.start() for client in people))
        outage = {}

        async def restart_redis_when_under_way():
            await facilitator.wait_for(lambda: facilitator.seq >= per_writer * len(writers) // 3, 30)
            try:
                await asyncio.to_thread(stack.redis.stop)
                outage["down_at"] = await stream_seq(board.pk)
                await asyncio.sleep(0.5)  # writing carries on while Redis is down
            finally:
                await asyncio.to_thread(stack.redis.start)
            # Within five seconds of Redis answering, everyone has everything written until then, while the
            # writing goes on (no one waits for a later change to notice what they missed).
            outage["up_at"] = await stream_seq(board.pk)
            await asyncio.gather(*(client.wait_seq(outage["up_at"], SYNC_TIMEOUT) for client in people))

        try:
            results = await asyncio.gather(
                restart_redis_when_under_way(), *(write_cards(w, zone, per_writer, pause=0.05) for w in writers)
            )
        finally:
            await asyncio.to_thread(stack.redis.start)
        for replies in results[1:]:
            assert [r["type"] for r in replies] == ["ack"] * per_writer
        assert outage["down_at"] < outage["up_at"] < len(writers) * per_writer
        # No one was cut off: the connections outlived the outage (operations never needed Redis).
        assert all(client.stats.connects == 1 for client in people), [c.stats for c in people]
        await assert_in_sync(people, board.pk, SYNC_TIMEOUT)

        # The channel layer works again: a change on one process reaches everyone live.
        await facilitator.op("cards.reveal")
        voting = await facilitator.op("phase.set", {"phase": "vote"})
        before = {client: client.stats.replays_asked for client in people}
        await asyncio.gather(*(client.wait_seq(voting["seq"], SYNC_TIMEOUT) for client in people))
        assert all(client.stats.replays_asked == before[client] for client in people)
        await assert_in_sync(people, board.pk, SYNC_TIMEOUT)
        return writers

    writers = run(scenario)
    assert stack.redis.answers()
    assert_each_card_once(writers, per_writer)
