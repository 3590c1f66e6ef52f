"""The REST API under /api/v1/, its OpenAPI schema and docs. Each app contributes its viewsets to one router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from collab.api import register as register_collab

router = DefaultRouter()
register_collab(router)

urlpatterns = [
    path("api/v1/", include(router.urls)),
]
