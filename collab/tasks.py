"""Celery entry points of the core, thin: ids in, services do the work.

`send_due` (hourly, from django-celery-beat) runs every registered due check; each posts what is due and queues
one `deliver` per person. `deliver` is idempotent (the delivery row is locked and its state checked), so a retry,
a redelivered message after a worker was killed (`acks_late`), or `requeue_pending` sending it again never sends
twice. A failed email is recorded by the service and retried here with exponential back-off.
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from collab.services import notifications as services


@shared_task(name="collab.tasks.send_due", acks_late=True)
def send_due() -> dict[str, int]:
    return services.run_due()


@shared_task(name="collab.tasks.requeue_pending", acks_late=True)
def requeue_pending(older_than_seconds: int = int(services.REQUEUE_AFTER.total_seconds())) -> int:
    """Deliveries still waiting (posted, but their task lost with a killed worker, or a retry that never came)."""
    return len(services.deliveries_requeue(older_than=timedelta(seconds=older_than_seconds)))


@shared_task(
    name="collab.tasks.deliver",
    acks_late=True,
    autoretry_for=(services.DeliveryFailed,),
    retry_backoff=60,
    retry_backoff_max=60 * 60,
    retry_jitter=True,
    max_retries=services.MAX_ATTEMPTS - 1,
)
def deliver(delivery_id: int) -> str:
    return services.delivery_send(delivery_id=delivery_id)
