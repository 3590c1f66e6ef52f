"""API tokens: they expire, their owner lists and revokes them, a password change revokes them all, and the audit
trail records each one issued and revoked by its id, never the token itself."""

import re
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from collab.models import AuditEvent
from tests.api.conftest import API, assert_error
from tests.factories import PASSWORD, api_token_for


def issue(client, email="member@example.org", password=PASSWORD):
    response = client.post(f"{API}/auth/token/", {"email": email, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def with_token(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_token_says_when_it_expires_and_stops_working_then(world, anonymous, settings):
    issued = issue(anonymous)
    assert set(issued) == {"token", "id", "expiry"}
    expiry = timezone.datetime.fromisoformat(issued["expiry"])
    expected = timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    assert abs((expiry - expected).total_seconds()) < 60
    client = with_token(issued["token"])
    assert client.get(f"{API}/me/").status_code == 200

    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    assert_error(client.get(f"{API}/me/"), 401, code="authentication_failed")


def test_tokens_expire_after_thirty_days_unless_set_otherwise(settings):
    assert settings.API_TOKEN_TTL_HOURS == 24 * 30
    assert settings.REST_KNOX["TOKEN_TTL"] == timedelta(days=30)


def test_a_person_lists_their_own_tokens_and_sees_which_one_they_use(world, anonymous):
    first, second = issue(anonymous), issue(anonymous)
    issue(anonymous, email="observer@example.org")
    response = with_token(second["token"]).get(f"{API}/auth/tokens/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [second["id"], first["id"]], "only mine, newest first"
    assert [row["current"] for row in rows] == [True, False]
    assert rows[0]["begins"] == second["token"][:8]
    assert set(rows[0]) == {"id", "begins", "created", "expiry", "current"}
    assert second["token"] not in response.content.decode(), "the list never shows a token"


def test_revoking_a_token_stops_it_at_once_and_another_persons_is_unknown(world, anonymous):
    first, second = issue(anonymous), issue(anonymous)
    theirs = issue(anonymous, email="observer@example.org")
    client = with_token(second["token"])
    assert_error(client.delete(f"{API}/auth/tokens/{theirs['id']}/"), 404, code="not_found")
    assert with_token(theirs["token"]).get(f"{API}/me/").status_code == 200
    assert_error(client.delete(f"{API}/auth/tokens/not-a-token-id/"), 404, code="not_found")

    assert client.delete(f"{API}/auth/tokens/{first['id']}/").status_code == 204
    assert_error(with_token(first["token"]).get(f"{API}/me/"), 401)
    assert client.get(f"{API}/me/").status_code == 200
    # Revoking the token in use is signing the script out.
    assert client.delete(f"{API}/auth/tokens/{second['id']}/").status_code == 204
    assert_error(client.get(f"{API}/me/"), 401)


def test_revoking_all_tokens(world, anonymous):
    tokens = [issue(anonymous) for _ in range(3)]
    theirs = issue(anonymous, email="observer@example.org")
    response = with_token(tokens[0]["token"]).post(f"{API}/auth/tokens/revoke-all/")
    assert response.status_code == 200
    assert response.json() == {"revoked": 3}
    for token in tokens:
        assert_error(with_token(token["token"]).get(f"{API}/me/"), 401)
    assert with_token(theirs["token"]).get(f"{API}/me/").status_code == 200


def test_resetting_the_password_revokes_every_token(world, anonymous, client, mailoutbox):
    token = issue(anonymous)["token"]
    other = issue(anonymous, email="observer@example.org")["token"]
    client.post(reverse("password_reset"), {"email": "member@example.org"})
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mailoutbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "lantern-orchard-velvet", "new_password2": "lantern-orchard-velvet"},
    )
    assert response.status_code == 302
    assert_error(with_token(token).get(f"{API}/me/"), 401)
    assert with_token(other).get(f"{API}/me/").status_code == 200, "nobody else's"


def test_any_password_change_revokes_every_token(world):
    """The admin site, `manage.py changepassword` and any service change a password by setting and saving it."""
    person = get_user_model().objects.get(email="member@example.org")
    token = api_token_for(person)
    person.display_name = "Renamed"
    person.save()
    assert with_token(token).get(f"{API}/me/").status_code == 200, "other changes leave tokens alone"
    person.set_password("lantern-orchard-velvet")
    person.save()
    assert_error(with_token(token).get(f"{API}/me/"), 401)


def test_the_audit_trail_records_tokens_issued_and_revoked_but_never_the_token(world, anonymous):
    issued = issue(anonymous)
    with_token(issued["token"]).delete(f"{API}/auth/tokens/{issued['id']}/")
    events = list(AuditEvent.objects.filter(action__startswith="api_token.").order_by("id"))
    assert [e.action for e in events] == ["api_token.created", "api_token.revoked"]
    member = world.people["member"]
    for event in events:
        assert event.actor == member
        assert event.target_type == "collab.user" and event.target_id == str(member.pk)
        assert issued["token"] not in str(event.changes)
        assert event.changes["address"] == [None, "127.0.0.1"]
    assert events[0].changes["token"] == [None, issued["id"]]
    assert events[0].changes["begins"] == [None, issued["token"][:8]]
    assert events[1].changes["token"] == [issued["id"], None]


def test_token_lists_need_signing_in(anonymous, db):
    assert_error(anonymous.get(f"{API}/auth/tokens/"), 401)
    assert_error(anonymous.post(f"{API}/auth/tokens/revoke-all/"), 401)
