"""The REST API of the action plan: plans (and recording a version), items, the outcome framework, strategies,
objectives and alignment. Serializers and viewsets, kept thin.

Reads go through the scoped selectors (every viewset derives from the core's `ScopedViewSet`), writes through
`actionplans.services`; ids are resolved through the selectors, so another locality's item, strategy or objective is
as unknown as a missing one. Facilitators, anchors and the programme team edit; everyone who can see the
Collaborative reads. The owning sub-group of an item is set through `/api/v1/plan-item-owners/` (in `subgroups`).
"""

from __future__ import annotations

from typing import Any

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from actionplans import services
from actionplans.models import (
    ALIGNMENT_NOTE_MAX,
    VERSION_NOTE_MAX,
    ActionPlan,
    ActionPlanVersion,
    Alignment,
    ItemStatus,
    Objective,
    Outcome,
    OutcomeLevel,
    PlanItem,
    PlanStatus,
    Priority,
    Strategy,
    StrategyKind,
    Theme,
)
from actionplans.selectors import (
    action_plans_visible,
    alignments_visible,
    objectives_visible,
    outcomes_visible,
    plan_items_visible,
    priorities_visible,
    strategies_visible,
)
from collab.api.people import CoreViewSet, PersonSerializer, VisibleFilter, VisibleRelatedField
from collab.api_base import ReadSerializer
from collab.models import Collaborative, Sector, Workshop
from collab.selectors import collaboratives_visible, programmes_visible, workshops_visible

RECORD_STATUS_CHOICES = [
    (PlanStatus.AGREED, "Agreed at a workshop"),
    (PlanStatus.REVISED, "Revised at the year-2 review"),
]
PARTNER_SECTORS = [(value, label) for value, label in Sector.choices if value != Sector.FACILITATION]


def _collaborative_field(**kwargs: Any) -> VisibleRelatedField:
    return VisibleRelatedField(selector=collaboratives_visible, model=Collaborative, what="collaborative", **kwargs)


# --- Read serializers ---------------------------------------------------------------------------------------------


class PlanVersionSerializer(ReadSerializer):
    recorded_by = PersonSerializer(read_only=True)

    class Meta:
        model = ActionPlanVersion
        fields = ["id", "number", "status", "workshop", "note", "items", "recorded_by", "recorded_at"]
        read_only_fields = fields


class ActionPlanSerializer(ReadSerializer):
    versions = PlanVersionSerializer(many=True, read_only=True)

    class Meta:
        model = ActionPlan
        fields = ["id", "collaborative", "title", "status", "number", "workshop", "status_on", "versions", "updated_at"]
        read_only_fields = fields


class AlignmentSerializer(ReadSerializer):
    collaborative = serializers.IntegerField(source="item.collaborative_id", read_only=True)
    created_by = PersonSerializer(read_only=True)

    class Meta:
        model = Alignment
        fields = ["id", "collaborative", "item", "objective", "note", "created_by", "created_at", "updated_at"]
        read_only_fields = fields


class ItemAlignmentSerializer(ReadSerializer):
    class Meta:
        model = Alignment
        fields = ["id", "objective", "note"]
        read_only_fields = fields


class PlanItemSerializer(ReadSerializer):
    partners = serializers.SerializerMethodField()
    alignments = ItemAlignmentSerializer(many=True, read_only=True)

    class Meta:
        model = PlanItem
        fields = [
            "id",
            "collaborative",
            "plan",
            "title",
            "why",
            "intended_outcomes",
            "theme",
            "status",
            "starts_on",
            "ends_on",
            "position",
            "partners",
            "priorities",
            "outcomes",
            "alignments",
            "source_board",
            "source_card",
            "source_group",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=PARTNER_SECTORS), help_text="Sectors it needs.")
    )
    def get_partners(self, item: PlanItem) -> list[str]:
        return [p.sector for p in item.partners.all()]


