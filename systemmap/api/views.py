"""Viewsets of the system map API. Thin: shapes are checked by the serializers, rules live in the services, reads come
through the scoped selectors (another locality's map is a 404, exactly like a missing one)."""

from __future__ import annotations

import json
from typing import Any

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from collab.api.people import CoreViewSet, VisibleFilter
from collab.models import Sector
from collab.selectors import collaboratives_visible
from systemmap import io, selectors, services
from systemmap.api import serializers as s
from systemmap.models import (
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
    SourceKind,
)
from systemmap.services import ImportResult

# --- Downloads -----------------------------------------------------------------------------------------------------


class _Download(BaseRenderer):
    """Passes an export's bytes through; chosen by `?format=`, as DRF does with renderers."""

    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if isinstance(data, bytes):
            return data
        return json.dumps(data).encode("utf-8")


DOWNLOAD_RENDERERS = [
    type(
        f"Download_{name.replace('-', '_')}",
        (_Download,),
        {"format": name, "media_type": content_type.split(";")[0], "__module__": __name__},
    )
    for name, (_, content_type) in io.EXPORT_FORMATS.items()
]


# --- Filters -------------------------------------------------------------------------------------------------------


class MapFilter(filters.FilterSet):
    collaborative = VisibleFilter(collaboratives_visible)

    class Meta:
        model = Map
        fields = ["collaborative"]


class _OnMapFilter(filters.FilterSet):
    map = VisibleFilter(selectors.maps_visible)


class ElementFilter(_OnMapFilter):
    type = filters.ChoiceFilter(choices=ElementType.choices)
    sector = filters.ChoiceFilter(choices=Sector.choices)

    class Meta:
        model = Element
        fields = ["map", "type", "sector"]


class ConnectionFilter(_OnMapFilter):
    type = filters.ChoiceFilter(choices=ConnectionType.choices)
    source = VisibleFilter(selectors.elements_visible, what="element")
    target = VisibleFilter(selectors.elements_visible, what="element")

    class Meta:
        model = Connection
        fields = ["map", "type", "source", "target"]


class EvidenceFilter(_OnMapFilter):
    element = VisibleFilter(selectors.elements_visible)
    connection = VisibleFilter(selectors.connections_visible)
    finding = VisibleFilter(selectors.findings_visible)
    kind = filters.ChoiceFilter(choices=EvidenceKind.choices)
    source_kind = filters.ChoiceFilter(choices=SourceKind.choices)

    class Meta:
        model = Evidence
        fields = ["map", "element", "connection", "finding", "kind", "source_kind", "sensitive"]


class FindingFilter(_OnMapFilter):
    class Meta:
        model = Finding
        fields = ["map"]


class VersionFilter(_OnMapFilter):
    class Meta:
        model = MapVersion
        fields = ["map"]


class CommentFilter(_OnMapFilter):
    element = VisibleFilter(selectors.elements_visible)
    finding = VisibleFilter(selectors.findings_visible)

    class Meta:
        model = MapComment
        fields = ["map", "element", "finding"]


# --- Viewsets ------------------------------------------------------------------------------------------------------


