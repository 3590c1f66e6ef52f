"""Test data for sub-groups, built through the services so every row is one the product could have made.

Sub-groups of Ashford (ours) are led by the world's `lead` actor, a plain member; those of Brindle (theirs) by a
member of Brindle. Names are numbered so that several can be built in one test.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from collab.models import Role
from subgroups import services
from subgroups.models import Status, SubGroupMember, SubGroupRole
from tests.factories import MembershipFactory, UserFactory

_numbers = itertools.count(1)


def facilitator_of(world, collaborative):
    return world.people["facilitator"] if collaborative == world.ours else world.people["outsider"]


def member_of(world, collaborative, *, role=Role.MEMBER, name=None):
    """A new person with an active membership of the collaborative."""
    user = UserFactory(display_name=name or f"Member {next(_numbers)}")
    school = world.our_school if collaborative == world.ours else world.their_school
    MembershipFactory(user=user, collaborative=collaborative, role=role, organisation=school)
    return user


def subgroup(world, collaborative=None, *, name=None, lead=None, **fields):
    """A sub-group with a lead: the `lead` actor in Ashford, a new member in Brindle."""
    collaborative = collaborative or world.ours
    if lead is None:
        lead = world.people["lead"] if collaborative == world.ours else member_of(world, collaborative)
    return services.subgroup_create(
        actor=facilitator_of(world, collaborative),
        collaborative=collaborative,
        name=name or f"Transitions pilot {next(_numbers)}",
        aims=fields.pop("aims", "Plan the move to secondary school early."),
        lead=lead,
        **fields,
    )


def their_subgroup(world, **fields):
    return subgroup(world, world.theirs, **fields)


def lead_of(subgroup_):
    return SubGroupMember.objects.active().get(subgroup=subgroup_, role=SubGroupRole.LEAD).user


def milestone(world, subgroup_, *, days=30, title=None):
    return services.milestone_create(
        actor=lead_of(subgroup_),
        subgroup=subgroup_,
        title=title or f"Milestone {next(_numbers)}",
        due_on=timezone.localdate() + timedelta(days=days),
    )


def update(world, subgroup_, *, status=Status.ON_TRACK, **fields):
    values = {
        "done": "Met the pilot schools.",
        "next_steps": "Share the checklist.",
        "children_voice": "Two parents reviewed the letter to families.",
    }
    values.update(fields)
    return services.update_post(actor=lead_of(subgroup_), subgroup=subgroup_, status=status, **values)


def part_of(world, subgroup_, *, role=SubGroupRole.MEMBER):
    """Someone else's part in the sub-group (not one of the actors)."""
    person = member_of(world, subgroup_.collaborative)
    return services.subgroup_member_add(
        actor=facilitator_of(world, subgroup_.collaborative), subgroup=subgroup_, user=person, role=role
    )


def support_request(world, subgroup_):
    return services.support_request(
        actor=lead_of(subgroup_), subgroup=subgroup_, kind="brokering", description="An introduction to the trust."
    )


def link(world, a, b):
    return services.link_create(actor=facilitator_of(world, a.collaborative), from_subgroup=a, to_subgroup=b)


def review(world, subgroup_):
    return services.review_record(
        actor=facilitator_of(world, subgroup_.collaborative),
        subgroup=subgroup_,
        decision="continue",
        reasons="On track.",
        forward_plan="Extend to all primaries.",
    )


def comment(world, update_):
    return services.comment_add(actor=lead_of(update_.subgroup), update=update_, body="Thanks, useful.")


def concern(world, who="member", collaborative=None):
    return services.concern_raise(
        actor=world.people[who],
        collaborative=collaborative or world.ours,
        subject="Attendance is falling",
        details="Fewer schools come each time.",
    )
