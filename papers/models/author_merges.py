from django.conf import settings
from django.db import models
from django.db.models import Q


class AuthorMerge(models.Model):
    """One admin merge of authors into a survivor, with what it changed, so it can be undone.

    ``moved`` lists ``[authorship_id, from_author_id]``: rows re-pointed to the survivor.
    ``removed`` holds whole rows (``id``, ``paper_id``, ``author_id``, ``position``,
    ``institution_ids``) deleted because the survivor already had a place on that paper; the
    earliest place is the one kept. ``repointed`` lists ``[author_id, from_author_id]``:
    authors merged earlier into a merged author, re-pointed to the survivor. ``names`` keeps
    ``{author_id: name}`` of everyone involved as they were, for the log.
    """

    REASON_MAX = 1_000

    survivor = models.ForeignKey(
        "papers.Author", on_delete=models.PROTECT, related_name="merges_survived"
    )
    merged = models.ManyToManyField("papers.Author", related_name="merges_absorbed")
    names = models.JSONField(default=dict)
    moved = models.JSONField(default=list)
    removed = models.JSONField(default=list)
    repointed = models.JSONField(default=list)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="author_merges",
    )
    actor_repr = models.CharField("merged by", max_length=150)
    reason = models.TextField(max_length=REASON_MAX)
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author_merges_undone",
    )
    undone_by_repr = models.CharField("undone by", max_length=150, blank=True)
    undo_reason = models.TextField(max_length=REASON_MAX, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(undone_at__isnull=True) | ~Q(undo_reason=""),
                name="author_merge_undo_has_reason",
            ),
        ]
        indexes = [
            # Standing merges into an author: an undo asks whether a later one depends on it.
            models.Index(
                fields=["survivor"],
                condition=Q(undone_at__isnull=True),
                name="author_merge_active_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Merge #{self.pk} into {self.names.get(str(self.survivor_id), self.survivor_id)}"
