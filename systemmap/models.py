"""System maps: the actors, services, stages and pressures around exclusion, how they connect, and the evidence
behind each — above all the lived experience of children and families.

A collaborative has one or more maps. A map holds elements and the directed connections between them, evidence
attached to an element, a connection or a finding, the findings ("key issues") facilitators present, comments, and
versions (snapshots such as "Year 1 map").

Everything inside a map stays inside it: a connection's two ends, an evidence item's element, connection or finding,
and a finding's elements and evidence all belong to the same map. The services check it, and on PostgreSQL the
database holds it too — composite foreign keys `(element_id, map_id) → element (id, map_id)` (see migration 0002),
which need the `(id, map)` unique constraints declared below.

A map is a live object (kind "systemmap" in `collab.live`): every change is a numbered event in its stream, so an
open map page stays current when someone else edits.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from collab.models import Collaborative, Sector

TITLE_MAX = 200
LABEL_MAX = 200
DESCRIPTION_MAX = 5000
NOTE_MAX = 2000
EVIDENCE_TEXT_MAX = 2000
ATTRIBUTION_MAX = 80
REFERENCE_MAX = 300
FINDING_TITLE_MAX = 300
COMMENT_MAX = 2000
VERSION_LABEL_MAX = 120
TAG_MAX = 40
TAGS_MAX = 20
EXTERNAL_ID_MAX = 100
# Counts of children or families under this are shown as "fewer than 5" to anyone who may not see sensitive evidence.
SMALL_COUNT = 5


class ElementType(models.TextChoices):
    ORGANISATION = "organisation", "Organisation or actor"
    SERVICE = "service", "Service"
    SETTING = "setting", "Setting"
    STAGE = "stage", "Stage of the child's journey"
    PRESSURE = "pressure", "Pressure or issue"
    NEED = "need", "Need"
    RESOURCE = "resource", "Resource"


class ConnectionType(models.TextChoices):
    REFERRAL = "referral", "Referral"
    INFORMATION = "information", "Information flow"
    FUNDING = "funding", "Funding or commissioning"
    SUPPORT = "support", "Support"
    INFLUENCE = "influence", "Influence"
    TRANSITION = "transition", "Transition"


class Polarity(models.TextChoices):
    """Whether a change at the source moves the target the same way (+) or the opposite way (−)."""

    SAME = "+", "+ (same direction)"
    OPPOSITE = "-", "− (opposite direction)"


class EvidenceKind(models.TextChoices):
    QUOTE = "quote", "Quote"
    DATA_POINT = "data_point", "Data point"
    DOCUMENT = "document", "Document"
    OBSERVATION = "observation", "Observation"


class SourceKind(models.TextChoices):
    CHILD = "child", "Child or young person"
    PARENT = "parent", "Parent or carer"
    PROFESSIONAL = "professional", "Professional"
    DATA = "data", "Data"


class Map(models.Model):
    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT, related_name="maps")
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX)
    extra = models.JSONField(
        default=dict, blank=True, help_text="What an imported file carried that the map has no field for."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title


class Element(models.Model):
    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="elements")
    label = models.CharField(max_length=LABEL_MAX)
    type = models.CharField(max_length=20, choices=ElementType.choices)
    sector = models.CharField(max_length=40, choices=Sector.choices, blank=True)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX)
    tags = models.JSONField(default=list, blank=True, help_text="A list of short tags.")
    x = models.FloatField(null=True, blank=True, help_text="Saved position; empty until placed.")
    y = models.FloatField(null=True, blank=True)
    journey_step = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="For a stage of the child's journey: its place in the journey (1 first)."
    )
    external_id = models.CharField(
        max_length=EXTERNAL_ID_MAX, blank=True, help_text="Its id in the file it was imported from."
    )
    extra = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["id", "map"], name="element_id_with_map"),
            models.CheckConstraint(
                condition=Q(journey_step__isnull=True) | Q(type="stage"), name="journey_step_only_for_stages"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Connection(models.Model):
    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="connections")
    source = models.ForeignKey(Element, on_delete=models.CASCADE, related_name="outgoing")
    target = models.ForeignKey(Element, on_delete=models.CASCADE, related_name="incoming")
    type = models.CharField(max_length=20, choices=ConnectionType.choices, default=ConnectionType.INFLUENCE)
    polarity = models.CharField(max_length=1, choices=Polarity.choices, default=Polarity.SAME)
    strength = models.PositiveSmallIntegerField(default=3, help_text="1 (weak) to 5 (strong).")
    note = models.TextField(blank=True, max_length=NOTE_MAX)
    external_id = models.CharField(max_length=EXTERNAL_ID_MAX, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["id", "map"], name="connection_id_with_map"),
            models.CheckConstraint(condition=~Q(source=F("target")), name="connection_joins_two_elements"),
            models.CheckConstraint(condition=Q(strength__gte=1, strength__lte=5), name="connection_strength_1_to_5"),
            models.CheckConstraint(condition=Q(polarity__in=["+", "-"]), name="connection_polarity_sign"),
        ]
        indexes = [models.Index(fields=["map", "source"]), models.Index(fields=["map", "target"])]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id}"


class Finding(models.Model):
    """A key issue the facilitators present for discussion, linked to the elements and evidence behind it."""

    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="findings")
    title = models.CharField(max_length=FINDING_TITLE_MAX)
    summary = models.TextField(blank=True, max_length=DESCRIPTION_MAX)
    elements = models.ManyToManyField(Element, through="FindingElement", related_name="findings", blank=True)
    evidence = models.ManyToManyField("Evidence", through="FindingEvidence", related_name="linked_findings", blank=True)
    position = models.PositiveIntegerField(default=0, help_text="Order of presentation.")
    # Where it came from on a workshop board, kept so it can always show its origin.
    source_board = models.ForeignKey("collab.Board", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source_card = models.ForeignKey("collab.Card", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source_group = models.ForeignKey(
        "collab.CardGroup", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["id", "map"], name="finding_id_with_map")]

    def __str__(self) -> str:
        return self.title


class Evidence(models.Model):
    """One piece of evidence, attached to exactly one element, connection or finding.

    Nobody is named: `attribution` is a role ("Year 9 pupil", "SENCo", "parent of a child with an EHCP"), checked by
    the services (see `systemmap.services.common.clean_attribution`). `sensitive` limits it to facilitators and the
    programme team; a `count` under `SMALL_COUNT` is shown as "fewer than 5" to everyone else.
    """

    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="evidence")
    element = models.ForeignKey(Element, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence")
    finding = models.ForeignKey(
        Finding, on_delete=models.CASCADE, null=True, blank=True, related_name="attached_evidence"
    )
    kind = models.CharField(max_length=20, choices=EvidenceKind.choices)
    source_kind = models.CharField(max_length=20, choices=SourceKind.choices)
    attribution = models.CharField(max_length=ATTRIBUTION_MAX, blank=True, help_text="A role, never a name.")
    text = models.TextField(max_length=EVIDENCE_TEXT_MAX, help_text="The quote, what was seen, or what it counts.")
    count = models.PositiveIntegerField(null=True, blank=True, help_text="For a data point: how many.")
    reference = models.CharField(max_length=REFERENCE_MAX, blank=True, help_text="A document's title or link.")
    collected_on = models.DateField(null=True, blank=True)
    sensitive = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "evidence"
        constraints = [
            models.UniqueConstraint(fields=["id", "map"], name="evidence_id_with_map"),
            models.CheckConstraint(
                condition=Q(element__isnull=False, connection__isnull=True, finding__isnull=True)
                | Q(element__isnull=True, connection__isnull=False, finding__isnull=True)
                | Q(element__isnull=True, connection__isnull=True, finding__isnull=False),
                name="evidence_on_one_thing",
            ),
            models.CheckConstraint(
                condition=Q(count__isnull=True) | Q(kind="data_point"), name="evidence_count_only_for_data"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:60]}"

    @property
    def attached_to(self) -> tuple[str, int]:
        if self.element_id:
            return "element", self.element_id
        if self.connection_id:
            return "connection", self.connection_id
        return "finding", self.finding_id


class FindingElement(models.Model):
    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="+")
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="element_links")
    element = models.ForeignKey(Element, on_delete=models.CASCADE, related_name="finding_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["finding", "element"], name="finding_element_once")]

    def __str__(self) -> str:
        return f"finding {self.finding_id} → element {self.element_id}"


class FindingEvidence(models.Model):
    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="+")
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="evidence_links")
    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="finding_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["finding", "evidence"], name="finding_evidence_once")]

    def __str__(self) -> str:
        return f"finding {self.finding_id} → evidence {self.evidence_id}"


class MapComment(models.Model):
    """A member's comment on the map, or on one element or finding of it."""

    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="comments")
    element = models.ForeignKey(Element, on_delete=models.CASCADE, null=True, blank=True, related_name="comments")
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, null=True, blank=True, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=COMMENT_MAX)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(element__isnull=True) | Q(finding__isnull=True), name="comment_on_one_thing"
            ),
        ]

    def __str__(self) -> str:
        return self.body[:60]


