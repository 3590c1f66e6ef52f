"""The boards of a workshop, for the workshop's page: `{% workshop_boards workshop as boards %}`."""

from __future__ import annotations

from typing import Any

from django import template

from collab.selectors.boards import workshop_boards as boards_of

register = template.Library()


@register.simple_tag(takes_context=True)
def workshop_boards(context: template.Context, workshop: Any) -> list:
    """The workshop's boards as the person asking may see them (the access policy decides)."""
    return boards_of(context["request"].user, workshop)