class _ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CoreViewSet):
    def removed(self, remove: Any) -> Response:
        """Removal through the service (which checks who may and records it), never straight to the database.

        As everywhere in this API, nothing is removed with the DELETE method: a POST to `.../remove/`. What is
        removed from a map is gone from it; the audit trail records it and saved versions keep how the map was."""
        remove(actor=self.request.user, instance=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _import_answer(view: CoreViewSet, result: ImportResult, code: int) -> Response:
    fresh = selectors.maps_visible(view.request.user).get(pk=result.map.pk)
    body = {
        "map": s.MapSerializer(fresh, context=view.get_serializer_context()).data,
        "format": result.format,
        "elements": result.elements,
        "connections": result.connections,
        "evidence": result.evidence,
        "findings": result.findings,
        "warnings": result.warnings,
    }
    return Response(body, status=code)


EXPORT_RESPONSES = {
    (200, content_type.split(";")[0]): OpenApiResponse(
        OpenApiTypes.OBJECT if content_type.startswith("application/json") else OpenApiTypes.BINARY,
        description="The map as a file (`json`: this workspace's JSON; `kumu`: Kumu's project JSON)."
        if content_type.startswith("application/json")
        else f"The map as {name}.",
    )
    for name, (_, content_type) in io.EXPORT_FORMATS.items()
}


@extend_schema_view(
    list=extend_schema(summary="System maps of the collaboratives you can see"),
    retrieve=extend_schema(summary="One system map"),
)
class MapViewSet(_ReadViewSet):
    selector = staticmethod(selectors.maps_visible)
    serializer_class = s.MapSerializer
    filterset_class = MapFilter
    ordering_fields = ["title", "created_at", "updated_at"]
    search_fields = ["title"]

    @extend_schema(summary="Start a system map (facilitators, anchors)", request=s.MapCreateSerializer,
                   responses={201: s.MapSerializer})  # fmt: skip
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(s.MapCreateSerializer)
        return self.respond(services.map_create(actor=request.user, **fields), code=status.HTTP_201_CREATED)

    @extend_schema(summary="Change a map's title or description", request=s.MapUpdateSerializer,
                   responses=s.MapSerializer)  # fmt: skip
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        map_ = self.get_object()
        fields = self.validated(s.MapUpdateSerializer, partial=True)
        return self.respond(services.map_update(actor=request.user, map=map_, **fields))

    @extend_schema(
        summary="Remove a map and everything on it (facilitators, anchors)", request=None, responses={204: None}
    )
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.removed(lambda actor, instance: services.map_delete(actor=actor, map=instance))

    @extend_schema(
        summary="Everything a map page needs, as you may see it (the live snapshot has this shape)",
        responses=s.MapDataSerializer,
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def data(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(selectors.map_data(request.user, self.get_object()))

    @extend_schema(
        summary="Feedback loops, bottlenecks, gaps in the evidence, isolated elements and the child's journey",
        parameters=[s.AnalysisQuerySerializer],
        responses=s.AnalysisSerializer,
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def analysis(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        map_ = self.get_object()
        query = s.AnalysisQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(selectors.map_analysis(request.user, map_, **query.validated_data))

    @extend_schema(
        summary="Download the map: CSV, a zip of CSVs, Excel, JSON, Kumu JSON or GraphML",
        parameters=[
            OpenApiParameter("format", str, enum=list(io.EXPORT_FORMATS), required=True, description="The file format.")
        ],
        responses=EXPORT_RESPONSES,
        filters=False,
    )
    @action(
        detail=True, methods=["get"], renderer_classes=DOWNLOAD_RENDERERS, filter_backends=[], pagination_class=None
    )
    def export(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        map_ = self.get_object()
        query = s.ExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        download = io.export(selectors.map_export_data(request.user, map_), query.validated_data["format"])
        response = Response(download.content, content_type=download.content_type)
        response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
        return response

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        if getattr(self, "action", None) == "export" and not force:
            wanted = request.query_params.get("format")
            if wanted not in io.EXPORT_FORMATS:
                raise serializers.ValidationError({"format": [f"Choose a format: {', '.join(io.EXPORT_FORMATS)}."]})
        return super().perform_content_negotiation(request, force)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(self, "action", None) == "export" and isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        summary="Add a file's elements and connections to this map (all of it, or nothing if any row is bad)",
        request={"multipart/form-data": s.ImportSerializer, "application/json": s.ImportSerializer},
        responses=s.ImportResultSerializer,
        filters=False,
        operation_id="maps_import_into",
    )
    @action(detail=True, methods=["post"], url_path="import", filter_backends=[], pagination_class=None)
    def import_file(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        map_ = self.get_object()
        selectors.require_map_editor(request.user, map_)
        upload = s.ImportSerializer(data=request.data, context=self.get_serializer_context())
        upload.is_valid(raise_exception=True)
        result = services.map_import(
            actor=request.user,
            map=map_,
            files=upload.files(),
            format=upload.validated_data.get("format"),
            confirm=upload.validated_data.get("confirm", False),
        )
        return _import_answer(self, result, status.HTTP_200_OK)

    @extend_schema(
        summary="Start a map from a file (all of it, or nothing if any row is bad)",
        request={"multipart/form-data": s.ImportNewSerializer, "application/json": s.ImportNewSerializer},
        responses={201: s.ImportResultSerializer},
        filters=False,
        operation_id="maps_import_new",
    )
    @action(detail=False, methods=["post"], url_path="import", filter_backends=[], pagination_class=None)
    def import_new(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        upload = s.ImportNewSerializer(data=request.data, context=self.get_serializer_context())
        upload.is_valid(raise_exception=True)
        result = services.map_import_new(
            actor=request.user,
            collaborative=upload.validated_data["collaborative"],
            files=upload.files(),
            format=upload.validated_data.get("format"),
            title=upload.validated_data.get("title", ""),
            confirm=upload.validated_data.get("confirm", False),
        )
        return _import_answer(self, result, status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Saved versions of the maps you can see"),
    retrieve=extend_schema(summary="One saved version"),
)
class MapVersionViewSet(_ReadViewSet):
    selector = staticmethod(selectors.versions_visible)
    serializer_class = s.MapVersionSerializer
    filterset_class = VersionFilter
    ordering_fields = ["created_at", "label"]
    search_fields = ["label"]

    @extend_schema(summary="Keep the map as it is now, as a version such as “Year 1 map”",
                   request=s.VersionCreateSerializer, responses={201: s.MapVersionSerializer})  # fmt: skip
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(s.VersionCreateSerializer)
        return self.respond(services.version_create(actor=request.user, **fields), code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="What was added, removed and changed since this version (to another version, or to now)",
        parameters=[s.CompareQuerySerializer],
        responses={200: OpenApiResponse(s.COMPARISON_SCHEMA, description="The differences.")},
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def compare(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        version = self.get_object()
        query = s.CompareQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        other = None
        if query.validated_data.get("to"):
            other = self.get_queryset().filter(pk=query.validated_data["to"], map=version.map_id).first()
            if other is None:
                raise serializers.ValidationError({"to": ["There is no other version of this map with that id."]})
        return Response(selectors.version_compare(request.user, version, other))


@extend_schema_view(
    list=extend_schema(summary="Elements of the maps you can see"),
    retrieve=extend_schema(summary="One element"),
)
class ElementViewSet(_ReadViewSet):
    selector = staticmethod(selectors.elements_visible)
    serializer_class = s.ElementSerializer
    filterset_class = ElementFilter
    ordering_fields = ["label", "type", "created_at"]
    search_fields = ["label", "description"]

    @extend_schema(summary="Add an element", request=s.ElementCreateSerializer, responses={201: s.ElementSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(s.ElementCreateSerializer)
        return self.respond(services.element_create(actor=request.user, **fields), code=status.HTTP_201_CREATED)

    @extend_schema(summary="Change an element (or move it)", request=s.ElementUpdateSerializer,
                   responses=s.ElementSerializer)  # fmt: skip
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        element = self.get_object()
        fields = self.validated(s.ElementUpdateSerializer, partial=True)
        return self.respond(services.element_update(actor=request.user, element=element, **fields))

    @extend_schema(
        summary="Remove an element, with its connections and the evidence on them", request=None, responses={204: None}
    )
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.removed(lambda actor, instance: services.element_delete(actor=actor, element=instance))

    @extend_schema(
        summary="Save the positions of many elements at once (a layout)",
        request=s.ElementsMoveSerializer,
        responses=s.ElementSerializer(many=True),
        filters=False,
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def move(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(s.ElementsMoveSerializer)
        positions = [(p["id"], p["x"], p["y"]) for p in fields["positions"]]
        moved = services.elements_move(actor=request.user, map=fields["map"], positions=positions)
        return Response(self.get_serializer(sorted(moved, key=lambda e: e.pk), many=True).data)


@extend_schema_view(
    list=extend_schema(summary="Connections of the maps you can see"),
    retrieve=extend_schema(summary="One connection"),
)
class ConnectionViewSet(_ReadViewSet):
    selector = staticmethod(selectors.connections_visible)
    serializer_class = s.ConnectionSerializer
    filterset_class = ConnectionFilter
    ordering_fields = ["created_at", "strength"]

    @extend_schema(summary="Connect two elements of a map", request=s.ConnectionCreateSerializer,
                   responses={201: s.ConnectionSerializer})  # fmt: skip
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(s.ConnectionCreateSerializer)
        return self.respond(services.connection_create(actor=request.user, **fields), code=status.HTTP_201_CREATED)

    @extend_schema(summary="Change a connection", request=s.ConnectionUpdateSerializer,
                   responses=s.ConnectionSerializer)  # fmt: skip
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        connection = self.get_object()
        fields = self.validated(s.ConnectionUpdateSerializer, partial=True)
        return self.respond(services.connection_update(actor=request.user, connection=connection, **fields))

    @extend_schema(summary="Remove a connection, with the evidence on it", request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.removed(lambda actor, instance: services.connection_delete(actor=actor, connection=instance))


@extend_schema_view(
    list=extend_schema(summary="Evidence you may see (sensitive evidence: facilitators and the programme team)"),
    retrieve=extend_schema(summary="One piece of evidence"),
)
class EvidenceViewSet(_ReadViewSet):
    selector = staticmethod(selectors.evidence_visible)
    serializer_class = s.EvidenceSerializer
    filterset_class = EvidenceFilter
    ordering_fields = ["created_at", "collected_on"]
    search_fields = ["text", "attribution"]

    @extend_schema(summary="Add evidence to an element, a connection or a finding",
                   request=s.EvidenceCreateSerializer, responses={201: s.EvidenceSerializer})  # fmt: skip
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(s.EvidenceCreateSerializer)
        on = fields["element"] or fields["connection"] or fields["finding"]
        evidence = services.evidence_create(actor=request.user, map=on.map, **fields)
        return self.respond(evidence, code=status.HTTP_201_CREATED)

    @extend_schema(summary="Change a piece of evidence", request=s.EvidenceUpdateSerializer,
                   responses=s.EvidenceSerializer)  # fmt: skip
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        evidence = self.get_object()
        fields = self.validated(s.EvidenceUpdateSerializer, partial=True)
        return self.respond(services.evidence_update(actor=request.user, evidence=evidence, **fields))

    @extend_schema(summary="Remove a piece of evidence", request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.removed(lambda actor, instance: services.evidence_delete(actor=actor, evidence=instance))


@extend_schema_view(
    list=extend_schema(summary="Findings (key issues) of the maps you can see"),
    retrieve=extend_schema(summary="One finding"),
)
class FindingViewSet(_ReadViewSet):
    selector = staticmethod(selectors.findings_visible)
    serializer_class = s.FindingSerializer
    filterset_class = FindingFilter
    ordering_fields = ["position", "created_at", "title"]
    search_fields = ["title", "summary"]

    @extend_schema(summary="Add a finding, linked to elements and evidence", request=s.FindingCreateSerializer,
                   responses={201: s.FindingSerializer})  # fmt: skip
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(s.FindingCreateSerializer)
        return self.respond(services.finding_create(actor=request.user, **fields), code=status.HTTP_201_CREATED)

    @extend_schema(summary="Change a finding or what it is linked to", request=s.FindingUpdateSerializer,
                   responses=s.FindingSerializer)  # fmt: skip
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        finding = self.get_object()
        fields = self.validated(s.FindingUpdateSerializer, partial=True)
        return self.respond(services.finding_update(actor=request.user, finding=finding, **fields))

    @extend_schema(summary="Remove a finding, with the evidence attached to it", request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.removed(lambda actor, instance: services.finding_delete(actor=actor, finding=instance))


@extend_schema_view(
    list=extend_schema(summary="Comments on the maps you can see"),
    retrieve=extend_schema(summary="One comment"),
)
class MapCommentViewSet(_ReadViewSet):
    selector = staticmethod(selectors.comments_visible)
    serializer_class = s.MapCommentSerializer
    filterset_class = CommentFilter
    ordering_fields = ["created_at"]

    @extend_schema(summary="Comment on a map, or on one of its elements or findings (members and up)",
                   request=s.CommentCreateSerializer, responses={201: s.MapCommentSerializer})  # fmt: skip
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fields = self.validated(s.CommentCreateSerializer)
        comment = services.comment_create(
            actor=request.user,
            map=fields["map"],
            body=fields["body"],
            element=fields["element"],
            finding=fields["finding"],
        )
        return self.respond(comment, code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remove a comment (its author, or anyone who edits the map)", request=None, responses={204: None}
    )
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.removed(lambda actor, instance: services.comment_delete(actor=actor, comment=instance))
