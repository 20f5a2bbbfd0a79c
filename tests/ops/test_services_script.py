"""scripts/services.py: which PostgreSQL the suite and `make run` use, and the one-line
refusals when something cannot be set up."""

import importlib.util
import os
import subprocess
import sys
import urllib.parse

import pytest
from django.db import connection

from tests.support.paths import ROOT
from tests.support.worker import subprocess_database_url


def _load():
    spec = importlib.util.spec_from_file_location("services", ROOT / "scripts" / "services.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


services = _load()


@pytest.mark.django_db
def test_the_server_the_suite_runs_on_has_what_bzpeer_needs():
    assert connection.pg_version >= services.REQUIRED_SERVER_VERSION
    assert services.server_lacks(subprocess_database_url()) == ""


def test_a_server_that_does_not_answer_is_said_so():
    assert services.server_lacks("postgres://postgres@127.0.0.1:1/bzpeer") == "it does not answer"


def test_a_database_on_the_same_server_keeps_host_and_credentials():
    url = "postgres://postgres@%2Fsrv%2F.pgdata/bzpeer"
    assert services.database_url_named(url, "bzpeer_bench") == (
        "postgres://postgres@%2Fsrv%2F.pgdata/bzpeer_bench"
    )
    assert services.database_url_named("", "x") == "postgres://postgres@127.0.0.1:5432/x"


def test_the_local_server_is_reached_through_its_socket_folder(tmp_path):
    (tmp_path / "postmaster.pid").write_text("1\n/data\n0\n5432\n/run/elsewhere\n\n0 0\nready\n")
    url = services.localdb.database_url(data_dir=tmp_path)
    assert urllib.parse.unquote(urllib.parse.urlsplit(url).hostname) == "/run/elsewhere"
    assert services.localdb.database_url(data_dir=tmp_path / "missing").startswith(
        "postgres://postgres@" + urllib.parse.quote(str(tmp_path / "missing"), safe="")
    )


def test_what_cannot_be_installed_stops_with_one_line(monkeypatch):
    monkeypatch.setattr(services.os, "geteuid", lambda: 1000)
    with pytest.raises(services.SetupError) as refused:
        services._apt_install("redis-server", "Redis")
    assert str(refused.value) == "Redis is missing: install the Debian package `redis-server`."


def test_a_named_browser_that_is_not_there_is_refused(monkeypatch):
    monkeypatch.setattr(services, "CHROMIUM", "/nowhere/chromium")
    with pytest.raises(services.SetupError, match="BZPEER_CHROMIUM names /nowhere/chromium"):
        services.chromium_ensure()


def test_the_command_line_reports_a_setup_error_in_one_line(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:1/bzpeer")
    assert services.main(["run", "--", "true"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "BZPEER setup: DATABASE_URL points at a server BZPEER cannot use: it does not answer."
    ]


def _db(action: str, data) -> str:
    """`scripts/services.py db ACTION` as `make run` calls it, on a data folder of the test's."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "services.py"), "db", action],
        env={**os.environ, "BZPEER_PGDATA": str(data)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


@pytest.mark.slow
def test_the_embedded_server_starts_keeps_its_data_and_stops(tmp_path):
    """What `make run` starts on a fresh machine: PostgreSQL 18 with the extensions BZPEER
    relies on, its data kept from one start to the next, reached through its socket only."""
    import psycopg

    data = tmp_path / "pgdata"
    try:
        url = _db("start", data)
        assert urllib.parse.unquote(urllib.parse.urlsplit(url).hostname) == str(data)
        assert _db("start", data) == url  # already running: reused
        assert _db("status", data).startswith("running")
        assert services.server_lacks(url) == ""
        with psycopg.connect(url, autocommit=True) as conn:
            assert conn.execute("SHOW server_version_num").fetchone()[0].startswith("18")
            assert conn.execute("SHOW listen_addresses").fetchone()[0] == ""  # no TCP port
            for extension in ("vector", "pg_trgm", "unaccent"):
                conn.execute(f"CREATE EXTENSION {extension}")
            conn.execute("CREATE TABLE kept (note text)")
            conn.execute("INSERT INTO kept VALUES ('still here')")
        _db("stop", data)
        assert _db("status", data) == "not running"
        assert services.server_lacks(url) == "it does not answer"

        url = _db("start", data)
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT note FROM kept").fetchone()[0] == "still here"
    finally:
        _db("stop", data)
