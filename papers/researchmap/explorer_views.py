"""The full research-map explorer.

The page carries the whole graph as a plain list (people who would rather read, and
browsers without JavaScript, get everything from it); its script then fetches the API's
graph (``/api/papers/<id>/graph/``) and draws the same graph, filtering on the client. Both
accept the filters ``kinds`` and ``reasons`` (comma-separated or repeated), so a filtered
page can be shared.
"""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from papers.catalogue.selectors import UNSHOWN_FIELDS
from papers.models import Paper
from papers.researchmap.graph import (
    NODE_KINDS,
    REASON_KINDS,
    GraphFilters,
    graph_by_kind,
    graph_filter,
    graph_filters_parse,
    graph_related_by_paper,
    paper_graph,
)
from papers.web import arxiv_id_or_not_found, canonical_redirect, not_found_page


def _paper(arxiv_id: str) -> Paper | None:
    return Paper.objects.defer(*UNSHOWN_FIELDS, "abstract").filter(arxiv_id=arxiv_id).first()


def _viewer(request: HttpRequest):
    return request.user if request.user.is_authenticated else None


def _filters(request: HttpRequest) -> GraphFilters:
    return graph_filters_parse(
        kinds=request.GET.getlist("kinds"), reasons=request.GET.getlist("reasons")
    )


@require_safe
def map_explorer(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    parsed = arxiv_id_or_not_found(request, arxiv_id)
    if isinstance(parsed, HttpResponse):
        return parsed
    if moved := canonical_redirect(request, parsed, arxiv_id, "papers:map"):
        return moved
    paper = _paper(parsed.id)
    if paper is None:
        return not_found_page(request, parsed.id)

    status, errors = 200, []
    try:
        filters = _filters(request)
    except ValidationError as exc:
        # Shown above the map, which then keeps everything: a bad link still leads somewhere.
        status, errors, filters = 400, exc.messages, GraphFilters()
    graph = paper_graph(paper=paper, viewer=_viewer(request))
    # Filtered-out entries are rendered hidden, not left out: the script shows them again
    # when their box is ticked, without asking the server.
    shown = {node["id"] for node in graph_filter(graph, filters)["nodes"]}
    neighbour_edges = {e["target"]: e for e in graph["edges"] if e["kind"] == "neighbour"}
    groups = graph_by_kind(graph)
    related = graph_related_by_paper(graph)
    context = {
        "paper": paper,
        "graph": graph,
        "shown": shown,
        "groups": groups,
        "neighbours": [
            (node, neighbour_edges.get(node["id"]), related[node["id"]]) for node in groups["paper"]
        ],
        "node_kinds": [
            (kind, label, filters.kinds is None or kind in filters.kinds)
            for kind, label in NODE_KINDS.items()
        ],
        "reason_kinds": [
            (kind, label, filters.reasons is None or kind in filters.reasons)
            for kind, label in REASON_KINDS.items()
        ],
        "filter_errors": errors,
    }
    # The script asks for the list alone when it moves the map to another paper.
    template = "papers/map.html#list-view" if request.htmx else "papers/map.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response
