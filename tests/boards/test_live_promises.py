"""The live protocol's promises through the full ASGI application: a reveal by any path reaches everyone, a client on a
quiet board learns of an event whose broadcast was lost, op ids are answered once and never reused for another
change, and what the publisher promises about frames per second."""

import asyncio
import threading
import time

import pytest
from asgiref.sync import async_to_sync
from django.db import connection, connections, transaction

from collab import live
from collab.models import Card, LiveEvent
from collab.services import boards as board_services
from tests.boards.conftest import LiveClient, run, text_of

pytestmark = pytest.mark.django_db(transaction=True)


def zone_of(board):
    return board.zones.first().pk


def test_turning_private_writing_off_sends_everyone_the_texts_at_once(world, board, cookies):
    zone = zone_of(board)

    async def scenario():
        facilitator, writer, other = (LiveClient(board.pk, cookies[r]) for r in ("facilitator", "member", "anchor"))
        for c in (facilitator, writer, other):
            assert await c.connect()
            await c.hello()
        await writer.op("card.add", {"zone": zone, "text": "Nobody asks the children"})
        [placeholder] = await other.events(1)
        assert placeholder["data"]["hidden"] is True
        ack = await facilitator.op("board.settings", {"private_writing": False})
        assert ack["type"] == "ack"
        updated, revealed = await other.events(2)
        assert updated["type"] == "board.updated" and updated["data"]["revealed"] is True
        assert revealed["type"] == "cards.revealed"
        assert [c["text"] for c in revealed["data"]["cards"]] == ["Nobody asks the children"]
        for c in (facilitator, writer, other):
            await c.close()

    run(scenario)


def test_a_retry_is_answered_as_a_replay_and_a_reused_id_for_another_change_is_refused(world, board, cookies):
    zone = zone_of(board)

    async def scenario():
        writer = LiveClient(board.pk, cookies["member"])
        assert await writer.connect()
        await writer.hello()
        first = await writer.op("card.add", {"zone": zone, "text": "Long waits for CAMHS"}, op_id="mine-1")
        again = await writer.op("card.add", {"zone": zone, "text": "Long waits for CAMHS"}, op_id="mine-1")
        assert first["replayed"] is False and again["replayed"] is True
        assert again["seq"] == first["seq"] and again["event"] == first["event"]
        other = await writer.op("card.add", {"zone": zone, "text": "Something else entirely"}, op_id="mine-1")
        assert other["type"] == "error" and other["code"] == "op_id_reused" and other["id"] == "mine-1"
        assert "nothing was applied" in other["message"]
        await writer.close()

    run(scenario)
    assert list(Card.objects.values_list("text", flat=True)) == ["Long waits for CAMHS"]


def test_the_same_operation_applied_twice_at_once_gets_the_same_answer_on_both(world, board):
    """Two processes apply the same client operation at the same moment (a client that reconnected to another
    process and sent it again): both wait for the board's lock, one applies it, and the other — whose check for an
    earlier delivery was made before the lock was granted — answers with the first result instead of failing."""
    member = world.people["member"]
    sent = board_services.submission(
        principal=member, op="card.add", data={"zone": zone_of(board), "text": "Once only"}, op_key="u:1:same"
    )
    results: dict[str, object] = {}
    ready = threading.Barrier(3)

    def deliver(name):
        ready.wait()
        try:
            [results[name]] = board_services.apply_many(board.pk, [sent])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver, args=(name,)) for name in ("a", "b")]
    with transaction.atomic(), connection.cursor() as cursor:  # hold the lock until both deliveries wait for it
        cursor.execute("SELECT seq FROM collab_livestream WHERE object_id = %s FOR UPDATE", [board.pk])
        for thread in threads:
            thread.start()
        ready.wait()
        _wait_for_lock_waiters(cursor, 2)
    for thread in threads:
        thread.join(timeout=30)
    a, b = results["a"], results["b"]
    assert isinstance(a, LiveEvent) and isinstance(b, LiveEvent), results
    assert a.seq == b.seq and a.pk == b.pk
    assert sorted([bool(getattr(a, "replayed", False)), bool(getattr(b, "replayed", False))]) == [False, True]
    assert Card.objects.filter(text="Once only").count() == 1


def _wait_for_lock_waiters(cursor, count: int) -> None:
    """Until `count` other sessions wait for a lock on this database (read from PostgreSQL, not guessed)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # within a transaction the view is read once otherwise
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        if cursor.fetchone()[0] >= count:
            return
    cursor.execute("SELECT wait_event_type, wait_event, state, left(query, 80) FROM pg_stat_activity")
    raise AssertionError(f"the deliveries never waited for the board's lock: {cursor.fetchall()}")


def test_a_quiet_client_catches_up_on_an_event_whose_broadcast_was_lost(world, board, cookies, monkeypatch):
    """A process commits an event and dies before broadcasting it; nothing else happens on the board. Every client
    still gets the event, from the stored events, within a couple of head checks."""
    monkeypatch.setattr(live.Fanout, "HEAD_CHECK", 0.2)
    zone = zone_of(board)

    async def scenario():
        watcher = LiveClient(board.pk, cookies["facilitator"])
        assert await watcher.connect()
        await watcher.hello()
        # The event is stored but its broadcast is lost, as when its process is killed before the frame goes out.
        with monkeypatch.context() as lost:
            lost.setattr(live.publisher, "publish", lambda group, item: None)
            await asyncio.to_thread(
                board_services.apply,
                principal=world.people["member"],
                board_id=board.pk,
                op="card.add",
                data={"zone": zone, "text": "Lost in transit"},
                op_key=None,
            )
        [event] = await watcher.events(1, timeout=3)
        assert event["type"] == "card.added" and text_of(event) == "Lost in transit"
        await watcher.close()

    run(scenario)


def test_a_pong_tells_a_quiet_client_the_boards_head(world, board, cookies):
    async def scenario():
        watcher = LiveClient(board.pk, cookies["member"])
        assert await watcher.connect()
        snapshot = await watcher.hello()
        head = snapshot["state"]["seq"] + 3
        await asyncio.to_thread(lambda: board_services.LiveStream.objects.filter(object_id=board.pk).update(seq=head))
        await watcher.communicator.send_json_to({"type": "ping", "id": 1})
        pong = await watcher.next("pong")
        assert pong["seq"] == head
        await watcher.close()

    run(scenario)


def test_a_process_sends_a_board_at_most_one_frame_per_window():
    """Each server process coalesces what it broadcasts to one board into at most one frame per `live.WINDOW`
    (about ten a second): 120 events published over more than a second, in a steady trickle, go out in a dozen
    frames or so, never one per event. (With several processes, each sends its own frames: a client may receive up
    to ten a second from each process that applies operations on its board.)"""
    sent: list[int] = []

    class Layer:
        async def group_send(self, group, message):
            sent.append(len(message["items"]))

    async def scenario():
        publisher = live.Publisher(window=0.1)
        publisher.attach(asyncio.get_running_loop())
        loop = asyncio.get_running_loop()
        started = loop.time()
        for seq in range(1, 121):
            publisher.publish("live.board.1", {"seq": seq})
            await asyncio.sleep(0.01)
        elapsed = loop.time() - started
        while publisher._pending or publisher._scheduled:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.05)
        return elapsed

    layer = Layer()
    original = live.get_channel_layer
    live.get_channel_layer = lambda: layer
    try:
        elapsed = async_to_sync(scenario)()
    finally:
        live.get_channel_layer = original
    assert sum(sent) == 120
    assert len(sent) <= elapsed / 0.1 + 2, f"{len(sent)} frames in {elapsed:.2f} s"
