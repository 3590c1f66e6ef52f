"""The bare fan-out baseline for the board benchmark: a websocket consumer that relays every message it receives to
its room's channel-layer group, and every group message to its client. No authentication, no database, no
numbering, no coalescing — only the channel layer and the ASGI server the product uses, so the benchmark can show
what the board's own logic costs on top. Used by `tests/bench/boards.py` only; not part of the product's routing.

    uvicorn tests.bench.bare_asgi:application
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from channels.consumer import get_handler_name  # noqa: E402  (settings first: the channel layer)
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402


class RelayConsumer(AsyncWebsocketConsumer):
    async def dispatch(self, message: dict) -> None:
        """Without Channels' stale-database-connection cleanup before each message: nothing here uses the
        database (the board's consumer skips it too)."""
        await getattr(self, get_handler_name(message))(message)

    async def connect(self) -> None:
        self.group = f"bench.bare.{int(self.scope['url_route']['kwargs']['room'])}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        await self.channel_layer.group_send(self.group, {"type": "relay", "text": text_data})

    async def relay(self, message: dict) -> None:
        await self.send(text_data=message["text"])


application = ProtocolTypeRouter({"websocket": URLRouter([path("ws/bare/<int:room>/", RelayConsumer.as_asgi())])})
