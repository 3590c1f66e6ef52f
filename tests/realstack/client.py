"""A websocket participant on one live board, written the way a careful browser client behaves.

It speaks the board protocol (`collab/board_protocol.py`) over a real network connection:

- on (re)connecting it sends `hello` with the last sequence number it has applied, and gets the events it missed
  or a fresh snapshot;
- it applies events strictly in sequence order. An event that arrives ahead of one still missing (frames coalesced
  by two server processes can cross on the way) is held back for a moment; if the gap does not close it asks for a
  replay by sending `hello` again. An acknowledged operation whose event has not arrived counts as a gap too.
  While replays keep being needed the client waits longer before each (1 s, 2 s, 4 s, up to 8 s);
- every operation has a client id. Until it is acknowledged it stays pending: after a reconnect (to the same server
  or another one) it is sent again with the same id, so the server applies it once whatever happened to the first
  attempt. A `rate_limited` answer is retried after a pause; any other error is final;
- a refused connection (4401, 4403, 4404) is final; anything else (a server process killed, Redis restarting, a
  handshake that failed) is retried with a short back-off, moving on to the next server address.

The same client drives the real-stack tests (`tests/realstack/`) and the board benchmark (`tests/bench/boards.py`).
`BoardState` is the client's model of the board; `BoardState.comparable()` and `comparable_snapshot()` put the
model and a snapshot in one shape, so a test can check a client ended with exactly what a fresh snapshot says.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

REFUSED = {4401, 4403, 4404}
GAP_GRACE = 1.0  # seconds a gap may stay open before the client asks for a replay…
GAP_GRACE_MAX = 8.0  # …doubling after each replay asked within GAP_CALM seconds of the last, so that a server
GAP_CALM = 10.0  # slow to broadcast is not also flooded with replays
RECONNECT_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.5)  # then 0.5 s between attempts
RATE_LIMIT_PAUSE = 0.25


def _card(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "mine"}


class BoardState:
    """The board as a client sees it, built from a snapshot and the events applied on top of it."""

    def __init__(self, me: str = "") -> None:
        self.me = me  # the viewer's key: a moderator receives others' votes in full, but "mine" is only mine
        self.seq = 0
        self.board: dict[str, Any] = {}
        self.zones: dict[int, dict] = {}
        self.groups: dict[int, dict] = {}
        self.cards: dict[int, dict] = {}
        self.votes: dict[str, Any] = {"round": 0, "mine": {}, "remaining": 0, "cast": 0}
        self.promotions: dict[int, dict] = {}
        self.unknown: list[str] = []

    def load(self, state: dict[str, Any]) -> None:
        self.seq = state["seq"]
        self.board = dict(state["board"])
        self.zones = {z["id"]: dict(z) for z in state["zones"]}
        self.groups = {g["id"]: dict(g) for g in state["groups"]}
        self.cards = {c["id"]: _card(c) for c in state["cards"]}
        votes = state["votes"]
        self.votes = {
            "round": votes["round"],
            "mine": dict(votes["mine"]),
            "remaining": votes["remaining"],
            "cast": votes["cast"],
        }
        self.promotions = {p["id"]: dict(p) for p in state["promotions"]}

    def apply(self, event: dict[str, Any]) -> None:
        kind, data = event["type"], event["data"]
        self.seq = event["seq"]
        if kind in ("card.added", "card.updated", "card.moved"):
            self.cards[data["id"]] = _card(data)
        elif kind == "card.removed":
            self.cards.pop(data["id"], None)
        elif kind == "cards.revealed":
            self.board = dict(data["board"])
            self.cards = {c["id"]: _card(c) for c in data["cards"]}
        elif kind in ("group.created", "group.updated"):
            self.groups[data["id"]] = {k: data[k] for k in ("id", "zone", "title", "position")}
            for card_id in data.get("cards", []):
                card = self.cards.get(card_id)
                if card is not None:
                    card["zone"] = data["zone"]
                    if not card.get("hidden"):
                        card["group"] = data["id"]
        elif kind == "group.removed":
            self.groups.pop(data["id"], None)
            for card_id in data["cards"]:
                if card_id in self.cards:
                    self.cards[card_id]["group"] = None
        elif kind == "vote.changed":
            self.votes["round"] = data["round"]
            self.votes["cast"] = data["cast"]
            if "mine" in data and event["actor"] == self.me:
                if data["mine"]:
                    self.votes["mine"][str(data["card"])] = data["mine"]
                else:
                    self.votes["mine"].pop(str(data["card"]), None)
                self.votes["remaining"] = data["remaining"]
        elif kind == "board.updated":
            self.board = dict(data)
            if data["voting_round"] != self.votes["round"]:
                self.votes.update(round=data["voting_round"], mine={}, cast=0)
            self.votes["remaining"] = data["vote_budget"] - sum(self.votes["mine"].values())
        elif kind == "zone.updated":
            self.zones[data["id"]] = dict(data)
        elif kind == "breakouts.converged":
            self.zones = {z["id"]: dict(z) for z in data["zones"]}
        elif kind == "promoted":
            self.promotions[data["id"]] = {k: data[k] for k in ("id", "card", "group", "target", "label")}
        elif kind in ("votes.tallied", "participant.updated"):
            pass  # tallies and breakout choices are not part of the compared state
        else:
            self.unknown.append(kind)

    def comparable(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "board": self.board,
            "zones": sorted(self.zones.values(), key=lambda z: z["id"]),
            "groups": sorted(self.groups.values(), key=lambda g: g["id"]),
            "cards": sorted(self.cards.values(), key=lambda c: c["id"]),
            "votes": self.votes,
            "promotions": sorted(self.promotions.values(), key=lambda p: p["id"]),
        }


def comparable_snapshot(state: dict[str, Any]) -> dict[str, Any]:
    """A snapshot (as `hello` returns it, or `board_state` computes it) in the shape of `BoardState.comparable()`."""
    model = BoardState()
    model.load(state)
    return model.comparable()


@dataclass
class Pending:
    op: str
    data: dict[str, Any]
    future: asyncio.Future
    first_sent: float | None = None
    attempts: int = 0


@dataclass
class Stats:
    frames: int = 0
    events_applied: int = 0
    duplicates: int = 0  # events received again (after a replay, or from a second path): ignored
    held_back: int = 0  # events that arrived ahead of a missing one and waited for it
    replays_asked: int = 0  # gaps that did not close by themselves: `hello` sent again
    snapshots: int = 0
    connects: int = 0
    failed_connects: int = 0
    retried_ops: int = 0
    rate_limited: int = 0
    servers: list[str] = field(default_factory=list)


class BoardClient:
    """One participant's connection to `/ws/live/board/<board_id>/`, kept alive across failures.

    `urls` are server base addresses (`ws://127.0.0.1:8001`); the client starts on the first and moves to the next
    whenever a connection cannot be made. `on_event(event, received_at)` is called for every event as it is applied
    (in sequence order), with the wall-clock time it reached the client: when its frame arrived or, for an event held
    back, when the one it waited for did.
    """

    _numbers = itertools.count(1)

    def __init__(
        self,
        urls: list[str] | str,
        board_id: int,
        cookie: str,
        *,
        name: str = "",
        on_event: Callable[[dict[str, Any], float], None] | None = None,
        gap_grace: float = GAP_GRACE,
        keep_state: bool = True,
        compression: str | None = "deflate",
    ) -> None:
        self.urls = [urls] if isinstance(urls, str) else list(urls)
        self.url_index = 0
        self.board_id = board_id
        self.cookie = cookie
        self.name = name or f"client-{next(self._numbers)}"
        self.on_event = on_event
        self.gap_grace = gap_grace
        self.keep_state = keep_state
        self.compression = compression
        self.state = BoardState()
        self.synced_once = False  # has had a snapshot: `seq` means something
        self.me: dict[str, Any] = {}
        self.presence: dict[str, dict] = {}
        self.pending: dict[str, Pending] = {}
        self.acks: dict[str, dict] = {}
        self.errors: dict[str, dict] = {}
        self.refused: int | None = None
        self.stats = Stats()
        self.connected = asyncio.Event()
        self.changed = asyncio.Event()
        self._ws = None
        self._held: dict[int, tuple[dict, float]] = {}  # seq → (event, arrived at)
        self._known_seq = 0  # the highest seq the server has told us exists (acks, events held back)
        self._gap_since: float | None = None
        self._grace = gap_grace
        self._last_replay = 0.0
        self._hello_in_flight = False
        self._closing = False
        self._task: asyncio.Task | None = None
        self._watch: asyncio.Task | None = None
        self._op_ids = itertools.count(1)
        self._prefix = uuid.uuid4().hex[:8]

    # --- Lifecycle -------------------------------------------------------------------------------------------------

    @property
    def seq(self) -> int:
        return self.state.seq

    @property
    def url(self) -> str:
        return self.urls[self.url_index % len(self.urls)]

    async def start(self, timeout: float = 10) -> BoardClient:
        """Connect and wait for the first snapshot."""
        self._task = asyncio.create_task(self._run(), name=f"{self.name} connection")
        self._watch = asyncio.create_task(self._watch_gaps(), name=f"{self.name} gaps")
        await self.wait_for(lambda: self.synced_once or self.refused is not None, timeout)
        if self.refused is not None:
            raise ConnectionRefusedError(f"{self.name} was refused with close code {self.refused}")
        return self

    async def close(self) -> None:
        self._closing = True
        for task in (self._watch, self._task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        for pending in self.pending.values():
            if not pending.future.done():
                pending.future.cancel()

    async def _run(self) -> None:
        failures = 0
        while not self._closing:
            url = f"{self.url}/ws/live/board/{self.board_id}/"
            origin = self.url.replace("ws://", "http://").replace("wss://", "https://")
            try:
                async with connect(
                    url,
                    origin=origin,
                    additional_headers={"Cookie": self.cookie},
                    open_timeout=5,
                    close_timeout=1,
                    max_size=2**23,
                    compression=self.compression,
                    ping_interval=None,
                ) as ws:
                    first = json.loads(await asyncio.wait_for(ws.recv(), 5))
                    if first.get("type") != "welcome":
                        raise ConnectionError(f"expected a welcome, got {first}")
                    self._ws = ws
                    self.me = first["me"]
                    self.state.me = self.me["key"]
                    self.stats.connects += 1
                    self.stats.servers.append(self.url)
                    failures = 0
                    await self._resume(ws)
                    self.connected.set()
                    async for raw in ws:
                        self._receive(raw)
            except asyncio.CancelledError:
                raise
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
                if code in REFUSED:
                    self._refuse(code)
                    return
            except InvalidStatus as refused:
                if refused.response.status_code in (401, 403, 404):
                    # Refused at the handshake (a consumer that closes before accepting answers 403): final.
                    self._refuse(4403)
                    return
                failures += 1  # 500: the server could not set the connection up (Redis restarting, say)
            except (OSError, InvalidHandshake, TimeoutError, ConnectionError, ValueError):
                failures += 1
            finally:
                self._ws = None
                self.connected.clear()
                self._hello_in_flight = False
            if self._closing:
                return
            if failures:
                self.stats.failed_connects += 1
                self.url_index += 1  # that server did not answer: try the next one
            await asyncio.sleep(RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)])

    def _refuse(self, code: int) -> None:
        self.refused = code
        for pending in self.pending.values():
            if not pending.future.done():
                pending.future.set_exception(ConnectionRefusedError(f"refused with {code}"))
        self.changed.set()

    async def _resume(self, ws) -> None:
        """After (re)connecting: catch up from the last applied seq, then send every unacknowledged operation."""
        await self._hello(ws)
        for op_id, pending in list(self.pending.items()):
            if pending.attempts:
                self.stats.retried_ops += 1
            await self._send_op(ws, op_id, pending)

    async def _hello(self, ws=None) -> None:
        ws = ws or self._ws
        if ws is None:
            return
        self._hello_in_flight = True
        await ws.send(json.dumps({"type": "hello", "since": self.seq if self.synced_once else None}))

    # --- Operations ----------------------------------------------------------------------------------------------

    def new_op_id(self) -> str:
        return f"{self._prefix}-{next(self._op_ids)}"

    async def op(
        self, op: str, data: dict[str, Any] | None = None, *, op_id: str | None = None, timeout: float = 60
    ) -> dict[str, Any]:
        """Send an operation; its ack or (final) error frame, however many connections that takes (TimeoutError
        after `timeout` seconds without one)."""
        op_id = op_id or self.new_op_id()
        pending = Pending(op, data or {}, asyncio.get_running_loop().create_future())
        self.pending[op_id] = pending
        if self._ws is not None:
            await self._send_op(self._ws, op_id, pending)
        try:
            return await asyncio.wait_for(asyncio.shield(pending.future), timeout)
        except TimeoutError:
            raise TimeoutError(f"{self.name}: no answer to {op} {op_id} within {timeout} s ({self.stats})") from None
        finally:
            self.pending.pop(op_id, None)

    async def _send_op(self, ws, op_id: str, pending: Pending) -> None:
        pending.attempts += 1
        if pending.first_sent is None:
            pending.first_sent = time.time()
        with contextlib.suppress(ConnectionClosed):
            await ws.send(json.dumps({"type": "op", "id": op_id, "op": pending.op, "data": pending.data}))

    async def send_presence(self, writing: bool = True) -> None:
        if self._ws is not None:
            with contextlib.suppress(ConnectionClosed):
                await self._ws.send(json.dumps({"type": "presence", "writing": writing}))

    async def ping(self) -> None:
        if self._ws is not None:
            with contextlib.suppress(ConnectionClosed):
                await self._ws.send(json.dumps({"type": "ping", "id": self.new_op_id()}))

    def sent_at(self, op_id: str) -> float | None:
        pending = self.pending.get(op_id)
        return pending.first_sent if pending else None

    # --- Receiving -------------------------------------------------------------------------------------------------

    def _receive(self, raw: str) -> None:
        now = time.time()
        frame = json.loads(raw)
        self.stats.frames += 1
        kind = frame.get("type")
        if kind == "batch":
            for item in frame.get("presence", []):
                self.presence[item["key"]] = item
            self._events(frame["events"], now)
        elif kind == "events":
            self._hello_in_flight = False
            self._events(frame["events"], now)
        elif kind == "snapshot":
            self._hello_in_flight = False
            self.stats.snapshots += 1
            self.state.load(frame["state"])
            self.presence = {p["key"]: p for p in frame["state"]["participants"]}
            self.synced_once = True
            self._drain(now)
        elif kind == "ack":
            self._known_seq = max(self._known_seq, frame["seq"])
            self._settle(frame["id"], frame)
            self._check_gap()
        elif kind == "error" and frame.get("id") in self.pending:
            if frame["code"] == "rate_limited":
                self.stats.rate_limited += 1
                asyncio.get_running_loop().call_later(RATE_LIMIT_PAUSE, self._resend, frame["id"])
            else:
                self._settle(frame["id"], frame)
        elif kind == "welcome":
            self.me = frame["me"]
            self.state.me = self.me["key"]
        self.changed.set()

    def _settle(self, op_id: str, frame: dict) -> None:
        pending = self.pending.get(op_id)
        if pending is None or pending.future.done():
            return
        (self.acks if frame["type"] == "ack" else self.errors)[op_id] = frame
        pending.future.set_result(frame)

    def _resend(self, op_id: str) -> None:
        pending = self.pending.get(op_id)
        if pending is not None and self._ws is not None and not pending.future.done():
            asyncio.ensure_future(self._send_op(self._ws, op_id, pending))

    def _events(self, events: list[dict], received_at: float) -> None:
        if not self.synced_once:
            return  # the snapshot that is on its way includes them
        for event in events:
            seq = event["seq"]
            if seq <= self.seq or seq in self._held:
                self.stats.duplicates += 1
            elif seq == self.seq + 1:
                self._apply(event, received_at)
            else:
                self.stats.held_back += 1
                self._held[seq] = (event, received_at)
                self._known_seq = max(self._known_seq, seq)
        self._drain(received_at)

    def _drain(self, now: float) -> None:
        for seq in sorted(self._held):
            if seq <= self.seq:
                del self._held[seq]
            elif seq == self.seq + 1:
                event, _ = self._held.pop(seq)
                self._apply(event, now)  # it reaches the person now, when the one it waited for has arrived
            else:
                break
        self._check_gap()

    def _apply(self, event: dict, received_at: float) -> None:
        if self.keep_state:
            self.state.apply(event)
        else:
            self.state.seq = event["seq"]
        self.stats.events_applied += 1
        if self.on_event is not None:
            self.on_event(event, received_at)

    def _check_gap(self) -> None:
        behind = bool(self._held) or self._known_seq > self.seq
        if not behind:
            self._gap_since = None
        elif self._gap_since is None:
            self._gap_since = time.monotonic()

    async def _watch_gaps(self) -> None:
        """A gap that stays open past the grace period is repaired by asking for a replay."""
        while True:
            await asyncio.sleep(min(0.1, self.gap_grace / 4))
            since = self._gap_since
            if since is None or self._hello_in_flight or self._ws is None:
                continue
            now = time.monotonic()
            if now - since >= self._grace:
                calm = now - self._last_replay > GAP_CALM
                self._grace = self.gap_grace if calm else min(self._grace * 2, GAP_GRACE_MAX)
                self._gap_since = self._last_replay = now
                self.stats.replays_asked += 1
                with contextlib.suppress(ConnectionClosed):
                    await self._hello()

    # --- Waiting ---------------------------------------------------------------------------------------------------

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(
                    f"{self.name}: condition not met within {timeout} s (seq {self.seq}, known {self._known_seq}, "
                    f"held {sorted(self._held)[:5]}, connected {self._ws is not None}, {self.stats})"
                )
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), min(remaining, 0.2))

    async def wait_seq(self, seq: int, timeout: float = 10) -> None:
        await self.wait_for(lambda: self.synced_once and self.seq >= seq, timeout)
