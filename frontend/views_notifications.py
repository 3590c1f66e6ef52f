"""The notification pages: the notification centre (list, mark read), the person's preferences, the one-click
unsubscribe page that works without signing in, and the facilitators' preview of the cross-sub-group digest."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from collab import selectors as core
from collab.access import Action, require
from collab.errors import DomainError
from collab.models import DIGEST_KINDS, NotificationKind
from collab.services import notifications as services
from frontend.forms import add_domain_error
from frontend.forms_notifications import PreferenceForm
from frontend.views import _collaborative_context, page, shows_domain_errors
from subgroups.notifications import digest_preview as compose_preview

PAGE_SIZE = 25


@page
@require_http_methods(["GET"])
def notification_list(request: HttpRequest) -> HttpResponse:
    page_obj = Paginator(core.notifications_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "frontend/notifications/list.html",
        {"page_obj": page_obj, "page_range": page_obj.paginator.get_elided_page_range(page_obj.number)},
    )


@page
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one read, then open what it is about (or go back to the list)."""
    notification = services.notification_mark_read(actor=request.user, notification_id=pk)
    if request.POST.get("open") and notification.link and url_has_allowed_host_and_scheme(notification.link, None):
        return redirect(notification.link)
    return redirect("notification-list")


@page
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(actor=request.user)
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked as read.")
    return redirect("notification-list")


@page
@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    preference = core.preference_for(request.user)
    initial = {
        "digest_frequency": preference.digest_frequency,
        "email": preference.email,
        "in_app": preference.in_app,
        "email_muted_kinds": preference.email_muted_kinds,
    }
    form = PreferenceForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.preference_update(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, "Your notification choices have been saved.")
                return redirect("notification-preferences")
        return render(request, "frontend/notifications/preferences.html", {"form": form}, status=400)
    return render(request, "frontend/notifications/preferences.html", {"form": form})


@csrf_exempt  # RFC 8058: mail programs post here with no cookie and no CSRF token; the signed token is the proof
@shows_domain_errors
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm (link scanners must not unsubscribe anyone); POST unsubscribes, signed in or not."""
    person, kind = services.unsubscribe_from_token(token)
    what = (
        "every email from the workspace"
        if kind == services.UNSUBSCRIBE_ALL
        else "the digests"
        if kind in DIGEST_KINDS
        else f"emails about “{NotificationKind(kind).label.lower()}”"
    )
    context = {"what": what, "email": person.email, "token": token}
    if request.method == "POST":
        services.unsubscribe(token=token)
        return render(request, "frontend/notifications/unsubscribed.html", context)
    return render(request, "frontend/notifications/unsubscribe.html", context)


@page
@require_http_methods(["GET"])
def digest_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """This week's cross-sub-group digest, as the members will get it (facilitators and the programme team)."""
    collaborative = core.collaborative_get(request.user, slug=slug)
    require(request.user, Action.SUPPORT, collaborative, what="preview the digest")
    context = _collaborative_context(request, collaborative, "subgroups")
    context["digest"] = compose_preview(collaborative)
    return render(request, "frontend/notifications/digest_preview.html", context)
