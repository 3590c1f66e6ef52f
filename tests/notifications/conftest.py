"""Notifications run their tasks inline here (the suite's REDIS_URL would otherwise queue them), and commit hooks
run, so posting a message delivers it as it would after a real commit."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from collab.services import notifications as services
from config.celery import app

LONDON = ZoneInfo("Europe/London")


def uk(*args) -> datetime:
    """An aware UK wall-clock moment: uk(2026, 11, 30, 8) is 08:00 in London that day, GMT or BST."""
    return datetime(*args, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _tasks_inline():
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def send_due(django_capture_on_commit_callbacks):
    """Run every due check at `now`, delivering what it posts (as beat firing, then the workers, would)."""

    def run(now):
        with django_capture_on_commit_callbacks(execute=True):
            return services.run_due(now=now)

    return run
