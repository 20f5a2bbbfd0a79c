"""Django admin finds the app's registrations here; they live with moderation."""

from reviews.moderation import admin  # noqa: F401
