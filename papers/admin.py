from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.template.response import TemplateResponse

from papers.catalogue.counts import save_counts_recount
from papers.catalogue.page_cache import paper_pages_invalidate
from papers.curation.collections import collection_delete
from papers.ingest.author_merge import author_merge, author_merge_undo, can_merge_authors
from papers.ingest.jobs import import_job_retry
from papers.ingest.tasks import BrokerUnavailable, harvest_run_enqueue
from papers.models import (
    Author,
    AuthorMerge,
    Authorship,
    AuthorshipInstitution,
    Collection,
    CollectionItem,
    HarvestRun,
    ImportJob,
    Institution,
    JobStatus,
    NeighbourChoice,
    OpenAlexMatch,
    Paper,
    PaperNeighbour,
    PaperTopic,
    PaperVersion,
    Reaction,
    Topic,
    Vote,
)
from reviews.moderation.admin import confirm_with_reason, hidden_message
from reviews.moderation.services import collections_hide, collections_restore, item_describe

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
    fields = ("position", "author", "openalex_match", "affiliation_list")
    readonly_fields = ("openalex_match", "affiliation_list")
    autocomplete_fields = ("author",)
    ordering = ("position",)
    show_change_link = True  # institutions and the OpenAlex match are edited there

    @admin.display(description="institutions (primary first)")
    def affiliation_list(self, authorship: Authorship) -> str:
        return "; ".join(i.name for i in authorship.affiliations) or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("institution_links__institution")


class AuthorshipInstitutionInline(admin.TabularInline):
    model = AuthorshipInstitution
    extra = 0
    fields = ("position", "institution", "source")
    autocomplete_fields = ("institution",)
    ordering = ("position",)


class OpenAlexReviewFilter(admin.SimpleListFilter):
    title = "OpenAlex match to review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("yes", "ambiguous or unmatched")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(openalex_match__in=OpenAlexMatch.needs_review())
        return queryset


@admin.register(Authorship)
class AuthorshipAdmin(admin.ModelAdmin):
    """Where staff see authors OpenAlex enrichment could not tie to a person, and why."""

    list_display = (
        "paper",
        "position_shown",
        "author",
        "openalex_match",
        "openalex_match_reason",
        "candidates_shown",
    )
    list_filter = (OpenAlexReviewFilter, "openalex_match")
    list_select_related = ("paper", "author")
    search_fields = ("paper__arxiv_id", "author__name")
    fields = (
        "paper",
        "position",
        "author",
        "openalex_match",
        "openalex_match_reason",
        "openalex_candidates",
    )
    readonly_fields = ("paper", "position", "openalex_match_reason", "openalex_candidates")
    autocomplete_fields = ("author",)
    inlines = (AuthorshipInstitutionInline,)
    list_per_page = 100
    show_full_result_count = False

    @admin.display(description="#", ordering="position")
    def position_shown(self, authorship: Authorship) -> int:
        return authorship.position + 1

    @admin.display(description="OpenAlex candidates")
    def candidates_shown(self, authorship: Authorship) -> str:
        return "; ".join(authorship.openalex_candidates) or "—"

    def has_add_permission(self, request) -> bool:
        return False  # authorships come from arXiv imports


class PaperTopicInline(admin.TabularInline):
    model = PaperTopic
    extra = 0
    fields = ("position", "topic", "source", "score", "is_primary")
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


