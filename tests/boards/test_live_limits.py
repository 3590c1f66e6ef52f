"""How often one person may send operations, heartbeats and catch-up requests to a board, counted across all their
connections (through the full ASGI application, with the counts in Redis). Limits are set low and refill slowly so
the tests do not depend on how fast this machine is."""

import pytest

from collab import live
from collab.live_limits import LiveLimits
from collab.models import Card
from tests.boards.conftest import LiveClient, run

pytestmark = pytest.mark.django_db(transaction=True)


def low(monkeypatch, bucket: str, burst: int) -> None:
    rate, size = LiveLimits.BUCKETS[bucket]
    monkeypatch.setattr(LiveLimits, rate, 0.01)
    monkeypatch.setattr(LiveLimits, size, burst)


async def answers(person: LiveClient, ids: list, types: tuple[str, ...]) -> dict:
    """The answer to each of `ids` (frames of `types` with that id), by id."""
    found = {}
    while len(found) < len(ids):
        for frame in list(person.frames):
            if frame.get("id") in ids and frame["type"] in types:
                found[frame["id"]] = frame
                person.frames.remove(frame)
        if len(found) < len(ids):
            person.frames.append(await person.receive(timeout=5))
    return found


def test_three_connections_of_one_person_share_one_allowance_of_changes(world, board, cookies, monkeypatch):
    low(monkeypatch, "op", burst=6)
    zone = board.zones.first().pk

    async def scenario():
        tabs = [LiveClient(board.pk, cookies["member"]) for _ in range(3)]
        for tab in tabs:
            assert await tab.connect()
        sent = {
            tab: [await tab.send_op("card.add", {"zone": zone, "text": f"Idea {n}"}) for n in range(4)] for tab in tabs
        }
        replies = [reply for tab in tabs for reply in (await answers(tab, sent[tab], ("ack", "error"))).values()]
        for tab in tabs:
            await tab.close()
        return replies

    replies = run(scenario)
    refused = [r for r in replies if r["type"] == "error"]
    assert len(refused) == 6
    assert all(r["code"] == "rate_limited" and r["retry_after"] > 0 for r in refused)
    assert "Too many changes at once" in refused[0]["message"]
    assert Card.objects.count() == 6


def test_another_person_on_the_same_board_keeps_their_own_allowance(world, board, cookies, monkeypatch):
    low(monkeypatch, "op", burst=2)
    zone = board.zones.first().pk

    async def scenario():
        busy, other = LiveClient(board.pk, cookies["member"]), LiveClient(board.pk, cookies["anchor"])
        assert await busy.connect() and await other.connect()
        results = [(await busy.op("card.add", {"zone": zone, "text": f"Mine {n}"}))["type"] for n in range(3)]
        assert results == ["ack", "ack", "error"]
        assert (await other.op("card.add", {"zone": zone, "text": "Theirs"}))["type"] == "ack"
        await busy.close()
        await other.close()

    run(scenario)
    assert sorted(Card.objects.values_list("text", flat=True)) == ["Mine 0", "Mine 1", "Theirs"]


def test_a_flood_of_heartbeats_is_refused_rather_than_written_down_each_time(world, board, cookies, monkeypatch):
    low(monkeypatch, "ping", burst=3)
    kind = live.kind_named("board")
    writes = []
    seen = kind.seen

    def counted(*args, **kwargs):
        writes.append(1)
        return seen(*args, **kwargs)

    monkeypatch.setattr(kind, "seen", counted)

    async def scenario():
        member = LiveClient(board.pk, cookies["member"])
        assert await member.connect()
        for n in range(10):
            await member.communicator.send_json_to({"type": "ping", "id": n})
        replies = await answers(member, list(range(10)), ("pong", "error"))
        await member.close()
        return replies

    replies = run(scenario)
    assert [replies[n]["type"] for n in range(10)] == ["pong"] * 3 + ["error"] * 7
    assert {replies[n]["code"] for n in range(3, 10)} == {"rate_limited"}
    assert len(writes) <= 1


def test_asking_to_catch_up_over_and_over_is_refused_instead_of_sending_snapshots(world, board, cookies, monkeypatch):
    low(monkeypatch, "hello", burst=2)

    async def scenario():
        member = LiveClient(board.pk, cookies["member"])
        assert await member.connect()
        for _ in range(6):
            await member.communicator.send_json_to({"type": "hello", "since": None})
        frames = []
        while len(frames) < 6:  # skipping presence batches
            frame = await member.receive()
            if frame["type"] in ("snapshot", "error"):
                frames.append(frame)
        await member.close()
        return frames

    frames = run(scenario)
    assert [f["type"] for f in frames].count("snapshot") == 2
    refused = [f for f in frames if f["type"] == "error"]
    assert len(refused) == 4 and all(f["code"] == "rate_limited" and f["retry_after"] > 0 for f in refused)


def test_writing_signals_are_limited_per_person(world, board, cookies, monkeypatch):
    low(monkeypatch, "presence", burst=2)

    async def scenario():
        tabs = [LiveClient(board.pk, cookies["member"]) for _ in range(2)]
        for tab in tabs:
            assert await tab.connect()
        for tab in tabs:
            await tab.communicator.send_json_to({"type": "presence", "writing": True})
            await tab.communicator.send_json_to({"type": "presence", "writing": True})
        refused = [await tab.next("error") for tab in tabs]
        for tab in tabs:
            await tab.close()
        return refused

    refused = run(scenario)
    assert {f["code"] for f in refused} == {"rate_limited"}
