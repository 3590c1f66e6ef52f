"""The pages. Each view reads through collab.selectors, writes through collab.services, and turns a domain error
into what a person should see: a 404 page for what is missing or not theirs, a 403 page that explains, or a message
beside the form field at fault."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from collab import selectors, services
from collab.access import Action, can
from collab.errors import DomainError, NotFound
from collab.models import Collaborative
from frontend.forms import (
    ChoosePasswordForm,
    InvitationForm,
    MembershipForm,
    NewAccountForm,
    ProfileForm,
    ResetRequestForm,
    SignInForm,
    add_domain_error,
)
from subgroups import selectors as subgroup_selectors

AUDIT_PAGE_SIZE = 25
PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"

PROBLEM_TITLES = {
    400: "There is a problem",
    403: "You cannot do this here",
    404: "Page not found",
    409: "That has already changed",
}


def problem(request: HttpRequest, error: DomainError) -> HttpResponse:
    """The page shown for a domain error that is not about one form field."""
    status = error.status if error.status in PROBLEM_TITLES else 400
    message = "" if isinstance(error, NotFound) and error.message == NotFound.default_message else error.message
    return render(
        request,
        "frontend/problem.html",
        {"title": PROBLEM_TITLES[status], "message": message, "status": status},
        status=status,
    )


def shows_domain_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            return problem(request, error)

    return wrapper


def page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page for signed-in people; domain errors become the matching error page."""
    return login_required(shows_domain_errors(view))


def _collaborative_context(request: HttpRequest, collaborative: Collaborative, current: str) -> dict[str, Any]:
    """What every page of a collaborative shows: its name and the tabs this person may open."""
    user = request.user
    return {
        "collaborative": collaborative,
        "current_tab": current,
        "may_see_members": can(user, Action.INVITE, collaborative),
        "may_read_audit": can(user, Action.READ_AUDIT, collaborative),
        "may_see_engagement": can(user, Action.VIEW_ENGAGEMENT, collaborative),
    }


# --- Signing in and out, password reset --------------------------------------------------------------------------


class BadInputIs400:
    """Django's auth views answer a form with errors with 200; here, as everywhere, bad input is a 400."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class SignInView(BadInputIs400, auth_views.LoginView):
    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


class PasswordResetView(BadInputIs400, auth_views.PasswordResetView):
    form_class = ResetRequestForm
    template_name = "registration/reset_request.html"
    email_template_name = "registration/reset_email.txt"
    subject_template_name = "registration/reset_subject.txt"

    # Links in emails point at the address people reach the workspace at, as invitation links do.
    @property
    def extra_email_context(self) -> dict[str, Any]:  # type: ignore[override]
        return {"site_url": settings.SITE_URL.rstrip("/")}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/reset_sent.html"


class PasswordResetConfirmView(BadInputIs400, auth_views.PasswordResetConfirmView):
    form_class = ChoosePasswordForm
    template_name = "registration/reset_choose.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        # A new password ends any lock-out from earlier failed sign-ins, as the lock-out page promises.
        axes_reset(username=form.user.email)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/reset_complete.html"


@page
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST if request.method == "POST" else None, initial={"display_name": user.display_name})
    if request.method == "POST":
        if form.is_valid():
            try:
                services.user_update_profile(user=user, display_name=form.cleaned_data["display_name"])
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, "Your name has been changed.")
                return redirect("profile")
        return render(request, "frontend/profile.html", {"form": form}, status=400)
    return render(request, "frontend/profile.html", {"form": form})


@page
def account_tokens(request: HttpRequest) -> HttpResponse:
    """The person's API tokens: when each was issued and expires, and a button to revoke it."""
    tokens = [
        {
            "id": services.token_id(token),
            "begins": services.token_prefix(token),
            "created": token.created,
            "expiry": token.expiry,
        }
        for token in selectors.api_tokens_of(request.user)
    ]
    context = {"tokens": tokens, "ttl_days": settings.API_TOKEN_TTL_HOURS / 24}
    return render(request, "frontend/account_tokens.html", context)


