from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import Notification, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Profile", {"fields": ("display_name", "affiliation", "orcid", "bio")}),
        ("Notifications", {"fields": ("notify_new_reviews", "notify_replies")}),
    )
    list_display = ("username", "email", "display_name", "is_staff", "is_active", "date_joined")
    search_fields = (*BaseUserAdmin.search_fields, "display_name", "orcid")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read only: entries are made by the notification tasks, for support questions."""

    list_display = ("recipient", "kind", "paper", "actor", "created_at", "read_at", "emailed_at")
    list_filter = ("kind",)
    list_select_related = ("recipient", "paper", "actor")
    search_fields = ("recipient__username", "paper__arxiv_id")
    raw_id_fields = ("recipient", "paper", "review", "comment", "actor")
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
