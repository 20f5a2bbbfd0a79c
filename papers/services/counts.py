"""Paper's denormalised curation counters, recomputed from the rows they count."""

from collections.abc import Iterable

from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from papers.cache import paper_pages_invalidate
from papers.models import CollectionItem, Paper, Vote


def _per_paper(queryset: QuerySet, count: Count) -> Coalesce:
    counted = (
        queryset.filter(paper=OuterRef("pk"))
        .order_by()
        .values("paper")
        .annotate(n=count)
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def _true_counts() -> dict[str, Coalesce]:
    return {
        "like_count": _per_paper(Vote.objects.filter(value=Vote.Value.LIKE), Count("pk")),
        "dislike_count": _per_paper(Vote.objects.filter(value=Vote.Value.DISLIKE), Count("pk")),
        # A paper kept in two collections of one user is still one save.
        "save_count": _per_paper(
            CollectionItem.objects.all(), Count("collection__owner", distinct=True)
        ),
    }


def paper_counts_refresh(*, paper_ids: Iterable[int]) -> int:
    """Set like, dislike and save counters of these papers from the votes and saves.

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
        )
        .values_list("pk", "arxiv_id")
    )
    if not stale:
        return 0
    Paper.objects.filter(pk__in=[pk for pk, _ in stale]).update(**_true_counts())
    # update() sends no post_save, so the cached pages are dropped here.
    paper_pages_invalidate(arxiv_id for _, arxiv_id in stale)
    return len(stale)
