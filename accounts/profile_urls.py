from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    # Before the <username> pattern, so "edit" is never taken for a username.
    path("edit/", views.profile_edit, name="profile_edit"),
    path("<str:username>/", views.profile_detail, name="profile"),
]
