"""The paper page for a signed-in viewer, from a rendering shared by every signed-in viewer.

The shared rendering (the skeleton) is the page as a curator with nothing of their own on
the paper sees it, with slots (papers/catalogue/page_slots.py) where viewers differ; it is
cached under the paper's exact-invalidation token like the anonymous page. Each request
reads the viewer's own state in one query (papers/catalogue/viewer_state.py), whatever the
size of the discussion, and fills the slots:

- the navigation: their name, their unread notifications;
- the curation block: their vote, save state, collections, reactions (after log-in with an
  intent, the whole block, rendered for them);
- their own reviews and comments, rendered for them (edit, delete; their review first);
- the helpful toggles they pressed and the report controls of what they reported;
- the CSRF token.

A viewer with an item a moderator hid (which only they may see) gets the page rendered
whole, as does any request carrying a form or an open state (papers/catalogue/views.py).

The filled page is kept in process memory for the next request of the same viewer, until
the paper or anything of the viewer's changes (papers/catalogue/viewer_cache.py): the
fills carry the CSRF mark, replaced by a fresh token on every request. A kept page is found
from the session alone, without loading the user: it is kept under the user's id and the
session's authentication hash, and only by a request whose user Django has verified
against that hash; a change of password, of the active state or any other change to the
account replaces the viewer's token, so the next request verifies the session again.
"""

from types import SimpleNamespace
from typing import NamedTuple

from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse

from papers.catalogue import selectors
from papers.catalogue.page import curation_context, paper_detail_context
from papers.catalogue.page_cache import cached_skeleton
from papers.catalogue.page_slots import (
    CSRF_SLOT,
    SOMEONE_SIGNED_IN,
    Fill,
    Skeleton,
    csrf_mark,
    skeleton_fill,
)
from papers.catalogue.selectors import PaperCuration
from papers.catalogue.viewer_cache import keep_page, kept_page, viewer_page_token
from papers.catalogue.viewer_state import ITEM_KINDS, ViewerState, viewer_state
from papers.curation.reaction_kinds import REACTION_KINDS
from papers.curation.reactions import ReactionTally
from papers.models import Collection, Paper
from reviews.discussion.selectors import CommentNode, viewer_comments
from reviews.page_blocks import comment_form_choices, paper_blocks_context
from reviews.reviews.selectors import paper_reviews


def session_viewer_id(request: HttpRequest) -> int | None:
    """The id of the user the session is signed in as (not yet verified), or None."""
    user_id = request.session.get(SESSION_KEY)
    return None if user_id is None else int(user_id)


class MemberPage(NamedTuple):
    html: str
    kept: bool  # served as kept from the viewer's last visit


def member_page(
    request: HttpRequest, arxiv_id: str, *, intent: str = "", show_all: bool = False
) -> MemberPage | None:
    """The page for this signed-in viewer, or None when it must be rendered whole (no such
    paper, the viewer has hidden items on it, or the session signs no one in)."""
    user_id, session_hash = session_viewer_id(request), request.session.get(HASH_SESSION_KEY)
    variant = "member-all" if show_all else "member"
    key = f"{user_id}:{session_hash}:{arxiv_id}:{variant}"
    kept_token = None
    if user_id is not None and session_hash and not intent:
        kept_token = viewer_page_token(arxiv_id, user_id)
        if (parts := kept_page(key, kept_token)) is not None:
            return MemberPage(get_token(request).join(parts), kept=True)

    viewer = request.user  # loaded and checked against the session here
    if not viewer.is_authenticated or viewer.pk != user_id:
        return None
    state = viewer_state(arxiv_id=arxiv_id, viewer=viewer)
    if state is None or state.hidden_mine:
        return None
    skeleton = cached_skeleton(arxiv_id, variant, lambda: _skeleton(arxiv_id, show_all=show_all))
    # Every fill carries the CSRF mark: the page is kept with it, and each request puts in
    # a token of its own.
    mark = csrf_mark()
    fills: dict[str, Fill] = {CSRF_SLOT: mark}
    fills.update(_navigation_fills(viewer, state, mark))
    if intent:
        # Rare (once, after log-in): the whole block, with the intended button marked.
        fills["curation"] = _curation_block(request, arxiv_id, intent, mark)
    else:
        fills.update(_curation_fills(arxiv_id, state, mark))
    fills.update(_item_fills(request, arxiv_id, state, skeleton, mark))
    parts = tuple(skeleton_fill(skeleton, fills).split(mark))
    # Their comments' edit controls end with a time, not with a change: not kept. The key
    # names the session's hash as Django verified it for this request.
    if not state.mine["comment"] and session_hash == request.session.get(HASH_SESSION_KEY):
        keep_page(key, kept_token, parts)
    return MemberPage(get_token(request).join(parts), kept=False)


def _skeleton(arxiv_id: str, *, show_all: bool) -> str:
    paper = selectors.paper_get(arxiv_id=arxiv_id)
    context = (
        paper_detail_context(paper)
        | curation_context(paper)
        | paper_blocks_context(paper, None, show_all=show_all)
        | {"user": SOMEONE_SIGNED_IN, "page_skeleton": True, "csrf_token": csrf_mark()}
    )
    return render_to_string("papers/detail.html", context)


