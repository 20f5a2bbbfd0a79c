from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from papers.api.query import JsonBodySerializer
from papers.models import Paper


class AuthorSerializer(serializers.Serializer):
    name = serializers.CharField()
    affiliations = serializers.ListField(child=serializers.CharField())


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

    version = serializers.IntegerField()
    authors = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField()
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
            "published",
            "updated",
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
            {"name": a.author.name, "affiliations": [i.name for i in a.institutions.all()]}
            for a in paper.authorships.all()
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_categories(self, paper: Paper) -> list[str]:
        return [pt.topic.code for pt in paper.paper_topics.all() if pt.source == "arxiv"]

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
