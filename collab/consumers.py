"""Websocket consumers of the core.

`WorkspaceConsumer` is the signed-in person's own channel: it greets them with what they can see and answers pings,
so a page can tell whether its live connection is up. Live objects (boards, maps) get consumers of their own.
"""

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from collab import live
from collab.access import grants_for
from collab.errors import DomainError, Forbidden, NotFound
from collab.live_limits import limits
from collab.models import Guest, User

log = logging.getLogger(__name__)


def _db(function):
    """Database work of a live connection, run on the event loop's worker threads (each with its own database
    connection) rather than the single thread Channels uses by default, so one connection's slow operation or large
    snapshot does not hold up every other connection of the process: their heartbeats, replays and the next
    board's operations. Changes to one board are still serialised, by the lock on its stream."""
    return database_sync_to_async(function, thread_sensitive=False)


# Close codes in the private range (4000–4999) so a client can tell why it was refused.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
# The standard code for "the server met an unexpected condition": a client reconnects and catches up.
CLOSE_SERVER_ERROR = 1011
MAX_FRAME_BYTES = 64 * 1024

SERVER_ERROR = "Something went wrong on the server while handling that message. Please try again."


class Guarded:
    """What every websocket consumer of the workspace does when handling one message fails unexpectedly: a frame
    from the client is answered with an error frame (and the exception logged with its trace) and the connection
    stays usable; anything else (opening the connection, work the server queued for it) closes it with
    `CLOSE_SERVER_ERROR` and a reason, so the client reconnects and catches up. Closing always runs `cleanup`."""

    async def guarded(self, message: dict, handle) -> None:
        try:
            await handle(message)
        except StopConsumer:
            raise
        except Exception:
            log.exception("A websocket message of type %r failed", message.get("type"))
            if message.get("type") == "websocket.receive":
                with contextlib.suppress(Exception):  # the client has gone: nothing to tell
                    await self.send_json({"type": "error", "code": "server_error", "message": SERVER_ERROR})
                return
            if message.get("type") == "websocket.disconnect":
                raise StopConsumer() from None  # cleanup runs in `__call__`'s `finally`
            with contextlib.suppress(Exception):
                await self.close(code=CLOSE_SERVER_ERROR, reason="Server error: reconnect")

    async def cleanup(self) -> None:
        """Undo what connecting did. Safe to call more than once, and after a failure half-way through."""


class WorkspaceConsumer(Guarded, AsyncJsonWebsocketConsumer):
    # This channel joins no group and is sent nothing through the channel layer: naming a layer that is not configured
    # keeps Channels from giving every open page a channel of its own, with a Redis receive waiting on it for nothing.
    channel_layer_alias = "none"

    async def dispatch(self, message: dict) -> None:
        await self.guarded(message, super().dispatch)

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        await self.accept()
        collaboratives = await database_sync_to_async(self._visible_collaborative_ids)(user)
        await self.send_json({"type": "hello", "user": user.display_name, "collaboratives": collaboratives})

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        if text_data is None or len(text_data.encode()) > MAX_FRAME_BYTES:
            await self.send_json({"type": "error", "code": "bad_frame", "message": "Send one JSON text frame."})
            return
        try:
            message = json.loads(text_data)
        except (ValueError, RecursionError):  # RecursionError: nested too deeply to parse
            await self.send_json({"type": "error", "code": "bad_json", "message": "That frame was not valid JSON."})
            return
        if not isinstance(message, dict) or message.get("type") != "ping":
            await self.send_json(
                {"type": "error", "code": "unknown_type", "message": "This channel only understands “ping”."}
            )
            return
        await self.send_json({"type": "pong", "id": message.get("id")})

    @staticmethod
    def _visible_collaborative_ids(user) -> list[int]:
        grants = grants_for(user)
        return sorted(grants.collaborative_roles)


