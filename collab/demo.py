"""Demo data: a fictional programme, its localities, organisations and people, and one sign-in per role.

Every place, organisation and person here is invented. No child appears anywhere.

`build_programme()` makes the three-locality demo that `manage.py seed_demo` loads, and, with larger numbers, the
synthetic sets the benchmarks use (150 localities, or one collaborative with 5,000 memberships). Rows are written
with `bulk_create`, so even the large sets build in seconds. The same `seed` gives the same names, organisations,
roles and sectors every time; dates are relative to today.

Building is idempotent: if a programme with the slug already exists nothing is touched (pass `reset=True` to
delete it and build it again).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.db.models.deletion import ProtectedError
from django.utils import timezone

from collab.models import (
    AuditEvent,
    Collaborative,
    Invitation,
    Membership,
    Organisation,
    Programme,
    Registration,
    Role,
    Sector,
    User,
    Workshop,
    WorkshopFormat,
    WorkshopLength,
)

DEMO_PASSWORD = "workshop-demo-2026"
DEMO_DOMAIN = "demo.example"
FACILITATING_ORGANISATION = "The Threadwell Foundation"
LOADER_LABEL = "Demo data loader"

# The first localities, in order. Further ones are made up from the syllables below.
FIRST_PLACES = ["Eastmere", "Hollinbrook", "Saltwick"]
_PLACE_STEMS = [
    "Quill", "Sorrel", "Larch", "Brack", "Tarn", "Fallow", "Heron", "Rook", "Bramble", "Corrin", "Mallow", "Pellin",
    "Thistle", "Vetch", "Wyvern", "Yarrow", "Ember", "Gorse", "Kestrel", "Linnet", "Marram", "Nettle", "Osier",
    "Plover", "Rushy", "Sedge", "Teasel", "Wren", "Alder", "Bittern",
]  # fmt: skip
_PLACE_ENDINGS = ["mere", "brook", "wick", "ford", "ham", "ley", "stead", "thorpe", "combe", "haven", "field", "by"]

# Streets and landmarks for schools and services.
_FEATURES = [
    "Larkspur", "Ferncroft", "Millpond", "Chapel Green", "Willowbank", "Harbour Lane", "Greystone", "Orchard Rise",
    "Beacon Hill", "Tanners Row", "Kingfisher", "Meadowgate", "Rosehill", "Elmtree", "Foxcote", "Redbank",
    "Windmill", "Brookside", "Hawthorn", "Castlegate", "Lantern Hill", "Cobblers Way", "Saint Hilda's",
    "Saint Aidan's", "Holy Trinity", "Riverside", "Northgate", "Southfields", "Westcliffe", "Quarry Bank",
]  # fmt: skip

_FIRST_NAMES = [
    "Amara", "Ben", "Chloe", "Daniel", "Efua", "Fatima", "George", "Hannah", "Imran", "Jess", "Kwame", "Laura",
    "Mohammed", "Niamh", "Oliver", "Priya", "Rhys", "Sophie", "Tariq", "Uma", "Victoria", "William", "Yasmin",
    "Zara", "Aled", "Bethan", "Callum", "Deborah", "Eilidh", "Farah", "Gareth", "Harpreet", "Isla", "Joseph",
    "Kirsty", "Liam", "Megan", "Nathan", "Olu", "Paul", "Rachel", "Sanjay", "Tom", "Ursula", "Vikram", "Wendy",
    "Abdul", "Ciara", "Dev", "Ellie", "Grace", "Hamza", "Ife", "Jamal", "Katie", "Leon", "Mei", "Noor", "Owen",
    "Ruth",
]  # fmt: skip
_SURNAMES = [
    "Adebayo", "Bennett", "Chaudhry", "Davies", "Evans", "Fletcher", "Greenwood", "Hussain", "Iqbal", "Jones",
    "Kaur", "Lewis", "Mensah", "Nowak", "O'Connor", "Patel", "Quinn", "Robinson", "Singh", "Thompson",
    "Underwood", "Varma", "Walsh", "Xu", "Young", "Zielinski", "Ahmed", "Brooks", "Campbell", "Doyle", "Ellis",
    "Fraser", "Gill", "Hughes", "Islam", "Jackson", "Khan", "Lowe", "Murphy", "Nicholls", "Okafor", "Price",
    "Reid", "Shah", "Turner", "Wood", "Begum", "Clarke", "Dunn", "Edwards", "Foster", "Hale", "Kowalski", "Moss",
    "Osei", "Pryce", "Rahman", "Sutton", "Whitlock", "Yates",
]  # fmt: skip

JOB_TITLES: dict[str, list[str]] = {
    Sector.PRIMARY_SCHOOL: [
        "Headteacher", "Deputy headteacher", "SENCo", "Inclusion lead", "Family support worker",
        "Assistant headteacher for inclusion", "Designated safeguarding lead",
    ],
    Sector.SECONDARY_SCHOOL: [
        "Headteacher", "Deputy head, behaviour and attendance", "SENCo", "Head of Year 7", "Pastoral lead",
        "Assistant principal for inclusion", "Designated safeguarding lead", "Transition coordinator",
    ],
    Sector.SPECIAL_SCHOOL: ["Headteacher", "Outreach lead", "Deputy headteacher", "Assistant head for SEMH"],
    Sector.ALTERNATIVE_PROVISION: [
        "Head of centre", "Outreach teacher", "Reintegration coordinator", "Executive headteacher",
    ],
    Sector.VIRTUAL_SCHOOL: ["Virtual school headteacher", "Education adviser for children in care"],
    Sector.LA_EDUCATION: [
        "Inclusion officer", "Fair access officer", "Exclusions and reintegration officer", "SEND casework manager",
        "Attendance lead",
    ],
    Sector.EARLY_HELP: ["Early help manager", "Family practitioner", "Early help team leader"],
    Sector.SOCIAL_CARE: [
        "Team manager, children in need", "Social worker", "Head of service, children's social care",
        "Practice lead",
    ],
    Sector.HEALTH: [
        "CAMHS clinical lead", "Designated clinical officer for SEND", "Consultant community paediatrician",
        "Speech and language therapist", "Occupational therapist", "Mental health support team lead",
        "School nursing lead",
    ],
    Sector.EDUCATIONAL_PSYCHOLOGY: [
        "Principal educational psychologist", "Senior educational psychologist", "Educational psychologist",
    ],
    Sector.PARENT_CARERS: ["Parent carer forum chair", "Parent carer representative", "Forum participation lead"],
    Sector.FACILITATION: ["Facilitator", "Local collaborative advisor"],
}  # fmt: skip

# Posts an organisation has only one of.
_ONE_PER_ORGANISATION = {
    "Headteacher",
    "Executive headteacher",
    "Head of centre",
    "Virtual school headteacher",
    "Principal educational psychologist",
    "Parent carer forum chair",
    "Early help manager",
    "Head of service, children's social care",
    "CAMHS clinical lead",
    "Designated clinical officer for SEND",
}

# After one member from every sector, further members are drawn with these weights: more from schools.
_SECTOR_WEIGHTS: dict[str, int] = {
    Sector.PRIMARY_SCHOOL: 8,
    Sector.SECONDARY_SCHOOL: 6,
    Sector.SPECIAL_SCHOOL: 3,
    Sector.ALTERNATIVE_PROVISION: 3,
    Sector.VIRTUAL_SCHOOL: 1,
    Sector.LA_EDUCATION: 2,
    Sector.EARLY_HELP: 2,
    Sector.SOCIAL_CARE: 2,
    Sector.HEALTH: 3,
    Sector.EDUCATIONAL_PSYCHOLOGY: 2,
    Sector.PARENT_CARERS: 2,
}
# The order the first pass covers the sectors in: the ones most easily lost come first.
_COVERAGE_ORDER = [
    Sector.PARENT_CARERS,
    Sector.SOCIAL_CARE,
    Sector.HEALTH,
    Sector.PRIMARY_SCHOOL,
    Sector.SECONDARY_SCHOOL,
    Sector.ALTERNATIVE_PROVISION,
    Sector.SPECIAL_SCHOOL,
    Sector.EARLY_HELP,
    Sector.EDUCATIONAL_PSYCHOLOGY,
    Sector.VIRTUAL_SCHOOL,
    Sector.LA_EDUCATION,
]


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    where: str
    display_name: str


# The demo sign-ins: (role, email, display name, job title, sector). All but the programme team are placed in the
# first locality's collaborative.
_DEMO_PEOPLE = [
    (Role.PROGRAMME_TEAM, "programme-team@demo.example", "Rosa Whitfield", "Programme director", Sector.FACILITATION),
    (Role.FACILITATOR, "facilitator@demo.example", "Dele Hartley", "Facilitator", Sector.FACILITATION),
    (Role.ANCHOR, "anchor@demo.example", "Helen Marsh", "Head of SEND and inclusion", Sector.LA_EDUCATION),
    (Role.MEMBER, "member@demo.example", "Sam Okoro", "SENCo", Sector.PRIMARY_SCHOOL),
    (Role.OBSERVER, "observer@demo.example", "Jo Pemberton", "Trainee educational psychologist",
     Sector.EDUCATIONAL_PSYCHOLOGY),
]  # fmt: skip
DEMO_EMAILS = [email for _, email, *_ in _DEMO_PEOPLE]


@dataclass(frozen=True)
class DemoExtension:
    """Demo data of an app above the core (sub-groups, action plans…), registered in its `AppConfig.ready()`, so the
    core's loader builds and removes it without importing that app.

    `build(programme, with_demo_logins)` adds the app's rows to a programme (doing nothing if they are there already)
    and returns a line for the summary, or ""; `logins(programme)` lists the app's own demo sign-ins;
    `delete(programme)` removes the app's rows before the core removes the programme; `emails` are the app's demo
    sign-ins, removed with the programme like the core's.
    """

    name: str
    build: Callable[[Programme, bool], str]
    logins: Callable[[Programme], list[DemoLogin]]
    delete: Callable[[Programme], None]
    emails: tuple[str, ...] = ()


_EXTENSIONS: dict[str, DemoExtension] = {}


def register_demo_extension(extension: DemoExtension) -> None:
    _EXTENSIONS[extension.name] = extension


def build_extensions(programme: Programme, *, with_demo_logins: bool = True) -> list[str]:
    """Let every registered app add its demo data to the programme; their summary lines."""
    lines = []
    with transaction.atomic():
        for extension in _EXTENSIONS.values():
            line = extension.build(programme, with_demo_logins)
            if line:
                lines.append(line)
    return lines


@dataclass
class DemoResult:
    programme: Programme
    created: bool
    collaboratives: int = 0
    organisations: int = 0
    memberships: int = 0
    people: int = 0
    invitations: int = 0
    workshops: int = 0
    logins: list[DemoLogin] = field(default_factory=list)


# --- Names -------------------------------------------------------------------------------------------------------


def place_names(count: int, *, seed: int = 2026) -> list[str]:
    """`count` invented, distinct place names: Eastmere, Hollinbrook, Saltwick, then made-up combinations."""
    names = list(FIRST_PLACES[:count])
    combos = [stem + ending for stem in _PLACE_STEMS for ending in _PLACE_ENDINGS]
    random.Random(seed).shuffle(combos)
    taken = {n.lower() for n in names}
    for combo in combos:
        if len(names) >= count:
            break
        if combo.lower() not in taken:
            names.append(combo)
            taken.add(combo.lower())
    n = 2
    while len(names) < count:  # more localities than combinations: number them, still fictional
        for combo in combos:
            if len(names) >= count:
                break
            names.append(f"{combo} {_roman(n)}")
        n += 1
    return names


def _roman(n: int) -> str:
    numerals = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for value, numeral in numerals:
        while n >= value:
            out, n = out + numeral, n - value
    return out


def _local_part(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", ".", text.lower()).strip(".")


class _People:
    """Invented people with unique email addresses under one domain."""

    def __init__(self, rng: random.Random, domain: str, taken: set[str]):
        self.rng = rng
        self.domain = domain
        self.taken = taken

    def make(self) -> tuple[str, str]:
        first, last = self.rng.choice(_FIRST_NAMES), self.rng.choice(_SURNAMES)
        base = f"{_local_part(first)}.{_local_part(last)}"
        email, n = f"{base}@{self.domain}", 2
        while email in self.taken:
            email, n = f"{base}{n}@{self.domain}", n + 1
        self.taken.add(email)
        return f"{first} {last}", email


# --- Organisations -----------------------------------------------------------------------------------------------


def _organisations_for(place: str, rng: random.Random) -> list[tuple[str, str]]:
    """(name, sector) of a locality's organisations, the council's education service (the anchor) first."""
    features = rng.sample(_FEATURES, 12)
    organisations = [
        (f"{place} Council Education Service", Sector.LA_EDUCATION),
        *[(f"{features[i]} Primary School", Sector.PRIMARY_SCHOOL) for i in range(rng.choice((4, 5)))],
        (f"{place} Academy", Sector.SECONDARY_SCHOOL),
        (f"{features[5]} High School", Sector.SECONDARY_SCHOOL),
        (f"{features[6]} Community College", Sector.SECONDARY_SCHOOL),
        (f"{features[7]} School", Sector.SPECIAL_SCHOOL),
        (f"{place} Learning Centre (pupil referral unit)", Sector.ALTERNATIVE_PROVISION),
        (f"{features[8]} Alternative Provision", Sector.ALTERNATIVE_PROVISION),
        (f"{place} Virtual School", Sector.VIRTUAL_SCHOOL),
        (f"{place} Early Help Service", Sector.EARLY_HELP),
        (f"{place} Children's Social Care", Sector.SOCIAL_CARE),
        (f"{place} and District NHS Foundation Trust", Sector.HEALTH),
        (f"{place} CAMHS", Sector.HEALTH),
        (f"{place} Educational Psychology Service", Sector.EDUCATIONAL_PSYCHOLOGY),
        (f"{place} Parent Carer Forum", Sector.PARENT_CARERS),
    ]
    if rng.random() < 0.5:
        organisations.append((f"{features[10]} Special School", Sector.SPECIAL_SCHOOL))
    return organisations


# --- Building ----------------------------------------------------------------------------------------------------


@dataclass
class _Slot:
    """One membership to be made: who, where, with what role."""

    collaborative: Collaborative
    sector: str
    role: str
    job_title: str
    organisation: Organisation | None
    joined_on: date
    left_on: date | None = None
    email: str = ""
    display_name: str = ""


def build_programme(
    *,
    localities: int = 3,
    members_per_collaborative: int = 35,
    slug: str = "inclusive-futures",
    name: str = "Inclusive Futures",
    seed: int = 2026,
    with_demo_logins: bool = True,
    reset: bool = False,
) -> DemoResult:
    """Build a fictional programme with `localities` collaboratives of `members_per_collaborative` memberships each.

    `members_per_collaborative` counts every membership row of a collaborative: facilitators, the anchor, the demo
    sign-ins placed there and the few former members kept for history.
    """
    if localities < 1 or members_per_collaborative < 1:
        raise ValueError("Build at least one locality with at least one member.")
    existing = Programme.objects.filter(slug=slug).first()
    if existing is not None and not reset:
        return _summarise(existing, created=False)
    with transaction.atomic():
        if existing is not None:
            delete_programme(slug)
        if Programme.objects.filter(name=name).exists():
            raise ValueError(f"A programme called “{name}” already exists with another slug; choose another name.")
        return _build(
            localities=localities,
            members=members_per_collaborative,
            slug=slug,
            name=name,
            seed=seed,
            with_demo_logins=with_demo_logins,
        )


def _build(*, localities: int, members: int, slug: str, name: str, seed: int, with_demo_logins: bool) -> DemoResult:
    rng = random.Random(seed)
    today = timezone.localdate()
    year_ago = today - timedelta(days=365)
    domain = f"{slug}.{DEMO_DOMAIN}"
    people = _People(
        rng, domain, set(User.objects.filter(email__endswith=f"@{domain}").values_list("email", flat=True))
    )
    demo_people = _DEMO_PEOPLE if with_demo_logins else []
    if demo_people and User.objects.filter(email__in=DEMO_EMAILS).exists():
        demo_people = []  # the demo sign-ins already belong to another programme in this database

    programme = Programme.objects.create(
        name=name,
        slug=slug,
        description=(
            "A fictional three-year programme: a multi-agency Collaborative in each locality works to prevent "
            "exclusions from school. Every place, organisation and person here is invented."
        ),
        starts_on=year_ago,
        ends_on=year_ago + timedelta(days=3 * 365),
    )
    facilitating = Organisation.objects.create(
        programme=programme, collaborative=None, name=FACILITATING_ORGANISATION, sector=Sector.FACILITATION
    )

    places = place_names(localities, seed=seed)
    taken_slugs = set(Collaborative.objects.values_list("slug", flat=True))
    collaboratives = []
    for place in places:
        collaborative_slug = _local_part(place).replace(".", "-")
        if collaborative_slug in taken_slugs:
            collaborative_slug = f"{slug}-{collaborative_slug}"[:80]
        taken_slugs.add(collaborative_slug)
        collaboratives.append(
            Collaborative(
                programme=programme,
                name=f"{place} Collaborative",
                slug=collaborative_slug,
                locality=place,
                description=(
                    f"Schools, the council, health, social care and families in {place} working together so that "
                    "fewer children are excluded from school."
                ),
            )
        )
    collaboratives = Collaborative.objects.bulk_create(collaboratives)

    organisations: list[Organisation] = []
    for collaborative in collaboratives:
        for org_name, sector in _organisations_for(collaborative.locality, rng):
            organisations.append(
                Organisation(programme=programme, collaborative=collaborative, name=org_name, sector=sector)
            )
    organisations = Organisation.objects.bulk_create(organisations)
    by_place: dict[int, dict[str, list[Organisation]]] = {}
    for organisation in organisations:
        by_place.setdefault(organisation.collaborative_id, {}).setdefault(organisation.sector, []).append(organisation)
    for collaborative in collaboratives:
        collaborative.anchor_organisation = by_place[collaborative.pk][Sector.LA_EDUCATION][0]
    Collaborative.objects.bulk_update(collaboratives, ["anchor_organisation"])

    slots: list[_Slot] = []
    for index, collaborative in enumerate(collaboratives):
        demo_here = demo_people[1:] if index == 0 else []
        slots.extend(
            _slots_for(collaborative, members, by_place[collaborative.pk], facilitating, demo_here, rng, today)
        )
    for slot in slots:
        if not slot.email:
            slot.display_name, slot.email = people.make()

    # People. Only the demo sign-ins can sign in; everyone else has no usable password.
    demo_hash = make_password(DEMO_PASSWORD) if demo_people else None
    team_name, team_email = (demo_people[0][2], demo_people[0][1]) if demo_people else people.make()
    users = [User(email=team_email, display_name=team_name, password=demo_hash or make_password(None))]
    demo_emails = {email for _, email, *_ in demo_people}
    for slot in slots:
        hashed = demo_hash if slot.email in demo_emails else make_password(None)
        users.append(User(email=slot.email, display_name=slot.display_name, password=hashed))
    users = User.objects.bulk_create(users)
    user_ids = {user.email: user.pk for user in users}

    memberships = [
        Membership(
            user_id=user_ids[team_email],
            programme=programme,
            collaborative=None,
            organisation=facilitating,
            sector=Sector.FACILITATION,
            role=Role.PROGRAMME_TEAM,
            job_title="Programme director",
            joined_on=year_ago,
        )
    ]
    for slot in slots:
        memberships.append(
            Membership(
                user_id=user_ids[slot.email],
                programme=programme,
                collaborative=slot.collaborative,
                organisation=slot.organisation,
                sector=slot.sector,
                role=slot.role,
                job_title=slot.job_title,
                joined_on=slot.joined_on,
                left_on=slot.left_on,
            )
        )
    Membership.objects.bulk_create(memberships, batch_size=2000)

    invitations = _invitations(collaboratives[:3], slots, user_ids, people, rng)
    Invitation.objects.bulk_create(invitations)

    _workshops(programme, collaboratives, slots, user_ids, user_ids[team_email], seed=seed, today=today)

    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=None,
                actor_label=LOADER_LABEL,
                action="collaborative.create",
                programme=programme,
                collaborative=collaborative,
                target_type=Collaborative._meta.label_lower,
                target_id=str(collaborative.pk),
                target_label=str(collaborative)[:300],
                changes={"name": [None, collaborative.name], "locality": [None, collaborative.locality]},
            )
            for collaborative in collaboratives
        ]
    )
    return _summarise(programme, created=True)


def _days_since_joining(draw: int) -> int:
    """From one draw in 0..330: two thirds of members joined in the Collaborative's first month (in time for its first
    workshops), the rest over the year since."""
    return 300 + draw % 30 if draw < 220 else (draw - 220) * 3


def _slots_for(
    collaborative: Collaborative,
    size: int,
    organisations: dict[str, list[Organisation]],
    facilitating: Organisation,
    demo_people: list[tuple],
    rng: random.Random,
    today: date,
) -> list[_Slot]:
    """The memberships of one collaborative: facilitators, the anchor, every sector once, then mostly schools."""
    founding = today - timedelta(days=rng.randint(330, 365))

    held: set[tuple[int | None, str]] = set()  # (organisation, title) of the one-per-organisation posts taken

    def title_for(sector: str, organisation: Organisation | None) -> str:
        key = organisation.pk if organisation else None
        titles = [t for t in JOB_TITLES[sector] if t not in _ONE_PER_ORGANISATION or (key, t) not in held]
        title = rng.choice(titles or JOB_TITLES[sector])
        if title in _ONE_PER_ORGANISATION:
            held.add((key, title))
        return title

    def slot(sector: str, role: str = Role.MEMBER, job_title: str = "", joined_on: date | None = None) -> _Slot:
        options = organisations.get(sector) or []
        if sector == Sector.FACILITATION:
            organisation = facilitating
        elif sector == Sector.LA_EDUCATION:
            organisation = options[0]  # the council's education service
        else:
            organisation = rng.choice(options) if options else None
        return _Slot(
            collaborative=collaborative,
            sector=sector,
            role=role,
            job_title=job_title or title_for(sector, organisation),
            organisation=organisation,
            joined_on=joined_on or today - timedelta(days=_days_since_joining(rng.randint(0, 330))),
        )

    demo = {
        role: (email, display_name, job_title, sector) for role, email, display_name, job_title, sector in demo_people
    }
    fixed: list[_Slot] = []
    facilitator_count = 2 if size >= 20 else 1
    for n in range(facilitator_count):
        title = "Facilitator" if n == 0 else "Local collaborative advisor"
        fixed.append(slot(Sector.FACILITATION, Role.FACILITATOR, title, founding))
    fixed.append(slot(Sector.LA_EDUCATION, Role.ANCHOR, "Head of SEND and inclusion", founding))
    for role in (Role.MEMBER, Role.OBSERVER):
        if role in demo:
            _, _, job_title, sector = demo[role]
            fixed.append(slot(sector, role, job_title))
    for role, (email, display_name, job_title, _) in demo.items():
        match = next(s for s in fixed if s.role == role and not s.email)
        match.email, match.display_name, match.job_title = email, display_name, job_title
    fixed = fixed[:size]

    others: list[_Slot] = []
    remaining = size - len(fixed)
    covered = {s.sector for s in fixed}
    for sector in _COVERAGE_ORDER:
        if remaining <= len(others):
            break
        if sector not in covered:
            others.append(slot(sector))
    first_pass = len(others)
    sectors, weights = list(_SECTOR_WEIGHTS), list(_SECTOR_WEIGHTS.values())
    while len(others) < remaining:
        others.append(slot(rng.choices(sectors, weights)[0]))

    # A few observers, and a few former members (never the only person from a sector), to show history.
    extra = others[first_pass:]
    for member in rng.sample(extra, round(len(extra) * 0.05)):
        member.role = Role.OBSERVER
    for member in rng.sample(extra, round(size * 0.06) if size >= 15 else 0):
        member.joined_on = today - timedelta(days=rng.randint(200, 365))
        member.left_on = member.joined_on + timedelta(days=rng.randint(30, 180))
        if member.role == Role.OBSERVER:
            member.role = Role.MEMBER
    return fixed + others


def _invitations(
    collaboratives: list[Collaborative],
    slots: list[_Slot],
    user_ids: dict[str, int],
    people: _People,
    rng: random.Random,
) -> list[Invitation]:
    """Two pending invitations in each of the first collaboratives: one about to expire, one just sent."""
    now = timezone.now()
    invitations = []
    for collaborative in collaboratives:
        inviter = next(
            (s for s in slots if s.collaborative is collaborative and s.role in (Role.ANCHOR, Role.FACILITATOR)), None
        )
        if inviter is None:
            continue
        for sector, sent_days_ago in ((Sector.SOCIAL_CARE, 12), (Sector.PARENT_CARERS, 1)):
            _, email = people.make()
            sent = now - timedelta(days=sent_days_ago, hours=rng.randint(1, 8))
            invitations.append(
                Invitation(
                    collaborative=collaborative,
                    email=email,
                    role=Role.MEMBER,
                    sector=sector,
                    job_title=rng.choice(JOB_TITLES[sector]),
                    message=f"We would value your voice in the {collaborative.name}.",
                    invited_by_id=user_ids[inviter.email],
                    created_at=sent,
                    expires_at=sent + timedelta(days=14),
                )
            )
    return invitations


# Year 1's workshops (days from today; title; format; length; UK start and end), then the first two of year 2. Past
# ones have attendance, fading a little as the year goes on, as it did in the real programme.
_WORKSHOP_PLAN = [
    (-280, "Exploring the system map", WorkshopFormat.IN_PERSON, WorkshopLength.FULL_DAY, time(9, 30), time(15, 30)),
    (-210, "A shared vision", WorkshopFormat.IN_PERSON, WorkshopLength.HALF_DAY, time(9, 30), time(12, 30)),
    (-140, "Agreeing our priorities", WorkshopFormat.HYBRID, WorkshopLength.HALF_DAY, time(9, 30), time(12, 30)),
    (-70, "From priorities to an action plan", WorkshopFormat.IN_PERSON, WorkshopLength.FULL_DAY, time(9, 30),
     time(15, 30)),
    (21, "The blueprint: sub-groups and their leads", WorkshopFormat.IN_PERSON, WorkshopLength.HALF_DAY, time(10, 0),
     time(13, 0)),
    (84, "How are the sub-groups getting on?", WorkshopFormat.ONLINE, WorkshopLength.HALF_DAY, time(13, 30),
     time(16, 0)),
]  # fmt: skip
_CROSS_LOCALITY = (49, "All localities: sharing what we are learning", time(13, 30), time(16, 0))
_BOOKED = [0.85, 0.8, 0.7, 0.6]  # chance a member had a place at each past workshop
_CAME = 0.85  # chance someone with a place came
_WALKED_IN = 0.03  # chance someone without a place came anyway
_BOOKED_AHEAD = [0.5, 0.2]  # chance a member has a place at each upcoming workshop
_ACCESS_NEEDS = [
    "Step-free access, please.",
    "A hearing loop.",
    "Vegetarian lunch.",
    "I may need to leave at 12:00 for the school run.",
    "Slides in advance, please (dyslexia).",
]


def _workday(day: date) -> date:
    """The first Tuesday, Wednesday or Thursday on or after `day`: when workshops tend to be."""
    while day.weekday() not in (1, 2, 3):
        day += timedelta(days=1)
    return day


def _uk(day: date, at: time) -> datetime:
    return datetime.combine(day, at).replace(tzinfo=timezone.get_default_timezone())


def _workshops(
    programme: Programme,
    collaboratives: list[Collaborative],
    slots: list[_Slot],
    user_ids: dict[str, int],
    team_user_id: int,
    *,
    seed: int,
    today: date,
) -> None:
    """Each collaborative's workshops, with places and attendance; and one upcoming cross-locality workshop."""
    rng = random.Random(seed + 1)  # its own stream, so the people stay the same whatever happens here
    venues = ["{place} Civic Centre, Committee Room 2", "{place} Learning Centre, main hall", "Online (Teams)"]
    facilitator_of = {}
    for slot in slots:
        if slot.role == Role.FACILITATOR:
            facilitator_of.setdefault(slot.collaborative.pk, user_ids[slot.email])
    workshops: list[Workshop] = []
    for collaborative in collaboratives:
        for offset, title, format_, length, start, end in _WORKSHOP_PLAN:
            day = _workday(today + timedelta(days=offset))
            online = format_ == WorkshopFormat.ONLINE
            past = offset < 0
            workshops.append(
                Workshop(
                    programme=programme,
                    collaborative=collaborative,
                    title=title,
                    starts_at=_uk(day, start),
                    ends_at=_uk(day, end),
                    format=format_,
                    length=length,
                    venue=venues[2] if online else rng.choice(venues[:2]).format(place=collaborative.locality),
                    accessibility_notes=(
                        "Live captions; slides shared beforehand."
                        if online
                        else "Step-free access from the car park; hearing loop; a quiet room is available."
                    ),
                    agenda="Welcome and check-in\nWorking on the boards in small groups\nWhat we agree\nNext steps",
                    ended_at=_uk(day, end) if past else None,
                    created_by_id=facilitator_of.get(collaborative.pk, team_user_id),
                )
            )
    day = _workday(today + timedelta(days=_CROSS_LOCALITY[0]))
    workshops.append(
        Workshop(
            programme=programme,
            collaborative=None,
            title=_CROSS_LOCALITY[1],
            starts_at=_uk(day, _CROSS_LOCALITY[2]),
            ends_at=_uk(day, _CROSS_LOCALITY[3]),
            format=WorkshopFormat.ONLINE,
            length=WorkshopLength.HALF_DAY,
            venue="Online (Teams): the link is emailed the day before",
            accessibility_notes="Live captions; breakout rooms by theme.",
            agenda="What each locality has learnt\nThemes across localities\nQuestions for the programme team",
            created_by_id=team_user_id,
        )
    )
    workshops = Workshop.objects.bulk_create(workshops)

    now = timezone.now()
    registrations: list[Registration] = []
    by_collaborative: dict[int, list[_Slot]] = {}
    for slot in slots:
        if slot.role != Role.FACILITATOR:
            by_collaborative.setdefault(slot.collaborative.pk, []).append(slot)
    for workshop in workshops:
        if workshop.collaborative_id is None:
            continue
        index = next(i for i, plan in enumerate(_WORKSHOP_PLAN) if plan[1] == workshop.title)
        day = timezone.localtime(workshop.starts_at).date()
        past = workshop.ends_at <= now
        for slot in by_collaborative.get(workshop.collaborative_id, []):
            if slot.joined_on > day or (slot.left_on is not None and slot.left_on < day):
                continue
            demo_member = slot.email == "member@demo.example"
            if past:
                booked = demo_member or rng.random() < _BOOKED[index]
                came = demo_member or (rng.random() < _CAME if booked else rng.random() < _WALKED_IN)
                if not booked and not came:
                    continue
            else:
                upcoming = index - len(_BOOKED)
                booked = (demo_member and upcoming == 0) or rng.random() < _BOOKED_AHEAD[upcoming]
                if not booked:
                    continue
                came = None
            registrations.append(
                Registration(
                    workshop=workshop,
                    user_id=user_ids[slot.email],
                    registered_at=min(now, workshop.starts_at - timedelta(days=rng.randint(1, 40))),
                    access_needs=rng.choice(_ACCESS_NEEDS) if rng.random() < 0.1 else "",
                    attended=came,
                    attendance_marked_by_id=workshop.created_by_id if past else None,
                    attendance_marked_at=workshop.ends_at if past else None,
                )
            )
    Registration.objects.bulk_create(registrations, batch_size=2000)


