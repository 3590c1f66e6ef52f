"""The workspace websocket through the full ASGI application: Origin check, session authentication, frames."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from collab.consumers import WorkspaceConsumer
from config.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def session_headers(user, origin="http://127.0.0.1:8000"):
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return [(b"cookie", cookie.encode()), (b"origin", origin.encode()), (b"host", b"127.0.0.1:8000")]


async def _talk(headers, frames):
    communicator = WebsocketCommunicator(application, "/ws/workspace/", headers=headers)
    connected, close_code = await communicator.connect()
    received = []
    if connected:
        received.append(await communicator.receive_json_from())
        for frame in frames:
            await communicator.send_to(text_data=frame)
            received.append(await communicator.receive_json_from())
        await communicator.disconnect()
    return connected, close_code, received


talk = async_to_sync(_talk)


def test_a_signed_in_person_is_greeted_with_their_collaboratives_and_gets_pongs(world):
    member = world.people["member"]
    connected, _, received = talk(session_headers(member), [json.dumps({"type": "ping", "id": 7})])
    assert connected
    hello, pong = received
    assert hello == {"type": "hello", "user": member.display_name, "collaboratives": [world.ours.pk]}
    assert pong == {"type": "pong", "id": 7}


def test_anonymous_connections_are_refused_with_a_reason():
    connected, close_code, _ = talk([(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")], [])
    assert not connected
    assert close_code == 4401


def test_another_sites_origin_is_refused(world):
    connected, _, _ = talk(session_headers(world.people["member"], origin="https://evil.example"), [])
    assert not connected


def test_bad_frames_get_an_error_frame_and_the_connection_stays_open(world):
    frames = ["not json", json.dumps(["ping"]), "x" * (70 * 1024), json.dumps({"type": "ping", "id": 1})]
    connected, _, received = talk(session_headers(world.people["observer"]), frames)
    assert connected
    assert [frame.get("code") for frame in received[1:4]] == ["bad_json", "unknown_type", "bad_frame"]
    assert received[4] == {"type": "pong", "id": 1}


def test_a_frame_nested_too_deeply_is_answered_and_the_connection_keeps_working(world):
    nested = "[" * 8000 + "]" * 8000
    connected, _, received = talk(
        session_headers(world.people["member"]), [nested, json.dumps({"type": "ping", "id": 2})]
    )
    assert connected
    assert received[1]["code"] == "bad_json"
    assert received[2] == {"type": "pong", "id": 2}


def test_a_frame_that_fails_unexpectedly_is_answered_and_the_connection_keeps_working(world, monkeypatch):
    receive = WorkspaceConsumer.receive
    calls = []

    async def flaky(self, text_data=None, bytes_data=None, **kwargs):
        calls.append(text_data)
        if len(calls) == 1:
            raise RuntimeError("could not read the frame")
        await receive(self, text_data, bytes_data, **kwargs)

    monkeypatch.setattr(WorkspaceConsumer, "receive", flaky)
    ping = json.dumps({"type": "ping", "id": 3})
    connected, _, received = talk(session_headers(world.people["member"]), [ping, ping])
    assert connected
    assert received[1]["type"] == "error" and received[1]["code"] == "server_error"
    assert received[2] == {"type": "pong", "id": 3}
