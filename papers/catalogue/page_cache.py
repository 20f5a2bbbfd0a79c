"""Exact invalidation for rendered paper pages.

Each paper has a version token in the cache, replaced by any change to the paper once the
change commits. A rendering is stored together with the token that was current before it
was rendered, and is served only while that token is still current: a render that raced
with a change carries the old token, so a stale page is never served after the change is
visible in the database. A hit costs one small round trip: the token; the page itself
comes from process memory when this process has served it under that token before.

A cache that fails never fails a page and never loses a change: pages are then rendered
without it, and a change whose token could not be replaced is recorded in the database
(PendingPageRefresh) and replayed every minute (``page_refreshes_replay``, a Celery beat
task) until the cache takes it.
"""

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable

from django.core.cache import caches
from django.db import transaction
from django.db.transaction import on_commit
from django.utils.connection import ConnectionProxy

from papers.catalogue.page_slots import Skeleton, skeleton_parse
from papers.models import PendingPageRefresh

logger = logging.getLogger(__name__)

# The strict cache: a token write that fails raises, so it is recorded and replayed.
cache = ConnectionProxy(caches, "pages")

PAGE_TIMEOUT = 60 * 60 * 24
# Renderings each process keeps in memory (the shared cache still decides if one is
# current), as many as fit in this many bytes of HTML.
LOCAL_PAGES_BYTES = 48 * 1024 * 1024


class _LocalPages:
    """A small per-process LRU of (token, rendering), so a hit reads only the token from Redis
    (a rendering is the page's bytes, a skeleton's parsed tree or a card), bounded by the
    size of the HTML it holds."""

    def __init__(self, max_bytes: int):
        self._max_bytes = max_bytes
        self._bytes = 0
        self._pages: OrderedDict[str, tuple[str, object, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, token: str):
        with self._lock:
            stored = self._pages.get(key)
            if stored is None or stored[0] != token:
                return None
            self._pages.move_to_end(key)
            return stored[1]

    def peek(self, key: str):
        """(token, content) kept under the key, whatever the token, or None."""
        with self._lock:
            stored = self._pages.get(key)
            return None if stored is None else stored[:2]

    def put(self, key: str, token: str, content, size: int) -> None:
        with self._lock:
            if (old := self._pages.pop(key, None)) is not None:
                self._bytes -= old[2]
            self._pages[key] = (token, content, size)
            self._bytes += size
            while self._bytes > self._max_bytes and len(self._pages) > 1:
                self._bytes -= self._pages.popitem(last=False)[1][2]

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._bytes = 0


local_pages = _LocalPages(LOCAL_PAGES_BYTES)
# Paper cards of lists (home, search, collections, topics), per variant: a card is the
# paper's too, so the paper's token says whether it is current (papers/templatetags).
LOCAL_CARDS_BYTES = 8 * 1024 * 1024
local_cards = _LocalPages(LOCAL_CARDS_BYTES)


def _token_key(arxiv_id: str) -> str:
    return f"paper-page-token:{arxiv_id}"


def _current_token(arxiv_id: str) -> str:
    key = _token_key(arxiv_id)
    cache.add(key, uuid.uuid4().hex, timeout=None)
    return cache.get(key)


def page_tokens(arxiv_ids: Iterable[str]) -> dict[str, str]:
    """The current tokens of these papers, in one round trip (a missing one is created);
    none while the cache fails (then nothing is served from memory)."""
    keys = {_token_key(arxiv_id): arxiv_id for arxiv_id in arxiv_ids}
    try:
        tokens = {keys[key]: token for key, token in cache.get_many(list(keys)).items()}
        for arxiv_id in keys.values():
            if arxiv_id not in tokens:
                tokens[arxiv_id] = _current_token(arxiv_id)
    except Exception:
        logger.warning("page tokens unavailable: the cache failed", exc_info=True)
        return {}
    return tokens


def card_tokens(papers: Iterable) -> dict[str, str]:
    """``card_tokens`` for a list's template: its paper cards come from memory while current."""
    return page_tokens(paper.arxiv_id for paper in papers)


def cached_page(arxiv_id: str, variant: str, render: Callable[[], str]) -> bytes:
    """The rendering of one variant of a paper's page, from the cache while it is current."""
    return _cached(arxiv_id, variant, render, bytes)


def cached_skeleton(arxiv_id: str, variant: str, render: Callable[[], str]) -> Skeleton:
    """A shared rendering with slots (papers/catalogue/page_slots.py), parsed once per
    process and rendering, from the cache while it is current."""
    return _cached(arxiv_id, variant, render, lambda content: skeleton_parse(content.decode()))


def _cached[T](
    arxiv_id: str, variant: str, render: Callable[[], str], load: Callable[[bytes], T]
) -> T:
    page_key = f"paper-page:{arxiv_id}:{variant}"
    try:
        token = cache.get(_token_key(arxiv_id))
        if token is not None:
            if (value := local_pages.get(page_key, token)) is not None:
                return value
            stored = cache.get(page_key)
            if stored is not None and stored[0] == token:
                value = load(stored[1])
                local_pages.put(page_key, token, value, len(stored[1]))
                return value
        else:
            token = _current_token(arxiv_id)
    except Exception:
        # Without the token nothing kept can be trusted to be current: render afresh.
        logger.warning("page rendered without the cache: the cache failed", exc_info=True)
        return load(render().encode())
    content = render().encode()
    try:
        cache.set(page_key, (token, content), timeout=PAGE_TIMEOUT)
    except Exception:
        logger.warning("page not cached: the cache failed", exc_info=True)
    value = load(content)
    local_pages.put(page_key, token, value, len(content))
    return value


def _tokens_replace(arxiv_ids: list[str]) -> None:
    cache.set_many({_token_key(i): uuid.uuid4().hex for i in arxiv_ids}, timeout=None)


def paper_pages_invalidate(arxiv_ids: Iterable[str]) -> None:
    """Drop cached renderings of these papers once the current transaction commits. When
    the cache fails then, the papers are recorded for ``page_refreshes_replay``."""
    ids = sorted(set(arxiv_ids))
    if not ids:
        return

    def replace_tokens() -> None:
        try:
            _tokens_replace(ids)
        except Exception:
            logger.warning("page refresh deferred: the cache failed", exc_info=True)
            _pending_remember(ids)

    on_commit(replace_tokens)


def _pending_remember(arxiv_ids: list[str]) -> None:
    PendingPageRefresh.objects.bulk_create(
        [PendingPageRefresh(arxiv_id=arxiv_id) for arxiv_id in arxiv_ids], ignore_conflicts=True
    )


def page_refreshes_replay(batch: int = 1000) -> int:
    """Refresh the pages of changes the cache missed (oldest first); how many were. Raises
    while the cache still fails, keeping them for the next run."""
    done = 0
    while True:
        # Taken off the list before the tokens change: a change failing meanwhile is
        # recorded afresh instead of merging into a row about to go.
        with transaction.atomic():
            pending = list(
                PendingPageRefresh.objects.select_for_update(skip_locked=True).values_list(
                    "pk", "arxiv_id"
                )[:batch]
            )
            PendingPageRefresh.objects.filter(pk__in=[pk for pk, _ in pending]).delete()
        if not pending:
            return done
        ids = [arxiv_id for _, arxiv_id in pending]
        try:
            _tokens_replace(ids)
        except Exception:
            _pending_remember(ids)
            raise
        done += len(ids)
