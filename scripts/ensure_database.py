#!/usr/bin/env python
"""Create the PostgreSQL database a DATABASE_URL names when it does not exist yet.

Used by `make run` and `make bench`, so that pointing DATABASE_URL at a new database on a
running server is all the setup needed. Does nothing for other databases (SQLite).

Usage: python scripts/ensure_database.py [DATABASE_URL]   (default: $DATABASE_URL)
"""

import os
import sys
import urllib.parse


class DatabaseUnavailable(RuntimeError):
    pass


def database_ensure(database_url: str) -> bool:
    """Create the database when it is missing; True when it was created."""
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(database_url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        return False
    name = urllib.parse.unquote(parts.path.lstrip("/"))
    if not name:
        raise DatabaseUnavailable(f"{database_url}: the URL names no database")
    maintenance = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists:
                return False
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    except psycopg.OperationalError as exc:
        where = f"{parts.hostname}:{parts.port or 5432}"
        raise DatabaseUnavailable(f"PostgreSQL at {where} is not reachable: {exc}") from exc


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else os.environ.get("DATABASE_URL", "")
    if not url:
        return 0
    try:
        if database_ensure(url):
            print(f"Created database {urllib.parse.urlsplit(url).path.lstrip('/')}.")
    except DatabaseUnavailable as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
