"""Fixtures of the system map tests: the API clients of the API tests (a person's token, as a script would send)."""

from tests.api.conftest import anonymous, answered_as_published, api  # noqa: F401
