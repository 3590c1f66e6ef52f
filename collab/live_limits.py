"""How often one person may send each kind of message to one live object (a board, a map), across all their
connections and every server process.

A token bucket per (kind of object, object id, person, bucket): a bucket holds up to `burst` tokens, refills at
`per_second`, and each message takes one. With Redis (`settings.REDIS_URL`) the buckets live there and are updated
by one Lua script, atomically, in one round trip per message, so three tabs of one person on two processes share one
allowance. Without Redis (the embedded default, a single process) they live in the process; while Redis does not
answer (restarting), the process falls back to its own buckets for a few seconds rather than refuse or hold up the
room.

The limits are class attributes so a deployment or a test can change them:

| bucket | message | sustained | burst |
| --- | --- | --- | --- |
| `op` | a change (`op`) | `OPS_PER_SECOND` | `OPS_BURST` |
| `ping` | a heartbeat (`ping`) | `PING_PER_SECOND` | `PING_BURST` |
| `presence` | "I am writing" (`presence`) | `PRESENCE_PER_SECOND` | `PRESENCE_BURST` |
| `hello` | a replay or snapshot request (`hello`) | `HELLO_PER_SECOND` | `HELLO_BURST` |
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import types
import weakref

from django.conf import settings

log = logging.getLogger(__name__)

# KEYS[1]: the bucket; ARGV: per second, burst. Returns the seconds to wait, as a string ("0" when the message may
# go now): Lua numbers returned to Redis become integers. The clock is Redis's own, so processes on hosts whose
# clocks differ still share one bucket.
_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.max(0.001, (1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'at', string.format('%.6f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return string.format('%.3f', wait)
"""


class LiveLimits:
    OPS_PER_SECOND = 20.0
    OPS_BURST = 40
    PING_PER_SECOND = 1.0
    PING_BURST = 5
    PRESENCE_PER_SECOND = 2.0
    PRESENCE_BURST = 4
    HELLO_PER_SECOND = 1.0
    HELLO_BURST = 5

    REDIS_TIMEOUT = 0.5  # seconds a Redis call may take before this process uses its own buckets
    REDIS_PAUSE = 5.0  # seconds the process keeps to its own buckets after Redis failed to answer

    BUCKETS = {
        "op": ("OPS_PER_SECOND", "OPS_BURST"),
        "ping": ("PING_PER_SECOND", "PING_BURST"),
        "presence": ("PRESENCE_PER_SECOND", "PRESENCE_BURST"),
        "hello": ("HELLO_PER_SECOND", "HELLO_BURST"),
    }

    def __init__(self, redis_url: str | None = None, prefix: str | None = None) -> None:
        self.redis_url = redis_url
        self.prefix = prefix
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, object] = weakref.WeakKeyDictionary()
        self._local: dict[str, tuple[float, float]] = {}  # key: (tokens, monotonic time of the last update)
        self._redis_down_until = 0.0

    def limit(self, bucket: str) -> tuple[float, float]:
        """(per second, burst) of a bucket."""
        rate, burst = self.BUCKETS[bucket]
        return float(getattr(self, rate)), float(getattr(self, burst))

    async def take(self, kind: str, object_id: int, person: str, bucket: str) -> float:
        """Take one token for this person's message: 0 if it may go now, else the seconds until it may."""
        key = f"{self._prefix()}live.limit.{kind}.{int(object_id)}.{person}.{bucket}"
        rate, burst = self.limit(bucket)
        url = self._url()
        if url and time.monotonic() >= self._redis_down_until:
            try:
                async with asyncio.timeout(self.REDIS_TIMEOUT):
                    return float(await self._script(url)(keys=[key], args=[rate, burst]))
            except Exception as error:  # Redis restarting or slow: this process counts on its own meanwhile
                log.warning("Live limits use this process's own counts for a while: Redis did not answer (%r)", error)
                self._redis_down_until = time.monotonic() + self.REDIS_PAUSE
        return self._take_local(key, rate, burst)

    def _take_local(self, key: str, rate: float, burst: float) -> float:
        now = time.monotonic()
        tokens, at = self._local.get(key, (burst, now))
        tokens = min(burst, tokens + (now - at) * rate)
        if len(self._local) > 10_000:  # forget buckets long full again, so the table does not grow for ever
            self._local = {k: v for k, v in self._local.items() if now - v[1] < 60}
        if tokens >= 1:
            self._local[key] = (tokens - 1, now)
            return 0.0
        self._local[key] = (tokens, now)
        return max(0.001, round((1 - tokens) / rate, 3))

    def _url(self) -> str | None:
        return self.redis_url if self.redis_url is not None else getattr(settings, "REDIS_URL", None)

    def _prefix(self) -> str:
        if self.prefix is not None:
            return self.prefix
        # The channel layer's prefix: deployments sharing one Redis (and parallel test workers) keep apart.
        config = settings.CHANNEL_LAYERS.get("default", {}).get("CONFIG", {})
        return f"{config.get('prefix', 'collab')}:"

    def _script(self, url: str):
        """The script on a client of the running event loop (a redis.asyncio client belongs to one loop)."""
        loop = asyncio.get_running_loop()
        script = self._clients.get(loop)
        if script is None:
            from redis.asyncio import Redis

            client = Redis.from_url(url, socket_timeout=self.REDIS_TIMEOUT, socket_connect_timeout=self.REDIS_TIMEOUT)
            script = self._clients[loop] = client.register_script(_TAKE)
            _close_with(loop, client)
        return script


def _close_with(loop: asyncio.AbstractEventLoop, client) -> None:
    """Close the client's connections as its event loop closes (a server has one loop; tests start one per scenario),
    as channels_redis does for its own."""
    original = loop.close

    def close(self, *args, **kwargs):
        self.close = original
        if not self.is_running():
            with contextlib.suppress(Exception):  # the loop is going away; so are its sockets
                self.run_until_complete(client.aclose())
        return original(*args, **kwargs)

    loop.close = types.MethodType(close, loop)


limits = LiveLimits()
