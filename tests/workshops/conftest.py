import pytest

from tests.workshops.helpers import stop_the_clock


@pytest.fixture
def clock(monkeypatch):
    """Now is Monday 23 November 2026, 12:00 UK time, until the test moves it."""
    return stop_the_clock(monkeypatch)


@pytest.fixture
def api(world):
    """`api("member")`: a client that sends that person's token, as a script would."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def client_for(who: str) -> APIClient:
        token, _ = Token.objects.get_or_create(user=world.people[who])
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for
