"""Pages and API answers cost the same number of queries however many people a collaborative has.

Each check builds one collaborative with a handful of members and one with many (every sector, former members,
twenty organisations), asks for the same page as the same kind of person, and compares the queries. A query per
row (an "N+1") shows up as a difference, and the failure lists the queries of both.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collab.demo import build_programme
from collab.models import Collaborative, Membership, Role

pytestmark = pytest.mark.django_db

SMALL, LARGE = 5, 80
VIEWERS = [Role.FACILITATOR, Role.MEMBER, Role.PROGRAMME_TEAM]


def _collaborative(size: int) -> Collaborative:
    slug = f"size-{size}"
    result = build_programme(
        localities=1, members_per_collaborative=size, slug=slug, name=f"Size {size}", with_demo_logins=False
    )
    return result.programme.collaboratives.get()


def _client_for(collaborative: Collaborative, role: Role) -> Client:
    memberships = Membership.objects.active().select_related("user")
    if role == Role.PROGRAMME_TEAM:
        membership = memberships.get(programme_id=collaborative.programme_id, role=role)
    else:
        membership = memberships.filter(collaborative=collaborative, role=role).first()
    client = Client()
    client.force_login(membership.user)
    return client


def _queries(client: Client, url: str) -> tuple[list[str], object]:
    client.get(url)  # warm up: the session and anything cached once per process
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return [query["sql"] for query in captured.captured_queries], response


def _assert_same_cost(small: list[str], large: list[str]) -> None:
    assert len(small) == len(large), (
        f"{len(small)} queries with {SMALL} members but {len(large)} with {LARGE}.\n\n"
        + "\n".join(f"small: {q}" for q in small)
        + "\n\n"
        + "\n".join(f"large: {q}" for q in large)
    )


@pytest.fixture
def sizes():
    return _collaborative(SMALL), _collaborative(LARGE)


@pytest.mark.parametrize("role", VIEWERS, ids=lambda r: r.value)
def test_collaborative_overview_queries_do_not_grow_with_members(sizes, role):
    counts = []
    for collaborative in sizes:
        client = _client_for(collaborative, role)
        queries, response = _queries(client, reverse("collaborative-overview", args=[collaborative.slug]))
        counts.append(queries)
    _assert_same_cost(*counts)


@pytest.mark.parametrize("role", VIEWERS, ids=lambda r: r.value)
def test_memberships_api_queries_do_not_grow_with_members(sizes, role):
    counts = []
    for collaborative, size in zip(sizes, (SMALL, LARGE), strict=True):
        client = _client_for(collaborative, role)
        for page_size in ("", "&page_size=500"):
            queries, response = _queries(client, f"/api/v1/memberships/?collaborative={collaborative.pk}{page_size}")
            assert response.json()["count"] == size
            counts.append(queries)
    small_first_page, small_big_page, large_first_page, large_big_page = counts
    _assert_same_cost(small_first_page, large_first_page)
    _assert_same_cost(small_big_page, large_big_page)


def test_member_management_page_queries_do_not_grow_with_members(sizes):
    counts = []
    for collaborative in sizes:
        client = _client_for(collaborative, Role.FACILITATOR)
        queries, _ = _queries(client, reverse("collaborative-members", args=[collaborative.slug]))
        counts.append(queries)
    _assert_same_cost(*counts)
