"""A workshop open to every locality of the programme: only its organisers (the programme team and the facilitator
who scheduled it) run it and see who booked with their access needs; other localities' facilitators take part like
members — pages and API alike."""

import pytest
from django.urls import reverse

from collab import services
from collab.errors import Forbidden
from collab.models import Registration
from tests.api.conftest import API
from tests.workshops.helpers import WorkshopFactory

pytestmark = pytest.mark.django_db

NEEDS = "Step-free access; I use a wheelchair"


@pytest.fixture
def everyone(world):
    """Scheduled by the Brindle facilitator, booked by an Ashford member who shared their access needs."""
    workshop = WorkshopFactory(collaborative=None, programme=world.programme, created_by=world.people["outsider"])
    services.registration_register(actor=world.people["member"], workshop=workshop, access_needs=NEEDS)
    return workshop


def test_another_localitys_facilitator_sees_no_ones_access_needs_or_email(world, api, client, everyone):
    for who in ("facilitator", "anchor"):
        listed = api(who).get(f"{API}/registrations/", {"workshop": everyone.pk})
        assert listed.status_code == 200
        assert NEEDS not in listed.content.decode() and "member@example.org" not in listed.content.decode()
    client.force_login(world.people["facilitator"])
    page = client.get(reverse("workshop-detail", args=[everyone.pk])).content.decode()
    assert NEEDS not in page and "member@example.org" not in page


def test_another_localitys_facilitator_cannot_change_it(world, api, everyone):
    changed = api("facilitator").patch(f"{API}/workshops/{everyone.pk}/", {"title": "Ours now"}, format="json")
    assert changed.status_code == 403
    with pytest.raises(Forbidden):
        services.workshop_cancel(actor=world.people["facilitator"], workshop=everyone)
    everyone.refresh_from_db()
    assert everyone.title != "Ours now" and everyone.cancelled_at is None


def test_its_organisers_see_the_places_and_access_needs(world, api, everyone):
    for who in ("outsider", "programme_team"):
        listed = api(who).get(f"{API}/registrations/", {"workshop": everyone.pk}).json()["results"]
        assert [row["access_needs"] for row in listed] == [NEEDS]
    assert Registration.objects.count() == 1


def test_a_facilitator_still_books_their_own_place(world, api, everyone):
    booked = api("facilitator").post(f"{API}/workshops/{everyone.pk}/register/", {}, format="json")
    assert booked.status_code in (200, 201), booked.content
