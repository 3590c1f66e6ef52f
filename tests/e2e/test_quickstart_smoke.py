"""The quick start works as the README promises: `make run` on the embedded default (SQLite, in-memory channel layer,
tasks inline) serves the workspace; a demo login signs in, sees its collaborative and opens a live connection.

The server is started exactly as the README says, with two knobs so it does not collide with anything: PORT and
SQLITE_PATH. None of the production variables reach it.
"""

import json
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "workshop-demo-2026"
START_DEADLINE = 300  # seconds: first start installs nothing new, but migrates and seeds a fresh SQLite file

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory):
    """`make run` on a free port and a throwaway SQLite file; yields its base URL and stops it afterwards."""
    workdir = tmp_path_factory.mktemp("quickstart")
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "PORT": str(port),
        "SQLITE_PATH": str(workdir / "db.sqlite3"),
    }
    log_path = workdir / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            ["make", "run"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_DEADLINE
        while True:
            if server.poll() is not None:
                pytest.fail(f"`make run` exited with {server.returncode}:\n{log_path.read_text()}")
            try:
                if httpx.get(f"{base}/accounts/login/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"`make run` did not answer within {START_DEADLINE} s:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield {"base": base, "port": port, "log": log_path}
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


@contextmanager
def sign_in(base: str, email: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=30) as client:
        yield _signed_in(client, base, email)


def _signed_in(client: httpx.Client, base: str, email: str) -> httpx.Client:
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, "the sign-in page has no CSRF token"
    response = client.post(
        "/accounts/login/",
        data={"csrfmiddlewaretoken": token.group(1), "username": email, "password": DEMO_PASSWORD},
        headers={"Referer": f"{base}/accounts/login/"},
    )
    assert response.status_code == 302, f"sign-in did not redirect: {response.status_code}\n{response.text[:2000]}"
    assert "sessionid" in client.cookies
    return client


def test_the_quick_start_prints_the_demo_logins(quickstart):
    log = quickstart["log"].read_text()
    for email in ("facilitator@demo.example", "anchor@demo.example", "member@demo.example", "observer@demo.example"):
        assert email in log
    assert DEMO_PASSWORD in log


def test_a_demo_login_signs_in_and_sees_its_collaborative(quickstart):
    with sign_in(quickstart["base"], "facilitator@demo.example") as client:
        home = client.get("/")
        assert home.status_code == 200
        assert "Eastmere" in home.text
        overview = client.get("/c/eastmere/")
        assert overview.status_code == 200
        assert "Eastmere" in overview.text
        members = client.get("/c/eastmere/members/")
        assert members.status_code == 200
        # The page's own stylesheet is served too, so it does not arrive unstyled.
        stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', overview.text)
        assert stylesheets
        for href in stylesheets:
            assert client.get(href).status_code == 200, href


def test_a_signed_in_person_gets_a_live_connection(quickstart):
    with sign_in(quickstart["base"], "member@demo.example") as client:
        session = client.cookies["sessionid"]
    url = f"ws://127.0.0.1:{quickstart['port']}/ws/workspace/"
    with connect(url, origin=quickstart["base"], additional_headers={"Cookie": f"sessionid={session}"}) as ws:
        hello = json.loads(ws.recv(timeout=30))
        assert hello["type"] == "hello"
        assert hello["collaboratives"], "the member's collaborative is missing from the greeting"
        ws.send(json.dumps({"type": "ping", "id": "smoke"}))
        assert json.loads(ws.recv(timeout=30)) == {"type": "pong", "id": "smoke"}


def test_without_a_session_the_live_connection_is_refused(quickstart):
    url = f"ws://127.0.0.1:{quickstart['port']}/ws/workspace/"
    with pytest.raises(InvalidStatus) as refused, connect(url, origin=quickstart["base"]):
        pass
    assert refused.value.response.status_code == 403


def test_a_foreign_origin_is_refused_even_with_a_session(quickstart):
    with sign_in(quickstart["base"], "member@demo.example") as client:
        session = client.cookies["sessionid"]
    url = f"ws://127.0.0.1:{quickstart['port']}/ws/workspace/"
    with (
        pytest.raises(InvalidStatus) as refused,
        connect(url, origin="http://evil.example", additional_headers={"Cookie": f"sessionid={session}"}),
    ):
        pass
    assert refused.value.response.status_code == 403
