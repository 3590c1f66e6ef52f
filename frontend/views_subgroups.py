"""The sub-group pages: the workstream leads' view, one sub-group, its progress update form (drafts kept on the
server), people and leads, milestones, support, links and review — and the confidential concerns route.

Each view reads through subgroups.selectors, writes through subgroups.services, and shows a domain error as the
matching page (404, 403 that explains) or beside the form field at fault.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from collab import selectors as core
from collab.access import Action, can, require, require_leader
from collab.errors import DomainError, Forbidden, NotFound
from frontend.forms import add_domain_error
from frontend.forms_subgroups import (
    AddPersonForm,
    ChangePartForm,
    CommentForm,
    ConcernForm,
    ConcernNoteForm,
    ConcernStateForm,
    HandoverForm,
    LinkForm,
    MilestoneForm,
    ReviewForm,
    SubGroupCreateForm,
    SubGroupEditForm,
    SupportChangeForm,
    SupportRecordForm,
    SupportRequestForm,
    UpdateForm,
)
from frontend.views import _collaborative_context, page
from subgroups import selectors, services
from subgroups.models import LEAD_ROLES

CONCERNS_PAGE_SIZE = 25


def _context(request: HttpRequest, collaborative, **extra: Any) -> dict[str, Any]:
    context = _collaborative_context(request, collaborative, "subgroups")
    context.update(extra)
    return context


def _detail_url(subgroup, anchor: str = "") -> str:
    url = reverse("subgroup-detail", args=[subgroup.collaborative.slug, subgroup.pk])
    return f"{url}#{anchor}" if anchor else url


def _save(form, request: HttpRequest, write) -> tuple[Any, int]:
    """Run a service for a valid form: (its result, 200) or (None, the error's status) with the error on the form.
    A NotFound is not about the form: it becomes the 404 page."""
    try:
        return write(), 200
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        add_domain_error(form, error)
        return None, error.status


# --- The workstream leads' view ----------------------------------------------------------------------------------


@page
def subgroup_list(request: HttpRequest, slug: str) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    view = selectors.leads_view(request.user, collaborative)
    may_raise = _may_raise_concern(request, collaborative)
    return render(
        request,
        "frontend/subgroups/list.html",
        _context(request, collaborative, view=view, may_raise_concern=may_raise, today=timezone.localdate()),
    )


@page
@require_http_methods(["GET", "POST"])
def subgroup_create(request: HttpRequest, slug: str) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    require(request.user, Action.EDIT_COLLABORATIVE, collaborative, what="start sub-groups")
    form = SubGroupCreateForm(
        request.POST if request.method == "POST" else None,
        organisations=selectors.organisations_for(collaborative),
        members=selectors.possible_leads(request.user, collaborative),
        workshops=selectors.workshops_for(collaborative),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            lead = data.get("lead")
            subgroup, status = _save(
                form,
                request,
                lambda: services.subgroup_create(
                    actor=request.user,
                    collaborative=collaborative,
                    name=data["name"],
                    aims=data["aims"],
                    delivers=data["delivers"],
                    partners=data["partners"],
                    lead=lead,
                    **(form.mandate_data("lead_") if lead else {}),
                ),
            )
            if subgroup is not None:
                messages.success(request, f"{subgroup.name} has been started.")
                return redirect(_detail_url(subgroup))
    return render(request, "frontend/subgroups/create.html", _context(request, collaborative, form=form), status=status)


# --- One sub-group -----------------------------------------------------------------------------------------------


@page
def subgroup_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    data = selectors.subgroup_page(request.user, collaborative, pk, page=request.GET.get("page"))
    context = _context(
        request,
        collaborative,
        data=data,
        subgroup=data.subgroup,
        comment_form=CommentForm(),
        page_obj=data.timeline,
        page_range=data.timeline.paginator.get_elided_page_range(data.timeline.number),
        today=timezone.localdate(),
    )
    return render(request, "frontend/subgroups/detail.html", context)


@page
@require_http_methods(["GET", "POST"])
def subgroup_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    subgroup = selectors.subgroup_for_change(request.user, collaborative, pk)
    initial = {
        "name": subgroup.name,
        "aims": subgroup.aims,
        "delivers": subgroup.delivers,
        "partners": [str(pk) for pk in subgroup.partners.values_list("pk", flat=True)],
        "closed_on": subgroup.closed_on,
        "update_every_days": subgroup.update_every_days,
    }
    form = SubGroupEditForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        organisations=selectors.organisations_for(collaborative),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            names = ("name", "aims", "delivers", "partners", "closed_on", "update_every_days")
            fields = {name: data[name] for name in names if name != "update_every_days" or data[name] is not None}
            done, status = _save(
                form, request, lambda: services.subgroup_update(actor=request.user, subgroup=subgroup, **fields)
            )
            if done is not None:
                messages.success(request, f"{done.name} has been changed.")
                return redirect(_detail_url(done))
    return render(
        request,
        "frontend/subgroups/edit.html",
        _context(request, collaborative, subgroup=subgroup, form=form),
        status=status,
    )


# --- The progress update form ------------------------------------------------------------------------------------


@page
@require_http_methods(["GET", "POST"])
def subgroup_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Post an update. "Save draft" (also sent in the background as the person types) keeps it on the server."""
    collaborative = core.collaborative_get(request.user, slug=slug)
    data = selectors.update_form(request.user, collaborative, pk)
    subgroup = data.subgroup
    action = request.POST.get("action", "post")
    background = request.headers.get("X-Requested-With") == "fetch"
    if request.method == "POST" and action == "draft":
        fields = {name: request.POST.get(name, "") for name in services.DRAFT_FIELDS}
        fields["children_voice_not_yet"] = bool(request.POST.get("children_voice_not_yet"))
        fields["milestones_completed"] = request.POST.getlist("milestones_completed")
        draft = services.draft_save(actor=request.user, subgroup=subgroup, data=fields)
        saved = timezone.localtime(draft.saved_at)
        if background:
            return HttpResponse(f"Draft saved at {saved:%H:%M}.", content_type="text/plain")
        messages.success(request, f"Your draft was saved at {saved:%H:%M}. It is here when you come back.")
        return redirect("subgroup-update", slug=collaborative.slug, pk=subgroup.pk)
    if request.method == "POST" and action == "discard":
        services.draft_discard(actor=request.user, subgroup=subgroup)
        messages.info(request, "Your draft was discarded. The form starts again from the last update.")
        return redirect("subgroup-update", slug=collaborative.slug, pk=subgroup.pk)
    form = UpdateForm(
        request.POST if request.method == "POST" else None,
        initial=UpdateForm.initial_from(data.previous, data.draft.data if data.draft else None),
        milestones=data.open_milestones,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            fields = form.cleaned_data
            update, status = _save(
                form, request, lambda: services.update_post(actor=request.user, subgroup=subgroup, **fields)
            )
            if update is not None:
                messages.success(
                    request, f"Your update is posted. {subgroup.name} is now “{update.get_status_display()}”."
                )
                return redirect(_detail_url(subgroup, f"update-{update.pk}"))
    context = _context(request, collaborative, subgroup=subgroup, data=data, form=form)
    return render(request, "frontend/subgroups/update.html", context, status=status)


@page
@require_POST
def subgroup_comment(request: HttpRequest, slug: str, pk: int, update_pk: int) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    subgroup = selectors.subgroup_get(request.user, collaborative, pk)
    update = selectors.updates_visible(request.user).filter(subgroup=subgroup, pk=update_pk).first()
    if update is None:
        raise NotFound()
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(actor=request.user, update=update, body=form.cleaned_data["body"])
        except DomainError as error:
            if error.fields:
                add_domain_error(form, error)
            else:
                raise
        else:
            messages.success(request, "Your comment has been added.")
            return redirect(_detail_url(subgroup, f"update-{update.pk}"))
    context = _context(request, collaborative, subgroup=subgroup, update=update, form=form)
    return render(request, "frontend/subgroups/comment.html", context, status=400)


# --- People and leads --------------------------------------------------------------------------------------------


@page
@require_http_methods(["GET", "POST"])
def subgroup_people(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    subgroup = selectors.subgroup_for_change(request.user, collaborative, pk)
    form = AddPersonForm(
        request.POST if request.method == "POST" else None,
        members=selectors.people_to_add(request.user, subgroup),
        workshops=selectors.workshops_for(collaborative),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            person = data["user"]
            part, status = _save(
                form,
                request,
                lambda: services.subgroup_member_add(
                    actor=request.user, subgroup=subgroup, user=person, role=data["role"], **form.mandate_data()
                ),
            )
            if part is not None:
                messages.success(
                    request, f"{part.user} has joined {subgroup.name} as {part.get_role_display().lower()}."
                )
                return redirect("subgroup-people", slug=collaborative.slug, pk=subgroup.pk)
    people = selectors.current_parts(subgroup)
    context = _context(request, collaborative, subgroup=subgroup, form=form, people=people)
    return render(request, "frontend/subgroups/people.html", context, status=status)


@page
@require_http_methods(["GET", "POST"])
def subgroup_person(request: HttpRequest, slug: str, pk: int, part_pk: int) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    subgroup = selectors.subgroup_for_change(request.user, collaborative, pk)
    part = selectors.part_get(subgroup, part_pk)
    initial = {
        "role": part.role if part.role != "lead" else "",
        "mandate": part.mandate or "self_appointed",
        "mandate_agreed_on": part.mandate_agreed_on,
        "mandate_setting": part.mandate_setting,
        "mandate_note": part.mandate_note,
        "mandate_workshop": part.mandate_workshop_id,
    }
    form = ChangePartForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        workshops=selectors.workshops_for(collaborative),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            fields: dict[str, Any] = {}
            role = data.get("role") or part.role
            if role != part.role:
                fields["role"] = role
            if role in LEAD_ROLES:
                fields.update(form.mandate_data())
            if not fields:
                messages.info(request, f"Nothing was changed for {part.user}.")
                return redirect("subgroup-people", slug=collaborative.slug, pk=subgroup.pk)
            done, status = _save(
                form, request, lambda: services.subgroup_member_change(actor=request.user, part=part, **fields)
            )
            if done is not None:
                messages.success(request, f"{part.user}'s part in {subgroup.name} has been changed.")
                return redirect("subgroup-people", slug=collaborative.slug, pk=subgroup.pk)
    context = _context(request, collaborative, subgroup=subgroup, part=part, form=form)
    return render(request, "frontend/subgroups/person.html", context, status=status)


@page
@require_POST
def subgroup_person_end(request: HttpRequest, slug: str, pk: int, part_pk: int) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    subgroup = selectors.subgroup_get(request.user, collaborative, pk)
    part = selectors.part_get(subgroup, part_pk)
    services.subgroup_member_end(actor=request.user, part=part)
    if part.user_id == request.user.pk:
        messages.success(request, f"You have left {subgroup.name}. Your part in it stays in its history.")
        return redirect(_detail_url(subgroup))
    messages.success(request, f"{part.user} is no longer in {subgroup.name}. Their part stays in its history.")
    return redirect("subgroup-people", slug=collaborative.slug, pk=subgroup.pk)


@page
@require_http_methods(["GET", "POST"])
def subgroup_handover(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    subgroup = selectors.subgroup_for_change(request.user, collaborative, pk)
    current = selectors.current_lead(subgroup)
    candidates = [
        m for m in selectors.possible_leads(request.user, collaborative) if not current or m.user_id != current.user_id
    ]
    form = HandoverForm(
        request.POST if request.method == "POST" else None,
        members=candidates,
        workshops=selectors.workshops_for(collaborative),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            to_user = data["to_user"]
            part, status = _save(
                form,
                request,
                lambda: services.subgroup_lead_handover(
                    actor=request.user,
                    subgroup=subgroup,
                    to_user=to_user,
                    previous_lead=data["previous_lead"],
                    **form.mandate_data(),
                ),
            )
            if part is not None:
                messages.success(
                    request, f"{part.user} now leads {subgroup.name}. The previous lead stays in its history."
                )
                return redirect(_detail_url(subgroup, "people-title"))
    context = _context(request, collaborative, subgroup=subgroup, form=form, current=current)
    return render(request, "frontend/subgroups/handover.html", context, status=status)


# --- Milestones --------------------------------------------------------------------------------------------------


@page
@require_http_methods(["GET", "POST"])
def subgroup_milestone_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _milestone_form(request, slug, pk, None)


@page
@require_http_methods(["GET", "POST"])
def subgroup_milestone_edit(request: HttpRequest, slug: str, pk: int, milestone_pk: int) -> HttpResponse:
    return _milestone_form(request, slug, pk, milestone_pk)


def _milestone_form(request: HttpRequest, slug: str, pk: int, milestone_pk: int | None) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    subgroup = selectors.subgroup_for_change(request.user, collaborative, pk)
    milestone = None
    initial = {}
    if milestone_pk is not None:
        milestone = selectors.milestones_visible(request.user).filter(subgroup=subgroup, pk=milestone_pk).first()
        if milestone is None:
            raise NotFound()
        initial = {name: getattr(milestone, name) for name in ("title", "due_on", "state", "description")}
    form = MilestoneForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            if milestone is None:
                write = lambda: services.milestone_create(actor=request.user, subgroup=subgroup, **data)  # noqa: E731
            else:
                write = lambda: services.milestone_update(actor=request.user, milestone=milestone, **data)  # noqa: E731
            saved, status = _save(form, request, write)
            if saved is not None:
                messages.success(request, f"Milestone “{saved.title}” saved.")
                return redirect(_detail_url(subgroup, "milestones-title"))
    context = _context(request, collaborative, subgroup=subgroup, milestone=milestone, form=form)
    return render(request, "frontend/subgroups/milestone.html", context, status=status)


# --- Support -----------------------------------------------------------------------------------------------------


@page
@require_http_methods(["GET", "POST"])
def subgroup_support(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Leads request support; facilitators log support they gave. Each sees the form for what they may do."""
    collaborative = core.collaborative_get(request.user, slug=slug)
    subgroup = selectors.subgroup_get(request.user, collaborative, pk)
    may_record = can(request.user, Action.SUPPORT, collaborative)
    if not may_record:
        require_leader(request.user, collaborative, selectors.lead_ids(subgroup), what="request support for it")
    form_class = SupportRecordForm if may_record else SupportRequestForm
    form = form_class(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            if may_record:
                write = lambda: services.support_record(actor=request.user, subgroup=subgroup, **data)  # noqa: E731
            else:
                write = lambda: services.support_request(actor=request.user, subgroup=subgroup, **data)  # noqa: E731
            entry, status = _save(form, request, write)
            if entry is not None:
                done = "logged" if may_record else "requested; the facilitators can see it in the support log"
                messages.success(request, f"{entry.get_kind_display()} {done}.")
                return redirect(_detail_url(subgroup, "support-title"))
    context = _context(request, collaborative, subgroup=subgroup, form=form, may_record=may_record)
    return render(request, "frontend/subgroups/support.html", context, status=status)


@page
@require_http_methods(["GET", "POST"])
def subgroup_support_change(request: HttpRequest, slug: str, pk: int, entry_pk: int) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    subgroup = selectors.subgroup_get(request.user, collaborative, pk)
    require(request.user, Action.SUPPORT, collaborative, what="answer support requests")
    entry = selectors.support_visible(request.user).filter(subgroup=subgroup, pk=entry_pk).first()
    if entry is None:
        raise NotFound()
    form = SupportChangeForm(
        request.POST if request.method == "POST" else None, initial={"state": entry.state, "notes": entry.notes}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            saved, status = _save(
                form, request, lambda: services.support_update(actor=request.user, entry=entry, **data)
            )
            if saved is not None:
                messages.success(request, f"The support log now says “{saved.get_state_display()}”.")
                return redirect(_detail_url(subgroup, "support-title"))
    context = _context(request, collaborative, subgroup=subgroup, entry=entry, form=form)
    return render(request, "frontend/subgroups/support_change.html", context, status=status)


# --- Links and the review ----------------------------------------------------------------------------------------


@page
@require_http_methods(["GET", "POST"])
def subgroup_link_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    subgroup = selectors.subgroup_for_change(request.user, collaborative, pk)
    form = LinkForm(
        request.POST if request.method == "POST" else None, targets=selectors.link_targets(request.user, subgroup)
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            link, status = _save(
                form,
                request,
                lambda: services.link_create(
                    actor=request.user, from_subgroup=subgroup, to_subgroup=data["to_subgroup"], note=data["note"]
                ),
            )
            if link is not None:
                messages.success(request, f"{subgroup.name} is now linked with {link.to_subgroup.name}.")
                return redirect(_detail_url(subgroup, "links-title"))
    context = _context(request, collaborative, subgroup=subgroup, form=form)
    return render(request, "frontend/subgroups/link.html", context, status=status)


@page
@require_POST
def subgroup_link_remove(request: HttpRequest, slug: str, pk: int, link_pk: int) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    subgroup = selectors.subgroup_get(request.user, collaborative, pk)
    link = selectors.links_visible(request.user).filter(pk=link_pk).first()
    if link is None or subgroup.pk not in (link.from_subgroup_id, link.to_subgroup_id):
        raise NotFound()
    services.link_remove(actor=request.user, link=link)
    messages.success(request, "The link has been removed.")
    return redirect(_detail_url(subgroup, "links-title"))


@page
@require_http_methods(["GET", "POST"])
def subgroup_review(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    subgroup = selectors.subgroup_get(request.user, collaborative, pk)
    require(request.user, Action.SUPPORT, collaborative, what="record reviews")
    form = ReviewForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            review, status = _save(
                form, request, lambda: services.review_record(actor=request.user, subgroup=subgroup, **data)
            )
            if review is not None:
                messages.success(request, f"The review of {subgroup.name} has been recorded.")
                return redirect(_detail_url(subgroup, "review-title"))
    context = _context(request, collaborative, subgroup=subgroup, form=form)
    return render(request, "frontend/subgroups/review.html", context, status=status)


# --- Concerns ----------------------------------------------------------------------------------------------------


def _may_raise_concern(request: HttpRequest, collaborative) -> bool:
    return can(request.user, Action.CONTRIBUTE, collaborative)


@page
@require_http_methods(["GET", "POST"])
def concern_new(request: HttpRequest, slug: str) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    require(request.user, Action.CONTRIBUTE, collaborative, what="raise concerns")
    form = ConcernForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            concern, status = _save(
                form,
                request,
                lambda: services.concern_raise(actor=request.user, collaborative=collaborative, **data),
            )
            if concern is not None:
                messages.success(
                    request, "Your concern has been sent to the programme team. Only you and they can see it."
                )
                return redirect("concern-detail", pk=concern.pk)
    context = _collaborative_context(request, collaborative, "")
    context.update(form=form)
    return render(request, "frontend/subgroups/concern_new.html", context, status=status)


@page
def concern_list(request: HttpRequest) -> HttpResponse:
    concerns = selectors.concern_list(request.user)
    page_obj = Paginator(concerns, CONCERNS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page_obj,
        "page_range": page_obj.paginator.get_elided_page_range(page_obj.number),
        "is_programme_team": selectors.is_programme_team(request.user),
        "collaboratives": [
            c for c in core.collaboratives_visible(request.user).order_by("name") if _may_raise_concern(request, c)
        ],
    }
    return render(request, "frontend/subgroups/concerns.html", context)


@page
@require_http_methods(["GET", "POST"])
def concern_detail(request: HttpRequest, pk: int) -> HttpResponse:
    concern, answers = selectors.concern_get(request.user, pk)
    action = request.POST.get("action", "note")
    if request.method == "POST" and action == "state" and not answers:
        raise Forbidden("Only the programme team can change where a concern has got to.")
    post = request.POST if request.method == "POST" else None
    note_form = ConcernNoteForm(post if action == "note" else None)
    state_form = (
        ConcernStateForm(
            post if action == "state" else None, initial={"state": concern.state, "resolution": concern.resolution}
        )
        if answers
        else None
    )
    status = 200
    if request.method == "POST":
        status = 400
        form = state_form if action == "state" and state_form is not None else note_form
        if form.is_valid():
            data = form.cleaned_data
            if form is state_form:
                write = lambda: services.concern_update(actor=request.user, concern=concern, **data)  # noqa: E731
                done_message = "The concern has been updated."
            else:
                write = lambda: services.concern_add_note(actor=request.user, concern=concern, **data)  # noqa: E731
                done_message = "Your message has been added."
            saved, status = _save(form, request, write)
            if saved is not None:
                messages.success(request, done_message)
                return redirect("concern-detail", pk=concern.pk)
        if form is state_form and action == "state":
            note_form = ConcernNoteForm()
    context = {"concern": concern, "answers": answers, "note_form": note_form, "state_form": state_form}
    return render(request, "frontend/subgroups/concern.html", context, status=status)
