"""The workshops API: scheduling (one workshop, or the year's dates in one go), changing, cancelling and ending
workshops, places and attendance. Thin, like the rest: shapes are checked here, rules live in `collab.services`.

Times: `starts_at` and `ends_at` are ISO 8601 date-times. One without an offset is a UK time (Europe/London), and
answers give UK times with their offset, so 10:00 on 29 March 2027 reads `2027-03-29T10:00:00+01:00`. Scheduling
the year takes UK dates and wall-clock times.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from collab import selectors, services
from collab.api.people import CoreViewSet, PersonSerializer, VisibleFilter, VisibleRelatedField, _text
from collab.api_base import ReadSerializer
from collab.errors import DomainError
from collab.models import Collaborative, Programme, Registration, Workshop, WorkshopFormat, WorkshopLength
from collab.selectors import collaboratives_visible, programmes_visible, registrations_visible, workshops_visible
from collab.services.workshops import ACCESS_NEEDS_MAX

STATUS_CHOICES = [
    ("upcoming", "Upcoming"),
    ("running", "Running now"),
    ("past", "Past"),
    ("ended", "Ended by the facilitator"),
    ("cancelled", "Cancelled"),
]
PERSON_ID = {"min_value": 1, "max_value": 2**31 - 1}
TIMES_HELP = "ISO 8601. Without an offset it is a UK time (Europe/London)."


# --- Read serializers --------------------------------------------------------------------------------------------


class WorkshopSerializer(ReadSerializer):
    collaborative_name = serializers.CharField(
        source="collaborative.name", read_only=True, allow_null=True, default=None
    )
    is_cross_locality = serializers.BooleanField(read_only=True, help_text="A workshop of every locality at once.")
    status = serializers.ChoiceField(choices=STATUS_CHOICES, read_only=True)
    registered_count = serializers.IntegerField(read_only=True, default=0, help_text="Places taken.")
    attended_count = serializers.IntegerField(read_only=True, default=0, help_text="People recorded as having come.")
    am_registered = serializers.BooleanField(read_only=True, default=False, help_text="Whether you have a place.")

    class Meta:
        model = Workshop
        fields = [
            "id",
            "programme",
            "collaborative",
            "collaborative_name",
            "is_cross_locality",
            "title",
            "starts_at",
            "ends_at",
            "format",
            "length",
            "venue",
            "accessibility_notes",
            "agenda",
            "status",
            "cancelled_at",
            "ended_at",
            "registered_count",
            "attended_count",
            "am_registered",
            "created_at",
        ]
        read_only_fields = fields


class RegistrationSerializer(ReadSerializer):
    """A place at a workshop. You see your own, and everyone's at the workshops you run."""

    user = PersonSerializer(read_only=True)
    attended = serializers.BooleanField(
        read_only=True, allow_null=True, help_text="Whether they came; null until attendance is taken."
    )
    attendance_marked_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Registration
        fields = [
            "id",
            "workshop",
            "user",
            "registered_at",
            "access_needs",
            "attended",
            "attendance_marked_by",
            "attendance_marked_at",
        ]
        read_only_fields = fields


# --- Write serializers -------------------------------------------------------------------------------------------


class _WorkshopPlace(serializers.Serializer):
    collaborative = VisibleRelatedField(
        selector=collaboratives_visible,
        model=Collaborative,
        what="collaborative",
        allow_null=True,
        required=False,
        default=None,
        help_text="The collaborative. Leave it out (or null) for a cross-locality workshop of `programme`.",
    )
    programme = VisibleRelatedField(
        selector=programmes_visible,
        model=Programme,
        what="programme",
        allow_null=True,
        required=False,
        default=None,
        help_text="Needed only for a cross-locality workshop.",
    )


class _WorkshopDetails(serializers.Serializer):
    title = _text(200)
    format = serializers.ChoiceField(choices=WorkshopFormat.choices, default=WorkshopFormat.IN_PERSON)
    length = serializers.ChoiceField(
        choices=WorkshopLength.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="Left out: up to four and a half hours is a half day, longer a full day.",
    )
    venue = _text(300, allow_blank=True, required=False, default="", help_text="Address, or how to join online.")
    accessibility_notes = _text(2000, allow_blank=True, required=False, default="")
    agenda = _text(10000, allow_blank=True, required=False, default="")


class WorkshopCreateSerializer(_WorkshopPlace, _WorkshopDetails):
    starts_at = serializers.DateTimeField(help_text=TIMES_HELP)
    ends_at = serializers.DateTimeField(help_text=TIMES_HELP)


