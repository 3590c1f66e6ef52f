"""The core's REST API: serializers and viewsets, kept thin.

Reads go through the scoped selectors (via `ScopedViewSet`), writes through `collab.services`. Input serializers
check the shape of a request at the edge (types, lengths, choices, ids of objects the person can see); the services
decide whether it may be done. Nothing is ever deleted here: members leave, invitations are withdrawn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from collab import services
from collab.access import grants_for
from collab.api_base import ReadSerializer, ScopedViewSet, error_body
from collab.models import (
    COLLABORATIVE_ROLES,
    AuditEvent,
    Collaborative,
    Invitation,
    Membership,
    Organisation,
    Programme,
    Role,
    Sector,
)
from collab.selectors import (
    audit_events_visible,
    collaboratives_visible,
    invitations_visible,
    memberships_visible,
    organisations_visible,
    programmes_visible,
)

# Roles a membership or an invitation can carry (programme team is held in a programme, sub-group lead is granted by
# a sub-group).
COLLABORATIVE_ROLE_CHOICES = [(role.value, role.label) for role in COLLABORATIVE_ROLES]
INVITATION_STATUS_CHOICES = [
    ("pending", "Pending"),
    ("accepted", "Accepted"),
    ("revoked", "Withdrawn"),
    ("expired", "Expired"),
]
LONG_TEXT = 5000  # descriptions: the database does not limit them, the API does


# --- Fields ------------------------------------------------------------------------------------------------------


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """An id resolved through a scoped selector: another locality's object is as unknown as a missing one."""

    default_error_messages = {
        "does_not_exist": "There is no {what} with id {pk_value} that you can see.",
        "incorrect_type": "Give the {what}'s id as a whole number.",
    }

    def __init__(self, *, selector: Callable[[Any], QuerySet], model: type, what: str, **kwargs: Any) -> None:
        self.selector = selector
        self.what = what
        # `queryset` tells the schema which model the id belongs to; the real rows come from the selector.
        super().__init__(queryset=model.objects.none(), **kwargs)

    def get_queryset(self) -> QuerySet:
        request = self.context.get("request")
        return self.selector(request.user if request is not None else None)

    def fail(self, key: str, **kwargs: Any) -> None:
        super().fail(key, what=self.what, **kwargs)


def _visible(selector: Callable[[Any], QuerySet]) -> Callable[[Any], QuerySet]:
    """A django-filter queryset callable: the rows the requesting person can see (none while building the schema)."""

    def queryset(request: Any) -> QuerySet:
        return selector(getattr(request, "user", None))

    return queryset


class VisibleFilter(filters.ModelChoiceFilter):
    """Every list's filter by the id of a related object (`?collaborative=`, `?map=`, `?subgroup=`…): the id must be of
    one the person can see. Another locality's id is refused with 400 on the parameter, exactly like a missing one,
    never answered with an empty page."""

    def __init__(self, selector: Callable[[Any], QuerySet], *, what: str = "", **kwargs: Any) -> None:
        self.what = what
        super().__init__(queryset=_visible(selector), **kwargs)

    @property
    def field(self) -> Any:
        field = super().field
        what = self.what or self.field_name.rsplit("__", 1)[-1].replace("_", " ")
        field.error_messages["invalid_choice"] = f"Give the id of a {what} you can see."
        return field


class FieldSearchFilter(SearchFilter):
    """Search whose refusals name the `search` parameter, like every other field-level message."""

    def get_search_terms(self, request: Request) -> list[str]:
        if "\x00" in request.query_params.get(self.search_param, ""):
            raise serializers.ValidationError({self.search_param: ["Search terms cannot contain NUL characters."]})
        return super().get_search_terms(request)


