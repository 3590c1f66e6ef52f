"""The fixed periodic tasks of notifications, in django-celery-beat's database scheduler (editable in the admin).

A few crontab tasks that look up what is due and act idempotently, rather than one schedule row per reminder:
- every hour at :05, send what is due (reminders of every app, and the digests once their Monday 08:00 has come);
- every fifteen minutes, re-queue deliveries still waiting (after a worker was killed, or a retry that was lost).
Crontabs are in Europe/London, so "08:00" stays 08:00 across the clock changes. Running this again changes nothing.
"""

from django.db import migrations

TASKS = [
    ("Notifications: send what is due", "collab.tasks.send_due", {"minute": "5"}),
    ("Notifications: re-queue waiting deliveries", "collab.tasks.requeue_pending", {"minute": "*/15"}),
]


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, when in TASKS:
        fields = {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}
        fields.update(when)
        crontab, _ = CrontabSchedule.objects.get_or_create(**fields, timezone="Europe/London")
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "interval": None, "enabled": True}
        )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, _, _ in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("collab", "0003_notifications"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
