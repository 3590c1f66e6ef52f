"""Endorsement counts by sector, checked against counts worked out by hand: each response counts once, under the
sector its author was in when they responded, for its own version only."""

import pytest
from django.utils import timezone

from actionplans.selectors import endorsement_counts, vision_page
from collab.models import Membership, Sector
from tests.actionplans import builders as b

pytestmark = pytest.mark.django_db


def table(counts):
    """(sector, agree, with reservations, disagree, total) per row, then the total row."""
    rows = [(row.sector, row.agree, row.reservations, row.disagree, row.total) for row in counts.sectors]
    total = counts.total
    return rows, (total.agree, total.reservations, total.disagree, total.total)


def test_counts_by_sector_match_a_hand_count(world):
    first = b.publish(world, texts=["Every child is known."])
    b.endorse(world, first, "member", "disagree")  # version 1 only: not counted for version 2
    version = b.publish(world, texts=["Every child is known and welcomed."])

    # Primary schools: the world's member, lead and anchor (all at Ashford Primary), and one more.
    b.endorse(world, version, "member", "agree")
    b.endorse(world, version, "lead", "agree")
    b.endorse(world, version, "anchor", "agree_with_reservations")
    b.endorse(world, version, b.member_of(world, sector=Sector.PRIMARY_SCHOOL), "disagree")
    # Health: two agree, one with reservations.
    for response in ("agree", "agree", "agree_with_reservations"):
        b.endorse(world, version, b.member_of(world, sector=Sector.HEALTH), response)
    # The parent carer forum: one with reservations, who then changes to agree (counted once, as agree).
    parent = b.member_of(world, sector=Sector.PARENT_CARERS)
    b.endorse(world, version, parent, "agree_with_reservations")
    b.endorse(world, version, parent, "agree")
    # Social care: one disagrees, then moves to early help and leaves; the response stays under social care.
    social_worker = b.member_of(world, sector=Sector.SOCIAL_CARE)
    b.endorse(world, version, social_worker, "disagree")
    Membership.objects.filter(user=social_worker).update(sector=Sector.EARLY_HELP, left_on=timezone.localdate())
    # Brindle's responses to Brindle's own vision are theirs alone.
    theirs = b.publish(world, collaborative=world.theirs)
    b.endorse(world, theirs, b.member_of(world, world.theirs, sector=Sector.HEALTH), "disagree")

    counts = endorsement_counts([first.pk, version.pk])
    rows, total = table(counts[version.pk])
    assert rows == [
        (Sector.PRIMARY_SCHOOL, 2, 1, 1, 4),
        (Sector.SOCIAL_CARE, 0, 0, 1, 1),
        (Sector.HEALTH, 2, 1, 0, 3),
        (Sector.PARENT_CARERS, 1, 0, 0, 1),
    ], "in the sectors' usual order, only those that responded"
    assert total == (5, 2, 2, 9)
    assert table(counts[first.pk]) == ([(Sector.PRIMARY_SCHOOL, 0, 0, 1, 1)], (0, 0, 1, 1))
    assert table(endorsement_counts([theirs.pk])[theirs.pk]) == ([(Sector.HEALTH, 0, 0, 1, 1)], (0, 0, 1, 1))


def test_the_bars_fill_the_row_with_each_response_s_share(world):
    version = b.publish(world)
    for who, response in (("member", "agree"), ("lead", "agree"), ("anchor", "disagree")):
        b.endorse(world, version, who, response)
    row = endorsement_counts([version.pk])[version.pk].sectors[0]
    assert row.bar() == [("agree", 0, 67), ("disagree", 67, 33)], "two thirds and one third, adding up to 100"


def test_the_page_says_how_many_current_members_have_responded(world):
    version = b.publish(world)
    b.endorse(world, version, "member")
    b.endorse(world, version, "lead", "disagree")
    page = vision_page(world.people["observer"], world.ours)
    # Ashford's current members who may respond: member, anchor, facilitator and lead (not the observer).
    assert (page.counts.total.total, page.members) == (2, 4)
    assert page.current == version and page.mine is None and not page.may_endorse