class WorkshopUpdateSerializer(serializers.Serializer):
    title = _text(200)
    starts_at = serializers.DateTimeField(help_text=TIMES_HELP)
    ends_at = serializers.DateTimeField(help_text=TIMES_HELP)
    format = serializers.ChoiceField(choices=WorkshopFormat.choices)
    length = serializers.ChoiceField(choices=WorkshopLength.choices)
    venue = _text(300, allow_blank=True)
    accessibility_notes = _text(2000, allow_blank=True)
    agenda = _text(10000, allow_blank=True)


class ScheduleYearSerializer(_WorkshopPlace, _WorkshopDetails):
    dates = serializers.ListField(
        child=serializers.DateField(),
        min_length=1,
        max_length=services.MAX_DATES_PER_SCHEDULE,
        help_text="UK dates, one workshop each, within one year.",
    )
    start_time = serializers.TimeField(help_text="UK time, the same on every date, for example 10:00.")
    end_time = serializers.TimeField(help_text="UK time, after the start time, for example 13:00.")


class RegisterSerializer(serializers.Serializer):
    user = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Book a place for this person (facilitators). Left out: a place for yourself.",
        **PERSON_ID,
    )
    access_needs = _text(
        ACCESS_NEEDS_MAX,
        allow_blank=True,
        required=False,
        default="",
        help_text="Anything the facilitators should arrange so you can take part.",
    )


class UnregisterSerializer(serializers.Serializer):
    user = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Give up this person's place (facilitators). Left out: your own.",
        **PERSON_ID,
    )


class AttendanceRowSerializer(serializers.Serializer):
    user = serializers.IntegerField(**PERSON_ID)
    attended = serializers.BooleanField()


