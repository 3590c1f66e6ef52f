"""Fixtures of the vision tests: the API clients of tests/api, and a check that a refused request changed none of the
vision's tables (nor the core's)."""

from contextlib import contextmanager

import pytest

from actionplans.models import Endorsement, Priority, VisionStatement, VisionVersion
from tests.api.conftest import anonymous, api, db_state  # noqa: F401  (fixtures shared with the core's API tests)

TABLES = (VisionStatement, VisionVersion, Endorsement, Priority)


def state() -> dict:
    rows = {model.__name__: list(model.objects.order_by("pk").values()) for model in TABLES}
    return {**rows, **db_state()}


@pytest.fixture
def unchanged(world):
    """`with unchanged(): ...` around a request that must leave every table as it was."""

    @contextmanager
    def check():
        before = state()
        yield
        assert state() == before

    return check