class MapVersion(models.Model):
    """A snapshot of a map ("Year 1 map", "Year 2 review"): its elements, connections, findings and which evidence
    was attached where (not the evidence itself, which stays under its own access rules)."""

    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="versions")
    label = models.CharField(max_length=VERSION_LABEL_MAX)
    snapshot = models.JSONField(default=dict)
    element_count = models.PositiveIntegerField(default=0)
    connection_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.label


STEP_TITLE_MAX = 200
STEP_CAPTION_MAX = 2000


class Presentation(models.Model):
    """A saved sequence of views of the map for a workshop ("present mode"): the map revealed step by step."""

    map = models.ForeignKey(Map, on_delete=models.CASCADE, related_name="presentations")
    title = models.CharField(max_length=TITLE_MAX)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title


class PresentationStep(models.Model):
    """One view of a presentation: the elements shown (and every connection between two of them), an optional
    element to zoom in on, and a caption. Element ids of elements removed since are skipped when shown."""

    presentation = models.ForeignKey(Presentation, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(default=1, help_text="Order in the presentation, 1 first.")
    title = models.CharField(max_length=STEP_TITLE_MAX)
    caption = models.TextField(blank=True, max_length=STEP_CAPTION_MAX)
    elements = models.JSONField(default=list, blank=True, help_text="Ids of the elements shown.")
    focus = models.ForeignKey(Element, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title
