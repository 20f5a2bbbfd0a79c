"""Signing in and out with Django's own views until accounts move to django-allauth."""

from django.contrib.auth import views as auth_views
from django.urls import path

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    # POST only (Django's LogoutView refuses GET): a link cannot sign anyone out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
