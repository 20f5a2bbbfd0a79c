"""Curation writes from the paper page: votes, saves and reactions.

HTMX requests get the curation blocks back (next steps, reading frame, reactions) with the
page's save count swapped out of band; plain form posts are redirected back to the paper
with 303. Anonymous posts go to log-in and return to the paper with the intended action
named (papers/intents.py), so it is never silently lost.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from papers.catalogue import selectors
from papers.catalogue.page import curation_context, paper_page_context
from papers.curation.collections import CollectionNotFound, collection_create, collection_for_owner
from papers.curation.intents import VOTE_INTENTS
from papers.curation.reaction_kinds import REACTION_INFO
from papers.curation.reactions import reaction_toggle
from papers.curation.saves import paper_save, paper_unsave, save_toggle
from papers.curation.votes import vote_toggle
from papers.models import Paper
from papers.web import (
    TEXT,
    login_first,
    paper_or_text_404,
    see_other,
    text_response,
    write_limited,
)

BAD_VOTE = "Choose “like” or “dislike”."
BAD_REACTION = "Choose one of the listed reactions."
BAD_SAVE = "Choose one of your collections, and whether to add the paper or take it out."


def _login_first(arxiv_id: str, intent: str) -> HttpResponse:
    paper = paper_or_text_404(arxiv_id)
    if isinstance(paper, HttpResponse):
        return paper
    return login_first(paper, intent=intent)


def _curation_blocks(request: HttpRequest, paper: Paper, *, status: int = 200, **extra):
    """The curation blocks, fresh from the database, plus the page's save count (out of band)."""
    fresh = selectors.paper_for_curation(arxiv_id=paper.arxiv_id, viewer=request.user)
    context = curation_context(fresh, viewer=request.user, my_vote=fresh.my_vote, **extra)
    blocks = render_to_string("papers/detail.html#curation", context, request)
    saves = render_to_string("papers/detail.html#save-count", {"paper": fresh, "oob": True})
    return HttpResponse(blocks + saves, status=status)


def _done(request: HttpRequest, paper: Paper, **extra) -> HttpResponse:
    if request.htmx:
        return _curation_blocks(request, paper, **extra)
    return see_other(paper.get_absolute_url())


@require_POST
def paper_vote(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    value = request.POST.get("value", "")
    if not request.user.is_authenticated:
        return _login_first(arxiv_id, value if value in VOTE_INTENTS else "")
    return _signed_in_vote(request, arxiv_id, value)


@write_limited
def _signed_in_vote(request: HttpRequest, arxiv_id: str, value: str) -> HttpResponse:
    if value not in VOTE_INTENTS:
        return HttpResponseBadRequest(BAD_VOTE, content_type=TEXT)
    paper = paper_or_text_404(arxiv_id)
    if isinstance(paper, HttpResponse):
        return paper
    vote_toggle(user=request.user, paper=paper, value=VOTE_INTENTS[value])
    return _done(request, paper)


@require_POST
def paper_react(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    kind = request.POST.get("kind", "")
    if not request.user.is_authenticated:
        return _login_first(arxiv_id, kind if kind in REACTION_INFO else "")
    return _signed_in_react(request, arxiv_id, kind)


@write_limited
def _signed_in_react(request: HttpRequest, arxiv_id: str, kind: str) -> HttpResponse:
    if kind not in REACTION_INFO:
        return HttpResponseBadRequest(BAD_REACTION, content_type=TEXT)
    paper = paper_or_text_404(arxiv_id)
    if isinstance(paper, HttpResponse):
        return paper
    reaction_toggle(user=request.user, paper=paper, kind=kind)
    return _done(request, paper)


@require_POST
def paper_save_view(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """One-click save (no fields), add to or remove from a collection (``collection`` and
    ``action``), or create a collection and save into it (``new_collection``)."""
    if not request.user.is_authenticated:
        return _login_first(arxiv_id, "save")
    return _signed_in_save(request, arxiv_id)


@write_limited
def _signed_in_save(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    paper = paper_or_text_404(arxiv_id)
    if isinstance(paper, HttpResponse):
        return paper
    user, data = request.user, request.POST
    if "new_collection" in data:
        return _save_into_new(request, paper)
    if "collection" not in data:
        save_toggle(user=user, paper=paper)
        return _done(request, paper)

    action = data.get("action", "")
    try:
        collection = collection_for_owner(user, int(data["collection"]))
    except (ValueError, CollectionNotFound):
        # Someone else's collection is as unknown as one that does not exist.
        return text_response("No such collection of yours.", 404)
    if action not in ("add", "remove"):
        return HttpResponseBadRequest(BAD_SAVE, content_type=TEXT)
    if action == "add":
        paper_save(user=user, paper=paper, collection=collection)
    else:
        paper_unsave(user=user, paper=paper, collection=collection)
    return _done(request, paper, chooser_open=True)


def _save_into_new(request: HttpRequest, paper: Paper) -> HttpResponse:
    name = request.POST.get("new_collection", "")
    public = request.POST.get("public") == "on"
    try:
        with transaction.atomic():
            collection = collection_create(owner=request.user, name=name, is_public=public)
            paper_save(user=request.user, paper=paper, collection=collection)
    except ValidationError as exc:
        # The form comes back with the message and what was typed, nothing lost.
        error = " ".join(exc.message_dict.get("name", exc.messages))
        kept = {
            "chooser_open": True,
            "save_error": error,
            "new_collection_name": name[:500],
            "new_collection_public": public,
        }
        if request.htmx:
            # 200 so htmx swaps the block in; the error sits next to the field.
            return _curation_blocks(request, paper, **kept)
        full = selectors.paper_get(arxiv_id=paper.arxiv_id, viewer=request.user)
        context = paper_page_context(request, full, **kept)
        return render(request, "papers/detail.html", context, status=400)
    return _done(request, paper, chooser_open=True)
