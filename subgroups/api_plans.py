"""The REST API of which sub-group owns which plan item (`/api/v1/plan-item-owners/`): kept in `subgroups` because
the link points from here down to `actionplans`. Reads through `subgroups.plan_items`' scoped selector; writes through
its service (facilitators, anchors and the programme team)."""

from __future__ import annotations

from typing import Any

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from actionplans.models import PlanItem
from actionplans.selectors import plan_items_visible
from collab.api.people import CoreViewSet, VisibleFilter, VisibleRelatedField
from collab.api_base import ReadSerializer
from collab.selectors import collaboratives_visible
from subgroups.models import PlanItemOwner, SubGroup
from subgroups.plan_items import plan_item_owner_set, plan_item_owners_visible
from subgroups.selectors import subgroups_visible


class PlanItemOwnerSerializer(ReadSerializer):
    collaborative = serializers.IntegerField(source="item.collaborative_id", read_only=True)

    class Meta:
        model = PlanItemOwner
        fields = ["id", "collaborative", "item", "subgroup", "assigned_by", "assigned_at"]
        read_only_fields = fields


class PlanItemOwnerSetSerializer(serializers.Serializer):
    item = VisibleRelatedField(selector=plan_items_visible, model=PlanItem, what="plan item")
    subgroup = VisibleRelatedField(selector=subgroups_visible, model=SubGroup, what="sub-group")


class PlanItemOwnerFilter(filters.FilterSet):
    collaborative = VisibleFilter(collaboratives_visible, field_name="item__collaborative")
    subgroup = VisibleFilter(subgroups_visible, what="sub-group")

    class Meta:
        model = PlanItemOwner
        fields = ["collaborative", "subgroup"]


@extend_schema_view(
    list=extend_schema(summary="Which sub-group owns which plan item"),
    retrieve=extend_schema(summary="One plan item's owner"),
)
class PlanItemOwnerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, CoreViewSet):
    selector = staticmethod(plan_item_owners_visible)
    serializer_class = PlanItemOwnerSerializer
    filterset_class = PlanItemOwnerFilter
    ordering_fields = ["assigned_at"]
    search_fields: list[str] = []

    @extend_schema(
        summary="Make a sub-group the owner of a plan item, replacing any owner it had (facilitators, anchors)",
        description="Answers 201 with the item's owner; the sub-group must be an open one of the same collaborative.",
        request=PlanItemOwnerSetSerializer,
        responses={201: PlanItemOwnerSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(PlanItemOwnerSetSerializer)
        owner = plan_item_owner_set(actor=request.user, **fields)
        return self.respond(owner, code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Leave the item without an owning sub-group",
        responses={204: OpenApiResponse(description="The item has no owner now.")},
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        owner = self.get_object()
        plan_item_owner_set(actor=request.user, item=owner.item, subgroup=None)
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router: BaseRouter) -> None:
    router.register("plan-item-owners", PlanItemOwnerViewSet, basename="plan-item-owner")
