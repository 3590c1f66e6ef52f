"""The shared vision's pages: the current vision with its endorsements by sector and the person's own response; the
draft that facilitators and anchors edit (add, change, reorder with up and down buttons, take out); publishing a
version; and the earlier versions.

Each view reads through actionplans.selectors, writes through actionplans.services, and shows a domain error as
the matching page (404, 403 that explains) or beside the form field at fault.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from actionplans import selectors, services
from actionplans.models import EndorsementResponse
from collab import selectors as core
from collab.access import Action, require
from collab.errors import DomainError, Forbidden, NotFound
from frontend.forms import add_domain_error
from frontend.forms_vision import EndorsementForm, PublishForm, StatementForm
from frontend.views import _collaborative_context, page

RESPONSE_LABELS = dict(EndorsementResponse.choices)


def _context(request: HttpRequest, collaborative, **extra: Any) -> dict[str, Any]:
    context = _collaborative_context(request, collaborative, "vision")
    context.update(extra, response_labels=RESPONSE_LABELS)
    return context


def _drafts_url(collaborative, statement=None) -> str:
    url = reverse("vision-drafts", args=[collaborative.slug])
    return f"{url}#statement-{statement.pk}" if statement is not None else url


def _save(form, write) -> tuple[Any, int]:
    """Run a service for a valid form: (its result, 200) or (None, the error's status) with the error on the form.
    NotFound and Forbidden are not about the form: they become the 404 and 403 pages."""
    try:
        return write(), 200
    except DomainError as error:
        if isinstance(error, (NotFound, Forbidden)):
            raise
        add_domain_error(form, error)
        return None, error.status


# --- The current vision and the person's response ---------------------------------------------------------------


def _vision_response(request: HttpRequest, collaborative, form: EndorsementForm | None, status: int) -> HttpResponse:
    data = selectors.vision_page(request.user, collaborative)
    if form is not None and status == 409 and data.current is not None:
        # A newer version was published meanwhile: keep what they wrote, for the version now shown.
        form = _with_value(form, "version", data.current.number)
    if form is None and data.may_endorse:
        initial = {"version": data.current.number}
        if data.mine is not None:
            initial.update(response=data.mine.response, comment=data.mine.comment)
        form = EndorsementForm(initial=initial)
    context = _context(request, collaborative, data=data, form=form if data.may_endorse else None)
    return render(request, "frontend/vision/vision.html", context, status=status)


@page
def vision(request: HttpRequest, slug: str) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    return _vision_response(request, collaborative, None, 200)


@page
@require_POST
def vision_endorse(request: HttpRequest, slug: str) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    require(request.user, Action.CONTRIBUTE, collaborative, what="endorse the vision")
    form = EndorsementForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        version, _, _ = selectors.vision_version_get(request.user, collaborative, data["version"])
        result, status = _save(
            form,
            lambda: services.endorsement_give(
                actor=request.user, version=version, response=data["response"], comment=data["comment"]
            ),
        )
        if result is not None:
            endorsement, created = result
            label = RESPONSE_LABELS[endorsement.response].lower()
            if created:
                messages.success(request, f"Thank you. Your response to version {version.number} is “{label}”.")
            else:
                messages.success(request, f"Your response to version {version.number} is now “{label}”.")
            return redirect(reverse("vision", args=[collaborative.slug]) + "#my-response")
    return _vision_response(request, collaborative, form, status)


# --- The draft -----------------------------------------------------------------------------------------------------


@page
@require_http_methods(["GET", "POST"])
def vision_drafts(request: HttpRequest, slug: str) -> HttpResponse:
    """Everyone who can see the Collaborative reads the draft; facilitators and anchors add to it here."""
    collaborative = core.collaborative_get(request.user, slug=slug)
    data = selectors.vision_page(request.user, collaborative)
    form = StatementForm(request.POST if request.method == "POST" else None) if data.may_edit else None
    status = 200
    if request.method == "POST":
        require(request.user, Action.EDIT_PLAN, collaborative, what="draft the vision")
        status = 400
        if form.is_valid():
            fields = form.cleaned_data
            statement, status = _save(
                form,
                lambda: services.vision_statement_create(
                    actor=request.user, collaborative=collaborative, text=fields["text"], note=fields["note"]
                ),
            )
            if statement is not None:
                messages.success(request, f"Statement {statement.position} has been added to the draft.")
                return redirect(_drafts_url(collaborative, statement))
    statements = selectors.vision_drafts(request.user, collaborative)
    context = _context(request, collaborative, data=data, statements=statements, form=form)
    return render(request, "frontend/vision/drafts.html", context, status=status)


@page
@require_http_methods(["GET", "POST"])
def vision_statement_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    statement = selectors.vision_statement_get(request.user, collaborative, pk)
    require(request.user, Action.EDIT_PLAN, collaborative, what="draft the vision")
    initial = {"text": statement.text, "note": statement.note, "revision": statement.revision}
    form = StatementForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            fields = form.cleaned_data
            changed, status = _save(
                form,
                lambda: services.vision_statement_update(
                    actor=request.user,
                    statement=statement,
                    text=fields["text"],
                    note=fields["note"],
                    expected_revision=fields["revision"],
                ),
            )
            if changed is not None:
                messages.success(request, f"Statement {changed.position} has been changed.")
                return redirect(_drafts_url(collaborative, changed))
            if status == 409:
                # Show the current words, so the person can make their change again on top of them.
                statement.refresh_from_db()
                form = _with_value(form, "revision", statement.revision)
    context = _context(request, collaborative, statement=statement, form=form)
    return render(request, "frontend/vision/statement_edit.html", context, status=status)


def _with_value(form, name: str, value: Any):
    """The same form with what the person typed kept, one hidden value replaced, and the same message on top."""
    data = form.data.copy()
    data[name] = str(value)
    fresh = type(form)(data)
    fresh.is_valid()
    for error in form.non_field_errors():
        fresh.add_error(None, error)
    return fresh


@page
@require_POST
def vision_statement_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    statement = selectors.vision_statement_get(request.user, collaborative, pk)
    direction = request.POST.get("direction", "")
    moved = services.vision_statement_move(actor=request.user, statement=statement, direction=direction)
    messages.success(request, f"Moved {direction}: it is now statement {moved.position}.")
    return redirect(_drafts_url(collaborative, moved))


@page
@require_http_methods(["GET", "POST"])
def vision_statement_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    statement = selectors.vision_statement_get(request.user, collaborative, pk)
    require(request.user, Action.EDIT_PLAN, collaborative, what="draft the vision")
    if request.method == "POST":
        services.vision_statement_remove(actor=request.user, statement=statement)
        messages.success(request, "The statement has been taken out of the draft. Published versions keep it.")
        return redirect(_drafts_url(collaborative))
    return render(
        request, "frontend/vision/statement_remove.html", _context(request, collaborative, statement=statement)
    )


# --- Publishing and the versions -----------------------------------------------------------------------------------


@page
@require_http_methods(["GET", "POST"])
def vision_publish(request: HttpRequest, slug: str) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    require(request.user, Action.EDIT_PLAN, collaborative, what="publish the vision")
    form = PublishForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            version, status = _save(
                form,
                lambda: services.vision_publish(
                    actor=request.user, collaborative=collaborative, note=form.cleaned_data["note"]
                ),
            )
            if version is not None:
                messages.success(
                    request, f"Version {version.number} of the vision is published. Members can now respond to it."
                )
                return redirect("vision", slug=collaborative.slug)
    data = selectors.vision_page(request.user, collaborative)
    statements = selectors.vision_drafts(request.user, collaborative)
    next_number = (data.current.number if data.current else 0) + 1
    context = _context(request, collaborative, data=data, statements=statements, form=form, next_number=next_number)
    return render(request, "frontend/vision/publish.html", context, status=status)


@page
def vision_versions(request: HttpRequest, slug: str) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    versions, counts = selectors.vision_versions_of(request.user, collaborative)
    rows = [(version, counts[version.pk]) for version in versions]
    return render(request, "frontend/vision/versions.html", _context(request, collaborative, rows=rows))


@page
def vision_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    version, counts, is_current = selectors.vision_version_get(request.user, collaborative, number)
    context = _context(request, collaborative, version=version, counts=counts, is_current=is_current)
    return render(request, "frontend/vision/version.html", context)
