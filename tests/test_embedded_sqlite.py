"""The embedded default (`make run`, a SQLite file) takes concurrent writes without a server error.

A workshop writes from many browsers at once. SQLite allows one writer at a time; unless each transaction takes the
write lock when it starts and waits its turn, two transactions that read and then write give "database is locked",
which the person sees as a server error. The settings are loaded in a separate process exactly as the quick start
loads them (no `SECRET_KEY`, `REDIS_URL` or PostgreSQL; `DATABASE_URL` naming a SQLite file, as `SQLITE_PATH` does).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WRITERS = 8
WRITES_EACH = 25

# Each thread has its own database connection (Django keeps one per thread), as a server's worker threads do. Every
# write reads the tally and then changes it, as the services do (read, check, save) inside one transaction.
SCRIPT = f"""
import json, threading
import django
django.setup()
from django.db import connection, connections, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE tally (id integer PRIMARY KEY, n integer NOT NULL)")
    cursor.execute("INSERT INTO tally VALUES (1, 0)")
connections.close_all()

errors = []
start = threading.Barrier({WRITERS})

def write():
    try:
        start.wait()
        for _ in range({WRITES_EACH}):
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT n FROM tally WHERE id = 1")
                    (n,) = cursor.fetchone()
                    cursor.execute("UPDATE tally SET n = %s WHERE id = 1", [n + 1])
    except Exception as error:
        errors.append(f"{{type(error).__name__}}: {{error}}")
    finally:
        connections.close_all()

threads = [threading.Thread(target=write) for _ in range({WRITERS})]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT n FROM tally WHERE id = 1")
    (total,) = cursor.fetchone()
print(json.dumps({{"errors": errors, "total": total}}))
"""


def test_concurrent_writes_on_the_embedded_default_never_find_the_database_locked(tmp_path):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "DATABASE_CONN_MAX_AGE"}
    }
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    finished = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )
    assert finished.returncode == 0, finished.stderr
    outcome = json.loads(finished.stdout.strip().splitlines()[-1])
    assert outcome["errors"] == [], outcome["errors"]
    assert outcome["total"] == WRITERS * WRITES_EACH  # every write counted: none lost, none refused
