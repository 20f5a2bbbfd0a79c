from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import services
from accounts.forms import NotificationSettingsForm, ProfileForm
from accounts.notifications import services as notifications
from papers.catalogue.selectors import public_collections_of
from papers.catalogue.viewer_cache import (
    paper_dependency,
    viewer_dependency,
    viewer_page_kept,
    viewer_page_render,
)
from papers.web import write_limited
from reviews.activity import public_activity_of

# The hidden "form" field of the notification settings: the edit page holds two forms.
NOTIFICATION_SETTINGS = "notifications"


def profile_detail(request, username: str):
    # Kept for a signed-in viewer until the person shown changes anything of theirs, which
    # includes whether their profile is shown at all.
    if (kept := viewer_page_kept(request, "profile")) is not None:
        return HttpResponse(kept)
    profile = services.public_profile(username)
    reviews, comments = public_activity_of(profile)
    context = {
        "profile": profile,
        "is_owner": request.user.pk == profile.pk,
        "public_collections": SimpleLazyObject(lambda: list(public_collections_of(profile))),
        "public_reviews": reviews,
        "public_comments": comments,
    }
    if not request.user.is_authenticated:
        return render(request, "accounts/profile.html", context)

    def build(csrf: str) -> tuple[str, list[str]]:
        html = render_to_string("accounts/profile.html", context | {"csrf_token": csrf}, request)
        # The person's items follow their token; the papers' titles, the papers'.
        papers = {item.paper_arxiv_id for item in [*reviews, *comments]}
        return html, [viewer_dependency(profile.pk), *map(paper_dependency, sorted(papers))]

    return HttpResponse(viewer_page_render(request, "profile", build))


@login_required
@require_http_methods(["GET", "POST"])
@write_limited
def profile_edit(request):
    # Always the signed-in user's own profile: there is no way to name anyone else's.
    profile = services.profile_for_edit(request.user)
    posted = request.POST if request.method == "POST" else None
    sent_settings = posted is not None and posted.get("form") == NOTIFICATION_SETTINGS
    form = ProfileForm(None if sent_settings else posted, instance=profile)
    settings_form = NotificationSettingsForm(posted if sent_settings else None, instance=profile)
    if sent_settings and settings_form.is_valid():
        notifications.notification_settings_update(user=profile, data=settings_form.cleaned_data)
        return redirect(reverse("accounts:profile_edit") + "?saved=notifications#notifications")
    if posted is not None and not sent_settings and form.is_valid():
        services.update_profile(profile, form.cleaned_data)
        return redirect("accounts:profile", username=request.user.get_username())
    context = {
        "form": form,
        "settings_form": settings_form,
        "settings_saved": request.GET.get("saved") == NOTIFICATION_SETTINGS,
    }
    return render(request, "accounts/profile_edit.html", context)


@require_safe
def notification_list(request):
    """The signed-in user's notifications, kept until one of them, its paper or the person
    who wrote it changes. Reading the page marks nothing as read."""
    if (kept := viewer_page_kept(request, "notifications")) is not None:
        return HttpResponse(kept)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())

    def build(csrf: str) -> tuple[str, list[str]]:
        number = request.GET.get("page")
        page = notifications.notifications_page(user=request.user, page_number=number)
        context = {"page": page, "csrf_token": csrf}
        html = render_to_string("accounts/notifications.html", context, request)
        shown = [paper_dependency(entry.paper.arxiv_id) for entry in page]
        shown += [viewer_dependency(entry.actor_id) for entry in page if entry.actor_id]
        return html, shown

    return HttpResponse(viewer_page_render(request, "notifications", build))


@login_required
@require_POST
@write_limited
def notifications_read(request):
    notifications.notifications_mark_all_read(user=request.user)
    return redirect("notifications:list")
