"""Benchmark: a live workshop board with N participants on the real stack, beside a bare fan-out baseline.

Run from the project root, with PostgreSQL and Redis running:

    .venv/bin/python -m tests.bench.boards                      # N = 50, 150 and 300, three runs of each
    .venv/bin/python -m tests.bench.boards -n 300 --runs 1      # one size, once

The stack is the production one: `uvicorn config.asgi:application` (`--servers` processes, default 1, clients
spread evenly over them), the Redis channel layer (`REDIS_URL`, default redis://127.0.0.1:6379/0, under a channel
prefix of its own per run) and PostgreSQL: its own database, `BENCH_BOARDS_DATABASE_URL` (default
postgres://postgres@127.0.0.1:5432/collab_bench_boards), created and migrated if missing, so your working database
is never touched. Participants are people of one collaborative, created directly with sessions in the database; each
run has a fresh board (private writing, 5 votes each, at most 3 on a card).

N simulated participants are websocket clients (`tests/realstack/client.py`: sequence checks, replay on a gap,
retries with the same op id), many per process, in `--generators` processes (default 2). One of them facilitates.
The workshop, in seconds from the start (`--write`, `--move`, `--vote` change the lengths):

- writing (20 s): everyone writes 3 cards privately, saying "I am writing" before each;
- the facilitator reveals the cards; moving (15 s): everyone moves 2 cards, the facilitator makes 5 groups;
- the facilitator opens voting; the voting burst (30 s): everyone spends their 5 votes;
- the facilitator closes voting. Every client sends a heartbeat ping every 20 s throughout.

Printed per run, and as medians over the runs: operations per second (overall and in the voting burst), deliveries
per second (events received by participants), the time from an operation's send to its event reaching each other
participant (p50/p95/p99, overall and in the voting burst, measured on this machine's clock from the sender's send
time, matched by the event's sequence number), frames per second each client receives, server memory per connection
(growth of the servers' resident memory from before the clients connected to when all had their snapshot, divided
by N), events that arrived out of order (held back and applied in order by the client), gaps repaired by a replay,
events lost (a client that never reached the board's last sequence number: must be 0) and server CPU.

The bare baseline runs the same participants and the same timetable against `tests/bench/bare_asgi.py`: a consumer
that relays each message to its group, with no authentication, database, numbering or coalescing. The ratio
board/bare compares latencies. Aims (issue 3): 300 participants, p95 < 150 ms and p99 < 250 ms through the voting
burst, the board within 2x of the bare baseline. Nothing here asserts on time: these are figures.

Options: `-n/--participants N [N ...]`, `--runs R`, `--servers S`, `--generators G`, `--only board|bare`,
`--write/--move/--vote SECONDS`, `--no-compression` (clients do not offer permessage-deflate; browsers do, and
the servers decline it as in production unless `--uvicorn-arg=--ws-per-message-deflate=true`),
`--json PATH` (also write every figure), `--keep-logs DIR` (keep the server logs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import pickle
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from array import array
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/collab_bench_boards"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
APPS = {"board": "config.asgi:application", "bare": "tests.bench.bare_asgi:application"}
CARD_TEXT = "Referrals reach us without the information schools already hold about the child"
FINAL_TIMEOUT = 60  # seconds a client may take to reach the board's last event after the workshop ends


# --- The workshop's timetable -----------------------------------------------------------------------------------------


@dataclass
class Plan:
    write: float = 20.0
    move: float = 15.0
    vote: float = 30.0
    cards_each: int = 3
    moves_each: int = 2
    votes_each: int = 5
    vote_cap: int = 3
    groups: int = 5
    ping_every: float = 20.0

    @property
    def reveal_at(self) -> float:
        return self.write

    @property
    def moving_from(self) -> float:
        return self.write + 1

    @property
    def voting_opens_at(self) -> float:
        return self.moving_from + self.move

    @property
    def voting_from(self) -> float:
        return self.voting_opens_at + 0.5

    @property
    def closes_at(self) -> float:
        return self.voting_from + self.vote + 0.5

    def actions(self, facilitator: bool, rng: random.Random) -> list[tuple[float, str]]:
        """What one participant does, when (seconds from the start)."""
        if facilitator:
            spread = [self.moving_from + self.move * (g + 0.5) / self.groups for g in range(self.groups)]
            return sorted(
                [
                    (self.reveal_at, "reveal"),
                    (self.reveal_at + 0.2, "phase:group"),
                    *((at, "group") for at in spread),
                    (self.voting_opens_at, "phase:vote"),
                    (self.closes_at, "phase:discuss"),
                ]
            )
        plan = []
        for _ in range(self.cards_each):
            at = rng.uniform(1.0, self.write - 0.5)
            plan += [(max(0.0, at - 1.5), "writing"), (at, "card")]
        plan += [(rng.uniform(self.moving_from, self.moving_from + self.move), "move") for _ in range(self.moves_each)]
        plan += [(rng.uniform(self.voting_from, self.voting_from + self.vote), "vote") for _ in range(self.votes_each)]
        return sorted(plan)


PHASE_OF = {"card": "write", "move": "move", "group": "move", "vote": "vote"}


# --- Generator processes ----------------------------------------------------------------------------------------------


@dataclass
class Recorder:
    """What one generator process saw. Board: send times by seq, receipt times by seq. Bare: latencies directly."""

    sent: dict[int, tuple[float, str]] = field(default_factory=dict)  # board: seq → (send time, phase)
    recv_seq: array = field(default_factory=lambda: array("q"))
    recv_t: array = field(default_factory=lambda: array("d"))
    latencies: dict[str, array] = field(default_factory=dict)  # bare: phase → seconds
    acks: array = field(default_factory=lambda: array("d"))  # board: seconds from an op's send to its ack
    acked: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    vote_window: list[float] = field(default_factory=list)  # first vote sent, last vote acknowledged
    clients: list[dict] = field(default_factory=list)

    def vote_span(self, started: float, finished: float) -> None:
        if not self.vote_window:
            self.vote_window = [started, finished]
        else:
            self.vote_window = [min(self.vote_window[0], started), max(self.vote_window[1], finished)]


async def _sleep_until(at: float) -> None:
    delay = at - time.time()
    if delay > 0:
        await asyncio.sleep(delay)


async def _pings(send_ping, plan: Plan, t0: float, end: float, rng: random.Random) -> None:
    at = t0 + rng.uniform(0, plan.ping_every)
    while at < end:
        await _sleep_until(at)
        await send_ping()
        at += plan.ping_every


async def _board_participant(client, facilitator: bool, plan: Plan, t0: float, rng: random.Random, rec: Recorder):
    from tests.realstack.client import BoardClient

    assert isinstance(client, BoardClient)

    async def op(phase: str, name: str, data: dict | None = None) -> dict:
        sent = time.time()
        try:
            reply = await client.op(name, data, timeout=120)
        except TimeoutError:
            rec.errors[f"{name}: no answer within 120 s"] += 1
            return {"type": "error"}
        if reply["type"] == "ack":
            rec.acks.append(time.time() - sent)
            rec.sent[reply["seq"]] = (sent, phase)
            rec.acked[phase] += 1
            if phase == "vote":
                rec.vote_span(sent, time.time())
        else:
            rec.errors[f"{name}: {reply['message']}"] += 1
        return reply

    for at, action in plan.actions(facilitator, rng):
        await _sleep_until(t0 + at)
        try:
            await _board_action(client, action, op, plan, rng)
        except TimeoutError:  # the board never showed the phase this needs: count it and carry on
            rec.errors[f"{action}: waited 60 s for the phase"] += 1


async def _board_action(client, action: str, op, plan: Plan, rng: random.Random) -> None:
    def zones() -> list[int]:
        return sorted(client.state.zones)

    if action == "writing":
        await client.send_presence(True)
    elif action == "card":
        await op("write", "card.add", {"zone": rng.choice(zones()), "text": f"{CARD_TEXT} ({rng.random():.6f})"})
    elif action == "reveal":
        await op("facilitate", "cards.reveal")
    elif action.startswith("phase:"):
        await op("facilitate", "phase.set", {"phase": action.split(":")[1]})
    elif action == "group":
        loose = [c["id"] for c in client.state.cards.values() if not c.get("group")]
        chosen = rng.sample(loose, min(5, len(loose)))
        await op("move", "group.create", {"zone": rng.choice(zones()), "title": "Information", "cards": chosen})
    elif action == "move":
        await client.wait_for(lambda: client.state.board.get("revealed"), 60)
        if not client.state.cards:
            return
        card = rng.choice(sorted(client.state.cards))
        await op("move", "card.move", {"card": card, "zone": rng.choice(zones()), "position": rng.random() * 50})
    elif action == "vote":
        await client.wait_for(lambda: client.state.board.get("voting_open"), 60)
        mine = client.state.votes["mine"]
        open_cards = [c for c in sorted(client.state.cards) if mine.get(str(c), 0) < plan.vote_cap]
        if not open_cards:
            return
        await op("vote", "vote.add", {"card": rng.choice(open_cards)})


class BareClient:
    """A participant of the bare baseline: sends numbered, time-stamped messages; checks each sender's numbering."""

    def __init__(self, url: str, index: int, rec: Recorder, compression: str | None):
        self.url, self.index, self.rec, self.compression = url, index, rec, compression
        self.sent = 0
        self.received = 0
        self.frames = 0
        self.out_of_order = 0
        self.last: dict[int, int] = {}
        self.ws = None
        self._reader: asyncio.Task | None = None

    async def start(self) -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(self.url, compression=self.compression, max_size=2**23, ping_interval=None)
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        latencies = self.rec.latencies
        async for raw in self.ws:
            now = time.time()
            self.frames += 1
            message = json.loads(raw)
            sender = message["s"]
            if message["type"] != "op" or sender == self.index:
                continue
            self.received += 1
            latencies.setdefault(message["p"], array("d")).append(now - message["t"])
            number, last = message["n"], self.last.get(sender, 0)
            if number != last + 1:
                self.out_of_order += 1
            self.last[sender] = max(last, number)

    async def send(self, phase: str | None, text: str = "") -> None:
        if phase is None:
            await self.ws.send(json.dumps({"type": "presence", "s": self.index, "writing": True}))
            return
        self.sent += 1
        message = {"type": "op", "s": self.index, "n": self.sent, "t": time.time(), "p": phase, "text": text}
        await self.ws.send(json.dumps(message))
        self.rec.acked[phase] += 1

    async def close(self) -> None:
        await self.ws.close()
        if self._reader:
            self._reader.cancel()


