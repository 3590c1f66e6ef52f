"""The account page where a person sees and revokes their API tokens."""

from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from collab.services import token_id
from tests.factories import api_token_for
from tests.frontend.pages import h1, link_to, text


def works(token: str) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/me/").status_code == 200


def _id(token: str) -> str:
    return token_id(AuthToken.objects.get(token_key=token[:15]))


def test_the_page_is_linked_from_the_account_area_and_lists_only_my_tokens(client, world):
    mine = api_token_for(world.people["member"])
    theirs = api_token_for(world.people["observer"])
    AuthToken.objects.filter(token_key=mine[:15]).update(
        created=timezone.make_aware(datetime(2026, 11, 23, 9, 30)),
        expiry=timezone.now() + timedelta(days=30),
    )
    client.force_login(world.people["member"])
    account = client.get(reverse("profile"))
    assert link_to(account, reverse("account-tokens"))

    page = client.get(reverse("account-tokens"))
    assert page.status_code == 200
    assert h1(page) == ["Your API tokens"]
    words = text(page)
    assert f"Begins {mine[:8]}" in words
    assert "23 November 2026, 09:30" in words, "UK date and time"
    assert theirs[:8] not in words
    assert mine not in page.content.decode(), "the page never shows a whole token"


def test_revoking_a_token_from_the_page_stops_it(client, world):
    token = api_token_for(world.people["member"])
    other = api_token_for(world.people["member"])
    client.force_login(world.people["member"])
    response = client.post(reverse("account-token-revoke", args=[_id(token)]), follow=True)
    assert "The token has been revoked" in text(response)
    assert not works(token)
    assert works(other)
    assert token[:8] not in text(response)


def test_another_persons_token_cannot_be_revoked(client, world):
    theirs = api_token_for(world.people["observer"])
    client.force_login(world.people["member"])
    assert client.post(reverse("account-token-revoke", args=[_id(theirs)])).status_code == 404
    assert client.post(reverse("account-token-revoke", args=["made-up"])).status_code == 404
    assert works(theirs)


def test_revoking_all_tokens_from_the_page(client, world):
    tokens = [api_token_for(world.people["member"]) for _ in range(2)]
    theirs = api_token_for(world.people["observer"])
    client.force_login(world.people["member"])
    response = client.post(reverse("account-tokens-revoke-all"), follow=True)
    assert "2 tokens revoked" in text(response)
    assert "You have no API tokens" in text(response)
    assert not any(works(token) for token in tokens)
    assert works(theirs)
