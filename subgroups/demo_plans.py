"""Demo data of the action plan, built after the sub-groups (each owns an item): per locality, a plan agreed at a
workshop held, an item per sub-group plus one nobody owns yet, partners needed by sector, the authority's SEND and
inclusion strategy and a national programme with objectives, alignments (leaving a gap each way, so the dashboard
has something in every part), outcomes served and a shared learning note.

Written with bulk inserts so the benchmark can build 150 localities quickly; every name and text is invented.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from actionplans.models import (
    ActionPlan,
    ActionPlanVersion,
    Alignment,
    ItemStatus,
    LearningNote,
    Objective,
    Outcome,
    PlanItem,
    PlanItemPartner,
    PlanStatus,
    Strategy,
    StrategyKind,
    Theme,
)
from actionplans.services import outcome_framework_ensure
from collab.demo import DemoExtension, DemoLogin
from collab.models import Collaborative, Membership, Programme, Role, Sector, Workshop
from subgroups.models import PlanItemOwner, SubGroup

THEMES = [
    ("transition", Theme.TRANSITIONS),
    ("network", Theme.PEER_NETWORKS),
    ("drop-in", Theme.EARLY_HELP),
    ("early help", Theme.EARLY_HELP),
    ("behaviour", Theme.INCLUSION_PRACTICE),
    ("trauma", Theme.INCLUSION_PRACTICE),
    ("therap", Theme.HEALTH_ACCESS),
    ("helpline", Theme.HEALTH_ACCESS),
    ("fair access", Theme.FAIR_ACCESS),
    ("outreach", Theme.ALTERNATIVE_PROVISION),
]
PARTNERS = {
    Theme.TRANSITIONS: [Sector.PRIMARY_SCHOOL, Sector.SECONDARY_SCHOOL, Sector.PARENT_CARERS],
    Theme.PEER_NETWORKS: [Sector.SECONDARY_SCHOOL, Sector.LA_EDUCATION],
    Theme.EARLY_HELP: [Sector.EARLY_HELP, Sector.SOCIAL_CARE],
    Theme.INCLUSION_PRACTICE: [Sector.SPECIAL_SCHOOL, Sector.EDUCATIONAL_PSYCHOLOGY],
    Theme.HEALTH_ACCESS: [Sector.HEALTH],
    Theme.FAIR_ACCESS: [Sector.LA_EDUCATION, Sector.ALTERNATIVE_PROVISION],
    Theme.ALTERNATIVE_PROVISION: [Sector.ALTERNATIVE_PROVISION],
    Theme.OTHER: [Sector.LA_EDUCATION],
}
OUTCOMES = {
    Theme.TRANSITIONS: ["Timely, accurate information sharing about pupils' needs", "Children feel more included"],
    Theme.PEER_NETWORKS: ["Trust", "Equitable sharing of burdens and risks"],
    Theme.EARLY_HELP: ["Timely access to preventative or appropriate provision"],
    Theme.INCLUSION_PRACTICE: ["Empathy", "Preventable exclusions keep falling"],
    Theme.HEALTH_ACCESS: ["Timely access to preventative or appropriate provision"],
    Theme.FAIR_ACCESS: ["Fairness", "Equitable sharing of burdens and risks"],
    Theme.ALTERNATIVE_PROVISION: ["Alignment and coherence of the local support offer"],
    Theme.OTHER: ["Openness to learning and collaboration"],
}
LOCAL_OBJECTIVES = [
    ("1.1", "Identify needs early and act on them before they escalate"),
    ("2.1", "Reduce suspensions and permanent exclusions"),
    ("2.2", "Smooth transitions between phases and settings"),
    ("3.1", "Families are partners in planning support"),
]
NATIONAL_OBJECTIVES = [
    ("A", "Alternative provision used early, as an intervention"),
    ("B", "Stable, well-planned moves back to mainstream"),
]
# Which objectives each theme serves (by reference); "3.1" is left unserved in most localities: a gap to show.
ALIGN = {
    Theme.TRANSITIONS: [("2.2", "The early-identification tool flags Year 6 pupils at risk before they move.")],
    Theme.PEER_NETWORKS: [("2.1", "Headteachers agree alternatives before exclusion is considered.")],
    Theme.EARLY_HELP: [("1.1", "Drop-in clinics bring early help into schools.")],
    Theme.INCLUSION_PRACTICE: [("2.1", "Staff trained to respond to behaviour as communication.")],
    Theme.HEALTH_ACCESS: [("1.1", "Schools get advice from therapists within the week.")],
    Theme.FAIR_ACCESS: [("B", "One panel plans every move with the receiving school.")],
    Theme.ALTERNATIVE_PROVISION: [("A", "Outreach from AP into mainstream before a placement.")],
}


def theme_for(name: str) -> str:
    lowered = name.lower()
    return next((theme for word, theme in THEMES if word in lowered), Theme.OTHER)


@transaction.atomic
def build_plans(collaboratives: list[Collaborative], *, seed: int = 2026) -> int:
    """A plan, strategies and alignments for each collaborative (which must not have a plan yet); the number of
    items made."""
    rng = random.Random(seed)
    if not collaboratives:
        return 0
    programmes = {c.programme_id: c.programme for c in collaboratives}
    for programme in programmes.values():
        outcome_framework_ensure(programme=programme)
    outcomes = {(o.framework.programme_id, o.title): o for o in Outcome.objects.select_related("framework")}
    ids = [c.pk for c in collaboratives]
    editors = {}
    for collaborative_id, user_id in (
        Membership.objects.active()
        .filter(collaborative_id__in=ids, role__in=[Role.ANCHOR, Role.FACILITATOR])
        .order_by("role", "pk")
        .values_list("collaborative_id", "user_id")
    ):
        editors.setdefault(collaborative_id, user_id)
    now = timezone.now()
    held = {}
    for workshop in Workshop.objects.filter(
        collaborative_id__in=ids, ends_at__lte=now, cancelled_at__isnull=True
    ).order_by("starts_at"):
        held.setdefault(workshop.collaborative_id, workshop)  # the first workshop held: where the plan was agreed
    subgroups: dict[int, list[SubGroup]] = {}
    for subgroup in SubGroup.objects.filter(collaborative_id__in=ids).order_by("pk"):
        subgroups.setdefault(subgroup.collaborative_id, []).append(subgroup)

    plans = ActionPlan.objects.bulk_create(
        [
            ActionPlan(
                collaborative=c,
                title=f"{c.locality} blueprint",
                status=PlanStatus.AGREED if held.get(c.pk) else PlanStatus.DRAFT,
                number=1 if held.get(c.pk) else 0,
                workshop=held.get(c.pk),
                status_on=timezone.localtime(held[c.pk].starts_at).date() if held.get(c.pk) else None,
                created_by_id=editors[c.pk],
            )
            for c in collaboratives
            if c.pk in editors
        ]
    )
    items: list[PlanItem] = []
    owners: list[tuple[PlanItem, SubGroup]] = []
    today = timezone.localdate()
    for plan in plans:
        c = plan.collaborative
        for position, subgroup in enumerate(subgroups.get(c.pk, []), start=1):
            item = PlanItem(
                plan=plan,
                collaborative=c,
                title=subgroup.name,
                why=subgroup.aims or "A need the system map showed.",
                intended_outcomes="Fewer pupils excluded when support could have prevented it.",
                theme=theme_for(subgroup.name),
                status=ItemStatus.IN_PROGRESS,
                starts_on=today - timedelta(days=200),
                ends_on=today + timedelta(days=rng.randint(200, 500)),
                position=position,
                created_by_id=plan.created_by_id,
            )
            items.append(item)
            owners.append((item, subgroup))
        items.append(
            PlanItem(
                plan=plan,
                collaborative=c,
                title="Families' voice in every project",
                why="Children's and families' views were strong in year 1 and then ad hoc.",
                intended_outcomes="Every project asks families before it decides.",
                theme=Theme.FAMILY_VOICE,
                status=ItemStatus.PLANNED,
                starts_on=today + timedelta(days=30),
                position=len(subgroups.get(c.pk, [])) + 1,
                created_by_id=plan.created_by_id,
            )
        )
    PlanItem.objects.bulk_create(items)
    PlanItemOwner.objects.bulk_create(
        [PlanItemOwner(item=item, subgroup=subgroup, assigned_by_id=item.created_by_id) for item, subgroup in owners]
    )
    partners = []
    for item in items:
        sectors = (
            [Sector.PARENT_CARERS, Sector.SOCIAL_CARE] if item.theme == Theme.FAMILY_VOICE else PARTNERS[item.theme]
        )
        partners += [PlanItemPartner(item=item, sector=s) for s in sectors]
    PlanItemPartner.objects.bulk_create(partners)
    served = []
    for item in items:
        for title in OUTCOMES.get(item.theme, ["Children feel more included"]):
            outcome = outcomes.get((item.collaborative.programme_id, title))
            if outcome is not None:
                served.append(PlanItem.outcomes.through(planitem_id=item.pk, outcome_id=outcome.pk))
    PlanItem.outcomes.through.objects.bulk_create(served)

    strategies, objectives = [], []
    for plan in plans:
        c = plan.collaborative
        local = Strategy(
            collaborative=c,
            kind=StrategyKind.LOCAL,
            title=f"{c.locality} SEND and inclusion strategy",
            owner=f"{c.locality} Council, children's services",
            period="2024 to 2027",
            summary="The council's plan for children with special educational needs and for inclusion in schools.",
            created_by_id=plan.created_by_id,
        )
        national = Strategy(
            collaborative=c,
            kind=StrategyKind.NATIONAL,
            title="Alternative provision specialist taskforce",
            owner="Department for Education",
            period="2023 to 2026",
            created_by_id=plan.created_by_id,
        )
        strategies += [local, national]
    Strategy.objects.bulk_create(strategies)
    for strategy in strategies:
        rows = LOCAL_OBJECTIVES if strategy.kind == StrategyKind.LOCAL else NATIONAL_OBJECTIVES
        objectives += [
            Objective(strategy=strategy, collaborative_id=strategy.collaborative_id, reference=ref, title=t, position=i)
            for i, (ref, t) in enumerate(rows, start=1)
        ]
    Objective.objects.bulk_create(objectives)
    by_reference = {(o.collaborative_id, o.reference): o for o in objectives}
    alignments = []
    for item in items:
        for ref, note in ALIGN.get(item.theme, []):
            objective = by_reference.get((item.collaborative_id, ref))
            if objective is not None:
                alignments.append(
                    Alignment(item=item, objective=objective, note=note, created_by_id=item.created_by_id)
                )
    Alignment.objects.bulk_create(alignments)
    versions = []
    for plan in plans:
        if plan.number:
            snapshot = [
                {"id": i.pk, "title": i.title, "theme": i.theme, "status": i.status}
                for i in items
                if i.plan_id == plan.pk
            ]
            versions.append(
                ActionPlanVersion(
                    plan=plan,
                    number=1,
                    status=PlanStatus.AGREED,
                    workshop=plan.workshop,
                    note="Agreed by the whole Collaborative.",
                    items=snapshot,
                    recorded_by_id=plan.created_by_id,
                    recorded_at=plan.workshop.ends_at,
                )
            )
    ActionPlanVersion.objects.bulk_create(versions)
    LearningNote.objects.bulk_create(
        [
            LearningNote(
                collaborative=plan.collaborative,
                title="Share the figures before the meeting",
                body="Headteachers talked more openly about exclusions when the figures went round a week ahead, "
                "anonymised by school.",
                shared=True,
                author_id=plan.created_by_id,
            )
            for plan in plans[:3]
        ]
    )
    return len(items)


def _build_demo(programme: Programme, with_demo_logins: bool) -> str:
    if ActionPlan.objects.filter(collaborative__programme=programme).exists():
        return ""
    collaboratives = list(programme.collaboratives.select_related("programme").order_by("pk"))
    count = build_plans(collaboratives)
    return f"{count} action-plan items with strategies and alignments." if count else ""


def _logins(programme: Programme) -> list[DemoLogin]:
    return []


def delete_plans(programme: Programme) -> None:
    """Remove the action-plan rows of a programme (before the core removes the programme itself)."""
    collaboratives = Collaborative.objects.filter(programme=programme)
    PlanItemOwner.objects.filter(item__collaborative__in=collaboratives).delete()
    Alignment.objects.filter(item__collaborative__in=collaboratives).delete()
    LearningNote.objects.filter(collaborative__in=collaboratives).delete()
    items = PlanItem.objects.filter(collaborative__in=collaboratives)
    PlanItemPartner.objects.filter(item__in=items).delete()
    PlanItem.outcomes.through.objects.filter(planitem__in=items).delete()
    PlanItem.priorities.through.objects.filter(planitem__in=items).delete()
    items.delete()
    Objective.objects.filter(collaborative__in=collaboratives).delete()
    Strategy.objects.filter(collaborative__in=collaboratives).delete()
    ActionPlanVersion.objects.filter(plan__collaborative__in=collaboratives).delete()
    ActionPlan.objects.filter(collaborative__in=collaboratives).delete()
    Outcome.objects.filter(framework__programme=programme).delete()
    from actionplans.models import OutcomeFramework

    OutcomeFramework.objects.filter(programme=programme).delete()


DEMO_EXTENSION = DemoExtension(name="plans", build=_build_demo, logins=_logins, delete=delete_plans)
