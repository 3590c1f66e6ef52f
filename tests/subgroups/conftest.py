"""Fixtures of the sub-group tests: the API clients of tests/api, and a check that a refused request changed none
of the sub-groups' tables (nor the core's)."""

from contextlib import contextmanager

import pytest

from subgroups.models import (
    Concern,
    ConcernNote,
    Milestone,
    ProgressUpdate,
    Review,
    SubGroup,
    SubGroupLink,
    SubGroupMember,
    SupportEntry,
    UpdateComment,
    UpdateDraft,
)
from tests.api.conftest import anonymous, answered_as_published, api, db_state  # noqa: F401  (shared fixtures)

TABLES = (
    SubGroup,
    SubGroupMember,
    Milestone,
    ProgressUpdate,
    UpdateComment,
    UpdateDraft,
    SupportEntry,
    SubGroupLink,
    Review,
    Concern,
    ConcernNote,
)


def state() -> dict:
    rows = {model.__name__: list(model.objects.order_by("pk").values()) for model in TABLES}
    rows["partners"] = list(SubGroup.partners.through.objects.order_by("pk").values())
    rows["milestones_completed"] = list(ProgressUpdate.milestones_completed.through.objects.order_by("pk").values())
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
