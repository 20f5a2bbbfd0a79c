"""The search page: ranked results that follow the typing, and arXiv ids that open papers."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe
from django_htmx.http import HttpResponseClientRedirect

from .search import (
    PAGE_SIZE,
    SearchForm,
    paper_for_arxiv_id,
    paper_search,
    search_arxiv_id,
    search_page_papers,
)


def _render(request: HttpRequest, context: dict, *, status: int = 200) -> HttpResponse:
    # History restores need the whole page; other htmx requests swap in just the results.
    fragment = request.htmx and not request.htmx.history_restore_request
    template = "papers/search.html#results" if fragment else "papers/search.html"
    # htmx swaps only 2xx answers by default: a message about a bad filter comes back as 200.
    response = render(request, template, context, status=200 if fragment else status)
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

    page = None
    if missing_id is None and (params.q or params.is_filtered):
        paginator = Paginator(paper_search(params), PAGE_SIZE)
        page = paginator.get_page(form.cleaned_data["page"])
        page.object_list = search_page_papers(page.object_list)
    context = {"form": form, "params": params, "page": page, "missing_id": missing_id}
    return _render(request, context)