async def _bare_participant(client: BareClient, facilitator: bool, plan: Plan, t0: float, rng, rec: Recorder):
    for at, action in plan.actions(facilitator, rng):
        await _sleep_until(t0 + at)
        if action == "writing":
            await client.send(None)
        elif action == "vote":
            sent = time.time()
            await client.send("vote")
            rec.vote_span(sent, time.time())
        else:
            await client.send(PHASE_OF.get(action, "facilitate"), CARD_TEXT)


def _receipts(rec: Recorder, client):
    """Records when each event made by someone else reached this client."""

    def on_event(event: dict, at: float) -> None:
        if event["actor"] != client.me.get("key"):
            rec.recv_seq.append(event["seq"])
            rec.recv_t.append(at)

    return on_event


async def _read_line() -> str:
    return (await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)).strip()


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def _worker(spec: dict[str, Any]) -> None:
    from tests.realstack.client import BoardClient

    plan = Plan(**spec["plan"])
    rec = Recorder()
    compression = "deflate" if spec["compression"] else None
    mode = spec["mode"]
    clients: list[tuple[Any, dict]] = []
    for person in spec["participants"]:
        if mode == "board":
            client = BoardClient(person["urls"], spec["board"], person["cookie"], compression=compression)
            client.on_event = _receipts(rec, client)
            clients.append((client, person))
        else:
            url = f"{person['urls'][0]}/ws/bare/{spec['board']}/"
            clients.append((BareClient(url, person["index"], rec, compression), person))

    # Connect in small waves, as a room fills, each client with its snapshot before the next wave.
    for start in range(0, len(clients), 10):
        wave = clients[start : start + 10]
        await asyncio.gather(*(client.start() for client, _ in wave))
    _say("ready")
    t0 = float((await _read_line()).split()[1])
    end = t0 + plan.closes_at
    rngs = {person["index"]: random.Random(spec["seed"] * 100_003 + person["index"]) for _, person in clients}
    runners = []
    for client, person in clients:
        rng = rngs[person["index"]]
        if mode == "board":
            runners.append(_board_participant(client, person["facilitator"], plan, t0, rng, rec))
            runners.append(_pings(client.ping, plan, t0, end, random.Random(rng.random())))
        else:
            runners.append(_bare_participant(client, person["facilitator"], plan, t0, rng, rec))
    await asyncio.gather(*runners)
    _say(f"done {sum(c.sent for c, _ in clients) if mode == 'bare' else 0}")
    target = int((await _read_line()).split()[1])

    deadline = time.time() + FINAL_TIMEOUT
    for client, _ in clients:
        if mode == "board":
            while client.seq < target and time.time() < deadline:
                await asyncio.sleep(0.05)
            s = client.stats
            rec.clients.append(
                {
                    "frames": s.frames,
                    "missing": max(0, target - client.seq),
                    "held_back": s.held_back,
                    "replays": s.replays_asked,
                    "snapshots": s.snapshots,
                    "reconnects": s.connects - 1,
                    "duplicates": s.duplicates,
                }
            )
        else:
            expected = target - client.sent
            while client.received < expected and time.time() < deadline:
                await asyncio.sleep(0.05)
            rec.clients.append(
                {
                    "frames": client.frames,
                    "missing": max(0, expected - client.received),
                    "held_back": client.out_of_order,
                    "replays": 0,
                    "snapshots": 0,
                    "reconnects": 0,
                    "duplicates": 0,
                }
            )
    for client, _ in clients:
        await client.close()
    with open(spec["result"], "wb") as handle:
        pickle.dump(rec, handle)
    _say("result")


