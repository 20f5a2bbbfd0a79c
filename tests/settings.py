"""Settings for the test suite: the project's settings, with each pytest-xdist worker on a
Redis database of its own, so one worker's cache and broker never touch another's.

The environment is changed before the project's settings read it, so a Celery worker or
server that a test starts inherits the same database.
"""

import os
import urllib.parse

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", ... under xdist
if _worker and os.environ.get("REDIS_URL") and not os.environ.get("BZPEER_REDIS_WORKER_DB"):
    _parts = urllib.parse.urlsplit(os.environ["REDIS_URL"])
    _base = int(_parts.path.lstrip("/") or 0)
    # The suite's own database is the base; workers count down from the one below it.
    _db = _base - 1 - int(_worker.removeprefix("gw"))
    if _db < 0:
        raise RuntimeError(f"No Redis database left for xdist worker {_worker} below {_base}.")
    os.environ["REDIS_URL"] = urllib.parse.urlunsplit(_parts._replace(path=f"/{_db}"))
    os.environ["BZPEER_REDIS_WORKER_DB"] = str(_db)

from bzpeer.settings import *  # noqa: E402, F403
