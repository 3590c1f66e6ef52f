"""Websocket clients of a board through the full ASGI app (the `workshop` and `board` fixtures are shared)."""

import asyncio
import itertools
import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from collab.guests import GUEST_COOKIE, guest_cookie_value
from collab.models import Guest
from config.asgi import application

ORIGIN = b"http://127.0.0.1:8000"


def run(coroutine_function):
    """Run a scenario (an async function of no arguments) to its end, from a test."""
    return async_to_sync(coroutine_function)()


@pytest.fixture
def cookies(world):
    """Session cookies per role, made before any event loop runs (sessions live in the database)."""
    return {role: session_cookie(person) for role, person in world.people.items()}


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def guest_cookie(guest: Guest) -> str:
    return f"{GUEST_COOKIE}={guest_cookie_value(guest)}"


class LiveClient:
    """A websocket participant on one board, as a browser would be: it remembers frames it has not looked at yet."""

    _ids = itertools.count(1)

    def __init__(self, board_id: int, cookie: str | None = None, origin: bytes = ORIGIN):
        headers = [(b"origin", origin), (b"host", b"127.0.0.1:8000")]
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        self.communicator = WebsocketCommunicator(application, f"/ws/live/board/{board_id}/", headers=headers)
        self.frames: list[dict] = []
        self.close_code = None

    async def connect(self) -> bool:
        connected, code = await self.communicator.connect(timeout=5)
        self.close_code = code
        if connected:
            await self.next("welcome")
        return connected

    async def receive(self, timeout: float = 3) -> dict:
        return await self.communicator.receive_json_from(timeout=timeout)

    async def next(self, type: str, timeout: float = 3, **match) -> dict:
        """The next frame of `type` (and matching fields), keeping others for later inspection."""
        for i, frame in enumerate(self.frames):
            if frame.get("type") == type and all(frame.get(k) == v for k, v in match.items()):
                return self.frames.pop(i)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"no {type} frame {match or ''}; had {self.frames}")
            frame = await self.receive(timeout=remaining)
            if frame.get("type") == type and all(frame.get(k) == v for k, v in match.items()):
                return frame
            self.frames.append(frame)

    async def hello(self, since=None) -> dict:
        await self.communicator.send_json_to({"type": "hello", "since": since})
        while True:
            frame = await self.receive()
            if frame["type"] in ("snapshot", "events"):
                return frame
            self.frames.append(frame)

    async def send_op(self, op: str, data: dict | None = None, op_id: str | None = None) -> str:
        op_id = op_id or f"op-{next(self._ids)}"
        await self.communicator.send_json_to({"type": "op", "id": op_id, "op": op, "data": data or {}})
        return op_id

    async def op(self, op: str, data: dict | None = None, op_id: str | None = None) -> dict:
        """Send an operation and return its ack or error frame."""
        op_id = await self.send_op(op, data, op_id)
        while True:
            for i, frame in enumerate(self.frames):
                if frame.get("id") == op_id and frame["type"] in ("ack", "error"):
                    return self.frames.pop(i)
            frame = await self.receive()
            if frame.get("id") == op_id and frame["type"] in ("ack", "error"):
                return frame
            self.frames.append(frame)

    async def send_raw(self, text: str) -> dict:
        await self.communicator.send_to(text_data=text)
        return await self.next("error")

    async def events(self, count: int, timeout: float = 3) -> list[dict]:
        """The next `count` events, whether they arrive in batches or replays, in the order received."""
        found: list[dict] = []
        deadline = asyncio.get_running_loop().time() + timeout
        while len(found) < count:
            kept = []
            for frame in self.frames:
                if frame["type"] in ("batch", "events"):
                    found.extend(frame["events"])
                else:
                    kept.append(frame)
            self.frames = kept
            if len(found) >= count:
                break
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"expected {count} events, got {found}")
            self.frames.append(await self.receive(timeout=remaining))
        return found

    async def closed_by_server(self, timeout: float = 3) -> int:
        """Wait for the server to close the connection (skipping frames sent before); the close code."""
        while True:
            output = await self.communicator.receive_output(timeout=timeout)
            if output["type"] == "websocket.close":
                return output["code"]

    async def close(self) -> None:
        await self.communicator.disconnect()


def text_of(frame_or_event: dict) -> str | None:
    return (frame_or_event.get("data") or {}).get("text")


def dumps(value) -> str:
    return json.dumps(value)
