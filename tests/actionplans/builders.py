"""Test data for the shared vision, built through the services so every row is one the product could have made.

Ashford's (ours) vision is drafted and published by the world's facilitator; Brindle's (theirs) by the outsider, who
facilitates there.
"""

from __future__ import annotations

import itertools

from actionplans import services
from actionplans.models import VisionStatement
from collab.models import Role, Sector
from tests.factories import MembershipFactory, UserFactory

_numbers = itertools.count(1)


def facilitator_of(world, collaborative):
    return world.people["facilitator"] if collaborative == world.ours else world.people["outsider"]


def statement(world, text=None, *, collaborative=None, who=None, note=""):
    collaborative = collaborative or world.ours
    actor = world.people[who] if who else facilitator_of(world, collaborative)
    return services.vision_statement_create(
        actor=actor,
        collaborative=collaborative,
        text=text or f"Every child is known and welcomed ({next(_numbers)}).",
        note=note,
    )


def publish(world, *, collaborative=None, texts=None, note=""):
    """Publish a version: with `texts`, a draft of exactly those statements first (others are taken out)."""
    collaborative = collaborative or world.ours
    actor = facilitator_of(world, collaborative)
    if texts is not None:
        for old in VisionStatement.objects.filter(collaborative=collaborative, removed_at__isnull=True):
            services.vision_statement_remove(actor=actor, statement=old)
        for text in texts:
            statement(world, text, collaborative=collaborative)
    elif not VisionStatement.objects.filter(collaborative=collaborative, removed_at__isnull=True).exists():
        statement(world, collaborative=collaborative)
    return services.vision_publish(actor=actor, collaborative=collaborative, note=note)


def member_of(world, collaborative=None, *, sector=Sector.PRIMARY_SCHOOL, role=Role.MEMBER, name=None):
    """A new person with an active membership of the collaborative, in `sector`."""
    collaborative = collaborative or world.ours
    user = UserFactory(display_name=name or f"Member {next(_numbers)}")
    school = world.our_school if collaborative == world.ours else world.their_school
    MembershipFactory(user=user, collaborative=collaborative, role=role, organisation=school, sector=sector)
    return user


def endorse(world, version, who, response="agree", comment=""):
    person = world.people[who] if isinstance(who, str) else who
    endorsement, _ = services.endorsement_give(actor=person, version=version, response=response, comment=comment)
    return endorsement
