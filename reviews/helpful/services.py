"""Marking reviews and comments helpful: once per curator and item, never one's own, never
an item the public cannot see. Counts are read with the items (reviews/selectors.py)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, QuerySet

from papers.catalogue.page_cache import paper_pages_invalidate
from papers.models import Paper
from reviews.models import Comment, HelpfulMark, Review


def _field(target: Review | Comment) -> str:
    return "review" if isinstance(target, Review) else "comment"


def helpful_toggle(*, user: AbstractBaseUser, target: Review | Comment) -> bool:
    """Mark the item helpful, or take the mark back; returns whether it is now marked."""
    if target.author_id == user.pk:
        raise ValidationError("You cannot mark what you wrote yourself as helpful.")
    if target.is_hidden or getattr(target, "is_deleted", False):
        raise ValidationError("That item cannot be marked helpful.")
    field = _field(target)
    with transaction.atomic():
        removed, _ = HelpfulMark.objects.filter(user=user, **{field: target}).delete()
        marked = not removed
        if marked:
            try:
                with transaction.atomic():
                    HelpfulMark.objects.create(user=user, **{field: target})
            except IntegrityError:
                pass  # a double click raced with itself: marked either way
    # The anonymous page shows helpful counts.
    paper_pages_invalidate(
        Paper.objects.filter(pk=target.paper_id).values_list("arxiv_id", flat=True)
    )
    return marked


def with_helpful(queryset: QuerySet, viewer) -> QuerySet:
    """Reviews or comments annotated with ``helpful_count`` and, for a signed-in viewer,
    ``helpful_mine``: inside the items' own query, not one per item."""
    queryset = queryset.annotate(helpful_count=Count("helpful_marks", distinct=True))
    if viewer is not None and viewer.is_authenticated:
        field = "review" if queryset.model is Review else "comment"
        mine = HelpfulMark.objects.filter(user=viewer, **{field: OuterRef("pk")})
        queryset = queryset.annotate(helpful_mine=Exists(mine))
    return queryset
