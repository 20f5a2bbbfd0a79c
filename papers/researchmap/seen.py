"""Papers a signed-in user opened recently, so recommendations skip what they have seen.

Kept in Redis, not PostgreSQL: every paper page view of a signed-in user writes here, and a
write per page view would turn the busiest read path into a write path (row locks, WAL,
vacuum) for data that may be lost without harm. Each user has one sorted set of arXiv ids
scored by the time of the last view, so one round trip records a view, keeps only the newest
``SEEN_MAX`` and renews the set's lifetime. Ids rather than primary keys: recording needs
nothing from the database, whichever way the page was served.

Without Redis (``make run`` with no REDIS_URL) the cache backend is process-local memory; the same
calls keep the set as a plain mapping there.
"""

import logging
import time

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

from papers.catalogue.viewer_cache import viewer_seen_changed

logger = logging.getLogger(__name__)

SEEN_MAX = 500
# A paper opened half a year ago may be worth recommending again.
SEEN_SECONDS = 180 * 24 * 3600


def _key(user_id: int) -> str:
    return f"seen:{user_id}"


def _redis():
    """The raw redis-py client behind the default cache, or None for other backends."""
    backend = caches["default"]  # ``cache`` is a proxy: ask for the backend itself
    if isinstance(backend, RedisCache):
        return backend._cache.get_client(write=True)
    return None


def seen_record(*, user_id: int | None, arxiv_id: str, now: float | None = None) -> None:
    """Note that the user opened the paper; anonymous visitors (None) are not tracked."""
    if user_id is None:
        return
    now = time.time() if now is None else now
    client = _redis()
    if client is None:
        seen = cache.get(_key(user_id)) or {}
        added = arxiv_id not in seen
        seen[arxiv_id] = now
        newest = sorted(seen.items(), key=lambda kv: kv[1], reverse=True)[:SEEN_MAX]
        cache.set(_key(user_id), dict(newest), SEEN_SECONDS)
        if added:
            viewer_seen_changed(user_id)
        return
    key = cache.make_and_validate_key(_key(user_id))
    pipe = client.pipeline(transaction=True)
    pipe.zadd(key, {arxiv_id: now})
    pipe.zremrangebyscore(key, "-inf", f"({now - SEEN_SECONDS}")
    pipe.zremrangebyrank(key, 0, -SEEN_MAX - 1)
    pipe.expire(key, SEEN_SECONDS)
    try:
        added = pipe.execute()[0]
    except RedisError:
        # A lost view only means a paper may be recommended once more: never fail the page.
        logger.warning("could not record a paper view", exc_info=True)
        return
    if added:
        viewer_seen_changed(user_id)  # recommendations kept for them leave it out now


def seen_ids(*, user, now: float | None = None) -> list[str]:
    """The arXiv ids ``user`` opened in the last ``SEEN_SECONDS``, most recent first."""
    if user is None or not user.is_authenticated:
        return []
    oldest = (time.time() if now is None else now) - SEEN_SECONDS
    client = _redis()
    if client is None:
        seen = cache.get(_key(user.pk)) or {}
        return [i for i, at in sorted(seen.items(), key=lambda kv: -kv[1]) if at >= oldest]
    key = cache.make_and_validate_key(_key(user.pk))
    return [m.decode() for m in client.zrevrangebyscore(key, "+inf", oldest)]
