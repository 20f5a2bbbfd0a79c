from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError

from papers import selectors
from papers.arxiv.categories import is_arxiv_category
from papers.arxiv.ids import InvalidArxivId, parse_arxiv_id
from papers.models import Paper

from .serializers import PaperSerializer


@extend_schema(
    parameters=[
        OpenApiParameter(
            "category",
            OpenApiTypes.STR,
            description="Only papers in this arXiv category (for example cs.LG).",
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
            category = category.strip()
            if not is_arxiv_category(category):
                raise ValidationError({"category": f"“{category}” is not an arXiv category."})
            queryset = queryset.filter(paper_topics__topic__code=category).distinct()
        return queryset


class PaperDetail(generics.RetrieveAPIView):
    """One paper by its arXiv id (versionless; a versioned id is accepted and ignored)."""

    serializer_class = PaperSerializer
    lookup_url_kwarg = "arxiv_id"

    def get_object(self) -> Paper:
        try:
            parsed = parse_arxiv_id(self.kwargs["arxiv_id"])
        except InvalidArxivId as exc:
            raise Http404(str(exc)) from None
        paper = selectors.paper_get(arxiv_id=parsed.id)
        if paper is None:
            raise Http404(f"No paper arXiv:{parsed.id} here.")
        return paper
