"""The HTTP layer every feature's views share: the ``<arxiv:…>`` URL converter, the paper a
write names, sending anonymous visitors to log in and back, the one write limit, and the
answers writes give (303 See Other, plain text for HTMX, the whole page with a form's
errors, 429 when over the limit).
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import register_converter
from django_ratelimit.decorators import ratelimit

from papers.arxiv.ids import URL_PATTERN, ArxivId, InvalidArxivId, parse_arxiv_id
from papers.catalogue import selectors
from papers.catalogue.page import paper_page_context
from papers.models import Paper

TEXT = "text/plain; charset=utf-8"
RATE_LIMITED = "Too many changes in a short time. Wait a minute, then try again."


class ArxivIdConverter:
    """Matches new-style and old-style ids (which contain a slash), optionally versioned."""

    regex = URL_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ArxivIdConverter, "arxiv")


# --- Answers ------------------------------------------------------------------------------------


def text_response(message: str, status: int) -> HttpResponse:
    """A short plain-text answer: what form posts and HTMX swaps get instead of a page."""
    return HttpResponse(message, status=status, content_type=TEXT)


def see_other(url: str) -> HttpResponse:
    # 303: the browser follows with a GET, never a re-POST.
    response = HttpResponse(status=303)
    response["Location"] = url
    return response


def login_first(paper: Paper, *, intent: str = "", anchor: str = "") -> HttpResponse:
    """Send an anonymous visitor to log in, back to the paper with what they wanted (and
    with every item listed when they wanted one review or comment)."""
    query = [f"intent={intent}"] if intent else []
    if intent and not anchor:
        # Back at the curation block, where the button they pressed is marked, not at the
        # top of a long page.
        anchor = "#curation"
    if anchor.startswith(("#review-", "#comment-")):
        query.append("show=all")
    next_url = paper.get_absolute_url() + ("?" + "&".join(query) if query else "") + anchor
    return redirect_to_login(next_url, settings.LOGIN_URL)


def full_page(request: HttpRequest, paper: Paper, *, status: int = 200, **extra) -> HttpResponse:
    """The whole paper page for this viewer, with a form or state carried in ``extra``."""
    full = selectors.paper_get(arxiv_id=paper.arxiv_id, viewer=request.user)
    context = paper_page_context(request, full, **extra)
    return render(request, "papers/detail.html", context, status=status)


def not_found_page(request: HttpRequest, raw_id: str, reason: str = "") -> HttpResponse:
    """The 404 page for a paper address: why the id is not one, or that we hold no such paper
    (with the offer to add it)."""
    context = {"raw_id": raw_id, "reason": reason}
    return render(request, "papers/not_found.html", context, status=404)


def arxiv_id_or_not_found(request: HttpRequest, raw_id: str) -> ArxivId | HttpResponse:
    """The id a page address names, or the 404 page saying what is wrong with it."""
    try:
        return parse_arxiv_id(raw_id)
    except InvalidArxivId as exc:
        return not_found_page(request, raw_id, reason=str(exc))


def canonical_redirect(
    request: HttpRequest, parsed: ArxivId, raw_id: str, view_name: str
) -> HttpResponse | None:
    """A permanent redirect to the paper's one address (versionless, canonical form, query
    string kept) when the URL used another form of its id; None when it is the address."""
    if str(parsed) == raw_id and not parsed.version:
        return None
    response = redirect(view_name, arxiv_id=parsed.id, permanent=True)
    if request.META.get("QUERY_STRING"):
        response["Location"] += "?" + request.META["QUERY_STRING"]
    return response


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Too many writes in a short time (settings.RATELIMIT_VIEW): a clear 429, as JSON for
    API and JSON callers and as plain text for HTMX."""
    accept = request.headers.get("Accept", "")
    if request.path.startswith("/api/") or "application/json" in accept:
        return JsonResponse({"detail": RATE_LIMITED}, status=429)
    if getattr(request, "htmx", False):
        return text_response(RATE_LIMITED, 429)
    return render(request, "429.html", {"message": RATE_LIMITED}, status=429)


# --- The paper a write names, and who may write -------------------------------------------------


def paper_or_text_404(arxiv_id: str) -> Paper | HttpResponse:
    """The paper, or a short plain-text 404 (these answer posts and swaps, not page visits)."""
    try:
        return selectors.paper_or_404(arxiv_id)
    except Http404 as exc:
        return text_response(str(exc), 404)


def write_rate(group: str, request: HttpRequest) -> str:
    """The limit, read per request so that a changed setting applies at once."""
    return settings.WRITE_RATE_LIMIT


# One per-user budget for every write made through the pages (curation, collections, reviews,
# discussion, the map): moving between forms does not multiply the limit. The API has its own
# throttle on the same setting (papers/api/throttles.py).
write_limited = ratelimit(group="writes", key="user", rate=write_rate, method="POST", block=True)


def paper_for_write(arxiv_id: str) -> Paper:
    """The paper named in the URL (Http404 if malformed or unknown), with the fields the
    review and discussion blocks show."""
    fields = ("pk", "arxiv_id", "version", "review_count", "comment_count", "title")
    return selectors.paper_by_id_or_404(arxiv_id, Paper.objects.only(*fields))


def paper_write(*, anchor: str, intent: str = "") -> Callable:
    """For views that act on a paper's reviews, discussion or map: the view gets the paper
    instead of its id; anonymous visitors go to log in and come back to ``anchor``
    (formatted with the URL's arguments, e.g. "#comment-{pk}"); posts count against the
    signed-in user's write limit."""

    def decorate(view: Callable) -> Callable:
        limited = write_limited(view)

        @wraps(view)
        def wrapper(request: HttpRequest, arxiv_id: str, **kwargs) -> HttpResponse:
            paper = paper_for_write(arxiv_id)
            if not request.user.is_authenticated:
                return login_first(paper, intent=intent, anchor=anchor.format(**kwargs))
            return limited(request, paper, **kwargs)

        return wrapper

    return decorate
