"""An open map stays current: the same live consumer as the boards, at /ws/live/systemmap/<map id>/, through the full
ASGI application (Origin check, sessions, consumer, Redis channel layer). Changes made over the websocket and
through the API both arrive as numbered events; sensitive evidence reaches only facilitators."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from collab import services
from collab.guests import GUEST_COOKIE, guest_cookie_value
from collab.models import Guest, GuestLink, Membership
from config.asgi import application
from systemmap.models import Element
from tests.boards.conftest import ORIGIN, LiveClient, session_cookie
from tests.factories import api_client_for
from tests.systemmap import builders as b

pytestmark = pytest.mark.django_db(transaction=True)


class MapClient(LiveClient):
    def __init__(self, map_id: int, cookie: str | None = None):
        super().__init__(map_id, cookie)
        headers = [(b"origin", ORIGIN), (b"host", b"127.0.0.1:8000")]
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        self.communicator = WebsocketCommunicator(application, f"/ws/live/systemmap/{map_id}/", headers=headers)


def run(coroutine_function):
    return async_to_sync(coroutine_function)()


@pytest.fixture
def cookies(world):
    return {role: session_cookie(person) for role, person in world.people.items()}


@pytest.fixture
def small(world):
    return b.small_map(world)


def api_as(world, who):
    return api_client_for(world.people[who])


def test_an_edit_over_the_websocket_reaches_everyone_with_the_map_open(world, small, cookies):
    map_, (a, b_, c, lonely), _ = small

    async def scenario():
        editor, watcher = MapClient(map_.pk, cookies["facilitator"]), MapClient(map_.pk, cookies["member"])
        assert await editor.connect() and await watcher.connect()
        snapshot = (await watcher.hello())["state"]
        assert len(snapshot["elements"]) == 4 and snapshot["me"]["can_edit"] is False
        await editor.hello()
        ack = await editor.op("element.add", {"label": "School nursing", "type": "service", "x": 10, "y": 20})
        assert ack["type"] == "ack" and ack["event"]["type"] == "element.added"
        [added] = await watcher.events(1)
        assert added["type"] == "element.added" and added["data"]["label"] == "School nursing"
        assert added["seq"] == snapshot["seq"] + 1
        await editor.op("element.move", {"element": a.pk, "x": 5.5, "y": -3})
        [moved] = await watcher.events(1)
        assert moved["data"] == {"positions": [{"id": a.pk, "x": 5.5, "y": -3.0}]}
        await editor.op("connection.add", {"source": a.pk, "target": lonely.pk, "polarity": "-"})
        [joined] = await watcher.events(1)
        assert joined["type"] == "connection.added" and joined["data"]["polarity"] == "-"
        await editor.close()
        await watcher.close()

    run(scenario)
    assert Element.objects.get(pk=a.pk).x == 5.5


def test_a_change_through_the_api_reaches_an_open_map_too(world, small, cookies):
    map_, (a, *_), _ = small

    async def scenario():
        watcher = MapClient(map_.pk, cookies["observer"])
        assert await watcher.connect()
        await watcher.hello()
        response = await database_sync_to_async(
            lambda: api_as(world, "anchor").patch(
                f"/api/v1/map-elements/{a.pk}/", {"label": "Long waits"}, format="json"
            )
        )()
        assert response.status_code == 200
        [updated] = await watcher.events(1)
        assert (updated["type"], updated["data"]["label"]) == ("element.updated", "Long waits")
        await watcher.close()

    run(scenario)


def test_sensitive_evidence_and_small_counts_reach_members_only_as_stubs(world, small, cookies):
    map_, (a, *_), _ = small

    async def scenario():
        facilitator, member = MapClient(map_.pk, cookies["facilitator"]), MapClient(map_.pk, cookies["member"])
        assert await facilitator.connect() and await member.connect()
        await facilitator.hello()
        await member.hello()
        secret = {
            "element": a.pk,
            "kind": "quote",
            "source_kind": "child",
            "attribution": "Year 9 pupil",
            "text": "Told in confidence",
            "sensitive": True,
        }
        await facilitator.op("evidence.add", secret)
        small_count = {"element": a.pk, "kind": "data_point", "source_kind": "data", "text": "Pupils", "count": 3}
        await facilitator.op("evidence.add", small_count)
        seen_by_member = await member.events(2)
        seen_by_facilitator = await facilitator.events(2)
        assert seen_by_member[0]["data"] == {
            "id": seen_by_member[0]["data"]["id"],
            "element": a.pk,
            "connection": None,
            "finding": None,
            "sensitive": True,
            "hidden": True,
        }
        assert (seen_by_member[1]["data"]["count"], seen_by_member[1]["data"]["count_display"]) == (
            None,
            "fewer than 5",
        )
        assert "Told in confidence" not in str(seen_by_member)
        assert seen_by_facilitator[0]["data"]["text"] == "Told in confidence"
        assert seen_by_facilitator[1]["data"]["count"] == 3
        late = MapClient(map_.pk, cookies["anchor"])
        assert await late.connect()
        snapshot = await late.hello()
        assert "Told in confidence" not in str(snapshot)
        for client in (facilitator, member, late):
            await client.close()

    run(scenario)


def test_those_who_may_not_edit_are_told_so_and_a_retried_op_is_applied_once(world, small, cookies):
    map_, (a, *_), _ = small

    async def scenario():
        member, editor = MapClient(map_.pk, cookies["member"]), MapClient(map_.pk, cookies["anchor"])
        assert await member.connect() and await editor.connect()
        refused = await member.op("element.add", {"label": "Mine", "type": "need"})
        assert refused["type"] == "error" and refused["code"] == "permission_denied"
        comment = await member.op("comment.add", {"body": "Is this the same in KS2?", "element": a.pk})
        assert comment["type"] == "ack" and comment["event"]["data"]["author"] == "Ashford Member"
        bad = await editor.op("element.add", {"label": "X", "type": "spaceship"})
        assert bad["type"] == "error" and "type" in bad["fields"]
        unknown = await editor.op("element.explode", {})
        assert unknown["type"] == "error" and "Known:" in unknown["message"]
        first = await editor.op("finding.add", {"title": "Waits"}, op_id="same")
        again = await editor.op("finding.add", {"title": "Waits"}, op_id="same")
        assert first["seq"] == again["seq"]
        await member.close()
        await editor.close()

    run(scenario)
    assert map_.findings.count() == 1


def test_a_page_that_reconnects_gets_what_it_missed(world, small, cookies):
    map_, (a, *_), _ = small

    async def scenario():
        reader = MapClient(map_.pk, cookies["member"])
        assert await reader.connect()
        seq = (await reader.hello())["state"]["seq"]
        await reader.close()
        editor = MapClient(map_.pk, cookies["facilitator"])
        assert await editor.connect()
        await editor.op("element.update", {"element": a.pk, "label": "Renamed"})
        await editor.op("element.remove", {"element": a.pk})
        back = MapClient(map_.pk, cookies["member"])
        assert await back.connect()
        missed = await back.hello(since=seq)
        assert [e["type"] for e in missed["events"]] == ["element.updated", "element.removed"]
        assert missed["events"][1]["data"]["id"] == a.pk and len(missed["events"][1]["data"]["connections"]) == 2
        await editor.close()
        await back.close()

    run(scenario)


def test_only_people_of_the_collaborative_open_its_map(world, small, cookies, board):
    map_, *_ = small
    link = GuestLink.objects.create(board=board, code="ABCDEFGH", created_by=world.people["facilitator"],
                                    expires_at=board.workshop.ends_at)  # fmt: skip
    guest = Guest.objects.create(link=link, board=board, display_name="Sam (parent)")
    guest_cookie = f"{GUEST_COOKIE}={guest_cookie_value(guest)}"

    async def scenario():
        outsider = MapClient(map_.pk, cookies["outsider"])
        assert not await outsider.connect() and outsider.close_code == 4404
        anonymous = MapClient(map_.pk)
        assert not await anonymous.connect() and anonymous.close_code == 4401
        visitor = MapClient(map_.pk, guest_cookie)
        assert not await visitor.connect() and visitor.close_code == 4404
        missing = MapClient(999999, cookies["facilitator"])
        assert not await missing.connect() and missing.close_code == 4404

    run(scenario)


def test_someone_whose_membership_ends_while_the_map_is_open_is_disconnected_from_it(world, small, cookies):
    map_, (a, *_), _ = small
    membership = Membership.objects.get(user=world.people["anchor"], collaborative=world.ours)

    async def scenario():
        anchor = MapClient(map_.pk, cookies["anchor"])
        assert await anchor.connect()
        await anchor.hello()
        assert (await anchor.op("element.move", {"element": a.pk, "x": 1, "y": 1}))["type"] == "ack"
        leave = database_sync_to_async(services.membership_leave)
        await leave(actor=world.people["facilitator"], membership=membership)
        assert await anchor.closed_by_server() == 4403

    run(scenario)
    assert Element.objects.get(pk=a.pk).x == 1


def test_a_frame_nested_too_deeply_is_answered_and_the_map_stays_open(world, small, cookies):
    map_ = small[0]

    async def scenario():
        editor = MapClient(map_.pk, cookies["facilitator"])
        assert await editor.connect()
        assert (await editor.send_raw("[" * 8000 + "]" * 8000))["code"] == "bad_json"
        assert (await editor.hello())["type"] == "snapshot"
        await editor.close()

    run(scenario)
