"""Collection pages: lists, the collection page, editing, exports and feeds."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .services.collections import CollectionNotFound, collection_for_viewer


@require_safe
def collection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        collection = collection_for_viewer(request.user, pk)
    except CollectionNotFound:
        raise Http404("No such collection.") from None
    return render(request, "collections/detail.html", {"collection": collection})
