"""A database email backend for the real-worker tests: each email is a row in `test_mail_outbox`, written on the
worker's own database connection, so it commits or rolls back with the delivery's state (the delivery is sent
inside its transaction). A worker killed mid-send leaves neither the email nor a "sent" mark behind.

`OUTBOX_DELAY` (seconds per email) slows sending down, so a test can kill the worker in the middle of a run.
"""

import os
import time

from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection

TABLE = "test_mail_outbox"
CREATE = f"CREATE TABLE IF NOT EXISTS {TABLE} (id serial PRIMARY KEY, recipient text, subject text, delivery text)"


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, messages):
        delay = float(os.environ.get("OUTBOX_DELAY") or 0)
        with connection.cursor() as cursor:
            for message in messages:
                time.sleep(delay)
                cursor.execute(
                    f"INSERT INTO {TABLE} (recipient, subject, delivery) VALUES (%s, %s, %s)",
                    [message.to[0], message.subject, message.extra_headers.get("X-Collab-Delivery", "")],
                )
        return len(messages)