class StableOrderingFilter(OrderingFilter):
    """Ordering with the id as the final tie-breaker, so that pages never repeat or skip a row."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        ordering = (
            self.get_ordering(request, queryset, view) or queryset.query.order_by or queryset.model._meta.ordering
        )
        return queryset.order_by(*ordering, "pk")


FILTER_BACKENDS = [filters.DjangoFilterBackend, StableOrderingFilter, FieldSearchFilter]


# --- Read serializers --------------------------------------------------------------------------------------------


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    display_name = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)


class ProgrammeSerializer(ReadSerializer):
    class Meta:
        model = Programme
        fields = ["id", "name", "slug", "description", "starts_on", "ends_on", "created_at"]
        read_only_fields = fields


class CollaborativeSerializer(ReadSerializer):
    programme_name = serializers.CharField(source="programme.name", read_only=True)
    anchor_organisation_name = serializers.CharField(
        source="anchor_organisation.name", read_only=True, allow_null=True, default=None
    )
    active_member_count = serializers.IntegerField(read_only=True, default=0)
    my_role = serializers.SerializerMethodField()

    class Meta:
        model = Collaborative
        fields = [
            "id",
            "programme",
            "programme_name",
            "name",
            "slug",
            "locality",
            "description",
            "anchor_organisation",
            "anchor_organisation_name",
            "active_member_count",
            "my_role",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Role.choices, allow_null=True))
    def get_my_role(self, collaborative: Collaborative) -> str | None:
        request = self.context.get("request")
        role = grants_for(request.user if request else None).role_in(collaborative)
        return role.value if role else None


class OrganisationSerializer(ReadSerializer):
    collaborative_name = serializers.CharField(
        source="collaborative.name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Organisation
        fields = ["id", "programme", "collaborative", "collaborative_name", "name", "sector", "created_at"]
        read_only_fields = fields


class MembershipSerializer(ReadSerializer):
    user = PersonSerializer(read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True, allow_null=True, default=None)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = Membership
        fields = [
            "id",
            "user",
            "programme",
            "collaborative",
            "organisation",
            "organisation_name",
            "sector",
            "role",
            "job_title",
            "joined_on",
            "left_on",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class InvitationSerializer(ReadSerializer):
    """An invitation as its sender sees it. The link's token is never shown: it goes to the invitee by email only."""

    invited_by = PersonSerializer(read_only=True)
    status = serializers.ChoiceField(choices=INVITATION_STATUS_CHOICES, read_only=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "collaborative",
            "email",
            "role",
            "sector",
            "organisation",
            "job_title",
            "message",
            "invited_by",
            "status",
            "created_at",
            "expires_at",
            "accepted_at",
            "revoked_at",
        ]
        read_only_fields = fields


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "array", "items": {}, "minItems": 2, "maxItems": 2},
        "description": "Field name → [value before, value after].",
    }
)
class ChangesField(serializers.JSONField):
    pass


class AuditEventSerializer(ReadSerializer):
    changes = ChangesField(read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "actor_label",
            "action",
            "programme",
            "collaborative",
            "target_type",
            "target_id",
            "target_label",
            "changes",
        ]
        read_only_fields = fields


class MyCollaborativeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    programme = serializers.IntegerField()
    role = serializers.ChoiceField(choices=Role.choices)


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    display_name = serializers.CharField()
    programme_team = ProgrammeSerializer(many=True, help_text="Programmes where you are on the programme team.")
    collaboratives = MyCollaborativeSerializer(many=True, help_text="Collaboratives you can see, with your role.")


# --- Write serializers -------------------------------------------------------------------------------------------


def _text(max_length: int, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, **kwargs)


class ProgrammeUpdateSerializer(serializers.Serializer):
    name = _text(200)
    description = _text(LONG_TEXT, allow_blank=True)
    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)


class CollaborativeCreateSerializer(serializers.Serializer):
    programme = VisibleRelatedField(selector=programmes_visible, model=Programme, what="programme")
    name = _text(200)
    locality = _text(200, help_text="The local authority area it serves.")
    description = _text(LONG_TEXT, allow_blank=True, required=False, default="")


class CollaborativeUpdateSerializer(serializers.Serializer):
    name = _text(200)
    locality = _text(200)
    description = _text(LONG_TEXT, allow_blank=True)
    anchor_organisation = VisibleRelatedField(
        selector=organisations_visible, model=Organisation, what="organisation", allow_null=True
    )


class OrganisationCreateSerializer(serializers.Serializer):
    collaborative = VisibleRelatedField(selector=collaboratives_visible, model=Collaborative, what="collaborative")
    name = _text(200)
    sector = serializers.ChoiceField(choices=Sector.choices)


class OrganisationUpdateSerializer(serializers.Serializer):
    name = _text(200)
    sector = serializers.ChoiceField(choices=Sector.choices)


class MembershipUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=COLLABORATIVE_ROLE_CHOICES)
    organisation = VisibleRelatedField(
        selector=organisations_visible, model=Organisation, what="organisation", allow_null=True
    )
    sector = serializers.ChoiceField(choices=Sector.choices)
    job_title = _text(150, allow_blank=True)


class MembershipLeaveSerializer(serializers.Serializer):
    left_on = serializers.DateField(
        required=False, allow_null=True, help_text="The day they left; today if not given. Not in the future."
    )


class InvitationCreateSerializer(serializers.Serializer):
    collaborative = VisibleRelatedField(selector=collaboratives_visible, model=Collaborative, what="collaborative")
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=COLLABORATIVE_ROLE_CHOICES)
    sector = serializers.ChoiceField(
        choices=Sector.choices, required=False, help_text="Taken from the organisation when not given."
    )
    organisation = VisibleRelatedField(
        selector=organisations_visible, model=Organisation, what="organisation", allow_null=True, required=False
    )
    job_title = _text(150, allow_blank=True, required=False, default="")
    message = _text(2000, allow_blank=True, required=False, default="", help_text="A note for the email.")


