"""The core of the workspace: people, programmes, collaboratives (one per locality), organisations, memberships,
invitations and the audit trail."""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.query import ModelIterable
from django.utils import timezone


class Sector(models.TextChoices):
    """The sectors a Collaborative draws its members from (see DOMAIN.md)."""

    PRIMARY_SCHOOL = "primary_school", "Mainstream primary school"
    SECONDARY_SCHOOL = "secondary_school", "Mainstream secondary school"
    SPECIAL_SCHOOL = "special_school", "Special school"
    ALTERNATIVE_PROVISION = "alternative_provision", "Alternative provision and pupil referral units"
    VIRTUAL_SCHOOL = "virtual_school", "Virtual school"
    LA_EDUCATION = "la_education", "Local authority education, SEND and inclusion"
    EARLY_HELP = "early_help", "Early help"
    SOCIAL_CARE = "social_care", "Children's social care"
    HEALTH = "health", "Health (NHS therapies, CAMHS, paediatrics)"
    EDUCATIONAL_PSYCHOLOGY = "educational_psychology", "Educational psychology"
    PARENT_CARERS = "parent_carers", "Parent carer forum"
    FACILITATION = "facilitation", "Facilitating organisation"


class Role(models.TextChoices):
    """A person's role. Programme team is held in a programme; the others in one collaborative.

    Sub-group lead is granted by a sub-group, not by a membership, so it is not offered on memberships.
    """

    PROGRAMME_TEAM = "programme_team", "Programme team"
    FACILITATOR = "facilitator", "Facilitator"
    ANCHOR = "anchor", "Collaborative Anchor"
    SUBGROUP_LEAD = "subgroup_lead", "Sub-group lead"
    MEMBER = "member", "Member"
    OBSERVER = "observer", "Observer"


COLLABORATIVE_ROLES = [Role.FACILITATOR, Role.ANCHOR, Role.MEMBER, Role.OBSERVER]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username: str) -> "User":
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. They sign in with their email address."""

    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=150, help_text="How others see you, for example “Sam Patel”.")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Can sign in to the admin site.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["display_name", "email"]

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name


class Programme(models.Model):
    """A facilitating organisation's programme, running a Collaborative in each of several localities."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="programme_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Collaborative(models.Model):
    """The multi-agency Collaborative of one locality (an English local authority area)."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="collaboratives")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    locality = models.CharField(max_length=200, help_text="The local authority area it serves.")
    description = models.TextField(blank=True)
    anchor_organisation = models.ForeignKey(
        "Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="anchored_collaboratives",
        help_text="Usually the local authority's education service.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "locality"], name="one_collaborative_per_locality"),
        ]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A school, service or body that members come from. Local to one collaborative, or programme-wide (such as
    the facilitating organisation) when `collaborative` is empty."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="organisations")
    collaborative = models.ForeignKey(
        Collaborative, on_delete=models.PROTECT, null=True, blank=True, related_name="organisations"
    )
    name = models.CharField(max_length=200)
    sector = models.CharField(max_length=40, choices=Sector.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "collaborative", "name"], name="organisation_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> "MembershipQuerySet":
        return self.filter(left_on__isnull=True)


class Membership(models.Model):
    """A person's part in a collaborative (or, for the programme team, in a programme).

    Leaving sets `left_on`; the row stays, so the history of who took part survives staff turnover.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="memberships")
    collaborative = models.ForeignKey(
        Collaborative, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    sector = models.CharField(max_length=40, choices=Sector.choices)
    role = models.CharField(max_length=20, choices=Role.choices)
    job_title = models.CharField(max_length=150, blank=True, help_text="For example “SENCo” or “Head of Year 7”.")
    joined_on = models.DateField(default=timezone.localdate)
    left_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["user__display_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "collaborative"],
                condition=Q(left_on__isnull=True, collaborative__isnull=False),
                name="one_active_membership_per_collaborative",
            ),
            models.UniqueConstraint(
                fields=["user", "programme"],
                condition=Q(left_on__isnull=True, collaborative__isnull=True),
                name="one_active_programme_team_membership",
            ),
            # Programme team is held in a programme; every other role in a collaborative.
            models.CheckConstraint(
                condition=(Q(role="programme_team", collaborative__isnull=True))
                | (~Q(role="programme_team") & Q(collaborative__isnull=False)),
                name="membership_role_matches_scope",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="membership_leaves_after_joining",
            ),
        ]
        indexes = [models.Index(fields=["collaborative", "left_on"]), models.Index(fields=["user", "left_on"])]

    def __str__(self) -> str:
        where = self.collaborative or self.programme
        return f"{self.user} — {self.get_role_display()} in {where}"

    @property
    def is_active(self) -> bool:
        return self.left_on is None


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> "InvitationQuerySet":
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An invitation by email to join a collaborative with a role. The link carries a signed, expiring token."""

    collaborative = models.ForeignKey(Collaborative, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True)
    sector = models.CharField(max_length=40, choices=Sector.choices)
    job_title = models.CharField(max_length=150, blank=True)
    message = models.TextField(blank=True, max_length=2000)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="invitations_sent")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="invitations_accepted"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["collaborative", "email"])]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.collaborative}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class _AsSeenIterable(ModelIterable):
    """Rows of the audit trail as one reader may see them: the page (or the one row) is read, then handed to the
    reader's redaction (see `collab.audit.as_seen_by`) before anyone gets it."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        events = list(super().__iter__())
        redact = self.queryset._reader
        if redact is not None and events:
            redact(events)
        yield from events


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    _reader: Any = None

    def as_seen_by(self, redact: Any) -> "AuditEventQuerySet":
        """Every row this queryset (and any filtered, ordered or sliced copy of it) yields passes `redact` first."""
        clone = self._chain()
        clone._reader = redact
        clone._iterable_class = _AsSeenIterable
        return clone

    def _clone(self) -> "AuditEventQuerySet":
        clone = super()._clone()
        clone._reader = self._reader
        return clone


class AuditEvent(models.Model):
    """One write: who did it, when, to what, and what changed (field → [before, after]).

    Read it through the selectors (`collab.selectors.audit_events_visible`, `audit_trail`): they show each reader only
    what they may see (`collab.audit.as_seen_by`)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor_label = models.CharField(max_length=200, help_text="Who, kept even if the account is renamed.")
    action = models.CharField(max_length=80)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    collaborative = models.ForeignKey(
        Collaborative, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    target_type = models.CharField(max_length=80)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=300)
    changes = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["collaborative", "-at"]), models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor_label}: {self.action} {self.target_label}"
