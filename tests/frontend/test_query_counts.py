"""The pages ask the database the same number of questions however many members a collaborative has."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collab import services
from collab.models import Sector
from tests.factories import InvitationFactory, MembershipFactory, OrganisationFactory

PAGES = [
    reverse("home"),
    reverse("collaborative-overview", args=["ashford"]),
    reverse("collaborative-members", args=["ashford"]),
    reverse("collaborative-audit", args=["ashford"]),
]


def grow(world, n: int) -> None:
    """Add n members (each with their own organisation and sector), n pending invitations and n audit events."""
    sectors = list(Sector)
    facilitator = world.people["facilitator"]
    for i in range(n):
        organisation = OrganisationFactory(collaborative=world.ours, sector=sectors[i % len(sectors)])
        MembershipFactory(collaborative=world.ours, organisation=organisation, sector=organisation.sector)
        InvitationFactory(collaborative=world.ours, invited_by=facilitator, organisation=organisation)
        services.organisation_update(
            actor=facilitator, organisation=organisation, name=f"{organisation.name} (renamed)"
        )


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", PAGES)
def test_queries_do_not_grow_with_the_collaborative(client, world, url):
    client.force_login(world.people["facilitator"])
    grow(world, 3)
    small = queries(client, url)
    grow(world, 30)
    assert queries(client, url) == small