# --- Filters -----------------------------------------------------------------------------------------------------


class CollaborativeFilter(filters.FilterSet):
    programme = VisibleFilter(programmes_visible)

    class Meta:
        model = Collaborative
        fields = ["programme"]


class OrganisationFilter(filters.FilterSet):
    collaborative = VisibleFilter(collaboratives_visible)
    sector = filters.ChoiceFilter(choices=Sector.choices)

    class Meta:
        model = Organisation
        fields = ["collaborative", "sector"]


class MembershipFilter(filters.FilterSet):
    collaborative = VisibleFilter(collaboratives_visible)
    organisation = VisibleFilter(organisations_visible)
    role = filters.ChoiceFilter(choices=Role.choices)
    sector = filters.ChoiceFilter(choices=Sector.choices)
    active = filters.BooleanFilter(method="filter_active", help_text="true: current members; false: former ones.")

    class Meta:
        model = Membership
        fields = ["collaborative", "organisation", "role", "sector", "active"]

    def filter_active(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(left_on__isnull=value)


class InvitationFilter(filters.FilterSet):
    collaborative = VisibleFilter(collaboratives_visible)
    status = filters.ChoiceFilter(choices=INVITATION_STATUS_CHOICES, method="filter_status")

    class Meta:
        model = Invitation
        fields = ["collaborative", "status"]

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        now = timezone.now()
        open_ = Q(accepted_at__isnull=True, revoked_at__isnull=True)
        by_status = {
            "accepted": Q(accepted_at__isnull=False),
            "revoked": Q(accepted_at__isnull=True, revoked_at__isnull=False),
            "expired": open_ & Q(expires_at__lte=now),
            "pending": open_ & Q(expires_at__gt=now),
        }
        return queryset.filter(by_status[value]) if value in by_status else queryset


class AuditEventFilter(filters.FilterSet):
    collaborative = VisibleFilter(collaboratives_visible)
    action = filters.CharFilter(max_length=80, help_text="For example membership.update.")
    target_type = filters.CharFilter(max_length=80, help_text="For example collab.membership.")

    class Meta:
        model = AuditEvent
        fields = ["collaborative", "action", "target_type"]


# --- Viewsets ----------------------------------------------------------------------------------------------------


class CoreViewSet(ScopedViewSet):
    filter_backends = FILTER_BACKENDS

    def validated(self, serializer_class: type[serializers.Serializer], *, partial: bool = False) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, partial=partial, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def fresh(self, instance: Any) -> Any:
        """The object re-read through the selector after a write, so the answer shows what a read would."""
        return self.get_queryset().filter(pk=instance.pk).first() or instance

    def respond(self, instance: Any, *, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.fresh(instance)).data, status=code)


