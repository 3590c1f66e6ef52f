"""How a guest (someone without an account, joined to one board) is recognised: a signed cookie naming the guest.

The cookie only says who the guest is; what they may do is decided by the access policy (`board_viewer`), which
confines them to their own board and refuses them once the facilitator withdraws their link or it expires.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.core import signing

from collab.models import Guest

GUEST_COOKIE = "collab_guest"
_SALT = "collab.guest"
GUEST_COOKIE_MAX_AGE = 60 * 60 * 72  # no guest link lasts longer


def guest_cookie_value(guest: Guest) -> str:
    return signing.dumps({"guest": guest.pk}, salt=_SALT)


def guest_from_cookie(value: str | None) -> Guest | None:
    if not value:
        return None
    try:
        payload = signing.loads(value, salt=_SALT, max_age=GUEST_COOKIE_MAX_AGE)
    except signing.BadSignature:
        return None
    return Guest.objects.select_related("link", "board").filter(pk=payload.get("guest")).first()


def guest_for_request(request: Any) -> Guest | None:
    return guest_from_cookie(request.COOKIES.get(GUEST_COOKIE))


class GuestMiddleware(BaseMiddleware):
    """Puts the guest named by the cookie (if any) into the websocket scope as `guest`. Needs the cookies parsed,
    so it sits inside Channels' AuthMiddlewareStack."""

    async def __call__(self, scope, receive, send):
        cookie = scope.get("cookies", {}).get(GUEST_COOKIE)
        scope = dict(scope, guest=await database_sync_to_async(guest_from_cookie)(cookie) if cookie else None)
        return await super().__call__(scope, receive, send)
