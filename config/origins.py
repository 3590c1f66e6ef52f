"""Which web pages may open a websocket to the workspace: the Origin check, before any consumer runs.

A browser sends the page's origin (scheme, host and port) with every websocket handshake, and the session cookie
with it, whichever site the page came from. So the Origin decides, with the same rule Django applies to a form post
(its CSRF origin check), ports included:

- the same origin as the request: the Origin's scheme is `https` exactly when the request arrived over TLS (a `wss`
  request, or `X-Forwarded-Proto: https` from a trusted proxy when `BEHIND_PROXY` is on), and its host and port
  equal those of the request's Host header, default ports (80, 443) made explicit; that host must be one of
  `ALLOWED_HOSTS`;
- or one of `CSRF_TRUSTED_ORIGINS` (scheme, host and port; `https://*.example.org` covers its subdomains, as for
  Django), for a proxy that changes the Host header.

Anything else is refused at the handshake (HTTP 403), including a missing Origin: browsers always send one, and a
script or app that connects on purpose can send its own site's origin.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import is_same_domain, split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


class OriginValidator:
    """ASGI middleware: a websocket whose Origin is not allowed (see the module) is refused."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)


def origin_allowed(scope: dict) -> bool:
    headers = _headers(scope)
    origin = _origin(headers.get("origin"))
    if origin is None:
        return False
    return origin == _own_origin(scope, headers) or any(
        _trusted(origin, entry) for entry in settings.CSRF_TRUSTED_ORIGINS
    )


def _headers(scope: dict) -> dict[str, str]:
    return {name.decode("latin1").lower(): value.decode("latin1") for name, value in scope.get("headers", [])}


def _origin(value: str | None) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) origin, the port made explicit; None for anything else ("null", junk)."""
    if not value:
        return None
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def _own_origin(scope: dict, headers: dict[str, str]) -> tuple[str, str, int] | None:
    """The origin of the site as this request reached it: its scheme and the Host header."""
    host = headers.get("host", "")
    domain, port = split_domain_port(host)
    if not domain or not validate_host(domain, _allowed_hosts()):
        return None
    scheme = "https" if _secure(scope, headers) else "http"
    try:
        number = int(port) if port else DEFAULT_PORTS[scheme]
    except ValueError:
        return None
    return scheme, domain.strip("[]"), number


def _secure(scope: dict, headers: dict[str, str]) -> bool:
    if scope.get("scheme") == "wss":
        return True
    proxy_header = settings.SECURE_PROXY_SSL_HEADER
    if not proxy_header:
        return False
    name, secure_value = proxy_header
    value = headers.get(name.removeprefix("HTTP_").replace("_", "-").lower())
    return value is not None and value.split(",", 1)[0].strip() == secure_value


def _allowed_hosts() -> list[str]:
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        return [".localhost", "127.0.0.1", "[::1]"]  # as Django does for HTTP
    return allowed


def _trusted(origin: tuple[str, str, int], entry: str) -> bool:
    scheme, host, port = origin
    if "://*." in entry:
        entry_scheme, _, rest = entry.partition("://*.")
        pattern = _origin(f"{entry_scheme}://{rest}")
        return (
            pattern is not None
            and pattern[0] == scheme
            and pattern[2] == port
            and is_same_domain(host, f".{pattern[1]}")
        )
    return _origin(entry) == origin