@extend_schema_view(
    list=extend_schema(summary="Programmes you take part in"),
    retrieve=extend_schema(summary="One programme"),
)
class ProgrammeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CoreViewSet):
    selector = staticmethod(programmes_visible)
    serializer_class = ProgrammeSerializer
    ordering_fields = ["name", "starts_on", "created_at"]
    search_fields = ["name"]

    @extend_schema(
        summary="Change a programme (programme team)", request=ProgrammeUpdateSerializer, responses=ProgrammeSerializer
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        programme = self.get_object()
        fields = self.validated(ProgrammeUpdateSerializer, partial=True)
        return self.respond(services.programme_update(actor=request.user, programme=programme, **fields))


@extend_schema_view(
    list=extend_schema(summary="Collaboratives you can see"),
    retrieve=extend_schema(summary="One collaborative"),
)
class CollaborativeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CoreViewSet):
    selector = staticmethod(collaboratives_visible)
    serializer_class = CollaborativeSerializer
    filterset_class = CollaborativeFilter
    ordering_fields = ["name", "locality", "created_at"]
    search_fields = ["name", "locality"]

    @extend_schema(
        summary="Start a collaborative (programme team)",
        request=CollaborativeCreateSerializer,
        responses={201: CollaborativeSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(CollaborativeCreateSerializer)
        return self.respond(services.collaborative_create(actor=request.user, **fields), code=201)

    @extend_schema(
        summary="Change a collaborative's details",
        request=CollaborativeUpdateSerializer,
        responses=CollaborativeSerializer,
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        collaborative = self.get_object()
        fields = self.validated(CollaborativeUpdateSerializer, partial=True)
        return self.respond(services.collaborative_update(actor=request.user, collaborative=collaborative, **fields))


@extend_schema_view(
    list=extend_schema(summary="Organisations of the collaboratives you can see"),
    retrieve=extend_schema(summary="One organisation"),
)
class OrganisationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CoreViewSet):
    selector = staticmethod(organisations_visible)
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    ordering_fields = ["name", "sector", "created_at"]
    search_fields = ["name"]

    @extend_schema(
        summary="Add an organisation to a collaborative",
        request=OrganisationCreateSerializer,
        responses={201: OrganisationSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(OrganisationCreateSerializer)
        return self.respond(services.organisation_create(actor=request.user, **fields), code=201)

    @extend_schema(
        summary="Change an organisation", request=OrganisationUpdateSerializer, responses=OrganisationSerializer
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        organisation = self.get_object()
        fields = self.validated(OrganisationUpdateSerializer, partial=True)
        return self.respond(services.organisation_update(actor=request.user, organisation=organisation, **fields))


@extend_schema_view(
    list=extend_schema(summary="Memberships of the collaboratives you can see, current and former"),
    retrieve=extend_schema(summary="One membership"),
)
class MembershipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CoreViewSet):
    selector = staticmethod(memberships_visible)
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilter
    ordering_fields = ["user__display_name", "joined_on", "left_on", "role", "sector"]
    search_fields = ["user__display_name", "user__email", "job_title"]

    @extend_schema(
        summary="Change a member's role, organisation, sector or job title",
        request=MembershipUpdateSerializer,
        responses=MembershipSerializer,
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        fields = self.validated(MembershipUpdateSerializer, partial=True)
        return self.respond(services.membership_update(actor=request.user, membership=membership, **fields))

    @extend_schema(
        summary="Mark a membership as ended (the record is kept)",
        request=MembershipLeaveSerializer,
        responses=MembershipSerializer,
    )
    @action(detail=True, methods=["post"])
    def leave(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        fields = self.validated(MembershipLeaveSerializer)
        left_on = fields.get("left_on")
        return self.respond(services.membership_leave(actor=request.user, membership=membership, left_on=left_on))


@extend_schema_view(
    list=extend_schema(summary="Invitations of the collaboratives where you may invite"),
    retrieve=extend_schema(summary="One invitation"),
)
class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CoreViewSet):
    selector = staticmethod(invitations_visible)
    serializer_class = InvitationSerializer
    filterset_class = InvitationFilter
    ordering_fields = ["created_at", "expires_at", "email"]
    search_fields = ["email"]

    @extend_schema(
        summary="Invite a person by email (the link goes to them by email only)",
        request=InvitationCreateSerializer,
        responses={201: InvitationSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(InvitationCreateSerializer)
        invitation = services.invitation_create(actor=request.user, **fields)
        return Response(self.get_serializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Withdraw a pending invitation", request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        invitation = self.get_object()
        return self.respond(services.invitation_revoke(actor=request.user, invitation=invitation))


@extend_schema_view(
    list=extend_schema(summary="The audit trail of collaboratives where you may read it"),
    retrieve=extend_schema(summary="One audit event"),
)
class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CoreViewSet):
    selector = staticmethod(audit_events_visible)
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    ordering_fields = ["at"]
    search_fields = ["target_label", "actor__display_name"]  # not the stored email: see collab.audit


class MeViewSet(ScopedViewSet):
    """The signed-in person and their role in each collaborative they can see."""

    selector = staticmethod(collaboratives_visible)
    serializer_class = MeSerializer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(summary="You, and your role in each collaborative", responses=MeSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = request.user
        grants = grants_for(user)
        collaboratives = [
            {
                "id": c.pk,
                "slug": c.slug,
                "name": c.name,
                "programme": c.programme_id,
                "role": grants.role_in(c),
            }
            for c in self.get_queryset().order_by("name")
        ]
        data = {
            "id": user.pk,
            "email": user.email,
            "display_name": user.display_name,
            "programme_team": Programme.objects.filter(pk__in=grants.programme_team),
            "collaboratives": collaboratives,
        }
        return Response(self.get_serializer(data).data)


@csrf_exempt  # it changes nothing, whatever the method
def api_not_found(request: Any, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other address under /api/: a 404 in the API's own format, not the HTML page meant for people."""
    body = error_body(status_code=404, code="not_found", message="There is nothing at this address in the API.")
    return JsonResponse(body, status=404)


me_view = MeViewSet.as_view({"get": "retrieve"})


def register(router: BaseRouter) -> None:
    router.register("programmes", ProgrammeViewSet, basename="programme")
    router.register("collaboratives", CollaborativeViewSet, basename="collaborative")
    router.register("organisations", OrganisationViewSet, basename="organisation")
    router.register("memberships", MembershipViewSet, basename="membership")
    router.register("invitations", InvitationViewSet, basename="invitation")
    router.register("audit-events", AuditEventViewSet, basename="audit-event")
