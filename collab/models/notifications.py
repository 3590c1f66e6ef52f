"""Notifications: what the workspace tells people who did not open it (reminders, digests), by email and in the
in-app notification centre, and what each person chose to receive.

A `Message` is what to say, composed once by the app that knows (a digest by `subgroups`, a workshop reminder by the
core) and shared by everyone it goes to. A `Delivery` is one message to one person; its key is unique per person and
kind, so "exactly one digest per person per period" is held by the database, however often beat fires or a task is
retried. A `Notification` is the in-app copy, one per delivery at most.
"""

from django.db import models
from django.utils import timezone

from collab.models.people import Collaborative, Programme, User


class NotificationKind(models.TextChoices):
    DIGEST = "digest", "Cross-sub-group digest"
    PROGRAMME_DIGEST = "programme_digest", "Programme digest across localities"
    PROGRESS_DUE = "progress_due", "Progress update due"
    PROGRESS_OVERDUE = "progress_overdue", "Progress update overdue"
    PROGRESS_ESCALATION = "progress_escalation", "Sub-group update overdue (to facilitators)"
    MILESTONE_DUE = "milestone_due", "Milestone due soon"
    WORKSHOP_UPCOMING = "workshop_upcoming", "Workshop coming up"
    WORKSHOP_RECORD = "workshop_record", "Workshop record"
    INVITATION_EXPIRING = "invitation_expiring", "Invitation about to expire"
    SECTOR_GAP = "sector_gap", "Sector representation below what the plan needs"
    ATTENDANCE_MISSED = "attendance_missed", "Members who missed recent workshops"


DIGEST_KINDS = frozenset({NotificationKind.DIGEST, NotificationKind.PROGRAMME_DIGEST})


class DigestFrequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    FORTNIGHTLY = "fortnightly", "Every two weeks"
    OFF = "off", "Never"


class NotificationPreference(models.Model):
    """What one person wants: how often digests come, by which channels, and which kinds they stopped by email.

    Nobody has a row until they change something; `collab.selectors.preference_for` gives the defaults then.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="notification_preference")
    digest_frequency = models.CharField(max_length=20, choices=DigestFrequency.choices, default=DigestFrequency.WEEKLY)
    email = models.BooleanField("by email", default=True)
    in_app = models.BooleanField("in the notification centre", default=True)
    # Kinds this person stopped by email (one click from an email's unsubscribe link, or on the preferences page).
    email_muted_kinds = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Notification preferences of {self.user}"

    def wants_email(self, kind: str) -> bool:
        if kind in DIGEST_KINDS and self.digest_frequency == DigestFrequency.OFF:
            return False
        return self.email and kind not in self.email_muted_kinds

    def wants_in_app(self, kind: str) -> bool:
        if kind in DIGEST_KINDS and self.digest_frequency == DigestFrequency.OFF:
            return False
        return self.in_app


class Message(models.Model):
    """What to say, once, to everyone it goes to. `key` names the subject and period (for example
    `digest:12:weekly:2026-W48`), so composing the same thing twice finds the first one."""

    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    key = models.CharField(max_length=200, unique=True)
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    # The collaborative it is about; recipients must still be active members there. Empty for programme-wide ones.
    collaborative = models.ForeignKey(Collaborative, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    subject = models.CharField(max_length=300)
    summary = models.CharField(max_length=500, help_text="One or two lines for the notification centre.")
    template = models.CharField(max_length=100, help_text="Email template, without .txt/.html.")
    context = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=500, blank=True, help_text="Where to read more, a path in the workspace.")
    attachment_name = models.CharField(max_length=100, blank=True)
    attachment_type = models.CharField(max_length=100, blank=True)
    attachment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.subject


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Not sent"  # the person left, unsubscribed or wants neither channel
    FAILED = "failed", "Failed, gave up"


class Delivery(models.Model):
    """One message to one person, tracked to sent. Unique per (person, kind, key): a second attempt to deliver the
    same thing to the same person finds this row instead of making another."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    key = models.CharField(max_length=200)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=20, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    emailed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="one_delivery_per_person_kind_key"),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} to {self.user_id}: {self.state}"


class Notification(models.Model):
    """An entry in a person's notification centre."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    title = models.CharField(max_length=300)
    body = models.CharField(max_length=500, blank=True)
    link = models.CharField(max_length=500, blank=True)
    delivery = models.OneToOneField(
        Delivery, on_delete=models.SET_NULL, null=True, blank=True, related_name="notification"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"]), models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
