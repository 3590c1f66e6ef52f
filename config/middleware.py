"""Response headers every page and API answer carries (static files, served earlier by WhiteNoise, keep their own).

- Content-Security-Policy (django-csp, policy in `settings.CONTENT_SECURITY_POLICY`): scripts and styles only from
  this site, never inline; `connect-src` also names `ws://` and `wss://` of the host the page was asked for, for the
  live boards and maps (`'self'` covers them in current browsers, not in every older one).
- Permissions-Policy: the browser features the workspace never uses are switched off for it and anything it embeds.
- Cache-Control: no-store on every response to a signed-in person (by session or API token) or a board's guest, so
  a shared or public computer, its browser's back button or a proxy keeps no copy of a collaborative's pages.
"""

from __future__ import annotations

from collections.abc import Callable

from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase

from collab.guests import GUEST_COOKIE

PERMISSIONS_POLICY = ", ".join(
    [
        *(
            f"{feature}=()"
            for feature in (
                "accelerometer",
                "autoplay",
                "camera",
                "display-capture",
                "encrypted-media",
                "geolocation",
                "gyroscope",
                "hid",
                "idle-detection",
                "magnetometer",
                "microphone",
                "midi",
                "payment",
                "picture-in-picture",
                "publickey-credentials-get",
                "screen-wake-lock",
                "serial",
                "usb",
                "xr-spatial-tracking",
            )
        ),
        "fullscreen=(self)",  # a system map is presented full screen
    ]
)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        try:
            host = request.get_host()  # one of ALLOWED_HOSTS, checked against Django's pattern for a host name
        except DisallowedHost:
            return parts
        update = dict(parts.update or {})
        update["connect-src"] = [*update.get("connect-src", ()), f"ws://{host}", f"wss://{host}"]
        parts.update = update
        return parts


class PrivateResponsesMiddleware:
    """Permissions-Policy on every response; no-store on every response to someone signed in or a board's guest."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if _identified(request) and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store"
        return response


def _identified(request: HttpRequest) -> bool:
    """Signed in with a session or an API token (DRF sets the user on the request it authenticated), carrying a
    token not yet checked, or a board's guest."""
    user = getattr(request, "user", None)
    return bool(
        (user is not None and user.is_authenticated)
        or "Authorization" in request.headers
        or GUEST_COOKIE in request.COOKIES
    )
