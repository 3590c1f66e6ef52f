"""The address a request came from: the one place that decides it, for the sign-in lock-out (django-axes), the
password-reset limits, the audit trail and anything else that records or counts by client address.

`X-Forwarded-For` is believed only when the request reached us from one of `TRUSTED_PROXIES` (none by default):
then the client is the right-most address in the header that is not itself a trusted proxy, because each proxy
appends the address it was reached from and only those entries are written by someone we trust; anything further
left was sent by the client and may be made up. From any other peer the header is ignored, so a new made-up value
per request is not a new address. uvicorn is started with the same list (`--forwarded-allow-ips`), so the address
it passes on is already resolved the same way and resolving it again here changes nothing.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(values: list[str] | tuple[str, ...]) -> tuple[Network, ...]:
    """The proxy addresses or networks (`10.0.0.5`, `172.16.0.0/12`, `::1`), or a clear error for anything else."""
    networks = []
    for value in values:
        if value.strip() == "*":
            raise ImproperlyConfigured(
                "TRUSTED_PROXIES cannot be '*': that would let anyone choose the address they appear to come from. "
                "List the addresses or networks of your proxies, e.g. 10.0.0.5 or 172.16.0.0/12."
            )
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES must list IP addresses or networks (e.g. 10.0.0.5 or 172.16.0.0/12), not {value!r}."
            ) from None
    return tuple(networks)


@lru_cache(maxsize=8)
def _networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_trusted_proxies(values)


def _address(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as written in REMOTE_ADDR or one hop of X-Forwarded-For (`1.2.3.4`, `1.2.3.4:567`, `[::1]:80`)."""
    if not value:
        return None
    value = value.strip()
    if value.startswith("["):
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_address(request: Any) -> str | None:
    """The client's address, as a string; None only when the server gave none (as in some test set-ups)."""
    meta = request.META
    peer = meta.get("REMOTE_ADDR") or None
    proxies = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    peer_address = _address(peer)
    if not proxies or peer_address is None or not any(peer_address in network for network in proxies):
        return str(peer_address) if peer_address is not None else peer
    hops = [hop for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            # Not an address: the header is not what a proxy of ours writes, so the proxy is all we know.
            return str(peer_address)
        if not any(address in network for network in proxies):
            return str(address)
    # Every hop is one of our proxies (or there is no header): the request started inside.
    first = _address(hops[0]) if hops else None
    return str(first or peer_address)
