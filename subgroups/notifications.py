"""What the sub-groups have to say, composed here and delivered by the core (`collab.services.notifications`):

- progress update due (each sub-group's cadence, `update_every_days`), overdue after a grace period (to its leads),
  then escalated to the collaborative's facilitators and advisors;
- a milestone due within the week (to the leads);
- sector representation fallen below what the action plan needs (to the anchor and the facilitators);
- the cross-sub-group digest of each collaborative, weekly or fortnightly as each person chose (each sub-group's
  latest update, status changes, blockers and support needed, upcoming milestones and workshops, new outputs from
  the boards), and the programme digest across localities for the programme team and the anchors.

Composition is batched: a fixed number of queries for any number of collaboratives, and one message per
collaborative and period shared by all its recipients (each email is rendered for its reader when sent).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from collab.models import (
    Collaborative,
    DigestFrequency,
    Membership,
    Message,
    NotificationKind,
    NotificationPreference,
    Programme,
    Promotion,
    Role,
    Sector,
    Workshop,
)
from collab.notify import DigestPeriod, digest_period, register_due_check, uk_day, uk_when
from collab.services.notifications import message_post
from subgroups.models import LEAD_ROLES, Milestone, MilestoneState, ProgressUpdate, Status, SubGroup, SubGroupMember

GRACE_DAYS = 7  # overdue this long after the update was due; escalated after twice as long
MILESTONE_WARNING_DAYS = 7
LOOK_AHEAD_DAYS = 28  # milestones and workshops shown in a digest
OUTPUTS_SHOWN = 20


def _today(now: datetime) -> date:
    return timezone.localtime(now).date()


def _leads(subgroup_ids: list[int]) -> dict[int, set[int]]:
    leads: dict[int, set[int]] = defaultdict(set)
    rows = SubGroupMember.objects.active().filter(subgroup_id__in=subgroup_ids, role__in=LEAD_ROLES)
    for subgroup_id, user_id in rows.values_list("subgroup_id", "user_id"):
        leads[subgroup_id].add(user_id)
    return leads


def _people_with_role(collaborative_ids: set[int], roles: tuple[str, ...]) -> dict[int, set[int]]:
    people: dict[int, set[int]] = defaultdict(set)
    rows = Membership.objects.active().filter(collaborative_id__in=collaborative_ids, role__in=roles)
    for collaborative_id, user_id in rows.values_list("collaborative_id", "user_id"):
        people[collaborative_id].add(user_id)
    return people


# --- Progress updates and milestones -------------------------------------------------------------------------------


def progress_reminders(now: datetime) -> int:
    """Each open sub-group's next update is due `update_every_days` after its last one (or after it started)."""
    today = _today(now)
    subgroups = list(
        SubGroup.objects.filter(closed_on__isnull=True)
        .exclude(current_update__status=Status.COMPLETED)
        .select_related("collaborative", "current_update")
    )
    due: list[tuple[SubGroup, date, int]] = []
    for subgroup in subgroups:
        last = subgroup.current_update.created_at if subgroup.current_update_id else subgroup.created_at
        due_on = timezone.localtime(last).date() + timedelta(days=subgroup.update_every_days)
        if today >= due_on:
            due.append((subgroup, due_on, (today - due_on).days))
    if not due:
        return 0
    leads = _leads([s.pk for s, _, _ in due])
    facilitators = _people_with_role({s.collaborative_id for s, _, _ in due}, (Role.FACILITATOR,))
    added = 0
    for subgroup, due_on, late in due:
        link = reverse("subgroup-update", args=[subgroup.collaborative.slug, subgroup.pk])
        since = uk_day(due_on)
        if late >= 2 * GRACE_DAYS:
            kind, recipients = NotificationKind.PROGRESS_ESCALATION, facilitators.get(subgroup.collaborative_id, set())
            subject = f"{subgroup.name} has not posted an update since it was due on {since}"
            paragraphs = [
                f"{subgroup.name} ({subgroup.collaborative.name}) was due to post a progress update on {since}, "
                f"{late} days ago, and its leads have had two reminders. A word from you may help: is it stuck, or "
                "does it need support?",
            ]
            link = reverse("subgroup-detail", args=[subgroup.collaborative.slug, subgroup.pk])
        elif late >= GRACE_DAYS:
            kind, recipients = NotificationKind.PROGRESS_OVERDUE, leads.get(subgroup.pk, set())
            subject = f"The progress update of {subgroup.name} is overdue"
            paragraphs = [
                f"The update was due on {since}. Even a short one helps the other sub-groups see where things are; "
                "if you are stuck, say so under blockers and support needed.",
                f"If there is still no update {GRACE_DAYS} days from now, the facilitators will be told.",
            ]
        else:
            kind, recipients = NotificationKind.PROGRESS_DUE, leads.get(subgroup.pk, set())
            subject = f"Time for a progress update of {subgroup.name}"
            paragraphs = [
                f"{subgroup.name} posts an update every {subgroup.update_every_days} days; the next one was due on "
                f"{since}. What was done, what is next, any blockers and the status.",
            ]
        added += len(
            message_post(
                kind=kind,
                key=f"{kind}:{subgroup.pk}:{due_on.isoformat()}",
                programme_id=subgroup.collaborative.programme_id,
                collaborative_id=subgroup.collaborative_id,
                recipient_ids=recipients,
                subject=subject,
                summary=paragraphs[0][:500],
                template="collab/email/reminder",
                context={"heading": subject, "paragraphs": paragraphs, "items": [], "link_text": "Post an update"},
                link=link,
            )
        )
    return added


