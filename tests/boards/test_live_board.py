"""The board protocol through the full ASGI application (Origin check, sessions, guest cookie, consumer, Redis
channel layer): ordering, retries, catch-up, private writing, votes under concurrency, permissions, bad frames."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async

from collab import live, services
from collab.live_limits import LiveLimits
from collab.models import Card, Guest, Membership, Vote
from collab.services import boards as board_services
from tests.boards.conftest import LiveClient, guest_cookie, run, text_of

pytestmark = pytest.mark.django_db(transaction=True)


def client(board, cookie):
    return LiveClient(board.pk, cookie)


def zone_of(board):
    return board.zones.first().pk


def test_private_cards_are_withheld_by_the_server_until_revealed(world, board, cookies):
    zone = zone_of(board)

    async def scenario():
        facilitator, writer, other = (client(board, cookies[r]) for r in ("facilitator", "member", "anchor"))
        for c in (facilitator, writer, other):
            assert await c.connect()
            await c.hello()
        ack = await writer.op("card.add", {"zone": zone, "text": "Referrals arrive without the right information"})
        assert ack["type"] == "ack" and text_of(ack["event"]) == "Referrals arrive without the right information"
        [seen_by_other] = await other.events(1)
        [seen_by_facilitator] = await facilitator.events(1)
        assert seen_by_other["type"] == "card.added"
        assert seen_by_other["data"] == {
            "id": seen_by_other["data"]["id"],
            "zone": zone,
            "group": None,
            "hidden": True,
            "position": 1.0,
        }
        assert "Referrals" not in json.dumps(seen_by_other)
        assert text_of(seen_by_facilitator) == "Referrals arrive without the right information"
        # A fresh snapshot withholds it too.
        late = client(board, cookies["observer"])
        assert await late.connect()
        snapshot = await late.hello()
        assert [c.get("hidden") for c in snapshot["state"]["cards"]] == [True]
        assert "Referrals" not in json.dumps(snapshot)
        await facilitator.op("cards.reveal")
        [revealed] = await other.events(1)
        assert revealed["type"] == "cards.revealed"
        assert [c["text"] for c in revealed["data"]["cards"]] == ["Referrals arrive without the right information"]
        for c in (facilitator, writer, other, late):
            await c.close()

    run(scenario)


def test_events_arrive_in_sequence_and_a_retried_operation_is_applied_once(world, board, cookies):
    zone = zone_of(board)

    async def scenario():
        writer, watcher = client(board, cookies["member"]), client(board, cookies["facilitator"])
        for c in (writer, watcher):
            assert await c.connect()
            await c.hello()
        first = await writer.op("card.add", {"zone": zone, "text": "Waiting lists for CAMHS"}, op_id="same-id")
        again = await writer.op("card.add", {"zone": zone, "text": "Waiting lists for CAMHS"}, op_id="same-id")
        assert first["seq"] == again["seq"]
        for n in range(5):
            await writer.send_op("card.add", {"zone": zone, "text": f"Idea {n}"})
        events = await watcher.events(6)
        seqs = [e["seq"] for e in events]
        assert seqs == sorted(seqs) and len(set(seqs)) == 6 and seqs[-1] - seqs[0] == 5
        await writer.close()
        await watcher.close()

    run(scenario)
    assert Card.objects.filter(board=board, text="Waiting lists for CAMHS").count() == 1


def test_a_client_that_reconnects_gets_what_it_missed_or_a_snapshot_when_far_behind(world, board, monkeypatch, cookies):
    zone = zone_of(board)

    async def scenario():
        writer, reader = client(board, cookies["member"]), client(board, cookies["facilitator"])
        assert await writer.connect() and await reader.connect()
        await writer.hello()
        snapshot = await reader.hello()
        last_seen = snapshot["state"]["seq"]
        await reader.close()  # the network drops
        for n in range(3):
            await writer.op("card.add", {"zone": zone, "text": f"Missed {n}"})
        back = client(board, cookies["facilitator"])
        assert await back.connect()
        caught_up = await back.hello(since=last_seen)
        assert caught_up["type"] == "events"
        assert [text_of(e) for e in caught_up["events"]] == ["Missed 0", "Missed 1", "Missed 2"]
        assert [e["seq"] for e in caught_up["events"]] == [last_seen + 1, last_seen + 2, last_seen + 3]
        monkeypatch.setattr(live, "REPLAY_LIMIT", 2)
        far = await back.hello(since=last_seen)
        assert far["type"] == "snapshot"
        assert sorted(c["text"] for c in far["state"]["cards"]) == ["Missed 0", "Missed 1", "Missed 2"]
        assert far["state"]["seq"] == last_seen + 3
        for c in (writer, back):
            await c.close()

    run(scenario)


def test_the_vote_budget_holds_under_concurrent_votes(world, board, cookies):
    zone = zone_of(board)

    async def scenario():
        facilitator, voter = client(board, cookies["facilitator"]), client(board, cookies["member"])
        assert await facilitator.connect() and await voter.connect()
        cards = [
            (await facilitator.op("card.add", {"zone": zone, "text": f"Option {n}"}))["event"]["data"]["id"]
            for n in range(3)
        ]
        await facilitator.op("cards.reveal")
        await facilitator.op("phase.set", {"phase": "vote"})
        # Ten votes at once: a budget of 3, and at most 2 on one card.
        order = [0, 0, 0, 1, 1, 2, 2, 0, 1, 2]
        ids = [await voter.send_op("vote.add", {"card": cards[n]}) for n in order]
        results = []
        for op_id in ids:
            while True:
                found = next((f for f in voter.frames if f.get("id") == op_id), None)
                if found:
                    voter.frames.remove(found)
                    results.append(found)
                    break
                voter.frames.append(await voter.receive())
        acks = [r for r in results if r["type"] == "ack"]
        errors = [r["message"] for r in results if r["type"] == "error"]
        assert len(acks) == 3
        assert any("all 3 of your votes" in m for m in errors)
        assert any("at most 2 votes on one card" in m for m in errors)
        assert acks[-1]["event"]["data"]["remaining"] == 0
        await facilitator.close()
        await voter.close()

    run(scenario)
    assert Vote.objects.filter(board=board).count() == 3


def test_a_room_voting_at_once_gets_every_vote_counted_once_and_in_the_same_order(world, board, cookies):
    """Twelve people spend their votes at the same moment (the board's lane applies them in batches): each keeps to
    the budget, and everyone sees the same numbered events with the running total."""
    zone = zone_of(board)
    board.vote_budget, board.vote_cap_per_card = 2, 2
    board.save()
    link = board_services.guest_link_create(actor=world.people["facilitator"], board=board, hours=2)
    guests = [board_services.guest_join(code=link.code, display_name=f"Guest {n}") for n in range(12)]

    async def scenario():
        facilitator = client(board, cookies["facilitator"])
        room = [LiveClient(board.pk, guest_cookie(guest)) for guest in guests]
        assert await facilitator.connect()
        option = (await facilitator.op("card.add", {"zone": zone, "text": "Quiet room at lunch"}))["event"]["data"]
        await facilitator.op("cards.reveal")
        phase = await facilitator.op("phase.set", {"phase": "vote"})
        for person in room:
            assert await person.connect()
            await person.hello(since=phase["seq"])
        # Three votes each with a budget of two, all sent before any answer comes back.
        sent = [[await person.send_op("vote.add", {"card": option["id"]}) for _ in range(3)] for person in room]
        for person, op_ids in zip(room, sent, strict=True):
            answers = [
                await person.next("ack", id=op_id) if n < 2 else await person.next("error", id=op_id)
                for n, op_id in enumerate(op_ids)
            ]
            assert "all 2 of your votes" in answers[2]["message"]
        votes = list(range(phase["seq"] + 1, phase["seq"] + 25))
        for person in room:  # a frame still on its way as someone joined may repeat what came before: skipped
            seen = [event for event in await person.events(24) if event["seq"] > phase["seq"]]
            while len(seen) < 24:
                seen += await person.events(1)
            assert [event["seq"] for event in seen] == votes
            assert [event["data"]["cast"] for event in seen] == list(range(1, 25))
        for person in (facilitator, *room):
            await person.close()

    run(scenario)
    assert Vote.objects.filter(board=board).count() == 24


def test_someone_whose_membership_ends_mid_workshop_is_disconnected_from_the_board(world, board, cookies):
    zone = zone_of(board)
    membership = Membership.objects.get(user=world.people["member"], collaborative=world.ours)

    async def scenario():
        member, facilitator = client(board, cookies["member"]), client(board, cookies["facilitator"])
        assert await member.connect() and await facilitator.connect()
        assert (await member.op("card.add", {"zone": zone, "text": "Before I left"}))["type"] == "ack"
        leave = database_sync_to_async(services.membership_leave)
        await leave(actor=world.people["facilitator"], membership=membership)
        assert await member.closed_by_server() == 4403
        # The facilitator's connection checked again too, and stays.
        assert (await facilitator.op("card.add", {"zone": zone, "text": "Still here"}))["type"] == "ack"
        assert not await client(board, cookies["member"]).connect()
        await facilitator.close()

    run(scenario)


def test_someone_made_an_observer_mid_workshop_is_told_and_can_only_follow(world, board, cookies):
    zone = zone_of(board)
    membership = Membership.objects.get(user=world.people["member"], collaborative=world.ours)

    async def scenario():
        member = client(board, cookies["member"])
        assert await member.connect()
        update = database_sync_to_async(services.membership_update)
        await update(actor=world.people["facilitator"], membership=membership, role="observer")
        welcome = await member.next("welcome")
        assert welcome["me"]["can_write"] is False
        reply = await member.op("card.add", {"zone": zone, "text": "Still a member?"})
        assert reply["type"] == "error" and reply["code"] == "permission_denied"
        await member.close()

    run(scenario)
    assert not Card.objects.exists()


def test_observers_read_but_cannot_write(world, board, cookies):
    zone = zone_of(board)

    async def scenario():
        observer = client(board, cookies["observer"])
        assert await observer.connect()
        snapshot = await observer.hello()
        assert snapshot["state"]["me"]["can_write"] is False
        reply = await observer.op("card.add", {"zone": zone, "text": "Hello"})
        assert reply["type"] == "error" and reply["code"] == "permission_denied"
        await observer.close()

    run(scenario)
    assert not Card.objects.exists()


@pytest.mark.parametrize("who, code", [("outsider", 4404), (None, 4401)])
def test_other_localities_and_anonymous_people_are_refused(world, board, who, code, cookies):
    async def scenario():
        stranger = LiveClient(board.pk, cookies[who] if who else None)
        assert not await stranger.connect()
        assert stranger.close_code == code

    run(scenario)


def test_another_sites_origin_is_refused(world, board, cookies):
    async def scenario():
        c = LiveClient(board.pk, cookies["member"], origin=b"https://evil.example")
        assert not await c.connect()

    run(scenario)


def test_guests_take_part_on_their_board_only_until_the_link_is_withdrawn(world, board, workshop):
    zone = zone_of(board)
    link = board_services.guest_link_create(actor=world.people["facilitator"], board=board, hours=2)
    guest = board_services.guest_join(code=link.code.lower(), display_name="Sam (parent)")
    other_board = board_services.board_create(actor=world.people["facilitator"], workshop=workshop, title="Other")

    async def scenario():
        visitor = LiveClient(board.pk, guest_cookie(guest))
        assert await visitor.connect()
        ack = await visitor.op("card.add", {"zone": zone, "text": "Nobody explained the exclusion to us"})
        assert ack["type"] == "ack"
        elsewhere = LiveClient(other_board.pk, guest_cookie(guest))
        assert not await elsewhere.connect()
        assert elsewhere.close_code == 4404
        await asyncio.sleep(0)
        from channels.db import database_sync_to_async

        await database_sync_to_async(board_services.guest_link_revoke)(actor=world.people["facilitator"], link=link)
        assert await visitor.closed_by_server() == 4403
        again = LiveClient(board.pk, guest_cookie(guest))
        assert not await again.connect()

    run(scenario)
    assert Card.objects.get().author.display_name == "Sam (parent)"
    assert Guest.objects.count() == 1


def test_bad_frames_get_a_reason_change_nothing_and_keep_the_connection(world, board, cookies):
    zone = zone_of(board)

    async def scenario():
        member = client(board, cookies["member"])
        assert await member.connect()
        assert (await member.send_raw("{not json"))["code"] == "bad_json"
        assert (await member.send_raw(json.dumps(["op"])))["code"] == "bad_frame"
        assert (await member.send_raw(json.dumps({"type": "dance"})))["code"] == "unknown_type"
        assert (await member.send_raw("x" * 20000))["code"] == "too_large"
        unknown = await member.op("card.fly", {})
        assert unknown["type"] == "error" and "Unknown operation" in unknown["message"]
        too_long = await member.op("card.add", {"zone": zone, "text": "x" * 501})
        assert too_long["fields"]["text"] and "500" in too_long["fields"]["text"][0]
        wrong_type = await member.op("card.add", {"zone": "first", "text": "Hi"})
        assert "zone" in wrong_type["fields"]
        extra = await member.op("card.add", {"zone": zone, "text": "Hi", "author": "someone else"})
        assert "Unexpected field" in extra["message"]
        elsewhere = await member.op("card.add", {"zone": 10**9, "text": "Hi"})
        assert elsewhere["fields"]["zone"] == ["That area is not on this board."]
        still_here = await member.op("card.add", {"zone": zone, "text": "Still connected"})
        assert still_here["type"] == "ack"
        await member.close()

    run(scenario)
    assert list(Card.objects.values_list("text", flat=True)) == ["Still connected"]


def test_a_flood_of_operations_is_rate_limited_with_a_clear_message(world, board, cookies, monkeypatch):
    # A slow refill keeps the test independent of how fast this machine applies operations.
    monkeypatch.setattr(LiveLimits, "OPS_PER_SECOND", 0.1)
    monkeypatch.setattr(LiveLimits, "OPS_BURST", 5)
    zone = zone_of(board)

    async def collect():
        member = client(board, cookies["member"])
        assert await member.connect()
        ids = [await member.send_op("card.add", {"zone": zone, "text": f"Card {n}"}) for n in range(20)]
        replies = {}
        while len(replies) < len(ids):
            frame = await member.receive(timeout=5)
            if frame.get("id") in ids:
                replies[frame["id"]] = frame
        await member.close()
        return replies

    replies = run(collect)
    limited = [r for r in replies.values() if r["type"] == "error"]
    assert len(limited) >= 10 and all(r["code"] == "rate_limited" for r in limited)
    assert "Too many changes at once" in limited[0]["message"]
    assert Card.objects.count() == 20 - len(limited)
