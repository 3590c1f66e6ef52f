"""Demo data of sub-groups: a few workstreams per locality with months of fortnightly updates, milestones, a support
log, a link across localities, a year-2 review and a concern — and the demo sign-in of a sub-group lead.

The core's loader (`collab.demo`) runs this through the extension registered in `SubgroupsConfig.ready()`, so
`manage.py seed_demo` builds it. `build_subgroups()` also makes the large sets the benchmark uses (500 sub-groups,
two years of updates). Every project, person and place is invented; no child appears anywhere.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from collab.demo import DEMO_PASSWORD, LOADER_LABEL, DemoExtension, DemoLogin
from collab.models import AuditEvent, Collaborative, Membership, Organisation, Programme, Role, Sector, User
from subgroups.models import (
    Concern,
    ConcernNote,
    ConcernState,
    Mandate,
    MandateSetting,
    Milestone,
    MilestoneState,
    ProgressUpdate,
    Review,
    ReviewDecision,
    Status,
    SubGroup,
    SubGroupLink,
    SubGroupMember,
    SubGroupRole,
    SupportEntry,
    SupportKind,
    SupportState,
    UpdateComment,
    UpdateDraft,
)

LEAD_EMAIL = "lead@demo.example"
LEAD_NAME = "Carys Bellamy"
LEAD_TITLE = "Transition coordinator"
FIRST_MEMBER_EMAIL = "member@demo.example"  # the core's demo member: their presence means the demo sign-ins are here
ANCHOR_EMAIL = "anchor@demo.example"
UPDATES_IN_DEMO = 10  # about five months of fortnightly updates
TRANSITIONS = "Primary to secondary transitions pilot"


@dataclass(frozen=True)
class Project:
    name: str
    aims: str
    delivers: str
    milestones: tuple[str, ...]
    done: tuple[str, ...]
    next_steps: tuple[str, ...]
    voice: tuple[str, ...]


PROJECTS = [
    Project(
        TRANSITIONS,
        "Spot the pupils most at risk at the move to secondary school early, and give them a planned, supported "
        "transition with their families.",
        "Action plan item 3: an early-identification tool and enhanced transition for Year 6 pupils at risk.",
        ("Agree the early-identification checklist", "Pilot schools signed up", "Summer term transition days",
         "First-term review with secondary schools"),
        ("Met the Year 6 leads of the four pilot primaries and walked through the checklist.",
         "Agreed with the secondary SENCos what information travels with each pupil.",
         "Ran the first joint transition planning meeting with early help.",
         "Collected the first round of checklists from pilot primaries."),
        ("Share the revised checklist with the pilot schools.", "Plan the summer transition days with the "
         "secondary schools.", "Book a session with the parent carer forum on what families need to know."),
        ("Two parents from the forum reviewed the letter to families and we rewrote it with them.",
         "Year 7 pupils' comments from last year's survey shaped the transition day plan."),
    ),
    Project(
        "Headteachers' inclusion network",
        "Headteachers share exclusion and managed-move figures in confidence and agree how to support pupils "
        "before exclusion is considered.",
        "Action plan item 1: a peer network of headteachers sharing exclusion data.",
        ("Data-sharing agreement signed", "First network meeting", "Termly data review", "Peer visits between "
         "schools"),
        ("Held the termly network meeting; nine headteachers came.", "Circulated the anonymised suspension and "
         "managed-move figures before the meeting.", "Two schools agreed a reciprocal respite arrangement."),
        ("Prepare the next termly figures, with small numbers suppressed.", "Invite the AP headteacher to present "
         "outreach capacity.", "Draft a shared statement on alternatives to exclusion."),
        ("The network heard from the parent carer forum chair about families' experience of managed moves.",),
    ),
    Project(
        "Inclusion and early help drop-in clinics",
        "Monthly drop-in clinics where school staff bring concerns about a pupil to inclusion, early help and "
        "educational psychology together.",
        "Action plan item 2: joint inclusion and early-help drop-in clinics.",
        ("Venue and rota agreed", "First clinic held", "Referral form simplified", "Six-month evaluation"),
        ("Held this month's clinic: eleven schools brought concerns.", "Early help took three families straight "
         "into assessment from the clinic.", "Simplified the clinic booking form after feedback."),
        ("Add an educational psychologist to the rota.", "Try an online clinic for rural schools.", "Collect "
         "feedback from staff who attended."),
        ("Parents are now invited to the second half of the clinic when their child is discussed.",),
    ),
    Project(
        "Therapies advice line for schools",
        "A weekly advice line where school staff can talk to speech and language and occupational therapists "
        "while pupils wait for assessment.",
        "Action plan item 4: a therapies helpline while waiting lists are long.",
        ("Therapist time agreed with the trust", "Advice line opens", "Guidance sheets published",
         "Review of calls"),
        ("The advice line took fourteen calls this fortnight.", "Published two guidance sheets on communication "
         "needs in class.", "Met the trust's service manager about extending the line."),
        ("Agree funding for the summer term with the trust.", "Write a guidance sheet on sensory needs.",
         "Promote the line in the schools' newsletter."),
        ("Not yet: we will ask families who used the advice line in the next round.",),
    ),
    Project(
        "Fair Access Protocol panel",
        "A standard Fair Access panel where schools, AP and the council place pupils quickly and share the load "
        "fairly.",
        "Action plan item 5: a standardised Fair Access Protocol panel.",
        ("Protocol redrafted", "Schools consulted", "Panel runs on the new protocol", "Annual report"),
        ("Redrafted the protocol with the fair access officer.", "Consulted secondary headteachers on the panel's "
         "terms of reference.", "Ran the first panel on the new protocol: six placements agreed."),
        ("Publish the protocol on the council website.", "Record time from referral to placement.", "Agree the "
         "AP places available next term."),
        ("The virtual school head spoke for children in care at every panel.",),
    ),
    Project(
        "Trauma-informed practice training",
        "Train staff across schools and services in trauma-informed practice, with a shared language and "
        "follow-up coaching.",
        "Action plan item 6: trauma-informed practice training for schools and services.",
        ("Trainers booked", "First cohort trained", "Coaching sessions", "Second cohort"),
        ("Trained the first cohort of 24 staff from 12 schools.", "Ran a follow-up coaching session for pastoral "
         "leads.", "Shared the training materials with early help."),
        ("Book the second cohort.", "Survey the first cohort on what changed in their practice.", "Plan a session "
         "for governors."),
        ("Young people from the participation group helped shape the training scenarios.",),
    ),
]  # fmt: skip

BLOCKERS = [
    "Waiting for the trust to sign the data-sharing agreement.",
    "Two pilot schools have pulled out for this term because of staffing.",
    "No room booked for the summer sessions yet.",
]
SUPPORT_NEEDED = [
    "An introduction to the trust's information governance lead.",
    "Help to write the evaluation plan.",
    "A facilitator at the next sub-group meeting to agree priorities.",
]
DIRECTION_REASONS = [
    "Schools said a checklist alone adds workload; we now fold it into the existing Year 6 review meetings instead.",
    "The trust cannot release therapists for a phone line, so we are moving to recorded advice and monthly clinics.",
]
COMMENTS = [
    "Great progress. Could the drop-in clinics take referrals from your pilot schools?",
    "We had the same problem with the data-sharing agreement; happy to share ours.",
    "Thanks — this is really useful for the next leads' meeting.",
    "The parent carer forum would like to be involved in the next phase.",
]

# How each sub-group's story goes: a status per update, oldest first, cycling if there are more updates.
_PROFILES = {
    "steady": [Status.NOT_STARTED, Status.ON_TRACK, Status.ON_TRACK, Status.ON_TRACK],
    "stalling": [Status.ON_TRACK, Status.ON_TRACK, Status.AT_RISK, Status.BLOCKED],
    "changed": [Status.ON_TRACK, Status.AT_RISK, Status.CHANGED_DIRECTION, Status.ON_TRACK],
    "finishing": [Status.ON_TRACK, Status.ON_TRACK, Status.ON_TRACK, Status.COMPLETED],
    "wobbling": [Status.ON_TRACK, Status.AT_RISK, Status.ON_TRACK, Status.AT_RISK],
}
_PROFILE_ORDER = ["steady", "stalling", "changed", "wobbling", "finishing"]


# --- The registered extension ------------------------------------------------------------------------------------


def _build_demo(programme: Programme, with_demo_logins: bool) -> str:
    if SubGroup.objects.filter(collaborative__programme=programme).exists():
        return ""
    collaboratives = list(programme.collaboratives.order_by("pk"))
    if not collaboratives:
        return ""
    lead = _demo_lead(programme, collaboratives[0]) if with_demo_logins else None
    result = build_subgroups(
        collaboratives,
        per_collaborative=None,
        updates=UPDATES_IN_DEMO,
        lead_for_first=lead,
    )
    return (
        f"{result.subgroups} sub-groups with {result.updates} progress updates, {result.milestones} milestones "
        f"and {result.support} support log entries."
    )


def _demo_lead(programme: Programme, collaborative: Collaborative) -> User | None:
    """The demo sign-in of a sub-group lead: a member of the first locality, placed only next to the core's demo
    sign-ins."""
    if not Membership.objects.filter(programme=programme, user__email=FIRST_MEMBER_EMAIL).exists():
        return None
    if User.objects.filter(email=LEAD_EMAIL).exists():
        return None  # the demo lead belongs to another programme in this database
    user = User.objects.create(email=LEAD_EMAIL, display_name=LEAD_NAME, password=make_password(DEMO_PASSWORD))
    school = (
        Organisation.objects.filter(collaborative=collaborative, sector=Sector.SECONDARY_SCHOOL).order_by("pk").first()
    )
    Membership.objects.create(
        user=user,
        programme=programme,
        collaborative=collaborative,
        organisation=school,
        sector=Sector.SECONDARY_SCHOOL,
        role=Role.MEMBER,
        job_title=LEAD_TITLE,
        joined_on=timezone.localdate() - timedelta(days=300),
    )
    return user


def _logins(programme: Programme) -> list[DemoLogin]:
    part = (
        SubGroupMember.objects.active()
        .filter(user__email=LEAD_EMAIL, role=SubGroupRole.LEAD, subgroup__collaborative__programme=programme)
        .select_related("user", "subgroup__collaborative")
        .first()
    )
    if part is None:
        return []
    where = f"{part.subgroup.collaborative.name}, leads “{part.subgroup.name}”"
    return [DemoLogin(Role.SUBGROUP_LEAD.label, LEAD_EMAIL, DEMO_PASSWORD, where, part.user.display_name)]


def delete_subgroups(programme: Programme) -> None:
    """Remove every sub-group row of a programme (before the core removes the programme itself)."""
    subgroups = SubGroup.objects.filter(collaborative__programme=programme)
    updates = ProgressUpdate.objects.filter(subgroup__in=subgroups)
    UpdateComment.objects.filter(update__in=updates).delete()
    subgroups.update(current_update=None)
    ProgressUpdate.milestones_completed.through.objects.filter(progressupdate__in=updates).delete()
    updates.delete()
    Milestone.objects.filter(subgroup__in=subgroups).delete()
    SupportEntry.objects.filter(subgroup__in=subgroups).delete()
    Review.objects.filter(subgroup__in=subgroups).delete()
    SubGroupLink.objects.filter(Q(from_subgroup__in=subgroups) | Q(to_subgroup__in=subgroups)).delete()
    UpdateDraft.objects.filter(subgroup__in=subgroups).delete()
    SubGroupMember.objects.filter(subgroup__in=subgroups).delete()
    SubGroup.partners.through.objects.filter(subgroup__in=subgroups).delete()
    subgroups.delete()
    concerns = Concern.objects.filter(programme=programme)
    ConcernNote.objects.filter(concern__in=concerns).delete()
    concerns.delete()


DEMO_EXTENSION = DemoExtension(
    name="subgroups", build=_build_demo, logins=_logins, delete=delete_subgroups, emails=(LEAD_EMAIL,)
)


# --- Building ----------------------------------------------------------------------------------------------------


@dataclass
class BuildResult:
    subgroups: int = 0
    updates: int = 0
    milestones: int = 0
    support: int = 0


@transaction.atomic
def build_subgroups(
    collaboratives: list[Collaborative],
    *,
    per_collaborative: int | None = None,
    updates: int = UPDATES_IN_DEMO,
    lead_for_first: User | None = None,
    seed: int = 2026,
) -> BuildResult:
    """Sub-groups for each collaborative: `per_collaborative` of them (3 to 5 when None), each with `updates`
    fortnightly progress updates up to today, milestones, people, partners and a support log. Written with
    `bulk_create`, so 500 sub-groups with two years of updates build in seconds.

    `lead_for_first` leads the first collaborative's transitions pilot (the demo's sub-group lead).
    """
    rng = random.Random(seed)
    today = timezone.localdate()
    result = BuildResult()
    audit: list[AuditEvent] = []
    partners: list = []
    created: list[tuple[SubGroup, Project, str, list[int]]] = []
    for index, collaborative in enumerate(collaboratives):
        pool = list(
            Membership.objects.active()
            .filter(collaborative=collaborative)
            .exclude(role__in=[Role.OBSERVER, Role.FACILITATOR])
            .exclude(user=lead_for_first)  # the demo lead leads one sub-group, not several
            .values_list("user_id", "organisation_id")
        )
        facilitators = list(
            Membership.objects.active()
            .filter(collaborative=collaborative, role=Role.FACILITATOR)
            .values_list("user_id", flat=True)
        )
        if not pool:
            continue
        count = per_collaborative if per_collaborative is not None else rng.randint(3, 5)
        projects = _projects_for(index, count, rng)
        subgroups = SubGroup.objects.bulk_create(
            [
                SubGroup(
                    collaborative=collaborative,
                    name=_numbered(project.name, n, count),
                    aims=project.aims,
                    delivers=project.delivers,
                    created_by_id=(facilitators or [pool[0][0]])[0],
                )
                for n, project in enumerate(projects)
            ],
            batch_size=1000,
        )
        for n, (subgroup, project) in enumerate(zip(subgroups, projects, strict=True)):
            profile = _PROFILE_ORDER[n % len(_PROFILE_ORDER)]
            people = rng.sample(pool, min(len(pool), rng.randint(4, 7)))
            if index == 0 and lead_for_first is not None and project.name == TRANSITIONS:
                people = [(lead_for_first.pk, None), *[p for p in people if p[0] != lead_for_first.pk]]
            created.append((subgroup, project, profile, [p[0] for p in people]))
            audit.append(
                AuditEvent(
                    actor=None,
                    actor_label=LOADER_LABEL,
                    action="subgroup.create",
                    programme_id=collaborative.programme_id,
                    collaborative=collaborative,
                    target_type=SubGroup._meta.label_lower,
                    target_id=str(subgroup.pk),
                    target_label=str(subgroup)[:300],
                    changes={"name": [None, subgroup.name]},
                )
            )
            partners.extend(_partners(subgroup, people))
        result.subgroups += len(subgroups)
    SubGroup.partners.through.objects.bulk_create(partners, batch_size=2000)

    started = today - timedelta(days=14 * updates + 7)
    parts, milestones, progress, support, reviews = [], [], [], [], []
    for subgroup, project, profile, people in created:
        lead, *others = people
        parts.append(_part(subgroup, lead, SubGroupRole.LEAD, started, agreed=profile != "stalling"))
        if others:
            parts.append(_part(subgroup, others[0], SubGroupRole.CO_LEAD, started, agreed=True))
        parts.extend(_part(subgroup, user_id, SubGroupRole.MEMBER, started) for user_id in others[1:])
        milestones.extend(_milestones(subgroup, project, profile, started, today, lead))
    SubGroupMember.objects.bulk_create(parts, batch_size=2000)
    milestones = Milestone.objects.bulk_create(milestones, batch_size=2000)

    for subgroup, project, profile, people in created:
        progress.extend(_updates(subgroup, project, profile, people, updates, today, rng))
    progress = ProgressUpdate.objects.bulk_create(progress, batch_size=2000)
    latest: dict[int, ProgressUpdate] = {}
    for update in progress:
        if update.subgroup_id not in latest or update.created_at > latest[update.subgroup_id].created_at:
            latest[update.subgroup_id] = update
    subgroups = [s for s, *_ in created]
    for subgroup in subgroups:
        subgroup.current_update = latest.get(subgroup.pk)
    SubGroup.objects.bulk_update(subgroups, ["current_update"], batch_size=1000)

    comments = []
    members_of = {s.pk: people for s, _, _, people in created}
    for update in progress:
        if rng.random() < 0.3:
            author = rng.choice(members_of[update.subgroup_id])
            comments.append(
                UpdateComment(
                    update=update,
                    author_id=author,
                    body=rng.choice(COMMENTS),
                    created_at=update.created_at + timedelta(hours=rng.randint(2, 48)),
                )
            )
    UpdateComment.objects.bulk_create(comments, batch_size=2000)

    facilitators_of = dict(
        Membership.objects.active()
        .filter(collaborative__in=collaboratives, role=Role.FACILITATOR)
        .values_list("collaborative_id", "user_id")
    )
    for subgroup, _project, profile, people in created:
        facilitator = facilitators_of.get(subgroup.collaborative_id, people[0])
        support.extend(_support(subgroup, profile, people[0], facilitator, started, today, rng))
        if profile == "finishing":
            reviews.append(
                Review(
                    subgroup=subgroup,
                    decision=ReviewDecision.TAPER,
                    reasons="The pilot met its aims in the first schools; the network can now run it with light-touch "
                    "support.",
                    forward_plan="Extend to the remaining primaries in September, with a facilitator at one meeting "
                    "a term. Report to the Collaborative's summer workshop.",
                    reviewed_on=today - timedelta(days=10),
                    recorded_by_id=facilitator,
                )
            )
    SupportEntry.objects.bulk_create(support, batch_size=2000)
    Review.objects.bulk_create(reviews)
    AuditEvent.objects.bulk_create(audit, batch_size=2000)
    _links(created)
    _concern(collaboratives[0] if collaboratives else None)
    result.updates = len(progress)
    result.milestones = len(milestones)
    result.support = len(support)
    return result


def _projects_for(index: int, count: int, rng: random.Random) -> list[Project]:
    """The transitions pilot first in the first two localities (they are linked), then a varied choice."""
    others = [p for p in PROJECTS if p.name != TRANSITIONS]
    rng.shuffle(others)
    chosen = [PROJECTS[0], *others] if index < 2 else others + [PROJECTS[0]]
    return [chosen[n % len(chosen)] for n in range(count)]


def _numbered(name: str, n: int, count: int) -> str:
    """Project names repeat only in the large benchmark sets, which need them unique in a collaborative."""
    return name if count <= len(PROJECTS) else f"{name} {n + 1}"


def _partners(subgroup: SubGroup, people: list[tuple[int, int | None]]) -> list:
    """The organisations its people come from are its partners."""
    organisation_ids = sorted({org for _, org in people if org})
    return [SubGroup.partners.through(subgroup_id=subgroup.pk, organisation_id=pk) for pk in organisation_ids]


def _part(subgroup: SubGroup, user_id: int, role: str, started: date, *, agreed: bool = False) -> SubGroupMember:
    part = SubGroupMember(subgroup=subgroup, user_id=user_id, role=role, started_on=started)
    if role in (SubGroupRole.LEAD, SubGroupRole.CO_LEAD):
        if agreed:
            part.mandate = Mandate.AGREED
            part.mandate_agreed_on = started
            part.mandate_setting = MandateSetting.WORKSHOP
            part.mandate_note = "Action-planning workshop"
        else:
            part.mandate = Mandate.SELF_APPOINTED
    return part


def _milestones(subgroup, project: Project, profile: str, started: date, today: date, lead: int) -> list[Milestone]:
    span = max((today - started).days, 28)
    rows = []
    for n, title in enumerate(project.milestones):
        due = started + timedelta(days=round(span * (n + 1) / (len(project.milestones) - 0.5)))
        if due <= today - timedelta(days=7) and not (profile == "stalling" and n == 1):
            state, completed = MilestoneState.DONE, min(due, today)
        elif due <= today:
            state, completed = MilestoneState.IN_PROGRESS, None  # overdue
        else:
            state, completed = MilestoneState.PLANNED, None
        if profile == "finishing":
            state, completed = MilestoneState.DONE, min(due, today)
        rows.append(
            Milestone(
                subgroup=subgroup, title=title, due_on=due, state=state, completed_on=completed, created_by_id=lead
            )
        )
    return rows


def _updates(subgroup, project: Project, profile: str, people: list[int], count: int, today: date, rng):
    statuses = _PROFILES[profile]
    authors = people[:2]
    rows = []
    for n in range(count):
        # Oldest first; the last one a few days ago. Spread the story's statuses over the whole run.
        days_ago = 14 * (count - 1 - n) + rng.randint(1, 4)
        moment = datetime.combine(today - timedelta(days=days_ago), time(rng.randint(8, 18), rng.randint(0, 59)))
        status = statuses[min(len(statuses) - 1, n * len(statuses) // max(count, 1))]
        if n == 0 and profile == "steady":
            status = Status.NOT_STARTED
        voice = rng.random() < 0.6
        rows.append(
            ProgressUpdate(
                subgroup=subgroup,
                author_id=rng.choice(authors),
                created_at=timezone.make_aware(moment),
                status=status,
                done=rng.choice(project.done),
                next_steps=rng.choice(project.next_steps),
                blockers=rng.choice(BLOCKERS) if status in (Status.AT_RISK, Status.BLOCKED) else "",
                support_needed=rng.choice(SUPPORT_NEEDED) if status != Status.ON_TRACK and rng.random() < 0.7 else "",
                direction_reason=rng.choice(DIRECTION_REASONS) if status == Status.CHANGED_DIRECTION else "",
                stage="Pilot" if n < count // 2 else "Roll-out",
                percent_complete=min(100, round(100 * (n + 1) / count)) if profile == "finishing" else None,
                children_voice=rng.choice(project.voice) if voice else "",
                children_voice_not_yet=not voice,
            )
        )
    return rows


def _support(subgroup, profile: str, lead: int, facilitator: int, started: date, today: date, rng):
    rows = [
        SupportEntry(
            subgroup=subgroup,
            kind=SupportKind.COACHING,
            state=SupportState.DONE,
            description="Coaching call with the lead on planning the first term.",
            given_by_id=facilitator,
            given_on=started + timedelta(days=10),
            recorded_by_id=facilitator,
            created_at=timezone.make_aware(datetime.combine(started + timedelta(days=10), time(16))),
        ),
        SupportEntry(
            subgroup=subgroup,
            kind=SupportKind.FACILITATION,
            state=SupportState.DONE,
            description="Facilitated the sub-group meeting that agreed milestones.",
            given_by_id=facilitator,
            given_on=started + timedelta(days=24),
            recorded_by_id=facilitator,
            created_at=timezone.make_aware(datetime.combine(started + timedelta(days=24), time(17))),
        ),
    ]
    if profile in ("stalling", "wobbling"):
        asked = today - timedelta(days=rng.randint(3, 12))
        rows.append(
            SupportEntry(
                subgroup=subgroup,
                kind=SupportKind.BROKERING,
                state=SupportState.REQUESTED if profile == "stalling" else SupportState.IN_PROGRESS,
                description="An introduction to the trust's information governance lead, to unblock data sharing.",
                requested_by_id=lead,
                recorded_by_id=lead,
                created_at=timezone.make_aware(datetime.combine(asked, time(9, 30))),
            )
        )
    if profile == "changed":
        rows.append(
            SupportEntry(
                subgroup=subgroup,
                kind=SupportKind.EVALUATION,
                state=SupportState.DONE,
                description="Help to rethink the evaluation after the change of direction.",
                requested_by_id=lead,
                given_by_id=facilitator,
                given_on=today - timedelta(days=20),
                notes="Two sessions; a simpler outcome measure agreed.",
                recorded_by_id=lead,
                created_at=timezone.make_aware(datetime.combine(today - timedelta(days=30), time(11))),
            )
        )
    return rows


def _links(created: list[tuple[SubGroup, Project, str, list[int]]]) -> None:
    """The transitions pilots of the first two localities learn from each other."""
    transitions = [s for s, project, *_ in created if project.name == TRANSITIONS]
    by_place: dict[int, SubGroup] = {}
    for subgroup in transitions:
        by_place.setdefault(subgroup.collaborative_id, subgroup)
    pilots = list(by_place.values())[:2]
    if len(pilots) == 2:
        SubGroupLink.objects.create(
            from_subgroup=pilots[0],
            to_subgroup=pilots[1],
            note="Both pilots use the same early-identification checklist; the leads meet each half term.",
            created_by_id=pilots[0].created_by_id,
        )


def _concern(collaborative: Collaborative | None) -> None:
    """A concern the demo anchor raised with the programme team, being looked into."""
    if collaborative is None:
        return
    anchor = User.objects.filter(
        email=ANCHOR_EMAIL, memberships__collaborative=collaborative, memberships__left_on__isnull=True
    ).first()
    if anchor is None:
        return
    concern = Concern.objects.create(
        programme_id=collaborative.programme_id,
        collaborative=collaborative,
        raised_by=anchor,
        subject="The council restructure may take the inclusion officer out of the Collaborative",
        details="The restructure out for consultation would move the inclusion officer's post into a wider team. "
        "Three sub-groups rely on them. I would like advice on how other localities kept continuity.",
        state=ConcernState.IN_PROGRESS,
        created_at=timezone.now() - timedelta(days=9),
    )
    team = (
        Membership.objects.active()
        .filter(programme_id=collaborative.programme_id, role=Role.PROGRAMME_TEAM)
        .values_list("user_id", flat=True)
        .first()
    )
    if team:
        ConcernNote.objects.create(
            concern=concern,
            author_id=team,
            body="Thank you for raising this. We will put you in touch with the anchor in another locality who "
            "went through the same change last year.",
            created_at=timezone.now() - timedelta(days=7),
        )
