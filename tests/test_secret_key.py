"""The embedded default's signing key: random per checkout, kept in a private local file, never written in the code;
and `make run` refuses to serve other machines without a key of the operator's own."""

import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_key_is_made_once_kept_private_and_read_back(tmp_path):
    from config.env import local_secret_key

    path = tmp_path / ".secret-key"
    key = local_secret_key(path)
    assert len(key) >= 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, "only its owner may read the key file"
    assert local_secret_key(path) == key, "a restart keeps the key, so sessions and links stay valid"
    assert local_secret_key(tmp_path / "elsewhere") != key, "another checkout has another key"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".secret-key", "elsewhere"], "no temporary file is left"


def test_settings_without_secret_key_use_the_local_key_file():
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (ROOT / ".secret-key").read_text().strip()
    assert stat.S_IMODE((ROOT / ".secret-key").stat().st_mode) == 0o600


def test_the_key_file_is_never_committed_nor_copied_into_the_image():
    assert ".secret-key" in (ROOT / ".gitignore").read_text().split()
    assert ".secret-key" in (ROOT / ".dockerignore").read_text().split()


def test_no_signing_key_is_written_in_the_repository():
    well_known = "embedded-default-" + "not-for-production"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    found = [
        name
        for name in files.split("\0")
        if name and (ROOT / name).is_file() and well_known in (ROOT / name).read_text(errors="ignore")
    ]
    assert found == []


def test_make_run_refuses_another_address_without_a_key_of_your_own():
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "HOST": "0.0.0.0",
        "PORT": "8127",
    }
    result = subprocess.run(
        ["scripts/quickstart"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, start_new_session=True
    )
    assert result.returncode != 0
    assert "refusing to serve on HOST=0.0.0.0" in result.stderr
    assert "SECRET_KEY" in result.stderr
