"""A person's own API tokens (django-rest-knox). Nobody sees anyone else's."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from knox.models import AuthToken

__all__ = ["api_tokens_of"]


def api_tokens_of(user: Any) -> QuerySet[AuthToken]:
    """The person's tokens that still work, newest first."""
    if not getattr(user, "is_authenticated", False):
        return AuthToken.objects.none()
    return AuthToken.objects.filter(user=user).exclude(expiry__lt=timezone.now()).order_by("-created", "digest")
