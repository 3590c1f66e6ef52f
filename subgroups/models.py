"""Sub-group workstreams: who takes part and who leads (with their mandate), milestones, progress updates and
comments, the support log, links between sub-groups, the year-2 review, and the confidential concerns route.

Nothing here is deleted in ordinary use: people leave a sub-group (their row is closed, not removed), a lead's
handover closes one row and opens another, and updates form a timeline.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from collab.models import Collaborative, Organisation, Programme, User, Workshop

NAME_MAX = 200
LONG_TEXT = 5000


class SubGroupRole(models.TextChoices):
    LEAD = "lead", "Lead"
    CO_LEAD = "co_lead", "Co-lead"
    MEMBER = "member", "Member"


LEAD_ROLES = (SubGroupRole.LEAD, SubGroupRole.CO_LEAD)


class Mandate(models.TextChoices):
    """Whether the group has agreed who leads it, or the lead stepped forward and it is still to be agreed."""

    AGREED = "agreed", "Agreed by the group"
    SELF_APPOINTED = "self_appointed", "Self-appointed, not yet agreed"


class MandateSetting(models.TextChoices):
    WORKSHOP = "workshop", "At a workshop"
    MEETING = "meeting", "At a sub-group meeting"
    OTHER = "other", "Another way, for example by email"


class Status(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    BLOCKED = "blocked", "Blocked"
    COMPLETED = "completed", "Completed"
    CHANGED_DIRECTION = "changed_direction", "Changed direction"


class MilestoneState(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


class SupportKind(models.TextChoices):
    COACHING = "coaching", "Coaching"
    FACILITATION = "facilitation", "Facilitation"
    ADMIN = "admin", "Admin support"
    BROKERING = "brokering", "Brokering an introduction"
    EVALUATION = "evaluation", "Evaluation support"
    OTHER = "other", "Other support"


class SupportState(models.TextChoices):
    REQUESTED = "requested", "Requested"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DECLINED = "declined", "Not taken forward"


OPEN_SUPPORT_STATES = (SupportState.REQUESTED, SupportState.IN_PROGRESS)


class ReviewDecision(models.TextChoices):
    CONTINUE = "continue", "Continue"
    TAPER = "taper", "Continue, with support tapered off"
    CLOSE = "close", "Close"
    CHANGE_DIRECTION = "change_direction", "Change direction"


class ConcernState(models.TextChoices):
    OPEN = "open", "Raised"
    IN_PROGRESS = "in_progress", "Being looked into"
    RESOLVED = "resolved", "Resolved"


class SubGroup(models.Model):
    """A sub-group (workstream) of one collaborative, delivering a project of its action plan.

    `delivers` says in words which action-plan items it delivers; once the action plan lives in the workspace its
    items are linked as well (a link to them is added then, keeping these words).
    """

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="subgroups")
    name = models.CharField(max_length=NAME_MAX)
    aims = models.TextField(blank=True)
    delivers = models.TextField(blank=True, help_text="The action-plan items it delivers, in words.")
    partners = models.ManyToManyField(Organisation, blank=True, related_name="subgroups")
    # The latest progress update, kept by the service that posts updates: the sub-group's current status.
    current_update = models.ForeignKey(
        "ProgressUpdate", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # How often its leads post a progress update; reminders follow it (see subgroups.notifications).
    update_every_days = models.PositiveSmallIntegerField(
        default=28,
        validators=[MinValueValidator(7), MaxValueValidator(91)],
        help_text="Days between progress updates: 14 for every two weeks, 28 for every four.",
    )
    closed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "collaborative", name="subgroup_name_unique_in_collaborative"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def status(self) -> str:
        return self.current_update.status if self.current_update_id else Status.NOT_STARTED

    def get_status_display(self) -> str:
        return Status(self.status).label


class SubGroupMemberQuerySet(models.QuerySet["SubGroupMember"]):
    def active(self) -> "SubGroupMemberQuerySet":
        return self.filter(ended_on__isnull=True)

    def leads(self) -> "SubGroupMemberQuerySet":
        return self.filter(role__in=LEAD_ROLES)


class SubGroupMember(models.Model):
    """A person's part in a sub-group, with one role, for a period. Changing the role or handing over the lead closes
    this row and opens another, so the history of who led when is kept.

    For leads and co-leads, the mandate: when and where the group agreed who leads, or that they are self-appointed
    until it does.
    """

    subgroup = models.ForeignKey(SubGroup, on_delete=models.PROTECT, related_name="people")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="subgroup_roles")
    role = models.CharField(max_length=20, choices=SubGroupRole.choices)
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)
    mandate = models.CharField(max_length=20, choices=Mandate.choices, blank=True)
    mandate_agreed_on = models.DateField(null=True, blank=True)
    mandate_setting = models.CharField(max_length=20, choices=MandateSetting.choices, blank=True)
    mandate_note = models.CharField(max_length=300, blank=True, help_text="Where, for example “Workshop 4”.")
    mandate_workshop = models.ForeignKey(Workshop, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    mandate_recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SubGroupMemberQuerySet.as_manager()

    class Meta:
        ordering = ["subgroup", "role", "user__display_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["subgroup", "user"], condition=Q(ended_on__isnull=True), name="one_active_part_per_subgroup"
            ),
            models.UniqueConstraint(
                fields=["subgroup"], condition=Q(ended_on__isnull=True, role="lead"), name="one_lead_per_subgroup"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="subgroup_part_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(mandate="agreed") | Q(mandate_agreed_on__isnull=False),
                name="agreed_mandate_has_a_date",
            ),
        ]
        indexes = [models.Index(fields=["subgroup", "ended_on"]), models.Index(fields=["user", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.subgroup}"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None

    @property
    def is_lead(self) -> bool:
        return self.role in LEAD_ROLES


class Milestone(models.Model):
    subgroup = models.ForeignKey(SubGroup, on_delete=models.PROTECT, related_name="milestones")
    title = models.CharField(max_length=NAME_MAX)
    description = models.TextField(blank=True)
    due_on = models.DateField()
    state = models.CharField(max_length=20, choices=MilestoneState.choices, default=MilestoneState.PLANNED)
    completed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="done", completed_on__isnull=False)
                | (~Q(state="done") & Q(completed_on__isnull=True)),
                name="milestone_done_has_a_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} (due {self.due_on:%d/%m/%Y})"

    @property
    def is_open(self) -> bool:
        return self.state in (MilestoneState.PLANNED, MilestoneState.IN_PROGRESS)

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_on < timezone.localdate()


class ProgressUpdate(models.Model):
    """One structured update of a sub-group. Updates form its timeline; the latest gives its current status."""

    subgroup = models.ForeignKey(SubGroup, on_delete=models.PROTECT, related_name="updates")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices)
    done = models.TextField("What was done")
    next_steps = models.TextField("What is next")
    blockers = models.TextField(blank=True)
    support_needed = models.TextField(blank=True)
    direction_reason = models.TextField(blank=True, help_text="Why the direction changed.")
    stage = models.CharField(max_length=100, blank=True)
    percent_complete = models.PositiveSmallIntegerField(null=True, blank=True)
    children_voice = models.TextField(
        blank=True, help_text="How children's and families' views were considered in this period."
    )
    children_voice_not_yet = models.BooleanField(default=False)
    milestones_completed = models.ManyToManyField(Milestone, blank=True, related_name="completed_in")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="changed_direction") | ~Q(direction_reason=""),
                name="changed_direction_has_a_reason",
            ),
            models.CheckConstraint(
                condition=Q(percent_complete__isnull=True) | Q(percent_complete__lte=100),
                name="percent_complete_at_most_100",
            ),
            models.CheckConstraint(
                condition=~Q(children_voice="") | Q(children_voice_not_yet=True),
                name="children_voice_answered_or_not_yet",
            ),
        ]
        indexes = [models.Index(fields=["subgroup", "-created_at"])]

    def __str__(self) -> str:
        return f"Update of {self.subgroup} on {timezone.localtime(self.created_at):%d/%m/%Y}"


class UpdateComment(models.Model):
    update = models.ForeignKey(ProgressUpdate, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.update}"


class UpdateDraft(models.Model):
    """A half-written update, kept on the server so it survives a lost signal or a closed tab."""

    subgroup = models.ForeignKey(SubGroup, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subgroup", "author"], name="one_draft_per_person")]

    def __str__(self) -> str:
        return f"Draft update of {self.subgroup} by {self.author}"


class SupportEntry(models.Model):
    """Support for a sub-group: given by a facilitator or advisor, or requested by its leads and tracked to done."""

    subgroup = models.ForeignKey(SubGroup, on_delete=models.PROTECT, related_name="support")
    kind = models.CharField(max_length=20, choices=SupportKind.choices)
    state = models.CharField(max_length=20, choices=SupportState.choices)
    description = models.TextField()
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    given_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    given_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True, help_text="What happened, or why it was not taken forward.")
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "support entries"
        indexes = [models.Index(fields=["subgroup", "state"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.subgroup}"

    @property
    def is_request(self) -> bool:
        return self.requested_by_id is not None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_SUPPORT_STATES


class SubGroupLinkQuerySet(models.QuerySet["SubGroupLink"]):
    def current(self) -> "SubGroupLinkQuerySet":
        return self.filter(removed_at__isnull=True)


class SubGroupLink(models.Model):
    """“Linked with the transitions work in another area”: two sub-groups, in one collaborative or two.

    Removing a link stamps it, like everything else here it is not deleted.
    """

    from_subgroup = models.ForeignKey(SubGroup, on_delete=models.CASCADE, related_name="links_out")
    to_subgroup = models.ForeignKey(SubGroup, on_delete=models.CASCADE, related_name="links_in")
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = SubGroupLinkQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_subgroup", "to_subgroup"], condition=Q(removed_at__isnull=True), name="one_link_per_pair"
            ),
            models.CheckConstraint(condition=~Q(from_subgroup=models.F("to_subgroup")), name="no_link_to_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.from_subgroup} ↔ {self.to_subgroup}"


class Review(models.Model):
    """The year-2 review of a sub-group: a decision, its reasons and the forward plan."""

    subgroup = models.ForeignKey(SubGroup, on_delete=models.PROTECT, related_name="reviews")
    decision = models.CharField(max_length=20, choices=ReviewDecision.choices)
    reasons = models.TextField()
    forward_plan = models.TextField()
    reviewed_on = models.DateField(default=timezone.localdate)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-reviewed_on", "-pk"]

    def __str__(self) -> str:
        return f"Review of {self.subgroup} on {self.reviewed_on:%d/%m/%Y}"


class Concern(models.Model):
    """A concern raised with the programme team, confidentially: only the person who raised it and the programme
    team see it, tracked to resolution."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="concerns_raised")
    subject = models.CharField(max_length=NAME_MAX)
    details = models.TextField()
    state = models.CharField(max_length=20, choices=ConcernState.choices, default=ConcernState.OPEN)
    resolution = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["programme", "state"]), models.Index(fields=["raised_by", "-created_at"])]

    def __str__(self) -> str:
        # Deliberately says nothing of the subject: this label appears in the audit trail.
        return f"Concern {self.pk}"


class ConcernNote(models.Model):
    """A message on a concern, between the person who raised it and the programme team."""

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Note on {self.concern}"


class PlanItemOwner(models.Model):
    """Which sub-group owns an item of the action plan. Kept here, pointing down at the item, so `actionplans` never
    depends on this app; one owner per item."""

    item = models.OneToOneField("actionplans.PlanItem", on_delete=models.CASCADE, related_name="owner")
    subgroup = models.ForeignKey(SubGroup, on_delete=models.CASCADE, related_name="plan_items_owned")
    assigned_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["subgroup", "item"]
        indexes = [models.Index(fields=["subgroup"])]

    def __str__(self) -> str:
        return f"{self.item} — owned by {self.subgroup}"
