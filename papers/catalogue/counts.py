"""Paper's denormalised curation counters, recomputed from the rows they count."""

from collections.abc import Iterable

from django.apps import apps
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from papers.catalogue.page_cache import paper_pages_invalidate
from papers.models import CollectionItem, Paper, Vote


def count_per_paper(queryset: QuerySet, count: Count | None = None) -> Coalesce:
    """An expression for Paper: how many rows of ``queryset`` belong to each paper (0 if
    none), counted by ``count`` (rows by default)."""
    count = count or Count("pk")
    counted = (
        queryset.filter(paper=OuterRef("pk"))
        .order_by()
        .values("paper")
        .annotate(n=count)
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def savers_per_paper() -> Coalesce:
    # A paper kept in two collections of one user is still one save.
    return count_per_paper(CollectionItem.objects.all(), Count("collection__owner", distinct=True))


def counters_recount(paper_ids: Iterable[int], **counters: Coalesce) -> None:
    """Set these counters of these papers from their rows, in one UPDATE, and drop the
    papers' cached pages (update() sends no signals)."""
    ids = sorted(set(paper_ids))
    if not ids:
        return
    Paper.objects.filter(pk__in=ids).update(**counters)
    paper_pages_invalidate(Paper.objects.filter(pk__in=ids).values_list("arxiv_id", flat=True))


def _true_counts() -> dict[str, Coalesce]:
    # Looked up by name: the reviews app builds on papers, so papers does not import it.
    review, comment = apps.get_model("reviews", "Review"), apps.get_model("reviews", "Comment")
    return {
        "like_count": count_per_paper(Vote.objects.filter(value=Vote.Value.LIKE)),
        "dislike_count": count_per_paper(Vote.objects.filter(value=Vote.Value.DISLIKE)),
        "save_count": savers_per_paper(),
        # What the public sees: nothing hidden by a moderator, no deleted comments.
        "review_count": count_per_paper(review.objects.filter(is_hidden=False)),
        "comment_count": count_per_paper(comment.objects.filter(is_hidden=False, is_deleted=False)),
    }


def paper_counts_refresh(*, paper_ids: Iterable[int]) -> int:
    """Set the curation counters of these papers (likes, dislikes, saves, reviews and
    comments) from the rows they count.

    Only papers whose counters are wrong are written (so a repeated refresh writes nothing),
    and the counts are computed inside the UPDATE itself, so rows that change between finding
    the stale papers and fixing them are still counted. Returns how many papers were fixed.
    """
    ids = sorted(set(paper_ids))
    if not ids:
        return 0
    stale = list(
        Paper.objects.filter(pk__in=ids)
        .annotate(**{f"true_{name}": value for name, value in _true_counts().items()})
        .exclude(
            like_count=F("true_like_count"),
            dislike_count=F("true_dislike_count"),
            save_count=F("true_save_count"),
            review_count=F("true_review_count"),
            comment_count=F("true_comment_count"),
        )
        .values_list("pk", "arxiv_id")
    )
    if not stale:
        return 0
    Paper.objects.filter(pk__in=[pk for pk, _ in stale]).update(**_true_counts())
    # update() sends no post_save, so the cached pages are dropped here.
    paper_pages_invalidate(arxiv_id for _, arxiv_id in stale)
    return len(stale)


def save_counts_recount(paper_ids: list[int]) -> None:
    """Recompute save_count of these papers from their collection items."""
    counters_recount(paper_ids, save_count=savers_per_paper())
