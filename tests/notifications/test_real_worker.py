"""With a real Celery worker process and the Redis broker: beat's task is queued, the worker fans out (one task per
digest, one per reader) and the emails land; a worker killed with SIGKILL in the middle of a digest run and started
again leaves no duplicate and nobody out.

The worker is pointed at this test database (committed data: `transactional_db`) and writes emails to a table in it
through `outbox_backend`, in the same transaction as each delivery's "sent" mark.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from collab.models import Delivery, DeliveryState, Role
from collab.tasks import requeue_pending, send_due
from config.celery import app
from tests.factories import CollaborativeFactory, MembershipFactory, ProgrammeFactory
from tests.notifications.outbox_backend import CREATE, TABLE

pytestmark = [pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def outbox(transactional_db):
    with connection.cursor() as cursor:
        cursor.execute(CREATE)
        cursor.execute(f"TRUNCATE {TABLE}")

    def rows():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT recipient, delivery FROM {TABLE} ORDER BY id")
            return cursor.fetchall()

    yield rows
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


@pytest.fixture
def broker():
    """Tasks go through Redis here (the other notification tests run them inline)."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = False
    app.control.purge()
    yield
    app.control.purge()
    app.conf.task_always_eager = before


class Worker:
    def __init__(self, tmp_path, delay: float):
        db = settings.DATABASES["default"]
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": settings.REDIS_URL,
            "EMAIL_BACKEND": "tests.notifications.outbox_backend.OutboxBackend",
            "OUTBOX_DELAY": str(delay),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        self.log = tmp_path / "worker.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [str(Path(sys.executable).parent / "celery"), "-A", "config", "worker", "-P", "solo", "-l", "info"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=log)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker(tmp_path):
    started = []

    def start(delay: float = 0.0) -> Worker:
        w = Worker(tmp_path, delay)
        w.start()
        started.append(w)
        return w

    yield start
    for w in started:
        w.stop()


def wait_for(condition, *, timeout: float = 90, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


def collaboratives(count: int, members: int):
    """Localities of one programme, each with an anchor, a facilitator and members; the programme team of two."""
    programme = ProgrammeFactory()
    expected = set()
    for _ in range(count):
        collaborative = CollaborativeFactory(programme=programme)
        for i in range(members):
            role = Role.ANCHOR if i == 0 else Role.FACILITATOR if i == 1 else Role.MEMBER
            membership = MembershipFactory(collaborative=collaborative, role=role)
            expected.add((membership.user.email, f"digest:{collaborative.pk}"))
            if role == Role.ANCHOR:
                expected.add((membership.user.email, f"programme_digest:{programme.pk}"))
    return expected


def landed(rows):
    """(recipient, what) for each email: the delivery key without its period."""
    return [(recipient, ":".join(key.split(":")[:2])) for recipient, key in rows]


def test_beat_task_through_a_real_worker_delivers_each_digest_once(outbox, broker, worker):
    expected = collaboratives(2, 6)
    worker()
    send_due.delay()
    send_due.delay()  # beat firing twice
    wait_for(lambda: len(outbox()) >= len(expected), what=f"{len(expected)} emails")
    time.sleep(1.5)  # anything extra would land now
    assert sorted(landed(outbox())) == sorted(expected)
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}


def test_worker_killed_mid_digest_run_then_restarted_no_duplicates_none_missing(outbox, broker, worker):
    expected = collaboratives(3, 40)
    first = worker(delay=0.03)
    send_due.delay()
    wait_for(lambda: len(outbox()) >= 25, what="the run to be under way")
    first.kill()  # SIGKILL: no warm shutdown, the task in hand is neither finished nor acknowledged
    before = len(outbox())
    assert before < len(expected), "the worker finished before it was killed; nothing was tested"
    worker(delay=0.0)
    send_due.delay()  # the next hourly beat
    requeue_pending.delay(0)  # and the sweep of deliveries whose task died with the worker
    wait_for(lambda: len(outbox()) >= len(expected), what=f"{len(expected)} emails")
    wait_for(
        lambda: not Delivery.objects.filter(state=DeliveryState.PENDING).exists(), what="every delivery to be done"
    )
    time.sleep(1.5)
    rows = landed(outbox())
    assert len(rows) == len(set(rows)), "someone got the same digest twice"
    assert set(rows) == expected, "someone got no digest"
    assert Delivery.objects.filter(state=DeliveryState.SENT).count() == len(expected)
