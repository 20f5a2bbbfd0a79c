"""Django's Redis cache, with one redis-py client per connection pool instead of one per call.

Django builds a new ``redis.Redis`` for every cache operation; since redis-py 8 that costs
more than the round trip itself (each client builds its table of reply handlers). Clients
are thread-safe and share the pool, so keeping one per pool changes nothing but the cost.
"""

import functools
import logging
import threading
import time

import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

logger = logging.getLogger(__name__)


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._clients_lock = threading.Lock()

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            with self._clients_lock:
                client = self._clients.get(index)
                if client is None:
                    pool = self._get_connection_pool(write)
                    client = self._clients[index] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def validate_key(self, key) -> None:
        # Redis takes any key. The base class warns about keys memcached would refuse, in a
        # Python loop over every character of every key: a page reading fifty tokens paid
        # for it on each request.
        pass


# Redis failing to answer, as opposed to a command it refused (a bug, which should surface).
UNAVAILABLE = (redis.ConnectionError, redis.TimeoutError)
_WARN_EVERY = 10.0  # seconds between two warnings about the same outage


def _fail_soft(method, answer):
    """``method`` of RedisCache, answering ``answer(*args, **kwargs)`` while Redis does not
    answer (after a throttled warning)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except UNAVAILABLE as exc:
            self._unavailable(exc)
            return answer(*args, **kwargs)

    return wrapper


def _key_unavailable(key, *args, **kwargs):
    raise ValueError(f"Key {key!r} is unavailable.")


class FailSoftRedisCache(RedisCache):
    """The site's cache: while Redis does not answer, reads miss and writes are dropped
    (logged), so pages, log-ins and writes go on from the database instead of failing.

    ``add`` answers as if it added the key: locks and once-only guards (allauth's log-in
    limits, the digest guard) let the caller go on instead of waiting for a key that cannot
    exist. A counter fails as a missing key (``incr`` raises ``ValueError``, which
    django-ratelimit reads as an unknown count under ``RATELIMIT_FAIL_OPEN``): rate limits
    let requests through until Redis is back. Code that must know a write was lost (the
    paper pages' tokens) uses the strict ``pages`` cache instead.
    """

    _last_warning = 0.0

    def _unavailable(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - FailSoftRedisCache._last_warning >= _WARN_EVERY:
            FailSoftRedisCache._last_warning = now
            logger.warning("The cache is unavailable, going on without it: %s", exc)

    get = _fail_soft(RedisCache.get, lambda key, default=None, version=None: default)
    get_many = _fail_soft(RedisCache.get_many, lambda *args, **kwargs: {})
    has_key = _fail_soft(RedisCache.has_key, lambda *args, **kwargs: False)
    add = _fail_soft(RedisCache.add, lambda *args, **kwargs: True)
    set = _fail_soft(RedisCache.set, lambda *args, **kwargs: None)
    set_many = _fail_soft(RedisCache.set_many, lambda data, *args, **kwargs: list(data))
    touch = _fail_soft(RedisCache.touch, lambda *args, **kwargs: False)
    delete = _fail_soft(RedisCache.delete, lambda *args, **kwargs: False)
    delete_many = _fail_soft(RedisCache.delete_many, lambda *args, **kwargs: None)
    incr = _fail_soft(RedisCache.incr, _key_unavailable)
    clear = _fail_soft(RedisCache.clear, lambda: False)
