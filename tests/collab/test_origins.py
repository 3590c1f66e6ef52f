"""Which pages may open a websocket: the Origin must be the site itself as the request reached it (scheme, host and
port) or one of CSRF_TRUSTED_ORIGINS; anything else is refused at the handshake (through the full ASGI app)."""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cookie(world):
    client = Client()
    client.force_login(world.people["member"])
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def opens(cookie: str, host: str, origin: str | None, **headers: str) -> bool:
    sent = [(b"cookie", cookie.encode()), (b"host", host.encode())]
    if origin is not None:
        sent.append((b"origin", origin.encode()))
    sent += [(name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()]

    async def go():
        communicator = WebsocketCommunicator(application, "/ws/workspace/", headers=sent)
        connected, _ = await communicator.connect(timeout=10)
        if connected:
            await communicator.disconnect()
        return connected

    return async_to_sync(go)()


@pytest.mark.parametrize(
    "host, origin, allowed",
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000", True),  # the page's own origin
        ("127.0.0.1:8000", "http://127.0.0.1:9999", False),  # the same host, another port (another site)
        ("127.0.0.1:8000", "http://127.0.0.1", False),
        ("localhost", "http://localhost", True),  # default ports
        ("localhost", "http://localhost:80", True),
        ("localhost", "http://localhost:8000", False),
        ("127.0.0.1:8000", "https://127.0.0.1:8000", False),  # a form posted from it would be refused too
        ("127.0.0.1:8000", "https://evil.example", False),
        ("127.0.0.1:8000", "null", False),
        ("127.0.0.1:8000", None, False),  # browsers always send one
        ("evil.example:8000", "http://evil.example:8000", False),  # a host the site does not answer to
    ],
)
def test_only_the_sites_own_origin_may_connect(cookie, host, origin, allowed):
    assert opens(cookie, host, origin) is allowed


def test_behind_a_tls_proxy_the_https_origin_is_the_sites_own(cookie, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = ["collab.example.org"]
    assert opens(cookie, "collab.example.org", "https://collab.example.org", x_forwarded_proto="https")
    assert not opens(cookie, "collab.example.org", "http://collab.example.org", x_forwarded_proto="https")
    assert not opens(cookie, "collab.example.org", "https://collab.example.org:8443", x_forwarded_proto="https")


def test_csrf_trusted_origins_may_connect_when_a_proxy_changes_the_host(cookie, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://collab.example.org", "https://*.example.net"]
    assert opens(cookie, "web:8000", "https://collab.example.org")
    assert opens(cookie, "web:8000", "https://eastmere.example.net")
    assert not opens(cookie, "web:8000", "https://collab.example.org:8443")
    assert not opens(cookie, "web:8000", "http://collab.example.org")
    assert not opens(cookie, "web:8000", "https://collab.example.org.evil.example")
