"""Exact invalidation for rendered paper pages.

Each paper has a version token in the cache, replaced by any change to the paper once the
change commits. A rendering is stored together with the token that was current before it
was rendered, and is served only while that token is still current: a render that raced
with a change carries the old token, so a stale page is never served after the change is
visible in the database. A hit costs one round trip (token and page read together).
"""

import uuid
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.db import transaction

PAGE_TIMEOUT = 60 * 60 * 24


def _token_key(arxiv_id: str) -> str:
    return f"paper-page-token:{arxiv_id}"


def _current_token(arxiv_id: str) -> str:
    key = _token_key(arxiv_id)
    cache.add(key, uuid.uuid4().hex, timeout=None)
    return cache.get(key)


def cached_page(arxiv_id: str, variant: str, render: Callable[[], str]) -> bytes:
    """The rendering of one variant of a paper's page, from the cache while it is current."""
    token_key, page_key = _token_key(arxiv_id), f"paper-page:{arxiv_id}:{variant}"
    found = cache.get_many([token_key, page_key])
    token, stored = found.get(token_key), found.get(page_key)
    if token is not None and stored is not None and stored[0] == token:
        return stored[1]
    if token is None:
        token = _current_token(arxiv_id)
    content = render().encode()
    cache.set(page_key, (token, content), timeout=PAGE_TIMEOUT)
    return content


def paper_pages_invalidate(arxiv_ids: Iterable[str]) -> None:
    """Drop cached renderings of these papers once the current transaction commits."""
    ids = sorted(set(arxiv_ids))
    if not ids:
        return

    def replace_tokens() -> None:
        cache.set_many({_token_key(i): uuid.uuid4().hex for i in ids}, timeout=None)

    transaction.on_commit(replace_tokens)
