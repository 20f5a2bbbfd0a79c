"""Reads for moderation on the paper page: what the viewer has reported already."""

from django.db.models import Q

from papers.models import Paper
from reviews.models import Report
from reviews.selectors import signed_in


def reported_by(viewer, paper: Paper) -> dict[str, set[int]]:
    """Which reviews and comments of the paper the viewer has reported already (one query,
    none for an anonymous viewer)."""
    found: dict[str, set[int]] = {"review": set(), "comment": set()}
    if not signed_in(viewer):
        return found
    rows = Report.objects.filter(reporter=viewer).filter(
        Q(review__paper=paper) | Q(comment__paper=paper)
    )
    for review_id, comment_id in rows.values_list("review_id", "comment_id"):
        if review_id:
            found["review"].add(review_id)
        else:
            found["comment"].add(comment_id)
    return found