# --- Reading back and removing -----------------------------------------------------------------------------------


def demo_logins(programme: Programme) -> list[DemoLogin]:
    """The demo sign-ins that hold a role in this programme, in role order."""
    rows = (
        Membership.objects.active()
        .filter(programme=programme, user__email__in=DEMO_EMAILS)
        .select_related("user", "collaborative")
    )
    found = {row.user.email: row for row in rows}
    logins = []
    for role, email, *_ in _DEMO_PEOPLE:
        membership = found.get(email)
        if membership is None:
            continue
        where = membership.collaborative.name if membership.collaborative else f"All localities of {programme.name}"
        logins.append(DemoLogin(role.label, email, DEMO_PASSWORD, where, membership.user.display_name))
    for extension in _EXTENSIONS.values():
        logins.extend(extension.logins(programme))
    return logins


def _summarise(programme: Programme, *, created: bool) -> DemoResult:
    memberships = Membership.objects.filter(programme=programme)
    return DemoResult(
        programme=programme,
        created=created,
        collaboratives=programme.collaboratives.count(),
        organisations=programme.organisations.count(),
        memberships=memberships.count(),
        people=memberships.values("user").distinct().count(),
        invitations=Invitation.objects.filter(collaborative__programme=programme).pending().count(),
        workshops=Workshop.objects.filter(programme=programme).count(),
        logins=demo_logins(programme),
    )


