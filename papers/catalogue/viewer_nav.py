"""A signed-in viewer's navigation (their name and log-out form, their unread notifications)
kept for pages rendered afresh on every request, such as search results.

Such a page is rendered as every signed-in viewer sees it (a skeleton, as the paper page's:
papers/catalogue/page_slots.py), with the navigation's slots (``{% slot %}`` in base.html)
filled from here: the viewer's part is rendered once and kept
in process memory under their token (papers/catalogue/viewer_cache.py), which any change to
their account or notifications replaces. A kept navigation is found from the session alone,
so such a page loads neither the user nor their unread count.
"""

from django.contrib.auth import HASH_SESSION_KEY
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string

from accounts.notifications.services import notifications_unread_count
from papers.catalogue.page_cache import _LocalPages
from papers.catalogue.page_slots import (
    CSRF_SLOT,
    SOMEONE_SIGNED_IN,
    csrf_mark,
    skeleton_fill,
    skeleton_parse,
)
from papers.catalogue.viewer_cache import (
    local_viewer_pages,
    session_viewer,
    tokens_current,
    viewer_dependency,
)

# Shared renderings of pages rendered for signed-in viewers, under keys naming all they
# depend on (a search: its address, the ranked rows, their number and the cards' tokens).
SHARED_RENDERINGS_BYTES = 16 * 1024 * 1024
shared_renderings = _LocalPages(SHARED_RENDERINGS_BYTES)


def viewer_navigation(request: HttpRequest) -> dict[str, str] | None:
    """The navigation slots' HTML for the session's viewer, with the CSRF mark in place of
    the token; None when the session signs no one in (then render for ``request.user``)."""
    viewer = session_viewer(request)
    if viewer is None:
        return None
    key = f"navigation:{viewer[0]}:{viewer[1]}"
    token = tokens_current((viewer_dependency(viewer[0]),))
    if token is not None and (fills := local_viewer_pages.get(key, token)) is not None:
        return fills
    user = request.user  # loaded and checked against the session here
    if not user.is_authenticated or user.pk != viewer[0]:
        return None
    mark = csrf_mark()
    unread = notifications_unread_count(user=user)
    fills = {
        "nav-user": render_to_string("base.html#nav-user", {"user": user, "csrf_token": mark}),
        "nav-notifications": render_to_string(
            "base.html#nav-notifications", {"notifications_unread": unread}
        ),
    }
    if token is not None and viewer[1] == request.session.get(HASH_SESSION_KEY):
        local_viewer_pages.put(key, token, fills, sum(len(html) for html in fills.values()))
    return fills


def render_for_viewer(
    request: HttpRequest, template: str, context: dict, *, shared_key: str | None = None
) -> str | None:
    """``template`` rendered for the session's signed-in viewer: the page as every signed-in
    viewer sees it, with their navigation and CSRF token filled in; None when the session
    signs no one in (then render it for ``request.user``).

    ``shared_key`` names everything the shared rendering depends on (the caller hashes its
    inputs into it): then it is rendered once per process and key, and kept."""
    fills = viewer_navigation(request)
    if fills is None:
        return None
    skeleton = shared_renderings.get(shared_key, "") if shared_key else None
    if skeleton is None:
        shared = {
            "user": SOMEONE_SIGNED_IN,
            "notifications_unread": None,
            "page_skeleton": True,
            "csrf_token": csrf_mark(),
        }
        html = render_to_string(template, context | shared, request)
        skeleton = skeleton_parse(html)
        if shared_key:
            shared_renderings.put(shared_key, "", skeleton, len(html))
    token = get_token(request)
    mine = {name: html.replace(csrf_mark(), token) for name, html in fills.items()}
    return skeleton_fill(skeleton, mine | {CSRF_SLOT: token})