def milestones_due_soon(now: datetime) -> int:
    today = _today(now)
    milestones = list(
        Milestone.objects.filter(
            state__in=(MilestoneState.PLANNED, MilestoneState.IN_PROGRESS),
            due_on__gte=today,
            due_on__lte=today + timedelta(days=MILESTONE_WARNING_DAYS),
            subgroup__closed_on__isnull=True,
        ).select_related("subgroup__collaborative")
    )
    if not milestones:
        return 0
    leads = _leads(list({m.subgroup_id for m in milestones}))
    added = 0
    for milestone in milestones:
        subgroup = milestone.subgroup
        days = (milestone.due_on - today).days
        when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
        subject = f"Milestone due {when}: {milestone.title}"
        added += len(
            message_post(
                kind=NotificationKind.MILESTONE_DUE,
                key=f"milestone_due:{milestone.pk}:{milestone.due_on.isoformat()}",
                programme_id=subgroup.collaborative.programme_id,
                collaborative_id=subgroup.collaborative_id,
                recipient_ids=leads.get(subgroup.pk, set()),
                subject=subject,
                summary=f"{subgroup.name}: due on {uk_day(milestone.due_on)}.",
                template="collab/email/reminder",
                context={
                    "heading": subject,
                    "paragraphs": [
                        f"{subgroup.name} has a milestone due on {uk_day(milestone.due_on)}: {milestone.title}.",
                        "If it is done, record it with your next update; if it will slip, change its date so the "
                        "others know.",
                    ],
                    "items": [],
                    "link_text": "Open the sub-group",
                },
                link=reverse("subgroup-detail", args=[subgroup.collaborative.slug, subgroup.pk]),
            )
        )
    return added


# --- Sector representation ----------------------------------------------------------------------------------------


