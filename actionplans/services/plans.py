"""Writes of the action plan: the plan and its versions, its items (what, why, intended outcomes, theme, dates,
partners needed by sector, priorities and outcomes served), the outcome framework, strategies with objectives, the
alignment of items to objectives, priorities' links to the system map, and learning notes.

Facilitators, anchors and the programme team (`Action.EDIT_PLAN`) edit the plan and record strategies; the
programme team edits the outcome framework of its programme; everyone who may contribute writes learning notes.
Every write checks the access policy, runs in one transaction and leaves an audit record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from actionplans.models import (
    ALIGNMENT_NOTE_MAX,
    VERSION_NOTE_MAX,
    ActionPlan,
    ActionPlanVersion,
    Alignment,
    ItemStatus,
    LearningNote,
    Objective,
    Outcome,
    OutcomeFramework,
    OutcomeLevel,
    PlanItem,
    PlanItemPartner,
    PlanStatus,
    Priority,
    Strategy,
    StrategyKind,
    Theme,
)
from actionplans.outcomes_default import seed
from actionplans.services.vision import _collaborative_of, priority_create, vision_statement_create
from collab.access import Action, require, require_in_programme
from collab.audit import audit_record, changes_between, snapshot
from collab.errors import Conflict, DomainError, NotFound
from collab.models import Collaborative, Programme, Sector, User, Workshop
from collab.promotion import Promoted, PromotionTarget, Source, register_target

__all__ = [
    "ITEMS_MAX",
    "alignment_remove",
    "alignment_set",
    "learning_note_create",
    "objective_create",
    "objective_remove",
    "objective_update",
    "outcome_create",
    "outcome_framework_ensure",
    "outcome_retire",
    "outcome_update",
    "plan_ensure",
    "plan_item_create",
    "plan_item_remove",
    "plan_item_update",
    "plan_record_version",
    "priority_link",
    "register_promotion_targets",
    "strategy_create",
    "strategy_remove",
    "strategy_update",
]

ITEMS_MAX = 30  # a plan is 3–5 activities; room for growth, not a backlog
OBJECTIVES_MAX = 50
TITLE_MAX = 200
TEXT_MAX = 5000

ITEM_FIELDS = ["title", "why", "intended_outcomes", "theme", "status", "starts_on", "ends_on"]


def _text(field: str, value: str | None, *, required: bool = False, limit: int = TEXT_MAX, what: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError.for_field(field, what or "This cannot be empty.")
    if len(value) > limit:
        raise DomainError.for_field(field, f"Keep this to {limit:,} characters or fewer.")
    return value


def _choice(field: str, value: str, choices: type, what: str) -> str:
    if value not in choices.values:
        raise DomainError.for_field(field, f"Choose one of the listed {what}.")
    return value


def _dates(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise DomainError.for_field("ends_on", "The end date must be on or after the start date.")


# --- The outcome framework ------------------------------------------------------------------------------------------


@transaction.atomic
def outcome_framework_ensure(*, programme: Programme) -> OutcomeFramework:
    """The programme's framework, created with the default outcomes of the Theory of Change if it has none."""
    seed(OutcomeFramework, Outcome, programme)
    return OutcomeFramework.objects.get(programme=programme)


@transaction.atomic
def outcome_create(*, actor: User, programme: Programme, level: str, title: str, description: str = "") -> Outcome:
    require_in_programme(actor, Action.MANAGE_PROGRAMME, programme, what="change the outcome framework")
    framework = outcome_framework_ensure(programme=programme)
    level = _choice("level", level, OutcomeLevel, "levels")
    title = _text("title", title, required=True, limit=TITLE_MAX, what="Name the outcome.")
    if Outcome.objects.filter(framework=framework, title__iexact=title, retired_at__isnull=True).exists():
        raise DomainError.for_field("title", "The framework already has an outcome with that name.")
    position = Outcome.objects.filter(framework=framework).count() + 1
    outcome = Outcome.objects.create(
        framework=framework,
        level=level,
        title=title,
        description=_text("description", description, limit=2000),
        position=position,
    )
    audit_record(
        actor=actor, action="outcome.create", target=outcome, programme=programme, changes={"title": [None, title]}
    )
    return outcome


