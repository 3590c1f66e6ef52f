"""The dashboard and the programme view read a fixed number of queries, whatever the number of localities, items or
sub-groups."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collab.demo import build_programme
from collab.models import Membership, Role
from subgroups import dashboard as dash
from subgroups.demo import build_subgroups
from subgroups.demo_plans import build_plans

pytestmark = pytest.mark.django_db


def _programme(localities: int, subgroups: int, slug: str):
    result = build_programme(
        localities=localities, members_per_collaborative=12, slug=slug, name=slug, with_demo_logins=False
    )
    collaboratives = list(result.programme.collaboratives.select_related("programme").order_by("pk"))
    build_subgroups(collaboratives, per_collaborative=subgroups, updates=2)
    build_plans(collaboratives)
    return result.programme, collaboratives


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def _fresh(user):
    return type(user).objects.get(pk=user.pk)  # no grants cached from an earlier call


def test_programme_view_queries_do_not_grow_with_localities(db):
    small, _ = _programme(1, 1, "few")
    large, _ = _programme(4, 3, "many")
    counts = []
    for programme in (small, large):
        team = Membership.objects.get(programme=programme, role=Role.PROGRAMME_TEAM).user
        counts.append(_queries(lambda team=team, programme=programme: dash.programme_view(_fresh(team), programme)))
    assert counts[0] == counts[1]


def test_programme_view_page_queries_do_not_grow_with_localities(db, client):
    counts = []
    for programme, _ in (_programme(1, 1, "few"), _programme(4, 3, "many")):
        team = Membership.objects.get(programme=programme, role=Role.PROGRAMME_TEAM).user
        client.force_login(team)
        url = reverse("programme-view", args=[programme.slug])
        counts.append(_queries(lambda url=url: client.get(url)))
    assert counts[0] == counts[1]


def test_dashboard_page_queries_do_not_grow_with_items(db, client):
    counts = []
    for _, collaboratives in (_programme(1, 1, "few"), _programme(1, 5, "many")):
        anchor = Membership.objects.get(collaborative=collaboratives[0], role=Role.ANCHOR).user
        client.force_login(anchor)
        url = reverse("dashboard", args=[collaboratives[0].slug])
        counts.append(_queries(lambda url=url: client.get(url)))
    assert counts[0] == counts[1]


def test_dashboard_queries_do_not_grow_with_items_or_subgroups(db):
    _, few = _programme(1, 1, "few")
    _, many = _programme(1, 5, "many")
    counts = []
    for collaborative in (few[0], many[0]):
        anchor = Membership.objects.get(collaborative=collaborative, role=Role.ANCHOR).user
        counts.append(_queries(lambda anchor=anchor, c=collaborative: dash.dashboard(_fresh(anchor), c)))
    assert counts[0] == counts[1]
