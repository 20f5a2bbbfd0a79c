"""The HTTP policy shared by BZPEER's clients: identity, timeouts, retries and error types.

Two kinds of failure leave this module. ``FetchError`` is permanent: asking again gives the
same answer. ``TransientFetchError`` means the bounded retries inside one call are used up
but a later attempt may succeed; a Celery task retries with its ``retry_after`` countdown.
"""

import logging
import random
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, Self

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)

PROJECT_URL = "https://bzpeer.org"
# A Retry-After longer than this is not slept through inside a request: the caller (a
# Celery task) gives the worker back and retries after the countdown instead.
MAX_RETRY_AFTER = 600.0
BACKOFF_BASE = 2.0
BACKOFF_CAP = 60.0
# Statuses that say "not now" rather than "never".
THROTTLING_STATUSES = frozenset({429, 503})


class FetchError(Exception):
    """A permanent failure: the request is wrong or the answer is unusable. Never retried."""

    def __init__(self, message: str, *, url: str = ""):
        self.url = url
        super().__init__(f"{message} ({url})" if url else message)


class TransientFetchError(Exception):
    """Asking again later may succeed; ``retry_after`` is the server's wish in seconds, if any."""

    def __init__(self, message: str, *, url: str = "", retry_after: float | None = None):
        self.url = url
        self.retry_after = retry_after
        super().__init__(f"{message} ({url})" if url else message)


class Limiter(Protocol):
    def acquire(self) -> float: ...


def user_agent() -> str:
    # arXiv and OpenAlex both ask automated clients to say who they are and how to reach them.
    return f"BZPEER/1.0 (+{PROJECT_URL}; mailto:{settings.CONTACT_EMAIL})"


def build_client(*, timeout: float | None = None) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(settings.HTTP_TIMEOUT if timeout is None else timeout),
        headers={"User-Agent": user_agent()},
        follow_redirects=True,
    )


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if unreadable."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def backoff_delay(attempt: int, rng: Callable[[], float] = random.random) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base·2^(attempt-1))]."""
    return rng() * min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1))


def get_with_retries(
    client: httpx.Client,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    limiter: Limiter | None = None,
    max_attempts: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
) -> httpx.Response:
    """GET ``url``, retrying throttling, server errors and network failures with backoff.

    Returns any response below 500 except 429 (the caller reads 4xx bodies: arXiv explains
    a bad id in a 400 error feed). Raises ``TransientFetchError`` once ``max_attempts``
    attempts have failed, or at once when the server asks to wait longer than
    ``MAX_RETRY_AFTER``; raises ``FetchError`` for failures no retry can fix.
    """
    attempts = max(1, max_attempts or settings.HTTP_MAX_ATTEMPTS)
    full_url = str(client.build_request("GET", url, params=params).url)
    for attempt in range(1, attempts + 1):
        if limiter is not None:
            limiter.acquire()
        retry_after: float | None = None
        try:
            response = client.get(url, params=params, headers=headers)
        except httpx.TimeoutException as exc:
            problem = f"timed out ({type(exc).__name__})"
        except httpx.UnsupportedProtocol as exc:
            raise FetchError(f"unsupported URL: {exc}", url=full_url) from exc
        except httpx.TransportError as exc:
            problem = f"connection failed ({type(exc).__name__}: {exc})"
        except httpx.TooManyRedirects as exc:
            raise FetchError("too many redirects", url=full_url) from exc
        except httpx.DecodingError as exc:
            raise FetchError(f"undecodable response body ({exc})", url=full_url) from exc
        else:
            status = response.status_code
            if status < 500 and status != 429:
                return response
            problem = f"HTTP {status}"
            if status in THROTTLING_STATUSES:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if retry_after is not None and retry_after > MAX_RETRY_AFTER:
                    raise TransientFetchError(
                        f"{problem}, asked to wait {retry_after:.0f} s",
                        url=full_url,
                        retry_after=retry_after,
                    )

        if attempt == attempts:
            raise TransientFetchError(
                f"{problem} after {attempts} attempts", url=full_url, retry_after=retry_after
            )
        wait = retry_after if retry_after is not None else backoff_delay(attempt, rng)
        logger.warning(
            "GET %s: %s (attempt %d of %d); retrying in %.1f s",
            full_url,
            problem,
            attempt,
            attempts,
            wait,
        )
        sleep(wait)
    raise AssertionError("unreachable")  # the loop either returns or raises


class ServiceClient:
    """What every BZPEER client of a far service holds: its URL (a setting by default), an
    HTTP client (closed with it when it made it), the shared rate limiter and the sleep used
    between retries. Subclasses name the setting and the limiter."""

    base_url_setting: str
    make_limiter: Callable[[], Limiter]

    def __init__(
        self,
        *,
        base_url: str | None = None,
        client: httpx.Client | None = None,
        limiter: Limiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base_url = base_url or getattr(settings, self.base_url_setting)
        self._owns_client = client is None
        self.client = client or build_client()
        self.limiter = limiter if limiter is not None else type(self).make_limiter()
        self.sleep = sleep

    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