@transaction.atomic
def outcome_update(*, actor: User, outcome: Outcome, **fields: Any) -> Outcome:
    programme = outcome.framework.programme
    require_in_programme(actor, Action.MANAGE_PROGRAMME, programme, what="change the outcome framework")
    outcome = Outcome.objects.select_for_update().get(pk=outcome.pk)
    before = snapshot(outcome, ["level", "title", "description"])
    if "level" in fields:
        outcome.level = _choice("level", fields["level"], OutcomeLevel, "levels")
    if "title" in fields:
        outcome.title = _text("title", fields["title"], required=True, limit=TITLE_MAX, what="Name the outcome.")
        clash = Outcome.objects.filter(
            framework_id=outcome.framework_id, title__iexact=outcome.title, retired_at__isnull=True
        ).exclude(pk=outcome.pk)
        if clash.exists():
            raise DomainError.for_field("title", "The framework already has an outcome with that name.")
    if "description" in fields:
        outcome.description = _text("description", fields["description"], limit=2000)
    changes = changes_between(before, snapshot(outcome, ["level", "title", "description"]))
    if changes:
        outcome.save()
        audit_record(actor=actor, action="outcome.update", target=outcome, programme=programme, changes=changes)
    return outcome


@transaction.atomic
def outcome_retire(*, actor: User, outcome: Outcome) -> Outcome:
    """Take an outcome out of the framework; items that served it keep the link, shown as retired."""
    programme = outcome.framework.programme
    require_in_programme(actor, Action.MANAGE_PROGRAMME, programme, what="change the outcome framework")
    if outcome.retired_at is None:
        outcome.retired_at = timezone.now()
        outcome.save(update_fields=["retired_at"])
        audit_record(actor=actor, action="outcome.retire", target=outcome, programme=programme)
    return outcome


# --- The plan -------------------------------------------------------------------------------------------------------


def _may_edit(actor: User, collaborative: Collaborative, what: str = "change the action plan") -> None:
    require(actor, Action.EDIT_PLAN, collaborative, what=what)


def _plan(actor: User, collaborative: Collaborative, *, lock: bool = False) -> ActionPlan:
    plan, created = ActionPlan.objects.get_or_create(collaborative=collaborative, defaults={"created_by": actor})
    if created:
        audit_record(actor=actor, action="action_plan.create", target=plan, collaborative=collaborative)
    if lock:
        plan = ActionPlan.objects.select_for_update(of=("self",)).get(pk=plan.pk)
    return plan


@transaction.atomic
def plan_ensure(*, actor: User, collaborative: Collaborative, title: str | None = None) -> ActionPlan:
    """The Collaborative's plan (created as a draft the first time); `title` renames it."""
    _may_edit(actor, collaborative)
    plan = _plan(actor, collaborative, lock=True)
    if title is not None:
        title = _text("title", title, required=True, limit=TITLE_MAX, what="Give the plan a title.")
        if title != plan.title:
            audit_record(
                actor=actor,
                action="action_plan.update",
                target=plan,
                collaborative=collaborative,
                changes={"title": [plan.title, title]},
            )
            plan.title = title
            plan.save(update_fields=["title", "updated_at"])
    return plan


def _item_snapshot(item: PlanItem, sectors: Iterable[str]) -> dict[str, Any]:
    return {
        "id": item.pk,
        "title": item.title,
        "why": item.why,
        "intended_outcomes": item.intended_outcomes,
        "theme": item.theme,
        "status": item.status,
        "starts_on": item.starts_on.isoformat() if item.starts_on else None,
        "ends_on": item.ends_on.isoformat() if item.ends_on else None,
        "partners": sorted(sectors),
    }


