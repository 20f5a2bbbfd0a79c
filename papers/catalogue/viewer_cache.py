"""Each signed-in viewer's own pages, kept in process memory while nothing they show has
changed: the paper page (papers/catalogue/member_page.py) and lists built from the viewer's
own data (``kept_viewer_page``: notifications, collections).

A viewer's page is the shared rendering (papers/catalogue/member_page.py) filled with their
state. It is kept, with the CSRF token left as a mark, under two tokens: the paper's page
token (papers/catalogue/page_cache.py: any change to the paper) and the viewer's own token,
replaced once any change to what the page shows of them commits: their votes, saves,
collections, reactions, reviews, comments, helpful marks, reports, notifications and
account (model signals here, and ``viewers_changed`` where services write in bulk). Both
tokens are read in one round trip; a kept page is served with a fresh CSRF token.

Kept pages also expire within ``VIEWER_PAGE_SECONDS``, which bounds what a change the cache
failed to record could leave, and a viewer whose comments are still editable is not kept
(the edit controls end with a time, not a change).
"""

import logging
import time
import uuid
from collections.abc import Callable, Iterable

from django.db.transaction import on_commit
from django.http import HttpRequest
from django.middleware.csrf import get_token

from papers.catalogue.page_cache import _LocalPages, _token_key, cache
from papers.catalogue.page_slots import csrf_mark

logger = logging.getLogger(__name__)

VIEWER_PAGE_SECONDS = 60
LOCAL_VIEWER_PAGES_BYTES = 32 * 1024 * 1024
local_viewer_pages = _LocalPages(LOCAL_VIEWER_PAGES_BYTES)


def _viewer_key(user_id: int) -> str:
    return f"viewer-token:{user_id}"


def viewer_page_token(arxiv_id: str, user_id: int) -> str | None:
    """What a kept page of this viewer and paper must carry to be current: the paper's and
    the viewer's tokens and the time window, read in one round trip (created when missing,
    before the state is read, like every token a rendering is kept under). None when the
    cache fails: then nothing kept is served."""
    return _current((_token_key(arxiv_id), _viewer_key(user_id)))


def kept_page(key: str, token: str | None) -> tuple[str, ...] | None:
    return None if token is None else local_viewer_pages.get(key, token)


def keep_page(key: str, token: str | None, parts: tuple[str, ...]) -> None:
    if token is not None:
        local_viewer_pages.put(key, token, parts, sum(len(part) for part in parts))


def viewers_changed(user_ids: Iterable[int | None]) -> None:
    """Replace these viewers' tokens once the current transaction commits."""
    ids = sorted({user_id for user_id in user_ids if user_id is not None})
    if not ids:
        return

    def replace_tokens() -> None:
        try:
            cache.set_many({_viewer_key(i): uuid.uuid4().hex for i in ids}, timeout=None)
        except Exception:
            # Kept pages expire within VIEWER_PAGE_SECONDS; this process forgets its own now.
            logger.warning("viewer tokens not replaced: the cache failed", exc_info=True)
            local_viewer_pages.clear()

    on_commit(replace_tokens)


# --- Lists of the viewer's own data -------------------------------------------------------


def viewer_dependency(user_id: int) -> str:
    """What a kept page names to follow a person's changes (their name, their items)."""
    return _viewer_key(user_id)


def paper_dependency(arxiv_id: str) -> str:
    """What a kept page names to follow a paper's changes (its title, its counts)."""
    return _token_key(arxiv_id)


def _current(keys: tuple[str, ...]) -> str | None:
    """The tokens of these keys and the time window, in one round trip (missing ones are
    created); None when the cache fails."""
    try:
        found = cache.get_many(list(keys))
        for key in set(keys) - found.keys():
            new = uuid.uuid4().hex
            # Another request may have created it a moment ago: then theirs is current.
            found[key] = new if cache.add(key, new, timeout=None) else cache.get(key)
    except Exception:
        logger.warning("kept page tokens unavailable: the cache failed", exc_info=True)
        return None
    window = int(time.time() // VIEWER_PAGE_SECONDS)
    return ":".join([*(str(found[key]) for key in keys), str(window)])


def kept_viewer_page(
    request: HttpRequest, name: str, build: Callable[[str], tuple[str, Iterable[str]]]
) -> str:
    """The page ``build`` renders for the signed-in viewer (``request.user``, verified), kept
    while the viewer's token, the tokens of what it depends on and the time window stay.

    ``build(csrf)`` renders with ``csrf`` as its CSRF token and returns the page and the
    dependencies it showed (``paper_dependency``, ``viewer_dependency``). They are read after
    it rendered: a change committed while it ran may stay unseen for one time window at
    most, as a token lost while the cache failed does.
    """
    key = f"{name}:{request.user.pk}:{request.get_full_path()}"
    if (stored := local_viewer_pages.peek(key)) is not None:
        token, (keys, parts) = stored
        if _current(keys) == token:
            return get_token(request).join(parts)
    viewer = (_viewer_key(request.user.pk),)
    before = _current(viewer)
    mark = csrf_mark()
    html, dependencies = build(mark)
    parts = tuple(html.split(mark))
    keys = viewer + tuple(sorted(set(dependencies) - set(viewer)))
    after = _current(keys)
    # Kept only if the viewer's own token held while it rendered.
    if before is not None and after is not None and after.startswith(before.rsplit(":", 1)[0]):
        local_viewer_pages.put(key, after, (keys, parts), len(html))
    return get_token(request).join(parts)
