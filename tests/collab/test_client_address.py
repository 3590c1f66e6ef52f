"""Which address a request came from: X-Forwarded-For is believed only from the proxies in TRUSTED_PROXIES."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from collab.client_address import client_address, parse_trusted_proxies


def request_from(peer, forwarded=None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(request_from("192.0.2.10", "198.51.100.7")) == "192.0.2.10"


def test_from_an_untrusted_peer_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    assert client_address(request_from("192.0.2.10", "198.51.100.7")) == "192.0.2.10"


@pytest.mark.parametrize(
    ("forwarded", "client"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("6.6.6.6, 198.51.100.7", "198.51.100.7"),  # whatever the client wrote itself is left of the real address
        ("6.6.6.6, 198.51.100.7, 10.1.2.3", "198.51.100.7"),  # a chain of our own proxies
        ("198.51.100.7:50123", "198.51.100.7"),
        ("[2001:db8::7]:443", "2001:db8::7"),
        ("not-an-address", "10.0.0.5"),  # not what our proxy writes: the proxy is all we know
        ("", "10.0.0.5"),
    ],
)
def test_from_a_trusted_proxy_the_client_is_the_last_untrusted_hop(settings, forwarded, client):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(request_from("10.0.0.5", forwarded)) == client


@pytest.mark.parametrize("value", ["*", "proxy.example.org", "10.0.0.0/33"])
def test_a_setting_that_is_not_addresses_is_a_clear_error(value):
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        parse_trusted_proxies([value])
