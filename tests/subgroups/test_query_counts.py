"""The sub-group pages and API answers ask the database the same number of questions however many sub-groups,
updates, milestones, comments, people and support entries there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from subgroups.models import Status
from tests.api.conftest import API
from tests.subgroups import builders as b

STATUSES = [Status.ON_TRACK, Status.AT_RISK, Status.BLOCKED, Status.ON_TRACK]


def grow(world, subgroups: int, updates: int, *, lead=None):
    """`subgroups` sub-groups of Ashford, each with `updates` updates and a comment on each, two milestones, two more
    people, a support request, a review and a link to the previous one. `lead` leads the first (a new member
    otherwise)."""
    made = []
    for n in range(subgroups):
        subgroup = b.subgroup(world, lead=lead if n == 0 and lead else b.member_of(world, world.ours))
        b.part_of(world, subgroup)
        b.part_of(world, subgroup, role="co_lead")
        milestones = [b.milestone(world, subgroup), b.milestone(world, subgroup)]
        for u in range(updates):
            update = b.update(
                world,
                subgroup,
                status=STATUSES[u % len(STATUSES)],
                blockers="Waiting for a room." if u % 2 else "",
                milestones_completed=milestones[:1] if u == 0 else [],
            )
            b.comment(world, update)
        b.support_request(world, subgroup)
        b.review(world, subgroup)
        if made:
            b.link(world, subgroup, made[-1])
        made.append(subgroup)
    return made


def queries(client, url: str) -> int:
    client.get(url)  # warm up
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def _pages(first):
    return [
        reverse("subgroup-list", args=["ashford"]),
        reverse("subgroup-detail", args=["ashford", first.pk]),
        reverse("subgroup-update", args=["ashford", first.pk]),
        reverse("subgroup-people", args=["ashford", first.pk]),
        reverse("collaborative-overview", args=["ashford"]),
    ]


@pytest.mark.parametrize("who", ["lead", "facilitator", "observer"])
def test_pages_cost_the_same_however_long_the_history(client, world, who):
    [first] = grow(world, 1, 2, lead=world.people["lead"])
    client.force_login(world.people[who])
    pages = [url for url in _pages(first) if who != "observer" or ("update" not in url and "people" not in url)]
    small = [queries(client, url) for url in pages]
    grow(world, 8, 12)
    large = [queries(client, url) for url in pages]
    assert dict(zip(pages, small, strict=True)) == dict(zip(pages, large, strict=True))


ROUTES = [
    "subgroups",
    "subgroup-members",
    "milestones",
    "progress-updates",
    "update-comments",
    "support-entries",
    "subgroup-links",
    "reviews",
]


@pytest.mark.parametrize("route", ROUTES)
def test_api_lists_cost_the_same_however_many_rows(world, api, route):
    client = api("member")
    grow(world, 2, 2)
    small = queries(client, f"{API}/{route}/?page_size=100")
    grow(world, 8, 12)
    large = queries(client, f"{API}/{route}/?page_size=100")
    assert small == large


def test_the_concerns_list_costs_the_same_however_many_concerns(world, api):
    client = api("programme_team")
    b.concern(world, "member")
    small = queries(client, f"{API}/concerns/")
    for _ in range(20):
        b.concern(world, "anchor")
    assert queries(client, f"{API}/concerns/") == small