def sector_gaps(now: datetime) -> int:
    """Sectors the action plan needs as partners but no active member comes from, to the anchor and facilitators.
    Said once for each set of missing sectors: when another falls away (or one comes back) it is said again."""
    from actionplans.selectors import sectors_needed_by_plan

    collaborative_ids = list(Collaborative.objects.values_list("pk", flat=True))
    needed = {
        pk: sectors for pk, sectors in sectors_needed_by_plan(collaborative_ids=collaborative_ids).items() if sectors
    }
    if not needed:
        return 0
    present: dict[int, set[str]] = defaultdict(set)
    rows = Membership.objects.active().filter(collaborative_id__in=list(needed)).exclude(role=Role.OBSERVER)
    for collaborative_id, sector in rows.values_list("collaborative_id", "sector"):
        present[collaborative_id].add(sector)
    gaps = {pk: sorted(sectors - present[pk]) for pk, sectors in needed.items() if sectors - present[pk]}
    if not gaps:
        return 0
    recipients = _people_with_role(set(gaps), (Role.ANCHOR, Role.FACILITATOR))
    collaboratives = Collaborative.objects.in_bulk(list(gaps))
    added = 0
    for pk, missing in gaps.items():
        collaborative = collaboratives[pk]
        labels = [Sector(s).label if s in Sector.values else s for s in missing]
        subject = f"{collaborative.name} has no active member from {len(labels)} sector(s) its plan needs"
        added += len(
            message_post(
                kind=NotificationKind.SECTOR_GAP,
                key=f"sector_gap:{pk}:{','.join(missing)}"[:200],
                programme_id=collaborative.programme_id,
                collaborative_id=pk,
                recipient_ids=recipients.get(pk, set()),
                subject=subject,
                summary="Missing: " + "; ".join(labels),
                template="collab/email/reminder",
                context={
                    "heading": subject,
                    "paragraphs": [
                        "The action plan names these sectors as partners, but nobody from them is an active member "
                        "now. Is there someone to invite, or a successor to ask?",
                    ],
                    "items": labels,
                    "link_text": "Open the members page",
                },
                link=reverse("collaborative-members", args=[collaborative.slug]),
            )
        )
    return added


# --- The cross-sub-group digest ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipients:
    by_collaborative: dict[int, dict[str, set[int]]]  # collaborative → frequency → user ids


def _frequencies(user_ids: set[int]) -> dict[int, str]:
    """Each person's digest frequency (weekly unless they chose otherwise, or switched off every channel)."""
    chosen = dict.fromkeys(user_ids, DigestFrequency.WEEKLY.value)
    rows = NotificationPreference.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "digest_frequency", "email", "in_app"
    )
    for user_id, frequency, email, in_app in rows:
        chosen[user_id] = frequency if (email or in_app) else DigestFrequency.OFF.value
    return chosen


def digest_recipients(collaborative_ids: list[int]) -> dict[int, dict[str, set[int]]]:
    """Active members of each collaborative, by the digest frequency they chose (two queries)."""
    members: dict[int, set[int]] = defaultdict(set)
    rows = Membership.objects.active().filter(collaborative_id__in=collaborative_ids, user__is_active=True)
    for collaborative_id, user_id in rows.values_list("collaborative_id", "user_id"):
        members[collaborative_id].add(user_id)
    frequencies = _frequencies({pk for people in members.values() for pk in people})
    out: dict[int, dict[str, set[int]]] = {}
    for collaborative_id, people in members.items():
        grouped: dict[str, set[int]] = defaultdict(set)
        for pk in people:
            grouped[frequencies[pk]].add(pk)
        out[collaborative_id] = grouped
    return out


def _status_label(status: str | None) -> str:
    return Status(status).label if status in Status.values else Status.NOT_STARTED.label


def _latest_update_before(moment: datetime) -> QuerySet[ProgressUpdate]:
    """For a sub-group query (`OuterRef("pk")`): its latest update posted before a moment."""
    return ProgressUpdate.objects.filter(subgroup=OuterRef("pk"), created_at__lt=moment).order_by("-created_at", "-pk")