class AuthorMergeForm(forms.Form):
    survivor = forms.ModelChoiceField(
        queryset=Author.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        label="Keep",
        help_text="The others' papers move to this author; their pages redirect to it.",
        error_messages={"required": "Choose the author to keep."},
    )
    reason = forms.CharField(
        label="Why?",
        max_length=AuthorMerge.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 70}),
        help_text="Kept in the merge log with your name.",
        error_messages={"required": "Say why: the reason is kept in the merge log."},
    )

    def __init__(self, *args, authors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survivor"].queryset = authors


class MergeUndoForm(forms.Form):
    reason = forms.CharField(
        label="Why?",
        max_length=AuthorMerge.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 70}),
        help_text="Kept in the merge log with your name.",
        error_messages={"required": "Say why: the reason is kept in the merge log."},
    )


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ("name", "orcid", "openalex_id", "paper_count", "merged_into")
    list_filter = (("merged_into", admin.EmptyFieldListFilter),)
    list_select_related = ("merged_into",)
    search_fields = ("name", "orcid", "openalex_id")
    # Merges and their undoing go through the action, which logs them.
    readonly_fields = ("merged_into",)
    actions = ("merge_authors",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(paper_count=Count("authorships"))

    @admin.display(ordering="paper_count", description="papers")
    def paper_count(self, author: Author) -> int:
        return author.paper_count

    def has_merge_permission(self, request) -> bool:
        return can_merge_authors(request.user)

    @admin.action(description="Merge selected authors…", permissions=["merge"])
    def merge_authors(self, request, queryset):
        authors = queryset.order_by("name", "pk")
        if len(authors) < 2:
            self.message_user(request, "Select two or more authors to merge.", messages.ERROR)
            return None
        form = AuthorMergeForm(request.POST if "post" in request.POST else None, authors=authors)
        if form.is_bound and form.is_valid():
            survivor = form.cleaned_data["survivor"]
            try:
                merge = author_merge(
                    survivor=survivor,
                    merged=[a for a in authors if a.pk != survivor.pk],
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            except PermissionDenied as exc:
                self.message_user(request, f"Nothing was changed: {exc}", messages.ERROR)
                return None
            else:
                moved = len(merge.moved) + len(merge.removed)
                self.message_user(
                    request,
                    f"Merged {_n(len(authors) - 1, 'author')} into {survivor.name} "
                    f"({_n(moved, 'authorship')} changed). Merge #{merge.pk} can be undone "
                    "from the author merge log.",
                    messages.SUCCESS,
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": f"Merge {_n(len(authors), 'author')} into one?",
            "opts": self.opts,
            "authors": authors,
            "form": form,
            "action": "merge_authors",
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "cancel_url": request.get_full_path(),
        }
        return TemplateResponse(request, "admin/author_merge.html", context)


@admin.register(AuthorMerge)
class AuthorMergeAdmin(admin.ModelAdmin):
    """The merge log: read, never edited or deleted; a merge is reversed by the undo action."""

    list_display = (
        "pk", "survivor", "merged_names", "actor_repr", "created_at", "undone_at", "undone_by_repr",
    )  # fmt: skip
    list_filter = (("undone_at", admin.EmptyFieldListFilter),)
    list_select_related = ("survivor",)
    search_fields = ("survivor__name", "merged__name", "actor_repr", "reason")
    readonly_fields = (
        "survivor", "merged_names", "actor_repr", "reason", "created_at", "undone_at",
        "undone_by_repr", "undo_reason", "names", "moved", "removed", "repointed",
    )  # fmt: skip
    fields = readonly_fields
    actions = ("undo_merges",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("merged")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # "change" on the list is what runs the undo; a merge's own page is read-only.
        return obj is None and can_merge_authors(request.user)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return can_merge_authors(request.user) or super().has_view_permission(request, obj)

    @admin.display(description="merged")
    def merged_names(self, merge: AuthorMerge) -> str:
        return ", ".join(f"{a.name} (#{a.pk})" for a in merge.merged.all())

    @admin.action(description="Undo the selected merges…", permissions=["change"])
    def undo_merges(self, request, queryset):
        # Newest first: a later merge of the same author must be undone before an earlier one.
        merges = list(queryset.order_by("-pk").select_related("survivor"))
        form = MergeUndoForm(request.POST if "post" in request.POST else None)
        if form.is_bound and form.is_valid():
            undone = []
            try:
                with transaction.atomic():
                    for merge in merges:
                        undone.append(
                            author_merge_undo(
                                merge=merge, actor=request.user, reason=form.cleaned_data["reason"]
                            )
                        )
            except ValidationError as exc:
                form.add_error(None, exc)
            except PermissionDenied as exc:
                self.message_user(request, f"Nothing was changed: {exc}", messages.ERROR)
                return None
            else:
                message = f"Undid {_n(len(undone), 'merge')}."
                skipped = sum(outcome.skipped for outcome in undone)
                if skipped:
                    message += (
                        f" {_n(skipped, 'authorship')} could not be put back: "
                        "a later import replaced the paper's author list."
                    )
                self.message_user(request, message, messages.SUCCESS)
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": f"Undo {_n(len(merges), 'merge')}?",
            "opts": self.opts,
            "lines": [f"#{m.pk}: {m} ({m.actor_repr}, {m.created_at:%Y-%m-%d})" for m in merges],
            "more": 0,
            "selected": [m.pk for m in merges],
            "action": "undo_merges",
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "form": form,
            "submit_label": "Undo",
            "cancel_url": request.get_full_path(),
        }
        return TemplateResponse(request, "admin/moderation_reason.html", context)


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
    list_display = ("name", "owner", "is_public", "is_hidden", "is_default", "created_at")
    list_filter = ("is_public", "is_hidden", "is_default")
    search_fields = ("name", "owner__username")
    raw_id_fields = ("owner",)
    # Hiding goes through the logged moderation actions below, never through the form.
    readonly_fields = ("is_hidden",)
    inlines = (CollectionItemInline,)
    actions = ("hide_collections", "restore_collections")

    def _moderate(self, request, queryset, *, hide: bool):
        collections = list(queryset.select_related("owner"))
        service = collections_hide if hide else collections_restore
        verb = "Hide" if hide else "Restore"
        return confirm_with_reason(
            self,
            request,
            collections,
            action="hide_collections" if hide else "restore_collections",
            question=(
                f"{verb} {len(collections)} collection(s)? Hidden collections are gone from "
                "every public place; their owners still see them."
                if hide
                else f"Show {len(collections)} collection(s) where they are public again?"
            ),
            lines=map(item_describe, collections),
            submit=verb,
            run=lambda reason: _moderated_message(
                service(moderator=request.user, collections=collections, reason=reason), hide
            ),
        )

    @admin.action(description="Hide the selected collections (moderation)")
    def hide_collections(self, request, queryset):
        return self._moderate(request, queryset, hide=True)

    @admin.action(description="Restore the selected collections (moderation)")
    def restore_collections(self, request, queryset):
        return self._moderate(request, queryset, hide=False)

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


def _moderated_message(outcome, hidden: bool) -> str:
    return hidden_message(outcome) if hidden else f"Restored {outcome} collection(s)."


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
        retried = waiting = 0
        for job in queryset:
            try:
                retried += import_job_retry(job_id=job.pk) is not None
            except BrokerUnavailable:
                waiting += 1  # queued; the sweep hands it over when the queue is back
        self.message_user(request, f"{retried} job(s) queued again.")
        if waiting:
            self.message_user(
                request,
                f"The task queue is not answering: {waiting} job(s) are queued and start "
                "when it is back.",
                messages.WARNING,
            )


@admin.register(HarvestRun)
class HarvestRunAdmin(admin.ModelAdmin):
    list_display = (
        "pk", "set_spec", "from_date", "until_date", "status", "pages", "records_created",
        "records_updated", "records_unchanged", "records_deleted", "records_skipped",
        "error_count", "started_at", "finished_at",
    )  # fmt: skip
    list_filter = ("status", "set_spec", "metadata_prefix")
    readonly_fields = (
        "status", "resumption_token", "cursor", "complete_list_size", "pages", "records_created",
        "records_updated", "records_unchanged", "records_deleted", "records_skipped", "skipped",
        "errors", "requested_by", "created_at", "started_at", "heartbeat_at", "finished_at",
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
            harvest_run_enqueue(obj.pk)

    @admin.display(description="errors")
    def error_count(self, run: HarvestRun) -> int:
        return len(run.errors)

    @admin.action(description="Resume the selected runs from their last page")
    def resume(self, request, queryset):
        runs = [run for run in queryset if run.status != JobStatus.SUCCEEDED]
        for run in runs:
            harvest_run_enqueue(run.pk)
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
