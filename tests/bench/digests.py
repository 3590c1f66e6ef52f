"""Benchmark: building the cross-sub-group digests of a whole programme, and how the cost grows with readers.

Run from the project root:

    .venv/bin/python -m tests.bench.digests

It uses its own PostgreSQL database, `BENCH_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/collab_bench),
creating and migrating it if needed, as `tests.bench.overview` does. It builds (once; kept for later runs) a fictional
programme of 150 localities, each with 5 sub-groups and 40 members (6,000 readers): every sub-group has an update
before the digest's week and one in it (with blockers and support needed), two milestones, and each locality a
workshop coming up.

For the first 25, 50, 100 and 150 localities it then builds the weekly digest of the week of Monday 23 November 2026
for every member, as the hourly task would: `subgroups.notifications.digests_post` composes each locality's digest
once and stores one delivery per reader (nothing is queued), then every reader's email (plain text and HTML, with
its own unsubscribe link) is rendered. It prints, for each size, the wall time, SQL queries and peak Python memory
(tracemalloc, in a second pass) of composing and of rendering, and the same per reader: flat per-reader figures
mean the cost grows linearly with readers. Sending itself is one task per reader (see `collab.tasks.deliver`).

Options: `--sizes 25,50,100,150`, `--json PATH` (also write the figures as JSON).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import tracemalloc
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.bench.overview import _configure, _ensure_database

LOCALITIES, SUBGROUPS, MEMBERS = 150, 5, 40
SLUG = "bench-digests"
NOW = datetime(2026, 11, 23, 9, tzinfo=ZoneInfo("Europe/London"))


@dataclass
class Figure:
    localities: int
    readers: int
    compose_s: float
    compose_queries: int
    compose_peak_mb: float
    render_s: float
    render_queries: int
    render_peak_mb: float

    @property
    def per_reader(self) -> tuple[float, float, float, float]:
        n = self.readers
        return (
            self.compose_s * 1000 / n,
            self.compose_queries / n,
            self.render_s * 1000 / n,
            (self.compose_peak_mb + self.render_peak_mb) * 1024 / n,
        )


def build() -> list[int]:
    """The programme's collaborative ids, building it the first time (bulk inserts: about a minute)."""
    from django.db import transaction

    from collab.models import Collaborative, Membership, Programme, Role, Sector, User, Workshop
    from subgroups.models import Milestone, ProgressUpdate, Status, SubGroup

    programme = Programme.objects.filter(slug=SLUG).first()
    if programme is not None:
        return list(Collaborative.objects.filter(programme=programme).order_by("pk").values_list("pk", flat=True))
    print(f"Building {LOCALITIES} localities × {SUBGROUPS} sub-groups × {MEMBERS} members…", flush=True)
    sectors = [s for s in Sector.values if s != Sector.FACILITATION]
    with transaction.atomic():
        programme = Programme.objects.create(name="Digest benchmark programme", slug=SLUG)
        collaboratives = Collaborative.objects.bulk_create(
            Collaborative(programme=programme, name=f"Locality {n} Collaborative", slug=f"{SLUG}-{n}", locality=f"L{n}")
            for n in range(LOCALITIES)
        )
        users = User.objects.bulk_create(
            User(email=f"digest-{c}-{m}@bench.example", display_name=f"Reader {c}-{m}", password="!")
            for c in range(LOCALITIES)
            for m in range(MEMBERS)
        )
        Membership.objects.bulk_create(
            Membership(
                user=users[c * MEMBERS + m],
                programme=programme,
                collaborative=collaborative,
                role=Role.FACILITATOR if m == 0 else Role.ANCHOR if m == 1 else Role.MEMBER,
                sector=sectors[m % len(sectors)],
                joined_on=date(2025, 9, 1),
            )
            for c, collaborative in enumerate(collaboratives)
            for m in range(MEMBERS)
        )
        subgroups = SubGroup.objects.bulk_create(
            SubGroup(collaborative=collaborative, name=f"Workstream {s + 1}", created_by=users[c * MEMBERS])
            for c, collaborative in enumerate(collaboratives)
            for s in range(SUBGROUPS)
        )
        lead = {sg.pk: users[(i // SUBGROUPS) * MEMBERS + 2 + i % SUBGROUPS] for i, sg in enumerate(subgroups)}
        common = {"children_voice_not_yet": True}
        ProgressUpdate.objects.bulk_create(
            ProgressUpdate(
                subgroup=sg,
                author=lead[sg.pk],
                created_at=NOW - timedelta(days=12),
                status=Status.ON_TRACK,
                done="Met the heads of year six",
                next_steps="Draft the transition passport",
                **common,
            )
            for sg in subgroups
        )
        latest = ProgressUpdate.objects.bulk_create(
            ProgressUpdate(
                subgroup=sg,
                author=lead[sg.pk],
                created_at=NOW - timedelta(days=3),
                status=Status.AT_RISK if i % 3 == 0 else Status.ON_TRACK,
                done="Piloted the passport in three primary schools and collected feedback from families. " * 3,
                next_steps="Agree the data-sharing route with the local authority and widen the pilot.",
                blockers="No data-sharing agreement yet" if i % 3 == 0 else "",
                support_needed="An introduction to the LA data protection officer" if i % 2 == 0 else "",
                **common,
            )
            for i, sg in enumerate(subgroups)
        )
        for sg, update in zip(subgroups, latest, strict=True):
            sg.current_update = update
        SubGroup.objects.bulk_update(subgroups, ["current_update"], batch_size=1000)
        Milestone.objects.bulk_create(
            Milestone(
                subgroup=sg, title=f"Milestone {k}", due_on=NOW.date() + timedelta(days=7 * k), created_by=lead[sg.pk]
            )
            for sg in subgroups
            for k in (1, 3)
        )
        Workshop.objects.bulk_create(
            Workshop(
                programme=programme,
                collaborative=collaborative,
                title="Review the year",
                created_by=users[c * MEMBERS],
                starts_at=NOW + timedelta(days=14),
                ends_at=NOW + timedelta(days=14, hours=3),
            )
            for c, collaborative in enumerate(collaboratives)
        )
    return [c.pk for c in collaboratives]


def _clear(collaborative_ids: list[int]) -> None:
    from collab.models import Message

    Message.objects.filter(collaborative_id__in=collaborative_ids, kind="digest").delete()


def _compose(ids, period) -> int:
    from subgroups.notifications import digests_post

    return digests_post(collaborative_ids=ids, period=period, enqueue=False)


def _render(ids) -> int:
    from collab.models import Delivery, Message
    from collab.services.notifications import build_email

    rendered = 0
    messages = Message.objects.filter(collaborative_id__in=ids, kind="digest").in_bulk()  # one per locality
    deliveries = Delivery.objects.filter(message_id__in=list(messages)).select_related("user")
    for delivery in deliveries.iterator(chunk_size=500):
        email = build_email(messages[delivery.message_id], delivery.user)
        rendered += len(email.body) > 0 and len(email.alternatives[0][0]) > 0
    return rendered


def measure(ids: list[int], period) -> Figure:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _clear(ids)
    with CaptureQueriesContext(connection) as compose_q:
        started = time.perf_counter()
        readers = _compose(ids, period)
        compose_s = time.perf_counter() - started
    with CaptureQueriesContext(connection) as render_q:
        started = time.perf_counter()
        rendered = _render(ids)
        render_s = time.perf_counter() - started
    assert rendered == readers == len(ids) * MEMBERS, (rendered, readers)
    # Memory, in a second pass (tracemalloc slows Python down, so it is kept out of the timings).
    _clear(ids)
    tracemalloc.start()
    _compose(ids, period)
    compose_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    _render(ids)
    render_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return Figure(
        localities=len(ids),
        readers=readers,
        compose_s=compose_s,
        compose_queries=len(compose_q.captured_queries),
        compose_peak_mb=compose_peak / 2**20,
        render_s=render_s,
        render_queries=len(render_q.captured_queries),
        render_peak_mb=render_peak / 2**20,
    )


def table(figures: list[Figure]) -> str:
    headings = [
        "localities",
        "readers",
        "compose s",
        "queries",
        "peak MB",
        "render s",
        "queries",
        "peak MB",
        "ms/reader compose",
        "queries/reader",
        "ms/reader render",
        "KB/reader",
    ]
    rows = []
    for f in figures:
        per = f.per_reader
        rows.append(
            [
                f"{f.localities}",
                f"{f.readers:,}",
                f"{f.compose_s:.2f}",
                f"{f.compose_queries}",
                f"{f.compose_peak_mb:.1f}",
                f"{f.render_s:.2f}",
                f"{f.render_queries}",
                f"{f.render_peak_mb:.1f}",
                f"{per[0]:.2f}",
                f"{per[1]:.3f}",
                f"{per[2]:.2f}",
                f"{per[3]:.1f}",
            ]
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headings)]

    def line(cells):
        return "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True))

    return "\n".join([line(headings), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="25,50,100,150", help="Numbers of localities to measure (at most 150).")
    parser.add_argument("--json", metavar="PATH", help="Also write the figures to this JSON file.")
    args = parser.parse_args(argv)
    try:
        sizes = [int(s) for s in args.sizes.split(",")]
    except ValueError:
        parser.error("--sizes takes numbers separated by commas, for example 25,50,100,150.")
    if not sizes or min(sizes) < 1 or max(sizes) > LOCALITIES:
        parser.error(f"--sizes must be between 1 and {LOCALITIES}.")

    url = _configure()
    _ensure_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from collab.notify import digest_period

    call_command("migrate", verbosity=0)
    ids = build()
    period = digest_period(NOW, "weekly")
    figures = [measure(ids[:size], period) for size in sizes]
    _clear(ids)

    database = settings.DATABASES["default"]
    print()
    print(
        f"Digests — PostgreSQL database {database['NAME']}, Python {platform.python_version()}, "
        f"Django {django.get_version()}; {SUBGROUPS} sub-groups and {MEMBERS} members per locality; period "
        f"{period.label}. Compose = compose each locality's digest and store one delivery per reader; render = "
        "every reader's email, text and HTML."
    )
    print(table(figures))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump([asdict(f) for f in figures], handle, indent=2)
        print(f"\nWrote {args.json}.")


if __name__ == "__main__":
    main()
