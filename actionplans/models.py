"""The shared vision and the priorities: what a Collaborative hopes for and agrees to work on, each keeping where it
came from.

The vision is drafted as a list of statements (facilitators and anchors edit it together), then published as a
numbered version: a snapshot of the statements' text that never changes, so earlier versions stay readable. Members
endorse a version (agree, agree with reservations, disagree, with a comment) while it is the current one.

Issue-scale note: the full action plan (versions, items, outcomes, strategic alignment) builds on this.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from collab.models import Sector

STATEMENT_MAX = 1000  # one statement of the vision: a sentence or a short paragraph
NOTE_MAX = 5000  # notes for the drafters, such as the cards of the board group a statement came from
COMMENT_MAX = 2000
VERSION_NOTE_MAX = 500


class Priority(models.Model):
    collaborative = models.ForeignKey("collab.Collaborative", on_delete=models.PROTECT, related_name="priorities")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True, max_length=5000)
    # Where it came from on a workshop board, kept so the plan can always show its origin.
    source_board = models.ForeignKey("collab.Board", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source_card = models.ForeignKey("collab.Card", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source_group = models.ForeignKey(
        "collab.CardGroup", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "priorities"

    def __str__(self) -> str:
        return self.title


class VisionStatement(models.Model):
    """One statement of the vision being drafted. The drafts are the working copy: publishing copies their text into
    a new version and leaves them in place for the next round. Removing one keeps the row (and its link to the board
    it came from) out of the draft."""

    collaborative = models.ForeignKey(
        "collab.Collaborative", on_delete=models.PROTECT, related_name="vision_statements"
    )
    text = models.TextField(max_length=STATEMENT_MAX)
    note = models.TextField(blank=True, max_length=NOTE_MAX, help_text="For the drafters; not published.")
    position = models.PositiveIntegerField(help_text="1 for the first statement of the draft.")
    revision = models.PositiveIntegerField(default=1, help_text="Goes up with each change, so edits never cross.")
    source_board = models.ForeignKey("collab.Board", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source_card = models.ForeignKey("collab.Card", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source_group = models.ForeignKey(
        "collab.CardGroup", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["collaborative", "removed_at", "position"])]

    def __str__(self) -> str:
        return self.text if len(self.text) <= 80 else f"{self.text[:79]}…"


class VisionVersion(models.Model):
    """A published vision: the statements' text as it stood, numbered 1, 2, 3… within its Collaborative. The
    highest number is the current vision; earlier ones are kept as they were."""

    collaborative = models.ForeignKey("collab.Collaborative", on_delete=models.PROTECT, related_name="vision_versions")
    number = models.PositiveIntegerField()
    # [{"statement": draft id or null, "text": "…"}, …] in the order published.
    statements = models.JSONField(default=list)
    note = models.CharField(max_length=VERSION_NOTE_MAX, blank=True, help_text="What changed, in a line.")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["collaborative", "number"], name="vision_version_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="vision_version_number_positive"),
        ]

    def __str__(self) -> str:
        return f"Vision version {self.number}"

    @property
    def texts(self) -> list[str]:
        return [item.get("text", "") for item in self.statements]


class EndorsementResponse(models.TextChoices):
    AGREE = "agree", "Agree"
    RESERVATIONS = "agree_with_reservations", "Agree with reservations"
    DISAGREE = "disagree", "Disagree"


class Endorsement(models.Model):
    """One member's response to one published version. It can be changed while that version is current; the sector
    is the endorser's sector in the Collaborative when they responded, so counts by sector stay true to the time."""

    version = models.ForeignKey(VisionVersion, on_delete=models.PROTECT, related_name="endorsements")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sector = models.CharField(max_length=40, choices=Sector.choices)
    response = models.CharField(max_length=30, choices=EndorsementResponse.choices)
    comment = models.TextField(blank=True, max_length=COMMENT_MAX)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "member"], name="one_endorsement_per_member_per_version"),
        ]
        indexes = [models.Index(fields=["version", "sector"])]

    def __str__(self) -> str:
        return f"{self.member} — {self.get_response_display()} (version {self.version.number})"
