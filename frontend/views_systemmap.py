"""The system map pages: a collaborative's maps (and starting one), the map itself (Cytoscape.js draws it; the page
stays current over /ws/live/systemmap/<id>/), the table view of the same map that works with a keyboard and a screen
reader and without the canvas, and present mode (saved sequences of views shown step by step at a workshop).

Reads go through systemmap.selectors, writes through systemmap.services (which check the access policy); the map
page's in-place edits go through the same services as live operations (systemmap.protocol). Sensitive evidence is
in a page only for those who may see it: `selectors.map_data` gives everyone else a stub.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from collab import selectors as core
from collab.access import Action, can, require
from collab.errors import DomainError, Forbidden, NotFound
from collab.models import Sector
from frontend.forms import add_domain_error
from frontend.forms_systemmap import (
    CommentForm,
    ConnectionForm,
    ElementForm,
    MapForm,
    PresentationForm,
    StepForm,
)
from frontend.views import _collaborative_context, page
from systemmap import selectors, services
from systemmap.models import (
    Connection,
    ConnectionType,
    Element,
    ElementType,
    EvidenceKind,
    Map,
    Polarity,
    PresentationStep,
    SourceKind,
)

TYPE_LABELS = dict(ElementType.choices)
CONNECTION_LABELS = dict(ConnectionType.choices)
SECTOR_LABELS = dict(Sector.choices)
LOOPS_SHOWN = 30  # loops listed on the page; the rest are one click away in the lens
TAB = "maps"


def _context(request: HttpRequest, collaborative, **extra: Any) -> dict[str, Any]:
    context = _collaborative_context(request, collaborative, TAB)
    context.update(extra)
    return context


def _map_of(request: HttpRequest, slug: str, pk: int) -> tuple[Any, Map]:
    """The collaborative and one of its maps, both visible to the person; NotFound otherwise (a map of another
    collaborative under this one's address is missing too)."""
    collaborative = core.collaborative_get(request.user, slug=slug)
    map_ = selectors.map_get(request.user, pk)
    if map_.collaborative_id != collaborative.pk:
        raise NotFound()
    return collaborative, map_


def _save(form, write) -> tuple[Any, int]:
    """Run a service for a valid form: (its result, 200), or (None, the error's status) with the error on the form.
    NotFound and Forbidden are not about the form: they become the 404 and 403 pages."""
    try:
        return write(), 200
    except DomainError as error:
        if isinstance(error, (NotFound, Forbidden)):
            raise
        add_domain_error(form, error)
        return None, error.status


def _map_url(map_: Map, name: str = "systemmap-map", **kwargs: Any) -> str:
    return reverse(name, kwargs={"slug": map_.collaborative.slug, "pk": map_.pk, **kwargs})


def _elements(map_: Map) -> list[Element]:
    return list(Element.objects.filter(map=map_).order_by("label", "pk").only("pk", "label", "type", "map_id"))


# --- The maps of a collaborative ----------------------------------------------------------------------------------


@page
@require_http_methods(["GET", "POST"])
def map_list(request: HttpRequest, slug: str) -> HttpResponse:
    collaborative = core.collaborative_get(request.user, slug=slug)
    may_edit = can(request.user, Action.EDIT_PLAN, collaborative)
    form = MapForm(request.POST if request.method == "POST" else None) if may_edit else None
    status = 200
    if request.method == "POST":
        require(request.user, Action.EDIT_PLAN, collaborative, what="start system maps")
        status = 400
        if form.is_valid():
            fields = form.cleaned_data
            made, status = _save(
                form,
                lambda: services.map_create(
                    actor=request.user,
                    collaborative=collaborative,
                    title=fields["title"],
                    description=fields["description"],
                ),
            )
            if made is not None:
                messages.success(request, f"The map “{made.title}” has been started. Add its first elements here.")
                return redirect(_map_url(made, "systemmap-table") + "#add-element-title")
    maps = selectors.maps_visible(request.user).filter(collaborative=collaborative).order_by("created_at", "pk")
    context = _context(request, collaborative, maps=maps, form=form, may_edit=may_edit)
    return render(request, "frontend/systemmap/list.html", context, status=status)


# --- The map page -----------------------------------------------------------------------------------------------------


def _labelled_analysis(analysis: dict[str, Any], elements: dict[int, str], findings: dict[int, str]) -> dict:
    """The analysis in words for the page: labels instead of ids."""
    loops = analysis["loops"]

    def names(ids):
        return [elements.get(pk, "(removed)") for pk in ids]

    journey = analysis["journey"]
    return {
        "loops": [
            {**loop, "labels": names(loop["elements"]), "number": n}
            for n, loop in enumerate(loops["items"][:LOOPS_SHOWN], start=1)
        ],
        "loop_total": len(loops["items"]),
        "loops_more": max(0, len(loops["items"]) - LOOPS_SHOWN),
        "reinforcing": loops["reinforcing"],
        "balancing": loops["balancing"],
        "cut": loops["cut"],
        "max_loops": loops["max_loops"],
        "max_length": loops["max_length"],
        "central": [{**item, "label": elements.get(item["element"], "")} for item in analysis["central"]["items"]],
        "estimated": analysis["central"]["estimated"],
        "no_evidence": names(analysis["without_evidence"]["elements"]),
        "findings_no_evidence": [findings.get(pk, "") for pk in analysis["without_evidence"]["findings"]],
        "isolated": names(analysis["isolated"]),
        "journey": names(s["element"] for s in journey["stages"]),
        "journey_gaps": [
            {"from": elements.get(g["from"], ""), "to": elements.get(g["to"], "")} for g in journey["gaps"]
        ],
    }


def _choices(choices) -> list[dict[str, str]]:
    return [{"value": value, "label": str(label)} for value, label in choices]


def _page_config(request: HttpRequest, map_: Map, viewer) -> dict[str, Any]:
    return {
        "socket": f"/ws/live/systemmap/{map_.pk}/",
        "page": _map_url(map_),
        "table": _map_url(map_, "systemmap-table"),
        "now": timezone.now().isoformat(),
        "types": _choices(ElementType.choices),
        "sectors": _choices(Sector.choices),
        "connection_types": _choices(ConnectionType.choices),
        "polarities": _choices(Polarity.choices),
        "evidence_kinds": _choices(EvidenceKind.choices),
        "source_kinds": _choices(SourceKind.choices),
        "can_edit": viewer.can_edit,
    }


@page
def map_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collaborative, map_ = _map_of(request, slug, pk)
    viewer = selectors.map_viewer(request.user, map_)
    data = selectors.map_data(request.user, map_)
    analysis = selectors.map_analysis(request.user, map_)
    labels = {e["id"]: e["label"] for e in data["elements"]}
    finding_titles = {f["id"]: f["title"] for f in data["findings"]}
    used_sectors = sorted({e["sector"] for e in data["elements"] if e["sector"]})
    context = _context(
        request,
        collaborative,
        map=map_,
        viewer=viewer,
        data=data,
        analysis=analysis,
        words=_labelled_analysis(analysis, labels, finding_titles),
        config=_page_config(request, map_, viewer),
        types=ElementType.choices,
        sectors=[(value, SECTOR_LABELS[value]) for value in used_sectors],
        connection_types=ConnectionType.choices,
        polarities=Polarity.choices,
        all_sectors=Sector.choices,
        presentations=selectors.presentations_of(request.user, map_),
    )
    return render(request, "frontend/systemmap/map.html", context)


# --- The table view --------------------------------------------------------------------------------------------------


def _table_response(
    request: HttpRequest,
    collaborative,
    map_: Map,
    *,
    element_form: ElementForm | None = None,
    connection_form: ConnectionForm | None = None,
    comment_form: CommentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    viewer = selectors.map_viewer(request.user, map_)
    data = selectors.map_data(request.user, map_)
    labels = {e["id"]: e["label"] for e in data["elements"]}
    on_elements = Counter(v["element"] for v in data["evidence"] if v.get("element"))
    on_connections = Counter(v["connection"] for v in data["evidence"] if v.get("connection"))
    degree = Counter()
    for c in data["connections"]:
        degree[c["source"]] += 1
        degree[c["target"]] += 1
    elements = [
        {
            **e,
            "type_label": TYPE_LABELS.get(e["type"], e["type"]),
            "sector_label": SECTOR_LABELS.get(e["sector"], ""),
            "evidence": on_elements[e["id"]],
            "degree": degree[e["id"]],
        }
        for e in sorted(data["elements"], key=lambda e: (e["label"].lower(), e["id"]))
    ]
    connections = [
        {
            **c,
            "source_label": labels.get(c["source"], ""),
            "target_label": labels.get(c["target"], ""),
            "type_label": CONNECTION_LABELS.get(c["type"], c["type"]),
            "evidence": on_connections[c["id"]],
        }
        for c in sorted(
            data["connections"], key=lambda c: (labels.get(c["source"], "").lower(), labels.get(c["target"], ""))
        )
    ]
    element_rows = _elements(map_)
    if viewer.can_edit:
        element_form = element_form or ElementForm(auto_id="new-element-%s")
        connection_form = connection_form or ConnectionForm(auto_id="new-connection-%s", elements=element_rows)
    if viewer.can_comment:
        comment_form = comment_form or CommentForm(auto_id="comment-%s")
    comments = [{**c, "element_label": labels.get(c["element"], "")} for c in data["comments"]]
    context = _context(
        request,
        collaborative,
        map=map_,
        viewer=viewer,
        data=data,
        elements=elements,
        connections=connections,
        comments=comments,
        element_form=element_form,
        connection_form=connection_form,
        comment_form=comment_form,
        element_choices=element_rows,
        config=_page_config(request, map_, viewer),
        # The form with errors, if any: the page title says "Error:" (see base.html).
        form=next((f for f in (element_form, connection_form, comment_form) if f is not None and f.errors), None),
    )
    return render(request, "frontend/systemmap/table.html", context, status=status)


@page
def map_table(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collaborative, map_ = _map_of(request, slug, pk)
    return _table_response(request, collaborative, map_)


def _element_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "label": data["label"],
        "type": data["type"],
        "sector": data["sector"],
        "description": data["description"],
        "tags": data["tags"],
        "journey_step": data["journey_step"] if data["type"] == ElementType.STAGE else None,
    }


@page
@require_POST
def element_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collaborative, map_ = _map_of(request, slug, pk)
    require(request.user, Action.EDIT_PLAN, collaborative, what="add to system maps")
    form = ElementForm(request.POST, auto_id="new-element-%s")
    status = 400
    if form.is_valid():
        fields = _element_fields(form.cleaned_data)
        element, status = _save(form, lambda: services.element_create(actor=request.user, map=map_, **fields))
        if element is not None:
            messages.success(request, f"“{element.label}” has been added to the map.")
            return redirect(_map_url(map_, "systemmap-table") + f"#element-{element.pk}")
    return _table_response(request, collaborative, map_, element_form=form, status=status)


@page
@require_http_methods(["GET", "POST"])
def element_edit(request: HttpRequest, slug: str, pk: int, element_pk: int) -> HttpResponse:
    collaborative, map_ = _map_of(request, slug, pk)
    element = selectors.element_in_map(map_, element_pk)
    require(request.user, Action.EDIT_PLAN, collaborative, what="change system maps")
    initial = {
        "label": element.label,
        "type": element.type,
        "sector": element.sector,
        "description": element.description,
        "tags": ", ".join(element.tags or []),
        "journey_step": element.journey_step,
    }
    form = ElementForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            fields = _element_fields(form.cleaned_data)
            changed, status = _save(
                form, lambda: services.element_update(actor=request.user, element=element, **fields)
            )
            if changed is not None:
                messages.success(request, f"“{changed.label}” has been changed.")
                return redirect(_map_url(map_, "systemmap-table") + f"#element-{changed.pk}")
    context = _context(request, collaborative, map=map_, element=element, form=form)
    return render(request, "frontend/systemmap/element_edit.html", context, status=status)


@page
@require_http_methods(["GET", "POST"])
def element_remove(request: HttpRequest, slug: str, pk: int, element_pk: int) -> HttpResponse:
    collaborative, map_ = _map_of(request, slug, pk)
    element = selectors.element_in_map(map_, element_pk)
    require(request.user, Action.EDIT_PLAN, collaborative, what="remove things from system maps")
    if request.method == "POST":
        services.element_delete(actor=request.user, element=element)
        messages.success(request, f"“{element.label}” and its connections have been removed from the map.")
        return redirect(_map_url(map_, "systemmap-table") + "#elements-title")
    connections = (
        Connection.objects.filter(map=map_, source=element).count()
        + Connection.objects.filter(map=map_, target=element).count()
    )
    context = _context(request, collaborative, map=map_, element=element, connection_count=connections)
    return render(request, "frontend/systemmap/element_remove.html", context)


def _connection_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in ("source", "target", "type", "polarity", "strength", "note")}


@page
@require_POST
def connection_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collaborative, map_ = _map_of(request, slug, pk)
    require(request.user, Action.EDIT_PLAN, collaborative, what="add to system maps")
    form = ConnectionForm(request.POST, auto_id="new-connection-%s", elements=_elements(map_))
    status = 400
    if form.is_valid():
        fields = _connection_fields(form.cleaned_data)
        made, status = _save(form, lambda: services.connection_create(actor=request.user, map=map_, **fields))
        if made is not None:
            messages.success(request, f"The connection from “{made.source.label}” to “{made.target.label}” is added.")
            return redirect(_map_url(map_, "systemmap-table") + f"#connection-{made.pk}")
    return _table_response(request, collaborative, map_, connection_form=form, status=status)


@page
@require_http_methods(["GET", "POST"])
def connection_edit(request: HttpRequest, slug: str, pk: int, connection_pk: int) -> HttpResponse:
    collaborative, map_ = _map_of(request, slug, pk)
    connection = selectors.connection_in_map(map_, connection_pk)
    require(request.user, Action.EDIT_PLAN, collaborative, what="change system maps")
    initial = {
        "source": connection.source_id,
        "target": connection.target_id,
        "type": connection.type,
        "polarity": connection.polarity,
        "strength": connection.strength,
        "note": connection.note,
    }
    form = ConnectionForm(request.POST if request.method == "POST" else None, initial=initial, elements=_elements(map_))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            fields = _connection_fields(form.cleaned_data)
            changed, status = _save(
                form, lambda: services.connection_update(actor=request.user, connection=connection, **fields)
            )
            if changed is not None:
                messages.success(request, "The connection has been changed.")
                return redirect(_map_url(map_, "systemmap-table") + f"#connection-{changed.pk}")
    context = _context(request, collaborative, map=map_, connection=connection, form=form)
    return render(request, "frontend/systemmap/connection_edit.html", context, status=status)


@page
@require_http_methods(["GET", "POST"])
def connection_remove(request: HttpRequest, slug: str, pk: int, connection_pk: int) -> HttpResponse:
    collaborative, map_ = _map_of(request, slug, pk)
    connection = selectors.connection_in_map(map_, connection_pk)
    require(request.user, Action.EDIT_PLAN, collaborative, what="remove things from system maps")
    if request.method == "POST":
        services.connection_delete(actor=request.user, connection=connection)
        messages.success(
            request, f"The connection from “{connection.source.label}” to “{connection.target.label}” is removed."
        )
        return redirect(_map_url(map_, "systemmap-table") + "#connections-title")
    context = _context(request, collaborative, map=map_, connection=connection)
    return render(request, "frontend/systemmap/connection_remove.html", context)


@page
@require_POST
def comment_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collaborative, map_ = _map_of(request, slug, pk)
    require(request.user, Action.CONTRIBUTE, collaborative, what="comment on system maps")
    form = CommentForm(request.POST, auto_id="comment-%s")
    status = 400
    if form.is_valid():
        body = form.cleaned_data["body"]
        made, status = _save(form, lambda: services.comment_create(actor=request.user, map=map_, body=body))
        if made is not None:
            messages.success(request, "Your comment has been added.")
            return redirect(_map_url(map_, "systemmap-table") + f"#comment-{made.pk}")
    return _table_response(request, collaborative, map_, comment_form=form, status=status)


# --- Presentations ------------------------------------------------------------------------------------------------


@page
@require_http_methods(["GET", "POST"])
def presentation_list(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collaborative, map_ = _map_of(request, slug, pk)
    may_edit = can(request.user, Action.EDIT_PLAN, collaborative)
    form = PresentationForm(request.POST if request.method == "POST" else None) if may_edit else None
    status = 200
    if request.method == "POST":
        require(request.user, Action.EDIT_PLAN, collaborative, what="prepare presentations of system maps")
        status = 400
        if form.is_valid():
            title = form.cleaned_data["title"]
            made, status = _save(form, lambda: services.presentation_create(actor=request.user, map=map_, title=title))
            if made is not None:
                messages.success(request, f"“{made.title}” has been made. Add its steps here.")
                return redirect(_map_url(map_, "systemmap-presentation", presentation_pk=made.pk))
    presentations = selectors.presentations_of(request.user, map_)
    context = _context(request, collaborative, map=map_, presentations=presentations, form=form, may_edit=may_edit)
    return render(request, "frontend/systemmap/presentations.html", context, status=status)


def _step_form(request: HttpRequest, map_: Map, **kwargs: Any) -> StepForm:
    return StepForm(request.POST if request.method == "POST" else None, elements=_elements(map_), **kwargs)


@page
@require_http_methods(["GET", "POST"])
def presentation_detail(request: HttpRequest, slug: str, pk: int, presentation_pk: int) -> HttpResponse:
    """The steps of a presentation; facilitators and anchors add steps here."""
    collaborative, map_ = _map_of(request, slug, pk)
    presentation = selectors.presentation_get(request.user, map_, presentation_pk)
    may_edit = can(request.user, Action.EDIT_PLAN, collaborative)
    steps = selectors.presentation_steps(request.user, presentation)
    form = None
    if may_edit:
        initial = {"elements": steps[-1]["elements"]} if steps else {}
        form = _step_form(request, map_, initial=initial)
    status = 200
    if request.method == "POST":
        require(request.user, Action.EDIT_PLAN, collaborative, what="prepare presentations of system maps")
        status = 400
        if form.is_valid():
            fields = form.cleaned_data
            step, status = _save(
                form,
                lambda: services.step_create(
                    actor=request.user,
                    presentation=presentation,
                    title=fields["title"],
                    caption=fields["caption"],
                    elements=fields["elements"],
                    focus=fields["focus"],
                ),
            )
            if step is not None:
                messages.success(request, f"Step {step.position}, “{step.title}”, has been added.")
                url = _map_url(map_, "systemmap-presentation", presentation_pk=presentation.pk)
                return redirect(f"{url}#step-{step.pk}")
    labels = dict(Element.objects.filter(map=map_).values_list("pk", "label"))
    rows, before = [], set()
    for step in steps:
        shown = set(step["elements"])
        rows.append(
            {
                **step,
                "added": [labels[e] for e in step["elements"] if e not in before],
                "hidden_count": len(before - shown),
                "focus_label": labels.get(step["focus"]),
            }
        )
        before = shown
    context = _context(
        request, collaborative, map=map_, presentation=presentation, steps=rows, form=form, may_edit=may_edit
    )
    return render(request, "frontend/systemmap/presentation.html", context, status=status)


@page
def present(request: HttpRequest, slug: str, pk: int, presentation_pk: int) -> HttpResponse:
    """Present mode: the map revealed step by step, full screen, driven by the keyboard."""
    collaborative, map_ = _map_of(request, slug, pk)
    presentation = selectors.presentation_get(request.user, map_, presentation_pk)
    data = selectors.map_data(request.user, map_)
    steps = selectors.presentation_steps(request.user, presentation)
    viewer = selectors.map_viewer(request.user, map_)
    config = _page_config(request, map_, viewer)
    config.update(
        can_edit=False, present=True, back=_map_url(map_, "systemmap-presentation", presentation_pk=presentation.pk)
    )
    context = _context(
        request,
        collaborative,
        map=map_,
        presentation=presentation,
        data=data,
        steps=steps,
        config=config,
    )
    return render(request, "frontend/systemmap/present.html", context)


def _step_of(request: HttpRequest, slug: str, pk: int, presentation_pk: int, step_pk: int):
    collaborative, map_ = _map_of(request, slug, pk)
    presentation = selectors.presentation_get(request.user, map_, presentation_pk)
    step = PresentationStep.objects.filter(presentation=presentation, pk=step_pk).select_related("presentation").first()
    if step is None:
        raise NotFound()
    require(request.user, Action.EDIT_PLAN, collaborative, what="prepare presentations of system maps")
    return collaborative, map_, presentation, step


@page
@require_http_methods(["GET", "POST"])
def step_edit(request: HttpRequest, slug: str, pk: int, presentation_pk: int, step_pk: int) -> HttpResponse:
    collaborative, map_, presentation, step = _step_of(request, slug, pk, presentation_pk, step_pk)
    initial = {"title": step.title, "caption": step.caption, "elements": step.elements, "focus": step.focus_id}
    form = _step_form(request, map_, initial=initial)
    status = 200
    back = _map_url(map_, "systemmap-presentation", presentation_pk=presentation.pk)
    if request.method == "POST":
        status = 400
        if form.is_valid():
            fields = form.cleaned_data
            changed, status = _save(
                form,
                lambda: services.step_update(
                    actor=request.user,
                    step=step,
                    title=fields["title"],
                    caption=fields["caption"],
                    elements=fields["elements"],
                    focus=fields["focus"],
                ),
            )
            if changed is not None:
                messages.success(request, f"Step {changed.position} has been changed.")
                return redirect(f"{back}#step-{changed.pk}")
    context = _context(request, collaborative, map=map_, presentation=presentation, step=step, form=form, back=back)
    return render(request, "frontend/systemmap/step_edit.html", context, status=status)


@page
@require_POST
def step_move(request: HttpRequest, slug: str, pk: int, presentation_pk: int, step_pk: int) -> HttpResponse:
    _, map_, presentation, step = _step_of(request, slug, pk, presentation_pk, step_pk)
    direction = request.POST.get("direction", "")
    moved = services.step_move(actor=request.user, step=step, direction=direction)
    messages.success(request, f"Moved {direction}: “{moved.title}” is now step {moved.position}.")
    url = _map_url(map_, "systemmap-presentation", presentation_pk=presentation.pk)
    return redirect(f"{url}#step-{moved.pk}")


@page
@require_POST
def step_remove(request: HttpRequest, slug: str, pk: int, presentation_pk: int, step_pk: int) -> HttpResponse:
    _, map_, presentation, step = _step_of(request, slug, pk, presentation_pk, step_pk)
    services.step_delete(actor=request.user, step=step)
    messages.success(request, f"The step “{step.title}” has been taken out.")
    return redirect(_map_url(map_, "systemmap-presentation", presentation_pk=presentation.pk) + "#steps-title")


@page
@require_POST
def presentation_remove(request: HttpRequest, slug: str, pk: int, presentation_pk: int) -> HttpResponse:
    collaborative, map_ = _map_of(request, slug, pk)
    presentation = selectors.presentation_get(request.user, map_, presentation_pk)
    services.presentation_delete(actor=request.user, presentation=presentation)
    messages.success(request, f"The presentation “{presentation.title}” has been removed.")
    return redirect(_map_url(map_, "systemmap-presentations"))
