"""Signing in and out, the lock-out after repeated failures, and password reset by email."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.frontend.pages import h1, text, title

LOGIN = "/accounts/login/"


def sign_in(client, email, password, **extra):
    return client.post(LOGIN, {"username": email, "password": password, **extra})


def test_sign_in_page_asks_for_email_and_password(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert h1(response) == ["Sign in"]
    assert title(response) == "Sign in – Collaborative workspace"
    html = response.content.decode()
    assert '<label class="label" for="id_username">Email address</label>' in html
    assert '<label class="label" for="id_password">Password</label>' in html
    assert "Forgotten your password?" in text(response)


def test_signing_in_with_email_opens_home(client, world, password):
    response = sign_in(client, "FACILITATOR@example.org", password)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert "Ashford Collaborative" in text(home)


def test_signing_in_returns_to_the_page_asked_for(client, world, password):
    target = reverse("collaborative-overview", args=["ashford"])
    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={target}"
    response = sign_in(client, "member@example.org", password, next=target)
    assert response["Location"] == target


def test_wrong_password_shows_an_error_linked_to_the_field_and_signs_nobody_in(client, world):
    response = sign_in(client, "member@example.org", "not-the-password")
    assert response.status_code == 400
    assert "There is a problem" in text(response)
    assert "The email address or password is not right" in text(response)
    assert title(response).startswith("Error: ")
    assert client.get(reverse("home")).status_code == 302


def test_five_failed_sign_ins_lock_the_account_with_a_humane_page(client, world, password):
    for _ in range(4):
        assert sign_in(client, "member@example.org", "wrong-guess").status_code == 400
    locked = sign_in(client, "member@example.org", "wrong-guess")
    assert locked.status_code == 429
    words = text(locked)
    assert "Signing in is paused" in words
    assert "5 unsuccessful attempts" in words
    assert re.search(r"try again after \d\d:\d\d", words)
    assert "reset your password by email" in words
    # Even the right password is refused while the pause lasts.
    assert sign_in(client, "member@example.org", password).status_code == 429
    assert client.get(reverse("home")).status_code == 302


def test_changing_the_case_of_the_address_does_not_earn_more_attempts(client, world, password):
    for email in (
        "member@example.org",
        "Member@example.org",
        "MEMBER@example.org",
        " member@Example.org",
        "mEmber@example.org",
    ):
        sign_in(client, email, "wrong-guess")
    locked = sign_in(client, "MEMBER@EXAMPLE.ORG", password)
    assert locked.status_code == 429
    assert "sign in as member@example.org" in text(locked)


def test_sign_out_needs_a_post_and_ends_the_session(client, world):
    client.force_login(world.people["member"])
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def _reset_link(mailoutbox) -> str:
    assert len(mailoutbox) == 1
    match = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mailoutbox[0].body)
    assert match, mailoutbox[0].body
    return match.group(1)


def test_password_reset_email_link_lets_the_person_choose_a_new_password(client, world, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "Member@Example.org"})
    assert response.status_code == 302
    assert "Check your email" in text(client.get(response["Location"]))
    assert mailoutbox[0].to == ["member@example.org"]
    assert mailoutbox[0].subject == "Reset your password for the collaborative workspace"

    form_page = client.get(_reset_link(mailoutbox), follow=True)
    assert h1(form_page) == ["Choose a new password"]
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "lantern-orchard-velvet", "new_password2": "lantern-orchard-velvet"},
    )
    assert response.status_code == 302
    assert "Your password has been changed" in text(client.get(response["Location"]))
    assert sign_in(client, "member@example.org", "lantern-orchard-velvet").status_code == 302


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, db, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert "If there is an account for that address" in text(response)
    assert mailoutbox == []


def test_password_reset_with_mismatched_passwords_changes_nothing(client, world, mailoutbox, password):
    client.post(reverse("password_reset"), {"email": "member@example.org"})
    form_page = client.get(_reset_link(mailoutbox), follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "lantern-orchard-velvet", "new_password2": "lantern-orchard-violet"},
    )
    assert response.status_code == 400
    assert "There is a problem" in text(response)
    assert get_user_model().objects.get(email="member@example.org").check_password(password)


def test_a_used_reset_link_says_so(client, world, mailoutbox):
    client.post(reverse("password_reset"), {"email": "member@example.org"})
    link = _reset_link(mailoutbox)
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "lantern-orchard-velvet", "new_password2": "lantern-orchard-velvet"},
    )
    again = client.get(link, follow=True)
    assert h1(again) == ["This link no longer works"]


def test_a_password_reset_ends_a_lock_out(client, world, mailoutbox):
    for _ in range(5):
        sign_in(client, "member@example.org", "wrong-guess")
    assert sign_in(client, "member@example.org", "wrong-guess").status_code == 429
    client.post(reverse("password_reset"), {"email": "member@example.org"})
    form_page = client.get(_reset_link(mailoutbox), follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "lantern-orchard-velvet", "new_password2": "lantern-orchard-velvet"},
    )
    assert sign_in(client, "member@example.org", "lantern-orchard-velvet").status_code == 302


@pytest.mark.parametrize("url_name", ["login", "password_reset"])
def test_signed_out_pages_need_no_account(client, db, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert "Sign out" not in text(response)


def _from(address, forwarded=None):
    """What the app sees of a request from `address`, carrying `forwarded` as its X-Forwarded-For header."""
    return {"REMOTE_ADDR": address, "HTTP_X_FORWARDED_FOR": forwarded or address}


def test_coming_from_new_addresses_does_not_earn_more_attempts(client, world, password):
    """As when the server believed X-Forwarded-For from anyone: each attempt seemed to come from a new address."""
    for n in range(1, 13):
        client.post(LOGIN, {"username": "member@example.org", "password": "wrong-guess"}, **_from(f"203.0.113.{n}"))
    refused = client.post(LOGIN, {"username": "member@example.org", "password": password}, **_from("198.51.100.99"))
    assert refused.status_code == 429
    assert "Signing in is paused" in text(refused)
    assert client.get(reverse("home")).status_code == 302


def test_x_forwarded_for_from_an_unknown_peer_is_ignored(client, world):
    from axes.models import AccessAttempt

    client.post(LOGIN, {"username": "member@example.org", "password": "wrong-guess"}, **_from("192.0.2.10", "6.6.6.6"))
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["192.0.2.10"]


def test_x_forwarded_for_from_a_trusted_proxy_names_the_client(client, world, settings):
    from axes.models import AccessAttempt

    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    # The client made up the left-most entry; our two proxies appended the real client and the first proxy.
    forwarded = "6.6.6.6, 198.51.100.7, 10.0.0.9"
    client.post(LOGIN, {"username": "member@example.org", "password": "wrong-guess"}, **_from("10.0.0.2", forwarded))
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["198.51.100.7"]


def _ask_for_reset(client, email, address="192.0.2.1"):
    response = client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address, follow=True)
    assert response.status_code == 200
    assert "If there is an account for that address" in text(response), "the same neutral answer every time"
    return response


def test_password_reset_sends_at_most_three_emails_an_hour_to_one_address(client, world, mailoutbox):
    for n in range(1, 4):
        _ask_for_reset(client, "member@example.org", address=f"192.0.2.{n}")
    assert len(mailoutbox) == 3
    _ask_for_reset(client, "Member@Example.org", address="192.0.2.99")
    assert len(mailoutbox) == 3, "the fourth request within the hour sends nothing"
    _ask_for_reset(client, "observer@example.org")
    assert [m.to for m in mailoutbox[3:]] == [["observer@example.org"]], "other people still get theirs"


def test_password_reset_sends_at_most_ten_emails_an_hour_at_one_clients_request(client, world, mailoutbox):
    from tests.factories import UserFactory

    people = [UserFactory(email=f"person{n}@example.org") for n in range(11)]
    for person in people:
        _ask_for_reset(client, person.email, address="198.51.100.7")
    assert len(mailoutbox) == 10
    _ask_for_reset(client, people[-1].email, address="198.51.100.8")
    assert mailoutbox[-1].to == [people[-1].email], "another client is not held back"
