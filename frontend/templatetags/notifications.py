"""The unread count in the navigation, one query per page (cached on the user for the request)."""

from django import template

from collab.selectors import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    request = context.get("request")
    return unread_count(getattr(request, "user", None))


@register.simple_tag(takes_context=True)
def may_preview_digest(context, collaborative) -> bool:
    """Facilitators and the programme team may preview a collaborative's digest."""
    from collab.access import Action, can

    request = context.get("request")
    return can(getattr(request, "user", None), Action.SUPPORT, collaborative)
