from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Profile", {"fields": ("display_name", "affiliation", "orcid", "bio")}),
    )
    list_display = ("username", "email", "display_name", "is_staff", "is_active", "date_joined")
    search_fields = (*BaseUserAdmin.search_fields, "display_name", "orcid")
