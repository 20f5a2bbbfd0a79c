"""Curation writes from the paper page: HTMX swaps the block, plain forms redirect back."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from .arxiv.ids import InvalidArxivId, parse_arxiv_id
from .models import Paper
from .services.votes import vote_toggle
from .views import VOTE_INTENTS, next_steps_context

BAD_VOTE = "Choose “like” or “dislike”."
TEXT = "text/plain; charset=utf-8"


def write_rate(group: str, request: HttpRequest) -> str:
    """The per-user write limit, read per request so that a changed setting applies at once."""
    return settings.WRITE_RATE_LIMIT


def _paper_or_404(arxiv_id: str) -> Paper | HttpResponse:
    try:
        parsed = parse_arxiv_id(arxiv_id)
    except InvalidArxivId as exc:
        return HttpResponse(str(exc), status=404, content_type=TEXT)
    fields = ("pk", "arxiv_id", "like_count", "dislike_count")
    found = Paper.objects.only(*fields).filter(arxiv_id=parsed.id).first()
    if found is None:
        return HttpResponse(f"No paper arXiv:{parsed.id} here.", status=404, content_type=TEXT)
    return found


@require_POST
def paper_vote(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    value = request.POST.get("value", "")
    if not request.user.is_authenticated:
        # Keep what the visitor asked for, so the page can offer it again after log-in.
        parsed = _paper_or_404(arxiv_id)
        if isinstance(parsed, HttpResponse):
            return parsed
        next_url = parsed.get_absolute_url()
        if value in VOTE_INTENTS:
            next_url += f"?intent={value}"
        return redirect_to_login(next_url, settings.LOGIN_URL)
    return _signed_in_vote(request, arxiv_id, value)


@ratelimit(key="user", rate=write_rate, method="POST", block=True)
def _signed_in_vote(request: HttpRequest, arxiv_id: str, value: str) -> HttpResponse:
    if value not in VOTE_INTENTS:
        return HttpResponseBadRequest(BAD_VOTE, content_type=TEXT)
    paper = _paper_or_404(arxiv_id)
    if isinstance(paper, HttpResponse):
        return paper
    state = vote_toggle(user=request.user, paper=paper, value=VOTE_INTENTS[value])
    if not request.htmx:
        # 303: the browser follows with a GET of the paper page, never a re-POST.
        return _see_other(paper)
    paper.like_count, paper.dislike_count = state.likes, state.dislikes
    context = next_steps_context(paper, my_vote=state.my_vote)
    return render(request, "papers/detail.html#next-steps", context)


def _see_other(paper: Paper) -> HttpResponse:
    response = HttpResponse(status=303)
    response["Location"] = paper.get_absolute_url()
    return response
