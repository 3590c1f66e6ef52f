"""The REST API of the shared vision and the priorities: serializers and viewsets, kept thin.

Reads go through the scoped selectors (every viewset derives from the core's `ScopedViewSet`), writes through
`actionplans.services`. Ids are resolved through the selectors, so another locality's statement, version or
endorsement is as unknown as a missing one. Facilitators and anchors draft and publish; everyone who may contribute
endorses; observers read.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from actionplans import services
from actionplans.models import (
    COMMENT_MAX,
    NOTE_MAX,
    STATEMENT_MAX,
    VERSION_NOTE_MAX,
    Endorsement,
    EndorsementResponse,
    Priority,
    VisionStatement,
    VisionVersion,
)
from actionplans.selectors import (
    Counts,
    current_version_ids,
    endorsement_counts,
    endorsements_visible,
    priorities_visible,
    vision_statements_visible,
    vision_versions_visible,
)
from collab.api.people import CoreViewSet, PersonSerializer, VisibleFilter, VisibleRelatedField
from collab.api_base import ReadSerializer
from collab.models import Collaborative, Sector
from collab.selectors import collaboratives_visible
from systemmap.models import Evidence, Finding
from systemmap.selectors import evidence_visible, findings_visible

ID = {"min_value": 1, "max_value": 2**63 - 1}


def _collaborative_field(**kwargs: Any) -> VisibleRelatedField:
    return VisibleRelatedField(selector=collaboratives_visible, model=Collaborative, what="collaborative", **kwargs)


# --- Read serializers --------------------------------------------------------------------------------------------


class VisionStatementSerializer(ReadSerializer):
    created_by = PersonSerializer(read_only=True)
    updated_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = VisionStatement
        fields = [
            "id",
            "collaborative",
            "position",
            "text",
            "note",
            "revision",
            "source_board",
            "source_card",
            "source_group",
            "created_by",
            "created_at",
            "updated_by",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "revision": {"help_text": "Send it back when changing the statement, so a change made meanwhile by "
                         "someone else is refused (409) rather than overwritten."},
        }  # fmt: skip


class PublishedStatementSerializer(serializers.Serializer):
    statement = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The draft statement it was published from."
    )
    text = serializers.CharField(read_only=True)


class SectorCountSerializer(serializers.Serializer):
    sector = serializers.ChoiceField(
        choices=Sector.choices, read_only=True, allow_blank=True, help_text="Empty for the total of every sector."
    )
    label = serializers.CharField(read_only=True)
    agree = serializers.IntegerField(read_only=True)
    agree_with_reservations = serializers.IntegerField(read_only=True, source="reservations")
    disagree = serializers.IntegerField(read_only=True)
    total = serializers.IntegerField(read_only=True)


class EndorsementCountsSerializer(serializers.Serializer):
    sectors = SectorCountSerializer(
        many=True, read_only=True, help_text="One row per sector that has responded, by the endorser's sector then."
    )
    total = SectorCountSerializer(read_only=True)


class VisionVersionListSerializer(serializers.ListSerializer):
    """Reads the counts and which versions are current for a whole page of versions at once."""

    def to_representation(self, data: Any) -> list:
        versions = list(data.all() if isinstance(data, QuerySet) else data)
        _remember_summaries(self.context, [v.pk for v in versions])
        return super().to_representation(versions)


def _remember_summaries(context: dict, ids: list[int]) -> dict:
    summaries = context.setdefault("vision_summaries", {"counts": {}, "current": set()})
    todo = [pk for pk in ids if pk not in summaries["counts"]]
    if todo:
        summaries["counts"].update(endorsement_counts(todo))
        summaries["current"] |= current_version_ids(todo)
    return summaries


class VisionVersionSerializer(ReadSerializer):
    statements = PublishedStatementSerializer(many=True, read_only=True, help_text="As published, in order.")
    published_by = PersonSerializer(read_only=True)
    is_current = serializers.SerializerMethodField()
    endorsement_counts = serializers.SerializerMethodField()

    class Meta:
        model = VisionVersion
        list_serializer_class = VisionVersionListSerializer
        fields = [
            "id",
            "collaborative",
            "number",
            "statements",
            "note",
            "published_by",
            "published_at",
            "is_current",
            "endorsement_counts",
        ]
        read_only_fields = fields

    def _summaries(self, version: VisionVersion) -> dict:
        return _remember_summaries(self.context, [version.pk])

    @extend_schema_field(serializers.BooleanField(help_text="The newest version: the one members respond to."))
    def get_is_current(self, version: VisionVersion) -> bool:
        return version.pk in self._summaries(version)["current"]

    @extend_schema_field(EndorsementCountsSerializer)
    def get_endorsement_counts(self, version: VisionVersion) -> dict:
        counts: Counts = self._summaries(version)["counts"][version.pk]
        return EndorsementCountsSerializer(counts).data


class EndorsementSerializer(ReadSerializer):
    member = PersonSerializer(read_only=True)
    collaborative = serializers.IntegerField(source="version.collaborative_id", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = Endorsement
        fields = [
            "id",
            "collaborative",
            "version",
            "version_number",
            "member",
            "sector",
            "response",
            "comment",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"sector": {"help_text": "The member's sector in the collaborative when they responded."}}


class PrioritySerializer(ReadSerializer):
    created_by = PersonSerializer(read_only=True)

    class Meta:
        model = Priority
        fields = [
            "id",
            "collaborative",
            "title",
            "description",
            "source_board",
            "source_card",
            "source_group",
            "findings",
            "evidence",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "findings": {"help_text": "Findings of the system map that justify it."},
            "evidence": {"help_text": "Evidence that justifies it."},
        }


class PriorityLinkSerializer(serializers.Serializer):
    findings = VisibleRelatedField(selector=findings_visible, model=Finding, what="finding", many=True, required=False)
    evidence = VisibleRelatedField(
        selector=evidence_visible, model=Evidence, what="evidence", many=True, required=False
    )


# --- Input serializers -------------------------------------------------------------------------------------------


class VisionStatementCreateSerializer(serializers.Serializer):
    collaborative = _collaborative_field()
    text = serializers.CharField(max_length=STATEMENT_MAX)
    note = serializers.CharField(
        max_length=NOTE_MAX, allow_blank=True, required=False, default="", help_text="For the drafters; not published."
    )


class VisionStatementUpdateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=STATEMENT_MAX)
    note = serializers.CharField(max_length=NOTE_MAX, allow_blank=True)
    revision = serializers.IntegerField(
        required=False, help_text="The revision you started from; a change made since then answers 409.", **ID
    )


class ReorderSerializer(serializers.Serializer):
    collaborative = _collaborative_field()
    order = serializers.ListField(
        child=serializers.IntegerField(**ID),
        min_length=1,
        max_length=services.DRAFT_MAX,
        help_text="The id of every statement of the draft, each once, in the new order.",
    )


class PublishSerializer(serializers.Serializer):
    collaborative = _collaborative_field()
    note = serializers.CharField(
        max_length=VERSION_NOTE_MAX, allow_blank=True, required=False, default="", help_text="What changed, in a line."
    )


class EndorsementCreateSerializer(serializers.Serializer):
    version = VisibleRelatedField(
        selector=vision_versions_visible, model=VisionVersion, what="vision version", help_text="The current version."
    )
    response = serializers.ChoiceField(choices=EndorsementResponse.choices)
    comment = serializers.CharField(max_length=COMMENT_MAX, allow_blank=True, required=False, default="")


class EndorsementUpdateSerializer(serializers.Serializer):
    response = serializers.ChoiceField(choices=EndorsementResponse.choices)
    comment = serializers.CharField(max_length=COMMENT_MAX, allow_blank=True)


# --- Filters -----------------------------------------------------------------------------------------------------


class VisionStatementFilter(filters.FilterSet):
    collaborative = VisibleFilter(collaboratives_visible)

    class Meta:
        model = VisionStatement
        fields = ["collaborative"]


class VisionVersionFilter(filters.FilterSet):
    collaborative = VisibleFilter(collaboratives_visible)

    class Meta:
        model = VisionVersion
        fields = ["collaborative"]


class EndorsementFilter(filters.FilterSet):
    collaborative = VisibleFilter(collaboratives_visible, field_name="version__collaborative")
    version = VisibleFilter(vision_versions_visible, what="vision version")
    response = filters.ChoiceFilter(choices=EndorsementResponse.choices)
    sector = filters.ChoiceFilter(choices=Sector.choices)
    mine = filters.BooleanFilter(method="filter_mine", help_text="true: only your own responses.")

    class Meta:
        model = Endorsement
        fields = ["collaborative", "version", "response", "sector", "mine"]

    def filter_mine(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        user = getattr(self.request, "user", None)
        mine = {"member_id": getattr(user, "pk", None)}
        return queryset.filter(**mine) if value else queryset.exclude(**mine)


class PriorityFilter(filters.FilterSet):
    collaborative = VisibleFilter(collaboratives_visible)

    class Meta:
        model = Priority
        fields = ["collaborative"]


# --- Viewsets ----------------------------------------------------------------------------------------------------


class _ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CoreViewSet):
    pass


@extend_schema_view(
    list=extend_schema(summary="Statements of the vision being drafted, in order"),
    retrieve=extend_schema(summary="One draft statement"),
)
class VisionStatementViewSet(mixins.DestroyModelMixin, _ReadViewSet):
    selector = staticmethod(vision_statements_visible)
    serializer_class = VisionStatementSerializer
    filterset_class = VisionStatementFilter
    ordering_fields = ["position", "created_at", "updated_at"]
    search_fields = ["text"]

    @extend_schema(
        summary="Add a statement to the end of the draft (facilitators and anchors)",
        request=VisionStatementCreateSerializer,
        responses={201: VisionStatementSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(VisionStatementCreateSerializer)
        statement = services.vision_statement_create(actor=request.user, **fields)
        return self.respond(statement, code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a draft statement's words or note (facilitators and anchors)",
        request=VisionStatementUpdateSerializer,
        responses=VisionStatementSerializer,
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        statement = self.get_object()
        fields = self.validated(VisionStatementUpdateSerializer, partial=True)
        revision = fields.pop("revision", None)
        statement = services.vision_statement_update(
            actor=request.user, statement=statement, expected_revision=revision, **fields
        )
        return self.respond(statement)

    @extend_schema(
        summary="Take a statement out of the draft (published versions keep their copy)",
        responses={204: OpenApiResponse(description="Taken out of the draft.")},
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.vision_statement_remove(actor=request.user, statement=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Put the draft in a new order (facilitators and anchors)",
        request=ReorderSerializer,
        responses=VisionStatementSerializer(many=True),
    )
    @action(detail=False, methods=["post"], pagination_class=None)
    def reorder(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(ReorderSerializer)
        ordered = services.vision_statements_reorder(actor=request.user, **fields)
        fresh = self.get_queryset().filter(pk__in=[s.pk for s in ordered])
        return Response(self.get_serializer(fresh, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="Published versions of the vision, newest first, with endorsement counts by sector"),
    retrieve=extend_schema(summary="One published version, with its endorsement counts by sector"),
)
class VisionVersionViewSet(_ReadViewSet):
    selector = staticmethod(vision_versions_visible)
    serializer_class = VisionVersionSerializer
    filterset_class = VisionVersionFilter
    ordering_fields = ["number", "published_at"]
    search_fields: list[str] = []

    @extend_schema(
        summary="Publish the draft as the next version (facilitators and anchors)",
        description="The statements' words are copied into the new version as they stand; earlier versions and "
        "their endorsements are kept. Publishing a draft identical to the current version answers 409.",
        request=PublishSerializer,
        responses={201: VisionVersionSerializer},
    )
    @action(detail=False, methods=["post"])
    def publish(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(PublishSerializer)
        version = services.vision_publish(actor=request.user, **fields)
        return self.respond(version, code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Responses to the vision: who agreed, with reservations or disagreed, and why"),
    retrieve=extend_schema(summary="One response"),
)
class EndorsementViewSet(_ReadViewSet):
    selector = staticmethod(endorsements_visible)
    serializer_class = EndorsementSerializer
    filterset_class = EndorsementFilter
    ordering_fields = ["created_at", "updated_at", "sector", "response"]
    search_fields = ["comment"]

    @extend_schema(
        summary="Give your response to the current version, or change the one you gave",
        description="Answers 201 with a new response and 200 when it changes the one you had given. Only the "
        "current version takes responses (409 otherwise); the programme team, who are not members of the "
        "collaborative, read the responses but do not give one.",
        request=EndorsementCreateSerializer,
        responses={201: EndorsementSerializer, 200: EndorsementSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(EndorsementCreateSerializer)
        endorsement, created = services.endorsement_give(actor=request.user, **fields)
        return self.respond(endorsement, code=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary="Change your own response, while its version is current",
        request=EndorsementUpdateSerializer,
        responses=EndorsementSerializer,
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        endorsement = self.get_object()
        fields = self.validated(EndorsementUpdateSerializer, partial=True)
        return self.respond(services.endorsement_change(actor=request.user, endorsement=endorsement, **fields))


@extend_schema_view(
    list=extend_schema(summary="Priorities of the collaboratives you can see, each with the board it came from"),
    retrieve=extend_schema(summary="One priority"),
)
class PriorityViewSet(_ReadViewSet):
    selector = staticmethod(priorities_visible)
    serializer_class = PrioritySerializer
    filterset_class = PriorityFilter
    ordering_fields = ["created_at", "title"]
    search_fields = ["title", "description"]

    @extend_schema(
        summary="Link a priority to the findings and evidence that justify it (facilitators and anchors)",
        description="Each list given replaces what the priority had; they must come from this collaborative's maps.",
        request=PriorityLinkSerializer,
        responses=PrioritySerializer,
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        priority = self.get_object()
        fields = self.validated(PriorityLinkSerializer, partial=True)
        return self.respond(services.priority_link(actor=request.user, priority=priority, **fields))


def register_vision(router: BaseRouter) -> None:
    router.register("vision-statements", VisionStatementViewSet, basename="vision-statement")
    router.register("vision-versions", VisionVersionViewSet, basename="vision-version")
    router.register("endorsements", EndorsementViewSet, basename="endorsement")
    router.register("priorities", PriorityViewSet, basename="priority")
