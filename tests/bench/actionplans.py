"""Benchmark: the anchor's dashboard and the programme view, at 3 localities and at 150 localities × 5 sub-groups.

Run from the project root:

    .venv/bin/python -m tests.bench.actionplans

It uses its own PostgreSQL database, `BENCH_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/collab_bench),
creating and migrating it if needed, as `tests.bench.overview` does. For each data set it builds a fictional
programme with `collab.demo.build_programme` (35 memberships per locality), five sub-groups per locality with ten
updates each (`subgroups.demo.build_subgroups`) and an action plan per locality with an item per sub-group, strategies,
objectives and alignments (`subgroups.demo_plans.build_plans`), rebuilt on every run:

- `3`: three localities (the real programme);
- `150`: 150 localities × 5 sub-groups (900 plan items).

Through Django's test client (whole middleware stack, no network) it requests, as an anchor, the first locality's
dashboard `/c/<slug>/dashboard/`, and, as the programme team, the programme view
`/programmes/<slug>/localities/` (every locality side by side). After a warm-up it times `--runs` requests of each and
prints the median and 95th-percentile latency in milliseconds and the SQL queries one request makes: the query count
does not grow with the number of localities. Nothing here asserts on time.

Options: `--runs N`, `--warmup N`, `--only 3|150`, `--json PATH`.
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

SCENARIOS = {"3": 3, "150": 150}
SUBGROUPS = 5
UPDATES = 10


@dataclass
class Figure:
    scenario: str
    endpoint: str
    localities: int
    items: int
    runs: int
    median_ms: float
    p95_ms: float
    queries: int


def run(*, runs: int, warmup: int, only: str | None) -> list[Figure]:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from actionplans.models import PlanItem
    from collab.demo import build_programme
    from collab.models import Membership, Role
    from subgroups.demo import build_subgroups
    from subgroups.demo_plans import build_plans

    figures = []
    for scenario, count in SCENARIOS.items():
        if only and scenario != only:
            continue
        started = time.perf_counter()
        result = build_programme(
            localities=count,
            members_per_collaborative=35,
            slug=f"bench-plans-{scenario}",
            name=f"Benchmark plans {scenario}",
            with_demo_logins=False,
            reset=True,
        )
        programme = result.programme
        collaboratives = list(programme.collaboratives.select_related("programme").order_by("pk"))
        build_subgroups(collaboratives, per_collaborative=SUBGROUPS, updates=UPDATES)
        build_plans(collaboratives)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        items = PlanItem.objects.filter(collaborative__programme=programme).count()
        print(
            f"Built {scenario}: {count} localities, {items} items in {time.perf_counter() - started:.1f} s.",
            file=sys.stderr,
        )
        first = collaboratives[0]
        anchor = (
            Membership.objects.active().filter(collaborative=first, role=Role.ANCHOR).select_related("user").first()
        )
        team = Membership.objects.active().filter(programme=programme, role=Role.PROGRAMME_TEAM).first()
        for label, user, url in [
            ("anchor's dashboard", anchor.user, reverse("dashboard", args=[first.slug])),
            ("programme view", team.user, reverse("programme-view", args=[programme.slug])),
        ]:
            client = Client()
            client.force_login(user)
            timings, queries, _ = _measure(client, url, runs=runs, warmup=warmup)
            figures.append(
                Figure(
                    scenario=scenario,
                    endpoint=label,
                    localities=count,
                    items=items,
                    runs=runs,
                    median_ms=round(statistics.median(timings), 1),
                    p95_ms=round(_percentile(timings, 0.95), 1),
                    queries=queries,
                )
            )
    return figures


def table(figures: list[Figure]) -> str:
    headings = ["data set", "request", "localities", "items", "runs", "median ms", "p95 ms", "queries"]
    rows = [
        [f.scenario, f.endpoint, str(f.localities), str(f.items), str(f.runs), f"{f.median_ms:.1f}", f"{f.p95_ms:.1f}",
         str(f.queries)]
        for f in figures
    ]  # fmt: skip
    widths = [max(len(cell) for cell in column) for column in zip(headings, *rows, strict=False)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [headings, *rows])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="Timed requests per endpoint (default 30).")
    parser.add_argument("--warmup", type=int, default=3, help="Untimed requests first (default 3).")
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
    print()
    print(
        f"Anchor's dashboard and programme view — PostgreSQL {settings.DATABASES['default']['NAME']}, "
        f"DEBUG={settings.DEBUG}, Python {platform.python_version()}, Django {django.get_version()}, in-process test "
        f"client, {args.warmup} warm-up then {args.runs} timed requests each."
    )
    print(table(figures))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump([asdict(f) for f in figures], handle, indent=2)


if __name__ == "__main__":
    main()
