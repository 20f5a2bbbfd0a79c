"""Reports from curators and the moderators' audit log."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class ReportReason(models.TextChoices):
    SPAM = "spam", "Spam or advertising"
    ABUSE = "abuse", "Abusive or harassing"
    OFF_TOPIC = "off_topic", "Off topic"
    MISLEADING = "misleading", "Misleading or false"
    OTHER = "other", "Something else"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACTIONED = "actioned", "Actioned"
    DISMISSED = "dismissed", "Dismissed"


class Report(models.Model):
    """A curator's report of one review, one comment or one collection (exactly one)."""

    DETAILS_MAX = 1_000

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports"
    )
    review = models.ForeignKey(
        "reviews.Review", null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    comment = models.ForeignKey(
        "reviews.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    collection = models.ForeignKey(
        "papers.Collection",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reports",
    )
    reason = models.CharField(max_length=20, choices=ReportReason.choices)
    details = models.TextField(max_length=DETAILS_MAX, blank=True)
    status = models.CharField(
        max_length=20, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(review__isnull=False, comment__isnull=True, collection__isnull=True)
                | Q(review__isnull=True, comment__isnull=False, collection__isnull=True)
                | Q(review__isnull=True, comment__isnull=True, collection__isnull=False),
                name="report_exactly_one_target",
            ),
            models.UniqueConstraint(
                fields=["reporter", "review"],
                condition=Q(review__isnull=False),
                name="report_once_per_review",
            ),
            models.UniqueConstraint(
                fields=["reporter", "comment"],
                condition=Q(comment__isnull=False),
                name="report_once_per_comment",
            ),
            models.UniqueConstraint(
                fields=["reporter", "collection"],
                condition=Q(collection__isnull=False),
                name="report_once_per_collection",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="report_queue_idx")]

    def __str__(self) -> str:
        return f"Report {self.pk} ({self.get_reason_display()})"

    @property
    def target(self):
        return self.review or self.comment or self.collection

    @property
    def target_kind(self) -> str:
        return "review" if self.review_id else "comment" if self.comment_id else "collection"


class ModerationActionKind(models.TextChoices):
    HIDE = "hide", "Hide"
    RESTORE = "restore", "Restore"
    DISMISS_REPORT = "dismiss_report", "Dismiss report"
    MARK_SPAM = "mark_spam", "Mark as spam"


class ModerationAction(models.Model):
    """One moderation step: who did what to which item or account, when and why.

    The log outlives what it describes: every link is SET_NULL and the text snapshots
    (``actor_repr``, ``target_repr``) keep the who and the what once a row is gone.
    """

    REASON_MAX = 1_000

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions",
    )
    actor_repr = models.CharField("moderator", max_length=150)
    action = models.CharField(max_length=20, choices=ModerationActionKind.choices)
    review = models.ForeignKey(
        "reviews.Review",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions",
    )
    comment = models.ForeignKey(
        "reviews.Comment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions",
    )
    collection = models.ForeignKey(
        "papers.Collection",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions",
    )
    report = models.ForeignKey(
        Report,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions",
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions_received",
    )
    target_repr = models.CharField("target", max_length=300)
    reason = models.TextField(max_length=REASON_MAX)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=ModerationActionKind.values),
                name="moderation_action_known",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="moderation_action_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.target_repr}"
