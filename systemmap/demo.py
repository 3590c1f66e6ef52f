"""Demo data of system maps: the first locality's year-1 map — about forty actors, services, settings, stages of the
child's journey, pressures, needs and resources; their connections (with feedback loops to find); evidence quoted
by role only, including a sensitive item and small counts; findings; and a saved "Year 1 map" version.

The core's loader (`collab.demo`) runs this through the extension registered in `SystemmapConfig.ready()`, so
`manage.py seed_demo` builds it. Every place, service and person is invented; no child appears anywhere.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from collab.demo import DemoExtension
from collab.models import LiveStream, Membership, Programme, Role, Sector
from systemmap.models import (
    Connection,
    ConnectionType,
    Element,
    ElementType,
    Evidence,
    EvidenceKind,
    Finding,
    FindingElement,
    FindingEvidence,
    Map,
    MapVersion,
    Polarity,
    Presentation,
    PresentationStep,
    SourceKind,
)
from systemmap.services.common import KIND
from systemmap.services.maps import map_snapshot

FACILITATOR_EMAIL = "facilitator@demo.example"
T, S = ElementType, Sector
# (key, label, type, sector, journey step, description)
ELEMENTS = [
    ("early_years", "Early years and nursery", T.STAGE, "", 1, "From birth to starting school."),
    ("primary", "Primary school", T.STAGE, "", 2, "Reception to Year 6."),
    ("move", "Move to secondary school", T.STAGE, "", 3, "The summer between Year 6 and Year 7, and the first term."),
    ("secondary", "Secondary school", T.STAGE, "", 4, "Year 7 to Year 11."),
    ("at_risk", "At risk of exclusion", T.STAGE, "", 5, "Repeated suspensions, a managed move, a part-time timetable."),
    ("ap_stage", "In alternative provision", T.STAGE, "", 6, "Placed in the pupil referral unit or another AP."),
    ("post16", "Post-16", T.STAGE, "", 7, "College, training or work after Year 11."),
    ("council", "Council inclusion team", T.ORGANISATION, S.LA_EDUCATION, None, "Leads the inclusion strategy."),
    ("virtual_school", "Virtual school", T.ORGANISATION, S.VIRTUAL_SCHOOL, None, "Champions children in care."),
    ("ep", "Educational psychology service", T.ORGANISATION, S.EDUCATIONAL_PSYCHOLOGY, None, ""),
    ("camhs", "CAMHS", T.ORGANISATION, S.HEALTH, None, "Child and adolescent mental health services."),
    ("early_help", "Early help hub", T.ORGANISATION, S.EARLY_HELP, None, ""),
    ("social_care", "Children's social care", T.ORGANISATION, S.SOCIAL_CARE, None, ""),
    ("forum", "Parent carer forum", T.ORGANISATION, S.PARENT_CARERS, None, "Families' voice in the Collaborative."),
    ("heads", "Secondary headteachers' network", T.ORGANISATION, S.SECONDARY_SCHOOL, None, ""),
    ("fap", "Fair Access panel", T.ORGANISATION, S.LA_EDUCATION, None, "Places pupils who need a school mid-year."),
    ("pru", "Pupil referral unit", T.ORGANISATION, S.ALTERNATIVE_PROVISION, None, ""),
    ("camhs_referral", "CAMHS referral and assessment", T.SERVICE, S.HEALTH, None, ""),
    ("drop_in", "Inclusion and early help drop-in", T.SERVICE, S.EARLY_HELP, None, "A fortnightly clinic in schools."),
    ("senco_network", "SENCo network", T.SERVICE, S.LA_EDUCATION, None, ""),
    ("outreach", "Behaviour support outreach", T.SERVICE, S.ALTERNATIVE_PROVISION, None, ""),
    ("salt", "Speech and language therapy", T.SERVICE, S.HEALTH, None, ""),
    ("school_nursing", "School nursing", T.SERVICE, S.HEALTH, None, ""),
    ("youth", "Youth service", T.SERVICE, "", None, ""),
    ("primaries", "Mainstream primary schools", T.SETTING, S.PRIMARY_SCHOOL, None, "34 schools."),
    ("secondaries", "Mainstream secondary schools", T.SETTING, S.SECONDARY_SCHOOL, None, "9 schools."),
    ("special", "Special schools", T.SETTING, S.SPECIAL_SCHOOL, None, "3 schools, all full."),
    ("ap_setting", "Alternative provision", T.SETTING, S.ALTERNATIVE_PROVISION, None, ""),
    ("waits", "Long CAMHS waiting lists", T.PRESSURE, S.HEALTH, None, ""),
    ("thin_referrals", "Referrals that lack information", T.PRESSURE, "", None, ""),
    ("scarce_ap", "Scarce alternative provision places", T.PRESSURE, S.ALTERNATIVE_PROVISION, None, ""),
    ("poor_transition", "Poor primary-to-secondary transitions", T.PRESSURE, "", None, ""),
    ("suspensions", "Rising suspensions", T.PRESSURE, S.SECONDARY_SCHOOL, None, ""),
    ("turnover", "Staff turnover in schools", T.PRESSURE, "", None, ""),
    ("unmet_send", "Unmet special educational needs", T.PRESSURE, "", None, ""),
    ("low_trust", "Families' low trust in schools' decisions", T.PRESSURE, S.PARENT_CARERS, None, ""),
    ("early_id", "Early identification of need", T.NEED, "", None, ""),
    ("sharing", "Consistent information sharing", T.NEED, "", None, ""),
    ("waiting_support", "Support while waiting", T.NEED, "", None, ""),
    ("belonging", "Belonging at school", T.NEED, "", None, ""),
    ("hnb", "High needs funding", T.RESOURCE, S.LA_EDUCATION, None, ""),
    ("training", "Trauma-informed practice training", T.RESOURCE, "", None, ""),
    ("shared_data", "Shared exclusions data", T.RESOURCE, "", None, "Figures discussed in the headteachers' network."),
]  # fmt: skip

C, P, M = ConnectionType, Polarity.SAME, Polarity.OPPOSITE
# (from, to, type, polarity, strength, note)
CONNECTIONS = [
    ("early_years", "primary", C.TRANSITION, P, 3, ""),
    ("primary", "move", C.TRANSITION, P, 3, ""),
    ("move", "secondary", C.TRANSITION, P, 3, ""),
    ("secondary", "at_risk", C.TRANSITION, P, 2, ""),
    ("at_risk", "ap_stage", C.TRANSITION, P, 3, "After a permanent exclusion or a managed move."),
    ("ap_stage", "post16", C.TRANSITION, P, 2, ""),
    ("ap_stage", "secondary", C.TRANSITION, P, 1, "Few return to mainstream."),
    ("primaries", "camhs_referral", C.REFERRAL, P, 3, ""),
    ("secondaries", "camhs_referral", C.REFERRAL, P, 4, ""),
    ("camhs_referral", "camhs", C.REFERRAL, P, 3, ""),
    ("primaries", "early_help", C.REFERRAL, P, 3, ""),
    ("early_help", "social_care", C.REFERRAL, P, 2, ""),
    ("secondaries", "fap", C.REFERRAL, P, 3, ""),
    ("fap", "pru", C.REFERRAL, P, 4, ""),
    ("pru", "ap_setting", C.SUPPORT, P, 3, ""),
    ("secondaries", "senco_network", C.INFORMATION, P, 2, ""),
    ("senco_network", "ep", C.REFERRAL, P, 3, ""),
    ("ep", "special", C.REFERRAL, P, 2, ""),
    ("virtual_school", "secondaries", C.SUPPORT, P, 3, ""),
    ("council", "hnb", C.FUNDING, P, 5, ""),
    ("hnb", "special", C.FUNDING, P, 4, ""),
    ("hnb", "ap_setting", C.FUNDING, P, 3, ""),
    ("council", "drop_in", C.FUNDING, P, 2, ""),
    ("forum", "council", C.INFLUENCE, P, 2, ""),
    ("heads", "shared_data", C.INFORMATION, P, 3, ""),
    ("outreach", "secondaries", C.SUPPORT, P, 3, ""),
    ("salt", "primaries", C.SUPPORT, P, 2, ""),
    ("school_nursing", "primaries", C.SUPPORT, P, 2, ""),
    ("youth", "belonging", C.SUPPORT, P, 2, ""),
    ("training", "secondaries", C.SUPPORT, P, 3, ""),
    ("early_years", "early_id", C.INFLUENCE, P, 3, ""),
    ("early_id", "primary", C.SUPPORT, P, 3, ""),
    ("poor_transition", "move", C.INFLUENCE, P, 4, ""),
    ("suspensions", "at_risk", C.INFLUENCE, P, 4, ""),
    # A reinforcing loop: suspensions fill the few AP places; pupils then wait in mainstream without the support
    # they need, and are suspended again.
    ("suspensions", "scarce_ap", C.INFLUENCE, P, 4, "More pupils need a place than there are places."),
    ("scarce_ap", "unmet_send", C.INFLUENCE, P, 3, "Pupils wait in mainstream for a place."),
    ("unmet_send", "suspensions", C.INFLUENCE, P, 4, ""),
    # A reinforcing loop through staff: suspensions wear staff out, turnover loses what staff knew of pupils.
    ("suspensions", "turnover", C.INFLUENCE, P, 2, ""),
    ("turnover", "unmet_send", C.INFLUENCE, P, 3, ""),
    # A balancing loop: rising suspensions prompt the heads to share their figures, which brings them down.
    ("suspensions", "heads", C.INFLUENCE, P, 3, "The network puts exclusions on its agenda."),
    ("shared_data", "suspensions", C.INFLUENCE, M, 3, "Peer challenge on each school's figures."),
    # A balancing loop: unmet needs bring families to the drop-in, which identifies needs earlier.
    ("unmet_send", "drop_in", C.REFERRAL, P, 3, ""),
    ("drop_in", "early_id", C.SUPPORT, P, 3, ""),
    ("early_id", "unmet_send", C.INFLUENCE, M, 3, ""),
    # Waiting.
    ("camhs", "waits", C.INFLUENCE, P, 4, "Demand far above capacity."),
    ("waits", "unmet_send", C.INFLUENCE, P, 4, ""),
    ("waiting_support", "waits", C.INFLUENCE, M, 2, "Support while waiting makes the wait less harmful."),
    ("school_nursing", "waiting_support", C.SUPPORT, P, 2, ""),
    # Information.
    ("thin_referrals", "waits", C.INFLUENCE, P, 3, "Referrals bounce back and the wait starts again."),
    ("sharing", "thin_referrals", C.INFLUENCE, M, 3, ""),
    ("thin_referrals", "poor_transition", C.INFLUENCE, P, 3, ""),
    ("low_trust", "sharing", C.INFLUENCE, M, 3, "Families hold back what schools need to know."),
    ("suspensions", "low_trust", C.INFLUENCE, P, 3, ""),
    ("forum", "low_trust", C.INFLUENCE, M, 2, ""),
    ("poor_transition", "suspensions", C.INFLUENCE, P, 3, "Year 7 suspensions peak in the first term."),
    ("belonging", "suspensions", C.INFLUENCE, M, 3, ""),
    ("training", "belonging", C.INFLUENCE, P, 2, ""),
    ("social_care", "virtual_school", C.INFORMATION, P, 2, ""),
    ("ep", "early_id", C.SUPPORT, P, 2, ""),
    ("special", "scarce_ap", C.INFLUENCE, P, 2, "Special schools are full, so AP takes pupils it was not meant for."),
]  # fmt: skip

Q, D, OBS, DOC = EvidenceKind.QUOTE, EvidenceKind.DATA_POINT, EvidenceKind.OBSERVATION, EvidenceKind.DOCUMENT
CHILD, PARENT, PRO, DATA = SourceKind.CHILD, SourceKind.PARENT, SourceKind.PROFESSIONAL, SourceKind.DATA
# (element key, kind, source kind, attribution, text, count, reference, sensitive, days ago)
EVIDENCE = [
    ("suspensions", Q, CHILD, "Year 9 pupil", "Nobody asked me what was going on at home. They just sent me out.",
     None, "", False, 300),
    ("suspensions", D, DATA, "Council inclusion team", "Suspensions in Eastmere secondary schools in the autumn term",
     1140, "Termly exclusions return", False, 280),
    ("waits", Q, PARENT, "Parent or carer (of a Year 7 pupil)",
     "We waited eleven months for CAMHS and in that time he was suspended four times.", None, "", False, 310),
    ("waits", D, DATA, "NHS trust", "Children waiting more than 18 weeks for a first CAMHS appointment", 212,
     "Waiting list report", False, 290),
    ("thin_referrals", Q, PRO, "SENCo (secondary school)",
     "The referral arrives with half the history missing, so we start from nothing.", None, "", False, 305),
    ("thin_referrals", OBS, PRO, "Facilitator",
     "In three of the five referral forms we looked at, the section on what had already been tried was empty.",
     None, "", False, 295),
    ("scarce_ap", D, DATA, "Council inclusion team", "Pupils placed in alternative provision outside Eastmere", 4,
     "AP commissioning data", False, 285),
    ("scarce_ap", Q, PRO, "Headteacher (pupil referral unit)",
     "We are full by October. After that every place is someone else's crisis.", None, "", False, 300),
    ("virtual_school", D, DATA, "Virtual school", "Children in care permanently excluded this year", 3,
     "Virtual school records", True, 270),
    ("poor_transition", Q, CHILD, "Year 7 pupil",
     "In primary my teacher knew me. Here I have eleven teachers and none of them knows about my reading.",
     None, "", False, 315),
    ("poor_transition", Q, PARENT, "Parent or carer (of a Year 6 pupil)",
     "Nobody told the new school about his diagnosis. We had to explain it all again.", None, "", False, 312),
    ("move", D, DATA, "Council inclusion team", "Year 7 pupils suspended in their first term", 46,
     "Termly exclusions return", False, 280),
    ("low_trust", Q, PARENT, "Parent or carer (parent carer forum member)",
     "Families feel decisions are made about their children, not with them.", None, "", False, 300),
    ("fap", OBS, PRO, "Facilitator", "Panel decisions differ from one meeting to the next: no shared criteria.",
     None, "", False, 260),
    ("drop_in", Q, PRO, "Early help worker",
     "Half the families we see at the drop-in have never been offered early help before.", None, "", False, 250),
    ("unmet_send", D, DATA, "Council inclusion team", "Pupils waiting for an EHCP needs assessment decision", 131,
     "SEND statutory returns", False, 275),
    ("unmet_send", Q, CHILD, "Year 10 pupil (with an EHCP)",
     "I get in trouble for not doing the work, but I can't read the board.", None, "", False, 290),
    ("shared_data", OBS, PRO, "Facilitator",
     "Heads compared their suspension rates for the first time; two schools changed their behaviour policy.",
     None, "", False, 240),
    ("council", DOC, PRO, "", "The authority's SEND and inclusion strategy 2025 to 2028", None,
     "Eastmere SEND and inclusion strategy", False, 330),
    ("social_care", D, DATA, "Children's social care",
     "Pupils on a child protection plan suspended this year", 2, "Social care case records", True, 265),
    ("belonging", Q, CHILD, "Year 8 pupil", "The only place I feel I belong is the youth club.", None, "", False, 300),
    ("special", D, DATA, "Council inclusion team", "Pupils with an EHCP in a special school outside Eastmere", 57,
     "Place planning data", False, 280),
]  # fmt: skip

# (title, summary, element keys, indexes of EVIDENCE linked)
FINDINGS = [
    ("Support stops while children wait for CAMHS",
     "Families wait close to a year for a first appointment; in that time needs go unmet and suspensions follow.",
     ["waits", "waiting_support", "camhs"], [2, 3]),
    ("Referrals lose the child's story on the way",
     "Forms arrive without what has been tried, so every service starts again and the wait restarts.",
     ["thin_referrals", "sharing"], [4, 5]),
    ("The move to secondary school is where things go wrong",
     "Year 7 suspensions peak in the first term; information about needs does not travel with the child.",
     ["move", "poor_transition"], [9, 10, 11]),
    ("Alternative provision is full by October",
     "With too few places, pupils wait in settings that cannot meet their needs, and the cycle repeats.",
     ["scarce_ap", "ap_setting", "suspensions"], [6, 7]),
]  # fmt: skip
LATER_FINDING = (
    "Families do not trust how decisions are made",
    "Raised at the second workshop; evidence still to be gathered with the parent carer forum.",
    ["low_trust", "forum"],
)


def build(programme: Programme, with_demo_logins: bool) -> str:
    collaborative = programme.collaboratives.order_by("pk").first()
    if collaborative is None or Map.objects.filter(collaborative=collaborative).exists():
        return ""
    memberships = Membership.objects.active().filter(collaborative=collaborative, role=Role.FACILITATOR)
    facilitator = memberships.filter(user__email=FACILITATOR_EMAIL).first() or memberships.order_by("pk").first()
    if facilitator is None:
        return ""
    with transaction.atomic():
        map_ = build_map(collaborative, facilitator.user)
    return (
        f"System map “{map_.title}” for {collaborative.name}: {map_.elements.count()} elements, "
        f"{map_.connections.count()} connections, {map_.evidence.count()} pieces of evidence, "
        f"{map_.findings.count()} findings."
    )


def build_map(collaborative, author) -> Map:
    today = timezone.localdate()
    map_ = Map.objects.create(
        collaborative=collaborative,
        title=f"{collaborative.locality} system map",
        description="What the facilitators heard and found in year 1: the actors, services and pathways around "
        "exclusion, where the pressures are, and the evidence behind each.",
        created_by=author,
    )
    LiveStream.objects.get_or_create(kind=KIND, object_id=map_.pk)
    columns = {T.STAGE: 0, T.ORGANISATION: 1, T.SERVICE: 2, T.SETTING: 3, T.PRESSURE: 4, T.NEED: 5, T.RESOURCE: 6}
    rows: dict[str, int] = {}
    elements = {}
    for key, label, type_, sector, step, description in ELEMENTS:
        row = rows[type_] = rows.get(type_, -1) + 1
        elements[key] = Element(
            map=map_,
            label=label,
            type=type_,
            sector=sector,
            journey_step=step,
            description=description,
            tags=["year 1"],
            x=float(columns[type_] * 260),
            y=float(row * 120),
        )
    Element.objects.bulk_create(elements.values())
    Connection.objects.bulk_create(
        Connection(
            map=map_,
            source=elements[a],
            target=elements[b],
            type=type_,
            polarity=polarity,
            strength=strength,
            note=note,
        )
        for a, b, type_, polarity, strength, note in CONNECTIONS
    )
    evidence = Evidence.objects.bulk_create(
        Evidence(
            map=map_,
            element=elements[key],
            kind=kind,
            source_kind=source,
            attribution=attribution,
            text=text,
            count=count,
            reference=reference,
            sensitive=sensitive,
            collected_on=today - timedelta(days=days),
            created_by=author,
        )
        for key, kind, source, attribution, text, count, reference, sensitive, days in EVIDENCE
    )
    for position, (title, summary, keys, linked) in enumerate(FINDINGS):
        _finding(map_, author, position, title, summary, [elements[k] for k in keys], [evidence[i] for i in linked])
    MapVersion.objects.create(
        map=map_,
        label="Year 1 map",
        snapshot=map_snapshot(map_),
        element_count=len(elements),
        connection_count=len(CONNECTIONS),
        created_by=author,
    )
    title, summary, keys = LATER_FINDING
    _finding(map_, author, len(FINDINGS), title, summary, [elements[k] for k in keys], [])
    _presentation(map_, author, elements)
    return map_


# Present mode at the first workshop: the journey first, then who is around it, then where the pressures are.
# (title, caption, element keys added to what the step before showed, element zoomed in on)
STEPS = [
    ("The child's journey", "From early years to post-16: the stages every child in Eastmere passes through.",
     [k for k, _, t, *_ in ELEMENTS if t == T.STAGE], None),
    ("Where children are taught", "The schools and settings along the way.",
     ["primaries", "secondaries", "special", "ap_setting", "pru", "fap"], None),
    ("Who supports them", "Services that children and families can turn to, and how referrals travel.",
     ["camhs", "camhs_referral", "early_help", "social_care", "drop_in", "ep", "senco_network", "virtual_school"],
     None),
    ("Where the pressure builds", "Suspensions feed a reinforcing loop through scarce alternative provision and "
     "unmet needs.", ["suspensions", "scarce_ap", "unmet_send", "turnover", "waits"], "suspensions"),
    ("What could break the cycle", "Shared data and earlier identification pull the other way: balancing loops.",
     ["heads", "shared_data", "early_id", "belonging", "training", "waiting_support"], "shared_data"),
]  # fmt: skip


def _presentation(map_, author, elements) -> Presentation:
    presentation = Presentation.objects.create(map=map_, title="First workshop: exploring the map", created_by=author)
    shown: list[int] = []
    for position, (title, caption, keys, focus) in enumerate(STEPS, start=1):
        shown = shown + [elements[k].pk for k in keys if elements[k].pk not in shown]
        PresentationStep.objects.create(
            presentation=presentation,
            position=position,
            title=title,
            caption=caption,
            elements=list(shown),
            focus=elements[focus] if focus else None,
        )
    return presentation


def _finding(map_, author, position, title, summary, elements, evidence) -> Finding:
    finding = Finding.objects.create(map=map_, title=title, summary=summary, position=position, created_by=author)
    FindingElement.objects.bulk_create(FindingElement(map=map_, finding=finding, element=e) for e in elements)
    FindingEvidence.objects.bulk_create(FindingEvidence(map=map_, finding=finding, evidence=v) for v in evidence)
    return finding


def delete(programme: Programme) -> None:
    maps = Map.objects.filter(collaborative__programme=programme)
    ids = list(maps.values_list("pk", flat=True))
    maps.delete()
    LiveStream.objects.filter(kind=KIND, object_id__in=ids).delete()


DEMO_EXTENSION = DemoExtension(name="systemmap", build=build, logins=lambda programme: [], delete=delete)