def _navigation_fills(viewer, state: ViewerState, token: str) -> dict[str, Fill]:
    fills: dict[str, Fill] = {
        "nav-user": render_to_string("base.html#nav-user", {"user": viewer, "csrf_token": token})
    }
    if state.unread:
        context = {"notifications_unread": state.unread}
        fills["nav-notifications"] = render_to_string("base.html#nav-notifications", context)
    return fills


def _my_curation(state: ViewerState) -> PaperCuration:
    """The viewer's side of the curation block; the counts are the skeleton's."""
    collections = []
    for choice in state.collections:
        collection = Collection(
            pk=choice.pk, name=choice.name, is_public=choice.is_public, is_default=choice.is_default
        )
        collection.has_paper = choice.has_paper
        collections.append(collection)
    reactions = [ReactionTally(kind, 0, kind.code in state.reactions) for kind in REACTION_KINDS]
    return PaperCuration(
        reactions=reactions,
        public_collections=[],
        public_collection_count=0,
        my_collections=collections,
    )


def _curation_fills(arxiv_id: str, state: ViewerState, token: str) -> dict[str, Fill]:
    curation = _my_curation(state)
    fills: dict[str, Fill] = {
        "vote-like": "true" if state.my_vote == 1 else "false",
        "vote-dislike": "true" if state.my_vote == -1 else "false",
    }
    for code in state.reactions:
        fills[f"reaction:{code}"] = "true"
    if curation.in_default:
        fills["save-toggle"] = render_to_string(
            "papers/detail.html#save-toggle", {"curation": curation}
        )
    if curation.my_collections:
        context = {
            "curation": curation,
            "save_url": reverse("papers:save", args=[arxiv_id]),
            "csrf_token": token,
        }
        fills["collection-choices"] = render_to_string(
            "papers/detail.html#collection-choices", context
        )
    if state.my_vote or curation.saved_in or state.reactions:
        context = {"curation": curation, "my_vote": state.my_vote}
        fills["frame-mine"] = render_to_string("papers/detail.html#frame-mine", context)
    return fills


def _curation_block(request: HttpRequest, arxiv_id: str, intent: str, mark: str) -> str:
    paper = selectors.paper_row(arxiv_id=arxiv_id, viewer=request.user)
    context = curation_context(paper, viewer=request.user, my_vote=paper.my_vote, intent=intent)
    context["csrf_token"] = mark
    return render_to_string("papers/detail.html#curation", context, request)


def _item_fills(
    request: HttpRequest, arxiv_id: str, state: ViewerState, skeleton: Skeleton, mark: str
) -> dict[str, Fill]:
    fills: dict[str, Fill] = {}
    for kind in ITEM_KINDS:
        for pk in state.helpful[kind]:
            fills[f"helpful-{kind}:{pk}"] = "true"
        for pk in state.reported[kind]:
            context = {"kind": kind, "target": SimpleNamespace(pk=pk), "reported": True}
            control = render_to_string("reviews/report.html#report-control", context)
            fills[f"report-{kind}:{pk}"] = control
    # Their comments the page lists (a long discussion lists its first threads only).
    comments = {pk for pk in state.mine["comment"] if f"comment:{pk}" in skeleton.names}
    if state.mine["review"] or comments:
        # An author's page: their items rendered for them (a few, whatever the discussion),
        # against the paper as the state read it: its id and current version.
        paper = Paper(pk=state.paper_pk, arxiv_id=arxiv_id, version=state.paper_version)
        if state.mine["review"]:
            fills.update(_my_reviews(request, paper, state, skeleton, mark))
        if comments:
            fills.update(_my_comments(request, paper, state, comments, mark))
    return fills


def _my_reviews(
    request: HttpRequest, paper: Paper, state: ViewerState, skeleton: Skeleton, mark: str
) -> dict[str, Fill]:
    reviews = paper_reviews(paper, request.user, pks=state.mine["review"])
    fills: dict[str, Fill] = {f"review:{review.pk}": "" for review in reviews}
    # Their review leads the list even when it is older than the newest shown to everyone:
    # then one fewer is left to show.
    beyond = sum(1 for review in reviews if f"review:{review.pk}" not in skeleton.names)
    more_slot = next((name for name in skeleton.names if name.startswith("reviews-more:")), None)
    if beyond and more_slot:
        context = {"paper": paper, "reviews_more": int(more_slot.split(":")[1]) - beyond}
        fills[more_slot] = render_to_string("reviews/reviews.html#reviews-more", context)
    context = {"paper": paper, "reported_reviews": state.reported["review"], "csrf_token": mark}
    fills["review-mine"] = "".join(
        render_to_string("reviews/reviews.html#review-item", context | {"review": review}, request)
        for review in reviews
    )
    cta = {"paper": paper, "my_review": reviews[0] if reviews else None, "csrf_token": mark}
    fills["reviews-cta"] = render_to_string("reviews/reviews.html#reviews-cta", cta, request)
    return fills


def _my_comments(
    request: HttpRequest, paper: Paper, state: ViewerState, pks: set[int], mark: str
) -> dict[str, Fill]:
    context = {
        "paper": paper,
        "csrf_token": mark,
        "discussion_url": reverse("reviews:discussion", args=[paper.arxiv_id]),
        "reported_comments": state.reported["comment"],
        **comment_form_choices(),
    }
    return {
        f"comment:{comment.pk}": render_to_string(
            "reviews/comment.html#comment-article",
            context | {"comment": comment, "node": CommentNode(comment)},
            request,
        )
        for comment in viewer_comments(paper, request.user, pks)
    }
