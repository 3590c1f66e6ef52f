"""The real stack under test: two uvicorn processes serving `config.asgi:application`, sharing a Redis of their own
as the channel layer and the test database (the tests use `transactional_db`, so what they create is committed and
the servers see it)."""

from __future__ import annotations

import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.conf import settings
from django.utils import timezone

from collab.models import Membership, Role, Workshop
from collab.services import boards as board_services
from tests.boards.conftest import session_cookie
from tests.factories import MembershipFactory, UserFactory
from tests.realstack import servers as server_processes


def database_url() -> str:
    """The test database (pytest-django has renamed NAME by now) as a URL for the server processes."""
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{db['NAME']}"


@dataclass
class Stack:
    servers: list[server_processes.Server]
    prefix: str
    redis: RedisServer

    @property
    def urls(self) -> list[str]:
        return [s.ws_url for s in self.servers]


@pytest.fixture
def stack(transactional_db, tmp_path):
    """Two server processes and a Redis of their own (a real redis-server on a free port, so restarting it in a test
    disturbs nothing else on the machine)."""
    redis_server = RedisServer(server_processes.free_port(), tmp_path)
    redis_server.start()
    prefix = f"rs-{uuid.uuid4().hex[:10]}-"
    env = server_processes.server_env(database_url=database_url(), redis_url=redis_server.url, prefix=prefix)
    started = [server_processes.start(f"server{n}", env=env, log_dir=tmp_path) for n in (1, 2)]
    try:
        server_processes.wait_ready(started)
        yield Stack(started, prefix, redis_server)
    finally:
        for server in started:
            server.stop()
        redis_server.stop()


# --- Redis, stopped and started as a test needs --------------------------------------------------------------------


class RedisServer:
    """A redis-server process on its own port, configured as this machine's (no persistence: a restart forgets
    everything, groups included)."""

    def __init__(self, port: int, directory) -> None:
        self.port = port
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        """PING over a plain socket: a client library would retry a refused connection for seconds."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        if self.answers():
            return
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.answers():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Shut down without saving, as a restart of this machine's Redis would."""
        if self.process is None:
            return
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process = None


# --- A workshop ------------------------------------------------------------------------------------------------------


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
        actor=world.people["facilitator"], workshop=workshop, title="What gets in the way?", vote_budget=3
    )


@pytest.fixture
def members(world):
    """Six more members of Ashford, to fill a room."""
    people = []
    for n in range(6):
        person = UserFactory(email=f"room{n}@example.org", display_name=f"Room Member {n}")
        MembershipFactory(user=person, collaborative=world.ours, role=Role.MEMBER, organisation=world.our_school)
        people.append(person)
    assert Membership.objects.filter(collaborative=world.ours, user__in=people).count() == 6
    return people


@pytest.fixture
def cookies(world, members):
    """Session cookies (sessions live in the database, so the servers know them)."""
    found = {role: session_cookie(person) for role, person in world.people.items()}
    found.update({person.email: session_cookie(person) for person in members})
    return found
