"""GET /api/search/: the search page's results as JSON, with the same filters and sorts."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from papers.api.catalogue_serializers import CountsSerializer
from papers.catalogue.search import (
    PAGE_SIZE,
    SearchForm,
    SearchSort,
    paper_search,
    search_arxiv_id,
    search_page_papers,
)
from papers.models import Paper


class SearchResultSerializer(serializers.ModelSerializer):
    """A paper in a result list; expects ``paper_list_queryset``'s prefetches."""

    authors = serializers.SerializerMethodField(help_text="The first authors, in order.")
    author_count = serializers.IntegerField()
    categories = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()
    rank = serializers.SerializerMethodField(
        help_text="Text-search rank (higher is better); null when not ranked by relevance."
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = Paper
        fields = [
            "arxiv_id",
            "version",
            "title",
            "authors",
            "author_count",
            "primary_category",
            "categories",
            "published",
            "code_url",
            "withdrawn",
            "counts",
            "rank",
            "url",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_authors(self, paper: Paper) -> list[str]:
        return [authorship.author.name for authorship in paper.lead_authorships]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_categories(self, paper: Paper) -> list[str]:
        return [pt.topic.code for pt in paper.paper_topics.all() if pt.source == "arxiv"]

    @extend_schema_field(CountsSerializer)
    def get_counts(self, paper: Paper) -> dict:
        return {
            "likes": paper.like_count,
            "dislikes": paper.dislike_count,
            "saves": paper.save_count,
            "reviews": paper.review_count,
            "comments": paper.comment_count,
        }

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_rank(self, paper: Paper) -> float | None:
        return getattr(paper, "rank", None)

    def get_url(self, paper: Paper) -> str:
        return self.context["request"].build_absolute_uri(paper.get_absolute_url())


class SearchPagination(PageNumberPagination):
    page_size = PAGE_SIZE

    def get_paginated_response(self, data) -> Response:
        response = super().get_paginated_response(data)
        response.data["arxiv_id"] = None
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["arxiv_id"] = {
            "type": "object",
            "nullable": True,
            "properties": {
                "id": {"type": "string"},
                "held": {"type": "boolean"},
                "url": {"type": "string", "format": "uri"},
            },
            "description": "Set when the query is an arXiv id or link: the results then "
            "hold that paper, or nothing and ``url`` says where to import it.",
        }
        return schema


_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Words, or an arXiv id or link."),
    OpenApiParameter("topic", OpenApiTypes.STR, description="A category code such as cs.LG."),
    OpenApiParameter("year_from", OpenApiTypes.INT, description="Published in or after."),
    OpenApiParameter("year_to", OpenApiTypes.INT, description="Published in or before."),
    OpenApiParameter("has_code", OpenApiTypes.BOOL, description="Only papers with code."),
    OpenApiParameter("has_reviews", OpenApiTypes.BOOL, description="Only reviewed papers."),
    OpenApiParameter(
        "sort",
        OpenApiTypes.STR,
        enum=SearchSort.values,
        description="relevance (the default; newest first without words), newest, liked, reviewed.",
    ),
]


@extend_schema(
    parameters=_PARAMETERS,
    summary="Search papers",
    description="Full-text search over titles (weighted most), author names and abstracts, "
    "ranked by relevance, with filters. Bad parameters give 400 with a message per field.",
)
class PaperSearch(generics.ListAPIView):
    serializer_class = SearchResultSerializer
    pagination_class = SearchPagination

    def _form(self) -> SearchForm:
        form = SearchForm(self.request.query_params)
        if not form.is_valid():
            errors = form.errors.get_json_data()
            raise ValidationError(
                {name: [e["message"] for e in errs] for name, errs in errors.items()}
            )
        return form

    def list(self, request, *args, **kwargs) -> Response:
        params = self._form().params()
        match = None
        queryset = paper_search(params)
        if arxiv_id := search_arxiv_id(params.q):
            # An id names one paper: the filters do not apply to it.
            queryset = Paper.objects.only("pk").filter(arxiv_id=arxiv_id.id)
            held = queryset.exists()
            url = (
                reverse("papers:detail", kwargs={"arxiv_id": arxiv_id.id})
                if held
                else f"{reverse('papers:add')}?arxiv_id={arxiv_id.id}"
            )
            match = {"id": arxiv_id.id, "held": held, "url": request.build_absolute_uri(url)}
        page = search_page_papers(self.paginate_queryset(queryset))
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        response.data["arxiv_id"] = match
        return response
