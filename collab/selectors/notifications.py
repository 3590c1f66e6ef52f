"""Reads of a person's own notifications and preferences. Everyone sees only their own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from collab.models import Notification, NotificationPreference

__all__ = ["notifications_of", "preference_for", "unread_count"]


def notifications_of(user: Any) -> QuerySet[Notification]:
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(user_id=user.pk).order_by("-created_at", "-pk")


def unread_count(user: Any) -> int:
    """Cached on the user object for the request (the navigation shows it on every page)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    cached = getattr(user, "_unread_notifications", None)
    if cached is None:
        cached = Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()
        user._unread_notifications = cached
    return cached


def preference_for(user: Any) -> NotificationPreference:
    """The person's preferences, or the defaults (weekly digests, email and in-app) if they never changed them."""
    return NotificationPreference.objects.filter(user_id=user.pk).first() or NotificationPreference(user_id=user.pk)
