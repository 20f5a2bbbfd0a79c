from django.contrib import admin
from django.db.models import Count

from .models import (
    Author,
    Authorship,
    Collection,
    CollectionItem,
    Institution,
    Paper,
    PaperTopic,
    PaperVersion,
    Topic,
    Vote,
)

# What arXiv says is not edited by hand: the next import would overwrite it anyway.
IMPORTED_FIELDS = (
    "arxiv_id",
    "version",
    "title",
    "abstract",
    "published",
    "updated",
    "primary_category",
    "journal_ref",
    "comment",
    "withdrawn",
)


class AuthorshipInline(admin.TabularInline):
    model = Authorship
    extra = 0
    fields = ("position", "author", "institutions")
    autocomplete_fields = ("author", "institutions")
    ordering = ("position",)


class PaperTopicInline(admin.TabularInline):
    model = PaperTopic
    extra = 0
    fields = ("position", "topic", "source", "score")
    autocomplete_fields = ("topic",)


class PaperVersionInline(admin.TabularInline):
    model = PaperVersion
    extra = 0
    fields = ("number", "submitted", "size", "withdrawn")
    readonly_fields = fields
    can_delete = False


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ("arxiv_id", "title", "version", "primary_category", "published", "withdrawn")
    list_filter = ("withdrawn", "is_open_access", "primary_category", "published")
    search_fields = ("arxiv_id", "title", "doi", "authorships__author__name")
    date_hierarchy = "published"
    readonly_fields = (
        *IMPORTED_FIELDS,
        "like_count",
        "dislike_count",
        "save_count",
        "review_count",
        "comment_count",
        "created_at",
        "modified_at",
    )
    fieldsets = (
        ("From arXiv", {"fields": IMPORTED_FIELDS}),
        (
            "Links and enrichment",
            {
                "fields": (
                    "doi",
                    "license",
                    "is_open_access",
                    "code_url",
                    "dataset_url",
                    "citation_count",
                )
            },
        ),
        (
            "Counters",
            {
                "fields": (
                    "like_count",
                    "dislike_count",
                    "save_count",
                    "review_count",
                    "comment_count",
                    "created_at",
                    "modified_at",
                )
            },
        ),
    )
    inlines = (AuthorshipInline, PaperTopicInline, PaperVersionInline)
    list_per_page = 50
    show_full_result_count = False


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ("name", "orcid", "openalex_id", "paper_count")
    search_fields = ("name", "orcid", "openalex_id")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(paper_count=Count("authorships"))

    @admin.display(ordering="paper_count", description="papers")
    def paper_count(self, author: Author) -> int:
        return author.paper_count


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ("name", "ror_id", "country_code")
    list_filter = ("country_code",)
    search_fields = ("name", "ror_id")


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind")
    list_filter = ("kind",)
    search_fields = ("code", "name")


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ("paper", "user", "value", "created_at")
    list_filter = ("value",)
    raw_id_fields = ("paper", "user")


class CollectionItemInline(admin.TabularInline):
    model = CollectionItem
    extra = 0
    raw_id_fields = ("paper",)


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "is_public", "is_default", "created_at")
    list_filter = ("is_public", "is_default")
    search_fields = ("name", "owner__username")
    raw_id_fields = ("owner",)
    inlines = (CollectionItemInline,)
