"""The sub-groups' REST API: serializers and viewsets, kept thin.

Reads go through the scoped selectors (every viewset derives from the core's `ScopedViewSet`), writes through
`subgroups.services`. Input serializers check the shape of a request; ids are resolved through the selectors, so
another locality's sub-group, milestone or person is as unknown as a missing one. Leads change only their own
sub-groups; members, observers and everyone else who can see the collaborative read.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from collab.api import LONG_TEXT, CoreViewSet, PersonSerializer, VisibleRelatedField
from collab.api.people import VisibleFilter
from collab.api_base import InputSerializer, ReadSerializer
from collab.models import Collaborative, Organisation, User, Workshop
from collab.selectors import collaboratives_visible, organisations_visible
from subgroups import services
from subgroups.models import (
    NAME_MAX,
    Concern,
    ConcernState,
    Mandate,
    MandateSetting,
    Milestone,
    MilestoneState,
    ProgressUpdate,
    Review,
    ReviewDecision,
    Status,
    SubGroup,
    SubGroupLink,
    SubGroupMember,
    SubGroupRole,
    SupportEntry,
    SupportKind,
    SupportState,
    UpdateComment,
)
from subgroups.selectors import (
    comments_visible,
    concerns_visible,
    links_visible,
    milestones_visible,
    people_visible,
    reviews_visible,
    subgroup_members_visible,
    subgroups_visible,
    support_visible,
    updates_visible,
    workshops_visible,
)

# A role can be changed to these; making someone the lead is a handover.
CHANGEABLE_ROLE_CHOICES = [c for c in SubGroupRole.choices if c[0] != SubGroupRole.LEAD]
SUPPORT_TYPE_CHOICES = [("request", "A lead asks for support"), ("given", "A facilitator logs support given")]


def _text(max_length: int = LONG_TEXT, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, **kwargs)


def _optional_text(max_length: int = LONG_TEXT, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, allow_blank=True, required=False, default="", **kwargs)


def _subgroup_field(**kwargs: Any) -> VisibleRelatedField:
    return VisibleRelatedField(selector=subgroups_visible, model=SubGroup, what="sub-group", **kwargs)


def _person_field(**kwargs: Any) -> VisibleRelatedField:
    return VisibleRelatedField(selector=people_visible, model=User, what="person", **kwargs)


def _workshop_field() -> VisibleRelatedField:
    return VisibleRelatedField(
        selector=workshops_visible, model=Workshop, what="workshop", allow_null=True, required=False
    )


# --- Read serializers --------------------------------------------------------------------------------------------


class LeadSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True, help_text="The id of their part in the sub-group.")
    user = PersonSerializer(read_only=True)
    role = serializers.ChoiceField(choices=SubGroupRole.choices, read_only=True)
    mandate = serializers.ChoiceField(choices=Mandate.choices, read_only=True)
    mandate_agreed_on = serializers.DateField(read_only=True, allow_null=True)


class SubGroupSerializer(ReadSerializer):
    collaborative_name = serializers.CharField(source="collaborative.name", read_only=True)
    leads = LeadSerializer(source="current_leads", many=True, read_only=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True, help_text="The latest update's status.")
    last_update_at = serializers.DateTimeField(
        source="current_update.created_at", read_only=True, allow_null=True, default=None
    )
    blockers = serializers.CharField(source="current_update.blockers", read_only=True, default="")
    support_needed = serializers.CharField(source="current_update.support_needed", read_only=True, default="")
    open_support_requests = serializers.IntegerField(source="open_requests", read_only=True, default=0)

    class Meta:
        model = SubGroup
        fields = [
            "id",
            "collaborative",
            "collaborative_name",
            "name",
            "aims",
            "delivers",
            "partners",
            "leads",
            "status",
            "last_update_at",
            "blockers",
            "support_needed",
            "open_support_requests",
            "closed_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SubGroupMemberSerializer(ReadSerializer):
    user = PersonSerializer(read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = SubGroupMember
        fields = [
            "id",
            "subgroup",
            "user",
            "role",
            "started_on",
            "ended_on",
            "is_active",
            "mandate",
            "mandate_agreed_on",
            "mandate_setting",
            "mandate_note",
            "mandate_workshop",
            "created_at",
        ]
        read_only_fields = fields


class MilestoneSerializer(ReadSerializer):
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Milestone
        fields = [
            "id",
            "subgroup",
            "title",
            "description",
            "due_on",
            "state",
            "completed_on",
            "is_overdue",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProgressUpdateSerializer(ReadSerializer):
    author = PersonSerializer(read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = [
            "id",
            "subgroup",
            "author",
            "created_at",
            "status",
            "done",
            "next_steps",
            "blockers",
            "support_needed",
            "direction_reason",
            "stage",
            "percent_complete",
            "children_voice",
            "children_voice_not_yet",
            "milestones_completed",
        ]
        read_only_fields = fields


class UpdateCommentSerializer(ReadSerializer):
    author = PersonSerializer(read_only=True)

    class Meta:
        model = UpdateComment
        fields = ["id", "update", "author", "body", "created_at"]
        read_only_fields = fields


class SupportEntrySerializer(ReadSerializer):
    requested_by = PersonSerializer(read_only=True, allow_null=True)
    given_by = PersonSerializer(read_only=True, allow_null=True)
    is_request = serializers.BooleanField(read_only=True)

    class Meta:
        model = SupportEntry
        fields = [
            "id",
            "subgroup",
            "kind",
            "state",
            "description",
            "is_request",
            "requested_by",
            "given_by",
            "given_on",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class LinkEndSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    collaborative = serializers.IntegerField(source="collaborative_id", read_only=True)
    locality = serializers.CharField(source="collaborative.locality", read_only=True)


class SubGroupLinkSerializer(ReadSerializer):
    from_subgroup = LinkEndSerializer(read_only=True)
    to_subgroup = LinkEndSerializer(read_only=True)

    class Meta:
        model = SubGroupLink
        fields = ["id", "from_subgroup", "to_subgroup", "note", "created_at"]
        read_only_fields = fields


class ReviewSerializer(ReadSerializer):
    recorded_by = PersonSerializer(read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "subgroup",
            "decision",
            "reasons",
            "forward_plan",
            "reviewed_on",
            "recorded_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ConcernNoteSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    author = PersonSerializer(read_only=True)
    body = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class ConcernSerializer(ReadSerializer):
    collaborative_name = serializers.CharField(source="collaborative.name", read_only=True)
    raised_by = PersonSerializer(read_only=True)
    notes = ConcernNoteSerializer(many=True, read_only=True)

    class Meta:
        model = Concern
        fields = [
            "id",
            "collaborative",
            "collaborative_name",
            "raised_by",
            "subject",
            "details",
            "state",
            "resolution",
            "resolved_at",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# --- Input serializers -------------------------------------------------------------------------------------------


class _MandateFields(serializers.Serializer):
    mandate = serializers.ChoiceField(
        choices=Mandate.choices,
        required=False,
        default="",
        help_text="For leads and co-leads: agreed by the group, or self-appointed until it is (the default).",
    )
    mandate_agreed_on = serializers.DateField(allow_null=True, required=False, default=None)
    mandate_setting = serializers.ChoiceField(choices=MandateSetting.choices, required=False, default="")
    mandate_note = _optional_text(300)
    mandate_workshop = _workshop_field()


class SubGroupCreateSerializer(serializers.Serializer):
    collaborative = VisibleRelatedField(selector=collaboratives_visible, model=Collaborative, what="collaborative")
    name = _text(NAME_MAX)
    aims = _optional_text()
    delivers = _optional_text()
    partners = VisibleRelatedField(
        selector=organisations_visible, model=Organisation, what="organisation", many=True, required=False
    )
    lead = _person_field(allow_null=True, required=False, help_text="A current member who leads it.")
    lead_mandate = serializers.ChoiceField(choices=Mandate.choices, required=False, default="")
    lead_mandate_agreed_on = serializers.DateField(allow_null=True, required=False, default=None)
    lead_mandate_setting = serializers.ChoiceField(choices=MandateSetting.choices, required=False, default="")
    lead_mandate_note = _optional_text(300)
    lead_mandate_workshop = _workshop_field()


class SubGroupUpdateSerializer(serializers.Serializer):
    name = _text(NAME_MAX)
    aims = _text(allow_blank=True)
    delivers = _text(allow_blank=True)
    partners = VisibleRelatedField(selector=organisations_visible, model=Organisation, what="organisation", many=True)
    closed_on = serializers.DateField(allow_null=True)


class HandoverSerializer(_MandateFields):
    to_user = _person_field(help_text="The current member who takes over as lead.")
    previous_lead = serializers.ChoiceField(choices=services.PREVIOUS_LEAD_CHOICES, required=False, default="member")


class SubGroupMemberCreateSerializer(_MandateFields):
    subgroup = _subgroup_field()
    user = _person_field()
    role = serializers.ChoiceField(choices=SubGroupRole.choices, required=False, default=SubGroupRole.MEMBER)


class SubGroupMemberUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=CHANGEABLE_ROLE_CHOICES)
    mandate = serializers.ChoiceField(choices=Mandate.choices)
    mandate_agreed_on = serializers.DateField(allow_null=True)
    mandate_setting = serializers.ChoiceField(choices=MandateSetting.choices, allow_blank=True)
    mandate_note = _text(300, allow_blank=True)
    mandate_workshop = VisibleRelatedField(selector=workshops_visible, model=Workshop, what="workshop", allow_null=True)


class MilestoneCreateSerializer(serializers.Serializer):
    subgroup = _subgroup_field()
    title = _text(NAME_MAX)
    description = _optional_text()
    due_on = serializers.DateField()
    state = serializers.ChoiceField(choices=MilestoneState.choices, required=False, default=MilestoneState.PLANNED)


class MilestoneUpdateSerializer(serializers.Serializer):
    title = _text(NAME_MAX)
    description = _text(allow_blank=True)
    due_on = serializers.DateField()
    state = serializers.ChoiceField(choices=MilestoneState.choices)


class ProgressUpdateCreateSerializer(InputSerializer):
    """Children's and families' voice is a question every update answers: either how their views were considered
    (`children_voice`), or that they were not yet (`children_voice_not_yet`: true) — one of the two, not both."""

    schema_rules = {
        "oneOf": [
            {"required": ["children_voice"], "properties": {"children_voice": {"pattern": r"\S"}}},
            {"required": ["children_voice_not_yet"], "properties": {"children_voice_not_yet": {"enum": [True]}}},
        ]
    }

    def field_rules(self, data: Any) -> dict[str, list[str]]:
        voice = str(data.get("children_voice") or "").strip()
        not_yet = data.get("children_voice_not_yet") in serializers.BooleanField.TRUE_VALUES
        if not voice and not not_yet:
            return {
                "children_voice": [
                    "Say how children's and families' views were considered, or tick “Not yet” if they were not."
                ]
            }
        if voice and not_yet:
            return {"children_voice": ["Either say how their views were considered, or tick “Not yet” — not both."]}
        return {}

    subgroup = _subgroup_field()
    status = serializers.ChoiceField(choices=Status.choices)
    done = _text(help_text="What was done.")
    next_steps = _text(help_text="What is next.")
    blockers = _optional_text()
    support_needed = _optional_text()
    direction_reason = _optional_text(help_text="Needed when the status is “changed direction”: why.")
    stage = _optional_text(100)
    percent_complete = serializers.IntegerField(min_value=0, max_value=100, allow_null=True, required=False)
    children_voice = _optional_text(help_text="How children's and families' views were considered.")
    children_voice_not_yet = serializers.BooleanField(
        required=False, default=False, help_text="True if their views were not considered yet."
    )
    milestones_completed = VisibleRelatedField(
        selector=milestones_visible, model=Milestone, what="milestone", many=True, required=False
    )
    confirm = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Children's voice that looks like it names someone or holds an identifier is refused with code "
        "`needs_confirmation`; look again and send true if it does not.",
    )


class UpdateCommentCreateSerializer(serializers.Serializer):
    update = VisibleRelatedField(selector=updates_visible, model=ProgressUpdate, what="update")
    body = _text()


class SupportCreateSerializer(serializers.Serializer):
    subgroup = _subgroup_field()
    type = serializers.ChoiceField(choices=SUPPORT_TYPE_CHOICES)
    kind = serializers.ChoiceField(choices=SupportKind.choices)
    description = _text()
    given_on = serializers.DateField(allow_null=True, required=False, default=None, help_text="For support given.")
    notes = _optional_text()


class SupportUpdateSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=SupportState.choices)
    kind = serializers.ChoiceField(choices=SupportKind.choices)
    description = _text()
    given_on = serializers.DateField(allow_null=True)
    notes = _text(allow_blank=True)


class LinkCreateSerializer(serializers.Serializer):
    from_subgroup = _subgroup_field()
    to_subgroup = _subgroup_field()
    note = _optional_text(300)


class ReviewCreateSerializer(serializers.Serializer):
    subgroup = _subgroup_field()
    decision = serializers.ChoiceField(choices=ReviewDecision.choices)
    reasons = _text()
    forward_plan = _text()
    reviewed_on = serializers.DateField(allow_null=True, required=False, default=None)


class ReviewUpdateSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=ReviewDecision.choices)
    reasons = _text()
    forward_plan = _text()
    reviewed_on = serializers.DateField()


class ConcernCreateSerializer(serializers.Serializer):
    collaborative = VisibleRelatedField(
        selector=collaboratives_visible, model=Collaborative, what="collaborative", help_text="Where it arises."
    )
    subject = _text(NAME_MAX)
    details = _text()


class ConcernUpdateSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=ConcernState.choices)
    resolution = _text(allow_blank=True)


class NoteCreateSerializer(serializers.Serializer):
    body = _text()


# --- Filters -----------------------------------------------------------------------------------------------------


def _bool_filter(help_text: str, method: str) -> filters.BooleanFilter:
    return filters.BooleanFilter(method=method, help_text=help_text)


class SubGroupFilter(filters.FilterSet):
    collaborative = VisibleFilter(collaboratives_visible)
    status = filters.ChoiceFilter(choices=Status.choices, method="filter_status")
    open = _bool_filter("true: sub-groups still running; false: closed ones.", "filter_open")

    class Meta:
        model = SubGroup
        fields = ["collaborative", "status", "open"]

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == Status.NOT_STARTED:
            return queryset.filter(Q(current_update__isnull=True) | Q(current_update__status=value))
        return queryset.filter(current_update__status=value)

    def filter_open(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return queryset if value is None else queryset.filter(closed_on__isnull=value)


class SubGroupMemberFilter(filters.FilterSet):
    subgroup = VisibleFilter(subgroups_visible, what="sub-group")
    user = VisibleFilter(people_visible, what="person")
    role = filters.ChoiceFilter(choices=SubGroupRole.choices)
    active = _bool_filter("true: people in the sub-group now; false: past parts.", "filter_active")

    class Meta:
        model = SubGroupMember
        fields = ["subgroup", "user", "role", "active"]

    def filter_active(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return queryset if value is None else queryset.filter(ended_on__isnull=value)


class MilestoneFilter(filters.FilterSet):
    subgroup = VisibleFilter(subgroups_visible, what="sub-group")
    state = filters.ChoiceFilter(choices=MilestoneState.choices)

    class Meta:
        model = Milestone
        fields = ["subgroup", "state"]


class ProgressUpdateFilter(filters.FilterSet):
    subgroup = VisibleFilter(subgroups_visible, what="sub-group")
    status = filters.ChoiceFilter(choices=Status.choices)

    class Meta:
        model = ProgressUpdate
        fields = ["subgroup", "status"]


class UpdateCommentFilter(filters.FilterSet):
    update = VisibleFilter(updates_visible, what="progress update")

    class Meta:
        model = UpdateComment
        fields = ["update"]


class SupportEntryFilter(filters.FilterSet):
    subgroup = VisibleFilter(subgroups_visible, what="sub-group")
    state = filters.ChoiceFilter(choices=SupportState.choices)
    kind = filters.ChoiceFilter(choices=SupportKind.choices)

    class Meta:
        model = SupportEntry
        fields = ["subgroup", "state", "kind"]


class SubGroupLinkFilter(filters.FilterSet):
    subgroup = VisibleFilter(
        subgroups_visible, what="sub-group", method="filter_subgroup", help_text="Links from or to this sub-group."
    )

    class Meta:
        model = SubGroupLink
        fields = ["subgroup"]

    def filter_subgroup(self, queryset: QuerySet, name: str, value: SubGroup | None) -> QuerySet:
        return queryset if value is None else queryset.filter(Q(from_subgroup=value) | Q(to_subgroup=value))


class ReviewFilter(filters.FilterSet):
    subgroup = VisibleFilter(subgroups_visible, what="sub-group")
    decision = filters.ChoiceFilter(choices=ReviewDecision.choices)

    class Meta:
        model = Review
        fields = ["subgroup", "decision"]


class ConcernFilter(filters.FilterSet):
    collaborative = VisibleFilter(collaboratives_visible)
    state = filters.ChoiceFilter(choices=ConcernState.choices)

    class Meta:
        model = Concern
        fields = ["collaborative", "state"]


# --- Viewsets ----------------------------------------------------------------------------------------------------


class _ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CoreViewSet):
    pass


@extend_schema_view(
    list=extend_schema(summary="Sub-groups you can see, with their current status (the leads' view)"),
    retrieve=extend_schema(summary="One sub-group"),
)
class SubGroupViewSet(_ReadViewSet):
    selector = staticmethod(subgroups_visible)
    serializer_class = SubGroupSerializer
    filterset_class = SubGroupFilter
    ordering_fields = ["name", "created_at", "current_update__created_at"]
    search_fields = ["name", "aims"]

    @extend_schema(
        summary="Start a sub-group (facilitators)",
        request=SubGroupCreateSerializer,
        responses={201: SubGroupSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(SubGroupCreateSerializer)
        return self.respond(services.subgroup_create(actor=request.user, **fields), code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a sub-group's name, aims, partners, or close it (its leads and facilitators)",
        request=SubGroupUpdateSerializer,
        responses=SubGroupSerializer,
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        subgroup = self.get_object()
        fields = self.validated(SubGroupUpdateSerializer, partial=True)
        return self.respond(services.subgroup_update(actor=request.user, subgroup=subgroup, **fields))

    @extend_schema(
        summary="Hand the lead over to someone (the previous lead's part is closed, so the history is kept)",
        request=HandoverSerializer,
        responses=SubGroupMemberSerializer,
    )
    @action(detail=True, methods=["post"])
    def handover(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        subgroup = self.get_object()
        fields = self.validated(HandoverSerializer)
        part = services.subgroup_lead_handover(actor=request.user, subgroup=subgroup, **fields)
        part = subgroup_members_visible(request.user).get(pk=part.pk)
        return Response(SubGroupMemberSerializer(part, context=self.get_serializer_context()).data)


@extend_schema_view(
    list=extend_schema(summary="People in sub-groups, with their roles and leads' mandates, now and before"),
    retrieve=extend_schema(summary="One person's part in a sub-group"),
)
class SubGroupMemberViewSet(_ReadViewSet):
    selector = staticmethod(subgroup_members_visible)
    serializer_class = SubGroupMemberSerializer
    filterset_class = SubGroupMemberFilter
    ordering_fields = ["started_on", "ended_on", "role"]
    search_fields = ["user__display_name"]

    @extend_schema(
        summary="Add a person to a sub-group",
        request=SubGroupMemberCreateSerializer,
        responses={201: SubGroupMemberSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(SubGroupMemberCreateSerializer)
        part = services.subgroup_member_add(actor=request.user, **fields)
        return self.respond(part, code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a person's role, or record a lead's mandate",
        description="A new role closes this part and opens another, so the history is kept: the answer is the "
        "current part, with a new id if the role changed. To make someone the lead, hand the lead over.",
        request=SubGroupMemberUpdateSerializer,
        responses=SubGroupMemberSerializer,
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        part = self.get_object()
        fields = self.validated(SubGroupMemberUpdateSerializer, partial=True)
        return self.respond(services.subgroup_member_change(actor=request.user, part=part, **fields))

    @extend_schema(
        summary="End a person's part in a sub-group (the record is kept)",
        request=None,
        responses=SubGroupMemberSerializer,
    )
    @action(detail=True, methods=["post"])
    def end(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        part = self.get_object()
        return self.respond(services.subgroup_member_end(actor=request.user, part=part))


@extend_schema_view(
    list=extend_schema(summary="Milestones of the sub-groups you can see"),
    retrieve=extend_schema(summary="One milestone"),
)
class MilestoneViewSet(_ReadViewSet):
    selector = staticmethod(milestones_visible)
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilter
    ordering_fields = ["due_on", "created_at"]
    search_fields = ["title"]

    @extend_schema(summary="Add a milestone", request=MilestoneCreateSerializer, responses={201: MilestoneSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(MilestoneCreateSerializer)
        return self.respond(services.milestone_create(actor=request.user, **fields), code=status.HTTP_201_CREATED)

    @extend_schema(summary="Change a milestone", request=MilestoneUpdateSerializer, responses=MilestoneSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        milestone = self.get_object()
        fields = self.validated(MilestoneUpdateSerializer, partial=True)
        return self.respond(services.milestone_update(actor=request.user, milestone=milestone, **fields))


@extend_schema_view(
    list=extend_schema(summary="Progress updates, newest first (each sub-group's timeline)"),
    retrieve=extend_schema(summary="One progress update"),
)
class ProgressUpdateViewSet(_ReadViewSet):
    selector = staticmethod(updates_visible)
    serializer_class = ProgressUpdateSerializer
    filterset_class = ProgressUpdateFilter
    ordering_fields = ["created_at"]
    search_fields = ["done", "next_steps", "blockers"]

    @extend_schema(
        summary="Post a progress update (its sub-group's leads and facilitators)",
        request=ProgressUpdateCreateSerializer,
        responses={201: ProgressUpdateSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(ProgressUpdateCreateSerializer)
        return self.respond(services.update_post(actor=request.user, **fields), code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Comments on progress updates"),
    retrieve=extend_schema(summary="One comment"),
)
class UpdateCommentViewSet(_ReadViewSet):
    selector = staticmethod(comments_visible)
    serializer_class = UpdateCommentSerializer
    filterset_class = UpdateCommentFilter
    ordering_fields = ["created_at"]
    search_fields = ["body"]

    @extend_schema(
        summary="Comment on a progress update",
        request=UpdateCommentCreateSerializer,
        responses={201: UpdateCommentSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(UpdateCommentCreateSerializer)
        return self.respond(services.comment_add(actor=request.user, **fields), code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="The support log: support given and support requested"),
    retrieve=extend_schema(summary="One support log entry"),
)
class SupportEntryViewSet(_ReadViewSet):
    selector = staticmethod(support_visible)
    serializer_class = SupportEntrySerializer
    filterset_class = SupportEntryFilter
    ordering_fields = ["created_at", "given_on"]
    search_fields = ["description"]

    @extend_schema(
        summary="Request support (a sub-group's leads) or log support given (facilitators)",
        request=SupportCreateSerializer,
        responses={201: SupportEntrySerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(SupportCreateSerializer)
        common = {"actor": request.user, "subgroup": fields["subgroup"], "kind": fields["kind"]}
        if fields["type"] == "request":
            entry = services.support_request(**common, description=fields["description"])
        else:
            entry = services.support_record(
                **common, description=fields["description"], given_on=fields["given_on"], notes=fields["notes"]
            )
        return self.respond(entry, code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move a support request on, or correct an entry (facilitators)",
        request=SupportUpdateSerializer,
        responses=SupportEntrySerializer,
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        entry = self.get_object()
        fields = self.validated(SupportUpdateSerializer, partial=True)
        return self.respond(services.support_update(actor=request.user, entry=entry, **fields))


@extend_schema_view(
    list=extend_schema(summary="Links between sub-groups, here or in other localities"),
    retrieve=extend_schema(summary="One link"),
)
class SubGroupLinkViewSet(_ReadViewSet):
    selector = staticmethod(links_visible)
    serializer_class = SubGroupLinkSerializer
    filterset_class = SubGroupLinkFilter
    ordering_fields = ["created_at"]
    search_fields = ["note"]

    @extend_schema(
        summary="Link a sub-group with another", request=LinkCreateSerializer, responses={201: SubGroupLinkSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(LinkCreateSerializer)
        return self.respond(services.link_create(actor=request.user, **fields), code=status.HTTP_201_CREATED)

    @extend_schema(summary="Remove a link (it is kept, stamped as removed)", request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.link_remove(actor=request.user, link=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="Year-2 reviews: a decision per sub-group, its reasons and the forward plan"),
    retrieve=extend_schema(summary="One review"),
)
class ReviewViewSet(_ReadViewSet):
    selector = staticmethod(reviews_visible)
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilter
    ordering_fields = ["reviewed_on", "created_at"]
    search_fields = ["reasons", "forward_plan"]

    @extend_schema(
        summary="Record a sub-group's review (facilitators)",
        request=ReviewCreateSerializer,
        responses={201: ReviewSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(ReviewCreateSerializer)
        return self.respond(services.review_record(actor=request.user, **fields), code=status.HTTP_201_CREATED)

    @extend_schema(summary="Change a review (facilitators)", request=ReviewUpdateSerializer, responses=ReviewSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        review = self.get_object()
        fields = self.validated(ReviewUpdateSerializer, partial=True)
        return self.respond(services.review_update(actor=request.user, review=review, **fields))


@extend_schema_view(
    list=extend_schema(
        summary="Concerns: the ones you raised; for the programme team, all of its programmes'",
        description="Concerns are confidential: nobody else sees them, not even the locality's facilitators.",
    ),
    retrieve=extend_schema(summary="One concern and its messages"),
)
class ConcernViewSet(_ReadViewSet):
    selector = staticmethod(concerns_visible)
    serializer_class = ConcernSerializer
    filterset_class = ConcernFilter
    ordering_fields = ["created_at", "updated_at"]
    search_fields = ["subject"]

    @extend_schema(
        summary="Raise a concern with the programme team, confidentially",
        request=ConcernCreateSerializer,
        responses={201: ConcernSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(ConcernCreateSerializer)
        return self.respond(services.concern_raise(actor=request.user, **fields), code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move a concern on or resolve it (programme team)",
        request=ConcernUpdateSerializer,
        responses=ConcernSerializer,
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        concern = self.get_object()
        fields = self.validated(ConcernUpdateSerializer, partial=True)
        return self.respond(services.concern_update(actor=request.user, concern=concern, **fields))

    @extend_schema(
        summary="Add a message (the person who raised it, or the programme team)",
        request=NoteCreateSerializer,
        responses={201: ConcernSerializer},
    )
    @action(detail=True, methods=["post"])
    def notes(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        concern = self.get_object()
        fields = self.validated(NoteCreateSerializer)
        services.concern_add_note(actor=request.user, concern=concern, **fields)
        return self.respond(concern, code=status.HTTP_201_CREATED)


def register(router: BaseRouter) -> None:
    router.register("subgroups", SubGroupViewSet, basename="subgroup")
    router.register("subgroup-members", SubGroupMemberViewSet, basename="subgroup-member")
    router.register("milestones", MilestoneViewSet, basename="milestone")
    router.register("progress-updates", ProgressUpdateViewSet, basename="progress-update")
    router.register("update-comments", UpdateCommentViewSet, basename="update-comment")
    router.register("support-entries", SupportEntryViewSet, basename="support-entry")
    router.register("subgroup-links", SubGroupLinkViewSet, basename="subgroup-link")
    router.register("reviews", ReviewViewSet, basename="review")
    router.register("concerns", ConcernViewSet, basename="concern")
