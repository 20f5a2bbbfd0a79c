"""Exact invalidation for rendered paper pages.

Each paper has a version token in the cache; rendered fragments are stored under keys that
include the token, and any change to the paper replaces the token once the change commits.
A render that raced with a change is stored under the old token, which nobody reads again,
so a stale page is never served after the change is visible in the database.
"""

import uuid
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.db import transaction

PAGE_TIMEOUT = 60 * 60 * 24


def _token_key(arxiv_id: str) -> str:
    return f"paper-page-token:{arxiv_id}"


def _page_token(arxiv_id: str) -> str:
    key = _token_key(arxiv_id)
    token = cache.get(key)
    if token is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)
        token = cache.get(key)
    return token


def cached_page(arxiv_id: str, variant: str, render: Callable[[], str]) -> str:
    """Return the cached rendering of one variant of a paper's page, rendering on a miss."""
    key = f"paper-page:{arxiv_id}:{variant}:{_page_token(arxiv_id)}"
    content = cache.get(key)
    if content is None:
        content = render()
        cache.set(key, content, timeout=PAGE_TIMEOUT)
    return content


def paper_pages_invalidate(arxiv_ids: Iterable[str]) -> None:
    """Drop cached renderings of these papers once the current transaction commits."""
    ids = sorted(set(arxiv_ids))
    if not ids:
        return

    def replace_tokens() -> None:
        cache.set_many({_token_key(i): uuid.uuid4().hex for i in ids}, timeout=None)

    transaction.on_commit(replace_tokens)
