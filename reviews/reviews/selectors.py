"""Reads for the review block of a paper page: one query with their authors, one for their
concerns (and the helpful marks, reviews/helpful/services.py)."""

from django.db.models import Prefetch

from papers.models import Paper
from reviews.helpful.services import with_helpful
from reviews.models import Review, ReviewConcern
from reviews.reviews.services import reviews_visible_to
from reviews.selectors import item_url_base, signed_in


def paper_reviews(paper: Paper, viewer=None, *, pks: set[int] | None = None) -> list[Review]:
    """The reviews a viewer may read, newest first, each with ``outdated`` (the paper has a
    newer version than the one it was written for) and ``is_mine``; only those of ``pks``
    when given."""
    queryset = Review.objects.filter(reviews_visible_to(viewer if signed_in(viewer) else None))
    if pks is not None:
        queryset = queryset.filter(pk__in=pks)
    queryset = (
        queryset.filter(paper=paper)
        .select_related("author")
        # Explicit: a model's default ordering is dropped from aggregating (helpful) queries.
        .order_by("-created_at", "-pk")
        .prefetch_related(Prefetch("concerns", queryset=ReviewConcern.objects.order_by("position")))
    )
    reviews = list(with_helpful(queryset, viewer))
    viewer_pk = viewer.pk if signed_in(viewer) else None
    base = item_url_base(paper, "review")
    for review in reviews:
        review.url_base = f"{base}{review.pk}/"
        review.is_mine = review.author_id == viewer_pk
        review.outdated = paper.version > review.paper_version
    # The viewer's own review leads the list: it is the one they came back to edit.
    reviews.sort(key=lambda review: not review.is_mine)
    return reviews
