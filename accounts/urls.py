"""Everything under /accounts/: django-allauth's pages and BZPEER's public profiles."""

from allauth.account import views as allauth_views
from django.urls import include, path

urlpatterns = [
    path("profile/", include("accounts.profile_urls")),
    path("", include("allauth.urls")),
    # Older templates and code reverse Django's names: they lead to allauth's pages too.
    # Listed after allauth's own patterns, so requests resolve to the allauth names.
    path("login/", allauth_views.login, name="login"),
    path("logout/", allauth_views.logout, name="logout"),
]
