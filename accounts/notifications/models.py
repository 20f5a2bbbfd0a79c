"""Notifications: a new review of a paper the recipient saved, or a reply to their comment."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.text import Truncator

# Characters of the review or reply quoted on the page and in the email.
EXCERPT_CHARS = 200


class NotificationKind(models.TextChoices):
    NEW_REVIEW = "new_review", "New review"
    REPLY = "reply", "Reply"


class NotificationQuerySet(models.QuerySet):
    def visible(self) -> "NotificationQuerySet":
        """Entries whose source the public can still read. A review or reply hidden by a
        moderator, or a reply its author deleted, drops out (and returns if restored)."""
        return self.filter(
            Q(review__isnull=True) | Q(review__is_hidden=False),
            Q(comment__isnull=True) | Q(comment__is_hidden=False, comment__is_deleted=False),
        )

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        # Served by the composite indexes below, which all start with the recipient.
        db_index=False,
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="+")
    # The source: deleting it removes the entry.
    review = models.ForeignKey(
        "reviews.Review", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    comment = models.ForeignKey(
        "reviews.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set by the digest that covered the entry, whether or not it was still worth mailing.
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="new_review", review__isnull=False, comment__isnull=True)
                | Q(kind="reply", review__isnull=True, comment__isnull=False),
                name="notification_kind_matches_source",
            ),
            # A task delivered twice creates nothing twice.
            models.UniqueConstraint(
                fields=["recipient", "review"],
                condition=Q(review__isnull=False),
                name="notification_once_per_review",
            ),
            models.UniqueConstraint(
                fields=["recipient", "comment"],
                condition=Q(comment__isnull=False),
                name="notification_once_per_comment",
            ),
        ]
        indexes = [
            # The notifications page: a recipient's entries, newest first.
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx"),
            # The unread count in the navigation, on every signed-in page.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            # The digest: a recipient's entries not yet covered by an email.
            models.Index(
                fields=["recipient"],
                condition=Q(emailed_at__isnull=True),
                name="notification_unemailed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient_id} on {self.paper_id}"

    @property
    def excerpt(self) -> str:
        """The start of the review or reply as plain text, on one line."""
        if self.review_id:
            review = self.review
            fields = (review.claims, review.strengths, review.method_questions)
            text = next((value for value in fields if value.strip()), "")
        else:
            text = self.comment.body
        return Truncator(" ".join(text.split())).chars(EXCERPT_CHARS)

    @property
    def anchor(self) -> str:
        """The id of the source on the paper page."""
        return f"review-{self.review_id}" if self.review_id else f"comment-{self.comment_id}"

    @property
    def item_url(self) -> str:
        return self.paper.get_item_url(self.anchor)
