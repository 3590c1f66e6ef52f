"""The fixed periodic tasks in django-celery-beat's database scheduler, and `manage.py send_due_notifications`,
which the quick start uses to show reminders and digests without a worker."""

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from collab.models import Delivery, DeliveryState

pytestmark = pytest.mark.django_db

migration = importlib.import_module("collab.migrations.0004_periodic_notification_tasks")


def test_periodic_tasks_are_registered_once_in_uk_time():
    migration.schedule(apps, None)
    migration.schedule(apps, None)  # running it again changes nothing
    tasks = {t.name: t for t in PeriodicTask.objects.filter(task__startswith="collab.tasks.")}
    assert {t.task for t in tasks.values()} == {"collab.tasks.send_due", "collab.tasks.requeue_pending"}
    assert len(tasks) == 2
    send = tasks["Notifications: send what is due"]
    assert (send.crontab.minute, send.crontab.hour, str(send.crontab.timezone)) == ("5", "*", "Europe/London")


def test_send_due_notifications_runs_inline_and_twice_sends_nothing_twice(world):
    out = StringIO()
    call_command("send_due_notifications", stdout=out)
    first = len(mail.outbox)
    assert first >= 5  # this week's digest, to each of Ashford's five and Brindle's one (and the programme digest)
    assert "delivered" in out.getvalue()
    call_command("send_due_notifications", stdout=StringIO())
    assert len(mail.outbox) == first
    assert not Delivery.objects.exclude(state=DeliveryState.SENT).exists()
