"""The engagement view against figures worked out by hand.

Ashford's current members, besides its facilitator (left out: they run the workshops): the observer, the member, the
anchor and the lead (all from a primary school, members since January), Hana from health (joined 15 June) — and
Sol from social care, a member from January until 15 July.

                 12 May (W1)    7 July (W2)     8 Sept (W3)    3 Nov (W4, attendance not taken)
    member       came           came            came           has a place
    anchor       came           —               did not come   —
    observer     did not come   —               —              has a place
    lead         —              came, no place  —              —
    Hana         (not yet)      came            did not come   —
    Sol          came           did not come    (left)         (left)

Not counted: a cancelled workshop, Brindle's workshop, a cross-locality workshop and one still to come.
"""

from datetime import date, time

import pytest

from collab import selectors
from collab.errors import Forbidden
from collab.models import Membership, Sector
from tests.factories import MembershipFactory, UserFactory
from tests.workshops.helpers import RegistrationFactory, WorkshopFactory, uk

pytestmark = pytest.mark.django_db


def held(world, day, title):
    return WorkshopFactory(
        collaborative=world.ours, title=title, starts_at=uk(day, time(10)), ends_at=uk(day, time(13))
    )


@pytest.fixture
def history(world, clock):
    Membership.objects.filter(collaborative=world.ours).update(joined_on=date(2026, 1, 1))
    hana = MembershipFactory(
        collaborative=world.ours,
        user=UserFactory(display_name="Hana Health"),
        sector=Sector.HEALTH,
        joined_on=date(2026, 6, 15),
    ).user
    sol = MembershipFactory(
        collaborative=world.ours,
        user=UserFactory(display_name="Sol Social"),
        sector=Sector.SOCIAL_CARE,
        joined_on=date(2026, 1, 1),
        left_on=date(2026, 7, 15),
    ).user
    p = world.people
    w1 = held(world, date(2026, 5, 12), "W1")
    w2 = held(world, date(2026, 7, 7), "W2")
    w3 = held(world, date(2026, 9, 8), "W3")
    w4 = held(world, date(2026, 11, 3), "W4")
    came = {
        w1: {p["member"]: True, p["anchor"]: True, p["observer"]: False, sol: True},
        w2: {p["member"]: True, p["lead"]: True, hana: True, sol: False},
        w3: {p["member"]: True, p["anchor"]: False, hana: False},
        w4: {p["member"]: None, p["observer"]: None},
    }
    for workshop, people in came.items():
        for person, attended in people.items():
            RegistrationFactory(workshop=workshop, user=person, attended=attended)
    # None of these count.
    cancelled = WorkshopFactory(
        collaborative=world.ours,
        starts_at=uk(date(2026, 10, 6), time(10)),
        ends_at=uk(date(2026, 10, 6), time(13)),
        cancelled_at=uk(date(2026, 10, 1), time(9)),
    )
    theirs = WorkshopFactory(
        collaborative=world.theirs, starts_at=uk(date(2026, 10, 6), time(10)), ends_at=uk(date(2026, 10, 6), time(13))
    )
    everyone = WorkshopFactory(
        collaborative=None,
        programme=world.programme,
        starts_at=uk(date(2026, 10, 13), time(10)),
        ends_at=uk(date(2026, 10, 13), time(13)),
    )
    upcoming = WorkshopFactory(
        collaborative=world.ours, starts_at=uk(date(2027, 1, 12), time(10)), ends_at=uk(date(2027, 1, 12), time(13))
    )
    for workshop in (cancelled, theirs, everyone, upcoming):
        RegistrationFactory(workshop=workshop, user=p["anchor"], attended=True if workshop is not upcoming else None)
    return {"hana": hana, "sol": sol, "workshops": [w1, w2, w3, w4]}


def test_per_member_figures(world, history):
    view = selectors.engagement(world.people["facilitator"], world.ours)

    rows = {
        row.membership.user.display_name: (row.held, row.registered, row.attended, row.missed, row.last_attended)
        for row in view.members
    }
    assert rows == {
        "Ashford Member": (4, 4, 3, 0, date(2026, 9, 8)),
        "Ashford Collaborative Anchor": (4, 2, 1, 1, date(2026, 5, 12)),
        "Ashford Observer": (4, 2, 0, 1, None),
        "Ashford Lead": (4, 1, 1, 0, date(2026, 7, 7)),
        "Hana Health": (3, 2, 1, 1, date(2026, 7, 7)),
    }, "current members only (not Sol, who left), facilitators left out"
    assert [row.membership.user.display_name for row in view.members] == sorted(rows), "by name, not by figures"
    assert [row.membership.user.display_name for row in view.not_seen] == ["Ashford Observer"]


def test_per_sector_figures_over_time(world, history):
    view = selectors.engagement(world.people["facilitator"], world.ours)

    assert [w.workshop.title for w in view.workshops] == ["W1", "W2", "W3", "W4"]
    assert [(w.attended, w.members, w.attendance_taken) for w in view.workshops] == [
        (3, 5, True),
        (3, 6, True),
        (1, 5, True),
        (0, 0, False),
    ]
    sectors = {
        row.sector: ([(c.attended, c.members) if c.recorded else None for c in row.cells], row.percent)
        for row in view.sectors
    }
    assert sectors == {
        Sector.PRIMARY_SCHOOL: ([(2, 4), (2, 4), (1, 4), None], 42),  # 5 of 12
        Sector.SOCIAL_CARE: ([(1, 1), (0, 1), (0, 0), None], 50),  # 1 of 2
        Sector.HEALTH: ([(0, 0), (1, 1), (0, 1), None], 50),  # 1 of 2
    }
    assert [row.sector for row in view.sectors] == [Sector.PRIMARY_SCHOOL, Sector.SOCIAL_CARE, Sector.HEALTH]


def test_a_shorter_look_back(world, history):
    view = selectors.engagement(world.people["facilitator"], world.ours, last=2)

    assert [w.workshop.title for w in view.workshops] == ["W3", "W4"]
    member = next(row for row in view.members if row.membership.user == world.people["member"])
    assert (member.held, member.registered, member.attended, member.not_recorded) == (2, 2, 1, 1)
    assert {row.membership.user.display_name for row in view.not_seen} == {
        "Ashford Collaborative Anchor",
        "Ashford Observer",
        "Ashford Lead",
        "Hana Health",
    }, "only the member came to W3, the one workshop in view whose attendance was taken"


def test_who_may_see_engagement(world, history):
    for who in ("anchor", "facilitator", "programme_team"):
        selectors.engagement(world.people[who], world.ours)
    for who in ("member", "observer"):
        with pytest.raises(Forbidden):
            selectors.engagement(world.people[who], world.ours)
