"""Workshop pages: a collaborative's workshops, scheduling the year, one workshop (places, attendance, and the
facilitators' controls) and the engagement view. Reads go through collab.selectors, writes through collab.services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from collab import selectors, services
from collab.access import PERMISSIONS, Action, programme_role
from collab.errors import DomainError, Forbidden, NotFound
from collab.models import Workshop
from frontend.forms import add_domain_error
from frontend.forms_workshops import AttendanceForm, RegisterForm, RegisterSomeoneForm, ScheduleForm, WorkshopForm
from frontend.templatetags.workshops import workshop_when
from frontend.views import _collaborative_context, page

DEFAULT_ENGAGEMENT_WINDOW = 5
SOMEONE = "someone"  # the prefix of the form that books a place for someone else
# Where a service's complaint about a moment goes on a form that asks for a date and times.
TIME_FIELDS = {"starts_at": "start_time", "ends_at": "end_time", "collaborative": None, "programme": None}


def _on_form(form: Any, error: DomainError) -> None:
    """Put a service's complaint beside the form fields it concerns."""
    fields = {}
    for name, found in error.fields.items():
        target = TIME_FIELDS.get(name, name)
        fields.setdefault(target if target in form.fields else None, []).extend(found)
    if not fields:
        form.add_error(None, error.message)
    for name, found in fields.items():
        for message in found:
            form.add_error(name, message)


def _workshop_context(request: HttpRequest, workshop: Workshop) -> dict[str, Any]:
    """The heading of a workshop's pages: its collaborative's tabs, or the programme for a cross-locality one."""
    if workshop.collaborative is not None:
        return _collaborative_context(request, workshop.collaborative, "workshops")
    return {"collaborative": None, "programme": workshop.programme}


# --- A collaborative's workshops ---------------------------------------------------------------------------------


@page
def collaborative_workshops(request: HttpRequest, slug: str) -> HttpResponse:
    collaborative = selectors.collaborative_get(request.user, slug=slug)
    workshops = selectors.collaborative_workshops(request.user, collaborative)
    context = _collaborative_context(request, collaborative, "workshops")
    context.update(workshops=workshops)
    return render(request, "frontend/workshops/list.html", context)


@page
@require_http_methods(["GET", "POST"])
def collaborative_workshops_schedule(request: HttpRequest, slug: str) -> HttpResponse:
    user = request.user
    collaborative = selectors.collaborative_get(user, slug=slug)
    workshops = selectors.collaborative_workshops(user, collaborative)
    if not workshops.may_run:
        raise Forbidden(f"Only the facilitators can schedule {collaborative.name}'s workshops.")
    standing = programme_role(user, collaborative.programme)
    may_cross = standing is not None and Action.RUN_WORKSHOPS in PERMISSIONS[standing]
    form = ScheduleForm(
        request.POST if request.method == "POST" else None,
        may_schedule_cross_locality=may_cross,
        initial={"title": "Collaborative workshop", "start_time": "10:00", "end_time": "13:00"},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            fields = form.cleaned_data
            cross = fields.get("cross_locality", False)
            try:
                scheduled = services.workshop_schedule_year(
                    actor=user,
                    collaborative=None if cross else collaborative,
                    programme=collaborative.programme,
                    dates=fields["dates"],
                    start_time=fields["start_time"],
                    end_time=fields["end_time"],
                    title=fields["title"],
                    format=fields["format"],
                    length=fields["length"],
                    venue=fields["venue"],
                    accessibility_notes=fields["accessibility_notes"],
                    agenda=fields["agenda"],
                )
            except DomainError as error:
                if isinstance(error, (NotFound, Forbidden)):
                    raise
                _on_form(form, error)
                status = error.status
            else:
                count = len(scheduled)
                messages.success(
                    request,
                    f"{count} workshop{'s' if count != 1 else ''} scheduled"
                    f"{' for every locality' if cross else ''}, from {workshop_when(scheduled[0])}.",
                )
                return redirect("collaborative-workshops", slug=collaborative.slug)
    context = _collaborative_context(request, collaborative, "workshops")
    context.update(form=form)
    return render(request, "frontend/workshops/schedule.html", context, status=status)


# --- One workshop ------------------------------------------------------------------------------------------------


def _detail_page(request: HttpRequest, workshop: Workshop, *, status: int = 200, **forms_given: Any) -> HttpResponse:
    detail = selectors.workshop_detail(request.user, workshop)
    context = _workshop_context(request, workshop)
    forms: dict[str, Any] = {
        "register_form": forms_given.get("register_form") or RegisterForm(),
    }
    if detail.may_run:
        booked = [place.registration.user for place in detail.places]
        forms["someone_form"] = forms_given.get("someone_form") or RegisterSomeoneForm(
            people=detail.could_also_come, prefix=SOMEONE
        )
        forms["attendance_form"] = forms_given.get("attendance_form") or AttendanceForm(
            booked=booked,
            others=detail.could_also_come,
            initial={"came": [p.registration.user_id for p in detail.places if p.registration.attended]},
        )
    context.update(detail=detail, workshop=workshop, **forms)
    return render(request, "frontend/workshops/detail.html", context, status=status)


@page
def workshop_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, selectors.workshop_get(request.user, pk))


