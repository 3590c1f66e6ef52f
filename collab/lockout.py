"""How the sign-in lock-out names an account: the email address as typed, trimmed and lower-cased, so that
“Sam@Example.org” and “sam@example.org” share one count of failed attempts (sign-in ignores case too)."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def username_for_lockout(request: Any, credentials: dict | None = None) -> str | None:
    field = settings.AXES_USERNAME_FORM_FIELD
    value = (credentials or {}).get(field)
    if value is None and request is not None:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        value = data.get(field)
    return value.strip().lower() if isinstance(value, str) else value
