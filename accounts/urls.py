"""Everything under /accounts/: django-allauth's pages, BZPEER's public profiles and the
signed-in user's notifications."""

from allauth.account import views as allauth_views
from django.urls import include, path

from accounts import views

notification_patterns = (
    [
        path("", views.notification_list, name="list"),
        path("read/", views.notifications_read, name="read"),
    ],
    "notifications",
)

urlpatterns = [
    path("profile/", include("accounts.profile_urls")),
    # Before allauth's patterns, so none of its pages can take these paths.
    path("notifications/", include(notification_patterns)),
    path("", include("allauth.urls")),
    # Older templates and code reverse Django's names: they lead to allauth's pages too.
    # Listed after allauth's own patterns, so requests resolve to the allauth names.
    path("login/", allauth_views.login, name="login"),
    path("logout/", allauth_views.logout, name="logout"),
]
