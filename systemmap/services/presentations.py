"""Writes of presentations: saved sequences of views of a map, revealed step by step at a workshop ("present mode").

Facilitators and anchors (EDIT_PLAN) make and change them; everyone who can see the map can present them. Each write
is audited. Presentations are not part of the map's live stream: they change between workshops, not during them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Max

from collab.access import Action, require
from collab.audit import audit_record
from collab.errors import DomainError
from collab.models import User
from systemmap.models import (
    STEP_CAPTION_MAX,
    STEP_TITLE_MAX,
    TITLE_MAX,
    Element,
    Map,
    Presentation,
    PresentationStep,
)
from systemmap.services.common import UNSET, clean_text

PRESENTATIONS_PER_MAP = 50
STEPS_PER_PRESENTATION = 100


def _require_editor(actor: User, map_: Map) -> None:
    require(actor, Action.EDIT_PLAN, map_.collaborative, what="prepare presentations of system maps")


def _audit(actor: User, action: str, target: Any, map_: Map, changes: dict[str, Any] | None = None) -> None:
    audit_record(actor=actor, action=action, target=target, collaborative=map_.collaborative, changes=changes)


def _clean_elements(map_: Map, elements: Iterable[Any]) -> list[int]:
    wanted: list[int] = []
    for value in elements:
        if isinstance(value, bool) or not isinstance(value, int):
            raise DomainError.for_field("elements", "Choose elements of this map.")
        if value not in wanted:
            wanted.append(value)
    found = set(Element.objects.filter(map=map_, pk__in=wanted).values_list("pk", flat=True))
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise DomainError.for_field(
            "elements", "Some of those elements are not on this map (they may have been removed)."
        )
    return wanted


def _clean_focus(map_: Map, focus: Any, elements: list[int]) -> Element | None:
    if focus in (None, ""):
        return None
    pk = focus.pk if isinstance(focus, Element) else focus
    found = Element.objects.filter(map=map_, pk=pk).first() if isinstance(pk, int) else None
    if found is None:
        raise DomainError.for_field("focus", "Choose an element of this map to zoom in on.")
    if found.pk not in elements:
        raise DomainError.for_field("focus", "Zoom in on one of the elements this step shows.")
    return found


@transaction.atomic
def presentation_create(*, actor: User, map: Map, title: str) -> Presentation:
    _require_editor(actor, map)
    if Presentation.objects.filter(map=map).count() >= PRESENTATIONS_PER_MAP:
        raise DomainError(f"A map can have at most {PRESENTATIONS_PER_MAP} presentations; remove an old one first.")
    presentation = Presentation.objects.create(
        map=map, title=clean_text(title, "title", TITLE_MAX, what="the presentation a title"), created_by=actor
    )
    _audit(actor, "systemmap.presentation.create", presentation, map, {"title": [None, presentation.title]})
    return presentation


@transaction.atomic
def presentation_update(*, actor: User, presentation: Presentation, title: str) -> Presentation:
    _require_editor(actor, presentation.map)
    target = Presentation.objects.select_for_update().get(pk=presentation.pk)
    before = target.title
    target.title = clean_text(title, "title", TITLE_MAX, what="the presentation a title")
    target.save()
    _audit(actor, "systemmap.presentation.update", target, target.map, {"title": [before, target.title]})
    return target


@transaction.atomic
def presentation_delete(*, actor: User, presentation: Presentation) -> None:
    _require_editor(actor, presentation.map)
    steps = presentation.steps.count()
    _audit(
        actor,
        "systemmap.presentation.delete",
        presentation,
        presentation.map,
        {"title": [presentation.title, None], "steps": [steps, 0]},
    )
    presentation.delete()


def _locked(presentation: Presentation) -> Presentation:
    """The presentation, locked: changes to its steps are serialised, so positions stay 1, 2, 3…"""
    return Presentation.objects.select_for_update().select_related("map__collaborative").get(pk=presentation.pk)


@transaction.atomic
def step_create(
    *,
    actor: User,
    presentation: Presentation,
    title: str,
    caption: str = "",
    elements: Iterable[int] | None = None,
    focus: Element | int | None = None,
) -> PresentationStep:
    """Add a step at the end. Without `elements` it shows what the step before it showed (so the next one can
    reveal more)."""
    _require_editor(actor, presentation.map)
    locked = _locked(presentation)
    map_ = locked.map
    steps = PresentationStep.objects.filter(presentation=locked)
    if steps.count() >= STEPS_PER_PRESENTATION:
        raise DomainError(f"A presentation can have at most {STEPS_PER_PRESENTATION} steps.")
    last = steps.order_by("-position", "-id").first()
    if elements is None:
        shown = list(last.elements) if last else []
        shown = list(Element.objects.filter(map=map_, pk__in=shown).values_list("pk", flat=True))
    else:
        shown = _clean_elements(map_, elements)
    step = PresentationStep.objects.create(
        presentation=locked,
        position=(steps.aggregate(last=Max("position"))["last"] or 0) + 1,
        title=clean_text(title, "title", STEP_TITLE_MAX, what="the step a title"),
        caption=clean_text(caption, "caption", STEP_CAPTION_MAX, required=False),
        elements=shown,
        focus=_clean_focus(map_, focus, shown),
    )
    _audit(
        actor,
        "systemmap.presentation.step.create",
        step,
        map_,
        {"title": [None, step.title], "elements": [None, len(shown)]},
    )
    return step


@transaction.atomic
def step_update(
    *,
    actor: User,
    step: PresentationStep,
    title: Any = UNSET,
    caption: Any = UNSET,
    elements: Any = UNSET,
    focus: Any = UNSET,
) -> PresentationStep:
    _require_editor(actor, step.presentation.map)
    locked = _locked(step.presentation)
    map_ = locked.map
    target = PresentationStep.objects.filter(presentation=locked, pk=step.pk).first()
    if target is None:
        raise DomainError.for_field("step", "That step has been removed from the presentation.")
    before = {"title": target.title, "caption": target.caption, "elements": len(target.elements)}
    if title is not UNSET:
        target.title = clean_text(title, "title", STEP_TITLE_MAX, what="the step a title")
    if caption is not UNSET:
        target.caption = clean_text(caption, "caption", STEP_CAPTION_MAX, required=False)
    if elements is not UNSET:
        target.elements = _clean_elements(map_, elements)
    if focus is not UNSET:
        target.focus = _clean_focus(map_, focus, target.elements)
    elif target.focus_id is not None and target.focus_id not in target.elements:
        target.focus = None  # no longer shown, so no longer zoomed in on
    target.save()
    after = {"title": target.title, "caption": target.caption, "elements": len(target.elements)}
    changes = {k: [v, after[k]] for k, v in before.items() if after[k] != v}
    _audit(actor, "systemmap.presentation.step.update", target, map_, changes)
    return target


@transaction.atomic
def step_move(*, actor: User, step: PresentationStep, direction: str) -> PresentationStep:
    """Swap a step with the one before ("up") or after ("down") it."""
    _require_editor(actor, step.presentation.map)
    if direction not in ("up", "down"):
        raise DomainError.for_field("direction", "Move the step up or down.")
    locked = _locked(step.presentation)
    ordered = list(PresentationStep.objects.filter(presentation=locked).order_by("position", "id"))
    index = next((i for i, s in enumerate(ordered) if s.pk == step.pk), None)
    if index is None:
        raise DomainError.for_field("step", "That step has been removed from the presentation.")
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        raise DomainError.for_field(
            "direction", f"That step is already the {'first' if direction == 'up' else 'last'}."
        )
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    PresentationStep.objects.bulk_update(ordered, ["position"])
    moved = ordered[other]
    _audit(actor, "systemmap.presentation.step.move", moved, locked.map, {"position": [index + 1, other + 1]})
    return moved


@transaction.atomic
def step_delete(*, actor: User, step: PresentationStep) -> None:
    _require_editor(actor, step.presentation.map)
    locked = _locked(step.presentation)
    target = PresentationStep.objects.filter(presentation=locked, pk=step.pk).first()
    if target is None:
        return
    _audit(actor, "systemmap.presentation.step.delete", target, locked.map, {"title": [target.title, None]})
    target.delete()
    rest = list(PresentationStep.objects.filter(presentation=locked).order_by("position", "id"))
    for position, item in enumerate(rest, start=1):
        item.position = position
    PresentationStep.objects.bulk_update(rest, ["position"])