def compose_digests(collaborative_ids: list[int], period: DigestPeriod) -> dict[int, dict[str, Any]]:
    """The digest of each collaborative for a period, as JSON-ready context (a fixed number of queries: eight).

    Everything it says is as it stood at the end of the period, however late the digest goes out: each sub-group's
    latest update is the latest posted before the period ended (not its current one), so an update belongs to
    exactly one digest period: the one it was posted in, from 08:00 on its first Monday up to, not including, 08:00
    on the Monday it ends."""
    start, end = period.starts_at, period.ends_at
    end_day = timezone.localtime(end).date()
    collaboratives = Collaborative.objects.select_related("programme").in_bulk(collaborative_ids)
    subgroups = list(
        SubGroup.objects.filter(collaborative_id__in=collaborative_ids)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=timezone.localtime(start).date()))
        .annotate(
            status_before=Subquery(_latest_update_before(start).values("status")[:1]),
            update_at_end=Subquery(_latest_update_before(end).values("pk")[:1]),
        )
        .order_by("collaborative_id", "name", "pk")
    )
    updates_at_end = ProgressUpdate.objects.select_related("author").in_bulk(
        [s.update_at_end for s in subgroups if s.update_at_end]
    )
    updates_in_period = Counter(
        ProgressUpdate.objects.filter(
            subgroup__collaborative_id__in=collaborative_ids, created_at__gte=start, created_at__lt=end
        ).values_list("subgroup_id", flat=True)
    )
    milestones: dict[int, list[dict[str, str]]] = defaultdict(list)
    for milestone in Milestone.objects.filter(
        subgroup__collaborative_id__in=collaborative_ids,
        state__in=(MilestoneState.PLANNED, MilestoneState.IN_PROGRESS),
        due_on__lte=end_day + timedelta(days=LOOK_AHEAD_DAYS),
    ).order_by("due_on", "pk"):
        overdue = milestone.due_on < end_day
        milestones[milestone.subgroup_id].append(
            {"title": milestone.title, "due": uk_day(milestone.due_on), "overdue": overdue}
        )
    programme_ids = {c.programme_id for c in collaboratives.values()}
    workshops: dict[int | None, list[dict[str, str]]] = defaultdict(list)
    programme_workshops: dict[int, list[dict[str, str]]] = defaultdict(list)
    for workshop in Workshop.objects.filter(
        Q(collaborative_id__in=collaborative_ids) | Q(collaborative__isnull=True, programme_id__in=programme_ids),
        cancelled_at__isnull=True,
        starts_at__gte=end,
        starts_at__lt=end + timedelta(days=LOOK_AHEAD_DAYS),
    ).order_by("starts_at"):
        entry = {
            "title": workshop.title,
            "when": uk_when(workshop.starts_at),
            "format": workshop.get_format_display(),
            "url": reverse("workshop-detail", args=[workshop.pk]),
        }
        if workshop.collaborative_id is None:
            programme_workshops[workshop.programme_id].append({**entry, "title": f"{workshop.title} (all localities)"})
        else:
            workshops[workshop.collaborative_id].append(entry)
    outputs: dict[int, list[dict[str, str]]] = defaultdict(list)
    for collaborative_id, target, label in (
        Promotion.objects.filter(
            board__workshop__collaborative_id__in=collaborative_ids, promoted_at__gte=start, promoted_at__lt=end
        )
        .order_by("promoted_at", "pk")
        .values_list("board__workshop__collaborative_id", "target", "target_label")
    ):
        outputs[collaborative_id].append({"kind": target.replace("_", " ").capitalize(), "label": label})

    digests: dict[int, dict[str, Any]] = {}
    for pk, collaborative in collaboratives.items():
        digests[pk] = {
            "collaborative": collaborative.name,
            "period": period.label,
            "subgroups": [],
            "workshops": sorted(
                workshops[pk] + programme_workshops[collaborative.programme_id], key=lambda w: w["when"]
            ),
            "outputs": outputs[pk][:OUTPUTS_SHOWN],
            "more_outputs": max(0, len(outputs[pk]) - OUTPUTS_SHOWN),
            "collaborative_url": reverse("subgroup-list", args=[collaborative.slug]),
        }
    for subgroup in subgroups:
        update = updates_at_end.get(subgroup.update_at_end)
        status = update.status if update else Status.NOT_STARTED
        previous = subgroup.status_before or Status.NOT_STARTED
        new = update is not None and start <= update.created_at < end
        digests[subgroup.collaborative_id]["subgroups"].append(
            {
                "name": subgroup.name,
                "url": reverse("subgroup-detail", args=[collaboratives[subgroup.collaborative_id].slug, subgroup.pk]),
                "status": _status_label(status),
                "status_code": status,
                "status_was": _status_label(previous) if new and previous != status else "",
                "updates": updates_in_period[subgroup.pk],
                "latest": {
                    "date": uk_day(timezone.localtime(update.created_at).date()),
                    "author": update.author.display_name,
                    "done": update.done,
                    "next_steps": update.next_steps,
                    "new": new,
                }
                if update
                else None,
                "blockers": update.blockers if update else "",
                "support_needed": update.support_needed if update else "",
                "milestones": milestones[subgroup.pk][:5],
                "closed": subgroup.closed_on is not None and subgroup.closed_on < end_day,
            }
        )
    return digests


