"""Accounts: public profiles, profile edits and roles."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.shortcuts import get_object_or_404

from papers.catalogue.page_cache import paper_pages_invalidate
from papers.models import Paper

MODERATORS_GROUP = "Moderators"

PROFILE_FIELDS = ("display_name", "affiliation", "orcid", "bio")


def public_profile(username: str):
    """The active user shown at /accounts/profile/<username>/, in one query (404 otherwise).

    Deactivated accounts are hidden rather than shown as empty pages.
    """
    user_model = get_user_model()
    return get_object_or_404(
        user_model.objects.only("username", "date_joined", *PROFILE_FIELDS),
        username=username,
        is_active=True,
    )


def profile_for_edit(user):
    """A separate copy of ``user`` for the edit form.

    A form that fails validation has already written its values onto its instance; the
    copy keeps them off ``request.user``, which the page header shows.
    """
    return get_user_model().objects.get(pk=user.pk)


def update_profile(user, data: dict) -> None:
    """Store validated profile fields on ``user``; only the profile fields, never anything else.

    The name is shown on paper pages (by reviews, comments and public collections): a new
    one refreshes those pages."""
    renamed = "display_name" in data and data["display_name"] != user.display_name
    for field in PROFILE_FIELDS:
        if field in data:
            setattr(user, field, data[field])
    user.save(update_fields=[field for field in PROFILE_FIELDS if field in data])
    if renamed:
        paper_pages_invalidate(papers_showing(user))


def add_verified_email(user, email: str):
    """Record ``email`` as the user's verified primary address.

    Log-in requires a verified address; accounts made outside sign-up (demo data, tests,
    createsuperuser) have none until this is called or the user confirms a mail.
    """
    from allauth.account.models import EmailAddress

    user_model = get_user_model()
    email = user_model.objects.normalize_email(email)
    if user.email != email:
        user.email = email
        user.save(update_fields=["email"])
    address, _ = EmailAddress.objects.update_or_create(
        user=user, email__iexact=email, defaults={"email": email, "verified": True, "primary": True}
    )
    EmailAddress.objects.filter(user=user).exclude(pk=address.pk).update(primary=False)
    return address


def papers_showing(user) -> list[str]:
    """The arXiv ids of the papers whose pages show the user's name or choices: reviews,
    comments, public collections, map pins and hides."""
    return list(
        Paper.objects.filter(
            Q(reviews__author=user)
            | Q(comments__author=user)
            | Q(saves__collection__owner=user, saves__collection__is_public=True)
            | Q(neighbour_choices__user=user)
        )
        .values_list("arxiv_id", flat=True)
        .distinct()
    )
