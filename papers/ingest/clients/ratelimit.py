"""Request spacing shared by every process and machine that talks to the same service.

arXiv allows one request every three seconds from all of BZPEER together, whatever the
number of workers. Each caller reserves the next free slot in Redis with one atomic script
that reads Redis' own clock, so neither races between workers nor skewed clocks between
machines can put two requests closer than the interval. A caller that wakes late from its
wait (a busy machine) would leave less than the interval before the next caller's slot, so
on waking it also confirms against the last actual send and waits out any remainder.
Without Redis (local development, tasks run in-process) the same is kept in memory under a
lock.
"""

import threading
import time
from collections.abc import Callable

import redis
from django.conf import settings

from papers.ingest.clients.http import TransientFetchError

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

# Claims the right to send now if the last send was at least an interval ago, else returns
# the remaining wait in µs (the caller sleeps and asks again).
_CONFIRM_SEND = """
local interval = tonumber(ARGV[1])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local last_sent = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if now < last_sent + interval then
  return string.format('%.0f', last_sent + interval - now)
end
redis.call('SET', KEYS[1], string.format('%.0f', now), 'PX', math.ceil(interval / 1000) + 1000)
return '0'
"""

_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()

# In-process fallback: one reservation per name, shared by all limiters of that name.
_local_next_free: dict[str, float] = {}
_local_last_sent: dict[str, float] = {}
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
        self._scripts = None

    @property
    def is_shared(self) -> bool:
        return bool(self.redis_url)

    def acquire(self) -> float:
        """Block until this caller may send; return the seconds waited."""
        if self.interval <= 0:
            return 0.0
        reserve, confirm = (
            (self._reserve_shared, self._confirm_shared)
            if self.is_shared
            else (self._reserve_local, self._confirm_local)
        )
        waited = 0.0
        wait = reserve()
        while True:
            if wait > 0:
                self._sleep(wait)
                waited += wait
            wait = confirm()
            if wait <= 0:
                return waited

    def reset(self) -> None:
        """Forget the reservations (tests, or after changing the interval)."""
        if self.is_shared:
            _redis_client(self.redis_url).delete(*self._keys)
        else:
            with _local_lock:
                _local_next_free.pop(self.name, None)
                _local_last_sent.pop(self.name, None)

    @property
    def _keys(self) -> tuple[str, str]:
        return KEY_PREFIX + self.name, KEY_PREFIX + self.name + ":sent"

    def _reserve_shared(self) -> float:
        return self._run_script(0, self._keys[0])

    def _confirm_shared(self) -> float:
        return self._run_script(1, self._keys[1])

    def _run_script(self, which: int, key: str) -> float:
        try:
            if self._scripts is None:
                client = _redis_client(self.redis_url)
                self._scripts = (
                    client.register_script(_RESERVE_SLOT),
                    client.register_script(_CONFIRM_SEND),
                )
            interval_us = round(self.interval * 1_000_000)
            wait_us = self._scripts[which](keys=[key], args=[interval_us])
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

    def _confirm_local(self) -> float:
        with _local_lock:
            now = time.monotonic()
            ready = _local_last_sent.get(self.name, float("-inf")) + self.interval
            if now < ready:
                return ready - now
            _local_last_sent[self.name] = now
        return 0.0


def arxiv_limiter() -> SharedIntervalLimiter:
    """The one limiter for arXiv: the API and OAI-PMH count against the same allowance."""
    return SharedIntervalLimiter("arxiv", settings.ARXIV_REQUEST_INTERVAL)


def openalex_limiter() -> SharedIntervalLimiter:
    return SharedIntervalLimiter("openalex", settings.OPENALEX_REQUEST_INTERVAL)
