"""A real Celery worker in a subprocess, against the real Redis and the test database.

Tests that use it need committed data (``transactional_db``), since the worker reads the
database through its own connection.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from bzpeer.celery import app

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")


def subprocess_database_url() -> str:
    """A URL of the test database, for processes the tests start (a socket folder as host
    is percent-encoded, as libpq and dj-database-url read it)."""
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = urllib.parse.quote(db.get("HOST") or "127.0.0.1", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{db['NAME']}"


def worker_environment(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=subprocess_database_url(),
        REDIS_URL=settings.REDIS_URL,
        CELERY_TASK_ALWAYS_EAGER="0",
        DB_CONN_MAX_AGE="0",
    )
    env.update(extra)
    return env


def _wait_until_ready(name: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"celery worker exited with {process.returncode} while starting")
        if app.control.ping(destination=[name], timeout=0.5):
            return
    raise RuntimeError(f"celery worker {name} did not answer within {timeout:.0f} s")


@contextmanager
def celery_worker(**env: str) -> Iterator[subprocess.Popen]:
    """Start a worker (solo pool: tasks run in the process we can kill), yield it, stop it."""
    name = f"test-{uuid.uuid4().hex[:8]}@localhost"
    log = open(ROOT / f".pytest-worker-{name.split('@')[0]}.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [str(CELERY), "-A", "bzpeer", "worker", "--pool", "solo", "-n", name,
         "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
        cwd=ROOT, env=worker_environment(**env), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_until_ready(name, process)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()
        # Shown by pytest when the test failed: the worker's own account of what happened.
        sys.stdout.write(Path(log.name).read_text(errors="replace")[-20000:])
        Path(log.name).unlink(missing_ok=True)


def wait_for(condition, *, timeout: float = 30, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
