"""Demo data of the shared vision: the first locality's vision, drafted after its "A shared vision" workshop,
published twice (a first version, then a reworded one), with members' responses from many sectors.

The core's loader (`collab.demo`) runs this through the extension registered in `ActionplansConfig.ready()`, so
`manage.py seed_demo` builds it. The demo member has not responded to the current version yet, so a person trying
the demo can. Every statement, comment and person is invented.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from actionplans.models import Endorsement, EndorsementResponse, Priority, VisionStatement, VisionVersion
from collab.demo import DemoExtension, DemoLogin
from collab.models import AuditEvent, Membership, Programme, Role

FIRST_VERSION = [
    "Every child is known, welcomed and able to learn in a school near home.",
    "Schools, health, social care and families share what they know early, so needs are met before they become a "
    "crisis.",
    "Exclusion is a last resort, and no child is excluded when the right support could have prevented it.",
]
CURRENT_VERSION = [
    "Every child and young person is known, welcomed and able to learn in a setting near home.",
    "Schools, health, social care and families share what they know early and safely, so needs are met before "
    "they become a crisis.",
    "Families are partners: their voice, and children's own, shapes the support offered.",
    "Exclusion is a last resort, and no child is excluded when the right support could have prevented it.",
    "When a child moves between settings, the people who know them make the move together.",
]
NOTES = {
    2: "From the board “What would be different?” at the March workshop: the parent carer forum asked for this.",
    4: "Transitions came up in every group; check the wording with the secondary heads.",
}
COMMENTS = {
    EndorsementResponse.AGREE: [
        "This is what our families told us they want.",
        "Glad transitions are in here: it is where we lose children.",
        "",
        "",
        "",
    ],
    EndorsementResponse.RESERVATIONS: [
        "“Safely” needs to mean a data-sharing agreement everyone has signed.",
        "Settings near home are not always possible for specialist places; can we say that honestly?",
        "Agree, but capacity in CAMHS will decide whether this is real.",
    ],
    EndorsementResponse.DISAGREE: ["We should name reduced timetables too, not only exclusions."],
}
# How the responses fall: mostly agree, some reservations, a few disagree.
_WEIGHTS = [(EndorsementResponse.AGREE, 14), (EndorsementResponse.RESERVATIONS, 5), (EndorsementResponse.DISAGREE, 1)]
DEMO_MEMBER = "member@demo.example"  # left to respond to the current version themselves
FACILITATOR = "facilitator@demo.example"


def _build_demo(programme: Programme, with_demo_logins: bool) -> str:
    if VisionVersion.objects.filter(collaborative__programme=programme).exists():
        return ""
    collaborative = programme.collaboratives.order_by("pk").first()
    if collaborative is None:
        return ""
    return build_vision(collaborative)


@transaction.atomic
def build_vision(collaborative, *, seed: int = 2026) -> str:
    rng = random.Random(seed)
    people = list(
        Membership.objects.active()
        .filter(collaborative=collaborative)
        .exclude(role=Role.OBSERVER)
        .select_related("user")
        .order_by("pk")
    )
    facilitators = [m for m in people if m.role == Role.FACILITATOR]
    if not facilitators:
        return ""
    publisher = next((m.user for m in facilitators if m.user.email == FACILITATOR), facilitators[0].user)
    now = timezone.now()
    first_at, current_at = now - timedelta(days=200), now - timedelta(days=160)

    first = VisionVersion.objects.create(
        collaborative=collaborative,
        number=1,
        statements=[{"statement": None, "text": text} for text in FIRST_VERSION],
        note="First draft from the shared vision workshop.",
        published_by=publisher,
        published_at=first_at,
    )
    statements = VisionStatement.objects.bulk_create(
        [
            VisionStatement(
                collaborative=collaborative,
                text=text,
                note=NOTES.get(position, ""),
                position=position,
                created_by=publisher,
                updated_by=publisher,
            )
            for position, text in enumerate(CURRENT_VERSION, start=1)
        ]
    )
    current = VisionVersion.objects.create(
        collaborative=collaborative,
        number=2,
        statements=[{"statement": s.pk, "text": s.text} for s in statements],
        note="Reworded after members' comments; families' voice and transitions added.",
        published_by=publisher,
        published_at=current_at,
    )
    VisionStatement.objects.filter(pk__in=[s.pk for s in statements]).update(created_at=first_at, updated_at=current_at)

    endorsements = []
    responders = [m for m in people if m.user.email != DEMO_MEMBER]
    rng.shuffle(responders)
    choices, weights = zip(*_WEIGHTS, strict=True)
    comments = {key: list(values) for key, values in COMMENTS.items()}
    for index, membership in enumerate(responders[: max(1, len(responders) * 2 // 3)]):
        response = rng.choices(choices, weights)[0]
        pool = comments[response]
        endorsements.append(
            Endorsement(
                version=current,
                member=membership.user,
                sector=membership.sector,
                response=response,
                comment=pool.pop(0) if pool else "",
            )
        )
        if index % 3 == 0:  # about a third had responded to the first version too
            endorsements.append(
                Endorsement(
                    version=first,
                    member=membership.user,
                    sector=membership.sector,
                    response=EndorsementResponse.AGREE if index % 2 else EndorsementResponse.RESERVATIONS,
                )
            )
    Endorsement.objects.bulk_create(endorsements)
    Endorsement.objects.filter(version=first).update(created_at=first_at + timedelta(days=3))
    Endorsement.objects.filter(version=current).update(created_at=current_at + timedelta(days=5))
    Endorsement.objects.filter(version__in=[first, current]).update(updated_at=current_at + timedelta(days=5))
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                at=version.published_at,
                actor=publisher,
                actor_label=f"{publisher.display_name} <{publisher.email}>",
                action="vision.publish",
                programme=collaborative.programme,
                collaborative=collaborative,
                target_type=VisionVersion._meta.label_lower,
                target_id=str(version.pk),
                target_label=str(version),
                changes={
                    "number": [version.number - 1 or None, version.number],
                    "statements": [None, len(version.statements)],
                },
            )
            for version in (first, current)
        ]
    )
    responded = sum(1 for e in endorsements if e.version_id == current.pk)
    return f"A shared vision for {collaborative.name} in 2 versions, with {responded} responses to the current one."


def _logins(programme: Programme) -> list[DemoLogin]:
    return []


def delete_vision(programme: Programme) -> None:
    """Remove the vision and the priorities of a programme's collaboratives (before the core removes them)."""
    Endorsement.objects.filter(version__collaborative__programme=programme).delete()
    VisionVersion.objects.filter(collaborative__programme=programme).delete()
    VisionStatement.objects.filter(collaborative__programme=programme).delete()
    Priority.objects.filter(collaborative__programme=programme).delete()


DEMO_EXTENSION = DemoExtension(name="actionplans", build=_build_demo, logins=_logins, delete=delete_vision)
