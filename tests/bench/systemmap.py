"""Benchmark: a system map of 500 elements and 2,000 connections — the page's data load and the analysis — and a
5,000-row CSV import.

Run from the project root with PostgreSQL running:

    .venv/bin/python -m tests.bench.systemmap

It uses its own PostgreSQL database, `BENCH_SYSTEMMAP_DATABASE_URL` (default
postgres://postgres@127.0.0.1:5432/collab_bench_systemmap), creating and migrating it if needed, so it never touches
the database you work in. `REDIS_URL`, if set, is the cache (as in production); DEBUG is off.

It builds (afresh on every run) one collaborative (`collab.demo.build_programme`, 1 locality of 35 members) with two
maps of random connections (seeded, so every run measures the same map): `50x200` (50 elements, 200 connections)
and `500x2000` (500 elements, 2,000 connections, about two thirds +), each with a quote and a data point on every
element (one in eight sensitive), a finding per twenty elements and one comment per ten. Signed in as one of its
facilitators, through Django's test client (the whole middleware stack, sessions and authentication, no network):

- page data: `GET /api/v1/maps/<id>/data/` — everything the map page loads (and the live snapshot);
- analysis, cold: `GET /api/v1/maps/<id>/analysis/` with the cache emptied before each request (loops up to 8
  connections, at most 200 listed; betweenness, estimated from 150 start points past 300 elements; gaps; journey);
- analysis, cached: the same request again (the result is cached per change of the map);
- import: `POST /api/v1/maps/import/` of a zip of two CSV files, 1,000 elements and 4,000 connections (5,000 rows),
  each time into a new map (`--import-runs`, default 10).

After a warm-up it times `--runs` requests of each (default 30) and prints the median and 95th percentile (nearest
rank) in milliseconds and the number of SQL queries one request makes. Nothing here asserts on time: the query counts
are what `tests/systemmap/test_query_counts.py` holds steady.

Options: `--runs N`, `--warmup N`, `--import-runs N`, `--only 50x200|500x2000`, `--json PATH`.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import statistics
import sys
import time
import warnings
import zipfile
from dataclasses import asdict, dataclass

from tests.bench.overview import _ensure_database, _percentile

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/collab_bench_systemmap"
SCENARIOS = {"50x200": (50, 200), "500x2000": (500, 2000)}
IMPORT_ELEMENTS, IMPORT_CONNECTIONS = 1000, 4000


@dataclass
class Figure:
    scenario: str
    endpoint: str
    rows: int
    runs: int
    median_ms: float
    p95_ms: float
    queries: int


def _configure() -> str:
    url = os.environ.get("BENCH_SYSTEMMAP_DATABASE_URL") or DEFAULT_DATABASE_URL
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("STATIC_MANIFEST", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    return url


def table(figures: list[Figure]) -> str:
    headings = ["data set", "request", "rows", "runs", "median ms", "p95 ms", "queries"]
    rows = [
        [f.scenario, f.endpoint, f"{f.rows:,}", str(f.runs), f"{f.median_ms:.1f}", f"{f.p95_ms:.1f}", str(f.queries)]
        for f in figures
    ]
    widths = [max(len(cell) for cell in column) for column in zip(headings, *rows, strict=False)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.rjust(width) if i >= 2 else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headings), "  ".join("-" * w for w in widths), *(line(row) for row in rows)])


def build_map(collaborative, author, elements: int, connections: int, *, seed: int = 2026):
    """A map of random connections, with evidence, findings and comments, written in bulk."""
    from collab.models import LiveStream
    from systemmap.models import (
        Connection,
        Element,
        ElementType,
        Evidence,
        Finding,
        FindingElement,
        Map,
        MapComment,
    )

    rng = random.Random(seed)
    types = list(ElementType.values)
    map_ = Map.objects.create(
        collaborative=collaborative, title=f"Benchmark {elements}x{connections}", created_by=author
    )
    LiveStream.objects.create(kind="systemmap", object_id=map_.pk)
    made = Element.objects.bulk_create(
        Element(
            map=map_,
            label=f"Element {n}",
            type=types[n % len(types)],
            journey_step=(n // len(types)) + 1 if types[n % len(types)] == "stage" and n < 70 else None,
            tags=["bench"],
            x=float(rng.randint(-5000, 5000)),
            y=float(rng.randint(-5000, 5000)),
        )
        for n in range(elements)
    )
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < connections:
        a, b = rng.randrange(elements), rng.randrange(elements)
        if a != b:
            pairs.add((a, b))
    Connection.objects.bulk_create(
        Connection(map=map_, source=made[a], target=made[b], polarity="-" if rng.random() < 0.33 else "+")
        for a, b in sorted(pairs)
    )
    evidence = []
    for n, element in enumerate(made):
        evidence.append(
            Evidence(
                map=map_,
                element=element,
                kind="quote",
                source_kind="parent",
                attribution="Parent",
                text="We waited a long time.",
                sensitive=n % 8 == 0,
                created_by=author,
            )  # fmt: skip
        )
        evidence.append(
            Evidence(
                map=map_,
                element=element,
                kind="data_point",
                source_kind="data",
                attribution="Council",
                text="Pupils",
                count=rng.randint(0, 300),
                created_by=author,
            )  # fmt: skip
        )
    Evidence.objects.bulk_create(evidence)
    for n in range(0, elements, 20):
        finding = Finding.objects.create(map=map_, title=f"Finding {n}", position=n, created_by=author)
        FindingElement.objects.bulk_create(
            FindingElement(map=map_, finding=finding, element=e) for e in made[n : n + 3]
        )
    MapComment.objects.bulk_create(
        MapComment(map=map_, element=made[n], author=author, body="A comment") for n in range(0, elements, 10)
    )
    return map_


def import_zip(elements: int, connections: int, *, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    element_rows = ["ID,Label,Type,Sector,Description,Tags,X,Y"]
    types = ["Service", "Organisation or actor", "Setting", "Pressure or issue", "Need", "Resource"]
    for n in range(elements):
        element_rows.append(f"e{n},Element {n},{types[n % len(types)]},,A description,a|b,{n},{-n}")
    connection_rows = ["ID,From,To,Type,Polarity,Strength,Note"]
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < connections:
        a, b = rng.randrange(elements), rng.randrange(elements)
        if a != b:
            pairs.add((a, b))
    for n, (a, b) in enumerate(sorted(pairs)):
        connection_rows.append(f"c{n},e{a},e{b},Influence,{'-' if n % 3 == 0 else '+'},3,")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("elements.csv", "\n".join(element_rows) + "\n")
        archive.writestr("connections.csv", "\n".join(connection_rows) + "\n")
    return buffer.getvalue()


def _time(call, *, runs: int, warmup: int, before=None) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        if before:
            before()
        call()
    timings = []
    for _ in range(runs):
        if before:
            before()
        started = time.perf_counter()
        response = call()
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code >= 300:
            raise SystemExit(f"The request answered {response.status_code}: {response.content[:300]!r}")
    if before:
        before()
    with CaptureQueriesContext(connection) as captured:
        call()
    return timings, len(captured.captured_queries)


def run(*, runs: int, warmup: int, import_runs: int, only: str | None) -> list[Figure]:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from collab.demo import build_programme
    from collab.models import Membership, Role

    result = build_programme(
        localities=1, members_per_collaborative=35, slug="bench-systemmap", name="Benchmark maps",
        with_demo_logins=False, reset=True,
    )  # fmt: skip
    collaborative = result.programme.collaboratives.get()
    facilitator = (
        Membership.objects.active()
        .filter(collaborative=collaborative, role=Role.FACILITATOR)
        .select_related("user")
        .first()
        .user
    )
    client = Client()
    client.force_login(facilitator)
    figures = []

    def figure(scenario, label, rows, timings, queries, count):
        figures.append(
            Figure(
                scenario,
                label,
                rows,
                count,
                round(statistics.median(timings), 1),
                round(_percentile(timings, 0.95), 1),
                queries,
            )  # fmt: skip
        )

    for scenario, (elements, connections) in SCENARIOS.items():
        if only and scenario != only:
            continue
        started = time.perf_counter()
        map_ = build_map(collaborative, facilitator, elements, connections)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"Built {scenario} in {time.perf_counter() - started:.2f} s.", file=sys.stderr)
        data_url, analysis_url = f"/api/v1/maps/{map_.pk}/data/", f"/api/v1/maps/{map_.pk}/analysis/"
        timings, queries = _time(lambda url=data_url: client.get(url), runs=runs, warmup=warmup)
        figure(scenario, "page data", elements, timings, queries, runs)
        timings, queries = _time(lambda url=analysis_url: client.get(url), runs=runs, warmup=warmup, before=cache.clear)
        figure(scenario, "analysis, cold", elements, timings, queries, runs)
        timings, queries = _time(lambda url=analysis_url: client.get(url), runs=runs, warmup=warmup)
        figure(scenario, "analysis, cached", elements, timings, queries, runs)
        loops = client.get(analysis_url).json()["loops"]
        print(
            f"{scenario}: {len(loops['items'])} loops listed ({loops['reinforcing']} reinforcing, "
            f"{loops['balancing']} balancing), cut: {loops['cut']}.",
            file=sys.stderr,
        )

    if not only or only == "500x2000":
        content = import_zip(IMPORT_ELEMENTS, IMPORT_CONNECTIONS)

        def post():
            upload = io.BytesIO(content)
            upload.name = "map.zip"
            return client.post("/api/v1/maps/import/", {"collaborative": collaborative.pk, "file": upload})

        timings, queries = _time(post, runs=import_runs, warmup=1)
        figure("5000 rows", "CSV import (zip)", IMPORT_ELEMENTS + IMPORT_CONNECTIONS, timings, queries, import_runs)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="Timed requests per endpoint (default 30).")
    parser.add_argument("--warmup", type=int, default=3, help="Untimed requests first (default 3).")
    parser.add_argument("--import-runs", type=int, default=10, help="Timed imports (default 10).")
    parser.add_argument("--only", choices=list(SCENARIOS), help="Measure one map only.")
    parser.add_argument("--json", metavar="PATH", help="Also write the figures to this JSON file.")
    args = parser.parse_args(argv)
    if min(args.runs, args.warmup, args.import_runs) < 1:
        parser.error("--runs, --warmup and --import-runs must be at least 1.")

    url = _configure()
    _ensure_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    figures = run(runs=args.runs, warmup=args.warmup, import_runs=args.import_runs, only=args.only)
    database = settings.DATABASES["default"]
    print()
    print(
        f"System maps — PostgreSQL database {database['NAME']}, cache "
        f"{settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}, DEBUG={settings.DEBUG}, Python "
        f"{platform.python_version()}, Django {django.get_version()}, in-process test client, signed in as a "
        "facilitator."
    )
    print(table(figures))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump([asdict(f) for f in figures], handle, indent=2)
        print(f"\nWrote {args.json}.")


if __name__ == "__main__":
    main()