@page
@require_POST
def account_token_revoke(request: HttpRequest, token: str) -> HttpResponse:
    services.api_token_revoke(actor=request.user, token=token, request=request)
    messages.success(request, "The token has been revoked: it no longer works.")
    return redirect("account-tokens")


@page
@require_POST
def account_tokens_revoke_all(request: HttpRequest) -> HttpResponse:
    count = services.api_tokens_revoke_all(
        user=request.user, actor=request.user, reason="revoked by owner", request=request
    )
    if count:
        messages.success(request, f"{count} token{'s' if count != 1 else ''} revoked: none of them works any more.")
    return redirect("account-tokens")


# --- Home and the collaborative's pages --------------------------------------------------------------------------


@page
def home(request: HttpRequest) -> HttpResponse:
    collaboratives, attention = selectors.home_for(request.user)
    context = {
        "collaboratives": collaboratives,
        "attention": attention,
        "coming_up": selectors.workshops_coming_up(request.user),
    }
    return render(request, "frontend/home.html", context)


@page
def collaborative_overview(request: HttpRequest, slug: str) -> HttpResponse:
    collaborative = selectors.collaborative_get(request.user, slug=slug)
    overview = selectors.collaborative_overview(request.user, collaborative)
    context = _collaborative_context(request, collaborative, "overview")
    context.update(
        overview=overview,
        organisation_count=sum(1 for group in overview.by_organisation if group.organisation is not None),
        sector_total=len(selectors.LOCAL_SECTORS),
        sectors_represented=len(selectors.LOCAL_SECTORS) - len(overview.missing_sectors),
        subgroup_leads=subgroup_selectors.leads_for_overview(request.user, collaborative),
    )
    return render(request, "frontend/overview.html", context)


