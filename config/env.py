"""Reading settings from the environment, with a clear error for a value that cannot be understood."""

import os
import secrets
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else None


def env_bool(name: str, *, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, *, default: int) -> int:
    value = env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name: str, *, default: list[str]) -> list[str]:
    value = env(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def local_secret_key(path: Path) -> str:
    """The embedded default's signing key: random, made on first use and kept in `path` (readable by its owner
    only), so that sessions, guest cookies and invitation links survive a restart yet no two checkouts share a key.

    Several processes may start at once (a server and a management command, test workers): the key is written to a
    private temporary file and linked into place, so whoever comes second reads the first one's key, never an empty
    or half-written file.
    """
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        key = ""
    except OSError as error:
        raise ImproperlyConfigured(f"Cannot read the local secret key file {path}: {error}.") from None
    if key:
        return key
    key = secrets.token_urlsafe(64)
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret-key-")  # mode 0600
        try:
            with os.fdopen(fd, "w") as file:
                file.write(key + "\n")
            try:
                os.link(temporary, path)
            except FileExistsError:
                key = path.read_text().strip()
        finally:
            os.unlink(temporary)
    except OSError as error:
        raise ImproperlyConfigured(
            f"Cannot write the local secret key file {path} ({error}). Make its folder writable, or set SECRET_KEY."
        ) from None
    if not key:
        raise ImproperlyConfigured(f"The local secret key file {path} is empty: delete it to make a new key.")
    return key
