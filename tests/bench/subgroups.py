"""Benchmark: the workstream leads' view and the sub-group API, with a few sub-groups and with very many.

Run from the project root:

    .venv/bin/python -m tests.bench.subgroups

It uses its own PostgreSQL database, `BENCH_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/collab_bench),
creating and migrating it if needed, exactly as `tests.bench.overview` does. It builds two fictional data sets with
`collab.demo.build_programme` and `subgroups.demo.build_subgroups` (rebuilt on every run):

- `5x2y`: one collaborative of 35 members with 5 sub-groups, each with two years of fortnightly progress updates
  (52 each), milestones, comments, people and a support log — a real locality at the end of the programme;
- `500x2y`: one collaborative with 500 sub-groups, each with two years of fortnightly updates (26,000 updates).

Signed in as one of the collaborative's facilitators, it requests through Django's test client (the whole middleware
stack, sessions and authentication, no network) the leads' view `/c/<slug>/subgroups/`, the sub-group API's first
page `/api/v1/subgroups/?collaborative=<id>`, the same with `&page_size=500`, and one sub-group's page (its timeline
shows the latest ten of its 52 updates). After a warm-up it times `--runs` requests of each (default 50) and prints
the median and 95th-percentile latency in milliseconds and the number of SQL queries one request makes. Nothing here
asserts on time: `tests/subgroups/test_query_counts.py` holds the query counts steady.

Options: `--runs N`, `--warmup N`, `--only 5x2y|500x2y`, `--json PATH` (also write the figures as JSON).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass

from tests.bench.overview import _configure, _ensure_database, _measure, _percentile

UPDATES = 52  # two years of fortnightly updates
SCENARIOS = {"5x2y": 5, "500x2y": 500}


@dataclass
class Figure:
    scenario: str
    endpoint: str
    subgroups: int
    updates: int
    runs: int
    median_ms: float
    p95_ms: float
    queries: int


def run(*, runs: int, warmup: int, only: str | None) -> list[Figure]:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from collab.demo import build_programme
    from collab.models import Membership, Role
    from subgroups.demo import build_subgroups
    from subgroups.models import ProgressUpdate, SubGroup

    figures = []
    for scenario, count in SCENARIOS.items():
        if only and scenario != only:
            continue
        started = time.perf_counter()
        result = build_programme(
            localities=1,
            members_per_collaborative=35,
            slug=f"bench-subgroups-{scenario}",
            name=f"Benchmark sub-groups {scenario}",
            with_demo_logins=False,
            reset=True,
        )
        collaborative = result.programme.collaboratives.get()
        build_subgroups([collaborative], per_collaborative=count, updates=UPDATES)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        updates = ProgressUpdate.objects.filter(subgroup__collaborative=collaborative).count()
        print(
            f"Built {scenario}: {count} sub-groups, {updates:,} updates in {time.perf_counter() - started:.2f} s.",
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
        first = SubGroup.objects.filter(collaborative=collaborative).order_by("pk").first()
        endpoints = [
            ("leads' view page", reverse("subgroup-list", args=[collaborative.slug])),
            ("sub-group API, first page", f"/api/v1/subgroups/?collaborative={collaborative.pk}"),
            ("sub-group API, page_size=500", f"/api/v1/subgroups/?collaborative={collaborative.pk}&page_size=500"),
            ("one sub-group's page", reverse("subgroup-detail", args=[collaborative.slug, first.pk])),
        ]
        for label, url in endpoints:
            timings, queries, _ = _measure(client, url, runs=runs, warmup=warmup)
            figures.append(
                Figure(
                    scenario=scenario,
                    endpoint=label,
                    subgroups=count,
                    updates=updates,
                    runs=runs,
                    median_ms=round(statistics.median(timings), 1),
                    p95_ms=round(_percentile(timings, 0.95), 1),
                    queries=queries,
                )
            )
    return figures


def table(figures: list[Figure]) -> str:
    headings = ["data set", "request", "sub-groups", "updates", "runs", "median ms", "p95 ms", "queries"]
    rows = [
        [
            f.scenario,
            f.endpoint,
            f"{f.subgroups:,}",
            f"{f.updates:,}",
            str(f.runs),
            f"{f.median_ms:.1f}",
            f"{f.p95_ms:.1f}",
            str(f.queries),
        ]
        for f in figures
    ]
    widths = [max(len(cell) for cell in column) for column in zip(headings, *rows, strict=False)]
    numeric = {2, 3, 4, 5, 6, 7}

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
        f"Leads' view and sub-group API — PostgreSQL database {database['NAME']}, "
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
