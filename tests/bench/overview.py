"""Benchmark: the collaborative overview page and the memberships API, small and large.

Run from the project root:

    .venv/bin/python -m tests.bench.overview

It uses its own PostgreSQL database, `BENCH_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/collab_bench),
creating and migrating it if needed, so it never touches the database you work in. It builds two fictional data sets
with `collab.demo.build_programme` (rebuilt on every run, so every run measures the same rows):

- `3x35`: three localities of 35 memberships each (the demo's size), measured on the first;
- `1x5000`: one collaborative with 5,000 memberships.

For each, signed in as one of the collaborative's facilitators, it requests through Django's test client (the whole
middleware stack, sessions and authentication included, no network) the overview page `/c/<slug>/`, the memberships
API's first page `/api/v1/memberships/?collaborative=<id>` and the same with `&page_size=500`. After a warm-up it
times `--runs` requests of each (default 50) and prints the median and 95th-percentile latency in milliseconds and
the number of SQL queries one request makes. It runs with DEBUG off, as in production. Nothing here asserts on time:
the query counts are what `tests/collab/test_query_counts.py` holds steady.

Options: `--runs N`, `--warmup N`, `--only 3x35|1x5000`, `--json PATH` (also write the figures as JSON).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
import warnings
from dataclasses import asdict, dataclass

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/collab_bench"
SCENARIOS = {"3x35": (3, 35), "1x5000": (1, 5000)}


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
    """Point Django at the benchmark database, with production-like settings, before it loads."""
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("STATIC_MANIFEST", "false")  # no collectstatic needed to render pages
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Static files are served from the finders when DEBUG is on; their absence does not affect these requests.
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    return url


def _ensure_database(url: str) -> None:
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        raise SystemExit("The benchmark runs on PostgreSQL: set BENCH_DATABASE_URL to a postgres:// URL.")
    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **{k: v for k, v in params.items() if v}) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            print(f"Created database {config['NAME']}.")


def _percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _measure(client, url: str, *, runs: int, warmup: int) -> tuple[list[float], int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}; the benchmark needs a working page.")
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    rows = response.json()["count"] if response["Content-Type"].startswith("application/json") else 0
    return timings, len(captured.captured_queries), rows


def run(*, runs: int, warmup: int, only: str | None) -> list[Figure]:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from collab.demo import build_programme
    from collab.models import Membership, Role

    figures = []
    for scenario, (localities, members) in SCENARIOS.items():
        if only and scenario != only:
            continue
        started = time.perf_counter()
        result = build_programme(
            localities=localities,
            members_per_collaborative=members,
            slug=f"bench-{scenario}",
            name=f"Benchmark {scenario}",
            with_demo_logins=False,
            reset=True,
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh planner statistics after a bulk load, as a live database would have
        collaborative = result.programme.collaboratives.order_by("pk").first()
        print(
            f"Built {scenario}: {result.collaboratives} localities, {result.memberships} memberships "
            f"in {time.perf_counter() - started:.2f} s.",
            file=sys.stderr,
        )
        facilitator = (
            Membership.objects.active()
            .filter(collaborative=collaborative, role=Role.FACILITATOR)
            .select_related("user")
            .first()
            .user
        )
        client = Client()
        client.force_login(facilitator)
        endpoints = [
            ("overview page", reverse("collaborative-overview", args=[collaborative.slug])),
            ("memberships API, first page", f"/api/v1/memberships/?collaborative={collaborative.pk}"),
            ("memberships API, page_size=500", f"/api/v1/memberships/?collaborative={collaborative.pk}&page_size=500"),
        ]
        for label, url in endpoints:
            timings, queries, _ = _measure(client, url, runs=runs, warmup=warmup)
            figures.append(
                Figure(
                    scenario=scenario,
                    endpoint=label,
                    rows=members,
                    runs=runs,
                    median_ms=round(statistics.median(timings), 1),
                    p95_ms=round(_percentile(timings, 0.95), 1),
                    queries=queries,
                )
            )
    return figures


def table(figures: list[Figure]) -> str:
    headings = ["data set", "request", "members", "runs", "median ms", "p95 ms", "queries"]
    rows = [
        [f.scenario, f.endpoint, f"{f.rows:,}", str(f.runs), f"{f.median_ms:.1f}", f"{f.p95_ms:.1f}", str(f.queries)]
        for f in figures
    ]
    widths = [max(len(cell) for cell in column) for column in zip(headings, *rows, strict=False)]
    numeric = {2, 3, 4, 5, 6}

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.rjust(width) if i in numeric else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headings), "  ".join("-" * w for w in widths), *(line(row) for row in rows)])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="Timed requests per endpoint (default 50).")
    parser.add_argument("--warmup", type=int, default=5, help="Untimed requests first (default 5).")
    parser.add_argument("--only", choices=list(SCENARIOS), help="Measure one data set only.")
    parser.add_argument("--json", metavar="PATH", help="Also write the figures to this JSON file.")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.warmup < 1:
        parser.error("--runs and --warmup must be at least 1.")

    url = _configure()
    _ensure_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    figures = run(runs=args.runs, warmup=args.warmup, only=args.only)

    database = settings.DATABASES["default"]
    print()
    print(
        f"Collaborative overview and memberships API — PostgreSQL database {database['NAME']}, "
        f"cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}, DEBUG={settings.DEBUG}, "
        f"Python {platform.python_version()}, Django {django.get_version()}, in-process test client, "
        f"{args.warmup} warm-up then {args.runs} timed requests each, signed in as a facilitator."
    )
    print(table(figures))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump([asdict(f) for f in figures], handle, indent=2)
        print(f"\nWrote {args.json}.")


if __name__ == "__main__":
    main()
