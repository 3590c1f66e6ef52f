"""The live-update mechanism shared by every live object (workshop boards now, system maps next).

- A *kind* of live object registers a `LiveKind`: who may join (through the access policy), what a fresh snapshot
  looks like for one viewer, and how an operation is applied (by calling a service).
- `emit` numbers an event in the object's stream inside the caller's transaction and broadcasts it after commit
  (within `collect` … `store_collected`, a batch's events are stored in one statement).
- `lanes` applies the operations a process receives for one object in batches, one batch at a time.
- `publisher` coalesces what one process broadcasts to a group into at most one frame per `WINDOW` seconds, so a
  burst of votes from 300 people costs a few channel-layer sends, not thousands.
- Sequence numbers make any loss visible: a client that sees a gap asks for a replay (`events_since`) or a snapshot,
  and each process checks the heads of the objects it serves every second, so a lost broadcast is repaired even on a
  quiet object (`Fanout._check_heads`). `for_viewer` is the one filter every event passes on its way to a client.
  What clients may rely on is written down in the README ("Live boards and maps: what the protocol promises").
- `fanout` receives what a group broadcasts once per process and hands it to the process's connections; it keeps
  the process in its groups when Redis restarts (which forgets every group silently) and has each connection send
  its client what it missed meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import json
import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Protocol

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q

from collab.errors import DomainError
from collab.models import LiveEvent, LiveStream

log = logging.getLogger(__name__)

# At most about ten frames per second per live object and process (each process coalesces on its own).
WINDOW = 0.1
# A client further behind than this gets a snapshot instead of a replay.
REPLAY_LIMIT = 500


@dataclass(frozen=True)
class Viewer:
    """Who is on the other end of a connection, as far as one live object is concerned."""

    key: str  # "u:<user id>" or "g:<guest id>": stable, never taken from the client
    display_name: str
    can_write: bool
    moderator: bool  # sees everything, including what others keep private until revealed
    user_id: int | None = None
    guest_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def sees_in_full(self, event: dict[str, Any]) -> bool:
        return event.get("redacted") is None or self.moderator or event.get("audience") == self.key


class LiveKind(Protocol):
    """A kind of live object. `principal` is whoever is connected: a signed-in User, or a Guest."""

    name: str

    def authorize(self, principal: Any, object_id: int) -> Viewer:
        """What the principal may do here, from the access policy; NotFound / Forbidden when nothing."""

    def join(self, principal: Any, object_id: int, *, connected: bool) -> tuple[Viewer, dict[str, Any] | None]:
        """Count a connection opening (or closing) through the access policy: the viewer, and a presence item to
        broadcast. Raises NotFound / Forbidden when the principal may not be here (any more)."""

    def snapshot(self, principal: Any, object_id: int) -> dict[str, Any]:
        """The whole current state as this principal may see it, with the `seq` it is current to."""

    def apply(self, principal: Any, object_id: int, op: str, data: dict[str, Any], op_key: str) -> LiveEvent:
        """Validate and apply one operation through the services; the event it produced (or, on retry, produced
        the first time)."""

    def prepare(self, principal: Any, object_id: int, op: Any, data: Any, op_key: str) -> Any:
        """An operation as sent, checked as far as it can be without the database (its name, the shape of its
        data): DomainError when it is refused already. Runs on the event loop. By default, the operation as sent."""
        return (principal, op, data, op_key)

    def apply_many(self, object_id: int, prepared: list[Any]) -> list[LiveEvent | Exception]:
        """Apply prepared operations in order, as if one after another: each one's event, or the error that
        refused it (a refusal does not stop the rest). By default, one `apply` (one transaction) each; a kind may
        apply them in fewer transactions (see `Lanes`)."""
        results: list[LiveEvent | Exception] = []
        for principal, op, data, op_key in prepared:
            try:
                results.append(self.apply(principal, object_id, op, data, op_key))
            except Exception as error:  # the caller of this operation gets it; the others still apply
                results.append(error)
        return results

    def seen(self, viewer: Viewer, object_id: int, *, writing: bool) -> dict[str, Any] | None:
        """A heartbeat or "I am writing": the presence item to broadcast, if any."""

    def open_for(self, user_id: int, collaborative_id: int) -> list[int]:
        """The objects of this kind a person whose membership of the collaborative changed may have open."""
        return []


_registry: dict[str, LiveKind] = {}


def register(kind: LiveKind) -> None:
    _registry[kind.name] = kind


def kind_named(name: str) -> LiveKind | None:
    return _registry.get(name)


def group_name(kind: str, object_id: int) -> str:
    return f"live.{kind}.{int(object_id)}"


def reauthorize(kind: str, object_id: int) -> None:
    """Once the transaction commits, every connection to the object asks the access policy again (and is closed if
    it is refused): rights on it changed."""
    group = group_name(kind, object_id)
    transaction.on_commit(lambda: publisher.publish(group, {"control": "reauthorize"}))


def access_changed(user_id: int, collaborative_id: int) -> None:
    """A person's membership of a collaborative changed (ended, or another role): their open connections to live
    objects check again, so an open board or map does not outlast the right to see it."""
    for kind in _registry.values():
        for object_id in kind.open_for(user_id, collaborative_id):
            reauthorize(kind.name, object_id)


# --- Events -------------------------------------------------------------------------------------------------------


def stream_for_update(kind: str, object_id: int) -> LiveStream:
    """The stream of a live object, locked until the transaction ends: this serialises every change to the object,
    so checks such as a vote budget hold under concurrent operations."""
    stream = LiveStream.objects.select_for_update().filter(kind=kind, object_id=object_id).first()
    if stream is None:  # the object's first change (boards make theirs when created): one query per change otherwise
        LiveStream.objects.get_or_create(kind=kind, object_id=object_id)
        stream = LiveStream.objects.select_for_update().get(kind=kind, object_id=object_id)
    return stream


def existing_stream_for_update(
    kind: str, object_id: int, op_keys: list[str | None]
) -> tuple[LiveStream | None, dict[str, LiveEvent]]:
    """`stream_for_update` for an object that made its stream when it was created (None if there is none), and the
    events earlier deliveries of these client operations produced (`replayed_many`), in one query unless one of
    them is a retry: every round trip made holding the lock delays the object's next change."""
    keys = {key for key in op_keys if key}
    streams = LiveStream.objects.select_for_update(of=("self",)).filter(kind=kind, object_id=object_id)
    if keys:
        streams = streams.annotate(retried=Exists(LiveEvent.objects.filter(stream=OuterRef("pk"), op_key__in=keys)))
    stream = streams.first()
    if stream is None or not getattr(stream, "retried", False):
        return stream, {}
    return stream, replayed_many(stream, op_keys)


