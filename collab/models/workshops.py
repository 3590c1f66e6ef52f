"""Workshops: when and where a Collaborative (or the whole programme) meets, who registered and who came."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from collab.models.people import Collaborative, Programme, User


class WorkshopFormat(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    ONLINE = "online", "Online"
    HYBRID = "hybrid", "Hybrid"


class WorkshopLength(models.TextChoices):
    HALF_DAY = "half_day", "Half day"
    FULL_DAY = "full_day", "Full day"


class Workshop(models.Model):
    """A workshop of one collaborative or, with no collaborative, a cross-locality workshop of the programme.

    Times are stored in UTC and shown in Europe/London.
    """

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="workshops")
    collaborative = models.ForeignKey(
        Collaborative, on_delete=models.PROTECT, null=True, blank=True, related_name="workshops"
    )
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    format = models.CharField(max_length=20, choices=WorkshopFormat.choices, default=WorkshopFormat.IN_PERSON)
    length = models.CharField(max_length=20, choices=WorkshopLength.choices, default=WorkshopLength.HALF_DAY)
    venue = models.CharField(max_length=300, blank=True, help_text="Address, or the online meeting details.")
    accessibility_notes = models.TextField(blank=True, max_length=2000)
    agenda = models.TextField(blank=True, max_length=10000)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Set when the facilitator ends the workshop.")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="workshop_ends_after_start"),
        ]
        indexes = [models.Index(fields=["collaborative", "starts_at"]), models.Index(fields=["programme", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.title} ({timezone.localtime(self.starts_at):%d/%m/%Y})"

    @property
    def is_cross_locality(self) -> bool:
        return self.collaborative_id is None

    @property
    def status(self) -> str:
        if self.cancelled_at:
            return "cancelled"
        if self.ended_at:
            return "ended"
        now = timezone.now()
        if self.starts_at <= now < self.ends_at:
            return "running"
        return "past" if now >= self.ends_at else "upcoming"


class Registration(models.Model):
    """A person's place at a workshop, and whether they came (unknown until attendance is taken)."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="workshop_registrations")
    registered_at = models.DateTimeField(default=timezone.now)
    attended = models.BooleanField(null=True, blank=True)
    access_needs = models.CharField(max_length=500, blank=True)
    attendance_marked_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    attendance_marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["registered_at"]
        constraints = [models.UniqueConstraint(fields=["workshop", "user"], name="one_registration_per_person")]

    def __str__(self) -> str:
        return f"{self.user} at {self.workshop}"
