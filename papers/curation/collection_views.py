"""Collection pages: lists, the collection page, editing, per-paper changes and exports.

Private collections are visible to their owner only; to anyone else they are "not found"
(404, never 403), like collections that do not exist. Writes go through the services and
redirect with 303; HTMX requests get the updated list of papers instead.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from papers.catalogue.page_cache import card_tokens
from papers.catalogue.selectors import AUTHORS_IN_LISTS, paper_or_404
from papers.catalogue.viewer_cache import (
    paper_dependency,
    viewer_dependency,
    viewer_page_kept,
    viewer_page_render,
)
from papers.curation import exports
from papers.curation.collections import (
    CollectionNotFound,
    collection_delete,
    collection_for_owner,
    collection_for_viewer,
    collection_item,
    collection_items,
    item_move,
    item_note_set,
)
from papers.curation.forms import CollectionForm, ItemMoveForm, ItemNoteForm, NewCollectionForm
from papers.curation.saves import paper_save, paper_unsave
from papers.models import Collection
from papers.web import see_other, write_limited

PUBLIC_PAGE_SIZE = 20
# Papers per page of a collection: a long reading list loads a page at a time, as many as
# the newest papers on the home page.
ITEMS_PAGE_SIZE = 25


EXPORTS = {
    "bib": (exports.papers_bibtex, "application/x-bibtex; charset=utf-8"),
    "ris": (exports.papers_ris, "application/x-research-info-systems; charset=utf-8"),
    "json": (exports.papers_csl_json, "application/vnd.citationstyles.csl+json; charset=utf-8"),
}


# --- Reads ----------------------------------------------------------------------------------


def _visible_or_404(request: HttpRequest, pk: int) -> Collection:
    try:
        return collection_for_viewer(request.user, pk)
    except CollectionNotFound:
        raise Http404("No such collection.") from None


def _own_or_404(request: HttpRequest, pk: int) -> Collection:
    try:
        return collection_for_owner(request.user, pk)
    except CollectionNotFound:
        raise Http404("No such collection.") from None


def _detail_context(request: HttpRequest, collection: Collection, **extra) -> dict:
    # The page asked for; after a change to one paper, the page its form was on.
    number = request.POST.get("page") or request.GET.get("page")
    page = Paginator(collection_items(collection), ITEMS_PAGE_SIZE).get_page(number)
    return {
        "collection": collection,
        "page": page,
        "items": page.object_list,
        "card_tokens": card_tokens(item.paper for item in page.object_list),
        "is_owner": request.user.is_authenticated and collection.owner_id == request.user.pk,
        "authors_in_lists": AUTHORS_IN_LISTS,
        **extra,
    }


# --- Pages ----------------------------------------------------------------------------------


@require_safe
def collection_list(request: HttpRequest) -> HttpResponse:
    public = (
        Collection.objects.public()
        .select_related("owner")
        .annotate(paper_count=Count("items"))
        .order_by("-modified_at", "-pk")
    )
    page = Paginator(public, PUBLIC_PAGE_SIZE).get_page(request.GET.get("page"))
    mine = None
    if request.user.is_authenticated:
        mine = list(
            Collection.objects.filter(owner=request.user).annotate(paper_count=Count("items"))
        )
    return render(request, "collections/list.html", {"page": page, "mine": mine})


@require_safe
def collection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # Kept for a signed-in viewer until the owner changes anything (the collection's privacy
    # and moderation included: who may see it), the viewer's account or a paper shown.
    if not request.htmx and (kept := viewer_page_kept(request, "collection")) is not None:
        return HttpResponse(kept)
    collection = _visible_or_404(request, pk)
    if not request.user.is_authenticated or request.htmx:
        return render(request, "collections/detail.html", _detail_context(request, collection))

    def build(csrf: str) -> tuple[str, list[str]]:
        context = _detail_context(request, collection) | {"csrf_token": csrf}
        html = render_to_string("collections/detail.html", context, request)
        shown = [paper_dependency(item.paper.arxiv_id) for item in context["items"]]
        return html, [viewer_dependency(collection.owner_id), *shown]

    return HttpResponse(viewer_page_render(request, "collection", build))


@login_required
@require_http_methods(["GET", "POST"])
@write_limited
def collection_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form = NewCollectionForm(initial={"paper": request.GET.get("paper", "")})
        return render(request, "collections/form.html", {"form": form})
    data = request.POST.copy()
    if not data.get("paper"):
        data["paper"] = request.GET.get("paper", "")
    form = NewCollectionForm(data)
    with transaction.atomic():
        collection = form.create(request.user)
        paper = form.cleaned_data.get("paper") if collection is not None else None
        if paper is not None:
            paper_save(user=request.user, paper=paper, collection=collection)
    if collection is None:
        return render(request, "collections/form.html", {"form": form}, status=400)
    return see_other(paper.get_absolute_url() if paper else collection.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
@write_limited
def collection_edit(request: HttpRequest, pk: int) -> HttpResponse:
    collection = _own_or_404(request, pk)
    if request.method != "POST":
        initial = {f: getattr(collection, f) for f in ("name", "description", "is_public")}
        form = CollectionForm(initial=initial)
        return render(request, "collections/form.html", {"form": form, "collection": collection})
    form = CollectionForm(request.POST)
    if form.update(collection) is None:
        # The service may have set some fields before refusing another: show what is stored.
        collection.refresh_from_db()
        context = {"form": form, "collection": collection}
        return render(request, "collections/form.html", context, status=400)
    return see_other(collection.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
@write_limited
def collection_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    collection = _own_or_404(request, pk)
    if request.method != "POST":
        count = collection.items.count()
        context = {"collection": collection, "paper_count": count}
        return render(request, "collections/delete.html", context)
    collection_delete(collection=collection)
    return see_other(reverse("collections:list"))


# --- Per-paper changes (owner only) ---------------------------------------------------------


def _after_item_change(request: HttpRequest, collection: Collection) -> HttpResponse:
    context = _detail_context(request, collection)
    if request.htmx:
        return render(request, "collections/detail.html#items", context)
    page = context["page"].number
    return see_other(collection.get_absolute_url() + (f"?page={page}" if page > 1 else ""))


@login_required
@require_POST
@write_limited
def item_note(request: HttpRequest, pk: int, arxiv_id: str) -> HttpResponse:
    collection = _own_or_404(request, pk)
    paper = paper_or_404(arxiv_id)
    form = ItemNoteForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"note": form.errors["note"]})
        item_note_set(collection=collection, paper=paper, note=form.cleaned_data["note"])
    except CollectionNotFound:
        raise Http404("This paper is not in the collection.") from None
    except ValidationError as exc:
        # Shown on the paper's own note form, with the text as it was sent.
        context = _detail_context(
            request,
            collection,
            note_error_paper=paper.arxiv_id,
            note_errors=exc.message_dict.get("note", exc.messages),
            note_draft=request.POST.get("note", ""),
        )
        template = "collections/detail.html#items" if request.htmx else "collections/detail.html"
        return render(request, template, context, status=400)
    return _after_item_change(request, collection)


@login_required
@require_POST
@write_limited
def item_move_view(request: HttpRequest, pk: int, arxiv_id: str) -> HttpResponse:
    collection = _own_or_404(request, pk)
    paper = paper_or_404(arxiv_id)
    form = ItemMoveForm(request.POST)
    if not form.is_valid():
        message = " ".join(form.errors["direction"])
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    try:
        item_move(collection=collection, paper=paper, offset=form.offset)
    except CollectionNotFound:
        raise Http404("This paper is not in the collection.") from None
    return _after_item_change(request, collection)


@login_required
@require_POST
@write_limited
def item_remove(request: HttpRequest, pk: int, arxiv_id: str) -> HttpResponse:
    collection = _own_or_404(request, pk)
    paper = paper_or_404(arxiv_id)
    try:
        collection_item(collection, paper)
    except CollectionNotFound:
        raise Http404("This paper is not in the collection.") from None
    paper_unsave(user=request.user, paper=paper, collection=collection)
    return _after_item_change(request, collection)


# --- Exports --------------------------------------------------------------------------------


@require_safe
def collection_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in EXPORTS:
        raise Http404("Collections export as .bib, .ris or .json.")
    collection = _visible_or_404(request, pk)
    items = list(collection_items(collection, all_authors=True))
    notes = {item.paper_id: item.note for item in items if item.note}
    write, content_type = EXPORTS[fmt]
    response = HttpResponse(write([item.paper for item in items], notes=notes), content_type)
    filename = f"{slugify(collection.name) or f'collection-{collection.pk}'}.{fmt}"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
