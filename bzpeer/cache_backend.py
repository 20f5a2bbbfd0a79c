"""Django's Redis cache, with one redis-py client per connection pool instead of one per call.

Django builds a new ``redis.Redis`` for every cache operation; since redis-py 8 that costs
more than the round trip itself (each client builds its table of reply handlers). Clients
are thread-safe and share the pool, so keeping one per pool changes nothing but the cost.
"""

import logging
import threading
import time

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
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


# Redis failing to answer, as opposed to a command it refused (a bug, which should surface).
UNAVAILABLE = (redis.ConnectionError, redis.TimeoutError)
_WARN_EVERY = 10.0  # seconds between two warnings about the same outage


class FailSoftRedisCache(RedisCache):
    """The site's cache: while Redis does not answer, reads miss and writes are dropped
    (logged), so pages, log-ins and writes go on from the database instead of failing.

    ``add`` answers as if it added the key, and a counter fails as a missing key (``incr``
    raises ``ValueError``, which django-ratelimit reads as an unknown count under
    ``RATELIMIT_FAIL_OPEN``): rate limits let requests through until Redis is back. Code
    that must know a write was lost (the paper pages' tokens) uses the strict ``pages``
    cache instead.
    """

    _last_warning = 0.0

    def _unavailable(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - FailSoftRedisCache._last_warning >= _WARN_EVERY:
            FailSoftRedisCache._last_warning = now
            logger.warning("The cache is unavailable, going on without it: %s", exc)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNAVAILABLE as exc:
            self._unavailable(exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNAVAILABLE as exc:
            self._unavailable(exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNAVAILABLE as exc:
            self._unavailable(exc)
            return False

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNAVAILABLE as exc:
            # As if added: locks and once-only guards (allauth's log-in limits, the digest
            # guard) let the caller go on instead of waiting for a key that cannot exist.
            self._unavailable(exc)
            return True

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNAVAILABLE as exc:
            self._unavailable(exc)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNAVAILABLE as exc:
            self._unavailable(exc)
            return list(data)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNAVAILABLE as exc:
            self._unavailable(exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNAVAILABLE as exc:
            self._unavailable(exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except UNAVAILABLE as exc:
            self._unavailable(exc)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNAVAILABLE as exc:
            self._unavailable(exc)
            raise ValueError(f"Key {key!r} is unavailable.") from exc

    def clear(self):
        try:
            return super().clear()
        except UNAVAILABLE as exc:
            self._unavailable(exc)
            return False