@page
@require_http_methods(["GET", "POST"])
def collaborative_members(request: HttpRequest, slug: str) -> HttpResponse:
    collaborative = selectors.collaborative_get(request.user, slug=slug)
    data = selectors.member_management(request.user, collaborative)
    form = InvitationForm(
        request.POST if request.method == "POST" else None,
        roles=data["grantable_roles"],
        organisations=data["organisations"],
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            fields = form.cleaned_data
            try:
                invitation = services.invitation_create(
                    actor=request.user,
                    collaborative=collaborative,
                    email=fields["email"],
                    role=fields["role"],
                    sector=fields["sector"] or None,
                    organisation=fields["organisation"],
                    job_title=fields["job_title"],
                    message=fields["message"],
                )
            except DomainError as error:
                if isinstance(error, NotFound):
                    raise
                add_domain_error(form, error)
                status = error.status
            else:
                until = timezone.localtime(invitation.expires_at)
                messages.success(
                    request, f"Invitation sent to {invitation.email}. The link works until {until.day} {until:%B %Y}."
                )
                return redirect("collaborative-members", slug=collaborative.slug)
    context = _collaborative_context(request, collaborative, "members")
    context.update(data, form=form, invitation_days=settings.INVITATION_MAX_AGE.days)
    return render(request, "frontend/members.html", context, status=status)


@page
@require_http_methods(["GET", "POST"])
def member_change(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collaborative = selectors.collaborative_get(request.user, slug=slug)
    membership = selectors.membership_for_change(request.user, collaborative, pk)
    if not membership.is_active:
        raise NotFound()
    data = selectors.member_management(request.user, collaborative)
    initial = {
        "role": membership.role,
        "organisation": membership.organisation_id,
        "sector": membership.sector,
        "job_title": membership.job_title,
    }
    form = MembershipForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        roles=data["grantable_roles"],
        organisations=data["organisations"],
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            changed = {name: form.cleaned_data[name] for name in form.changed_data}
            if not changed:
                messages.info(request, f"Nothing was changed for {membership.user}.")
                return redirect("collaborative-members", slug=collaborative.slug)
            try:
                services.membership_update(actor=request.user, membership=membership, **changed)
            except DomainError as error:
                if isinstance(error, NotFound):
                    raise
                add_domain_error(form, error)
                status = error.status
            else:
                messages.success(request, f"{membership.user}'s details have been changed.")
                return redirect("collaborative-members", slug=collaborative.slug)
    context = _collaborative_context(request, collaborative, "members")
    context.update(membership=membership, form=form)
    return render(request, "frontend/member_change.html", context, status=status)


@page
@require_http_methods(["GET", "POST"])
def member_leave(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collaborative = selectors.collaborative_get(request.user, slug=slug)
    membership = selectors.membership_for_change(request.user, collaborative, pk)
    if not membership.is_active:
        raise NotFound()
    error_message = ""
    status = 200
    if request.method == "POST":
        try:
            services.membership_leave(actor=request.user, membership=membership)
        except DomainError as error:
            if isinstance(error, NotFound):
                raise
            error_message, status = error.message, error.status
        else:
            messages.success(request, f"{membership.user} has been marked as having left. Their history is kept.")
            return redirect("collaborative-members", slug=collaborative.slug)
    context = _collaborative_context(request, collaborative, "members")
    context.update(membership=membership, error_message=error_message)
    return render(request, "frontend/member_leave.html", context, status=status)


@page
@require_POST
def invitation_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collaborative = selectors.collaborative_get(request.user, slug=slug)
    invitation = selectors.invitation_for_change(request.user, collaborative, pk)
    services.invitation_revoke(actor=request.user, invitation=invitation)
    messages.success(request, f"The invitation to {invitation.email} has been withdrawn. The link no longer works.")
    return redirect("collaborative-members", slug=collaborative.slug)


@page
def collaborative_audit(request: HttpRequest, slug: str) -> HttpResponse:
    collaborative = selectors.collaborative_get(request.user, slug=slug)
    events = selectors.audit_trail(request.user, collaborative)
    page_obj = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    organisation_ids = {
        value
        for event in page_obj
        for name, values in event.changes.items()
        if name in ("organisation", "anchor_organisation") and isinstance(values, list)
        for value in values
        if isinstance(value, int)
    }
    organisation_names = dict(
        selectors.organisations_visible(request.user).filter(pk__in=organisation_ids).values_list("pk", "name")
    )
    context = _collaborative_context(request, collaborative, "audit")
    context.update(
        page_obj=page_obj,
        page_range=page_obj.paginator.get_elided_page_range(page_obj.number),
        organisation_names=organisation_names,
    )
    return render(request, "frontend/audit.html", context)


# --- Invitations -------------------------------------------------------------------------------------------------


@shows_domain_errors
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_from_token(token)
    except DomainError as error:
        status = error.status if error.status in PROBLEM_TITLES else 400
        context = {"title": "This invitation link does not work", "message": error.message, "status": status}
        return render(request, "frontend/problem.html", context, status=status)
    user = request.user
    signed_in = user.is_authenticated
    if signed_in:
        situation = "join" if user.email.lower() == invitation.email.lower() else "wrong_account"
    elif selectors.account_exists_for(invitation.email):
        situation = "sign_in"
    else:
        situation = "new_account"
    form = NewAccountForm(request.POST if request.method == "POST" else None) if situation == "new_account" else None
    status = 200
    if request.method == "POST":
        status = 400
        if form is None or form.is_valid():
            details = form.cleaned_data if form is not None else {}
            try:
                membership = services.invitation_accept(
                    token=token,
                    user=user if signed_in else None,
                    display_name=details.get("display_name", ""),
                    password=details.get("password", ""),
                )
            except DomainError as error:
                if form is None or not error.fields:
                    return problem(request, error)
                add_domain_error(form, error)
                status = error.status
            else:
                if not signed_in:
                    login(request, membership.user, backend=PASSWORD_BACKEND)
                messages.success(request, f"Welcome to {membership.collaborative.name}.")
                return redirect("collaborative-overview", slug=membership.collaborative.slug)
    context = {
        "invitation": invitation,
        "situation": situation,
        "form": form,
        "sign_in_url": f"{reverse('login')}?next={request.path}",
    }
    return render(request, "frontend/invitation.html", context, status=status)
