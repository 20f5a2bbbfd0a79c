"""The search page: ranked results that follow the typing, and arXiv ids that open papers.

Anonymous result pages are cached for ``SEARCH_CACHE_SECONDS`` under their normalised
parameters: the same few searches come back again and again, and a common word matches
thousands of papers that would otherwise be ranked anew each time. A new paper shows up in
them within that time; signed-in visitors always get a fresh ranking.
"""

import hashlib

from django.core.cache import cache
from django.core.paginator import Page
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe
from django_htmx.http import HttpResponseClientRedirect

from papers.catalogue.page_cache import card_tokens
from papers.catalogue.search import (
    SearchForm,
    paper_for_arxiv_id,
    search_arxiv_id,
)
from papers.catalogue.search_pages import search_results_page
from papers.catalogue.viewer_cache import session_viewer
from papers.catalogue.viewer_nav import render_for_viewer, shared_renderings

SEARCH_CACHE_SECONDS = 2 * 60


def _is_fragment(request: HttpRequest) -> bool:
    # History restores need the whole page; other htmx requests swap in just the results.
    return bool(request.htmx and not request.htmx.history_restore_request)


def _cache_key(request: HttpRequest, form: SearchForm) -> str:
    params = sorted((name, str(value)) for name, value in form.cleaned_data.items())
    digest = hashlib.sha256(repr((params, _is_fragment(request))).encode()).hexdigest()
    return f"search-page:{digest}"


def _rendering_key(request: HttpRequest, page: Page | None, tokens: dict[str, str]) -> str | None:
    """What a page of results is rendered from, whoever asks: the address (the form's values
    and the pages' links), the ranked rows, their number and their cards' tokens. None when a
    card's token is missing (the cache failed): then it is rendered afresh."""
    if page is None:
        return None
    rows = [(card.pk, tokens.get(card.arxiv_id)) for card in page.object_list]
    if any(token is None for _, token in rows):
        return None
    inputs = (request.get_full_path(), _is_fragment(request), page.paginator.count, rows)
    return "search:" + hashlib.sha256(repr(inputs).encode()).hexdigest()


def _render(request: HttpRequest, context: dict, *, status: int = 200) -> HttpResponse:
    """The page or (htmx) its results. A page of results is rendered once per process for
    the rows a ranking found (``_rendering_key``): the ranking itself runs every time."""
    key = _rendering_key(request, context.get("page"), context.get("card_tokens") or {})
    if _is_fragment(request):
        # Nothing in the results is the viewer's own. htmx swaps only 2xx answers by default:
        # a message about a bad filter comes back as 200.
        html = shared_renderings.get(key, "") if key else None
        if html is None:
            html = render_to_string("papers/search.html#results", context, request)
            if key:
                shared_renderings.put(key, "", html, len(html))
        response = HttpResponse(html)
    elif (
        html := render_for_viewer(request, "papers/search.html", context, shared_key=key)
    ) is not None:
        # Signed in: the page every signed-in viewer sees with their navigation filled in.
        response = HttpResponse(html, status=status)
    else:
        response = render(request, "papers/search.html", context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    if not form.is_valid():
        return _render(request, {"form": form, "page": None}, status=400)

    params = form.params()
    missing_id = None
    if arxiv_id := search_arxiv_id(params.q):
        paper = paper_for_arxiv_id(arxiv_id)
        if paper is not None:
            url = paper.get_absolute_url()
            # htmx would follow a 302 inside the request; HX-Redirect makes the browser go.
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        missing_id = arxiv_id.id

    if missing_id is not None or not (params.q or params.is_filtered):
        context = {"form": form, "params": params, "page": None, "missing_id": missing_id}
        return _render(request, context)
    # A session that signs someone in (verified or not) never shares a cached page.
    key = None if session_viewer(request) is not None else _cache_key(request, form)
    if key and (content := cache.get(key)) is not None:
        response = HttpResponse(content)
        patch_vary_headers(response, ["HX-Request"])
        return response
    page = search_results_page(params, form.cleaned_data["page"])
    context = {"form": form, "params": params, "page": page}
    response = _render(request, context | {"card_tokens": card_tokens(page.object_list)})
    if key:
        cache.set(key, response.content, SEARCH_CACHE_SECONDS)
    return response
