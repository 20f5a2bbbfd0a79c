"""The pages behind author, institution and category links: each a fixed number of queries."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from papers.catalogue import browse
from papers.catalogue.page_cache import card_tokens


def _not_found(request: HttpRequest, *, kind: str, ident: str) -> HttpResponse:
    context = {"kind": kind, "ident": ident}
    return render(request, "papers/browse_not_found.html", context, status=404)


def _page(request: HttpRequest, queryset):
    return Paginator(queryset, browse.BROWSE_PAGE_SIZE).get_page(request.GET.get("page"))


def _render(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """A page listing ``context["page"]``'s papers as cards (kept while current)."""
    return render(request, template, context | {"card_tokens": card_tokens(context["page"])})


@require_safe
def author_detail(request: HttpRequest, author_id: str) -> HttpResponse:
    author = browse.author_get(raw_id=author_id)
    if author is None:
        return _not_found(request, kind="author", ident=author_id)
    if author.merged_into_id is not None:
        # Merged by an admin: the old address (in links and search engines) moves for good.
        return redirect("papers:author", author_id=author.merged_into_id, permanent=True)
    context = {
        "author": author,
        "page": _page(request, browse.author_papers(author=author)),
        "coauthors": browse.author_coauthors(author=author),
        "institutions": browse.author_institutions(author=author),
    }
    return _render(request, "papers/author.html", context)


@require_safe
def institution_detail(request: HttpRequest, institution_id: str) -> HttpResponse:
    institution = browse.institution_get(raw_id=institution_id)
    if institution is None:
        return _not_found(request, kind="institution", ident=institution_id)
    authors, author_total = browse.institution_authors(institution=institution)
    context = {
        "institution": institution,
        "page": _page(request, browse.institution_papers(institution=institution)),
        "authors": authors,
        "authors_more": author_total - len(authors),
    }
    return _render(request, "papers/institution.html", context)


@require_safe
def topic_detail(request: HttpRequest, code: str) -> HttpResponse:
    topic = browse.topic_get(code=code)
    if topic is None:
        return _not_found(request, kind="topic", ident=code)
    context = {
        "topic": topic,
        "page": _page(request, browse.topic_papers(topic=topic)),
        "most_discussed": browse.topic_most_discussed(topic=topic),
    }
    return _render(request, "papers/topic.html", context)