@transaction.atomic
def plan_record_version(
    *,
    actor: User,
    collaborative: Collaborative,
    status: str,
    workshop: Workshop | None = None,
    on: date | None = None,
    note: str = "",
) -> ActionPlanVersion:
    """Record the plan as agreed at a named workshop, or as revised at the year-2 review: the items as they stand
    are copied into a new numbered version."""
    _may_edit(actor, collaborative, what="agree or revise the action plan")
    if status not in (PlanStatus.AGREED, PlanStatus.REVISED):
        raise DomainError.for_field("status", "Record the plan as agreed at a workshop or revised at the review.")
    if workshop is not None and workshop.collaborative_id != collaborative.pk:
        raise DomainError.for_field("workshop", "Choose a workshop of this Collaborative.")
    if status == PlanStatus.AGREED and workshop is None:
        raise DomainError.for_field("workshop", "Name the workshop at which the plan was agreed.")
    note = _text("note", note, limit=VERSION_NOTE_MAX)
    plan = _plan(actor, collaborative, lock=True)
    items = list(PlanItem.objects.filter(plan=plan, removed_at__isnull=True).prefetch_related("partners"))
    if not items:
        raise Conflict("The plan has no items yet: add its activities before agreeing it.")
    plan.number += 1
    plan.status = status
    plan.workshop = workshop
    plan.status_on = on or (
        timezone.localtime(workshop.starts_at).date() if workshop is not None else timezone.localdate()
    )
    plan.save(update_fields=["number", "status", "workshop", "status_on", "updated_at"])
    version = ActionPlanVersion.objects.create(
        plan=plan,
        number=plan.number,
        status=status,
        workshop=workshop,
        note=note,
        items=[_item_snapshot(item, [p.sector for p in item.partners.all()]) for item in items],
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="action_plan.version",
        target=plan,
        collaborative=collaborative,
        changes={"number": [plan.number - 1, plan.number], "status": [None, status]},
    )
    return version


# --- Items ----------------------------------------------------------------------------------------------------------


def _clean_sectors(sectors: Iterable[str]) -> list[str]:
    cleaned = []
    for sector in sectors:
        if sector not in Sector.values or sector == Sector.FACILITATION:
            raise DomainError.for_field("partners", "Choose partners from the listed sectors.")
        if sector not in cleaned:
            cleaned.append(sector)
    return cleaned


def _same_collaborative(field: str, objects: Iterable[Any], collaborative: Collaborative, what: str) -> list[Any]:
    objects = list(objects)
    for obj in objects:
        if obj.collaborative_id != collaborative.pk:
            raise DomainError.for_field(field, f"Choose {what} of this Collaborative.")
    return objects


def _programme_outcomes(field: str, outcomes: Iterable[Outcome], collaborative: Collaborative) -> list[Outcome]:
    outcomes = list(outcomes)
    if outcomes:
        programme_ids = set(
            OutcomeFramework.objects.filter(pk__in={o.framework_id for o in outcomes}).values_list(
                "programme_id", flat=True
            )
        )
        if programme_ids != {collaborative.programme_id} or any(o.retired_at for o in outcomes):
            raise DomainError.for_field(field, "Choose outcomes of this programme's framework.")
    return outcomes


