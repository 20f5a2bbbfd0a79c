from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from papers.api.catalogue_serializers import (
    PaperSerializer,
    VoteRequestSerializer,
    VoteStateSerializer,
)
from papers.api.throttles import WriteRateThrottle
from papers.arxiv.categories import CATEGORY_PATTERN, is_arxiv_category
from papers.catalogue import selectors
from papers.catalogue.selectors import paper_or_404
from papers.curation.votes import VoteState, vote_toggle, vote_withdraw
from papers.models import Paper, Vote

VOTE_NAMES = {Vote.Value.LIKE: "like", Vote.Value.DISLIKE: "dislike"}


@extend_schema(
    parameters=[
        OpenApiParameter(
            "category",
            OpenApiTypes.STR,
            pattern=CATEGORY_PATTERN,
            description="Only papers in this arXiv category (for example cs.LG, hep-th, "
            "math.AG); anything else is a 400.",
        )
    ]
)
class PaperList(generics.ListAPIView):
    """Papers, latest first."""

    serializer_class = PaperSerializer

    def get_queryset(self):
        queryset = selectors.paper_detail_queryset().order_by("-published", "-id")
        category = self.request.query_params.get("category")
        if category is not None:
            # As written: the schema's pattern has no room for spaces around the code.
            if category != category.strip() or not is_arxiv_category(category):
                raise ValidationError({"category": f"“{category}” is not an arXiv category."})
            queryset = queryset.filter(paper_topics__topic__code=category).distinct()
        return queryset


class PaperDetail(generics.RetrieveAPIView):
    """One paper by its arXiv id (versionless; a versioned id is accepted and ignored)."""

    serializer_class = PaperSerializer
    lookup_url_kwarg = "arxiv_id"

    def get_object(self) -> Paper:
        parsed = selectors.arxiv_id_or_404(self.kwargs["arxiv_id"])
        paper = selectors.paper_get(arxiv_id=parsed.id)
        if paper is None:
            raise Http404(f"No paper arXiv:{parsed.id} here.")
        return paper


def _state(state: VoteState) -> Response:
    data = {
        "my_vote": VOTE_NAMES.get(state.my_vote),
        "likes": state.likes,
        "dislikes": state.dislikes,
    }
    return Response(VoteStateSerializer(data).data)


class PaperVote(APIView):
    """Your like or dislike on a paper."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [WriteRateThrottle]

    @extend_schema(
        request=VoteRequestSerializer,
        responses=VoteStateSerializer,
        summary="Like or dislike a paper",
        description=(
            "Casts the vote; casting the vote you already have withdraws it, and casting the "
            "other one switches. Returns your vote and the paper's counts afterwards."
        ),
    )
    def post(self, request: Request, arxiv_id: str) -> Response:
        paper = paper_or_404(arxiv_id)
        serializer = VoteRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        value = {"like": Vote.Value.LIKE, "dislike": Vote.Value.DISLIKE}[
            serializer.validated_data["value"]
        ]
        return _state(vote_toggle(user=request.user, paper=paper, value=value))

    @extend_schema(
        request=None,
        # 200 with the counts afterwards (not 204: the answer has a body).
        responses={200: VoteStateSerializer},
        summary="Withdraw your vote on a paper",
    )
    def delete(self, request: Request, arxiv_id: str) -> Response:
        paper = paper_or_404(arxiv_id)
        return _state(vote_withdraw(user=request.user, paper=paper))
