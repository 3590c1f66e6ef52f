"""The vision's pages and API answers ask the database the same number of questions however many statements,
versions, members and responses there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collab.models import Sector
from tests.actionplans import builders as b
from tests.api.conftest import API

pytestmark = pytest.mark.django_db

SECTORS = [Sector.PRIMARY_SCHOOL, Sector.HEALTH, Sector.SOCIAL_CARE, Sector.PARENT_CARERS, Sector.EARLY_HELP]
RESPONSES = ["agree", "agree_with_reservations", "disagree"]


def grow(world, versions: int, statements: int, responders: int):
    """`versions` more published versions of Ashford, each of `statements` statements with `responders` new members'
    responses (with comments) from several sectors."""
    for v in range(versions):
        version = b.publish(world, texts=[f"Statement {n} of round {v}." for n in range(statements)])
        for n in range(responders):
            person = b.member_of(world, sector=SECTORS[n % len(SECTORS)])
            b.endorse(world, version, person, RESPONSES[n % 3], comment=f"Comment {n}.")
    b.statement(world, "A thought for the next round.")


def queries(client, url: str) -> int:
    client.get(url)  # warm up
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


PAGES = [
    reverse("vision", args=["ashford"]),
    reverse("vision-drafts", args=["ashford"]),
    reverse("vision-versions", args=["ashford"]),
    reverse("vision-version", args=["ashford", 1]),
    reverse("vision-publish", args=["ashford"]),
]


@pytest.mark.parametrize("who", ["member", "facilitator"])
def test_pages_cost_the_same_however_many_versions_and_responses(client, world, who):
    grow(world, 1, 2, 2)
    client.force_login(world.people[who])
    pages = [url for url in PAGES if who == "facilitator" or "publish" not in url]
    small = [queries(client, url) for url in pages]
    grow(world, 4, 8, 15)
    large = [queries(client, url) for url in pages]
    assert dict(zip(pages, small, strict=True)) == dict(zip(pages, large, strict=True))


@pytest.mark.parametrize("route", ["vision-statements", "vision-versions", "endorsements", "priorities"])
def test_api_lists_cost_the_same_however_many_rows(world, api, route):
    client = api("member")
    grow(world, 1, 2, 2)
    small = queries(client, f"{API}/{route}/?page_size=100")
    grow(world, 4, 8, 15)
    assert queries(client, f"{API}/{route}/?page_size=100") == small
