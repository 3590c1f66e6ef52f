"""Accepting an invitation: with a new account, with an existing one, signed in as someone else, and links that no
longer work."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from collab import services
from collab.models import Membership, Role, Sector
from tests.factories import UserFactory
from tests.frontend.pages import h1, link_to, text

User = get_user_model()
OVERVIEW = reverse("collaborative-overview", args=["ashford"])


@pytest.fixture
def invitation(world):
    return services.invitation_create(
        actor=world.people["facilitator"],
        collaborative=world.ours,
        email="dana.okafor@example.org",
        role=Role.MEMBER,
        sector=Sector.HEALTH,
        job_title="Speech and language therapist",
        message="Your view on therapy waiting lists would help.",
    )


def url_of(invitation):
    """The invitation's link, made once: a link carries the moment it was signed, so two calls can differ."""
    if not hasattr(invitation, "link"):
        invitation.link = services.invitation_url(invitation)
    return invitation.link


def joined(user_email, world):
    return Membership.objects.active().filter(user__email=user_email, collaborative=world.ours).exists()


def test_the_page_says_who_invited_me_to_what(client, invitation):
    response = client.get(url_of(invitation))
    assert response.status_code == 200
    assert h1(response) == ["Join Ashford Collaborative"]
    words = text(response)
    assert "Ashford Facilitator has invited you to join the Ashford collaborative." in words
    assert "Your role Member" in words
    assert "Sector Health (NHS therapies, CAMHS, paediatrics)" in words
    assert "Job title Speech and language therapist" in words
    assert "Your view on therapy waiting lists would help." in words
    assert f"Link works until {timezone.localtime(invitation.expires_at):%-d %B %Y, %H:%M}" in words


def test_a_newcomer_creates_an_account_and_lands_in_the_collaborative(client, world, invitation):
    response = client.post(
        url_of(invitation),
        {"display_name": "Dana Okafor", "password": "harbour-kettle-meadow", "password_again": "harbour-kettle-meadow"},
    )
    assert response.status_code == 302
    assert response["Location"] == OVERVIEW
    overview = client.get(OVERVIEW)
    assert overview.status_code == 200  # signed in already
    assert "Welcome to Ashford Collaborative." in text(overview)
    user = User.objects.get(email="dana.okafor@example.org")
    assert user.display_name == "Dana Okafor"
    assert user.check_password("harbour-kettle-meadow")
    assert joined("dana.okafor@example.org", world)
    # The link has done its job.
    again = client.get(url_of(invitation))
    assert again.status_code == 400
    assert "This invitation has already been accepted." in text(again)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"display_name": "", "password": "harbour-kettle-meadow"}, "Enter the name others should see."),
        ({"display_name": "Dana", "password": "short"}, "This password is too short."),
        ({"display_name": "Dana", "password": "password123456"}, "This password is too common."),
        (
            {"display_name": "Dana", "password": "harbour-kettle-meadow", "password_again": "harbour-kettle-meadoW"},
            "The two passwords are different.",
        ),
        ({"display_name": "D" * 151, "password": "harbour-kettle-meadow"}, "Your name must be 150 characters or fewer"),
    ],
)
def test_a_newcomer_with_bad_details_sees_why_and_nothing_is_created(client, world, invitation, data, message):
    data.setdefault("password_again", data["password"])
    response = client.post(url_of(invitation), data)
    assert response.status_code == 400
    assert "There is a problem" in text(response)
    assert message in text(response)
    assert not User.objects.filter(email="dana.okafor@example.org").exists()
    assert client.get(OVERVIEW).status_code == 302  # not signed in


def test_someone_with_an_account_is_asked_to_sign_in_and_comes_back(client, world, invitation, password):
    UserFactory(email="dana.okafor@example.org", display_name="Dana Okafor")
    page = client.get(url_of(invitation))
    assert "There is already an account for dana.okafor@example.org." in text(page)
    sign_in_url = f"{reverse('login')}?next={url_of(invitation)}"
    assert link_to(page, sign_in_url)
    # Posting without signing in changes nothing.
    assert client.post(url_of(invitation)).status_code == 403
    assert not joined("dana.okafor@example.org", world)

    response = client.post(sign_in_url, {"username": "dana.okafor@example.org", "password": password})
    assert response["Location"] == url_of(invitation)
    page = client.get(url_of(invitation))
    assert '<button type="submit" class="button">Join Ashford Collaborative</button>' in page.content.decode()
    response = client.post(url_of(invitation))
    assert response["Location"] == OVERVIEW
    assert joined("dana.okafor@example.org", world)


def test_signed_in_with_another_address_is_told_plainly_and_nothing_changes(client, world, invitation):
    client.force_login(world.people["outsider"])
    page = client.get(url_of(invitation))
    words = text(page)
    assert "This invitation is for someone else" in words
    assert "You are signed in as outsider@example.org, but the invitation was sent to dana.okafor@example.org." in words
    response = client.post(url_of(invitation))
    assert response.status_code == 403
    assert "This invitation was sent to dana.okafor@example.org." in text(response)
    assert not Membership.objects.filter(collaborative=world.ours, user=world.people["outsider"]).exists()


def test_signing_out_from_the_wrong_account_comes_back_to_the_invitation(client, world, invitation):
    client.force_login(world.people["outsider"])
    response = client.post(reverse("logout"), {"next": url_of(invitation)})
    assert response["Location"] == url_of(invitation)
    assert "Create your account" in text(client.get(url_of(invitation)))


def test_an_expired_invitation_says_so(client, world, invitation):
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    invitation.save()
    response = client.get(url_of(invitation))
    assert response.status_code == 400
    assert h1(response) == ["This invitation link does not work"]
    assert "This invitation link has expired. Ask whoever invited you to send a new one." in text(response)
    assert client.post(url_of(invitation), {"display_name": "D", "password": "x"}).status_code == 400
    assert not User.objects.filter(email="dana.okafor@example.org").exists()


def test_a_link_older_than_its_signature_allows_says_it_has_expired(client, world, invitation, settings):
    token = services.invitation_token(invitation)
    settings.INVITATION_MAX_AGE = timedelta(seconds=-1)
    response = client.get(reverse("invitation-accept", args=[token]))
    assert response.status_code == 400
    assert "has expired" in text(response)


def test_a_withdrawn_invitation_says_so(client, world, invitation):
    services.invitation_revoke(actor=world.people["facilitator"], invitation=invitation)
    response = client.get(url_of(invitation))
    assert response.status_code == 400
    assert "This invitation has been withdrawn or replaced by a newer one." in text(response)


BAD_TOKENS = {
    "garbage": lambda: "not-a-token",
    "tampered": lambda: "eyJpbnZpdGF0aW9uIjoxfQ:1tamper:signature",
    "signed for something else": lambda: signing.dumps({"invitation": 1}, salt="another-purpose"),
}


@pytest.mark.parametrize("kind", list(BAD_TOKENS))
def test_a_bad_link_is_not_found_not_a_crash(client, world, kind):
    response = client.get(reverse("invitation-accept", args=[BAD_TOKENS[kind]()]))
    assert response.status_code == 404
    assert "This invitation link is not valid. Check that you copied all of it." in text(response)


def test_a_link_for_a_missing_invitation_is_not_found(client, world, invitation):
    token = signing.dumps({"invitation": invitation.pk + 1000}, salt=services.INVITATION_SALT, compress=True)
    response = client.get(reverse("invitation-accept", args=[token]))
    assert response.status_code == 404
