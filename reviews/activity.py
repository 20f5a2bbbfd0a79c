"""A person's public reviews and comments, as their profile lists them: the newest few of
each, visible to everyone (not hidden by a moderator, not deleted), with the paper they are
on, in one query each."""

from dataclasses import dataclass

from reviews.models import Comment, Review

SHOWN = 10


@dataclass(frozen=True, slots=True)
class ActivityItem:
    kind: str  # "review" or "comment"
    paper_arxiv_id: str
    paper_title: str
    url: str  # the paper's page opened at the item
    created_at: object
    summary: str  # a review's recommendation, a comment's first words


def public_activity_of(person) -> tuple[list[ActivityItem], list[ActivityItem]]:
    """(reviews, comments) of ``person`` anyone may see, newest first, ``SHOWN`` of each."""
    reviews = (
        Review.objects.filter(author=person, is_hidden=False)
        .select_related("paper")
        .only("pk", "created_at", "recommendation", "paper__arxiv_id", "paper__title")
        .order_by("-created_at", "-pk")[:SHOWN]
    )
    comments = (
        Comment.objects.filter(author=person, is_hidden=False, is_deleted=False)
        .select_related("paper")
        .only("pk", "created_at", "body", "paper__arxiv_id", "paper__title")
        .order_by("-created_at", "-pk")[:SHOWN]
    )
    return (
        [
            ActivityItem(
                "review",
                r.paper.arxiv_id,
                r.paper.title,
                r.paper.get_item_url(f"review-{r.pk}"),
                r.created_at,
                r.get_recommendation_display(),
            )
            for r in reviews
        ],
        [
            ActivityItem(
                "comment",
                c.paper.arxiv_id,
                c.paper.title,
                c.paper.get_item_url(f"comment-{c.pk}"),
                c.created_at,
                " ".join(c.body.split()),
            )
            for c in comments
        ],
    )
