"""Websocket consumers of the core.

`WorkspaceConsumer` is the signed-in person's own channel: it greets them with what they can see and answers pings,
so a page can tell whether its live connection is up. Live objects (boards, maps) get consumers of their own.
"""

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from collab.access import grants_for

# Close codes in the private range (4000–4999) so a client can tell why it was refused.
CLOSE_UNAUTHENTICATED = 4401
MAX_FRAME_BYTES = 64 * 1024


class WorkspaceConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        await self.accept()
        collaboratives = await database_sync_to_async(self._visible_collaborative_ids)(user)
        await self.send_json({"type": "hello", "user": user.display_name, "collaboratives": collaboratives})

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        if text_data is None or len(text_data.encode()) > MAX_FRAME_BYTES:
            await self.send_json({"type": "error", "code": "bad_frame", "message": "Send one JSON text frame."})
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            await self.send_json({"type": "error", "code": "bad_json", "message": "That frame was not valid JSON."})
            return
        if not isinstance(message, dict) or message.get("type") != "ping":
            await self.send_json(
                {"type": "error", "code": "unknown_type", "message": "This channel only understands “ping”."}
            )
            return
        await self.send_json({"type": "pong", "id": message.get("id")})

    @staticmethod
    def _visible_collaborative_ids(user) -> list[int]:
        grants = grants_for(user)
        return sorted(grants.collaborative_roles)
