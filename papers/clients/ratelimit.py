"""Request spacing shared by every process and machine that talks to the same service.

arXiv allows one request every three seconds from all of BZPEER together, whatever the
number of workers. Each caller reserves the next free slot in Redis with one atomic script
that reads Redis' own clock, so neither races between workers nor skewed clocks between
machines can put two requests closer than the interval. Without Redis (local development,
tasks run in-process) the same reservation is kept in memory under a lock.
"""

import threading
import time
from collections.abc import Callable

import redis
from django.conf import settings

from .http import TransientFetchError

KEY_PREFIX = "bzpeer:ratelimit:"

# Reserves max(now, next_free) and stores reserved + interval; returns the wait in µs.
# Times are whole microseconds formatted with %.0f: Lua's default number format would
# write large values in exponent notation and lose precision.
_RESERVE_SLOT = """
local interval = tonumber(ARGV[1])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local next_free = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
local slot = math.max(now, next_free)
local free_after = slot + interval
local ttl_ms = math.ceil((free_after - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.0f', free_after), 'PX', ttl_ms)
return string.format('%.0f', slot - now)
"""

_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()

# In-process fallback: one reservation per name, shared by all limiters of that name.
_local_next_free: dict[str, float] = {}
_local_lock = threading.Lock()


def _redis_client(url: str) -> redis.Redis:
    # redis-py's pool notices a fork and reconnects, so one client per URL is safe to share.
    with _clients_lock:
        if url not in _clients:
            _clients[url] = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
        return _clients[url]


class SharedIntervalLimiter:
    """Keeps acquisitions under one ``name`` at least ``interval`` seconds apart.

    ``redis_url=None`` uses ``settings.REDIS_URL``; an empty URL keeps the spacing within
    this process only.
    """

    def __init__(
        self,
        name: str,
        interval: float,
        *,
        redis_url: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.name = name
        self.interval = max(0.0, float(interval))
        self.redis_url = settings.REDIS_URL if redis_url is None else redis_url
        self._sleep = sleep
        self._script = None

    @property
    def is_shared(self) -> bool:
        return bool(self.redis_url)

    def acquire(self) -> float:
        """Block until this caller may send; return the seconds waited."""
        if self.interval <= 0:
            return 0.0
        wait = self._reserve_shared() if self.is_shared else self._reserve_local()
        if wait > 0:
            self._sleep(wait)
        return wait

    def reset(self) -> None:
        """Forget the reservations (tests, or after changing the interval)."""
        if self.is_shared:
            _redis_client(self.redis_url).delete(KEY_PREFIX + self.name)
        else:
            with _local_lock:
                _local_next_free.pop(self.name, None)

    def _reserve_shared(self) -> float:
        if self._script is None:
            self._script = _redis_client(self.redis_url).register_script(_RESERVE_SLOT)
        interval_us = round(self.interval * 1_000_000)
        try:
            wait_us = self._script(keys=[KEY_PREFIX + self.name], args=[interval_us])
        except redis.RedisError as exc:
            # Sending unspaced could get BZPEER blocked; waiting for Redis is the safe side.
            raise TransientFetchError(
                f"rate limiter {self.name!r} cannot reach Redis ({exc})"
            ) from exc
        return int(wait_us) / 1_000_000

    def _reserve_local(self) -> float:
        with _local_lock:
            now = time.monotonic()
            slot = max(now, _local_next_free.get(self.name, 0.0))
            _local_next_free[self.name] = slot + self.interval
        return slot - now


def arxiv_limiter() -> SharedIntervalLimiter:
    """The one limiter for arXiv: the API and OAI-PMH count against the same allowance."""
    return SharedIntervalLimiter("arxiv", settings.ARXIV_REQUEST_INTERVAL)


def openalex_limiter() -> SharedIntervalLimiter:
    return SharedIntervalLimiter("openalex", settings.OPENALEX_REQUEST_INTERVAL)
