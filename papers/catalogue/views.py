from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from papers.catalogue import browse, selectors
from papers.catalogue.bibtex import paper_bibtex
from papers.catalogue.member_page import member_page, session_viewer_id
from papers.catalogue.page import paper_page_context
from papers.catalogue.page_cache import cached_page, card_tokens
from papers.catalogue.viewer_cache import (
    HIGHLIGHTS,
    PAPERS_LISTED,
    RESEARCH_MAP,
    paper_dependency,
    seen_dependency,
    viewer_page_kept,
    viewer_page_render,
)
from papers.models import Paper
from papers.researchmap.for_you import papers_for_you
from papers.researchmap.seen import seen_record
from papers.web import arxiv_id_or_not_found, canonical_redirect, not_found_page

HOME_PAGE_SIZE = 25
# The element the home page's Trending and Latest-per-topic block is swapped into.
HIGHLIGHTS_ID = "home-highlights"
# The element the signed-in home page's "For you" block is swapped into: per viewer, so the
# page asks for it in a second request.
FOR_YOU_ID = "home-for-you"


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    if request.htmx and request.htmx.target == FOR_YOU_ID:
        response = HttpResponse(_for_you_block(request))
        patch_vary_headers(response, ["HX-Request"])
        return response
    # A signed-in viewer's page (a page of the newest papers, the highlights, their name) is
    # kept for them until a paper is added or changes, the highlights are computed afresh or
    # anything of theirs changes.
    keeps = not request.htmx and not request.GET.keys() - {"page"}
    if keeps and (kept := viewer_page_kept(request, "home")) is not None:
        response = HttpResponse(kept)
        patch_vary_headers(response, ["HX-Request"])
        return response
    for_you = None
    if request.user.is_authenticated and request.GET.get("for_you") == "1":
        for_you = papers_for_you(user=request.user)
    # Trending and latest-per-topic come from the cache; when it is cold the page asks for
    # them in a second request (or on a click without JavaScript), so the list stays fast.
    wants_highlights = request.htmx and request.htmx.target == HIGHLIGHTS_ID
    highlights = browse.home_highlights_cached()
    if highlights is None and (wants_highlights or request.GET.get("highlights") == "1"):
        highlights = browse.home_highlights()
    if wants_highlights:
        response = render(request, "papers/home.html#highlights", {"highlights": highlights})
        patch_vary_headers(response, ["HX-Request"])
        return response
    paginator = Paginator(selectors.paper_list_queryset(), HOME_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    # History restores need the whole page; other htmx requests swap in just the list.
    fragment = request.htmx and not request.htmx.history_restore_request
    template = "papers/home.html#paper-list" if fragment else "papers/home.html"
    context = {
        "page": page,
        "highlights": highlights,
        "for_you": for_you,
        "card_tokens": card_tokens(page.object_list),
    }
    if keeps and request.user.is_authenticated:

        def build(csrf: str) -> tuple[str, list[str]]:
            html = render_to_string(template, context | {"csrf_token": csrf}, request)
            shown = [paper_dependency(paper.arxiv_id) for paper in page.object_list]
            return html, [PAPERS_LISTED, HIGHLIGHTS, *shown]

        response = HttpResponse(viewer_page_render(request, "home", build))
    else:
        response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _for_you_block(request: HttpRequest) -> str:
    """The signed-in viewer's recommendations, kept until anything of theirs changes (their
    saves and votes: the seeds and what is left out), they open a paper for the first time in
    a while, the research map changes or a paper shown changes. Never cached for anyone
    else; the page asks for it in a second request (or on a click without JavaScript)."""
    if (kept := viewer_page_kept(request, "for-you")) is not None:
        return kept
    if not request.user.is_authenticated:
        return render_to_string("papers/home.html#for-you", {}, request)

    def build(csrf: str) -> tuple[str, list[str]]:
        recommendations = papers_for_you(user=request.user)
        context = {"for_you": recommendations, "csrf_token": csrf}
        html = render_to_string("papers/home.html#for-you", context, request)
        shown = {rec.paper.arxiv_id for rec in recommendations}
        shown.update(seed.arxiv_id for rec in recommendations for seed in rec.seeds)
        dependencies = [seen_dependency(request.user.pk), RESEARCH_MAP]
        return html, dependencies + [paper_dependency(arxiv_id) for arxiv_id in sorted(shown)]

    return viewer_page_render(request, "for-you", build)


@require_safe
def paper_detail(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    parsed = arxiv_id_or_not_found(request, arxiv_id)
    if isinstance(parsed, HttpResponse):
        return parsed
    if moved := canonical_redirect(request, parsed, arxiv_id, "papers:detail"):
        return moved

    # A long discussion shows its first items; ?show=all (the "Show more" link without
    # JavaScript, and links to one review or comment) shows every one.
    show_all = request.GET.get("show") == "all"
    intent = request.GET.get("intent", "")
    viewer_id = session_viewer_id(request)
    if viewer_id is not None and not request.htmx and intent != "review":
        # The shared signed-in rendering with this viewer's state filled in (or their page
        # kept from their last visit); the review form opened by an intent, htmx history
        # restores and hidden items of theirs render whole.
        page = member_page(request, parsed.id, intent=intent, show_all=show_all)
        if page is not None:
            if not page.kept:  # a kept page was seen a moment ago, and recorded then
                seen_record(user_id=viewer_id, arxiv_id=parsed.id)
            return HttpResponse(page.html)
    if not request.user.is_authenticated and not request.htmx:
        # Anonymous visitors all see the same page: serve it from the exact cache.
        def render_page() -> str:
            paper = selectors.paper_get(arxiv_id=parsed.id)
            if paper is None:
                raise Paper.DoesNotExist
            context = paper_page_context(request, paper, show_all=show_all)
            return render_to_string("papers/detail.html", context, request)

        variant = "anonymous-all" if show_all else "anonymous"
        try:
            return HttpResponse(cached_page(parsed.id, variant, render_page))
        except Paper.DoesNotExist:
            return not_found_page(request, parsed.id)

    paper = selectors.paper_get(arxiv_id=parsed.id, viewer=request.user)
    if paper is None:
        return not_found_page(request, parsed.id)
    # Only signed-in views count, and the page cache above serves only anonymous ones.
    if request.user.is_authenticated:
        seen_record(user_id=request.user.pk, arxiv_id=paper.arxiv_id)
    context = paper_page_context(request, paper, show_all=show_all)
    return render(request, "papers/detail.html", context)


@require_safe
def paper_redirect(request: HttpRequest, raw_id: str) -> HttpResponse:
    """/abs/<id> and whatever else sits under /papers/: redirect to the paper when it names
    one (any form of its id), else explain why it is not an arXiv id."""
    parsed = arxiv_id_or_not_found(request, raw_id)
    if isinstance(parsed, HttpResponse):
        return parsed
    return redirect("papers:detail", arxiv_id=parsed.id, permanent=True)


@require_safe
def paper_bibtex_view(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    parsed = arxiv_id_or_not_found(request, arxiv_id)
    if isinstance(parsed, HttpResponse):
        return parsed
    if moved := canonical_redirect(request, parsed, arxiv_id, "papers:bibtex"):
        return moved
    paper = selectors.paper_get(arxiv_id=parsed.id)
    if paper is None:
        return not_found_page(request, parsed.id)
    names = [a.author.name for a in paper.authorships.all()]
    response = HttpResponse(paper_bibtex(paper, names), content_type="text/x-bibtex; charset=utf-8")
    filename = parsed.id.replace("/", "_")
    response["Content-Disposition"] = f'inline; filename="{filename}.bib"'
    return response


def bench_constant(request: HttpRequest) -> HttpResponse:
    """A constant response through the same middleware: the baseline of ``make bench``."""
    return HttpResponse(b"ok", content_type="text/plain")
