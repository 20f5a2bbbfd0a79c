"""Work discussion: quick notes, caveats, replication pointers and questions, threaded."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class CommentKind(models.TextChoices):
    NOTE = "note", "Quick note"
    CAVEAT = "caveat", "Caveat"
    REPLICATION = "replication", "Replication pointer"
    QUESTION = "question", "Question"


class ReplicationStatus(models.TextChoices):
    ATTEMPTED = "attempted", "Attempted"
    REPRODUCED = "reproduced", "Reproduced"
    FAILED = "failed", "Failed"


class Comment(models.Model):
    BODY_MAX = 5_000

    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    # 0 for a top-level comment; pages show replies collapsed past a few levels.
    depth = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=CommentKind.choices, default=CommentKind.NOTE)
    body = models.TextField(max_length=BODY_MAX)
    # Replication pointers only: where the code, data or report is, and how it went.
    link = models.URLField(max_length=500, blank=True)
    replication_status = models.CharField(
        max_length=20, choices=ReplicationStatus.choices, blank=True
    )
    is_hidden = models.BooleanField(default=False, help_text="Hidden by a moderator.")
    # Deleted by its author while it had replies: shown as "[deleted]" to keep the thread.
    is_deleted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    # The body as sanitised HTML, rendered when written (reviews/markdown.py).
    MARKDOWN_FIELDS = ("body",)
    body_html = models.TextField(blank=True, editable=False)
    rendered_with = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CommentKind.values), name="comment_kind_known"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="replication", replication_status__in=ReplicationStatus.values)
                    & ~Q(link="")
                )
                | (~Q(kind="replication") & Q(replication_status="")),
                name="comment_replication_has_link_and_status",
            ),
        ]
        indexes = [models.Index(fields=["paper", "created_at"], name="comment_paper_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.paper_id} by {self.author_id}"
