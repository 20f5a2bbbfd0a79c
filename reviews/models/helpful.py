"""Curators mark reviews and comments helpful: the community's vote on an item."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class HelpfulMark(models.Model):
    """One curator's "helpful" on one review or one comment (exactly one of the two)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="helpful_marks"
    )
    review = models.ForeignKey(
        "reviews.Review",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="helpful_marks",
    )
    comment = models.ForeignKey(
        "reviews.Comment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="helpful_marks",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(review__isnull=False, comment__isnull=True)
                | Q(review__isnull=True, comment__isnull=False),
                name="helpful_exactly_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "review"],
                condition=Q(review__isnull=False),
                name="helpful_once_per_review",
            ),
            models.UniqueConstraint(
                fields=["user", "comment"],
                condition=Q(comment__isnull=False),
                name="helpful_once_per_comment",
            ),
        ]

    def __str__(self) -> str:
        target = f"review {self.review_id}" if self.review_id else f"comment {self.comment_id}"
        return f"{self.user_id} found {target} helpful"
