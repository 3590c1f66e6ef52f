"""Shared fixtures. The suite runs against PostgreSQL and Redis (`make test` points it at them)."""

import os
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from collab.models import Role, Sector, Workshop
from collab.services import boards as board_services
from tests.factories import (
    PASSWORD,
    CollaborativeFactory,
    MembershipFactory,
    OrganisationFactory,
    ProgrammeFactory,
    ProgrammeTeamFactory,
    UserFactory,
)


def pytest_configure(config):
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine or not settings.REDIS_URL:
        raise pytest.UsageError(
            "The test suite runs against PostgreSQL and Redis: set DATABASE_URL and REDIS_URL, or run `make test`."
        )
    # Parallel workers share one Redis: each gets its own channel-layer prefix, so a board of one worker's test
    # database never receives another worker's events for a board with the same id.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        settings.CHANNEL_LAYERS["default"].setdefault("CONFIG", {})["prefix"] = f"test-{worker}"


@pytest.fixture(autouse=True)
def _own_live_limits(monkeypatch, request):
    """Each test counts live messages afresh: its own key prefix in Redis (ids repeat across test databases and
    runs), and no counts left in the process from an earlier test."""
    from collab.live_limits import limits

    monkeypatch.setattr(limits, "prefix", f"test-{uuid.uuid4().hex}:")
    monkeypatch.setattr(limits, "_local", {})
    monkeypatch.setattr(limits, "_redis_down_until", 0.0)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing costs about a third of a second per password; tests create hundreds of people."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    """One programme with two collaboratives, Ashford (ours) and Brindle (another locality), and a person per role.

    `people` maps a role name used in permission matrices to the person holding it in Ashford; `lead` is a member
    of Ashford (whom sub-group tests make a lead); `outsider` is a facilitator of Brindle only.
    """

    programme: object
    ours: object
    theirs: object
    our_school: object
    their_school: object
    people: dict


@pytest.fixture
def world(db):
    programme = ProgrammeFactory(name="Demo Programme", slug="demo")
    ours = CollaborativeFactory(programme=programme, name="Ashford Collaborative", locality="Ashford", slug="ashford")
    theirs = CollaborativeFactory(programme=programme, name="Brindle Collaborative", locality="Brindle", slug="brindle")
    our_school = OrganisationFactory(collaborative=ours, name="Ashford Primary", sector=Sector.PRIMARY_SCHOOL)
    their_school = OrganisationFactory(collaborative=theirs, name="Brindle Academy", sector=Sector.SECONDARY_SCHOOL)
    people = {}
    for role in (Role.OBSERVER, Role.MEMBER, Role.ANCHOR, Role.FACILITATOR):
        person = UserFactory(email=f"{role.value}@example.org", display_name=f"Ashford {role.label}")
        MembershipFactory(user=person, collaborative=ours, role=role, organisation=our_school)
        people[role.value] = person
    # A member who, in sub-group rows, leads the sub-group concerned.
    lead = UserFactory(email="lead@example.org", display_name="Ashford Lead")
    MembershipFactory(user=lead, collaborative=ours, role=Role.MEMBER, organisation=our_school)
    people["lead"] = lead
    outsider = UserFactory(email="outsider@example.org", display_name="Brindle Member")
    MembershipFactory(user=outsider, collaborative=theirs, role=Role.FACILITATOR, organisation=their_school)
    people["outsider"] = outsider
    team = UserFactory(email="team@example.org", display_name="Programme Team")
    ProgrammeTeamFactory(user=team, programme=programme)
    people["programme_team"] = team
    return World(programme, ours, theirs, our_school, their_school, people)


# A workshop of Ashford under way, with one board its facilitator made.
@pytest.fixture
def workshop(world):
    start = timezone.now() - timedelta(minutes=30)
    return Workshop.objects.create(
        programme=world.programme,
        collaborative=world.ours,
        title="Explore the map",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        created_by=world.people["facilitator"],
    )


@pytest.fixture
def board(world, workshop):
    return board_services.board_create(
        actor=world.people["facilitator"],
        workshop=workshop,
        title="What gets in the way?",
        vote_budget=3,
        vote_cap_per_card=2,
    )


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture(autouse=True)
def _own_rate_limit_counts(monkeypatch):
    """Rate limits count in the shared cache (Redis): each test counts from zero, whatever ran before or beside it."""
    import uuid

    from collab import limits

    monkeypatch.setattr(limits, "KEY_PREFIX", f"test-limit-{uuid.uuid4().hex}")