@page
@require_POST
def workshop_register(request: HttpRequest, pk: int) -> HttpResponse:
    """Book a place: your own, or (with `user`) someone else's."""
    workshop = selectors.workshop_get(request.user, pk)
    for_someone = f"{SOMEONE}-user" in request.POST
    if for_someone:
        detail = selectors.workshop_detail(request.user, workshop)
        if not detail.may_run:
            raise Forbidden("Only the facilitators can book places for other people.")
        form: Any = RegisterSomeoneForm(request.POST, people=detail.could_also_come, prefix=SOMEONE)
    else:
        form = RegisterForm(request.POST)
    status = 400
    if form.is_valid():
        person = selectors.workshop_person(request.user, workshop, form.cleaned_data["user"]) if for_someone else None
        try:
            registration = services.registration_register(
                actor=request.user, workshop=workshop, user=person, access_needs=form.cleaned_data["access_needs"]
            )
        except DomainError as error:
            if isinstance(error, (NotFound, Forbidden)):
                raise
            add_domain_error(form, error)
            status = error.status
        else:
            if for_someone:
                messages.success(request, f"{registration.user} now has a place.")
            else:
                messages.success(request, f"You have a place at {workshop.title}, {workshop_when(workshop)}.")
            return redirect("workshop-detail", pk=workshop.pk)
    key = "someone_form" if for_someone else "register_form"
    return _detail_page(request, workshop, status=status, **{key: form})


@page
@require_POST
def workshop_unregister(request: HttpRequest, pk: int) -> HttpResponse:
    """Give up a place: your own, or (with `user`, for facilitators) someone else's."""
    workshop = selectors.workshop_get(request.user, pk)
    person = None
    if request.POST.get("user"):
        try:
            person_id = int(request.POST["user"])
        except ValueError:
            raise DomainError("Choose whose place to give up.") from None
        person = selectors.workshop_person(request.user, workshop, person_id)
    services.registration_cancel(actor=request.user, workshop=workshop, user=person)
    if person is None or person.pk == request.user.pk:
        messages.success(request, "You have given up your place. Thank you for letting the facilitators know.")
    else:
        messages.success(request, f"{person}'s place has been given up.")
    return redirect("workshop-detail", pk=workshop.pk)