def _extension_emails() -> list[str]:
    return [email for extension in _EXTENSIONS.values() for email in extension.emails]


@transaction.atomic
def delete_programme(slug: str) -> bool:
    """Remove a demo programme and everything in it, including the invented people who belong nowhere else.

    Returns False if there was no such programme.
    """
    programme = Programme.objects.filter(slug=slug).first()
    if programme is None:
        return False
    collaboratives = Collaborative.objects.filter(programme=programme)
    member_ids = set(Membership.objects.filter(programme=programme).values_list("user_id", flat=True))
    try:
        for extension in _EXTENSIONS.values():
            extension.delete(programme)
        Workshop.objects.filter(programme=programme).delete()  # with their places
        AuditEvent.objects.filter(Q(programme=programme) | Q(collaborative__in=collaboratives)).delete()
        Invitation.objects.filter(collaborative__in=collaboratives).delete()
        Membership.objects.filter(programme=programme).delete()
        collaboratives.update(anchor_organisation=None)
        Organisation.objects.filter(programme=programme).delete()
        collaboratives.delete()
        programme.delete()
        # People of this programme who take part nowhere else: the invented ones and the demo sign-ins.
        leftovers = (
            User.objects.filter(pk__in=member_ids, memberships__isnull=True)
            .filter(Q(email__endswith=f"@{slug}.{DEMO_DOMAIN}") | Q(email__in=DEMO_EMAILS + _extension_emails()))
            .exclude(is_superuser=True)
        )
        AuditEvent.objects.filter(actor__in=leftovers).delete()
        Invitation.objects.filter(invited_by__in=leftovers).delete()
        leftovers.delete()
    except ProtectedError as error:
        kinds = sorted({obj._meta.verbose_name_plural for obj in error.protected_objects})
        raise ValueError(
            f"{programme.name} cannot be removed while other records still refer to it ({', '.join(kinds)})."
        ) from None
    return True
