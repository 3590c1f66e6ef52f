"""Benchmark: how long watchers on a quiet board take to get an event whose process died before broadcasting it.

Run from the project root, with PostgreSQL and Redis running:

    .venv/bin/python -m tests.bench.resync              # 20 trials
    .venv/bin/python -m tests.bench.resync --trials 5

Two uvicorn processes, A and B, share Redis (a channel prefix of its own per run) and PostgreSQL (the database of
`tests.bench.boards`: `BENCH_BOARDS_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/collab_bench_boards).
Each trial has a fresh board: two watchers on A, a participant on B. The participant makes two changes in quick
succession (so the second waits in B's coalescing window) and B is killed (SIGKILL) the moment the second is
acknowledged; nobody acts after that. Measured: the time from the kill until both watchers hold the second change.
B is started again for the next trial.

A trial where the second change's frame left B before the kill is counted apart ("delivered before the kill"): the
figures are for the trials where the server had to repair a lost broadcast. Nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import tempfile
import time
import uuid
from pathlib import Path

from tests.bench.boards import _configure, _ensure_database

TIMEOUT = 30  # seconds a watcher may take before the trial counts as lost


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] if ordered else float("nan")


async def _trial(survivor, doomed, board: int, cookies: list[str]) -> tuple[float | None, bool]:
    """(seconds from the kill to both watchers holding the last change, whether its frame beat the kill)."""
    from tests.realstack.client import BoardClient

    watchers = [BoardClient(survivor.ws_url, board, cookie) for cookie in cookies[1:3]]
    participant = BoardClient(doomed.ws_url, board, cookies[0])
    try:
        await asyncio.gather(*(client.start() for client in [*watchers, participant]))
        zone = min(participant.state.zones)
        await participant.op("card.add", {"zone": zone, "text": "First"})
        await asyncio.gather(*(w.wait_seq(1, TIMEOUT) for w in watchers))
        await participant.op("card.add", {"zone": zone, "text": "Second"})
        last = await participant.op("card.add", {"zone": zone, "text": "Third"})
        doomed.kill()
        killed_at = time.monotonic()
        beat_the_kill = all(w.seq >= last["seq"] for w in watchers)
        try:
            await asyncio.gather(*(w.wait_seq(last["seq"], TIMEOUT) for w in watchers))
        except TimeoutError:
            return None, beat_the_kill
        return time.monotonic() - killed_at, beat_the_kill
    finally:
        for client in [*watchers, participant]:
            await client.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=20)
    args = parser.parse_args(argv)

    url = _configure()
    _ensure_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    from collab.live import Fanout
    from tests.bench.boards import Room, _forget_keys
    from tests.realstack import servers as server_processes

    call_command("migrate", verbosity=0)
    room = Room(3)
    prefix = f"bench-resync-{uuid.uuid4().hex[:8]}-"
    env = server_processes.server_env(
        database_url=os.environ["DATABASE_URL"], redis_url=os.environ["REDIS_URL"], prefix=prefix
    )
    log_dir = Path(tempfile.mkdtemp(prefix="bench-resync-logs-"))
    survivor = server_processes.start("a", env=env, log_dir=log_dir)
    repaired: list[float] = []
    early = lost = 0
    try:
        for trial in range(1, args.trials + 1):
            doomed = server_processes.start(f"b{trial}", env=env, log_dir=log_dir)
            try:
                server_processes.wait_ready([survivor, doomed])
                took, beat_the_kill = asyncio.run(_trial(survivor, doomed, room.new_board(), room.cookies))
            finally:
                doomed.stop()
            if took is None:
                lost += 1
            elif beat_the_kill:
                early += 1
            else:
                repaired.append(took)
            shown = "lost" if took is None else f"{took * 1000:.0f} ms{' (delivered before the kill)' * beat_the_kill}"
            print(f"trial {trial}: {shown}", flush=True)
    finally:
        survivor.stop()
        _forget_keys(prefix)

    print()
    print(f"Head check every {Fanout.HEAD_CHECK:g} s; {args.trials} trials; logs in {log_dir}.")
    print("| trials repaired | delivered before the kill | lost | p50 | p95 | p100 (max) |")
    print("|---|---|---|---|---|---|")
    figures = [f"{_percentile(repaired, q) * 1000:.0f} ms" for q in (0.5, 0.95, 1.0)]
    print(f"| {len(repaired)} | {early} | {lost} | {' | '.join(figures)} |")


if __name__ == "__main__":
    main()
