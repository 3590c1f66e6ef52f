"""Serializers of the system map API: what is read, what may be sent, and the documented shapes of the map data,
analysis and comparison answers."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from collab.access import Action, can
from collab.api.people import VisibleRelatedField, _text
from collab.api_base import ReadSerializer
from collab.identifiers import ATTRIBUTION_ROLES, compose_attribution
from collab.models import Collaborative, Sector
from collab.selectors import collaboratives_visible
from systemmap import io
from systemmap.analysis import LOOP_MAX_LENGTH, LOOPS_MAX
from systemmap.models import (
    ATTRIBUTION_MAX,
    COMMENT_MAX,
    DESCRIPTION_MAX,
    EVIDENCE_TEXT_MAX,
    FINDING_TITLE_MAX,
    LABEL_MAX,
    NOTE_MAX,
    REFERENCE_MAX,
    TAG_MAX,
    TAGS_MAX,
    TITLE_MAX,
    VERSION_LABEL_MAX,
    Connection,
    ConnectionType,
    Element,
    ElementType,
    Evidence,
    EvidenceKind,
    Finding,
    Map,
    MapComment,
    MapVersion,
    Polarity,
    SourceKind,
)
from systemmap.payloads import SUPPRESSED, board_url, is_small
from systemmap.selectors import (
    connections_visible,
    elements_visible,
    findings_visible,
    maps_visible,
)

ID = {"min_value": 1, "max_value": 2**62}
ATTRIBUTION_HELP = (
    "Who it is from, never a name. For a quote (required): a role from `attribution_role`'s list, optionally with a "
    "short description in brackets, e.g. “Year 9 pupil (with an EHCP)”; or send `attribution_role` and "
    "`attribution_qualifier` instead. Other evidence may name its source (“Council inclusion team”). Anything that "
    "looks like a personal name, an initial, an email address or a long number is refused."
)
CONFIRM_HELP = (
    "Text that looks like it names a person or holds an identifier (a pupil number, date of birth, postcode, email, "
    "phone number) is refused with code `needs_confirmation`; look again and send `confirm: true` if it does not."
)


# --- Read ----------------------------------------------------------------------------------------------------------


class MapSerializer(ReadSerializer):
    collaborative_name = serializers.CharField(source="collaborative.name", read_only=True)
    element_count = serializers.IntegerField(read_only=True, default=0)
    connection_count = serializers.IntegerField(read_only=True, default=0)
    finding_count = serializers.IntegerField(read_only=True, default=0)
    can_edit = serializers.SerializerMethodField(help_text="Whether you may change this map.")

    class Meta:
        model = Map
        fields = [
            "id",
            "collaborative",
            "collaborative_name",
            "title",
            "description",
            "element_count",
            "connection_count",
            "finding_count",
            "can_edit",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_can_edit(self, map_: Map) -> bool:
        request = self.context.get("request")
        return can(request.user if request else None, Action.EDIT_PLAN, map_.collaborative)


class ElementSerializer(ReadSerializer):
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Element
        fields = [
            "id",
            "map",
            "label",
            "type",
            "sector",
            "description",
            "tags",
            "x",
            "y",
            "journey_step",
            "external_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ConnectionSerializer(ReadSerializer):
    class Meta:
        model = Connection
        fields = [
            "id",
            "map",
            "source",
            "target",
            "type",
            "polarity",
            "strength",
            "note",
            "external_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EvidenceSerializer(ReadSerializer):
    """Evidence as the person may see it: a data point counting fewer than 5 shows no number (`suppressed`) to
    anyone but facilitators and the programme team, who alone see sensitive evidence at all."""

    count = serializers.SerializerMethodField(help_text="How many; null when suppressed (fewer than 5).")
    count_display = serializers.SerializerMethodField(help_text="The count as shown: “fewer than 5” when small.")
    suppressed = serializers.SerializerMethodField(help_text="Whether the count is withheld because it is small.")

    class Meta:
        model = Evidence
        fields = [
            "id",
            "map",
            "element",
            "connection",
            "finding",
            "kind",
            "source_kind",
            "attribution",
            "text",
            "count",
            "count_display",
            "suppressed",
            "reference",
            "collected_on",
            "sensitive",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _suppressed(self, evidence: Evidence) -> bool:
        request = self.context.get("request")
        user = request.user if request else None
        return is_small(evidence) and not can(user, Action.VIEW_SENSITIVE, evidence.map.collaborative)

    def get_count(self, evidence: Evidence) -> int | None:
        return None if self._suppressed(evidence) else evidence.count

    def get_count_display(self, evidence: Evidence) -> str | None:
        if evidence.count is None:
            return None
        return SUPPRESSED if self._suppressed(evidence) else f"{evidence.count:,}"

    def get_suppressed(self, evidence: Evidence) -> bool:
        return self._suppressed(evidence)


class FindingSerializer(ReadSerializer):
    elements = serializers.SerializerMethodField(help_text="Ids of the elements it is about.")
    evidence = serializers.SerializerMethodField(help_text="Ids of evidence linked to it (besides evidence on it).")
    source_url = serializers.SerializerMethodField(help_text="The workshop board it was promoted from, if any.")

    class Meta:
        model = Finding
        fields = [
            "id",
            "map",
            "title",
            "summary",
            "position",
            "elements",
            "evidence",
            "source_board",
            "source_card",
            "source_group",
            "source_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_elements(self, finding: Finding) -> list[int]:
        return sorted(link.element_id for link in finding.element_links.all())

    def get_evidence(self, finding: Finding) -> list[int]:
        return sorted(link.evidence_id for link in finding.evidence_links.all())

    def get_source_url(self, finding: Finding) -> str | None:
        return board_url(finding.source_board_id) if finding.source_board_id else None


class MapVersionSerializer(ReadSerializer):
    created_by_name = serializers.CharField(source="created_by.display_name", read_only=True)

    class Meta:
        model = MapVersion
        fields = ["id", "map", "label", "element_count", "connection_count", "created_by_name", "created_at"]
        read_only_fields = fields


class MapCommentSerializer(ReadSerializer):
    author_name = serializers.CharField(source="author.display_name", read_only=True)

    class Meta:
        model = MapComment
        fields = ["id", "map", "element", "finding", "author", "author_name", "body", "created_at"]
        read_only_fields = fields


# --- Write ---------------------------------------------------------------------------------------------------------


def _map_field(**kwargs: Any) -> VisibleRelatedField:
    return VisibleRelatedField(selector=maps_visible, model=Map, what="map", **kwargs)


def _tags(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=TAG_MAX), max_length=TAGS_MAX, help_text="Short tags.", **kwargs
    )


def _coordinate(**kwargs: Any) -> serializers.FloatField:
    return serializers.FloatField(min_value=-1e7, max_value=1e7, allow_null=True, **kwargs)


class MapCreateSerializer(serializers.Serializer):
    collaborative = VisibleRelatedField(selector=collaboratives_visible, model=Collaborative, what="collaborative")
    title = _text(TITLE_MAX)
    description = _text(DESCRIPTION_MAX, allow_blank=True, required=False, default="")


class MapUpdateSerializer(serializers.Serializer):
    title = _text(TITLE_MAX)
    description = _text(DESCRIPTION_MAX, allow_blank=True)


class ElementCreateSerializer(serializers.Serializer):
    map = _map_field()
    label = _text(LABEL_MAX)
    type = serializers.ChoiceField(choices=ElementType.choices)
    sector = serializers.ChoiceField(choices=Sector.choices, allow_blank=True, required=False, default="")
    description = _text(DESCRIPTION_MAX, allow_blank=True, required=False, default="")
    tags = _tags(required=False, default=list)
    x = _coordinate(required=False, default=None)
    y = _coordinate(required=False, default=None)
    journey_step = serializers.IntegerField(
        min_value=1,
        max_value=1000,
        allow_null=True,
        required=False,
        default=None,
        help_text="For a stage of the child's journey: its place in the journey (1 first).",
    )


class ElementUpdateSerializer(serializers.Serializer):
    label = _text(LABEL_MAX)
    type = serializers.ChoiceField(choices=ElementType.choices)
    sector = serializers.ChoiceField(choices=Sector.choices, allow_blank=True)
    description = _text(DESCRIPTION_MAX, allow_blank=True)
    tags = _tags()
    x = _coordinate()
    y = _coordinate()
    journey_step = serializers.IntegerField(min_value=1, max_value=1000, allow_null=True)


class PositionSerializer(serializers.Serializer):
    id = serializers.IntegerField(**ID)
    x = serializers.FloatField(min_value=-1e7, max_value=1e7)
    y = serializers.FloatField(min_value=-1e7, max_value=1e7)


class ElementsMoveSerializer(serializers.Serializer):
    map = _map_field()
    positions = PositionSerializer(many=True, min_length=1, max_length=5000)


class ConnectionCreateSerializer(serializers.Serializer):
    map = _map_field()
    source = VisibleRelatedField(selector=elements_visible, model=Element, what="element")
    target = VisibleRelatedField(selector=elements_visible, model=Element, what="element")
    type = serializers.ChoiceField(choices=ConnectionType.choices, default=ConnectionType.INFLUENCE)
    polarity = serializers.ChoiceField(
        choices=Polarity.choices, default=Polarity.SAME, help_text="+ : the target moves the same way as the source."
    )
    strength = serializers.IntegerField(min_value=1, max_value=5, default=3)
    note = _text(NOTE_MAX, allow_blank=True, required=False, default="")


class ConnectionUpdateSerializer(serializers.Serializer):
    source = VisibleRelatedField(selector=elements_visible, model=Element, what="element")
    target = VisibleRelatedField(selector=elements_visible, model=Element, what="element")
    type = serializers.ChoiceField(choices=ConnectionType.choices)
    polarity = serializers.ChoiceField(choices=Polarity.choices)
    strength = serializers.IntegerField(min_value=1, max_value=5)
    note = _text(NOTE_MAX, allow_blank=True)


class _EvidenceFields(serializers.Serializer):
    attribution = _text(ATTRIBUTION_MAX, allow_blank=True, help_text=ATTRIBUTION_HELP)
    attribution_role = serializers.ChoiceField(
        choices=ATTRIBUTION_ROLES, required=False, write_only=True, help_text="A quote's attribution: whose words."
    )
    attribution_qualifier = _text(
        ATTRIBUTION_MAX,
        allow_blank=True,
        required=False,
        write_only=True,
        help_text="Optional, with `attribution_role`: a short description without names (“with an EHCP”).",
    )
    confirm = serializers.BooleanField(required=False, default=False, write_only=True, help_text=CONFIRM_HELP)
    count = serializers.IntegerField(
        min_value=0, max_value=10_000_000, allow_null=True, help_text="For a data point: how many."
    )
    reference = _text(REFERENCE_MAX, allow_blank=True, help_text="A document's title or link.")
    collected_on = serializers.DateField(allow_null=True)
    sensitive = serializers.BooleanField(help_text="Only facilitators and the programme team will see it.")


class EvidenceCreateSerializer(_EvidenceFields):
    element = VisibleRelatedField(
        selector=elements_visible, model=Element, what="element", required=False, allow_null=True, default=None
    )
    connection = VisibleRelatedField(
        selector=connections_visible, model=Connection, what="connection", required=False, allow_null=True,
        default=None,
    )  # fmt: skip
    finding = VisibleRelatedField(
        selector=findings_visible, model=Finding, what="finding", required=False, allow_null=True, default=None
    )
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    source_kind = serializers.ChoiceField(choices=SourceKind.choices)
    text = _text(EVIDENCE_TEXT_MAX, help_text="The quote, what was observed, or what the figure counts.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("attribution", "reference"):
            self.fields[name].required, self.fields[name].default = False, ""
        for name in ("count", "collected_on"):
            self.fields[name].required, self.fields[name].default = False, None
        self.fields["sensitive"].required, self.fields["sensitive"].default = False, False

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if sum(attrs.get(name) is not None for name in ("element", "connection", "finding")) != 1:
            raise serializers.ValidationError("Attach the evidence to one element, connection or finding.")
        return _composed(attrs)


class EvidenceUpdateSerializer(_EvidenceFields):
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    source_kind = serializers.ChoiceField(choices=SourceKind.choices)
    text = _text(EVIDENCE_TEXT_MAX)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _composed(attrs)


def _composed(attrs: dict[str, Any]) -> dict[str, Any]:
    """`attribution_role` and `attribution_qualifier` become the one `attribution` the service checks."""
    role = attrs.pop("attribution_role", None)
    qualifier = attrs.pop("attribution_qualifier", None)
    if role is None and qualifier:
        raise serializers.ValidationError({"attribution_role": ["Choose a role before describing it."]})
    if role is not None:
        attrs["attribution"] = compose_attribution(role, (qualifier or "").strip())
    return attrs


class FindingCreateSerializer(serializers.Serializer):
    map = _map_field()
    title = _text(FINDING_TITLE_MAX)
    summary = _text(DESCRIPTION_MAX, allow_blank=True, required=False, default="")
    elements = serializers.ListField(child=serializers.IntegerField(**ID), max_length=500, required=False, default=list)
    evidence = serializers.ListField(child=serializers.IntegerField(**ID), max_length=500, required=False, default=list)


class FindingUpdateSerializer(serializers.Serializer):
    title = _text(FINDING_TITLE_MAX)
    summary = _text(DESCRIPTION_MAX, allow_blank=True)
    position = serializers.IntegerField(min_value=0, max_value=100_000)
    elements = serializers.ListField(child=serializers.IntegerField(**ID), max_length=500)
    evidence = serializers.ListField(child=serializers.IntegerField(**ID), max_length=500)


class VersionCreateSerializer(serializers.Serializer):
    map = _map_field()
    label = _text(VERSION_LABEL_MAX, help_text="For example “Year 1 map”.")


class CommentCreateSerializer(serializers.Serializer):
    map = _map_field()
    body = _text(COMMENT_MAX)
    element = serializers.IntegerField(required=False, allow_null=True, default=None, **ID)
    finding = serializers.IntegerField(required=False, allow_null=True, default=None, **ID)


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        required=False, help_text="The file: CSV, a zip of CSVs, .xlsx, JSON (this workspace's or Kumu's), GraphML."
    )
    elements = serializers.FileField(required=False, help_text="Or, as CSV: the elements file…")
    connections = serializers.FileField(required=False, help_text="…and/or the connections file.")
    content = serializers.CharField(
        required=False,
        trim_whitespace=False,
        max_length=io.common.MAX_FILE_BYTES,
        help_text="Or, in a JSON request: the text of the file (CSV, JSON or GraphML), with `format`.",
    )
    format = serializers.ChoiceField(
        choices=io.IMPORT_FORMATS, required=False, help_text="Taken from the file name's extension when left out."
    )
    confirm = serializers.BooleanField(required=False, default=False, help_text=CONFIRM_HELP)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [name for name in ("file", "elements", "connections", "content") if attrs.get(name)]
        if not given:
            raise serializers.ValidationError({"file": ["Choose a file to import."]})
        if ("file" in given or "content" in given) and len(given) > 1:
            raise serializers.ValidationError(
                {"file": ["Send one file, or the elements and connections CSV files, not both."]}
            )
        if "content" in given and not attrs.get("format"):
            raise serializers.ValidationError({"format": ["Say which format the content is in."]})
        if "content" in given and attrs["format"] in ("csv-zip", "xlsx"):
            raise serializers.ValidationError({"format": ["Upload zip and Excel files as files."]})
        return attrs

    def files(self) -> dict[str, bytes]:
        """The uploaded files by name (too large ones are refused before they are read)."""
        result = {}
        if self.validated_data.get("content"):
            extension = {"csv": "csv", "json": "json", "kumu": "json", "graphml": "graphml"}[
                self.validated_data["format"]
            ]
            return {f"content.{extension}": self.validated_data["content"].encode("utf-8")}
        for name in ("file", "elements", "connections"):
            upload = self.validated_data.get(name)
            if upload is None:
                continue
            if upload.size > io.common.MAX_FILE_BYTES:
                raise serializers.ValidationError({name: ["This file is too large (the most is 20 MB)."]})
            result[upload.name or name] = upload.read()
        return result


class ImportNewSerializer(ImportSerializer):
    collaborative = VisibleRelatedField(selector=collaboratives_visible, model=Collaborative, what="collaborative")
    title = _text(TITLE_MAX, required=False, default="", allow_blank=True, help_text="Else the name in the file.")


class ImportResultSerializer(serializers.Serializer):
    map = MapSerializer()
    format = serializers.CharField()
    elements = serializers.IntegerField(help_text="Elements added.")
    connections = serializers.IntegerField()
    evidence = serializers.IntegerField()
    findings = serializers.IntegerField()
    warnings = serializers.ListField(child=serializers.CharField(), help_text="What was taken as read, and how.")


class AnalysisQuerySerializer(serializers.Serializer):
    max_length = serializers.IntegerField(
        min_value=2, max_value=12, default=LOOP_MAX_LENGTH, help_text="The longest loop looked for, in connections."
    )
    max_loops = serializers.IntegerField(
        min_value=1, max_value=1000, default=LOOPS_MAX, help_text="The most loops listed (shortest first)."
    )


class ExportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=list(io.EXPORT_FORMATS))


class CompareQuerySerializer(serializers.Serializer):
    to = serializers.IntegerField(
        required=False, help_text="Another version of the same map; left out, the map as it is now.", **ID
    )


# --- Documented shapes (answers built by the selectors) ---------------------------------------------------------------


class ElementDataSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    type = serializers.ChoiceField(choices=ElementType.choices)
    sector = serializers.CharField()
    description = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    x = serializers.FloatField(allow_null=True)
    y = serializers.FloatField(allow_null=True)
    journey_step = serializers.IntegerField(allow_null=True)


class ConnectionDataSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    source = serializers.IntegerField()
    target = serializers.IntegerField()
    type = serializers.ChoiceField(choices=ConnectionType.choices)
    polarity = serializers.ChoiceField(choices=Polarity.choices)
    strength = serializers.IntegerField()
    note = serializers.CharField()


class EvidenceDataSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    element = serializers.IntegerField(allow_null=True)
    connection = serializers.IntegerField(allow_null=True)
    finding = serializers.IntegerField(allow_null=True)
    hidden = serializers.BooleanField(help_text="Sensitive evidence you may not see: only where it is attached.")
    sensitive = serializers.BooleanField()
    kind = serializers.ChoiceField(choices=EvidenceKind.choices, required=False)
    source_kind = serializers.ChoiceField(choices=SourceKind.choices, required=False)
    attribution = serializers.CharField(required=False)
    text = serializers.CharField(required=False)
    count = serializers.IntegerField(allow_null=True, required=False)
    count_display = serializers.CharField(allow_null=True, required=False)
    suppressed = serializers.BooleanField(required=False)
    reference = serializers.CharField(required=False)
    collected_on = serializers.DateField(allow_null=True, required=False)


class FindingSourceSerializer(serializers.Serializer):
    board = serializers.IntegerField()
    card = serializers.IntegerField(allow_null=True)
    group = serializers.IntegerField(allow_null=True)
    url = serializers.CharField()


class FindingDataSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    summary = serializers.CharField()
    position = serializers.IntegerField()
    elements = serializers.ListField(child=serializers.IntegerField())
    evidence = serializers.ListField(child=serializers.IntegerField())
    source = FindingSourceSerializer(allow_null=True)


class CommentDataSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    element = serializers.IntegerField(allow_null=True)
    finding = serializers.IntegerField(allow_null=True)
    author = serializers.CharField()
    author_id = serializers.IntegerField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


class VersionDataSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    element_count = serializers.IntegerField()
    connection_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class MapSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    collaborative = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    updated_at = serializers.DateTimeField()


class ViewerSerializer(serializers.Serializer):
    can_edit = serializers.BooleanField()
    can_comment = serializers.BooleanField()
    sees_sensitive = serializers.BooleanField()


class MapDataSerializer(serializers.Serializer):
    seq = serializers.IntegerField(help_text="The live stream's sequence number this is current to.")
    map = MapSummarySerializer()
    me = ViewerSerializer()
    elements = ElementDataSerializer(many=True)
    connections = ConnectionDataSerializer(many=True)
    evidence = EvidenceDataSerializer(many=True)
    findings = FindingDataSerializer(many=True)
    comments = CommentDataSerializer(many=True)
    versions = VersionDataSerializer(many=True)


class LoopSerializer(serializers.Serializer):
    elements = serializers.ListField(child=serializers.IntegerField(), help_text="In order around the loop.")
    connections = serializers.ListField(child=serializers.IntegerField())
    length = serializers.IntegerField()
    negative = serializers.IntegerField(help_text="How many − connections it passes.")
    kind = serializers.ChoiceField(choices=[("reinforcing", "Reinforcing"), ("balancing", "Balancing")])


class LoopsSerializer(serializers.Serializer):
    items = LoopSerializer(many=True)
    reinforcing = serializers.IntegerField()
    balancing = serializers.IntegerField()
    cut = serializers.BooleanField(help_text="There were more loops than listed (the shortest are listed).")
    max_length = serializers.IntegerField()
    max_loops = serializers.IntegerField()


class CentralSerializer(serializers.Serializer):
    element = serializers.IntegerField()
    betweenness = serializers.FloatField()
    out = serializers.IntegerField(help_text="Connections leaving it.")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["in"] = serializers.IntegerField(help_text="Connections arriving at it.")  # a keyword in Python
        return fields


class CentralityResultSerializer(serializers.Serializer):
    items = CentralSerializer(many=True)
    estimated = serializers.BooleanField(help_text="Estimated from a sample of start points (large maps).")


class WithoutEvidenceSerializer(serializers.Serializer):
    elements = serializers.ListField(child=serializers.IntegerField())
    findings = serializers.ListField(child=serializers.IntegerField())


class StageSerializer(serializers.Serializer):
    element = serializers.IntegerField()
    step = serializers.IntegerField(allow_null=True)
    around = serializers.ListField(child=serializers.IntegerField(), help_text="Elements connected to this stage.")


class GapSerializer(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {"from": serializers.IntegerField(), "to": serializers.IntegerField()}


class JourneySerializer(serializers.Serializer):
    stages = StageSerializer(many=True)
    connections = serializers.ListField(child=serializers.IntegerField(), help_text="Joining each stage to the next.")
    gaps = GapSerializer(many=True, help_text="Consecutive stages with no connection between them.")


class AnalysisSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    elements = serializers.IntegerField()
    connections = serializers.IntegerField()
    loops = LoopsSerializer()
    central = CentralityResultSerializer()
    without_evidence = WithoutEvidenceSerializer()
    isolated = serializers.ListField(child=serializers.IntegerField())
    journey = JourneySerializer()


COMPARISON_SCHEMA = {
    "type": "object",
    "description": "`from` and `to` (null: the map as it is now), then per kind of item (`elements`, `connections`, "
    "`findings`, `evidence`): `added`, `removed` and `changed` (each change with its fields' [before, after]); "
    "`elements` also lists `moved` (position only). Evidence appears as links (where it was attached), never its "
    "words; sensitive evidence only to those who may see it.",
    "additionalProperties": True,
}
