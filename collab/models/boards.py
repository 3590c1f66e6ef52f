"""Live workshop boards: zones, cards, groups, dot votes, participants and guests.

A board is a live object (see `collab.models.live`): every change is an event in the board's stream.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from collab.models.people import User
from collab.models.workshops import Workshop

CARD_TEXT_MAX = 500
TITLE_MAX = 120


class BoardTemplate(models.TextChoices):
    EXPLORE_MAP = "explore_map", "Explore the system map"
    VISION = "vision", "Shared vision"
    PRIORITISE = "prioritise", "Prioritise"
    ACTION_PLANNING = "action_planning", "Action planning"
    REVIEW = "review", "Review"
    BLANK = "blank", "Blank board"


class Phase(models.TextChoices):
    WRITE = "write", "Write"
    GROUP = "group", "Group"
    VOTE = "vote", "Vote"
    DISCUSS = "discuss", "Discuss"
    DECIDE = "decide", "Decide"


class CardColour(models.TextChoices):
    YELLOW = "yellow", "Yellow"
    BLUE = "blue", "Blue"
    GREEN = "green", "Green"
    PINK = "pink", "Pink"
    ORANGE = "orange", "Orange"
    PURPLE = "purple", "Purple"


class Board(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="boards")
    title = models.CharField(max_length=TITLE_MAX)
    template = models.CharField(max_length=30, choices=BoardTemplate.choices, default=BoardTemplate.BLANK)
    prompt = models.CharField(max_length=500, blank=True, help_text="The question everyone answers on this board.")
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.WRITE)
    private_writing = models.BooleanField(
        default=True, help_text="Cards stay with their author (and the facilitator) until the facilitator reveals."
    )
    revealed_at = models.DateTimeField(null=True, blank=True)
    locked = models.BooleanField(default=False)
    facilitator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="boards_facilitated")
    timer_ends_at = models.DateTimeField(null=True, blank=True)
    timer_paused_seconds = models.PositiveIntegerField(null=True, blank=True)
    spotlight = models.JSONField(null=True, blank=True, help_text='{"kind": "card" | "group", "id": …}')
    vote_budget = models.PositiveSmallIntegerField(default=5)
    vote_cap_per_card = models.PositiveSmallIntegerField(default=3)
    voting_round = models.PositiveSmallIntegerField(default=0, help_text="0 until the first round opens.")
    voting_open = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["workshop", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(vote_cap_per_card__lte=models.F("vote_budget")), name="vote_cap_within_budget"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_revealed(self) -> bool:
        return not self.private_writing or self.revealed_at is not None


class Zone(models.Model):
    """A column or area of a board. A breakout zone belongs to one sub-group until the board converges."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="zones")
    title = models.CharField(max_length=TITLE_MAX)
    position = models.PositiveSmallIntegerField(default=0)
    breakout = models.CharField(max_length=TITLE_MAX, blank=True, help_text="The breakout group working here.")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class Participant(models.Model):
    """Someone taking part on one board: a signed-in person or a guest. Holds presence, which is ephemeral."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="participants")
    key = models.CharField(max_length=40, help_text="u:<user id> or g:<guest id>.")
    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    guest = models.ForeignKey("Guest", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    display_name = models.CharField(max_length=150)
    breakout = models.CharField(max_length=TITLE_MAX, blank=True)
    connections = models.PositiveIntegerField(default=0)
    last_seen = models.DateTimeField(default=timezone.now)
    writing_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["board", "key"], name="one_participant_per_board")]

    def __str__(self) -> str:
        return self.display_name


class CardGroup(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="groups")
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="groups")
    title = models.CharField(max_length=TITLE_MAX)
    position = models.FloatField(default=0)
    removed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class Card(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="cards")
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="cards")
    group = models.ForeignKey(CardGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="cards")
    text = models.CharField(max_length=CARD_TEXT_MAX)
    colour = models.CharField(max_length=20, choices=CardColour.choices, default=CardColour.YELLOW)
    author = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="cards")
    anonymous = models.BooleanField(default=False, help_text="Shown without the author's name.")
    position = models.FloatField(default=0)
    removed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["board", "removed_at"])]

    def __str__(self) -> str:
        return self.text[:60]


class Vote(models.Model):
    """One dot: a participant's vote for a card in a voting round."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="votes")
    round = models.PositiveSmallIntegerField()
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="votes")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["board", "round", "voter"]), models.Index(fields=["board", "round", "card"])]

    def __str__(self) -> str:
        return f"Vote in round {self.round} for card {self.card_id}"


class GuestLink(models.Model):
    """A time-limited way into one board for people without an account: a link, or a short code to type."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="guest_links")
    code = models.CharField(max_length=12, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Guest link {self.code} for {self.board}"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class Guest(models.Model):
    """Someone taking part on one board without an account. They see that board and nothing else."""

    link = models.ForeignKey(GuestLink, on_delete=models.CASCADE, related_name="guests")
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="guests")
    display_name = models.CharField(max_length=80)
    joined_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.display_name} (guest)"

    @property
    def is_authenticated(self) -> bool:
        return False

    @property
    def can_take_part(self) -> bool:
        return self.link.is_usable


class Promotion(models.Model):
    """A card or group turned into an output elsewhere (a priority, a finding…), with the link kept both ways."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="promotions")
    card = models.ForeignKey(Card, on_delete=models.CASCADE, null=True, blank=True, related_name="promotions")
    group = models.ForeignKey(CardGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="promotions")
    target = models.CharField(max_length=40, help_text="The registered target, such as “priority”.")
    target_id = models.BigIntegerField()
    target_label = models.CharField(max_length=300)
    promoted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    promoted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["promoted_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(card__isnull=False, group__isnull=True) | Q(card__isnull=True, group__isnull=False),
                name="promotion_of_card_or_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target}: {self.target_label}"
