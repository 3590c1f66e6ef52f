"""Limits on how often something may happen, counted in the cache (Redis in production, so every process shares
the counts): for now, password-reset emails per email address and per client address."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

# Every key starts with this; tests give each test its own so counts never leak between them.
KEY_PREFIX = "limit"
HOUR = 60 * 60


def within_limit(name: str, *, limit: int, window: int) -> bool:
    """Count one more use of `name` in the current window (which starts at its first use); False once there have
    been more than `limit`."""
    key = f"{KEY_PREFIX}:{name}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between the two calls
        cache.add(key, 1, timeout=window)
        count = 1
    return count <= limit


def password_reset_may_send(*, email: str, client: str | None) -> bool:
    """Whether a reset email may go to `email` at the request of `client`: at most
    PASSWORD_RESET_LIMIT_PER_EMAIL an hour to one address and PASSWORD_RESET_LIMIT_PER_CLIENT an hour from one
    client address. Every request counts, for an account or not, so the answer reveals nothing about accounts."""
    # No email address is written into the cache: a digest of it is enough to count by.
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    per_email = within_limit(
        f"password-reset:email:{digest}", limit=settings.PASSWORD_RESET_LIMIT_PER_EMAIL, window=HOUR
    )
    per_client = within_limit(
        f"password-reset:client:{client or 'unknown'}", limit=settings.PASSWORD_RESET_LIMIT_PER_CLIENT, window=HOUR
    )
    if not (per_email and per_client):
        log.warning(
            "Password reset email not sent: more than %s",
            "the hourly limit for one address" if not per_email else f"the hourly limit from {client}",
        )
    return per_email and per_client
