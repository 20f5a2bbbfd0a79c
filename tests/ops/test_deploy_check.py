"""The production configuration passes Django's deployment checks and refuses a missing key.

Each case runs in a fresh process with only the environment a deployment would have, since
the settings are read once at import time.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(arguments: list[str], **variables: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/")}
    env.update(variables)
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _production() -> dict[str, str]:
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "bzpeer.example.org",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bzpeer"),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
    }


def test_check_deploy_passes_in_production():
    environment = _production()
    assert len(environment["SECRET_KEY"]) >= 50

    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **environment)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output
    assert "no issues" in output


def test_check_deploy_fails_when_debug_is_on():
    # The check above can fail: the same run with DEBUG on is refused.
    environment = _production() | {"DEBUG": "1"}

    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **environment)

    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


@pytest.mark.parametrize("secret_key", [None, ""], ids=["unset", "empty"])
def test_settings_refuse_to_load_without_a_secret_key(secret_key):
    environment = _production() | {"SECRET_KEY": secret_key}
    if secret_key is None:
        del environment["SECRET_KEY"]

    result = _run(["-c", "import bzpeer.settings"], **environment)

    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


@pytest.mark.parametrize(
    "secret_key", ["short-" * 8, "ab" * 40], ids=["48 characters", "2 distinct"]
)
def test_settings_refuse_to_load_with_a_weak_secret_key(secret_key):
    result = _run(["-c", "import bzpeer.settings"], **(_production() | {"SECRET_KEY": secret_key}))

    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


def test_settings_load_without_a_secret_key_in_debug():
    environment = _production() | {"DEBUG": "1"}
    del environment["SECRET_KEY"]

    result = _run(["-c", "import bzpeer.settings"], **environment)

    assert result.returncode == 0, result.stderr
