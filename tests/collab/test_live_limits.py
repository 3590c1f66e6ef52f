"""The live rate limiter on its own: the buckets in Redis are shared by every process (two limiters here stand for
two server processes); without Redis, or while it does not answer, each process counts on its own."""

import uuid

from asgiref.sync import async_to_sync
from django.conf import settings

from collab.live_limits import LiveLimits


class Slow(LiveLimits):
    OPS_PER_SECOND = 0.01
    OPS_BURST = 4


def takes(limiters: list[LiveLimits], count: int, person: str = "u:1") -> list[float]:
    async def go():
        return [await limiters[n % len(limiters)].take("board", 7, person, "op") for n in range(count)]

    return async_to_sync(go)()


def test_two_processes_share_one_allowance_through_redis():
    prefix = f"test-{uuid.uuid4().hex}:"
    first, second = Slow(redis_url=settings.REDIS_URL, prefix=prefix), Slow(redis_url=settings.REDIS_URL, prefix=prefix)
    waits = takes([first, second], 8)
    assert waits[:4] == [0, 0, 0, 0]
    assert all(0 < wait <= 100 for wait in waits[4:])  # one token takes 100 s at 0.01 a second
    # Another person's allowance is untouched.
    assert takes([first], 1, person="u:2") == [0]


def test_without_redis_each_process_counts_on_its_own():
    first, second = Slow(redis_url=""), Slow(redis_url="")
    waits = takes([first], 6)
    assert waits[:4] == [0, 0, 0, 0] and all(wait > 0 for wait in waits[4:])
    assert takes([second], 1) == [0]


def test_while_redis_does_not_answer_the_process_still_limits():
    unreachable = Slow(redis_url="redis://127.0.0.1:1/0")
    waits = takes([unreachable], 6)
    assert waits[:4] == [0, 0, 0, 0] and all(wait > 0 for wait in waits[4:])