class LiveConsumer(Guarded, AsyncJsonWebsocketConsumer):
    """One connection to one live object (`/ws/live/<kind>/<id>/`), for a signed-in person or a guest.

    The consumer is thin: the access policy decides who may join (checked before the group is joined, and again
    whenever the object says rights changed), services apply operations, and the live module numbers, stores and
    broadcasts events. What arrives from the group is redacted per viewer before it is sent.

    The connection outlives a Redis restart: while the channel layer is unreachable the consumer keeps serving the
    client (operations, replays and snapshots come from the database), and once Redis is back `live.fanout` joins
    the group again and has each connection send its client the events it missed (`live_resync`).
    """

    MAX_FRAME_BYTES = 16 * 1024
    SEEN_EVERY = 5.0  # seconds between two heartbeats of a connection that are written down (presence lasts 75 s)

    MAX_BACKLOG = 200  # group messages waiting for a client that does not keep up; past this it is resynced

    async def __call__(self, scope, receive, send) -> None:
        """Channels' consumer loop, except that what the group broadcasts reaches this consumer through
        `live.fanout` (`deliver`), not through a channel-layer channel of its own. The fan-out sends each frame
        straight away while the client keeps up; a client whose network does not gets its frames from a writer task
        of its own, so the fan-out never waits for one connection's database work or slow network."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        self.base_send = send
        self.local: asyncio.Queue[dict] = asyncio.Queue()  # work of this connection's turn: resync, control items
        self.outbox: asyncio.Queue[dict] = asyncio.Queue()
        self.holding: list[dict] | None = None
        self.behind = False
        self.slow = False
        self.viewer = None
        self.joined = False  # counted as connected, and in the fan-out: `cleanup` undoes both
        writer = asyncio.get_running_loop().create_task(self._write())
        try:
            with contextlib.suppress(StopConsumer):
                await await_many_dispatch([receive, self.local.get], self.dispatch)
        finally:
            writer.cancel()
            await self.cleanup()

    async def deliver(self, message: dict) -> None:
        """A message from the group (see `live.Fanout`). It follows a replay or snapshot being prepared; one that
        needs the database waits for this connection's turn; the rest are sent at once, or through the writer while
        the client is slow. A client that falls `MAX_BACKLOG` messages behind is sent what it missed from the stored
        events instead."""
        if any("control" in item for item in message["items"]):
            self.local.put_nowait(message)
        elif self.holding is not None:
            self.holding.append(message)
        elif self.behind:
            return
        elif not self.slow:
            await self.live_batch(message)
        elif self.outbox.qsize() >= self.MAX_BACKLOG:
            self.behind = True
            self.resync()
        else:
            self.outbox.put_nowait(message)

    def stalled(self) -> None:
        """The fan-out gave up waiting for a send to this client (its network does not keep up): until the writer
        has caught up, its frames queue for the writer."""
        self.slow = True

    async def _write(self) -> None:
        while True:
            message = await self.outbox.get()
            try:
                await self.live_batch(message)
            except Exception:  # what was queued cannot be sent in order any more: the client reconnects and catches up
                log.exception("Could not send queued frames to a live connection to %s", self.group)
                with contextlib.suppress(Exception):
                    await self.close(code=CLOSE_SERVER_ERROR, reason="Server error: reconnect")
                return
            if self.outbox.empty():
                self.slow = False

    async def _release(self) -> None:
        """Hand the writer what the group broadcast while a replay or snapshot was being prepared, in order (the
        fan-out queues behind it until the writer has sent it)."""
        for message in self.holding or ():
            self.outbox.put_nowait(message)
            self.slow = True
        self.holding = None

    def resync(self) -> None:
        self.local.put_nowait({"type": "live.resync"})

    def catch_up(self, head: int) -> None:
        """See `live.Fanout._check_heads`: a client sent less than `head` missed a broadcast. One that is being sent
        a replay or snapshot, or is working through a backlog, is on its way there already."""
        if self.forwarded is not None and self.forwarded < head and self.holding is None and not self.slow:
            self.resync()

    async def dispatch(self, message: dict) -> None:
        """Channels' dispatch, without the stale-connection cleanup it runs before every handler. That cleanup is a
        trip through the one thread all database work of the process shares, for every message — for a board, every
        frame to every participant — so a busy database held up the fan-out. Every database call here goes through
        `database_sync_to_async`, which does the same cleanup in the thread it uses anyway."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await self.guarded(message, handler)

    async def connect(self) -> None:
        route = self.scope["url_route"]["kwargs"]
        self.kind = live.kind_named(route["kind"])
        self.object_id = int(route["object_id"])
        self.viewer = None
        self.forwarded: int | None = None  # the highest seq sent to the client, once it has said hello
        self.principal = _principal(self.scope)
        if self.kind is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        if self.principal is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = live.group_name(self.kind.name, self.object_id)
        try:
            self.viewer, presence = await _db(self.kind.join)(self.principal, self.object_id, connected=True)
        except NotFound:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        except Forbidden:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.joined = True
        live.publisher.attach(asyncio.get_running_loop())
        await live.fanout.join(self.group, self)
        await self.accept()
        self.seen_at = time.monotonic()  # joining wrote it down
        await self.send_json({"type": "welcome", "me": _me(self.viewer), "now": _now()})
        if presence:
            live.publisher.publish(self.group, presence)

    async def disconnect(self, code: int) -> None:
        await self.cleanup()

    async def cleanup(self) -> None:
        """Leave the fan-out and count this connection closed, once, whatever ended the connection."""
        if not self.joined:
            return
        self.joined = False
        live.fanout.leave(self.group, self)
        try:
            _, presence = await _db(self.kind.join)(self.principal, self.object_id, connected=False)
        except (NotFound, Forbidden):
            return
        except Exception:
            log.exception("Could not count a live connection to %s as closed", self.group)
            return
        if presence:
            live.publisher.publish(self.group, presence)

    RATE_LIMITED = {
        "op": "Too many changes at once: wait a moment and try again.",
        "hello": "Asked to catch up too often: wait a moment and try again.",
        "ping": "Too many heartbeats: wait a moment.",
        "presence": "Too many “writing” signals: wait a moment.",
    }

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        if text_data is None:
            await self._error("bad_frame", "Send JSON text frames.")
            return
        if len(text_data) > self.MAX_FRAME_BYTES:
            await self._error(
                "too_large", f"That message is too large (the limit is {self.MAX_FRAME_BYTES // 1024} KB)."
            )
            return
        try:
            message = json.loads(text_data)
        except (ValueError, RecursionError):  # RecursionError: nested too deeply to parse
            await self._error("bad_json", "That message was not valid JSON.")
            return
        if not isinstance(message, dict):
            await self._error("bad_frame", "Send each message as a JSON object with a “type”.")
            return
        handler = {
            "hello": self._hello,
            "op": self._op,
            "presence": self._presence,
            "ping": self._ping,
        }.get(message.get("type"))
        if handler is None:
            await self._error("unknown_type", "Unknown message type; use hello, op, presence or ping.")
            return
        wait = await limits.take(self.kind.name, self.object_id, self.viewer.key, message["type"])
        if wait:
            await self._error(
                "rate_limited", self.RATE_LIMITED[message["type"]], op_id=message.get("id"), retry_after=wait
            )
            return
        try:
            await handler(message)
        except Exception:  # answered with the operation's id, so the client can tell which one failed
            log.exception("A live %r message failed on %s", message["type"], self.group)
            await self._error("server_error", SERVER_ERROR, op_id=message.get("id"))

    async def _hello(self, message: dict) -> None:
        since = message.get("since")
        if since is not None and (isinstance(since, bool) or not isinstance(since, int) or since < 0):
            await self._error("bad_frame", "“since” must be the last sequence number you saw, or null.")
            return
        self.holding = []  # what the group broadcasts meanwhile follows the replay or snapshot
        try:
            if since is not None:
                current, events = await _db(live.events_since)(self.kind.name, self.object_id, since)
                if events is not None:
                    await self._replay(current, events, empty_too=True)
                    return
            await self._snapshot()
        finally:
            await self._release()

    async def _replay(self, current: int, events: list[dict], *, empty_too: bool) -> None:
        if events or empty_too:
            out = [live.for_viewer(self.viewer, e) for e in events]
            self.forwarded = max(self.forwarded or 0, current, *(e["seq"] for e in events))
            await self.send_json({"type": "events", "events": out, "now": _now()})

    async def _snapshot(self) -> None:
        try:
            state = await _db(self.kind.snapshot)(self.principal, self.object_id)
        except (NotFound, Forbidden):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.forwarded = max(self.forwarded or 0, state["seq"])
        await self.send_json({"type": "snapshot", "state": state, "now": _now()})

    async def live_resync(self, message: dict) -> None:
        """Queued by `live.fanout` after the channel layer came back: what was broadcast meanwhile may have been
        lost, so send the events after the last one this client was sent, as a replay ("events") would."""
        self.behind = False
        if self.forwarded is None:
            return  # no hello yet: the client will ask for what it needs
        self.holding = []
        try:
            current, events = await _db(live.events_since)(self.kind.name, self.object_id, self.forwarded)
            if events is None:
                await self._snapshot()
            else:
                await self._replay(current, events, empty_too=False)
        finally:
            await self._release()

    async def _op(self, message: dict) -> None:
        op_id = message.get("id")
        if not isinstance(op_id, str) or not 1 <= len(op_id) <= 64:
            await self._error("bad_frame", "Each operation needs an “id” of 1 to 64 characters.", op_id=op_id)
            return
        try:
            prepared = self.kind.prepare(
                self.principal, self.object_id, message.get("op"), message.get("data", {}), f"{self.viewer.key}:{op_id}"
            )
            event = await live.lanes.submit(self.kind, self.object_id, prepared)
        except DomainError as error:
            await self._error(error.code, error.message, op_id=op_id, fields=error.fields)
            return
        wire = live.event_to_wire(event)
        await self.send_json(
            {
                "type": "ack",
                "id": op_id,
                "seq": event.seq,
                "replayed": getattr(event, "replayed", False),
                "event": live.for_viewer(self.viewer, wire),
            }
        )

    async def _presence(self, message: dict) -> None:
        self.seen_at = time.monotonic()
        item = await _db(self.kind.seen)(self.viewer, self.object_id, writing=bool(message.get("writing")))
        if item:
            live.publisher.publish(self.group, item)

    async def _ping(self, message: dict) -> None:
        head = await _db(self._heartbeat)()
        await self.send_json({"type": "pong", "id": message.get("id"), "seq": head, "now": _now()})

    def _heartbeat(self) -> int:
        """Presence refreshed (at most every `SEEN_EVERY`), and the object's head: a quiet client learns from its
        pong whether it missed an event, without waiting for a new one."""
        now = time.monotonic()
        if now - self.seen_at >= self.SEEN_EVERY:
            self.seen_at = now
            self.kind.seen(self.viewer, self.object_id, writing=False)
        return live.current_seq(self.kind.name, self.object_id)

    async def live_batch(self, message: dict) -> None:
        """What the group sent: events (redacted for this viewer), presence, and control items.

        Every connection of the process receives the same message object, so each frame is encoded once per way of
        seeing it (in full or redacted, event by event) rather than once per participant.
        """
        items = message["items"]
        for item in items:
            if item.get("control") == "reauthorize" and not await self._still_allowed():
                await self.close(code=CLOSE_FORBIDDEN)
                return
        events = [item for item in items if "seq" in item]
        presence = [item["presence"] for item in items if "presence" in item]
        if not events and not presence:
            return
        view = tuple(self.viewer.sees_in_full(e) for e in events if e.get("redacted") is not None)
        encoded = message.setdefault("encoded", {})
        text = encoded.get(view)
        if text is None:
            frame = {
                "type": "batch",
                "events": [live.for_viewer(self.viewer, e) for e in events],
                "presence": presence,
                "now": _now(),
            }
            text = encoded[view] = await self.encode_json(frame)
        if events and self.forwarded is not None:
            self.forwarded = max(self.forwarded, *(e["seq"] for e in events))
        await self.send(text_data=text)

    async def _still_allowed(self) -> bool:
        """Rights changed (a guest link withdrawn, the facilitator handed over): ask the policy again."""
        try:
            self.principal = await _db(_reload)(self.principal)
            self.viewer = await _db(self.kind.authorize)(self.principal, self.object_id)
        except (NotFound, Forbidden, ObjectDoesNotExist):
            return False
        await self.send_json({"type": "welcome", "me": _me(self.viewer), "now": _now()})
        return True

    async def _error(self, code: str, message: str, *, op_id=None, fields=None, retry_after=None) -> None:
        frame = {"type": "error", "code": code, "message": message}
        if op_id is not None:
            frame["id"] = op_id
        if fields:
            frame["fields"] = fields
        if retry_after is not None:
            frame["retry_after"] = retry_after
        await self.send_json(frame)


def _principal(scope: dict) -> Any:
    """Who is connecting: the signed-in person, else a guest (from the guest cookie), else nobody."""
    user = scope.get("user")
    if user is not None and user.is_authenticated:
        return user
    return scope.get("guest")


def _reload(principal: Any) -> Any:
    if isinstance(principal, Guest):
        return Guest.objects.select_related("link").get(pk=principal.pk)
    return User.objects.get(pk=principal.pk, is_active=True)


def _me(viewer: live.Viewer) -> dict[str, Any]:
    return {
        "key": viewer.key,
        "name": viewer.display_name,
        "can_write": viewer.can_write,
        "moderator": viewer.moderator,
    }


def _now() -> str:
    return timezone.now().isoformat()
