"""A client that does not keep up (a phone on a poor network) holds up nobody else and does not make the server queue
without end: past a limit it is sent what it missed from the stored events instead (see the resync tests)."""

import asyncio

from collab.consumers import LiveConsumer


def test_a_connection_that_falls_behind_is_resynced_instead_of_queueing_without_end():
    async def flood():
        consumer = LiveConsumer()
        consumer.local, consumer.outbox = asyncio.Queue(), asyncio.Queue()
        consumer.holding, consumer.behind = None, False
        for seq in range(1, LiveConsumer.MAX_BACKLOG + 51):
            await consumer.deliver({"type": "live.batch", "items": [{"seq": seq}]})
        return consumer, [consumer.outbox.get_nowait() for _ in range(consumer.outbox.qsize())]

    consumer, waiting = asyncio.run(flood())

    assert consumer.behind
    assert [m["items"][0]["seq"] for m in waiting] == list(range(1, LiveConsumer.MAX_BACKLOG + 1))
    assert consumer.local.get_nowait() == {"type": "live.resync"}
    assert consumer.local.empty()
