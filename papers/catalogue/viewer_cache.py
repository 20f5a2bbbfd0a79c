"""Each signed-in viewer's own pages, kept in process memory while nothing they show has
changed: the paper page (papers/catalogue/member_page.py) and lists built from the viewer's
own data (``viewer_page_kept`` and ``viewer_page_render``: home, notifications, collections,
profiles).

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

from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.db.transaction import on_commit
from django.http import HttpRequest
from django.middleware.csrf import get_token

from papers.catalogue.page_cache import _LocalPages, _token_key, cache
from papers.catalogue.page_slots import csrf_mark

logger = logging.getLogger(__name__)

VIEWER_PAGE_SECONDS = 60
LOCAL_VIEWER_PAGES_BYTES = 32 * 1024 * 1024
local_viewer_pages = _LocalPages(LOCAL_VIEWER_PAGES_BYTES)


# Tokens of what many viewers' pages show; each replaced on any change to it.
PAPERS_LISTED = "papers-listed-token"
RESEARCH_MAP = "research-map-token"
HIGHLIGHTS = "home-highlights-token"


def _viewer_key(user_id: int) -> str:
    return f"viewer-token:{user_id}"


def _seen_key(user_id: int) -> str:
    return f"seen-token:{user_id}"


def viewer_page_token(arxiv_id: str, user_id: int) -> str | None:
    """What a kept page of this viewer and paper must carry to be current: the paper's and
    the viewer's tokens and the time window, read in one round trip (created when missing,
    before the state is read, like every token a rendering is kept under). None when the
    cache fails: then nothing kept is served."""
    return tokens_current((_token_key(arxiv_id), _viewer_key(user_id)))


def kept_page(key: str, token: str | None) -> tuple[str, ...] | None:
    return None if token is None else local_viewer_pages.get(key, token)


def keep_page(key: str, token: str | None, parts: tuple[str, ...]) -> None:
    if token is not None:
        local_viewer_pages.put(key, token, parts, sum(len(part) for part in parts))


def _tokens_replace(keys: list[str]) -> None:
    """Replace these tokens once the current transaction commits."""

    def replace_tokens() -> None:
        try:
            cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=None)
        except Exception:
            # Kept pages expire within VIEWER_PAGE_SECONDS; this process forgets its own now.
            logger.warning("kept page tokens not replaced: the cache failed", exc_info=True)
            local_viewer_pages.clear()

    on_commit(replace_tokens)


def viewers_changed(user_ids: Iterable[int | None]) -> None:
    """Replace these viewers' tokens once the current transaction commits."""
    ids = sorted({user_id for user_id in user_ids if user_id is not None})
    if ids:
        _tokens_replace([_viewer_key(i) for i in ids])


def viewer_seen_changed(user_id: int) -> None:
    """The viewer opened a paper for the first time in a while (papers/researchmap/seen.py)."""
    _tokens_replace([_seen_key(user_id)])


def papers_listed_changed() -> None:
    """A paper was added, removed or changed: lists of the newest papers may differ."""
    _tokens_replace([PAPERS_LISTED])


def research_map_changed() -> None:
    """Stored neighbours or curators' pins and hides changed: recommendations may differ."""
    _tokens_replace([RESEARCH_MAP])


def highlights_changed() -> None:
    """The home page's trending and latest-per-topic lists were computed afresh."""
    _tokens_replace([HIGHLIGHTS])


# --- Lists of the viewer's own data -------------------------------------------------------


def viewer_dependency(user_id: int) -> str:
    """What a kept page names to follow a person's changes (their name, their items)."""
    return _viewer_key(user_id)


def paper_dependency(arxiv_id: str) -> str:
    """What a kept page names to follow a paper's changes (its title, its counts)."""
    return _token_key(arxiv_id)


def seen_dependency(user_id: int) -> str:
    """What a kept page names to follow the papers a viewer opened."""
    return _seen_key(user_id)


def tokens_current(keys: tuple[str, ...]) -> str | None:
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


def session_viewer(request: HttpRequest) -> tuple[int, str] | None:
    """(user id, authentication hash) the session signs in as, not yet verified; None when
    it signs no one in. Reads the session only, never the user."""
    user_id, session_hash = request.session.get(SESSION_KEY), request.session.get(HASH_SESSION_KEY)
    if user_id is None or not session_hash:
        return None
    return int(user_id), session_hash


def _list_key(name: str, viewer: tuple[int, str], request: HttpRequest) -> str:
    return f"{name}:{viewer[0]}:{viewer[1]}:{request.get_full_path()}"


def viewer_page_kept(request: HttpRequest, name: str) -> str | None:
    """The page ``viewer_page_render`` kept for the session's viewer at this address, when
    everything it showed is unchanged; found from the session alone (no user, no query).

    Whoever may see the page was asked when it was kept: a change to who may see it (the
    owner's or the viewer's account, the collection) replaces a token it depends on."""
    viewer = session_viewer(request)
    if viewer is None:
        return None
    stored = local_viewer_pages.peek(_list_key(name, viewer, request))
    if stored is None:
        return None
    token, (keys, parts) = stored
    if tokens_current(keys) != token:
        return None
    return get_token(request).join(parts)


def viewer_page_render(
    request: HttpRequest, name: str, build: Callable[[str], tuple[str, Iterable[str]]]
) -> str:
    """The page ``build`` renders for the signed-in viewer (``request.user``), kept for
    ``viewer_page_kept`` while the viewer's token, the tokens of what it depends on and the
    time window stay.

    ``build(csrf)`` renders with ``csrf`` as its CSRF token and returns the page and the
    dependencies it showed (``paper_dependency``, ``viewer_dependency``...). They are read
    after it rendered: a change committed while it ran may stay unseen for one time window
    at most, as a token lost while the cache failed does.
    """
    viewer = session_viewer(request)
    user = request.user  # loaded and checked against the session here
    mark = csrf_mark()
    if viewer is None or not user.is_authenticated or user.pk != viewer[0]:
        return get_token(request).join(build(mark)[0].split(mark))
    own = (_viewer_key(user.pk),)
    before = tokens_current(own)
    html, dependencies = build(mark)
    parts = tuple(html.split(mark))
    keys = own + tuple(sorted(set(dependencies) - set(own)))
    after = tokens_current(keys)
    # Kept only if the viewer's own token held while it rendered, under the session's hash
    # as Django verified it for this request.
    held = before is not None and after is not None and after.startswith(before.rsplit(":", 1)[0])
    if held and viewer[1] == request.session.get(HASH_SESSION_KEY):
        local_viewer_pages.put(_list_key(name, viewer, request), after, (keys, parts), len(html))
    return get_token(request).join(parts)
