"""Keeping the stored HTML of reviews and comments in step with the renderer.

Texts are rendered when written (reviews/markdown.py); when the renderer changes (its rules,
the parser or the sanitiser), ``markdown_rerender`` renders the rows made by another one
again, and the pages showing them are refreshed. `manage.py render_markdown` runs it.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import F

from papers.catalogue.page_cache import paper_pages_invalidate
from papers.models import Paper
from reviews.markdown import RENDERER, markdown_render, markdown_stored_fields
from reviews.models import Comment, Review, ReviewConcern

BATCH_SIZE = 500
# What each model's rows belong to, for refreshing the paper pages that show them.
PAPER_OF = {Review: "paper_id", ReviewConcern: "review__paper_id", Comment: "paper_id"}


@dataclass
class RerenderSummary:
    reviews: int = 0
    concerns: int = 0
    comments: int = 0


def _stale(model, everything: bool):
    rows = model.objects.all() if everything else model.objects.exclude(rendered_with=RENDERER)
    return rows.order_by("pk")


def _batches(model, everything: bool) -> Iterator[list]:
    """Rows with their Markdown sources and, as ``paper_of``, the paper they are shown on."""
    rows = (
        _stale(model, everything)
        .only("pk", *model.MARKDOWN_FIELDS, "rendered_with")
        .annotate(paper_of=F(PAPER_OF[model]))
    )
    last = 0
    while True:
        # Keyset pages: rows re-rendered meanwhile drop out of the "stale" filter.
        batch = list(rows.filter(pk__gt=last)[:BATCH_SIZE])
        if not batch:
            return
        last = batch[-1].pk
        yield batch


def markdown_rerender(*, everything: bool = False) -> RerenderSummary:
    """Render again every row rendered by another renderer (all rows with ``everything``);
    returns how many of each kind."""
    summary = RerenderSummary()
    for model, counter in ((Review, "reviews"), (ReviewConcern, "concerns"), (Comment, "comments")):
        paper_ids: set[int] = set()
        for batch in _batches(model, everything):
            for row in batch:
                markdown_render(row)
            model.objects.bulk_update(batch, markdown_stored_fields(model))
            paper_ids.update(row.paper_of for row in batch)
            setattr(summary, counter, getattr(summary, counter) + len(batch))
        if paper_ids:
            arxiv_ids = Paper.objects.filter(pk__in=paper_ids).values_list("arxiv_id", flat=True)
            paper_pages_invalidate(list(arxiv_ids))
    return summary