def worker_main() -> None:
    spec = json.loads(sys.stdin.readline())
    try:
        import uvloop

        uvloop.run(_worker(spec))
    except ImportError:
        asyncio.run(_worker(spec))


# --- The conductor: database, servers, generators, figures ------------------------------------------------------------


@dataclass
class Figures:
    mode: str
    participants: int
    run: int
    servers: int
    ops: int
    ops_per_s: float
    vote_ops_per_s: float
    deliveries_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    vote_p50_ms: float
    vote_p95_ms: float
    vote_p99_ms: float
    ack_p50_ms: float
    ack_p95_ms: float
    frames_per_s_per_client: float
    kib_per_connection: float
    out_of_order: int
    gaps_repaired: int
    lost: int
    reconnects: int
    op_errors: int
    server_cpu_pct: float
    generator_cpu_pct: float
    load_average: float  # the machine's 1-minute load average when the run ended (other work included)
    error_kinds: dict[str, int] = field(default_factory=dict)  # op errors by message, the commonest first


def _configure() -> str:
    url = os.environ.get("BENCH_BOARDS_DATABASE_URL") or DEFAULT_DATABASE_URL
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("HTTPS", "off")
    os.environ.setdefault("STATIC_MANIFEST", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    return url


def _ensure_database(url: str) -> None:
    from tests.bench.overview import _ensure_database as ensure

    ensure(url)


def _percentile(values, fraction: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


class Room:
    """The people of the benchmark (made once, reused) and a fresh board per run."""

    def __init__(self, size: int):
        from django.conf import settings
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.contrib.auth.hashers import make_password
        from django.contrib.sessions.backends.db import SessionStore

        from collab.models import Collaborative, Membership, Organisation, Programme, Role, Sector, User

        programme, _ = Programme.objects.get_or_create(slug="bench-boards", defaults={"name": "Board benchmark"})
        self.collaborative, _ = Collaborative.objects.get_or_create(
            slug="bench-boards-room",
            defaults={"programme": programme, "name": "Benchmark Collaborative", "locality": "Benchmark"},
        )
        organisation, _ = Organisation.objects.get_or_create(
            collaborative=self.collaborative,
            name="Benchmark School",
            defaults={"programme": programme, "sector": Sector.PRIMARY_SCHOOL},
        )
        emails = [f"participant{n}@bench-boards.example" for n in range(size)]
        have = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
        unusable = make_password(None)
        User.objects.bulk_create(
            User(email=e, display_name=f"Participant {n}", password=unusable)
            for n, e in enumerate(emails)
            if e not in have
        )
        users = {u.email: u for u in User.objects.filter(email__in=emails)}
        self.people = [users[e] for e in emails]
        members = set(Membership.objects.filter(collaborative=self.collaborative).values_list("user_id", flat=True))
        Membership.objects.bulk_create(
            Membership(
                user=person,
                programme=programme,
                collaborative=self.collaborative,
                organisation=organisation,
                sector=Sector.PRIMARY_SCHOOL,
                role=Role.FACILITATOR if n == 0 else Role.MEMBER,
            )
            for n, person in enumerate(self.people)
            if person.pk not in members
        )
        self.cookies = []
        for person in self.people:
            session = SessionStore()
            session[SESSION_KEY] = str(person.pk)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = person.get_session_auth_hash()
            session.create()
            self.cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")

    def new_board(self) -> int:
        from datetime import timedelta

        from django.utils import timezone

        from collab.models import Workshop
        from collab.services import boards as board_services

        start = timezone.now() - timedelta(minutes=5)
        workshop = Workshop.objects.create(
            programme=self.collaborative.programme,
            collaborative=self.collaborative,
            title="Benchmark workshop",
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            created_by=self.people[0],
        )
        board = board_services.board_create(
            actor=self.people[0],
            workshop=workshop,
            title="What gets in the way?",
            template="explore_map",
            vote_budget=5,
            vote_cap_per_card=3,
        )
        return board.pk


def _stream_seq(board_id: int) -> int:
    from collab.models import LiveStream
    from collab.services.boards import KIND

    return LiveStream.objects.get(kind=KIND, object_id=board_id).seq


def _forget_keys(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
    finally:
        client.close()


def _expect(process: subprocess.Popen, word: str, timeout: float) -> str:
    """The next line a generator prints, which must start with `word`."""
    import select

    ready, _, _ = select.select([process.stdout], [], [], timeout)
    line = process.stdout.readline().strip() if ready else ""
    if not line.startswith(word):
        raise RuntimeError(f"a generator said {line!r} instead of {word!r} (exit code {process.poll()})")
    return line


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def run_once(mode: str, n: int, run: int, *, room: Room, args, plan: Plan, log_dir: Path) -> Figures:
    from tests.realstack import servers as server_processes
    from tests.realstack.client import BoardClient

    prefix = f"bench-{uuid.uuid4().hex[:8]}-"
    env = server_processes.server_env(
        database_url=os.environ["DATABASE_URL"], redis_url=os.environ["REDIS_URL"], prefix=prefix
    )
    servers = [
        server_processes.start(
            f"{mode}-{n}-{run}-{s}", env=env, log_dir=log_dir, app=APPS[mode], extra_args=tuple(args.uvicorn_arg)
        )
        for s in range(args.servers)
    ]
    generators: list[subprocess.Popen] = []
    try:
        server_processes.wait_ready(servers)
        board = room.new_board() if mode == "board" else 1000 + run
        urls = [s.ws_url for s in servers]

        async def warm_up() -> None:  # load what the first connection loads, before measuring memory
            for url in urls:
                if mode == "board":
                    client = await BoardClient(url, board, room.cookies[0]).start()
                    await client.close()
                else:
                    from websockets.asyncio.client import connect

                    async with connect(f"{url}/ws/bare/{board}/") as ws:
                        await ws.send(json.dumps({"type": "presence", "s": -1}))
                        await ws.recv()

        asyncio.run(warm_up())
        time.sleep(0.5)
        rss_before = sum(s.rss_kb() for s in servers)

        people = [
            {
                "index": i,
                "cookie": room.cookies[i],
                "facilitator": i == 0,
                "urls": urls[i % len(urls) :] + urls[: i % len(urls)],
            }
            for i in range(n)
        ]
        results = [Path(tempfile.mkstemp(prefix="bench-boards-", suffix=".pickle")[1]) for _ in range(args.generators)]
        for g in range(args.generators):
            spec = {
                "mode": mode,
                "board": board,
                "participants": people[g :: args.generators],
                "plan": asdict(plan),
                "seed": run,
                "compression": not args.no_compression,
                "result": str(results[g]),
            }
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.bench.boards", "--worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                cwd=server_processes.ROOT,
            )
            process.stdin.write(json.dumps(spec) + "\n")
            process.stdin.flush()
            generators.append(process)
        for process in generators:
            _expect(process, "ready", 300)
        time.sleep(1.0)  # presence of the last arrivals settles
        rss_after = sum(s.rss_kb() for s in servers)

        cpu_before = sum(s.cpu_seconds() for s in servers)
        generator_cpu_before = sum(_cpu_seconds(p.pid) for p in generators)
        t0 = time.time() + 0.5
        for process in generators:
            process.stdin.write(f"go {t0}\n")
            process.stdin.flush()
        sent = sum(int(_expect(p, "done", plan.closes_at + 600).split()[1]) for p in generators)
        finished = time.time()
        cpu = sum(s.cpu_seconds() for s in servers) - cpu_before
        generator_cpu = sum(_cpu_seconds(p.pid) for p in generators) - generator_cpu_before
        target = _stream_seq(board) if mode == "board" else sent
        for process in generators:
            process.stdin.write(f"final {target}\n")
            process.stdin.flush()
        for process in generators:
            _expect(process, "result", FINAL_TIMEOUT + 60)
            process.wait(timeout=30)
        records = []
        for path in results:
            with path.open("rb") as handle:
                records.append(pickle.load(handle))
            path.unlink()
    finally:
        for process in generators:
            if process.poll() is None:
                process.kill()
        for server in servers:
            server.stop()
        _forget_keys(prefix)
    if not args.keep_logs:
        for server in servers:
            server.log_path.unlink(missing_ok=True)
    return _figures(mode, n, run, records, t0, finished, rss_after - rss_before, cpu, generator_cpu, args.servers)


def _figures(mode, n, run, records, t0, finished, rss_kib, cpu, generator_cpu, servers) -> Figures:
    window = finished - t0
    latencies: dict[str, list[float]] = {}
    deliveries = 0
    if mode == "board":
        sent: dict[int, tuple[float, str]] = {}
        for rec in records:
            sent.update(rec.sent)
        for rec in records:
            for seq, at in zip(rec.recv_seq, rec.recv_t, strict=True):
                deliveries += 1
                origin = sent.get(seq)
                if origin is not None:
                    latencies.setdefault(origin[1], []).append(at - origin[0])
    else:
        for rec in records:
            for phase, values in rec.latencies.items():
                latencies.setdefault(phase, []).extend(values)
                deliveries += len(values)
    everything = [v for values in latencies.values() for v in values]
    votes = latencies.get("vote", [])
    acked = Counter()
    errors = 0
    vote_window: list[float] = []
    for rec in records:
        acked.update(rec.acked)
        errors += sum(rec.errors.values())
        if rec.vote_window:
            vote_window = (
                rec.vote_window
                if not vote_window
                else [min(vote_window[0], rec.vote_window[0]), max(vote_window[1], rec.vote_window[1])]
            )
    clients = [c for rec in records for c in rec.clients]
    acks = [v for rec in records for v in rec.acks]
    ops = sum(acked.values())
    vote_seconds = (vote_window[1] - vote_window[0]) if vote_window else float("nan")

    def ms(values, fraction):
        return round(_percentile(values, fraction) * 1000, 1)

    return Figures(
        mode=mode,
        participants=n,
        run=run,
        servers=servers,
        ops=ops,
        ops_per_s=round(ops / window, 1),
        vote_ops_per_s=round(acked["vote"] / vote_seconds, 1) if vote_window else 0.0,
        deliveries_per_s=round(deliveries / window),
        p50_ms=ms(everything, 0.5),
        p95_ms=ms(everything, 0.95),
        p99_ms=ms(everything, 0.99),
        vote_p50_ms=ms(votes, 0.5),
        vote_p95_ms=ms(votes, 0.95),
        vote_p99_ms=ms(votes, 0.99),
        ack_p50_ms=ms(acks, 0.5),
        ack_p95_ms=ms(acks, 0.95),
        frames_per_s_per_client=round(sum(c["frames"] for c in clients) / window / n, 2),
        kib_per_connection=round(rss_kib / n, 1),
        out_of_order=sum(c["held_back"] for c in clients),
        gaps_repaired=sum(c["replays"] for c in clients),
        lost=sum(c["missing"] for c in clients),
        reconnects=sum(c["reconnects"] for c in clients),
        op_errors=errors,
        server_cpu_pct=round(100 * cpu / window, 1),
        generator_cpu_pct=round(100 * generator_cpu / window, 1),
        load_average=round(os.getloadavg()[0], 2),
        error_kinds=dict(sum((rec.errors for rec in records), Counter()).most_common()),
    )


COLUMNS = [
    ("mode", "mode"),
    ("participants", "N"),
    ("run", "run"),
    ("ops_per_s", "ops/s"),
    ("vote_ops_per_s", "vote ops/s"),
    ("deliveries_per_s", "deliv/s"),
    ("p50_ms", "p50 ms"),
    ("p95_ms", "p95 ms"),
    ("p99_ms", "p99 ms"),
    ("vote_p95_ms", "vote p95"),
    ("vote_p99_ms", "vote p99"),
    ("ack_p50_ms", "ack p50"),
    ("ack_p95_ms", "ack p95"),
    ("frames_per_s_per_client", "frames/s/cl"),
    ("kib_per_connection", "KiB/conn"),
    ("out_of_order", "out of order"),
    ("gaps_repaired", "replays"),
    ("lost", "lost"),
    ("op_errors", "op errors"),
    ("server_cpu_pct", "server CPU %"),
    ("generator_cpu_pct", "gen CPU %"),
    ("load_average", "load"),
]


def _table(rows: list[dict[str, Any]]) -> str:
    headings = [title for _, title in COLUMNS]
    cells = [[str(row[key]) for key, _ in COLUMNS] for row in rows]
    widths = [max(len(c) for c in column) for column in zip(headings, *cells, strict=False)]

    def line(values):
        return "  ".join(
            v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths, strict=True))
        )

    return "\n".join([line(headings), "  ".join("-" * w for w in widths), *(line(c) for c in cells)])


