from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count

from .cache import paper_pages_invalidate
from .models import (
    Author,
    Authorship,
    Collection,
    CollectionItem,
    HarvestRun,
    ImportJob,
    Institution,
    JobStatus,
    NeighbourChoice,
    Paper,
    PaperNeighbour,
    PaperTopic,
    PaperVersion,
    Reaction,
    Topic,
    Vote,
)
from .services.collections import collection_delete
from .services.harvest import harvest_run_enqueue
from .services.jobs import import_job_retry
from .services.saves import save_counts_recount

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


ENRICHMENT_FIELDS = (
    "metadata_source",
    "metadata_fetched_at",
    "openalex_id",
    "referenced_works_count",
    "enriched_at",
    "enrichment_error",
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
        *ENRICHMENT_FIELDS,
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
        ("Provenance and OpenAlex", {"fields": ENRICHMENT_FIELDS}),
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

    def changelist_view(self, request, extra_context=None):
        if not settings.OPENALEX_API_KEY:
            messages.warning(
                request,
                "OpenAlex enrichment is switched off: OPENALEX_API_KEY is not set, so citation "
                "counts, institutions and topics from OpenAlex are not fetched.",
            )
        return super().changelist_view(request, extra_context)


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


@admin.register(Reaction)
class ReactionAdmin(admin.ModelAdmin):
    list_display = ("paper", "user", "kind", "created_at")
    list_filter = ("kind",)
    raw_id_fields = ("paper", "user")

    # Counts are computed from the rows, but anonymous pages are cached.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        paper_pages_invalidate([obj.paper.arxiv_id])

    def delete_model(self, request, obj):
        paper_pages_invalidate([obj.paper.arxiv_id])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        paper_pages_invalidate(queryset.values_list("paper__arxiv_id", flat=True))
        super().delete_queryset(request, queryset)


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "is_public", "is_default", "created_at")
    list_filter = ("is_public", "is_default")
    search_fields = ("name", "owner__username")
    raw_id_fields = ("owner",)
    inlines = (CollectionItemInline,)

    # Items edited here bypass the save services: recount the papers they touch.
    def save_related(self, request, form, formsets, change):
        before = set(form.instance.items.values_list("paper_id", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        after = set(form.instance.items.values_list("paper_id", flat=True))
        save_counts_recount(list(before | after))

    def delete_model(self, request, obj):
        collection_delete(collection=obj)

    def delete_queryset(self, request, queryset):
        for collection in queryset:
            collection_delete(collection=collection)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = (
        "arxiv_id",
        "status",
        "outcome",
        "source",
        "requested_by",
        "attempts",
        "short_error",
        "created_at",
        "finished_at",
    )
    list_filter = ("status", "source")
    search_fields = ("arxiv_id", "error")
    readonly_fields = [f.name for f in ImportJob._meta.fields]
    actions = ("retry_failed",)

    def has_add_permission(self, request):
        return False

    @admin.display(description="error")
    def short_error(self, job: ImportJob) -> str:
        return job.error[:120]

    @admin.action(description="Retry the selected failed jobs")
    def retry_failed(self, request, queryset):
        retried = [job for job in queryset if import_job_retry(job_id=job.pk)]
        self.message_user(request, f"{len(retried)} job(s) queued again.")


@admin.register(HarvestRun)
class HarvestRunAdmin(admin.ModelAdmin):
    list_display = (
        "pk", "set_spec", "from_date", "until_date", "status", "pages", "records_created",
        "records_updated", "records_unchanged", "records_deleted", "error_count", "started_at",
        "finished_at",
    )  # fmt: skip
    list_filter = ("status", "set_spec", "metadata_prefix")
    readonly_fields = (
        "status", "resumption_token", "cursor", "complete_list_size", "pages", "records_created",
        "records_updated", "records_unchanged", "records_deleted", "errors", "requested_by",
        "created_at", "started_at", "heartbeat_at", "finished_at",
    )  # fmt: skip
    fields = ("set_spec", "metadata_prefix", "from_date", "until_date", *readonly_fields)
    actions = ("resume",)

    def get_readonly_fields(self, request, obj=None):
        # The range of a run that has started is history; only a new run takes one.
        if obj is not None:
            return ("set_spec", "metadata_prefix", "from_date", "until_date", *self.readonly_fields)
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.requested_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            harvest_run_enqueue(obj)

    @admin.display(description="errors")
    def error_count(self, run: HarvestRun) -> int:
        return len(run.errors)

    @admin.action(description="Resume the selected runs from their last page")
    def resume(self, request, queryset):
        runs = [run for run in queryset if run.status != JobStatus.SUCCEEDED]
        for run in runs:
            harvest_run_enqueue(run)
        self.message_user(request, f"{len(runs)} run(s) queued to resume.")


@admin.register(PaperNeighbour)
class PaperNeighbourAdmin(admin.ModelAdmin):
    """Computed by compute_neighbours and the neighbours task: looked at, never edited."""

    list_display = ("paper", "neighbour", "score", "computed_at")
    list_select_related = ("paper", "neighbour")
    search_fields = ("paper__arxiv_id",)
    raw_id_fields = ("paper", "neighbour")
    ordering = ("paper", "-score")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NeighbourChoice)
class NeighbourChoiceAdmin(admin.ModelAdmin):
    """Curators' pins and hides, as they made them; an admin may only delete an abusive one."""

    list_display = ("paper", "action", "neighbour", "user", "created_at")
    list_filter = ("action",)
    list_select_related = ("paper", "neighbour", "user")
    search_fields = ("paper__arxiv_id", "user__username")
    raw_id_fields = ("paper", "neighbour", "user")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
