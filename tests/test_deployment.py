"""What an operator relies on: production settings pass Django's deployment checklist, migrations match the models,
the compose file sets exactly the variables the settings read (and the README documents every one of them), and the
published API schema generates cleanly.

Each check runs `manage.py` in a subprocess with an environment built from scratch, as a deployment would.
"""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_FILES = [ROOT / "config" / "settings.py"]
COMPOSE_FILE = ROOT / "docker-compose.yml"
README = ROOT / "README.md"
APP_SERVICES = {"web", "worker", "beat", "migrate"}

# The variables a deployment sets; DATABASE_URL and REDIS_URL are those of the test run.
PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(64),
    "DEBUG": "false",
    "ALLOWED_HOSTS": "collab.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://collab.example.org",
    "SITE_URL": "https://collab.example.org",
}


def base_env(**extra: str) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}
    env.update(extra)
    return env


def production_env(**overrides: str) -> dict[str, str]:
    env = base_env(**PRODUCTION, DATABASE_URL=os.environ["DATABASE_URL"], REDIS_URL=os.environ["REDIS_URL"])
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def settings_env_names() -> set[str]:
    """Every environment variable name the settings read, through config.env's helpers or os.environ."""
    pattern = re.compile(
        r"""(?:\benv(?:_bool|_int|_list)?\(|os\.environ\.get\(|os\.getenv\(|os\.environ\[)\s*["']([A-Z][A-Z0-9_]*)["']"""
    )
    names = set()
    for path in SETTINGS_FILES:
        names |= set(pattern.findall(path.read_text()))
    return names


def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def readme_section(title: str) -> str:
    text = README.read_text()
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


# --- Django's deployment checklist -----------------------------------------------------------------------------


def test_production_settings_pass_the_deployment_checklist():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_in_production_is_refused():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(DEBUG="true"))
    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG on in deployment


def test_plain_http_in_production_is_refused():
    """Turning HTTPS off leaves cookies readable on the wire; the checklist says so and fails."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(HTTPS="off"))
    assert result.returncode != 0
    for issue in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert issue in result.stderr


def test_a_weak_secret_key_is_refused():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(SECRET_KEY="short"))
    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_an_unreadable_setting_stops_start_up_with_a_clear_message():
    result = manage("check", env=production_env(DEBUG="perhaps"))
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


# --- Migrations -------------------------------------------------------------------------------------------------


def test_migrations_match_the_models():
    result = manage("makemigrations", "--check", "--dry-run", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


# --- docker-compose.yml against the settings and the README -----------------------------------------------------


def test_settings_reader_finds_the_core_variables():
    """Guards the scan below: if it found nothing, the checks that use it would pass vacuously."""
    assert {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "EMAIL_HOST"} <= settings_env_names()


def test_compose_has_the_production_services():
    services = compose()["services"]
    assert {"postgres", "redis", "web", "worker", "beat", "migrate"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")
    assert "config.asgi:application" in " ".join(services["web"]["command"])
    worker = " ".join(services["worker"]["command"])
    assert "celery" in worker and "worker" in worker
    beats = [name for name, service in services.items() if " beat" in " ".join(service.get("command") or [])]
    assert beats == ["beat"], "exactly one beat process must run"
    assert "DatabaseScheduler" in " ".join(services["beat"]["command"])
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    assert "migrate" in " ".join(services["migrate"]["command"])


def test_compose_sets_only_variables_the_settings_read():
    read = settings_env_names()
    for name in sorted(APP_SERVICES):
        env = compose()["services"][name]["environment"]
        unknown = set(env) - read
        assert not unknown, f"{name} sets {sorted(unknown)}, which config/settings.py never reads"
        for required in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "SITE_URL"):
            assert required in env, f"{name} does not set {required}"
        assert str(env["DEBUG"]).lower() == "false"


def test_readme_documents_every_variable_the_settings_read():
    section = readme_section("Production-like setup")
    missing = sorted(name for name in settings_env_names() if not re.search(rf"`{name}`", section))
    assert not missing, f"README.md's production section does not explain {missing}"


def test_compose_file_parses_and_demands_its_secrets():
    stand_ins = {
        "SECRET_KEY": "stand-in",
        "POSTGRES_PASSWORD": "stand-in",
        "ALLOWED_HOSTS": "collab.example.org",
        "SITE_URL": "https://collab.example.org",
    }
    command = ["docker-compose", "-f", str(COMPOSE_FILE), "config", "-q"]
    ok = subprocess.run(command, cwd=ROOT, env=base_env(**stand_ins), capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    without_secret = {k: v for k, v in stand_ins.items() if k != "SECRET_KEY"}
    refused = subprocess.run(
        command, cwd=ROOT, env=base_env(**without_secret), capture_output=True, text=True, timeout=120
    )
    assert refused.returncode != 0
    assert "SECRET_KEY" in refused.stderr


def dockerfile_command() -> list[str]:
    """The image's CMD, as Docker reads it: continuation lines joined, then JSON."""
    import json

    text = (ROOT / "Dockerfile").read_text().replace("\\\n", "")
    [line] = [line for line in text.splitlines() if line.startswith("CMD ")]
    return json.loads(line[len("CMD ") :])


def uvicorn_arguments(shell_command: str, **env: str) -> list[str]:
    """The arguments uvicorn would get from `shell_command` (which execs it) with this environment."""
    printed = shell_command.replace("exec uvicorn", "exec printf '%s\\n' uvicorn", 1)
    result = subprocess.run(["sh", "-c", printed], env=base_env(**env), capture_output=True, text=True, check=True)
    return result.stdout.splitlines()


def test_the_image_believes_forwarded_addresses_only_from_trusted_proxies():
    command = dockerfile_command()
    assert command[:2] == ["sh", "-c"]
    assert "--forwarded-allow-ips=10.0.0.5,172.16.0.0/12" in uvicorn_arguments(
        command[2], TRUSTED_PROXIES="10.0.0.5,172.16.0.0/12"
    )
    unset = uvicorn_arguments(command[2])
    assert "--forwarded-allow-ips=" in unset, "without TRUSTED_PROXIES no proxy is trusted"
    assert not any("*" in argument for argument in unset)


def test_compose_passes_the_trusted_proxies_to_the_app_and_to_uvicorn():
    web = compose()["services"]["web"]
    assert "--forwarded-allow-ips=${TRUSTED_PROXIES:-}" in web["command"]
    assert not any("forwarded-allow-ips=*" in argument for argument in web["command"])
    assert web["environment"]["TRUSTED_PROXIES"] == "${TRUSTED_PROXIES:-}"
    assert "TRUSTED_PROXIES" in (ROOT / ".env.example").read_text()


def test_a_trusted_proxy_setting_that_is_not_addresses_stops_start_up():
    result = manage("check", env=production_env(TRUSTED_PROXIES="*"))
    assert result.returncode != 0
    assert "TRUSTED_PROXIES cannot be '*'" in result.stderr


# --- The published API schema ------------------------------------------------------------------------------------


def test_api_schema_generates_without_warnings(tmp_path):
    schema_file = tmp_path / "schema.yaml"
    result = manage("spectacular", "--validate", "--fail-on-warn", "--file", str(schema_file), env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    schema = yaml.safe_load(schema_file.read_text())
    paths = set(schema["paths"])
    for resource in ("programmes", "collaboratives", "organisations", "memberships", "invitations"):
        assert f"/api/v1/{resource}/" in paths, f"/api/v1/{resource}/ is missing from the schema"
