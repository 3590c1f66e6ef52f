"""The system map REST API, under /api/v1/: maps (with their page data, analysis, import and export), saved
versions (and their comparison), elements, connections, evidence, findings and comments. `register(router)` mounts
it."""

from rest_framework.routers import BaseRouter

from systemmap.api.views import (
    ConnectionViewSet,
    ElementViewSet,
    EvidenceViewSet,
    FindingViewSet,
    MapCommentViewSet,
    MapVersionViewSet,
    MapViewSet,
)


def register(router: BaseRouter) -> None:
    router.register("maps", MapViewSet, basename="map")
    router.register("map-versions", MapVersionViewSet, basename="map-version")
    router.register("map-elements", ElementViewSet, basename="map-element")
    router.register("map-connections", ConnectionViewSet, basename="map-connection")
    router.register("evidence", EvidenceViewSet, basename="evidence")
    router.register("findings", FindingViewSet, basename="finding")
    router.register("map-comments", MapCommentViewSet, basename="map-comment")