class AttendanceSerializer(serializers.Serializer):
    attendance = AttendanceRowSerializer(
        many=True,
        min_length=1,
        max_length=services.ATTENDANCE_MAX,
        help_text="Who came and who did not. Someone who came without a place is given one.",
    )

    def validate_attendance(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        counts = Counter(row["user"] for row in rows)
        repeated = sorted(pk for pk, count in counts.items() if count > 1)
        if repeated:
            raise serializers.ValidationError(
                f"Each person once: {', '.join(str(pk) for pk in repeated)} {'is' if len(repeated) == 1 else 'are'} "
                "listed more than once."
            )
        return rows


# --- Filters -----------------------------------------------------------------------------------------------------


def _uk_midnight(day: date) -> Any:
    try:
        return services.local_datetime(day, time.min)
    except (DomainError, OverflowError):
        return None


class UKDayFilter(filters.DateFilter):
    """Workshops starting on or after (`until=False`) or on or before (`until=True`) a UK date."""

    def __init__(self, *, until: bool, **kwargs: Any) -> None:
        self.until = until
        super().__init__(field_name="starts_at", **kwargs)

    def filter(self, queryset: QuerySet, value: date | None) -> QuerySet:
        if not value:
            return queryset
        if self.until:
            if value >= date.max - timedelta(days=1):
                return queryset
            end = _uk_midnight(value + timedelta(days=1))
            return queryset.filter(starts_at__lt=end) if end else queryset
        start = _uk_midnight(value)
        return queryset.filter(starts_at__gte=start) if start else queryset


class CollaborativeWorkshopsFilter(VisibleFilter):
    """A collaborative's own workshops and the cross-locality workshops of its programme."""

    def filter(self, queryset: QuerySet, value: Collaborative | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(Q(collaborative=value) | Q(collaborative__isnull=True, programme_id=value.programme_id))


class _WorkshopFilterBase(filters.FilterSet):
    collaborative = CollaborativeWorkshopsFilter(
        collaboratives_visible,
        help_text="The collaborative's own workshops and the cross-locality workshops of its programme.",
    )
    programme = VisibleFilter(programmes_visible)
    cross_locality = filters.BooleanFilter(
        field_name="collaborative", lookup_expr="isnull", help_text="true: only cross-locality workshops."
    )

    class Meta:
        model = Workshop
        fields = ["collaborative", "programme", "cross_locality"]


# `from` and `to` are Python keywords, so these two filters are added by name.
WorkshopFilter = type(
    "WorkshopFilter",
    (_WorkshopFilterBase,),
    {
        "from": UKDayFilter(until=False, help_text="Workshops starting on or after this UK date."),
        "to": UKDayFilter(until=True, help_text="Workshops starting on or before this UK date."),
        "__module__": __name__,
    },
)


class RegistrationFilter(filters.FilterSet):
    workshop = VisibleFilter(workshops_visible)
    user = filters.NumberFilter(field_name="user_id", min_value=1, max_value=2**31 - 1)
    attended = filters.BooleanFilter(help_text="true: came; false: did not come.")
    attendance_taken = filters.BooleanFilter(
        field_name="attended", lookup_expr="isnull", exclude=True, help_text="false: attendance not taken yet."
    )

    class Meta:
        model = Registration
        fields = ["workshop", "user", "attended", "attendance_taken"]


# --- Viewsets ----------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Workshops of your collaboratives, and cross-locality workshops of your programmes"),
    retrieve=extend_schema(summary="One workshop"),
)
class WorkshopViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CoreViewSet):
    selector = staticmethod(workshops_visible)
    serializer_class = WorkshopSerializer
    filterset_class = WorkshopFilter
    ordering_fields = ["starts_at", "title", "created_at"]
    search_fields = ["title", "venue"]

    def _registrations(self, data: Any, *, many: bool = False) -> Any:
        return RegistrationSerializer(data, many=many, context=self.get_serializer_context()).data

    @extend_schema(
        summary="Schedule a workshop (facilitators and the programme team)",
        request=WorkshopCreateSerializer,
        responses={201: WorkshopSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(WorkshopCreateSerializer)
        return self.respond(services.workshop_create(actor=request.user, **fields), code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a workshop's details or times", request=WorkshopUpdateSerializer, responses=WorkshopSerializer
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        workshop = self.get_object()
        fields = self.validated(WorkshopUpdateSerializer, partial=True)
        return self.respond(services.workshop_update(actor=request.user, workshop=workshop, **fields))

    @extend_schema(
        summary="Set the year's workshop dates in one go (all or nothing)",
        request=ScheduleYearSerializer,
        responses={201: WorkshopSerializer(many=True)},
        filters=False,
    )
    @action(detail=False, methods=["post"], url_path="schedule-year", pagination_class=None, filter_backends=[])
    def schedule_year(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(ScheduleYearSerializer)
        workshops = services.workshop_schedule_year(actor=request.user, **fields)
        fresh = self.get_queryset().filter(pk__in=[w.pk for w in workshops]).order_by("starts_at")
        return Response(self.get_serializer(fresh, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Cancel a workshop (it stays listed, as cancelled)", request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.respond(services.workshop_cancel(actor=request.user, workshop=self.get_object()))

    @extend_schema(summary="End a workshop that has started: its record can then be put together", request=None)
    @action(detail=True, methods=["post"])
    def end(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.respond(services.workshop_end(actor=request.user, workshop=self.get_object()))

    @extend_schema(
        summary="Book a place: yours, or (facilitators) someone else's",
        request=RegisterSerializer,
        responses={201: RegistrationSerializer},
    )
    @action(detail=True, methods=["post"])
    def register(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        workshop = self.get_object()
        fields = self.validated(RegisterSerializer)
        person = selectors.workshop_person(request.user, workshop, fields["user"]) if fields["user"] else None
        registration = services.registration_register(
            actor=request.user, workshop=workshop, user=person, access_needs=fields["access_needs"]
        )
        return Response(self._registrations(registration), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Give up a place: yours, or (facilitators) someone else's",
        request=UnregisterSerializer,
        responses={200: WorkshopSerializer},
    )
    @action(detail=True, methods=["post"])
    def unregister(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        workshop = self.get_object()
        fields = self.validated(UnregisterSerializer)
        person = selectors.workshop_person(request.user, workshop, fields["user"]) if fields["user"] else None
        return self.respond(services.registration_cancel(actor=request.user, workshop=workshop, user=person))

    @extend_schema(
        summary="Record who came (facilitators), once the workshop has started",
        request=AttendanceSerializer,
        responses={
            200: OpenApiResponse(RegistrationSerializer(many=True), description="Every place, after the change.")
        },
    )
    @action(detail=True, methods=["post"])
    def attendance(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        workshop = self.get_object()
        rows = self.validated(AttendanceSerializer)["attendance"]
        registrations = services.attendance_mark(
            actor=request.user, workshop=workshop, attendance={row["user"]: row["attended"] for row in rows}
        )
        return Response(self._registrations(registrations, many=True))


@extend_schema_view(
    list=extend_schema(summary="Your places at workshops, and every place at the workshops you run"),
)
class RegistrationViewSet(mixins.ListModelMixin, CoreViewSet):
    selector = staticmethod(registrations_visible)
    serializer_class = RegistrationSerializer
    filterset_class = RegistrationFilter
    ordering_fields = ["registered_at", "user__display_name", "workshop__starts_at"]
    search_fields = ["user__display_name", "user__email"]


def register(router: BaseRouter) -> None:
    router.register("workshops", WorkshopViewSet, basename="workshop")
    router.register("registrations", RegistrationViewSet, basename="registration")
