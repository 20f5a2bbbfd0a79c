"""API: the research-map graph around a paper (what the explorer page draws)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from papers.catalogue.selectors import UNSHOWN_FIELDS, arxiv_id_or_404, paper_by_id_or_404
from papers.models import Paper
from papers.researchmap.graph import (
    NODE_KINDS,
    REASON_KINDS,
    graph_filter,
    graph_filters_parse,
    paper_graph,
)
from papers.web import canonical_redirect

# Documentation only: the view returns papers/graph.py's dictionaries as they are.


class GraphNodeSerializer(serializers.Serializer):
    id = serializers.CharField(
        help_text='"paper:<arxiv id>", "author:<id>", "institution:<id>" or "topic:<code>".'
    )
    kind = serializers.CharField(help_text=f"One of {', '.join(NODE_KINDS)}.")
    label = serializers.CharField(help_text="Title, name or category code.")
    url = serializers.CharField(help_text="Its page on BZPEER.")
    size = serializers.FloatField(
        help_text="0…1 drawing hint: a paper's nearness, an author's papers on BZPEER, an "
        "institution's or topic's papers on this map, each against the largest of its kind."
    )
    papers = serializers.ListField(
        child=serializers.CharField(),
        help_text="Ids of the papers on this map the node comes with (empty for papers).",
    )
    details = serializers.DictField(
        help_text="Papers: arxiv_id, year, authors (count), primary_category, citations, "
        "withdrawn, score, reasons (labels), pinned_by. Authors: papers, institutions. "
        "Institutions: country, people. Topics: name. All but papers: papers_in_map."
    )
    centre = serializers.BooleanField(required=False, help_text="Papers only.")
    map_url = serializers.CharField(required=False, help_text="Papers only: its explorer page.")
    graph_url = serializers.CharField(required=False, help_text="Papers only: its graph.")


class GraphEdgeSerializer(serializers.Serializer):
    id = serializers.CharField()
    source = serializers.CharField(help_text="A node id.")
    target = serializers.CharField(help_text="A node id.")
    kind = serializers.CharField(
        help_text="neighbour (to the centre), related (between two nearby papers), wrote, "
        "affiliated or in_topic."
    )
    label = serializers.CharField(
        help_text='Why the edge is there: "cites this; shares 3 authors", "wrote", …'
    )
    reasons = serializers.ListField(
        child=serializers.CharField(),
        help_text=f"Neighbour and related edges: their reason kinds ({', '.join(REASON_KINDS)}).",
    )
    pinned = serializers.BooleanField(help_text="A curator pinned this neighbour.")


class GraphSerializer(serializers.Serializer):
    centre = serializers.CharField(help_text="The id of the paper the graph is built around.")
    nodes = GraphNodeSerializer(many=True)
    edges = GraphEdgeSerializer(many=True)


class GraphErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What is wrong, in one sentence.")
    kinds = serializers.ListField(child=serializers.CharField(), required=False)
    reasons = serializers.ListField(child=serializers.CharField(), required=False)


@extend_schema(
    summary="Research-map graph of a paper",
    description="The paper, its nearby papers (hidden ones left out, pinned ones first), "
    "their first authors, those authors' institutions and the papers' categories, as nodes "
    "and labelled edges: the data behind /papers/<arxiv_id>/map/.",
    parameters=[
        OpenApiParameter(
            "kinds",
            {"type": "array", "items": {"type": "string", "enum": list(NODE_KINDS)}},
            explode=False,
            description=f"Comma-separated node kinds to keep ({', '.join(NODE_KINDS)}); the "
            "centre always stays.",
        ),
        OpenApiParameter(
            "reasons",
            {"type": "array", "items": {"type": "string", "enum": list(REASON_KINDS)}},
            explode=False,
            description="Comma-separated reasons: keep only the nearby papers linked for one "
            f"of them ({', '.join(REASON_KINDS)}), with their people and topics.",
        ),
    ],
    responses={200: GraphSerializer, 301: None, 400: GraphErrorSerializer},
)
class PaperGraph(APIView):
    def get(self, request: Request, arxiv_id: str) -> Response:
        parsed = arxiv_id_or_404(arxiv_id)
        # One address per paper (the explorer's links and caches rely on it).
        if moved := canonical_redirect(request, parsed, arxiv_id, "api:paper-graph"):
            return moved
        paper = paper_by_id_or_404(arxiv_id, Paper.objects.defer(*UNSHOWN_FIELDS, "abstract"))
        try:
            filters = graph_filters_parse(
                kinds=request.query_params.getlist("kinds"),
                reasons=request.query_params.getlist("reasons"),
            )
        except DjangoValidationError as exc:
            # Per field for programs, and one sentence (``detail``) for people.
            raise ValidationError({"detail": " ".join(exc.messages), **exc.message_dict}) from None
        viewer = request.user if request.user.is_authenticated else None
        return Response(graph_filter(paper_graph(paper=paper, viewer=viewer), filters))
