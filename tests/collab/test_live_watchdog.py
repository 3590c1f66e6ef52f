"""The channel-layer watchdog (`live.Fanout`) must stop when its task is cancelled, whatever it was doing: a server
shutting down (or a test's event loop closing) cancels every task once and waits for them all."""

import asyncio

from collab import live


class _Redis:
    async def set(self, key, value, ex=None, get=False):
        return b"1"


class _RedisLayer:
    """What the watchdog uses of channels_redis' layer."""

    prefix = "test:"
    client_prefix = "process"
    ring_size = 1

    def connection(self, index):
        return _Redis()


def test_the_watchdog_stops_when_cancelled_at_the_moment_it_is_woken():
    async def shutdown():
        loop = asyncio.get_running_loop()
        fanout = live.Fanout()
        fanout.feeds["live.board.1"] = live._Feed("live.board.1", "channel", loop, members={object()})
        fanout._watch(_RedisLayer(), loop)
        await asyncio.sleep(0.01)  # the watchdog is waiting for its next check
        fanout.lost()  # a Redis call failed: wake it ...
        fanout._watchdog.cancel()  # ... as the server shuts down
        done, _ = await asyncio.wait({fanout._watchdog}, timeout=2)
        return fanout._watchdog in done and fanout._watchdog.cancelled()

    assert asyncio.run(shutdown()), "the watchdog went on checking after it was cancelled"