def replayed(stream: LiveStream, op_key: str | None) -> LiveEvent | None:
    """The event an earlier delivery of the same client operation produced, if any (a retry is applied once)."""
    if not op_key:
        return None
    return LiveEvent.objects.filter(stream=stream, op_key=op_key).first()


def replayed_many(stream: LiveStream, op_keys: list[str | None]) -> dict[str, LiveEvent]:
    """`replayed` for several operations at once: the earlier events, by op key."""
    keys = {key for key in op_keys if key}
    if not keys:
        return {}
    return {event.op_key: event for event in LiveEvent.objects.filter(stream=stream, op_key__in=keys)}


# --- Client operation ids -----------------------------------------------------------------------------------------
#
# A client names each operation with an id of its own and sends it again, with the same id, until it is answered.
# The server keeps the id (with the person's key: `op_key`) on the event the operation produced, for as long as the
# object's history is kept, which is its whole life: a retry at any time is answered with the first result, marked
# as a replay, and applies nothing. An id used again for a different operation is refused (`OpIdReused`), so a
# client that reuses ids by mistake loses no change silently.


class OpIdReused(DomainError):
    status = 409
    code = "op_id_reused"
    default_message = (
        "That operation id was already used for a different change, so nothing was applied. "
        "Send each new change with a new id."
    )


