"""Pages of the action plan: the plan and its items, recording a version, strategies and objectives, alignment, the
outcome framework and learning notes; the anchor's dashboard (with its drill-down list, CSV and board paper PDF);
and the programme view of every locality side by side.

Each view reads through the selectors (`actionplans.selectors`, `subgroups.dashboard`, `subgroups.plan_items`) and
writes through the services; a domain error becomes the matching page (404, 403 that explains) or goes beside the
form field at fault (400).
"""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from actionplans import selectors, services
from actionplans.models import OutcomeLevel, PlanStatus, Strategy
from collab import selectors as core
from collab.access import Action, can, can_in_programme, require
from collab.errors import DomainError, Forbidden, NotFound
from collab.models import Programme, Sector
from frontend.forms import add_domain_error
from frontend.forms_plans import (
    AlignmentForm,
    LearningNoteForm,
    ObjectiveForm,
    OutcomeForm,
    PlanItemForm,
    PlanVersionForm,
    StrategyForm,
)
from frontend.views import _collaborative_context, page
from subgroups import dashboard as dash
from subgroups.plan_items import open_subgroups, owners_of, plan_item_owner_set


def _context(request: HttpRequest, collaborative: Any, tab: str, **extra: Any) -> dict[str, Any]:
    context = _collaborative_context(request, collaborative, tab)
    context["may_edit_plan"] = can(request.user, Action.EDIT_PLAN, collaborative)
    context.update(extra)
    return context


def _save(form: Any, write: Any) -> tuple[Any, int]:
    """Run a service for a valid form: (its result, 200), or (None, status) with the error on the form."""
    try:
        return write(), 200
    except DomainError as error:
        if isinstance(error, (NotFound, Forbidden)):
            raise
        add_domain_error(form, error)
        return None, error.status


# --- The plan -------------------------------------------------------------------------------------------------------


@page
def plan(request: HttpRequest, slug: str) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    items = selectors.plan_items_of(request.user, collaborative)
    owners = owners_of([i.pk for i in items])
    versions = list(selectors.plan_versions_visible(request.user).filter(plan__collaborative=collaborative))
    context = _context(
        request,
        collaborative,
        "plan",
        plan=selectors.plan_of(request.user, collaborative),
        rows=[(item, owners.get(item.pk)) for item in items],
        versions=versions,
        notes=list(selectors.learning_notes_visible(request.user).filter(collaborative=collaborative)[:10]),
        note_form=LearningNoteForm() if can(request.user, Action.CONTRIBUTE, collaborative) else None,
    )
    return render(request, "frontend/plans/plan.html", context)


@page
@require_http_methods(["GET", "POST"])
def plan_record(request: HttpRequest, slug: str) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    require(request.user, Action.EDIT_PLAN, collaborative, what="agree or revise the action plan")
    form = PlanVersionForm(request.POST or None, collaborative=collaborative)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            version, status = _save(
                form,
                lambda: services.plan_record_version(
                    actor=request.user, collaborative=collaborative, **form.cleaned_data
                ),
            )
            if version is not None:
                messages.success(request, f"Version {version.number} of the plan recorded.")
                return redirect("plan", slug=collaborative.slug)
    context = _context(request, collaborative, "plan", form=form, statuses=dict(PlanStatus.choices))
    return render(request, "frontend/plans/record.html", context, status=status)


def _item_form_page(request: HttpRequest, collaborative: Any, item: Any | None) -> HttpResponse:
    require(request.user, Action.EDIT_PLAN, collaborative, what="change the action plan")
    subgroups = open_subgroups(collaborative.pk)
    owner = owners_of([item.pk]).get(item.pk) if item else None
    initial = PlanItemForm.initial_for(item, owner) if item else None
    form = PlanItemForm(request.POST or None, initial=initial, collaborative=collaborative, subgroups=subgroups)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            subgroup = data.pop("subgroup")

            @transaction.atomic
            def write() -> Any:
                if item is None:
                    saved = services.plan_item_create(actor=request.user, collaborative=collaborative, **data)
                else:
                    saved = services.plan_item_update(actor=request.user, item=item, **data)
                plan_item_owner_set(actor=request.user, item=saved, subgroup=subgroup)
                return saved

            saved, status = _save(form, write)
            if saved is not None:
                messages.success(request, f"“{saved.title}” saved.")
                return redirect("plan-item", slug=collaborative.slug, pk=saved.pk)
    context = _context(request, collaborative, "plan", form=form, item=item)
    return render(request, "frontend/plans/item_form.html", context, status=status)


