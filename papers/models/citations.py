from django.db import models
from django.db.models import F, Q


class Citation(models.Model):
    """One paper we hold citing another we hold (from OpenAlex's referenced works)."""

    citing = models.ForeignKey(
        "papers.Paper", on_delete=models.CASCADE, related_name="outgoing_citations"
    )
    cited = models.ForeignKey(
        "papers.Paper", on_delete=models.CASCADE, related_name="incoming_citations"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["citing", "cited"], name="citation_unique_pair"),
            models.CheckConstraint(condition=~Q(citing=F("cited")), name="citation_not_self"),
        ]
        indexes = [
            # "Cited by" of a paper.
            models.Index(fields=["cited", "citing"], name="citation_cited_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.citing_id} cites {self.cited_id}"