def _digest_key(collaborative_id: int, period: DigestPeriod) -> str:
    return f"digest:{collaborative_id}:{period.frequency}:{period.key}"


def digests_post(*, collaborative_ids: list[int], period: DigestPeriod, enqueue: bool = True) -> int:
    """Compose and post the digests of these collaboratives for a period to the members who chose its frequency.
    Idempotent: a digest already posted for the period is not composed again."""
    done = set(
        Message.objects.filter(key__in=[_digest_key(pk, period) for pk in collaborative_ids]).values_list(
            "key", flat=True
        )
    )
    todo = [pk for pk in collaborative_ids if _digest_key(pk, period) not in done]
    if not todo:
        return 0
    recipients = digest_recipients(todo)
    todo = [pk for pk in todo if recipients.get(pk, {}).get(period.frequency)]
    digests = compose_digests(todo, period)
    collaboratives = Collaborative.objects.in_bulk(todo)
    added = 0
    for pk in todo:
        digest = digests[pk]
        collaborative = collaboratives[pk]
        moving = sum(1 for s in digest["subgroups"] if s["latest"] and s["latest"]["new"])
        added += len(
            message_post(
                kind=NotificationKind.DIGEST,
                key=_digest_key(pk, period),
                programme_id=collaborative.programme_id,
                collaborative_id=pk,
                recipient_ids=recipients[pk][period.frequency],
                subject=f"{collaborative.name}: what the sub-groups did, {period.label}",
                summary=f"{moving} of {len(digest['subgroups'])} sub-groups posted an update; "
                f"{len(digest['workshops'])} workshop(s) coming up.",
                template="subgroups/email/digest",
                context={"digest": digest},
                link=digest["collaborative_url"],
                enqueue=enqueue,
            )
        )
    return added


def digest_preview(collaborative: Collaborative, *, now: datetime | None = None) -> dict[str, Any]:
    """What this week's digest of a collaborative says (for its facilitators' preview page)."""
    period = digest_period(now or timezone.now(), DigestFrequency.WEEKLY)
    return compose_digests([collaborative.pk], period)[collaborative.pk]


# --- The programme digest ---------------------------------------------------------------------------------------


def programme_recipients(programme_ids: list[int]) -> dict[int, dict[str, set[int]]]:
    people: dict[int, set[int]] = defaultdict(set)
    rows = Membership.objects.active().filter(
        programme_id__in=programme_ids, role__in=(Role.PROGRAMME_TEAM, Role.ANCHOR), user__is_active=True
    )
    for programme_id, user_id in rows.values_list("programme_id", "user_id"):
        people[programme_id].add(user_id)
    frequencies = _frequencies({pk for ids in people.values() for pk in ids})
    out: dict[int, dict[str, set[int]]] = {}
    for programme_id, ids in people.items():
        grouped: dict[str, set[int]] = defaultdict(set)
        for pk in ids:
            grouped[frequencies[pk]].add(pk)
        out[programme_id] = grouped
    return out


