from django.contrib import admin

from .models import Comment, Review, ReviewConcern, ReviewRevision


class ReviewConcernInline(admin.TabularInline):
    model = ReviewConcern
    extra = 0
    fields = ("position", "text", "addressed_in_version")
    readonly_fields = fields
    can_delete = False


class ReviewRevisionInline(admin.TabularInline):
    """Earlier texts of the review: history, so never edited here."""

    model = ReviewRevision
    extra = 0
    fields = ("replaced_at", "snapshot")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("paper", "author", "recommendation", "is_hidden", "created_at", "edited_at")
    list_filter = ("is_hidden", "recommendation")
    search_fields = ("paper__arxiv_id", "author__username")
    raw_id_fields = ("paper", "author")
    # Reviews are the author's words: the admin reads them and (later) hides them, no more.
    readonly_fields = [f.name for f in Review._meta.fields if f.name != "is_hidden"]
    inlines = (ReviewConcernInline, ReviewRevisionInline)

    def has_add_permission(self, request):
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("paper", "author", "kind", "depth", "is_hidden", "is_deleted", "created_at")
    list_filter = ("kind", "is_hidden", "is_deleted", "replication_status")
    search_fields = ("paper__arxiv_id", "author__username", "body")
    raw_id_fields = ("paper", "author", "parent")
    # The author's words: read here, hidden through moderation, never rewritten.
    readonly_fields = [f.name for f in Comment._meta.fields if f.name != "is_hidden"]

    def has_add_permission(self, request):
        return False
