from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from papers.api.query import JsonBodySerializer
from papers.models import DatePrecision, Paper


class InstitutionSerializer(serializers.Serializer):
    name = serializers.CharField()
    ror = serializers.CharField(help_text="ROR id as a URL (https://ror.org/…), or empty.")
    country_code = serializers.CharField(help_text="ISO 3166-1 alpha-2, or empty.")
    primary = serializers.BooleanField(help_text="The author's primary affiliation (the first).")


class AuthorSerializer(serializers.Serializer):
    name = serializers.CharField()
    affiliations = serializers.ListField(
        child=serializers.CharField(), help_text="Names in the paper's order, primary first."
    )
    institutions = InstitutionSerializer(many=True, help_text="The same, with ROR and country.")


class TopicSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="OpenAlex id: T… (topics) or C… (older concepts).")
    name = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    primary = serializers.BooleanField(help_text="OpenAlex's primary topic of the work.")


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    date = serializers.DateTimeField()


class CountsSerializer(serializers.Serializer):
    likes = serializers.IntegerField()
    dislikes = serializers.IntegerField()
    saves = serializers.IntegerField()
    reviews = serializers.IntegerField()
    comments = serializers.IntegerField()


class PaperSerializer(serializers.ModelSerializer):
    """A paper as the API contract describes it; expects ``paper_detail_queryset``'s prefetches."""

    version = serializers.IntegerField(
        help_text="The latest version; when ``version_known`` is false, the latest is at "
        "least this one (a source gave only the day it was updated)."
    )
    version_known = serializers.BooleanField(
        help_text="Whether ``version`` is the latest version's number or a lower bound."
    )
    published_precision = serializers.ChoiceField(
        choices=DatePrecision.choices,
        help_text="``day``: only the day of version 1 is known, in arXiv's calendar (US "
        "Eastern); ``published`` is then that day's midnight there, not a time of day.",
    )
    updated_precision = serializers.ChoiceField(
        choices=DatePrecision.choices, help_text="As ``published_precision``, for ``updated``."
    )
    authors = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField()
    topics = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()
    abs_url = serializers.URLField()
    pdf_url = serializers.URLField(allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Paper
        fields = [
            "arxiv_id",
            "version",
            "title",
            "abstract",
            "authors",
            "primary_category",
            "categories",
            "topics",
            "published",
            "published_precision",
            "updated",
            "updated_precision",
            "version_known",
            "doi",
            "journal_ref",
            "comment",
            "license",
            "is_open_access",
            "abs_url",
            "pdf_url",
            "code_url",
            "dataset_url",
            "citation_count",
            "withdrawn",
            "versions",
            "counts",
            "url",
        ]

    @extend_schema_field(AuthorSerializer(many=True))
    def get_authors(self, paper: Paper) -> list[dict]:
        return [
            {
                "name": a.author.name,
                "affiliations": [i.name for i in a.affiliations],
                "institutions": [
                    {
                        "name": i.name,
                        "ror": i.ror_id,
                        "country_code": i.country_code,
                        "primary": position == 0,
                    }
                    for position, i in enumerate(a.affiliations)
                ],
            }
            for a in paper.authorships.all()
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_categories(self, paper: Paper) -> list[str]:
        return [pt.topic.code for pt in paper.paper_topics.all() if pt.source == "arxiv"]

    @extend_schema_field(TopicSerializer(many=True))
    def get_topics(self, paper: Paper) -> list[dict]:
        """OpenAlex's topics, the primary one first (arXiv's are ``categories``)."""
        return [
            {
                "id": pt.topic.code,
                "name": pt.topic.name,
                "score": pt.score,
                "primary": pt.is_primary,
            }
            for pt in paper.paper_topics.all()
            if pt.source == "openalex"
        ]

    @extend_schema_field(VersionSerializer(many=True))
    def get_versions(self, paper: Paper) -> list[dict]:
        field = serializers.DateTimeField()
        return [
            {"version": v.number, "date": field.to_representation(v.submitted)}
            for v in paper.versions.all()
        ]

    @extend_schema_field(CountsSerializer)
    def get_counts(self, paper: Paper) -> dict:
        return {
            "likes": paper.like_count,
            "dislikes": paper.dislike_count,
            "saves": paper.save_count,
            "reviews": paper.review_count,
            "comments": paper.comment_count,
        }

    def get_url(self, paper: Paper) -> str:
        request = self.context.get("request")
        url = paper.get_absolute_url()
        return request.build_absolute_uri(url) if request else url


class VoteRequestSerializer(JsonBodySerializer):
    value = serializers.ChoiceField(
        choices=["like", "dislike"],
        help_text="The vote to cast; casting the vote you already have withdraws it.",
    )


class VoteStateSerializer(serializers.Serializer):
    my_vote = serializers.ChoiceField(
        choices=["like", "dislike"], allow_null=True, help_text="Your vote now, or null."
    )
    likes = serializers.IntegerField()
    dislikes = serializers.IntegerField()
