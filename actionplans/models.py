"""The shared vision and the priorities: what a Collaborative hopes for and agrees to work on, each keeping where it
came from.

The vision is drafted as a list of statements (facilitators and anchors edit it together), then published as a
numbered version: a snapshot of the statements' text that never changes, so earlier versions stay readable. Members
endorse a version (agree, agree with reservations, disagree, with a comment) while it is the current one.

The action plan: one per Collaborative, its items the working copy; agreeing it at a workshop or revising it at the
year-2 review records a numbered version (a snapshot of the items as they stood). Items serve outcomes of the
programme's outcome framework (its Theory of Change) and are aligned to the objectives of the strategies an anchor
records (a local authority strategy, a national programme). Which sub-group owns an item is recorded in `subgroups`
(it points down at the item), so this app never needs to know about sub-groups.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from collab.models import Sector

STATEMENT_MAX = 1000  # one statement of the vision: a sentence or a short paragraph
NOTE_MAX = 5000  # notes for the drafters, such as the cards of the board group a statement came from
COMMENT_MAX = 2000
VERSION_NOTE_MAX = 500
ALIGNMENT_NOTE_MAX = 500  # how an item serves an objective: a line or two


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
    # The findings of the system map and the evidence that justify it.
    findings = models.ManyToManyField("systemmap.Finding", blank=True, related_name="priorities")
    evidence = models.ManyToManyField("systemmap.Evidence", blank=True, related_name="priorities")
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


# --- The outcome framework (Theory of Change) -------------------------------------------------------------------------


class OutcomeLevel(models.TextChoices):
    RELATIONSHIP = "relationship", "Relationships"
    ORGANISATIONAL = "organisational", "Organisational"
    SYSTEM = "system", "System"
    CONTEXT = "context", "Context"
    LONG_TERM = "long_term", "Long-term aims"


class OutcomeFramework(models.Model):
    """The programme's Theory of Change: the outcomes every Collaborative of the programme works towards."""

    programme = models.OneToOneField("collab.Programme", on_delete=models.PROTECT, related_name="outcome_framework")
    name = models.CharField(max_length=200, default="Theory of Change")
    description = models.TextField(blank=True, max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class Outcome(models.Model):
    framework = models.ForeignKey(OutcomeFramework, on_delete=models.PROTECT, related_name="outcomes")
    level = models.CharField(max_length=20, choices=OutcomeLevel.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    position = models.PositiveIntegerField(default=0)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("title"), "framework", condition=Q(retired_at__isnull=True), name="outcome_title_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title


# --- The action plan ----------------------------------------------------------------------------------------------


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AGREED = "agreed", "Agreed at a workshop"
    REVISED = "revised", "Revised at the year-2 review"


class Theme(models.TextChoices):
    """Common themes, so the programme team can set the localities' plans side by side."""

    TRANSITIONS = "transitions", "Transitions"
    PEER_NETWORKS = "peer_networks", "Peer networks"
    INFORMATION_SHARING = "information_sharing", "Information sharing"
    EARLY_HELP = "early_help", "Early help and early identification"
    INCLUSION_PRACTICE = "inclusion_practice", "Inclusive and trauma-informed practice"
    ALTERNATIVE_PROVISION = "alternative_provision", "Alternative provision and outreach"
    HEALTH_ACCESS = "health_access", "Access to health and therapies"
    FAIR_ACCESS = "fair_access", "Fair access and managed moves"
    FAMILY_VOICE = "family_voice", "Children's and families' voice"
    OTHER = "other", "Other"


class ItemStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    PAUSED = "paused", "Paused"
    STOPPED = "stopped", "Stopped"


class ActionPlan(models.Model):
    """The Collaborative's action plan (the "blueprint"). Its items are the working copy; `number` is the latest
    version recorded (0 while it has never been agreed)."""

    collaborative = models.OneToOneField("collab.Collaborative", on_delete=models.PROTECT, related_name="action_plan")
    title = models.CharField(max_length=200, default="Action plan")
    status = models.CharField(max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    number = models.PositiveIntegerField(default=0)
    workshop = models.ForeignKey(
        "collab.Workshop", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="Agreed at."
    )
    status_on = models.DateField(null=True, blank=True, help_text="When it was agreed or revised.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.title} ({self.collaborative})"


class ActionPlanVersion(models.Model):
    """An agreed or revised plan as it stood: the items' text, never changed afterwards."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=PlanStatus.choices)
    workshop = models.ForeignKey("collab.Workshop", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    note = models.CharField(max_length=VERSION_NOTE_MAX, blank=True)
    items = models.JSONField(default=list)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number_unique")]

    def __str__(self) -> str:
        return f"Plan version {self.number}"


class PlanItem(models.Model):
    """One activity of the plan: what, why, intended outcomes, when, who is needed. Taking it out stamps it."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.PROTECT, related_name="items")
    collaborative = models.ForeignKey("collab.Collaborative", on_delete=models.PROTECT, related_name="plan_items")
    title = models.CharField("What", max_length=200)
    why = models.TextField(blank=True, max_length=5000)
    intended_outcomes = models.TextField(blank=True, max_length=5000)
    theme = models.CharField(max_length=30, choices=Theme.choices, default=Theme.OTHER)
    status = models.CharField(max_length=20, choices=ItemStatus.choices, default=ItemStatus.PLANNED)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    priorities = models.ManyToManyField(Priority, blank=True, related_name="plan_items")
    outcomes = models.ManyToManyField(Outcome, blank=True, related_name="plan_items")
    source_board = models.ForeignKey("collab.Board", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source_card = models.ForeignKey("collab.Card", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source_group = models.ForeignKey(
        "collab.CardGroup", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["collaborative", "removed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="plan_item_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title


class PlanItemPartner(models.Model):
    """A sector the item needs as a partner."""

    item = models.ForeignKey(PlanItem, on_delete=models.CASCADE, related_name="partners")
    sector = models.CharField(max_length=40, choices=Sector.choices)

    class Meta:
        ordering = ["item", "sector"]
        constraints = [models.UniqueConstraint(fields=["item", "sector"], name="plan_item_sector_unique")]

    def __str__(self) -> str:
        return f"{self.item}: {self.get_sector_display()}"


# --- Strategies and alignment ---------------------------------------------------------------------------------------


class StrategyKind(models.TextChoices):
    LOCAL = "local_authority", "Local authority strategy"
    NATIONAL = "national_programme", "National programme"


class Strategy(models.Model):
    """A strategy of the local authority (a SEND and inclusion strategy) or a national programme it takes part in,
    recorded by the anchor so the plan can be set against it."""

    collaborative = models.ForeignKey("collab.Collaborative", on_delete=models.PROTECT, related_name="strategies")
    kind = models.CharField(max_length=30, choices=StrategyKind.choices)
    title = models.CharField(max_length=200)
    owner = models.CharField(max_length=200, blank=True, help_text="Who owns it, e.g. the council's cabinet.")
    period = models.CharField(max_length=100, blank=True, help_text="For example “2024 to 2027”.")
    url = models.URLField(blank=True, max_length=500)
    summary = models.TextField(blank=True, max_length=5000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "title", "id"]
        verbose_name_plural = "strategies"

    def __str__(self) -> str:
        return self.title


class Objective(models.Model):
    strategy = models.ForeignKey(Strategy, on_delete=models.PROTECT, related_name="objectives")
    collaborative = models.ForeignKey("collab.Collaborative", on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=20, blank=True, help_text="Its number in the strategy, e.g. “2.3”.")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True, max_length=2000)
    position = models.PositiveIntegerField(default=0)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["strategy", "position", "id"]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}".strip()


class Alignment(models.Model):
    """An item serves an objective; the note says how, in a line or two."""

    item = models.ForeignKey(PlanItem, on_delete=models.CASCADE, related_name="alignments")
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="alignments")
    note = models.CharField(max_length=ALIGNMENT_NOTE_MAX)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["objective", "item"]
        constraints = [models.UniqueConstraint(fields=["item", "objective"], name="one_alignment_per_pair")]

    def __str__(self) -> str:
        return f"{self.item} → {self.objective}"


class LearningNote(models.Model):
    """Something learnt, shared with the other localities of the programme when `shared` is set."""

    collaborative = models.ForeignKey("collab.Collaborative", on_delete=models.PROTECT, related_name="learning_notes")
    item = models.ForeignKey(PlanItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="learning")
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=5000)
    shared = models.BooleanField(default=False, help_text="Shared on purpose with the whole programme.")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title
