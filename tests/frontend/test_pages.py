"""Home and the collaborative overview, as each role sees them; other localities do not exist."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from collab import services
from collab.models import Sector
from tests.factories import InvitationFactory, MembershipFactory, UserFactory
from tests.frontend.pages import h1, link_to, text, title

OVERVIEW = reverse("collaborative-overview", args=["ashford"])


def test_anonymous_people_are_asked_to_sign_in(client, world):
    for url in (reverse("home"), OVERVIEW, reverse("profile")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_home_lists_my_collaboratives_with_my_role(client, world):
    client.force_login(world.people["member"])
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert h1(response) == ["Your collaboratives"]
    words = text(response)
    assert "Ashford Collaborative" in words
    assert "Your role Member" in words
    assert "Brindle" not in words
    assert link_to(response, OVERVIEW)
    assert "Nothing needs your attention right now." in words


def test_home_tells_a_facilitator_what_needs_attention(client, world):
    InvitationFactory(
        collaborative=world.ours,
        invited_by=world.people["facilitator"],
        expires_at=timezone.now() + timedelta(days=1),
    )
    client.force_login(world.people["facilitator"])
    words = text(client.get(reverse("home")))
    assert "Needs your attention" in words
    assert "No active member from:" in words
    assert "Children's social care" in words
    assert "1 invitation will expire within three days without a reply." in words


def test_home_without_collaboratives_says_what_to_do_next(client, db):
    client.force_login(UserFactory(display_name="New Person"))
    response = client.get(reverse("home"))
    words = text(response)
    assert "You are not part of a collaborative yet" in words
    assert "Ask your facilitator for an invitation" in words


def test_programme_team_sees_every_locality(client, world):
    client.force_login(world.people["programme_team"])
    words = text(client.get(reverse("home")))
    assert "Ashford Collaborative" in words
    assert "Brindle Collaborative" in words
    assert "Your role Programme team" in words


def test_overview_shows_members_by_sector_and_organisation_and_who_leads(client, world):
    MembershipFactory(
        collaborative=world.ours,
        user=UserFactory(display_name="Dr Priya Shah"),
        sector=Sector.HEALTH,
        job_title="Community paediatrician",
    )
    client.force_login(world.people["observer"])
    response = client.get(OVERVIEW)
    assert response.status_code == 200
    assert h1(response) == ["Ashford Collaborative"]
    assert title(response) == "Ashford Collaborative – Collaborative workspace"
    words = text(response)
    assert "6 active members" in words
    assert "Collaborative Anchor Ashford Collaborative Anchor, Ashford Primary" in words
    assert "Facilitator Ashford Facilitator" in words
    assert "Health (NHS therapies, CAMHS, paediatrics) 1 Dr Priya Shah (Community paediatrician)" in words
    assert "Ashford Primary Mainstream primary school" in words
    assert "No organisation recorded" in words  # Dr Shah's organisation is not recorded
    assert "No workshops are scheduled yet." in words


def test_overview_points_out_representation_gaps(client, world):
    client.force_login(world.people["member"])
    words = text(client.get(OVERVIEW))
    assert "No active member from 10 sectors:" in words
    assert "Parent carer forum" in words
    assert "Children's social care" in words


def test_overview_tabs_follow_the_role(client, world):
    client.force_login(world.people["observer"])
    response = client.get(OVERVIEW)
    assert not link_to(response, reverse("collaborative-members", args=["ashford"]))
    assert not link_to(response, reverse("collaborative-audit", args=["ashford"]))
    client.force_login(world.people["facilitator"])
    response = client.get(OVERVIEW)
    assert link_to(response, reverse("collaborative-members", args=["ashford"]))
    assert link_to(response, reverse("collaborative-audit", args=["ashford"]))


def test_former_members_are_counted_but_not_listed(client, world):
    services.membership_leave(actor=world.people["facilitator"], membership=world.people["member"].memberships.get())
    client.force_login(world.people["observer"])
    words = text(client.get(OVERVIEW))
    assert "1 former member" in words
    assert "Ashford Member" not in words


@pytest.mark.parametrize("slug", ["brindle", "no-such-place"])
@pytest.mark.parametrize("url_name", ["collaborative-overview", "collaborative-members", "collaborative-audit"])
def test_another_locality_is_the_same_as_a_missing_one(client, world, slug, url_name):
    client.force_login(world.people["facilitator"])
    response = client.get(reverse(url_name, args=[slug]))
    assert response.status_code == 404
    assert h1(response) == ["Page not found"]
    assert "Brindle" not in text(response)


def test_profile_changes_my_name(client, world):
    person = world.people["member"]
    client.force_login(person)
    response = client.post(reverse("profile"), {"display_name": "  Sam Patel "})
    assert response.status_code == 302
    page = client.get(reverse("profile"))
    assert "Your name has been changed." in text(page)
    person.refresh_from_db()
    assert person.display_name == "Sam Patel"


def test_profile_rejects_an_empty_name_and_keeps_the_old_one(client, world):
    person = world.people["member"]
    client.force_login(person)
    response = client.post(reverse("profile"), {"display_name": "   "})
    assert response.status_code == 400
    assert "There is a problem" in text(response)
    assert 'href="#id_display_name"' in response.content.decode()
    person.refresh_from_db()
    assert person.display_name == "Ashford Member"


def test_every_page_has_the_shared_frame(client, world):
    """Language, skip link, one h1, a main landmark, no inline script."""
    client.force_login(world.people["facilitator"])
    urls = [
        reverse("home"),
        OVERVIEW,
        reverse("collaborative-members", args=["ashford"]),
        reverse("collaborative-audit", args=["ashford"]),
        reverse("profile"),
    ]
    for url in urls:
        html = client.get(url).content.decode()
        assert '<html lang="en-GB">' in html, url
        assert '<a class="skip-link" href="#main-content">Skip to main content</a>' in html, url
        assert html.count("<h1") == 1, url
        assert html.count('<main id="main-content"') == 1, url
        assert "<script>" not in html and "style=" not in html and "onclick" not in html, url
        assert '<script type="module" src="/static/frontend/app.js"></script>' in html, url
        assert "data-live-status" in html, url


def test_anchor_sees_their_title_on_home(client, world):
    client.force_login(world.people["anchor"])
    assert "Your role Collaborative Anchor" in text(client.get(reverse("home")))
