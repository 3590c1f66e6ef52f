"""Live objects: anything several people change at once (a workshop board, later a system map).

Each live object has a stream: an ordered log of numbered events. The server is the authority: a change is saved
with the next number of its stream, in the same transaction as the change itself, and only then broadcast. A client
that misses a number sees the gap and asks for what it missed.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class LiveStream(models.Model):
    """The event log of one live object, named by its kind ("board") and id."""

    kind = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    seq = models.BigIntegerField(default=0, help_text="The number of the latest event.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="one_stream_per_live_object")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} @ {self.seq}"

    @property
    def group_name(self) -> str:
        """The channel-layer group of the stream: built from ids, never from anything a client sent."""
        return f"live.{self.kind}.{self.object_id}"


class LiveEvent(models.Model):
    """One change, numbered within its stream.

    `payload` is what the change looks like to those allowed to see it in full; when `redacted` is set, everyone
    else (all but moderators and the `audience` participant) receives `redacted` instead — that is how a card written
    privately is withheld by the server until the facilitator reveals it. With `actor_withheld` (an anonymous card's
    events), only moderators and the actor themself are told who acted. `op_digest` is what the client operation
    that produced the event asked for (its name and data, hashed): a retry must ask for the same.
    """

    stream = models.ForeignKey(LiveStream, on_delete=models.CASCADE, related_name="events")
    seq = models.BigIntegerField()
    type = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    redacted = models.JSONField(null=True, blank=True)
    audience = models.CharField(max_length=40, blank=True, help_text="Participant key who sees the full payload.")
    actor_key = models.CharField(max_length=40, blank=True)
    actor_withheld = models.BooleanField(default=False, help_text="Only moderators and the actor see who acted.")
    op_key = models.CharField(max_length=120, null=True, blank=True, help_text="Participant key and client op id.")
    op_digest = models.CharField(max_length=64, blank=True, help_text="Hash of the operation's name and data.")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["stream", "seq"], name="one_event_per_seq"),
            models.UniqueConstraint(
                fields=["stream", "op_key"], condition=Q(op_key__isnull=False), name="one_event_per_client_op"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stream} #{self.seq} {self.type}"