def compose_programme_digest(programme: Programme, period: DigestPeriod) -> dict[str, Any]:
    """Localities side by side, in counts only (each locality's detail stays its own): sub-groups by status,
    updates posted, open blockers, workshops coming up and outputs from the boards in the period, all as they stood
    at the end of the period, however late it goes out."""
    start, end = period.starts_at, period.ends_at
    collaboratives = list(Collaborative.objects.filter(programme=programme).order_by("name"))
    ids = [c.pk for c in collaboratives]
    statuses: dict[int, Counter] = defaultdict(Counter)
    blocked: Counter = Counter()
    as_of_end = _latest_update_before(end)
    for collaborative_id, status, blockers in (
        SubGroup.objects.filter(collaborative_id__in=ids)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=timezone.localtime(end).date()))
        .annotate(
            status_at_end=Subquery(as_of_end.values("status")[:1]),
            blockers_at_end=Subquery(as_of_end.values("blockers")[:1]),
        )
        .values_list("collaborative_id", "status_at_end", "blockers_at_end")
    ):
        statuses[collaborative_id][status or Status.NOT_STARTED] += 1
        blocked[collaborative_id] += bool(blockers)
    updates = Counter(
        ProgressUpdate.objects.filter(
            subgroup__collaborative_id__in=ids, created_at__gte=start, created_at__lt=end
        ).values_list("subgroup__collaborative_id", flat=True)
    )
    coming = Counter(
        Workshop.objects.filter(
            collaborative_id__in=ids,
            cancelled_at__isnull=True,
            starts_at__gte=end,
            starts_at__lt=end + timedelta(days=LOOK_AHEAD_DAYS),
        ).values_list("collaborative_id", flat=True)
    )
    outputs = Counter(
        Promotion.objects.filter(
            board__workshop__collaborative_id__in=ids, promoted_at__gte=start, promoted_at__lt=end
        ).values_list("board__workshop__collaborative_id", flat=True)
    )
    order = list(Status.values)
    return {
        "programme": programme.name,
        "period": period.label,
        "localities": [
            {
                "name": c.name,
                "locality": c.locality,
                "statuses": [
                    {"label": Status(s).label, "count": statuses[c.pk][s]} for s in order if statuses[c.pk][s]
                ],
                "subgroups": sum(statuses[c.pk].values()),
                "updates": updates[c.pk],
                "with_blockers": blocked[c.pk],
                "workshops": coming[c.pk],
                "outputs": outputs[c.pk],
            }
            for c in collaboratives
        ],
    }


def programme_digests_post(*, programme_ids: list[int], period: DigestPeriod, enqueue: bool = True) -> int:
    recipients = programme_recipients(programme_ids)
    added = 0
    for programme in Programme.objects.filter(pk__in=programme_ids):
        people = recipients.get(programme.pk, {}).get(period.frequency)
        key = f"programme_digest:{programme.pk}:{period.frequency}:{period.key}"
        if not people or Message.objects.filter(key=key).exists():
            continue
        digest = compose_programme_digest(programme, period)
        added += len(
            message_post(
                kind=NotificationKind.PROGRAMME_DIGEST,
                key=key,
                programme_id=programme.pk,
                collaborative_id=None,
                recipient_ids=people,
                subject=f"{programme.name}: the localities side by side, {period.label}",
                summary=f"{len(digest['localities'])} localities; "
                f"{sum(loc['updates'] for loc in digest['localities'])} progress updates posted.",
                template="subgroups/email/programme_digest",
                context={"digest": digest},
                link=reverse("home"),
                enqueue=enqueue,
            )
        )
    return added


def digests_due(now: datetime) -> int:
    """Fan out: one task per collaborative (and per programme) whose digest for the current period is not posted
    yet. The task composes it and queues one delivery per reader."""
    from subgroups.tasks import post_digest, post_programme_digest

    queued = 0
    for frequency in (DigestFrequency.WEEKLY, DigestFrequency.FORTNIGHTLY):
        period = digest_period(now, frequency)
        readers = digest_recipients(list(Collaborative.objects.values_list("pk", flat=True)))
        collaborative_ids = [pk for pk, grouped in readers.items() if grouped.get(frequency)]
        done = set(
            Message.objects.filter(
                kind=NotificationKind.DIGEST, key__endswith=f":{frequency}:{period.key}"
            ).values_list("collaborative_id", flat=True)
        )
        for pk in collaborative_ids:
            if pk not in done:
                post_digest.delay(pk, frequency, period.ends_at.isoformat())
                queued += 1
        programme_readers = programme_recipients(list(Programme.objects.values_list("pk", flat=True)))
        done = set(
            Message.objects.filter(
                kind=NotificationKind.PROGRAMME_DIGEST, key__endswith=f":{frequency}:{period.key}"
            ).values_list("programme_id", flat=True)
        )
        for programme_id, grouped in programme_readers.items():
            if grouped.get(frequency) and programme_id not in done:
                post_programme_digest.delay(programme_id, frequency, period.ends_at.isoformat())
                queued += 1
    return queued


def register() -> None:
    register_due_check("subgroups.progress_reminders", progress_reminders)
    register_due_check("subgroups.milestones_due_soon", milestones_due_soon)
    register_due_check("subgroups.sector_gaps", sector_gaps)
    register_due_check("subgroups.digests", digests_due)