def op_digest(op: str, data: Any) -> str:
    """What a client operation asked for, as a short fingerprint: its name and its data (as checked)."""
    canonical = json.dumps([op, data], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def replay_of(event: LiveEvent, digest: str) -> LiveEvent:
    """The answer to a retry: the event the operation produced the first time, marked as a replay — or
    `OpIdReused` when the id was first used for something else."""
    if event.op_digest and digest and event.op_digest != digest:
        raise OpIdReused()
    replay = copy.copy(event)  # the first delivery, in the same batch, is answered with the original
    replay.replayed = True
    return replay


def emit(
    stream: LiveStream,
    type: str,
    payload: dict[str, Any],
    *,
    redacted: dict[str, Any] | None = None,
    audience: str = "",
    actor_key: str = "",
    actor_withheld: bool = False,
    op_key: str | None = None,
    op_digest: str = "",
) -> LiveEvent:
    """Number and store an event in a locked stream (see `stream_for_update`); broadcast it once committed.

    `redacted` is what everyone but moderators and `audience` receives instead of `payload`; `actor_withheld` keeps
    who acted from everyone but moderators and the actor (see `for_viewer`)."""
    event = LiveEvent(
        stream=stream,
        type=type,
        payload=payload,
        redacted=redacted,
        audience=audience,
        actor_key=actor_key,
        actor_withheld=actor_withheld,
        op_key=op_key,
        op_digest=op_digest if op_key else "",
    )
    collected = getattr(stream, _COLLECTED, None)
    if collected is not None:  # numbered now, stored with the others by `store_collected`
        stream.seq += 1
        event.seq = stream.seq
        collected.append(event)
        return event
    _number_and_store(event)
    stream.seq = event.seq
    wire = event_to_wire(event)
    group = stream.group_name
    transaction.on_commit(lambda: publisher.publish(group, wire))
    return event


_COLLECTED = "_collected_events"


def collect(stream: LiveStream) -> list[LiveEvent]:
    """From now on, events emitted in the locked stream are numbered at once and stored together by
    `store_collected`: one statement for a batch of operations instead of one per event. The list grows as they
    are emitted."""
    collected: list[LiveEvent] = []
    setattr(stream, _COLLECTED, collected)
    return collected


def store_collected(stream: LiveStream) -> None:
    """Store what was collected since `collect`, move the stream's number on, and broadcast it all once committed."""
    events = getattr(stream, _COLLECTED)
    delattr(stream, _COLLECTED)
    if not events:
        return
    if connection.vendor != "postgresql":
        LiveStream.objects.filter(pk=stream.pk).update(seq=stream.seq)
        LiveEvent.objects.bulk_create(events)
    else:
        fields = [*_EVENT_FIELDS, "seq"]
        rows = ", ".join(f"({', '.join(['%s'] * len(fields))})" for _ in events)
        sql = (
            f"WITH moved AS (UPDATE {LiveStream._meta.db_table} SET seq = %s WHERE id = %s) "  # noqa: S608
            f"INSERT INTO {LiveEvent._meta.db_table} ({_columns(fields)}) VALUES {rows} RETURNING id"
        )
        params = [stream.seq, stream.pk, *(value for event in events for value in _values(event, fields))]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for event, (pk,) in zip(events, cursor.fetchall(), strict=True):
                event.pk = pk
                event._state.adding = False
    wires = [event_to_wire(event) for event in events]
    group = stream.group_name

    def broadcast() -> None:
        for wire in wires:
            publisher.publish(group, wire)

    transaction.on_commit(broadcast)


# What `_number_and_store` and `store_collected` write of an event, besides its number. Table and column names in
# their SQL come from the models; every value is a parameter.
_EVENT_FIELDS = [
    "stream_id",
    "type",
    "payload",
    "redacted",
    "audience",
    "actor_key",
    "actor_withheld",
    "op_key",
    "op_digest",
    "at",
]


def _columns(fields: list[str]) -> str:
    return ", ".join(connection.ops.quote_name(LiveEvent._meta.get_field(name).column) for name in fields)


def _values(event: LiveEvent, fields: list[str]) -> list[Any]:
    return [LiveEvent._meta.get_field(name).get_db_prep_save(getattr(event, name), connection) for name in fields]


def _number_and_store(event: LiveEvent) -> None:
    """Move the stream on by one and store the event under the new number, in one statement on PostgreSQL: the
    stream is locked while this runs, and every round trip to the database made holding that lock delays the
    object's next change. (SQLite, the embedded default, has no data-modifying WITH: two statements there.)"""
    if connection.vendor != "postgresql":
        LiveStream.objects.filter(pk=event.stream_id).update(seq=F("seq") + 1)
        event.seq = LiveStream.objects.values_list("seq", flat=True).get(pk=event.stream_id)
        event.save(force_insert=True)
        return
    fields = _EVENT_FIELDS
    sql = (
        f"WITH numbered AS (UPDATE {LiveStream._meta.db_table} SET seq = seq + 1 WHERE id = %s RETURNING seq) "  # noqa: S608
        f"INSERT INTO {LiveEvent._meta.db_table} ({_columns(fields)}, seq) "
        f"SELECT {', '.join(['%s'] * len(fields))}, numbered.seq FROM numbered RETURNING id, seq"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [event.stream_id, *_values(event, fields)])
        event.pk, event.seq = cursor.fetchone()
    event._state.adding = False


def event_to_wire(event: LiveEvent) -> dict[str, Any]:
    """An event as it crosses the channel layer (still holding the full payload; consumers redact per viewer)."""
    return {
        "seq": event.seq,
        "type": event.type,
        "payload": event.payload,
        "redacted": event.redacted,
        "audience": event.audience,
        "actor": event.actor_key,
        "actor_withheld": event.actor_withheld,
        "at": event.at.isoformat(),
    }


def for_viewer(viewer: Viewer, event: dict[str, Any]) -> dict[str, Any]:
    """What one viewer receives of an event — the one filter every event passes on its way out (live frames, acks,
    replays): the full payload or the redacted one, and who acted only where the viewer may know it. Someone who
    receives the redacted payload (a card still written privately, another person's vote) is not told who acted,
    nor is anyone but moderators and the actor told who acted on an anonymous card."""
    full = viewer.sees_in_full(event)
    actor = event["actor"]
    if not viewer.moderator and actor != viewer.key and (not full or event.get("actor_withheld")):
        actor = None
    return {
        "seq": event["seq"],
        "type": event["type"],
        "data": event["payload"] if full else event["redacted"],
        "actor": actor,
        "at": event["at"],
    }


def events_since(kind: str, object_id: int, since: int) -> tuple[int, list[dict[str, Any]] | None]:
    """(current seq, the events after `since`), or (current seq, None) when a snapshot is the better answer."""
    stream = LiveStream.objects.filter(kind=kind, object_id=object_id).first()
    current = stream.seq if stream else 0
    if since > current or current - since > REPLAY_LIMIT:
        return current, None
    if since == current:
        return current, []
    events = LiveEvent.objects.filter(stream=stream, seq__gt=since).order_by("seq")
    return current, [event_to_wire(event) for event in events]


def current_seq(kind: str, object_id: int) -> int:
    return LiveStream.objects.filter(kind=kind, object_id=object_id).values_list("seq", flat=True).first() or 0


def heads_of(groups: list[str]) -> dict[str, int]:
    """The current sequence number of each live object named by its group (`group_name`), in one query."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for group in groups:
        _, kind, object_id = group.split(".")
        wanted[kind].add(int(object_id))
    if not wanted:
        return {}
    where = Q()
    for kind, ids in wanted.items():
        where |= Q(kind=kind, object_id__in=ids)
    rows = LiveStream.objects.filter(where).values_list("kind", "object_id", "seq")
    return {group_name(kind, object_id): seq for kind, object_id, seq in rows}


# --- Broadcasting, coalesced ------------------------------------------------------------------------------------


class Publisher:
    """Sends events and presence to channel-layer groups, at most one frame per group per `WINDOW`.

    The first item after a quiet spell goes out at once (no added latency when little is happening); items that
    follow within the window wait for the next frame. Inside an ASGI process the publisher runs on the server's event
    loop; elsewhere (a management command, a Celery task, a plain test) each item is sent straight away.
    """

    def __init__(self, window: float = WINDOW):
        self.window = window
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._pending: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._last_flush: dict[str, float] = {}
        self._scheduled: set[str] = set()
        self.frames_sent = 0

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Called by consumers: from now on this process coalesces on `loop`."""
        self._loop = loop

    def publish(self, group: str, item: dict[str, Any]) -> None:
        loop = self._loop
        if loop is None or loop.is_closed() or not loop.is_running():
            async_to_sync(self._send)(group, [item])
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._enqueue(group, item)
        else:
            loop.call_soon_threadsafe(self._enqueue, group, item)

    def _enqueue(self, group: str, item: dict[str, Any]) -> None:
        self._pending[group].append(item)
        if group in self._scheduled:
            return
        self._scheduled.add(group)
        wait = max(0.0, self._last_flush.get(group, 0.0) + self.window - time.monotonic())
        assert self._loop is not None
        self._loop.call_later(wait, self._flush, group)

    def _flush(self, group: str) -> None:
        self._scheduled.discard(group)
        items = self._pending.pop(group, [])
        if not items:
            return
        # Operations commit in sequence order, but their after-commit hooks can reach the loop in another order
        # (database work runs on several threads): within a frame, events go out in sequence order.
        items.sort(key=lambda item: (0, item["seq"]) if "seq" in item else (1, 0))
        self._last_flush[group] = time.monotonic()
        assert self._loop is not None
        self._loop.create_task(self._send(group, items))

    async def _send(self, group: str, items: list[dict[str, Any]]) -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        for attempt in range(2):
            try:
                await layer.group_send(group, {"type": "live.batch", "items": items})
                self.frames_sent += 1
                return
            except Exception:
                # The first failure is often a pooled connection Redis closed when it restarted: redis-py drops it,
                # and a second try takes a fresh one. A frame lost even so is a gap in the sequence; every process
                # repairs it from the stored events (`Fanout`'s head check), and this one at once.
                if attempt:
                    log.warning("Could not broadcast %d item(s) to %s", len(items), group, exc_info=True)
                    fanout.lost(resync=True)


publisher = Publisher()


# --- Applying operations: one lane per live object and process ------------------------------------------------


@dataclass(eq=False)
class _Lane:
    loop: asyncio.AbstractEventLoop
    queue: list[tuple[Any, asyncio.Future]] = field(default_factory=list)
    task: asyncio.Task | None = None


class Lanes:
    """Applies the operations this process receives for one live object in arrival order, on one worker thread at
    a time, taking everything that queued meanwhile (up to `MAX_BATCH`) as one batch (`LiveKind.apply_many`).

    Every change to an object locks its stream, so changes to one object are serial whatever happens here. Sent
    straight to worker threads, they queued on that lock in PostgreSQL: each change then paid for the lock's hand-over
    between threads, for asking the access policy, and for its own lock and commit, and with 300 people voting that
    capped a board below the rate they voted at. A lane hands the queue over in batches instead, which a kind may
    check and apply together (boards do: one lock, one commit, one statement storing the events). Operations of one
    connection keep their order (a connection waits for each operation's answer)."""

    MAX_BATCH = 50

    def __init__(self) -> None:
        self._lanes: dict[tuple[str, int], _Lane] = {}

    async def submit(self, kind: LiveKind, object_id: int, prepared: Any) -> LiveEvent:
        """Queue a prepared operation (`LiveKind.prepare`); its event once applied, or the error that refused it."""
        loop = asyncio.get_running_loop()
        key = (kind.name, object_id)
        lane = self._lanes.get(key)
        if lane is None or lane.loop is not loop:  # tests run one event loop per scenario
            lane = self._lanes[key] = _Lane(loop)
        future = loop.create_future()
        lane.queue.append((prepared, future))
        if lane.task is None:
            lane.task = loop.create_task(self._drain(kind, object_id, key, lane))
        # Shielded: a connection that closes while waiting does not withdraw an operation the lane has taken.
        result = await asyncio.shield(future)
        if isinstance(result, Exception):
            raise result
        return result

    async def _drain(self, kind: LiveKind, object_id: int, key: tuple[str, int], lane: _Lane) -> None:
        apply_many = database_sync_to_async(kind.apply_many, thread_sensitive=False)
        try:
            while lane.queue:
                batch = lane.queue[: self.MAX_BATCH]
                del lane.queue[: self.MAX_BATCH]
                try:
                    results = await apply_many(object_id, [prepared for prepared, _ in batch])
                except Exception as error:  # the database went away: every operation of the batch is told
                    results = [error] * len(batch)
                for (_, future), result in zip(batch, results, strict=True):
                    future.set_result(result)
        finally:
            lane.task = None
            if self._lanes.get(key) is lane and not lane.queue:
                del self._lanes[key]


lanes = Lanes()


# --- Receiving: one subscription per live object and process, kept through Redis restarts -------------------------


class Member(Protocol):
    """A connection to a live object (the live consumer)."""

    async def deliver(self, message: dict[str, Any]) -> None:
        """A message from the object's group, for the client to be sent what it may see of it. Every connection of
        the process to the object is handed the message in turn, so this sends at once or queues; it may only wait
        for a client's network, and is cut short (`stalled`) if that takes longer than `Fanout.STALL`."""

    def stalled(self) -> None:
        """A `deliver` was cut short: the client's network does not keep up, so queue for it from now on."""

    def resync(self) -> None:
        """The channel layer may have dropped messages: send the client what it missed (from the stored events)."""

    def catch_up(self, head: int) -> None:
        """The object's stored events reached `head` a moment ago: if the client has been sent less (a broadcast was
        lost), send it what it missed."""


@dataclass(eq=False)
class _Feed:
    group: str
    channel: str
    loop: asyncio.AbstractEventLoop
    members: set[Member] = field(default_factory=set)
    task: asyncio.Task | None = None


class Fanout:
    """What a live object's group broadcasts, received once per process and handed to each local connection.

    Channels' usual way — each connection joins the group with a channel of its own — has channels_redis queue and
    wake every connection separately for every frame; measured with 300 participants on a board, that machinery took
    most of the server's time, more than encoding and sending. So a process joins each group once, with one channel,
    and delivers each message to its connections in turn (sending a websocket frame does not wait for the network).

    The membership is kept true when Redis restarts. Redis without persistence forgets every group then, and does so
    silently: a process that happened not to be waiting on Redis at that moment sees no error and simply stops
    receiving. A watchdog (one task per process, while there are connections) keeps a marker key in Redis and checks
    it every `INTERVAL`. When a Redis call of the layer fails (`lost()`) it checks at once, and again until Redis
    answers, then joins every group again; when the marker has gone (Redis restarted) or a broadcast failed, it also
    asks every connection to resync its client. Only layers that expose their Redis connections (channels_redis'
    `RedisChannelLayer`) are watched; the in-memory layer cannot lose anything.
    """

    INTERVAL = 0.5  # seconds between checks while all is well
    HEAD_CHECK = 1.0  # seconds between reads of the heads of the live objects this process serves
    RETRY = 0.1  # seconds between checks while Redis does not answer
    MARKER_TTL = 60
    RECEIVE_RETRY_MAX = 1.0
    STALL = 0.05  # seconds a send to one client may hold up the others

    def __init__(self) -> None:
        self.feeds: dict[str, _Feed] = {}
        self.rejoins = 0
        self._lost = False
        self._resync = False
        self._wake: asyncio.Event | None = None
        self._watchdog: asyncio.Task | None = None
        self._heads: asyncio.Task | None = None

    async def join(self, group: str, member: Member) -> None:
        loop = asyncio.get_running_loop()
        # A server has one event loop; tests start one per scenario, and forget what belonged to loops now closed.
        self.feeds = {name: feed for name, feed in self.feeds.items() if not feed.loop.is_closed()}
        feed = self.feeds.get(group)
        if feed is None or feed.loop is not loop:
            layer = get_channel_layer()
            feed = self.feeds[group] = _Feed(group, await layer.new_channel(), loop)
            feed.task = loop.create_task(self._receive(feed, layer))
            try:
                await layer.group_add(group, feed.channel)
            except Exception:  # Redis is restarting: serve the connection now, join the group when Redis is back
                self.lost()
            self._watch(layer, loop)
            if self._heads is None or self._heads.done() or self._heads.get_loop() is not loop:
                self._heads = loop.create_task(self._check_heads())
        feed.members.add(member)

    def leave(self, group: str, member: Member) -> None:
        feed = self.feeds.get(group)
        if feed is None:
            return
        feed.members.discard(member)
        if feed.members:
            return
        del self.feeds[group]
        if feed.task is not None:
            feed.task.cancel()
        heads = self._heads
        if heads is not None and not any(other.loop is feed.loop for other in self.feeds.values()):
            heads.cancel()
        if not feed.loop.is_closed():
            feed.loop.create_task(self._discard(feed))

    @staticmethod
    async def _discard(feed: _Feed) -> None:
        with contextlib.suppress(Exception):  # Redis is restarting: it forgets the group anyway
            await get_channel_layer().group_discard(feed.group, feed.channel)

    async def _receive(self, feed: _Feed, layer: Any) -> None:
        delay = 0.05
        while True:
            try:
                message = await layer.receive(feed.channel)
            except Exception as error:  # Redis restarting: wait for it instead of dropping the connections
                log.debug("Channel layer receive failed (%r); retrying in %.2f s", error, delay)
                self.lost()
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.RECEIVE_RETRY_MAX)
                continue
            delay = 0.05
            await self.hand_out(feed.members, message)

    async def hand_out(self, members: set[Member], message: dict[str, Any]) -> None:
        """Give each connection the message in turn. Sending to a client whose network keeps up does not wait at
        all, and costs far less done here than in a task per connection (measured with 300 participants: half the
        server time per frame); a send that does wait is cut short after `STALL`, and that connection queues from
        then on, so one slow phone never holds up the room."""
        for member in list(members):
            try:
                async with asyncio.timeout(self.STALL):
                    await member.deliver(message)
            except TimeoutError:
                member.stalled()
            except Exception:
                log.exception("Could not deliver to a live connection")

    async def _check_heads(self) -> None:
        """Every `HEAD_CHECK` seconds, read how far the stored events of every object this process serves have got
        (one query), and have each connection whose client was sent less than the head read the time before catch
        up from the stored events. Anything committed before that earlier read has had a whole interval to arrive;
        if it has not, its broadcast was lost — the process that should have sent it was killed between commit and
        broadcast, or Redis failed it — and no later event may come to reveal the gap on a quiet board. So every
        client is back in sync within about two intervals of any lost broadcast, whichever process lost it."""
        read_heads = database_sync_to_async(heads_of, thread_sensitive=False)
        earlier: dict[str, int] = {}
        while self._local():
            await asyncio.sleep(self.HEAD_CHECK)
            feeds = self._local()
            try:
                now = await read_heads([feed.group for feed in feeds])
            except Exception:  # the database is restarting: check again next time
                log.warning("Could not read the heads of live objects", exc_info=True)
                continue
            for feed in feeds:
                if feed.group in earlier:
                    for member in list(feed.members):
                        member.catch_up(earlier[feed.group])
            earlier = now

    def lost(self, *, resync: bool = False) -> None:
        """A Redis call failed: check at once, and join the groups again when Redis is back (and, with `resync`,
        because a broadcast was lost, have every connection send its client what it missed)."""
        self._lost = True
        self._resync = self._resync or resync
        task, wake = self._watchdog, self._wake
        if task is None or wake is None or task.done():
            return
        loop = task.get_loop()
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            wake.set()
        elif not loop.is_closed():
            loop.call_soon_threadsafe(wake.set)

    def _local(self) -> list[_Feed]:
        loop = asyncio.get_running_loop()
        return [feed for feed in self.feeds.values() if feed.loop is loop]

    def _watch(self, layer: Any, loop: asyncio.AbstractEventLoop) -> None:
        if not (hasattr(layer, "connection") and hasattr(layer, "client_prefix")):
            return
        if self._watchdog is None or self._watchdog.done() or self._watchdog.get_loop() is not loop:
            self._wake = asyncio.Event()
            self._watchdog = loop.create_task(self._check(layer, self._wake))

    async def _check(self, layer: Any, wake: asyncio.Event) -> None:
        key = f"{layer.prefix}live.alive.{layer.client_prefix}"
        marked: set[int] = set()
        while self._local():
            # Not `wait_for`: on Python 3.11 it swallows a cancellation that arrives as the event is set, and the
            # watchdog would then outlive the server's shutdown.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.RETRY if self._lost else self.INTERVAL):
                    await wake.wait()
            wake.clear()
            try:
                restarted = False
                for index in range(layer.ring_size):
                    before = await layer.connection(index).set(key, b"1", ex=self.MARKER_TTL, get=True)
                    restarted |= before is None and index in marked
                    marked.add(index)
                if restarted or self._lost:
                    await self._rejoin(layer, resync=restarted or self._resync)
            except Exception as error:  # Redis is not back yet: check again shortly
                if not self._lost:
                    log.warning(
                        "The channel layer is unreachable (%s); groups are joined again when it is back.", error
                    )
                self._lost = True

    async def _rejoin(self, layer: Any, *, resync: bool) -> None:
        # Connections pooled before Redis went away are dead: drop them rather than fail the next send on each.
        pools = getattr(layer, "_layers", {}).get(asyncio.get_running_loop())
        if pools is not None:
            with contextlib.suppress(Exception):
                await pools.flush()
        feeds = self._local()
        for feed in feeds:
            await layer.group_add(feed.group, feed.channel)
        self._lost = self._resync = False
        self.rejoins += 1
        members = [member for feed in feeds for member in feed.members]
        log.warning(
            "The channel layer answers again: %d group(s) joined again%s.",
            len(feeds),
            f"; {len(members)} connection(s) resync their clients" if resync else "",
        )
        if resync:
            for member in members:
                member.resync()


fanout = Fanout()