def _medians(figures: list[Figures]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, int], list[Figures]] = {}
    for f in figures:
        groups.setdefault((f.mode, f.participants), []).append(f)
    rows = []
    for (mode, n), found in sorted(groups.items(), key=lambda item: (item[0][1], item[0][0] != "board")):
        row: dict[str, Any] = {"mode": mode, "participants": n, "run": f"med{len(found)}"}
        for key, _ in COLUMNS[3:]:
            value = statistics.median(getattr(f, key) for f in found)
            row[key] = round(value, 2) if isinstance(value, float) else value
        rows.append(row)
    return rows


def _ratios(medians: list[dict[str, Any]]) -> str:
    by = {(r["mode"], r["participants"]): r for r in medians}
    lines = ["N     p50 board/bare  p95 board/bare  p99 board/bare  vote p95 board/bare  vote p99 board/bare  aims"]
    for n in sorted({r["participants"] for r in medians}):
        board, bare = by.get(("board", n)), by.get(("bare", n))
        if not board or not bare:
            continue

        def ratio(key, board=board, bare=bare):
            return f"{board[key] / bare[key]:.2f}" if bare[key] else "-"

        met = board["vote_p95_ms"] < 150 and board["vote_p99_ms"] < 250 and board["lost"] == 0
        within = all(board[k] <= 2 * bare[k] for k in ("p95_ms", "p99_ms"))
        lines.append(
            f"{n:<5} {ratio('p50_ms'):>14}  {ratio('p95_ms'):>14}  {ratio('p99_ms'):>14}  "
            f"{ratio('vote_p95_ms'):>19}  {ratio('vote_p99_ms'):>19}  "
            f"{'latency met' if met else 'latency missed'}, {'within 2x' if within else 'over 2x'}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--participants", type=int, nargs="+", default=[50, 150, 300])
    parser.add_argument("--runs", type=int, default=3, help="Runs of each size and mode (default 3).")
    parser.add_argument("--servers", type=int, default=1, help="uvicorn processes (default 1).")
    parser.add_argument("--generators", type=int, default=2, help="Load generator processes (default 2).")
    parser.add_argument("--only", choices=["board", "bare"], help="Measure one mode only.")
    parser.add_argument("--write", type=float, default=Plan.write, help="Seconds of writing (default 20).")
    parser.add_argument("--move", type=float, default=Plan.move, help="Seconds of moving (default 15).")
    parser.add_argument("--vote", type=float, default=Plan.vote, help="Seconds of the voting burst (default 30).")
    parser.add_argument("--no-compression", action="store_true", help="Clients do not offer permessage-deflate.")
    parser.add_argument(
        "--uvicorn-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="Pass ARG on to every uvicorn process (repeatable), e.g. --uvicorn-arg=--ws-per-message-deflate=true "
        "(production declines compression)",
    )
    parser.add_argument("--json", metavar="PATH", help="Also write every figure to this JSON file.")
    parser.add_argument("--keep-logs", metavar="DIR", help="Keep the server logs in DIR.")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker_main()
        return
    if min(args.participants) < 2 or args.runs < 1 or args.servers < 1 or args.generators < 1:
        parser.error("Use at least 2 participants, 1 run, 1 server and 1 generator.")
    if args.write < 3 or args.move < 2 or args.vote < 2:
        parser.error("Give writing at least 3 s, moving 2 s and voting 2 s.")

    url = _configure()
    _ensure_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    plan = Plan(write=args.write, move=args.move, vote=args.vote)
    room = Room(max(args.participants))
    log_dir = Path(args.keep_logs or tempfile.mkdtemp(prefix="bench-boards-logs-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    modes = [args.only] if args.only else ["board", "bare"]
    figures: list[Figures] = []
    for n in args.participants:
        for run in range(1, args.runs + 1):
            for mode in modes:
                result = run_once(mode, n, run, room=room, args=args, plan=plan, log_dir=log_dir)
                figures.append(result)
                print(_table([asdict(result)]).splitlines()[-1], file=sys.stderr, flush=True)

    database = settings.DATABASES["default"]
    print()
    print(
        f"Live board, {args.servers} uvicorn process(es), Redis channel layer, PostgreSQL database "
        f"{database['NAME']}; {args.generators} generator process(es); Python {platform.python_version()}, "
        f"Django {django.get_version()}, {os.cpu_count()} CPUs; timetable: write {plan.write:g} s, move "
        f"{plan.move:g} s, vote {plan.vote:g} s; clients {'do not offer' if args.no_compression else 'offer'} "
        "compression"
        f"{'; uvicorn ' + ' '.join(args.uvicorn_arg) if args.uvicorn_arg else ''}."
    )
    print()
    print("Every run:")
    print(_table([asdict(f) for f in figures]))
    for f in figures:
        if f.error_kinds:
            kinds = "; ".join(f"{count} × {kind}" for kind, count in f.error_kinds.items())
            print(f"  op errors, {f.mode} N={f.participants} run {f.run}: {kinds}")
    medians = _medians(figures)
    print()
    print("Medians over the runs:")
    print(_table(medians))
    if len(modes) == 2:
        print()
        print("Board against the bare baseline (medians):")
        print(_ratios(medians))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"runs": [asdict(f) for f in figures], "medians": medians}, handle, indent=2)


if __name__ == "__main__":
    main()
