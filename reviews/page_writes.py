"""What every review, discussion and report page view shares: finding the paper, sending
anonymous visitors to log in and back, the write limit, and the plain-form answers."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from papers.catalogue import selectors as paper_selectors
from papers.catalogue.views import paper_page_context
from papers.models import Paper
from papers.ratelimits import write_limited

TEXT = "text/plain; charset=utf-8"


def text_response(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type=TEXT)


def paper_for_write(arxiv_id: str) -> Paper:
    """The paper named in the URL (Http404 if malformed or unknown), with the fields the
    review and discussion blocks show."""
    paper = paper_selectors.paper_or_404(arxiv_id)
    return Paper.objects.only(
        "pk", "arxiv_id", "version", "review_count", "comment_count", "title"
    ).get(pk=paper.pk)


def login_first(request: HttpRequest, paper: Paper, *, intent: str = "", anchor: str = ""):
    next_url = paper.get_absolute_url() + (f"?intent={intent}" if intent else "") + anchor
    return redirect_to_login(next_url, settings.LOGIN_URL)


def see_other(url: str) -> HttpResponse:
    # 303: the browser follows with a GET, never a re-POST.
    response = HttpResponse(status=303)
    response["Location"] = url
    return response


def full_page(request: HttpRequest, paper: Paper, *, status: int = 200, **extra) -> HttpResponse:
    """The whole paper page for this viewer, with a form or state carried in ``extra``."""
    full = paper_selectors.paper_get(arxiv_id=paper.arxiv_id, viewer=request.user)
    context = paper_page_context(request, full, **extra)
    return render(request, "papers/detail.html", context, status=status)


def paper_write(*, anchor: str, intent: str = "") -> Callable:
    """For views that act on a paper's reviews or discussion: the view gets the paper
    instead of its id; anonymous visitors go to log in and come back to ``anchor``
    (formatted with the URL's arguments, e.g. "#comment-{pk}"); posts count against the
    signed-in user's write limit."""

    def decorate(view: Callable) -> Callable:
        limited = write_limited(view)

        @wraps(view)
        def wrapper(request: HttpRequest, arxiv_id: str, **kwargs) -> HttpResponse:
            paper = paper_for_write(arxiv_id)
            if not request.user.is_authenticated:
                return login_first(request, paper, intent=intent, anchor=anchor.format(**kwargs))
            return limited(request, paper, **kwargs)

        return wrapper

    return decorate
