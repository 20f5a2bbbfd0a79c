from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from papers.selectors import public_collections_of

from . import services
from .forms import ProfileForm


def profile_detail(request, username: str):
    profile = services.public_profile(username)
    context = {
        "profile": profile,
        "is_owner": request.user.pk == profile.pk,
        "public_collections": list(public_collections_of(profile)),
    }
    return render(request, "accounts/profile.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    # Always the signed-in user's own profile: there is no way to name anyone else's.
    profile = services.profile_for_edit(request.user)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        services.update_profile(profile, form.cleaned_data)
        return redirect("accounts:profile", username=request.user.get_username())
    return render(request, "accounts/profile_edit.html", {"form": form})