class OutcomeSerializer(ReadSerializer):
    programme = serializers.IntegerField(source="framework.programme_id", read_only=True)

    class Meta:
        model = Outcome
        fields = ["id", "programme", "level", "title", "description", "position"]
        read_only_fields = fields


class ObjectiveSerializer(ReadSerializer):
    class Meta:
        model = Objective
        fields = ["id", "collaborative", "strategy", "reference", "title", "description", "position"]
        read_only_fields = fields


class StrategySerializer(ReadSerializer):
    objectives = ObjectiveSerializer(many=True, read_only=True)
    url = serializers.CharField(read_only=True, help_text="A web address of the strategy, or empty.")
    created_by = PersonSerializer(read_only=True)

    class Meta:
        model = Strategy
        fields = [
            "id",
            "collaborative",
            "kind",
            "title",
            "owner",
            "period",
            "url",
            "summary",
            "objectives",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# --- Input serializers --------------------------------------------------------------------------------------------


class RecordSerializer(serializers.Serializer):
    collaborative = _collaborative_field()
    status = serializers.ChoiceField(choices=RECORD_STATUS_CHOICES)
    workshop = VisibleRelatedField(
        selector=workshops_visible,
        model=Workshop,
        what="workshop",
        allow_null=True,
        required=False,
        help_text="Needed when agreed: the workshop where the plan was agreed.",
    )
    note = serializers.CharField(max_length=VERSION_NOTE_MAX, allow_blank=True, required=False, default="")


class _ItemFields(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    why = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    intended_outcomes = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    theme = serializers.ChoiceField(choices=Theme.choices, required=False)
    status = serializers.ChoiceField(choices=ItemStatus.choices, required=False)
    starts_on = serializers.DateField(allow_null=True, required=False)
    ends_on = serializers.DateField(allow_null=True, required=False)
    partners = serializers.ListField(
        child=serializers.ChoiceField(choices=PARTNER_SECTORS),
        max_length=len(PARTNER_SECTORS),
        required=False,
        help_text="The sectors it needs as partners.",
    )
    priorities = VisibleRelatedField(
        selector=priorities_visible, model=Priority, what="priority", many=True, required=False
    )
    outcomes = VisibleRelatedField(selector=outcomes_visible, model=Outcome, what="outcome", many=True, required=False)


class PlanItemCreateSerializer(_ItemFields):
    collaborative = _collaborative_field()


class PlanItemUpdateSerializer(_ItemFields):
    pass


class _StrategyFields(serializers.Serializer):
    kind = serializers.ChoiceField(choices=StrategyKind.choices)
    title = serializers.CharField(max_length=200)
    owner = serializers.CharField(max_length=200, allow_blank=True, required=False)
    period = serializers.CharField(max_length=100, allow_blank=True, required=False)
    url = serializers.URLField(max_length=500, allow_blank=True, required=False)
    summary = serializers.CharField(max_length=5000, allow_blank=True, required=False)


class StrategyCreateSerializer(_StrategyFields):
    collaborative = _collaborative_field()


class ObjectiveUpdateSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=20, allow_blank=True, required=False)
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(max_length=2000, allow_blank=True, required=False)


class ObjectiveCreateSerializer(ObjectiveUpdateSerializer):
    strategy = VisibleRelatedField(selector=strategies_visible, model=Strategy, what="strategy")


class AlignmentCreateSerializer(serializers.Serializer):
    item = VisibleRelatedField(selector=plan_items_visible, model=PlanItem, what="plan item")
    objective = VisibleRelatedField(selector=objectives_visible, model=Objective, what="objective")
    note = serializers.CharField(max_length=ALIGNMENT_NOTE_MAX, help_text="How the item serves the objective.")


# --- Filters ------------------------------------------------------------------------------------------------------


class ByCollaborative(filters.FilterSet):
    collaborative = VisibleFilter(collaboratives_visible)


class ActionPlanFilter(ByCollaborative):
    class Meta:
        model = ActionPlan
        fields = ["collaborative", "status"]


class PlanItemFilter(ByCollaborative):
    theme = filters.ChoiceFilter(choices=Theme.choices)
    status = filters.ChoiceFilter(choices=ItemStatus.choices)

    class Meta:
        model = PlanItem
        fields = ["collaborative", "theme", "status"]


class StrategyFilter(ByCollaborative):
    kind = filters.ChoiceFilter(choices=StrategyKind.choices)

    class Meta:
        model = Strategy
        fields = ["collaborative", "kind"]


class ObjectiveFilter(ByCollaborative):
    strategy = VisibleFilter(strategies_visible)

    class Meta:
        model = Objective
        fields = ["collaborative", "strategy"]


class AlignmentFilter(filters.FilterSet):
    collaborative = VisibleFilter(collaboratives_visible, field_name="item__collaborative")
    item = VisibleFilter(plan_items_visible, what="plan item")
    objective = VisibleFilter(objectives_visible)

    class Meta:
        model = Alignment
        fields = ["collaborative", "item", "objective"]


class OutcomeFilter(filters.FilterSet):
    programme = VisibleFilter(programmes_visible, field_name="framework__programme", label="programme")
    level = filters.ChoiceFilter(choices=OutcomeLevel.choices)

    class Meta:
        model = Outcome
        fields = ["programme", "level"]


# --- Viewsets -----------------------------------------------------------------------------------------------------


class _ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CoreViewSet):
    pass


