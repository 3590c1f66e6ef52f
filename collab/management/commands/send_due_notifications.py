"""Send whatever notifications are due now, inline: reminders of every app and the digests whose time has come.

The quick start runs it so the demo shows reminders and digests without a worker; in production the hourly beat
task does the same through the workers. Running it twice sends nothing twice.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from collab.models import Delivery, DeliveryState
from collab.services import notifications as services


class Command(BaseCommand):
    help = "Send the reminders and digests that are due now (idempotent), delivering them inline."

    def handle(self, *args, **options) -> None:
        started = timezone.now()
        services.run_due(now=started)
        # Deliver inline, whatever the Celery settings: this command is for a machine without workers. (In the
        # embedded default the checks above delivered already; a delivery sent once is left alone.)
        waiting = Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__isnull=True)
        for pk in list(waiting.values_list("pk", flat=True)) + services.deliveries_pending_due():
            try:
                services.delivery_send(delivery_id=pk)
            except services.DeliveryFailed as exc:
                self.stderr.write(f"Delivery {pk} failed; it will be tried again: {exc}")
        done = Delivery.objects.filter(created_at__gte=started)
        self.stdout.write(
            f"{done.filter(state=DeliveryState.SENT).count()} notifications delivered, "
            f"{done.filter(state=DeliveryState.SKIPPED).count()} not wanted, "
            f"{Delivery.objects.filter(state=DeliveryState.PENDING).count()} waiting to be tried again."
        )
