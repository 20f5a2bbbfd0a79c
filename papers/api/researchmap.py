"""API: a paper's research-map neighbours, curators' pins and hides, and "For you".

Reads go through the same selectors as the pages (``paper_neighbours``, ``papers_for_you``),
writes through the curation services; each answers in a fixed number of queries.
"""

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from papers.api.query import StrictIntegerField, valid_query
from papers.api.service_errors import ServiceApiMixin
from papers.catalogue.selectors import paper_or_404
from papers.models import NeighbourChoice, Paper
from papers.researchmap.for_you import FOR_YOU_MAX, FOR_YOU_SIZE, Recommendation, papers_for_you
from papers.researchmap.neighbours import NeighbourView, paper_neighbours
from papers.researchmap.pins import (
    neighbour_hide,
    neighbour_pin,
    neighbour_unhide,
    neighbour_unpin,
)

NEIGHBOURS_SHOWN = 10
NEIGHBOURS_MAX = 50

NOT_FOUND = OpenApiResponse(description="No such paper or neighbour here.")
INVALID = OpenApiResponse(description="Invalid input; the body maps fields to messages.")


def _api_url(request: Request, arxiv_id: str) -> str:
    return request.build_absolute_uri(reverse("api:paper-detail", kwargs={"arxiv_id": arxiv_id}))


class NeighbourQuerySerializer(serializers.Serializer):
    limit = StrictIntegerField(
        min_value=1,
        max_value=NEIGHBOURS_MAX,
        default=NEIGHBOURS_SHOWN,
        help_text=f"How many neighbours, 1 to {NEIGHBOURS_MAX}.",
    )


class ForYouQuerySerializer(serializers.Serializer):
    limit = StrictIntegerField(
        min_value=1,
        max_value=FOR_YOU_MAX,
        default=FOR_YOU_SIZE,
        help_text=f"How many papers, 1 to {FOR_YOU_MAX}.",
    )


class ReasonSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="The signal, e.g. cites, shared_authors, text.")
    label = serializers.CharField(help_text="The signal in words, e.g. “shares 3 authors”.")
    count = serializers.IntegerField(
        required=False, help_text="What the signal counts, where it counts something."
    )
    similarity = serializers.FloatField(
        required=False, help_text="Cosine similarity (0…1) of the text signal."
    )


class NeighbourSerializer(serializers.Serializer):
    arxiv_id = serializers.CharField(source="paper.arxiv_id")
    title = serializers.CharField(source="paper.title")
    url = serializers.SerializerMethodField(help_text="The neighbour in this API.")
    score = serializers.FloatField(help_text="Weighted sum of the signals; 0 for pins alone.")
    reasons = ReasonSerializer(many=True, help_text="Signals behind the score, strongest first.")
    pinned = serializers.BooleanField(source="is_pinned", help_text="A curator pinned it here.")
    pinned_by = serializers.SerializerMethodField(help_text="Who pinned it, first pin first.")
    viewer_choice = serializers.ChoiceField(
        choices=NeighbourChoice.Action.choices,
        allow_null=True,
        help_text="Your own pin or hide of it (null when you made none or are signed out).",
    )

    def get_url(self, view: NeighbourView) -> str:
        return _api_url(self.context["request"], view.paper.arxiv_id)

    def get_pinned_by(self, view: NeighbourView) -> list[str]:
        return [str(user) for user in view.pinned_by]


class NeighbourStateSerializer(serializers.Serializer):
    arxiv_id = serializers.CharField(help_text="The neighbour.")
    paper = serializers.CharField(help_text="The paper whose map it is on (or off).")
    pinned = serializers.BooleanField(help_text="Someone pinned it: it shows first on the map.")
    pinned_by = serializers.ListField(child=serializers.CharField())
    hidden = serializers.BooleanField(help_text="Someone hid it and nobody pinned it: not shown.")
    viewer_choice = serializers.ChoiceField(
        choices=NeighbourChoice.Action.choices, allow_null=True, help_text="Your own choice."
    )


class SeedSerializer(serializers.Serializer):
    arxiv_id = serializers.CharField()
    title = serializers.CharField()
    url = serializers.SerializerMethodField()
    saved = serializers.BooleanField(help_text="You saved it (otherwise you liked it).")

    def get_url(self, seed) -> str:
        return _api_url(self.context["request"], seed.arxiv_id)


class RecommendationSerializer(serializers.Serializer):
    arxiv_id = serializers.CharField(source="paper.arxiv_id")
    title = serializers.CharField(source="paper.title")
    url = serializers.SerializerMethodField(help_text="The paper in this API.")
    score = serializers.FloatField(help_text="Its neighbour scores summed over your papers.")
    reason = serializers.CharField(help_text="E.g. “near 3 papers you saved”.")
    seed_count = serializers.IntegerField(help_text="How many of your papers it is near.")
    seeds = SeedSerializer(many=True, help_text="Your papers it is nearest to (up to three).")
    reasons = ReasonSerializer(many=True, help_text="Why it is near the first of them.")

    def get_url(self, recommendation: Recommendation) -> str:
        return _api_url(self.context["request"], recommendation.paper.arxiv_id)


