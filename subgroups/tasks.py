"""Celery entry points of the sub-groups, thin: ids in, `subgroups.notifications` does the work.

The hourly `collab.tasks.send_due` runs the due check that queues one of these per collaborative (and programme)
whose digest for the period is not posted yet; each composes the digest once and queues one delivery per reader.
Both are idempotent (the digest's key is unique per period), so a retry or a redelivery after a crash adds nothing.
"""

from __future__ import annotations

from datetime import datetime

from celery import shared_task

from collab.notify import digest_period
from subgroups import notifications


@shared_task(name="subgroups.tasks.post_digest", acks_late=True)
def post_digest(collaborative_id: int, frequency: str, period_ends_at: str) -> int:
    period = digest_period(datetime.fromisoformat(period_ends_at), frequency)
    return notifications.digests_post(collaborative_ids=[collaborative_id], period=period) if period else 0


@shared_task(name="subgroups.tasks.post_programme_digest", acks_late=True)
def post_programme_digest(programme_id: int, frequency: str, period_ends_at: str) -> int:
    period = digest_period(datetime.fromisoformat(period_ends_at), frequency)
    return notifications.programme_digests_post(programme_ids=[programme_id], period=period) if period else 0