@extend_schema_view(
    list=extend_schema(summary="Action plans of the collaboratives you can see, with their recorded versions"),
    retrieve=extend_schema(summary="One action plan"),
)
class ActionPlanViewSet(_ReadViewSet):
    selector = staticmethod(lambda user: action_plans_visible(user).prefetch_related("versions__recorded_by"))
    serializer_class = ActionPlanSerializer
    filterset_class = ActionPlanFilter
    ordering_fields = ["updated_at"]
    search_fields = ["title"]

    @extend_schema(
        summary="Record the plan as agreed at a workshop or revised at the year-2 review (facilitators, anchors)",
        description="The items as they stand are copied into a new numbered version. Agreeing needs the workshop; "
        "a plan with no items answers 409.",
        request=RecordSerializer,
        responses={201: PlanVersionSerializer},
    )
    @action(detail=False, methods=["post"])
    def record(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(RecordSerializer)
        version = services.plan_record_version(actor=request.user, **fields)
        return Response(PlanVersionSerializer(version).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Items of the action plans you can see"),
    retrieve=extend_schema(summary="One plan item, with the objectives it serves"),
)
class PlanItemViewSet(mixins.DestroyModelMixin, _ReadViewSet):
    selector = staticmethod(plan_items_visible)
    serializer_class = PlanItemSerializer
    filterset_class = PlanItemFilter
    ordering_fields = ["position", "created_at", "starts_on", "ends_on"]
    search_fields = ["title", "why", "intended_outcomes"]

    @extend_schema(
        summary="Add an item to the collaborative's plan (facilitators, anchors, programme team)",
        request=PlanItemCreateSerializer,
        responses={201: PlanItemSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(PlanItemCreateSerializer)
        item = services.plan_item_create(actor=request.user, **fields)
        return self.respond(item, code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an item; lists given replace what it had", request=PlanItemUpdateSerializer,
        responses=PlanItemSerializer,
    )  # fmt: skip
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        fields = self.validated(PlanItemUpdateSerializer, partial=True)
        return self.respond(services.plan_item_update(actor=request.user, item=item, **fields))

    @extend_schema(
        summary="Take an item out of the plan (recorded versions keep it)",
        responses={204: OpenApiResponse(description="Taken out of the plan.")},
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.plan_item_remove(actor=request.user, item=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="Outcomes of the frameworks (Theories of Change) of your programmes"),
    retrieve=extend_schema(summary="One outcome"),
)
class OutcomeViewSet(_ReadViewSet):
    selector = staticmethod(outcomes_visible)
    serializer_class = OutcomeSerializer
    filterset_class = OutcomeFilter
    ordering_fields = ["position", "level"]
    search_fields = ["title"]


@extend_schema_view(
    list=extend_schema(summary="Strategies recorded for the collaboratives you can see, with their objectives"),
    retrieve=extend_schema(summary="One strategy"),
)
class StrategyViewSet(mixins.DestroyModelMixin, _ReadViewSet):
    selector = staticmethod(strategies_visible)
    serializer_class = StrategySerializer
    filterset_class = StrategyFilter
    ordering_fields = ["title", "created_at"]
    search_fields = ["title", "summary"]

    @extend_schema(
        summary="Record a local authority strategy or national programme (anchors, facilitators)",
        request=StrategyCreateSerializer,
        responses={201: StrategySerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(StrategyCreateSerializer)
        strategy = services.strategy_create(actor=request.user, **fields)
        return self.respond(strategy, code=status.HTTP_201_CREATED)

    @extend_schema(summary="Change a strategy", request=_StrategyFields, responses=StrategySerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        strategy = self.get_object()
        fields = self.validated(_StrategyFields, partial=True)
        return self.respond(services.strategy_update(actor=request.user, strategy=strategy, **fields))

    @extend_schema(summary="Take a strategy out", responses={204: OpenApiResponse(description="Taken out.")})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.strategy_remove(actor=request.user, strategy=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="Objectives of the strategies you can see"),
    retrieve=extend_schema(summary="One objective"),
)
class ObjectiveViewSet(mixins.DestroyModelMixin, _ReadViewSet):
    selector = staticmethod(objectives_visible)
    serializer_class = ObjectiveSerializer
    filterset_class = ObjectiveFilter
    ordering_fields = ["position"]
    search_fields = ["title", "reference"]

    @extend_schema(
        summary="Add an objective to a strategy (anchors, facilitators)",
        request=ObjectiveCreateSerializer,
        responses={201: ObjectiveSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(ObjectiveCreateSerializer)
        objective = services.objective_create(actor=request.user, **fields)
        return self.respond(objective, code=status.HTTP_201_CREATED)

    @extend_schema(summary="Change an objective", request=ObjectiveUpdateSerializer, responses=ObjectiveSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        objective = self.get_object()
        fields = self.validated(ObjectiveUpdateSerializer, partial=True)
        return self.respond(services.objective_update(actor=request.user, objective=objective, **fields))

    @extend_schema(summary="Take an objective out", responses={204: OpenApiResponse(description="Taken out.")})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.objective_remove(actor=request.user, objective=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="How plan items serve strategic objectives"),
    retrieve=extend_schema(summary="One alignment"),
)
class AlignmentViewSet(mixins.DestroyModelMixin, _ReadViewSet):
    selector = staticmethod(alignments_visible)
    serializer_class = AlignmentSerializer
    filterset_class = AlignmentFilter
    ordering_fields = ["created_at"]
    search_fields = ["note"]

    @extend_schema(
        summary="Align an item to an objective with a note of how, or change the note",
        description="Answers 201 for a new alignment and 200 when it changes the note of an existing one.",
        request=AlignmentCreateSerializer,
        responses={201: AlignmentSerializer, 200: AlignmentSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(AlignmentCreateSerializer)
        alignment, created = services.alignment_set(actor=request.user, **fields)
        return self.respond(alignment, code=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(summary="Remove an alignment", responses={204: OpenApiResponse(description="Removed.")})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.alignment_remove(actor=request.user, alignment=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def register_plans(router: BaseRouter) -> None:
    router.register("action-plans", ActionPlanViewSet, basename="action-plan")
    router.register("plan-items", PlanItemViewSet, basename="plan-item")
    router.register("outcomes", OutcomeViewSet, basename="outcome")
    router.register("strategies", StrategyViewSet, basename="strategy")
    router.register("objectives", ObjectiveViewSet, basename="objective")
    router.register("alignments", AlignmentViewSet, basename="alignment")
