import pytest

from tests.workshops.helpers import stop_the_clock


@pytest.fixture
def clock(monkeypatch):
    """Now is Monday 23 November 2026, 12:00 UK time, until the test moves it."""
    return stop_the_clock(monkeypatch)


@pytest.fixture
def api(world):
    """`api("member")`: a client that sends that person's token, as a script would."""
    from tests.factories import api_client_for

    def client_for(who: str):
        return api_client_for(world.people[who])

    return client_for