@page
@require_http_methods(["GET", "POST"])
def plan_item_new(request: HttpRequest, slug: str) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    return _item_form_page(request, collaborative, None)


@page
@require_http_methods(["GET", "POST"])
def plan_item_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    item = selectors.plan_item_get(request.user, collaborative, pk)
    return _item_form_page(request, collaborative, item)


def _item_page(
    request: HttpRequest, collaborative: Any, item: Any, form: AlignmentForm | None, status: int
) -> HttpResponse:
    may_edit = can(request.user, Action.EDIT_PLAN, collaborative)
    if form is None and may_edit:
        form = AlignmentForm(collaborative=collaborative)
    context = _context(
        request,
        collaborative,
        "plan",
        item=item,
        owner=owners_of([item.pk]).get(item.pk),
        align_form=form,
        sector_labels=dict(Sector.choices),
    )
    return render(request, "frontend/plans/item.html", context, status=status)


@page
def plan_item(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    item = selectors.plan_item_get(request.user, collaborative, pk)
    return _item_page(request, collaborative, item, None, 200)


@page
@require_POST
def plan_item_align(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    item = selectors.plan_item_get(request.user, collaborative, pk)
    require(request.user, Action.EDIT_PLAN, collaborative, what="align the plan to strategies")
    form = AlignmentForm(request.POST, collaborative=collaborative)
    status = 400
    if form.is_valid():
        result, status = _save(form, lambda: services.alignment_set(actor=request.user, item=item, **form.cleaned_data))
        if result is not None:
            messages.success(request, "Alignment saved.")
            return redirect("plan-item", slug=collaborative.slug, pk=item.pk)
    return _item_page(request, collaborative, item, form, status)


@page
@require_POST
def plan_item_unalign(request: HttpRequest, slug: str, pk: int, alignment_pk: int) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    item = selectors.plan_item_get(request.user, collaborative, pk)
    alignment = selectors.alignments_visible(request.user).filter(item=item, pk=alignment_pk).first()
    if alignment is None:
        raise NotFound()
    services.alignment_remove(actor=request.user, alignment=alignment)
    messages.success(request, "Alignment removed.")
    return redirect("plan-item", slug=collaborative.slug, pk=item.pk)


@page
@require_http_methods(["GET", "POST"])
def plan_item_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    item = selectors.plan_item_get(request.user, collaborative, pk)
    require(request.user, Action.EDIT_PLAN, collaborative, what="change the action plan")
    if request.method == "POST":
        services.plan_item_remove(actor=request.user, item=item)
        messages.success(request, f"“{item.title}” taken out of the plan.")
        return redirect("plan", slug=collaborative.slug)
    return render(request, "frontend/plans/item_remove.html", _context(request, collaborative, "plan", item=item))


@page
@require_POST
def learning_note_new(request: HttpRequest, slug: str) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    require(request.user, Action.CONTRIBUTE, collaborative, what="write learning notes")
    form = LearningNoteForm(request.POST)
    if form.is_valid():
        note, status = _save(
            form,
            lambda: services.learning_note_create(actor=request.user, collaborative=collaborative, **form.cleaned_data),
        )
        if note is not None:
            messages.success(request, "Learning note saved.")
            return redirect(reverse("plan", args=[collaborative.slug]) + "#learning")
    else:
        status = 400
    context = _context(request, collaborative, "plan", form=form)
    return render(request, "frontend/plans/learning_note.html", context, status=status)


# --- Strategies and objectives --------------------------------------------------------------------------------------


@page
@require_http_methods(["GET", "POST"])
def strategies(request: HttpRequest, slug: str) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    found = selectors.strategies_of(request.user, collaborative)
    may_edit = can(request.user, Action.EDIT_PLAN, collaborative)
    form = StrategyForm(request.POST or None) if may_edit else None
    status = 200
    if request.method == "POST":
        require(request.user, Action.EDIT_PLAN, collaborative, what="record strategies")
        status = 400
        if form.is_valid():
            strategy, status = _save(
                form,
                lambda: services.strategy_create(actor=request.user, collaborative=collaborative, **form.cleaned_data),
            )
            if strategy is not None:
                messages.success(request, f"“{strategy.title}” recorded. Add its objectives.")
                return redirect("strategy", slug=collaborative.slug, pk=strategy.pk)
    context = _context(request, collaborative, "plan", strategies=found, form=form)
    return render(request, "frontend/plans/strategies.html", context, status=status)


def _strategy(request: HttpRequest, collaborative: Any, pk: int) -> Strategy:
    strategy = selectors.strategies_visible(request.user).filter(collaborative=collaborative, pk=pk).first()
    if strategy is None:
        raise NotFound()
    return strategy


@page
@require_http_methods(["GET", "POST"])
def strategy(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A strategy and its objectives; editors change it and add objectives here."""
    collaborative = core.collaborative_get(request.user, slug=slug)
    found = _strategy(request, collaborative, pk)
    may_edit = can(request.user, Action.EDIT_PLAN, collaborative)
    initial = {name: getattr(found, name) for name in ("kind", "title", "owner", "period", "url", "summary")}
    form = StrategyForm(initial=initial) if may_edit else None
    objective_form = ObjectiveForm() if may_edit else None
    status = 200
    if request.method == "POST":
        require(request.user, Action.EDIT_PLAN, collaborative, what="change strategies")
        status = 400
        if request.POST.get("form") == "objective":
            objective_form = ObjectiveForm(request.POST)
            if objective_form.is_valid():
                done, status = _save(
                    objective_form,
                    lambda: services.objective_create(
                        actor=request.user, strategy=found, **objective_form.cleaned_data
                    ),
                )
                if done is not None:
                    messages.success(request, "Objective added.")
                    return redirect("strategy", slug=collaborative.slug, pk=found.pk)
        else:
            form = StrategyForm(request.POST)
            if form.is_valid():
                done, status = _save(
                    form, lambda: services.strategy_update(actor=request.user, strategy=found, **form.cleaned_data)
                )
                if done is not None:
                    messages.success(request, "Strategy saved.")
                    return redirect("strategy", slug=collaborative.slug, pk=found.pk)
    context = _context(request, collaborative, "plan", strategy=found, form=form, objective_form=objective_form)
    return render(request, "frontend/plans/strategy.html", context, status=status)


@page
@require_POST
def objective_remove(request: HttpRequest, slug: str, pk: int, objective_pk: int) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    found = _strategy(request, collaborative, pk)
    objective = selectors.objectives_visible(request.user).filter(strategy=found, pk=objective_pk).first()
    if objective is None:
        raise NotFound()
    services.objective_remove(actor=request.user, objective=objective)
    messages.success(request, "Objective taken out.")
    return redirect("strategy", slug=collaborative.slug, pk=found.pk)


# --- The outcome framework ------------------------------------------------------------------------------------------


def _programme(request: HttpRequest, slug: str) -> Programme:
    programme = core.programmes_visible(request.user).filter(slug=slug).first()
    if programme is None:
        raise NotFound()
    return programme


@page
@require_http_methods(["GET", "POST"])
def outcomes(request: HttpRequest, slug: str) -> HttpResponse:
    """The programme's outcome framework; the programme team adds outcomes."""
    programme = _programme(request, slug)
    may_edit = can_in_programme(request.user, Action.MANAGE_PROGRAMME, programme)
    form = OutcomeForm(request.POST or None) if may_edit else None
    status = 200
    if request.method == "POST":
        if not may_edit:
            raise Forbidden(f"Only the programme team can change the outcome framework of {programme.name}.")
        status = 400
        if form.is_valid():
            done, status = _save(
                form, lambda: services.outcome_create(actor=request.user, programme=programme, **form.cleaned_data)
            )
            if done is not None:
                messages.success(request, f"“{done.title}” added to the framework.")
                return redirect("programme-outcomes", slug=programme.slug)
    found = list(selectors.outcomes_visible(request.user).filter(framework__programme=programme))
    levels = [(label, [o for o in found if o.level == level]) for level, label in OutcomeLevel.choices]
    context = {"programme": programme, "levels": levels, "form": form}
    return render(request, "frontend/plans/outcomes.html", context, status=status)


# --- The anchor's dashboard -----------------------------------------------------------------------------------------


def _board(request: HttpRequest, slug: str) -> tuple[Any, dash.Dashboard | None, DomainError | None]:
    collaborative = core.collaborative_get(request.user, slug=slug)
    require(request.user, Action.VIEW_ENGAGEMENT, collaborative, what="see the anchor's dashboard")
    try:
        weeks = dash.clean_weeks(request.GET.get("weeks"))
    except DomainError as error:
        return collaborative, None, error
    return collaborative, dash.dashboard(request.user, collaborative, weeks=weeks), None


@page
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    collaborative, board, error = _board(request, slug)
    if board is None:
        board = dash.dashboard(request.user, collaborative)
    context = _context(
        request,
        collaborative,
        "dashboard",
        board=board,
        weeks_error=error.message if error else "",
        weeks_value=request.GET.get("weeks", board.weeks),
        sector_labels=dict(Sector.choices),
    )
    return render(request, "frontend/plans/dashboard.html", context, status=error.status if error else 200)


@page
def dashboard_items(request: HttpRequest, slug: str) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    weeks = dash.clean_weeks(request.GET.get("weeks"))
    filters = dash.clean_filters(request.GET)
    found = dash.item_list(request.user, collaborative, weeks=weeks, filters=filters)
    context = _context(request, collaborative, "dashboard", found=found, weeks=weeks)
    return render(request, "frontend/plans/dashboard_items.html", context)


def _csv_rows(board: dash.Dashboard) -> list[list[str]]:
    labels = dict(Sector.choices)
    rows = [
        [
            "Item",
            "Theme",
            "Item status",
            "Sub-group",
            "Sub-group status",
            "Last update",
            "Leads",
            "Risks",
            "Partners needed",
            "Objectives served",
            "Start",
            "End",
        ]
    ]
    objectives = {row.objective.pk: str(row.objective) for row in board.matrix}
    for row in board.items:
        rows.append(
            [
                row.item.title,
                row.item.get_theme_display(),
                row.item.get_status_display(),
                row.subgroup.name if row.subgroup else "",
                row.status_label,
                row.updated_at.strftime("%d/%m/%Y") if row.updated_at else "",
                "; ".join(str(p.user) for p in row.leads),
                "; ".join(row.risk_labels),
                "; ".join(labels[s] for s in row.sectors),
                "; ".join(objectives[o] for o in sorted(row.objective_ids) if o in objectives),
                row.item.starts_on.strftime("%d/%m/%Y") if row.item.starts_on else "",
                row.item.ends_on.strftime("%d/%m/%Y") if row.item.ends_on else "",
            ]
        )
    return rows


def _safe_cell(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: prefix them with an apostrophe."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


@page
def dashboard_csv(request: HttpRequest, slug: str) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    weeks = dash.clean_weeks(request.GET.get("weeks"))
    board = dash.dashboard(request.user, collaborative, weeks=weeks)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{collaborative.slug}-action-plan.csv"'
    response.write("\ufeff")  # so spreadsheet programs read the file as UTF-8
    writer = csv.writer(response)
    for row in _csv_rows(board):
        writer.writerow([_safe_cell(cell) for cell in row])
    return response


@page
def dashboard_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    from frontend.board_paper import board_paper_pdf

    collaborative = core.collaborative_get(request.user, slug=slug)
    weeks = dash.clean_weeks(request.GET.get("weeks"))
    board = dash.dashboard(request.user, collaborative, weeks=weeks)
    response = HttpResponse(board_paper_pdf(board), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{collaborative.slug}-board-paper.pdf"'
    return response


# --- The programme view ---------------------------------------------------------------------------------------------


@page
def programme_view(request: HttpRequest, slug: str) -> HttpResponse:
    programme = _programme(request, slug)
    view = dash.programme_view(request.user, programme)
    return render(request, "frontend/plans/programme.html", {"programme": programme, "view": view})