@page
@require_POST
def workshop_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = selectors.workshop_get(request.user, pk)
    detail = selectors.workshop_detail(request.user, workshop)
    if not detail.may_run:
        raise Forbidden("Only the facilitators can take attendance.")
    booked = [place.registration.user for place in detail.places]
    form = AttendanceForm(request.POST, booked=booked, others=detail.could_also_come)
    status = 400
    if form.is_valid():
        try:
            registrations = services.attendance_mark(
                actor=request.user, workshop=workshop, attendance=form.attendance()
            )
        except DomainError as error:
            if isinstance(error, (NotFound, Forbidden)):
                raise
            add_domain_error(form, error)
            status = error.status
        else:
            came = sum(1 for r in registrations if r.attended)
            messages.success(request, f"Attendance saved: {came} {'person' if came == 1 else 'people'} came.")
            return redirect("workshop-detail", pk=workshop.pk)
    return _detail_page(request, workshop, status=status, attendance_form=form)


@page
@require_http_methods(["GET", "POST"])
def workshop_edit(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = selectors.workshop_get(request.user, pk)
    if not selectors.workshop_detail(request.user, workshop).may_run:
        raise Forbidden("Only the facilitators can change a workshop's details.")
    starts, ends = timezone.localtime(workshop.starts_at), timezone.localtime(workshop.ends_at)
    initial = {
        "title": workshop.title,
        "date": starts.date(),
        "start_time": starts.time(),
        "end_time": ends.time(),
        "format": workshop.format,
        "length": workshop.length,
        "venue": workshop.venue,
        "accessibility_notes": workshop.accessibility_notes,
        "agenda": workshop.agenda,
    }
    form = WorkshopForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.workshop_update(
                    actor=request.user,
                    workshop=workshop,
                    starts_at=services.local_datetime(data["date"], data["start_time"], field="start_time"),
                    ends_at=services.local_datetime(data["date"], data["end_time"], field="end_time"),
                    **{name: data[name] for name in ("title", "format", "length", "venue", "accessibility_notes")},
                    agenda=data["agenda"],
                )
            except DomainError as error:
                if isinstance(error, (NotFound, Forbidden)):
                    raise
                _on_form(form, error)
                status = error.status
            else:
                messages.success(request, "The workshop's details have been changed.")
                return redirect("workshop-detail", pk=workshop.pk)
    context = _workshop_context(request, workshop)
    context.update(workshop=workshop, form=form)
    return render(request, "frontend/workshops/edit.html", context, status=status)


@page
@require_http_methods(["GET", "POST"])
def workshop_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = selectors.workshop_get(request.user, pk)
    if not selectors.workshop_detail(request.user, workshop).may_run:
        raise Forbidden("Only the facilitators can cancel a workshop.")
    if request.method == "POST":
        services.workshop_cancel(actor=request.user, workshop=workshop)
        messages.success(request, f"{workshop.title} on {workshop_when(workshop)} has been cancelled.")
        return redirect("workshop-detail", pk=workshop.pk)
    context = _workshop_context(request, workshop)
    context.update(workshop=workshop)
    return render(request, "frontend/workshops/cancel.html", context)


@page
@require_POST
def workshop_end(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = selectors.workshop_get(request.user, pk)
    services.workshop_end(actor=request.user, workshop=workshop)
    messages.success(request, "The workshop has ended. Take attendance below if you have not yet.")
    return redirect("workshop-detail", pk=workshop.pk)


# --- Engagement --------------------------------------------------------------------------------------------------


@page
def collaborative_engagement(request: HttpRequest, slug: str) -> HttpResponse:
    collaborative = selectors.collaborative_get(request.user, slug=slug)
    try:
        last = int(request.GET.get("last", DEFAULT_ENGAGEMENT_WINDOW))
    except ValueError:
        last = DEFAULT_ENGAGEMENT_WINDOW
    if last not in selectors.ENGAGEMENT_WINDOWS:
        last = DEFAULT_ENGAGEMENT_WINDOW
    view = selectors.engagement(request.user, collaborative, last=last)
    context = _collaborative_context(request, collaborative, "engagement")
    context.update(engagement=view, windows=selectors.ENGAGEMENT_WINDOWS)
    return render(request, "frontend/workshops/engagement.html", context)
