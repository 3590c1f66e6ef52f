"""ASGI server processes for tests and benchmarks against the real stack: uvicorn, as in production, each in its own
process group on a free port, so it can be killed (SIGKILL included) without leaving anything behind."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def pids(self) -> list[int]:
        """Every process in the server's process group (uvicorn and any workers it started)."""
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                if os.getpgid(int(entry)) == self.process.pid:
                    found.append(int(entry))
            except (ProcessLookupError, PermissionError):
                continue
        return found

    def rss_kb(self) -> int:
        """Resident memory of the whole process group, in KiB (VmRSS from /proc/<pid>/status)."""
        total = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/status") as status:
                    for line in status:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
            except OSError:
                continue
        return total

    def cpu_seconds(self) -> float:
        """User + system CPU time used so far by the process group."""
        total = 0
        ticks = os.sysconf("SC_CLK_TCK")
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                continue
        return total / ticks

    def kill(self, sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def stop(self, timeout: float = 10) -> None:
        if self.process.poll() is None:
            self.kill(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=timeout)
        self.kill(signal.SIGKILL)  # and anything left in its group
        if self.process.poll() is None:
            self.process.wait(timeout=timeout)


def start(
    name: str,
    *,
    env: dict[str, str],
    log_dir: Path,
    app: str = "config.asgi:application",
    workers: int | None = None,
    extra_args: tuple[str, ...] = (),
) -> Server:
    """Start one uvicorn process (not waiting for it: see `wait_ready`)."""
    port = free_port()
    log_path = Path(log_dir) / f"{name}.log"
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--lifespan",
        "off",
        "--no-access-log",
        "--ws-per-message-deflate=false",  # as in production (the Dockerfile)
        *(("--workers", str(workers)) if workers else ()),
        *extra_args,
    ]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Server(name=name, port=port, process=process, log_path=log_path)


def wait_ready(servers: list[Server], timeout: float = 60) -> None:
    """Until every server accepts connections (uvicorn loads the application before it listens)."""
    deadline = time.monotonic() + timeout
    waiting = list(servers)
    while waiting:
        for server in list(waiting):
            if not server.alive():
                raise RuntimeError(f"{server.name} exited with {server.process.returncode}:\n{server.log()}")
            if server.answers():
                waiting.remove(server)
        if waiting and time.monotonic() > deadline:
            raise RuntimeError(f"{waiting[0].name} did not answer within {timeout} s:\n{waiting[0].log()}")
        if waiting:
            time.sleep(0.1)


def server_env(*, database_url: str, redis_url: str, prefix: str, **extra: str) -> dict[str, str]:
    """The environment of a server process: this one's, pointed at the given database, Redis and channel prefix."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CHANNEL_LAYER_PREFIX=prefix,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DEBUG="false",
        HTTPS="off",
        STATIC_MANIFEST="false",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    env.update(extra)
    return env
