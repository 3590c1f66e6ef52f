from django.urls import path

from collab.consumers import LiveConsumer, WorkspaceConsumer

websocket_urlpatterns = [
    path("ws/workspace/", WorkspaceConsumer.as_asgi(), name="ws-workspace"),
    path("ws/live/<slug:kind>/<int:object_id>/", LiveConsumer.as_asgi(), name="ws-live"),
]
