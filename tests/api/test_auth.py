"""Signing in to the API: anonymous requests, tokens (with the lock-out), sessions, and the published schema/docs."""

import re

from django.contrib.staticfiles import finders
from knox.models import AuthToken
from rest_framework.test import APIClient

from collab.models import Membership
from tests.api.conftest import API, assert_error
from tests.factories import PASSWORD


def _routes(world):
    member = Membership.objects.get(user=world.people["member"])
    return [
        ("get", f"{API}/me/"),
        ("get", f"{API}/programmes/"),
        ("get", f"{API}/programmes/{world.programme.pk}/"),
        ("patch", f"{API}/programmes/{world.programme.pk}/"),
        ("get", f"{API}/collaboratives/"),
        ("post", f"{API}/collaboratives/"),
        ("get", f"{API}/collaboratives/{world.ours.pk}/"),
        ("patch", f"{API}/collaboratives/{world.ours.pk}/"),
        ("get", f"{API}/organisations/"),
        ("post", f"{API}/organisations/"),
        ("get", f"{API}/organisations/{world.our_school.pk}/"),
        ("patch", f"{API}/organisations/{world.our_school.pk}/"),
        ("get", f"{API}/memberships/"),
        ("get", f"{API}/memberships/{member.pk}/"),
        ("patch", f"{API}/memberships/{member.pk}/"),
        ("post", f"{API}/memberships/{member.pk}/leave/"),
        ("get", f"{API}/invitations/"),
        ("post", f"{API}/invitations/"),
        ("get", f"{API}/audit-events/"),
    ]


def test_anonymous_requests_get_401_and_change_nothing(world, anonymous, unchanged):
    with unchanged():
        for method, path in _routes(world):
            response = getattr(anonymous, method)(path, {}, format="json")
            assert_error(response, 401, code="not_authenticated")
            assert response["WWW-Authenticate"] == "Token", path


def test_a_wrong_token_gets_401(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(client.get(f"{API}/collaboratives/"), 401, code="authentication_failed")


def test_email_and_password_give_a_token_that_works(world, anonymous):
    response = anonymous.post(
        f"{API}/auth/token/", {"email": "Member@Example.org", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    assert AuthToken.objects.get().user == world.people["member"]

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get(f"{API}/me/")
    assert me.status_code == 200
    assert me.json()["email"] == "member@example.org"

    again = anonymous.post(f"{API}/auth/token/", {"email": "member@example.org", "password": PASSWORD}, format="json")
    assert again.json()["token"] != token, "each request issues its own token"
    assert client.get(f"{API}/me/").status_code == 200, "and the first one still works"


def test_a_wrong_password_gets_400_and_no_token(world, anonymous):
    response = anonymous.post(
        f"{API}/auth/token/", {"email": "member@example.org", "password": "not-the-password"}, format="json"
    )
    error = assert_error(response, 400, code="invalid")
    assert "do not match" in error["message"]
    assert not AuthToken.objects.exists()


def test_token_request_with_missing_fields_says_which(world, anonymous):
    error = assert_error(anonymous.post(f"{API}/auth/token/", {}, format="json"), 400)
    assert set(error["fields"]) == {"email", "password"}


def test_repeated_failures_lock_the_account_out_even_with_the_right_password(world, anonymous, settings):
    url = f"{API}/auth/token/"
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert (
            anonymous.post(url, {"email": "member@example.org", "password": "guess"}, format="json").status_code == 400
        )
    # The attempt that reaches the limit is answered with the lock-out…
    assert_error(
        anonymous.post(url, {"email": "member@example.org", "password": "guess"}, format="json"), 429, code="locked_out"
    )
    # …and so is the right password afterwards.
    response = anonymous.post(url, {"email": "member@example.org", "password": PASSWORD}, format="json")
    error = assert_error(response, 429, code="locked_out")
    assert "Too many failed sign-in attempts" in error["message"]
    assert not AuthToken.objects.exists()
    # Someone else is not locked out.
    assert (
        anonymous.post(url, {"email": "observer@example.org", "password": PASSWORD}, format="json").status_code == 200
    )


def test_the_pages_session_works_for_the_api_and_writes_need_the_csrf_token(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.people["facilitator"])
    assert client.get(f"{API}/me/").json()["email"] == "facilitator@example.org"
    response = client.patch(f"{API}/collaboratives/{world.ours.pk}/", {"name": "Renamed"}, format="json")
    error = assert_error(response, 403)
    assert "CSRF" in error["message"]
    world.ours.refresh_from_db()
    assert world.ours.name == "Ashford Collaborative"


def test_schema_is_published_and_lists_every_route(client, world):
    client.force_login(world.people["observer"])
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    paths = set(schema["paths"])
    for route in [
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/programmes/",
        "/api/v1/programmes/{id}/",
        "/api/v1/collaboratives/",
        "/api/v1/collaboratives/{id}/",
        "/api/v1/organisations/",
        "/api/v1/organisations/{id}/",
        "/api/v1/memberships/",
        "/api/v1/memberships/{id}/",
        "/api/v1/memberships/{id}/leave/",
        "/api/v1/invitations/",
        "/api/v1/invitations/{id}/",
        "/api/v1/invitations/{id}/revoke/",
        "/api/v1/audit-events/",
        "/api/v1/audit-events/{id}/",
    ]:
        assert route in paths
    assert "Error" in schema["components"]["schemas"]
    # People, memberships, invitations and the audit trail are never deleted: leaving and withdrawing keep history.
    core = (
        "/api/v1/programmes/",
        "/api/v1/collaboratives/",
        "/api/v1/organisations/",
        "/api/v1/memberships/",
        "/api/v1/invitations/",
        "/api/v1/audit-events/",
    )
    assert not any("delete" in item for path, item in schema["paths"].items() if path.startswith(core))


def test_docs_are_served_without_any_cdn(client, world):
    client.force_login(world.people["observer"])
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<script src="/api/docs/?script="></script>' in html  # its start-up script, not inline (CSP)
    script = client.get("/api/docs/?script=").content.decode()
    assert re.search(r'url: "(/|\\u002F)api(/|\\u002F)schema(/|\\u002F)"', script)
    assert "drf_spectacular_sidecar/" in html
    for cdn in ("cdn.jsdelivr.net", "unpkg.com", "cdnjs", "http://", "https://"):
        assert cdn not in html, cdn
        assert cdn not in script, cdn
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_coming_from_new_addresses_does_not_earn_more_token_attempts(world, anonymous):
    """As when the server believed X-Forwarded-For from anyone: each attempt seemed to come from a new address."""
    url = f"{API}/auth/token/"
    for n in range(1, 13):
        address = f"203.0.113.{n}"
        anonymous.post(
            url,
            {"email": "member@example.org", "password": "guess"},
            format="json",
            REMOTE_ADDR=address,
            HTTP_X_FORWARDED_FOR=address,
        )
    response = anonymous.post(
        url,
        {"email": "member@example.org", "password": PASSWORD},
        format="json",
        REMOTE_ADDR="198.51.100.99",
        HTTP_X_FORWARDED_FOR="198.51.100.99",
    )
    assert_error(response, 429, code="locked_out")
    assert not AuthToken.objects.exists()