def _clean_item_fields(fields: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if creating or "title" in fields:
        clean["title"] = _text(
            "title", fields.get("title"), required=True, limit=TITLE_MAX, what="Say what the activity is."
        )
    for name in ("why", "intended_outcomes"):
        if name in fields:
            clean[name] = _text(name, fields[name])
    if "theme" in fields:
        clean["theme"] = _choice("theme", fields["theme"], Theme, "themes")
    if "status" in fields:
        clean["status"] = _choice("status", fields["status"], ItemStatus, "statuses")
    for name in ("starts_on", "ends_on"):
        if name in fields:
            clean[name] = fields[name]
    return clean


@transaction.atomic
def plan_item_create(
    *,
    actor: User,
    collaborative: Collaborative,
    title: str,
    why: str = "",
    intended_outcomes: str = "",
    theme: str = Theme.OTHER,
    status: str = ItemStatus.PLANNED,
    starts_on: date | None = None,
    ends_on: date | None = None,
    partners: Sequence[str] = (),
    priorities: Sequence[Priority] = (),
    outcomes: Sequence[Outcome] = (),
    source: Source | None = None,
) -> PlanItem:
    _may_edit(actor, collaborative, what="add items to the action plan")
    fields = _clean_item_fields(
        {
            "title": title,
            "why": why,
            "intended_outcomes": intended_outcomes,
            "theme": theme,
            "status": status,
            "starts_on": starts_on,
            "ends_on": ends_on,
        },
        creating=True,
    )
    _dates(starts_on, ends_on)
    sectors = _clean_sectors(partners)
    priorities = _same_collaborative("priorities", priorities, collaborative, "priorities")
    outcomes = _programme_outcomes("outcomes", outcomes, collaborative)
    plan = _plan(actor, collaborative, lock=True)
    count = PlanItem.objects.filter(plan=plan, removed_at__isnull=True).count()
    if count >= ITEMS_MAX:
        raise Conflict(f"The plan already has {ITEMS_MAX} items. Combine or take some out before adding more.")
    item = PlanItem.objects.create(
        plan=plan,
        collaborative=collaborative,
        position=count + 1,
        source_board=source.board if source else None,
        source_card=source.card if source else None,
        source_group=source.group if source else None,
        created_by=actor,
        **fields,
    )
    PlanItemPartner.objects.bulk_create(PlanItemPartner(item=item, sector=s) for s in sectors)
    item.priorities.set(priorities)
    item.outcomes.set(outcomes)
    audit_record(
        actor=actor,
        action="plan_item.create",
        target=item,
        collaborative=collaborative,
        changes={
            "title": [None, item.title],
            "partners": [None, sectors],
            "source_board": [None, item.source_board_id],
        },
    )
    return item


def _fresh_item(item: PlanItem) -> PlanItem:
    fresh = PlanItem.objects.select_for_update(of=("self",)).filter(pk=item.pk).select_related("collaborative").first()
    if fresh is None or fresh.removed_at is not None:
        raise NotFound("That item is no longer in the plan.")
    return fresh


@transaction.atomic
def plan_item_update(
    *,
    actor: User,
    item: PlanItem,
    partners: Sequence[str] | None = None,
    priorities: Sequence[Priority] | None = None,
    outcomes: Sequence[Outcome] | None = None,
    **fields: Any,
) -> PlanItem:
    """Change any of the item's fields; lists given replace what it had."""
    collaborative = item.collaborative
    _may_edit(actor, collaborative)
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise DomainError(f"Unknown field: {', '.join(sorted(unknown))}.")
    item = _fresh_item(item)
    clean = _clean_item_fields(fields, creating=False)
    before = snapshot(item, ITEM_FIELDS)
    for name, value in clean.items():
        setattr(item, name, value)
    _dates(item.starts_on, item.ends_on)
    changes = changes_between(before, snapshot(item, ITEM_FIELDS))
    if partners is not None:
        sectors = _clean_sectors(partners)
        old = sorted(PlanItemPartner.objects.filter(item=item).values_list("sector", flat=True))
        if sorted(sectors) != old:
            PlanItemPartner.objects.filter(item=item).exclude(sector__in=sectors).delete()
            PlanItemPartner.objects.bulk_create([PlanItemPartner(item=item, sector=s) for s in sectors if s not in old])
            changes["partners"] = [old, sorted(sectors)]
    if priorities is not None:
        priorities = _same_collaborative("priorities", priorities, collaborative, "priorities")
        old_ids = sorted(item.priorities.values_list("pk", flat=True))
        new_ids = sorted(p.pk for p in priorities)
        if old_ids != new_ids:
            item.priorities.set(priorities)
            changes["priorities"] = [old_ids, new_ids]
    if outcomes is not None:
        outcomes = _programme_outcomes("outcomes", outcomes, collaborative)
        old_ids = sorted(item.outcomes.values_list("pk", flat=True))
        new_ids = sorted(o.pk for o in outcomes)
        if old_ids != new_ids:
            item.outcomes.set(outcomes)
            changes["outcomes"] = [old_ids, new_ids]
    if changes:
        item.save()
        audit_record(actor=actor, action="plan_item.update", target=item, collaborative=collaborative, changes=changes)
    return item


@transaction.atomic
def plan_item_remove(*, actor: User, item: PlanItem) -> PlanItem:
    """Take an item out of the plan. Its row stays (versions already recorded keep their copy)."""
    _may_edit(actor, item.collaborative)
    item = _fresh_item(item)
    item.removed_at = timezone.now()
    item.save(update_fields=["removed_at", "updated_at"])
    audit_record(actor=actor, action="plan_item.remove", target=item, collaborative=item.collaborative)
    return item


# --- Priorities' links to the system map ----------------------------------------------------------------------------


@transaction.atomic
def priority_link(
    *, actor: User, priority: Priority, findings: Sequence[Any] | None = None, evidence: Sequence[Any] | None = None
) -> Priority:
    """Set the findings and evidence that justify a priority (lists replace what it had). Each must belong to a
    system map of the priority's Collaborative."""
    collaborative = priority.collaborative
    _may_edit(actor, collaborative, what="change priorities")
    changes: dict[str, Any] = {}
    for name, objects in (("findings", findings), ("evidence", evidence)):
        if objects is None:
            continue
        objects = list(objects)
        if any(obj.map.collaborative_id != collaborative.pk for obj in objects):
            raise DomainError.for_field(name, f"Choose {name} from this Collaborative's system maps.")
        manager = getattr(priority, name)
        old = sorted(manager.values_list("pk", flat=True))
        new = sorted(obj.pk for obj in objects)
        if old != new:
            manager.set(objects)
            changes[name] = [old, new]
    if changes:
        audit_record(actor=actor, action="priority.link", target=priority, collaborative=collaborative, changes=changes)
    return priority


# --- Strategies, objectives and alignment ---------------------------------------------------------------------------

STRATEGY_FIELDS = ["kind", "title", "owner", "period", "url", "summary"]


def _clean_strategy(fields: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if creating or "kind" in fields:
        clean["kind"] = _choice("kind", fields.get("kind", ""), StrategyKind, "kinds of strategy")
    if creating or "title" in fields:
        clean["title"] = _text("title", fields.get("title"), required=True, limit=TITLE_MAX, what="Name the strategy.")
    for name, limit in (("owner", 200), ("period", 100), ("url", 500), ("summary", TEXT_MAX)):
        if name in fields:
            clean[name] = _text(name, fields[name], limit=limit)
    if clean.get("url") and not clean["url"].startswith(("https://", "http://")):
        raise DomainError.for_field("url", "Give a web address starting with https://.")
    return clean


@transaction.atomic
def strategy_create(*, actor: User, collaborative: Collaborative, **fields: Any) -> Strategy:
    _may_edit(actor, collaborative, what="record strategies")
    unknown = set(fields) - set(STRATEGY_FIELDS)
    if unknown:
        raise DomainError(f"Unknown field: {', '.join(sorted(unknown))}.")
    strategy = Strategy.objects.create(
        collaborative=collaborative, created_by=actor, **_clean_strategy(fields, creating=True)
    )
    audit_record(
        actor=actor,
        action="strategy.create",
        target=strategy,
        collaborative=collaborative,
        changes={"title": [None, strategy.title], "kind": [None, strategy.kind]},
    )
    return strategy


def _fresh(model: type, obj: Any, what: str) -> Any:
    fresh = model.objects.select_for_update(of=("self",)).filter(pk=obj.pk).first()
    if fresh is None or fresh.removed_at is not None:
        raise NotFound(f"That {what} has been taken out.")
    return fresh


@transaction.atomic
def strategy_update(*, actor: User, strategy: Strategy, **fields: Any) -> Strategy:
    return _update(actor, strategy, fields, STRATEGY_FIELDS, _clean_strategy, what="strategy")


@transaction.atomic
def strategy_remove(*, actor: User, strategy: Strategy) -> Strategy:
    collaborative = strategy.collaborative
    _may_edit(actor, collaborative, what="change strategies")
    strategy = _fresh(Strategy, strategy, "strategy")
    strategy.removed_at = timezone.now()
    strategy.save(update_fields=["removed_at", "updated_at"])
    audit_record(actor=actor, action="strategy.remove", target=strategy, collaborative=collaborative)
    return strategy


OBJECTIVE_FIELDS = ["reference", "title", "description"]


def _clean_objective(fields: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if creating or "title" in fields:
        clean["title"] = _text("title", fields.get("title"), required=True, limit=300, what="State the objective.")
    if "reference" in fields:
        clean["reference"] = _text("reference", fields["reference"], limit=20)
    if "description" in fields:
        clean["description"] = _text("description", fields["description"], limit=2000)
    return clean


@transaction.atomic
def objective_create(
    *, actor: User, strategy: Strategy, title: str, reference: str = "", description: str = ""
) -> Objective:
    collaborative = strategy.collaborative
    _may_edit(actor, collaborative, what="record strategies")
    strategy = _fresh(Strategy, strategy, "strategy")
    count = Objective.objects.filter(strategy=strategy, removed_at__isnull=True).count()
    if count >= OBJECTIVES_MAX:
        raise Conflict(f"A strategy can have up to {OBJECTIVES_MAX} objectives here.")
    objective = Objective.objects.create(
        strategy=strategy,
        collaborative=collaborative,
        position=count + 1,
        **_clean_objective({"title": title, "reference": reference, "description": description}, creating=True),
    )
    audit_record(
        actor=actor,
        action="objective.create",
        target=objective,
        collaborative=collaborative,
        changes={"title": [None, objective.title], "strategy": [None, strategy.pk]},
    )
    return objective


@transaction.atomic
def objective_update(*, actor: User, objective: Objective, **fields: Any) -> Objective:
    return _update(actor, objective, fields, OBJECTIVE_FIELDS, _clean_objective, what="objective")


def _update(actor: User, obj: Any, fields: dict[str, Any], allowed: list[str], clean: Any, *, what: str) -> Any:
    """Change a strategy or an objective: known fields only, cleaned, audited with what changed (nothing if nothing
    did)."""
    collaborative = obj.collaborative
    _may_edit(actor, collaborative, what="change strategies")
    unknown = set(fields) - set(allowed)
    if unknown:
        raise DomainError(f"Unknown field: {', '.join(sorted(unknown))}.")
    obj = _fresh(type(obj), obj, what)
    before = snapshot(obj, allowed)
    for name, value in clean(fields, creating=False).items():
        setattr(obj, name, value)
    changes = changes_between(before, snapshot(obj, allowed))
    if changes:
        obj.save()
        audit_record(actor=actor, action=f"{what}.update", target=obj, collaborative=collaborative, changes=changes)
    return obj


@transaction.atomic
def objective_remove(*, actor: User, objective: Objective) -> Objective:
    collaborative = objective.collaborative
    _may_edit(actor, collaborative, what="change strategies")
    objective = _fresh(Objective, objective, "objective")
    objective.removed_at = timezone.now()
    objective.save(update_fields=["removed_at"])
    audit_record(actor=actor, action="objective.remove", target=objective, collaborative=collaborative)
    return objective


@transaction.atomic
def alignment_set(*, actor: User, item: PlanItem, objective: Objective, note: str) -> tuple[Alignment, bool]:
    """Align an item to an objective with a short note of how (or change the note). True when newly aligned."""
    collaborative = item.collaborative
    _may_edit(actor, collaborative, what="align the plan to strategies")
    if objective.collaborative_id != collaborative.pk:
        raise DomainError.for_field("objective", "Choose an objective of a strategy recorded for this Collaborative.")
    if item.removed_at is not None or objective.removed_at is not None:
        raise NotFound("That item or objective has been taken out.")
    note = _text("note", note, required=True, limit=ALIGNMENT_NOTE_MAX, what="Say in a line how the item serves it.")
    alignment = Alignment.objects.select_for_update().filter(item=item, objective=objective).first()
    if alignment is None:
        alignment = Alignment.objects.create(item=item, objective=objective, note=note, created_by=actor)
        audit_record(
            actor=actor,
            action="alignment.create",
            target=alignment,
            collaborative=collaborative,
            changes={"item": [None, item.pk], "objective": [None, objective.pk], "note": [None, note]},
        )
        return alignment, True
    if alignment.note != note:
        audit_record(
            actor=actor,
            action="alignment.update",
            target=alignment,
            collaborative=collaborative,
            changes={"note": [alignment.note, note]},
        )
        alignment.note = note
        alignment.save(update_fields=["note", "updated_at"])
    return alignment, False


@transaction.atomic
def alignment_remove(*, actor: User, alignment: Alignment) -> None:
    collaborative = alignment.item.collaborative
    _may_edit(actor, collaborative, what="align the plan to strategies")
    audit_record(
        actor=actor,
        action="alignment.remove",
        target=alignment,
        collaborative=collaborative,
        changes={"item": [alignment.item_id, None], "objective": [alignment.objective_id, None]},
    )
    alignment.delete()


# --- Learning -------------------------------------------------------------------------------------------------------


@transaction.atomic
def learning_note_create(
    *,
    actor: User,
    collaborative: Collaborative,
    title: str,
    body: str,
    item: PlanItem | None = None,
    shared: bool = False,
) -> LearningNote:
    """Something learnt; `shared` shows it to the other localities of the programme, on purpose."""
    require(actor, Action.CONTRIBUTE, collaborative, what="write learning notes")
    if item is not None and item.collaborative_id != collaborative.pk:
        raise DomainError.for_field("item", "Choose an item of this Collaborative's plan.")
    note = LearningNote.objects.create(
        collaborative=collaborative,
        item=item,
        title=_text("title", title, required=True, limit=TITLE_MAX, what="Give the note a title."),
        body=_text("body", body, required=True, what="Write what was learnt."),
        shared=shared,
        author=actor,
    )
    audit_record(
        actor=actor,
        action="learning_note.create",
        target=note,
        collaborative=collaborative,
        changes={"title": [None, note.title], "shared": [None, shared]},
    )
    return note


# --- Promotion from the workshop boards -----------------------------------------------------------------------------


def _promote_to_plan_item(*, actor: User, source: Source) -> Promoted:
    """A card's words, or a group's title, become a plan item; a group's cards go into its "why"."""
    collaborative = _collaborative_of(source, "Plan items")
    item = plan_item_create(
        actor=actor,
        collaborative=collaborative,
        title=source.title[:TITLE_MAX],
        why=source.detail[:TEXT_MAX],
        source=source,
    )
    url = reverse("plan-item", kwargs={"slug": collaborative.slug, "pk": item.pk})
    return Promoted(id=item.pk, label=item.title, url=url)


def _promote_to_priority(*, actor: User, source: Source) -> Promoted:
    collaborative = _collaborative_of(source, "Priorities")
    priority = priority_create(
        actor=actor, collaborative=collaborative, title=source.title[:300], description=source.detail, source=source
    )
    url = reverse("collaborative-priorities", kwargs={"slug": collaborative.slug}) + f"#priority-{priority.pk}"
    return Promoted(id=priority.pk, label=priority.title, url=url)


def _promote_to_vision_statement(*, actor: User, source: Source) -> Promoted:
    """A card's words, or a group's title, become a draft statement; a group's cards go into the drafters' note."""
    from actionplans.models import NOTE_MAX, STATEMENT_MAX

    collaborative = _collaborative_of(source, "Vision statements")
    statement = vision_statement_create(
        actor=actor,
        collaborative=collaborative,
        text=source.title[:STATEMENT_MAX],
        note=source.detail[:NOTE_MAX],
        source=source,
    )
    url = reverse("vision-drafts", kwargs={"slug": collaborative.slug}) + f"#statement-{statement.pk}"
    return Promoted(id=statement.pk, label=str(statement), url=url)


def register_promotion_targets() -> None:
    register_target(PromotionTarget(name="priority", label="Priority", create=_promote_to_priority))
    register_target(
        PromotionTarget(name="vision_statement", label="Vision statement", create=_promote_to_vision_statement)
    )
    register_target(PromotionTarget(name="plan_item", label="Plan item", create=_promote_to_plan_item))
