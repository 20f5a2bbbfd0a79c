"""Links in emails point where the site is served: SITE_URL, or else the port `make run`
serves on."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRINT = "from django.conf import settings; print(settings.SITE_URL)"


def _site_url(**variables: str) -> str:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/"),
        "DEBUG": "1",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x"),
        **variables,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", PRINT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_links_follow_the_port_make_run_serves_on():
    assert _site_url(PORT="8821") == "http://127.0.0.1:8821"
    assert _site_url() == "http://127.0.0.1:8000"
    assert _site_url(PORT="8821", SITE_URL="https://bzpeer.org/") == "https://bzpeer.org"
