from django.urls import path

from collab.consumers import WorkspaceConsumer

websocket_urlpatterns = [
    path("ws/workspace/", WorkspaceConsumer.as_asgi(), name="ws-workspace"),
]
