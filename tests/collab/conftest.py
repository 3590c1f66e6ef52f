"""Fixtures of the core's tests: the API clients of the API tests (a person's token, as a script would send)."""

from tests.api.conftest import api  # noqa: F401
