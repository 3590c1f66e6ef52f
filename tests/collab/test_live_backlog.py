"""A client that does not keep up (a phone on a poor network) holds up nobody else and does not make the server queue
without end: its frames wait for its own writer, and past a limit it is sent what it missed from the stored events
instead (see the resync tests)."""

import asyncio
import json

from collab import live
from collab.consumers import LiveConsumer


def participant(send) -> LiveConsumer:
    """A consumer as `LiveConsumer.__call__` sets it up, minus its writer task, sending through `send`."""
    consumer = LiveConsumer()
    consumer.base_send = send
    consumer.local, consumer.outbox = asyncio.Queue(), asyncio.Queue()
    consumer.holding, consumer.behind, consumer.slow = None, False, False
    consumer.viewer = live.Viewer(key="u:1", display_name="Sam", can_write=True, moderator=False)
    consumer.forwarded = 0
    return consumer


def frame(seq: int) -> dict:
    event = {"seq": seq, "type": "card.moved", "payload": {"id": 1}, "redacted": None, "audience": "", "actor": "u:2"}
    return {"type": "live.batch", "items": [{**event, "at": "2026-12-05T10:00:00+00:00"}]}


def test_a_client_that_stops_reading_holds_up_nobody_and_is_resynced_instead_of_queueing_without_end(monkeypatch):
    monkeypatch.setattr(live.Fanout, "STALL", 0.01)
    frames = LiveConsumer.MAX_BACKLOG + 50

    async def workshop():
        received: list[int] = []

        async def keeps_up(message):
            received.extend(event["seq"] for event in json.loads(message["text"])["events"])

        async def never_reads(message):
            await asyncio.Event().wait()  # its network buffer is full: the send never completes

        slow, fast = participant(never_reads), participant(keeps_up)
        fanout = live.Fanout()
        for seq in range(1, frames + 1):
            await fanout.hand_out({slow, fast}, frame(seq))
        return slow, fast, received

    slow, fast, received = asyncio.run(workshop())

    assert received == list(range(1, frames + 1)), "the participant who keeps up gets every frame, in order"
    assert not fast.slow and fast.outbox.empty()
    # The first frame to the slow client was cut short; the next ones queued for its writer, up to the limit.
    assert slow.slow and slow.behind
    waiting = [slow.outbox.get_nowait()["items"][0]["seq"] for _ in range(slow.outbox.qsize())]
    assert waiting == list(range(2, LiveConsumer.MAX_BACKLOG + 2))
    assert slow.local.get_nowait() == {"type": "live.resync"}
    assert slow.local.empty()


def test_the_writer_catches_a_slow_client_up_in_order_and_then_it_is_sent_to_directly_again():
    async def workshop():
        sent: list[int] = []
        network = asyncio.Event()

        async def slow_then_fine(message):
            await network.wait()
            sent.extend(event["seq"] for event in json.loads(message["text"])["events"])

        consumer = participant(slow_then_fine)
        consumer.slow = True
        writer = asyncio.get_running_loop().create_task(consumer._write())
        for seq in (1, 2, 3):
            await consumer.deliver(frame(seq))
        network.set()
        while not consumer.outbox.empty() or consumer.slow:
            await asyncio.sleep(0.01)
        await consumer.deliver(frame(4))  # straight to the client now
        writer.cancel()
        return consumer, sent

    consumer, sent = asyncio.run(workshop())

    assert sent == [1, 2, 3, 4]
    assert not consumer.slow and not consumer.behind
