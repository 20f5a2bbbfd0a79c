"""GET /api/search/: the search page's results as JSON, with the same filters and sorts."""

from django.core.validators import RegexValidator
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from papers.api.catalogue_serializers import CountsSerializer
from papers.api.query import PageNumbers, QueryBooleanField, StrictIntegerField, valid_query
from papers.catalogue.search import (
    PAGE_SIZE,
    QUERY_MAX_LENGTH,
    TOPIC_MAX_LENGTH,
    YEAR_MIN,
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


class SearchPagination(PageNumbers):
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


_YEAR_MAX = SearchForm.base_fields["year_from"].max_value


def _year(help_text: str) -> StrictIntegerField:
    return StrictIntegerField(
        required=False, min_value=YEAR_MIN, max_value=_YEAR_MAX, help_text=help_text
    )


class SearchQuerySerializer(serializers.Serializer):
    """The search's query parameters as the schema declares them, checked before the search
    form reads them (which then applies the same rules as the search page)."""

    # Blank or some text: min_length keeps the schema's two cases apart (its oneOf).
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        min_length=1,
        max_length=QUERY_MAX_LENGTH,
        help_text="Words, or an arXiv id or link.",
    )
    topic = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=TOPIC_MAX_LENGTH,
        validators=[
            RegexValidator(r"^[A-Za-z0-9.\-]+$", "Not a topic code such as cs.LG.", "invalid")
        ],
        help_text="A category code such as cs.LG.",
    )
    year_from = _year("Published in or after.")
    year_to = _year("Published in or before (before year_from: no paper matches).")
    has_code = QueryBooleanField(required=False, help_text="Only papers with code.")
    has_reviews = QueryBooleanField(required=False, help_text="Only reviewed papers.")
    sort = serializers.ChoiceField(
        choices=SearchSort.choices,
        required=False,
        help_text="relevance (the default; newest first without words), newest, liked, reviewed.",
    )


@extend_schema(
    parameters=[SearchQuerySerializer],
    summary="Search papers",
    description="Full-text search over titles (weighted most), author names and abstracts, "
    "ranked by relevance, with filters. Bad parameters give 400 with a message per field.",
)
class PaperSearch(generics.ListAPIView):
    serializer_class = SearchResultSerializer
    pagination_class = SearchPagination

    def _form(self) -> SearchForm:
        data = self.request.query_params.copy()
        # An empty range is a question with no answer, not a malformed one: no paper.
        try:
            self.empty_range = int(data["year_from"]) > int(data["year_to"])
        except (KeyError, ValueError):
            self.empty_range = False
        if self.empty_range:
            data.pop("year_to")
        form = SearchForm(data)
        if not form.is_valid():
            # The search page's messages first; then the schema's stricter reading.
            errors = form.errors.get_json_data()
            raise ValidationError(
                {name: [e["message"] for e in errs] for name, errs in errors.items()}
            )
        valid_query(SearchQuerySerializer, self.request)
        return form

    def list(self, request, *args, **kwargs) -> Response:
        params = self._form().params()
        match = None
        queryset = paper_search(params)
        if self.empty_range:
            queryset = queryset.none()
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
