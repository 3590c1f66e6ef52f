"""The number of queries a list request makes does not grow with the number of rows it returns."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from collab.models import Role, Sector
from tests.api.conftest import API
from tests.factories import InvitationFactory, MembershipFactory, OrganisationFactory, UserFactory


def _grow(world, extra):
    """Add `extra` members to Ashford, each with an organisation, an invitation and an audit event."""
    from collab.audit import audit_record

    for i in range(extra):
        organisation = OrganisationFactory(collaborative=world.ours, sector=Sector.HEALTH)
        membership = MembershipFactory(
            collaborative=world.ours,
            organisation=organisation,
            sector=Sector.HEALTH,
            role=Role.OBSERVER if i % 2 else Role.MEMBER,
            user=UserFactory(),
        )
        InvitationFactory(collaborative=world.ours, invited_by=world.people["facilitator"], organisation=organisation)
        audit_record(actor=world.people["facilitator"], action="test.row", target=membership, collaborative=world.ours)


def _queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, {"page_size": 100})
    assert response.status_code == 200, response.content
    return len(captured), response.json()["count"]


ROUTES = ["memberships", "organisations", "invitations", "audit-events", "collaboratives", "programmes"]


@pytest.mark.parametrize("route", ROUTES)
def test_list_queries_do_not_grow_with_rows(world, api, route):
    client = api("facilitator")
    _grow(world, 1)
    _queries(client, f"{API}/{route}/")  # warm up: content types and the like
    small, small_count = _queries(client, f"{API}/{route}/")
    _grow(world, 60)
    large, large_count = _queries(client, f"{API}/{route}/")
    assert small == large, f"{route}: {small} queries for {small_count} rows, {large} for {large_count}"


def test_memberships_list_with_6_and_60_members_takes_the_same_queries(world, api):
    client = api("member")
    _grow(world, 1)
    five, count = _queries(client, f"{API}/memberships/")
    assert count == 6
    _grow(world, 54)
    sixty, count = _queries(client, f"{API}/memberships/")
    assert count == 60
    assert five == sixty
    assert sixty <= 4, "token, grants, count and page"
