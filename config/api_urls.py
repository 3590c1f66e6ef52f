"""The REST API under /api/v1/, its OpenAPI schema and docs. Each app contributes its viewsets to one router."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from actionplans.api import register as register_actionplans
from collab.api import api_not_found, me_view, token_view
from collab.api import register as register_collab
from subgroups.api import register as register_subgroups
from subgroups.api_plans import register as register_plan_item_owners
from systemmap.api import register as register_systemmap

router = DefaultRouter()
register_collab(router)
register_systemmap(router)
register_actionplans(router)
register_subgroups(router)
register_plan_item_owners(router)

# The API docs (Swagger UI) are for people signed in, as the schema is (SERVE_PERMISSIONS in settings): a browser
# without a session is sent to sign in first. The split view serves its start-up script from this address
# (`?script`), not inline, so scripts stay as strict as everywhere else; Swagger UI's page has a <style> block and its
# stylesheet draws icons from data: URLs, so this one page allows inline styles and data: images.
api_docs = login_required(
    csp_update({"style-src": [UNSAFE_INLINE], "img-src": ["data:"]})(
        SpectacularSwaggerSplitView.as_view(url_name="api-schema")
    )
)

urlpatterns = [
    path("api/v1/auth/token/", token_view, name="api-token"),
    path("api/v1/me/", me_view, name="api-me"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    # Last: every other address ending in a slash under /api/ answers the API's JSON 404 (without the slash, Django
    # first redirects to it).
    re_path(r"^api/[\s\S]*/$", api_not_found, name="api-not-found"),  # any character, line breaks too
]