class PaperNeighbours(APIView):
    """A paper's research-map neighbours."""

    @extend_schema(
        parameters=[NeighbourQuerySerializer],
        responses={200: NeighbourSerializer(many=True), 400: INVALID, 404: NOT_FOUND},
        summary="A paper's neighbours",
        description=(
            "The papers nearest to this one, as its map shows them: pinned ones first (with "
            "who pinned them), then the computed ones by score, each with the reasons it is "
            "near. Hidden ones are left out. Open to anyone."
        ),
    )
    def get(self, request: Request, arxiv_id: str) -> Response:
        paper = paper_or_404(arxiv_id)
        limit = valid_query(NeighbourQuerySerializer, request)["limit"]
        views = paper_neighbours(paper=paper, viewer=request.user, limit=limit)[:limit]
        context = {"request": request}
        return Response(NeighbourSerializer(views, many=True, context=context).data)


def _state_response(request: Request, paper: Paper, neighbour: Paper) -> Response:
    choices = list(
        NeighbourChoice.objects.filter(
            paper=paper, neighbour=neighbour, user__is_active=True
        ).select_related("user")
    )
    pins = [c.user for c in choices if c.action == NeighbourChoice.Action.PIN]
    mine = next((c.action for c in choices if c.user_id == request.user.pk), None)
    data = {
        "arxiv_id": neighbour.arxiv_id,
        "paper": paper.arxiv_id,
        "pinned": bool(pins),
        "pinned_by": [str(user) for user in pins],
        "hidden": not pins and any(c.action == NeighbourChoice.Action.HIDE for c in choices),
        "viewer_choice": mine,
    }
    return Response(NeighbourStateSerializer(data).data)


def _pair(arxiv_id: str, neighbour_id: str) -> tuple[Paper, Paper]:
    return paper_or_404(arxiv_id), paper_or_404(neighbour_id)


STATE_RESPONSES = {200: NeighbourStateSerializer, 400: INVALID, 404: NOT_FOUND}


class PaperNeighbourPin(ServiceApiMixin, APIView):
    """Your pin of a neighbour on a paper's map."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses=STATE_RESPONSES,
        summary="Pin a neighbour",
        description=(
            "Shows the neighbour on the paper's map whatever the computation says, first, "
            "marked as pinned by you. Replaces your hide of it; pinning again changes nothing."
        ),
    )
    def post(self, request: Request, arxiv_id: str, neighbour_id: str) -> Response:
        paper, neighbour = _pair(arxiv_id, neighbour_id)
        neighbour_pin(user=request.user, paper=paper, neighbour=neighbour)
        return _state_response(request, paper, neighbour)

    @extend_schema(
        responses=STATE_RESPONSES,
        summary="Unpin a neighbour",
        description="Withdraws your own pin; other curators' pins stay.",
    )
    def delete(self, request: Request, arxiv_id: str, neighbour_id: str) -> Response:
        paper, neighbour = _pair(arxiv_id, neighbour_id)
        neighbour_unpin(user=request.user, paper=paper, neighbour=neighbour)
        return _state_response(request, paper, neighbour)


class PaperNeighbourHide(ServiceApiMixin, APIView):
    """Your hide of a wrong neighbour on a paper's map."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses=STATE_RESPONSES,
        summary="Hide a neighbour",
        description=(
            "Keeps a wrong computed neighbour off the paper's map for everyone (a pin still "
            "shows it). Replaces your pin of it; hiding again changes nothing."
        ),
    )
    def post(self, request: Request, arxiv_id: str, neighbour_id: str) -> Response:
        paper, neighbour = _pair(arxiv_id, neighbour_id)
        neighbour_hide(user=request.user, paper=paper, neighbour=neighbour)
        return _state_response(request, paper, neighbour)

    @extend_schema(
        responses=STATE_RESPONSES,
        summary="Unhide a neighbour",
        description="Withdraws your own hide; other curators' hides stay.",
    )
    def delete(self, request: Request, arxiv_id: str, neighbour_id: str) -> Response:
        paper, neighbour = _pair(arxiv_id, neighbour_id)
        neighbour_unhide(user=request.user, paper=paper, neighbour=neighbour)
        return _state_response(request, paper, neighbour)


class ForYou(APIView):
    """Papers near the ones you saved or liked."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[ForYouQuerySerializer],
        responses={200: RecommendationSerializer(many=True), 400: INVALID},
        summary="Papers for you",
        description=(
            "The neighbours of the papers you saved or liked, ranked by their scores summed "
            "over your papers (a paper near several of yours first). Leaves out papers you "
            "saved, voted on, reviewed or opened recently, and neighbours hidden from a map."
        ),
    )
    def get(self, request: Request) -> Response:
        limit = valid_query(ForYouQuerySerializer, request)["limit"]
        recommendations = papers_for_you(user=request.user, limit=limit)
        context = {"request": request}
        return Response(RecommendationSerializer(recommendations, many=True, context=context).data)
