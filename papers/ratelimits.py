"""One per-user budget for every write made through the pages (votes, saves, reactions,
collections): moving between forms does not multiply the limit. The API has its own
throttle on the same setting (papers/api/throttles.py)."""

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.decorators import ratelimit


def write_rate(group: str, request: HttpRequest) -> str:
    """The limit, read per request so that a changed setting applies at once."""
    return settings.WRITE_RATE_LIMIT


write_limited = ratelimit(group="writes", key="user", rate=write_rate, method="POST", block=True)
