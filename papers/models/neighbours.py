"""A paper's nearby papers for the research map: computed edges, and curators' corrections."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class PaperNeighbour(models.Model):
    """One precomputed edge of a paper's map slice, with why it is there.

    ``reasons`` lists the signals behind the score, strongest first, each as
    ``{"kind": "shared_authors", "count": 3, "label": "shares 3 authors"}`` (``count`` only
    where the signal counts something). papers/neighbours.py writes these rows; a page reads
    them and never computes.
    """

    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="neighbours")
    neighbour = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    reasons = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["paper", "neighbour"], name="neighbour_unique_pair"),
            models.CheckConstraint(condition=~Q(paper=F("neighbour")), name="neighbour_not_self"),
        ]
        indexes = [
            # A paper's slice: its best neighbours first.
            models.Index(fields=["paper", "-score"], name="neighbour_paper_score_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} → {self.neighbour_id} ({self.score:.2f})"


class NeighbourChoice(models.Model):
    """A curator's correction of a paper's map: pin a neighbour ("also relevant") or hide one."""

    class Action(models.TextChoices):
        PIN = "pin", "pinned"
        HIDE = "hide", "hidden"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="neighbour_choices"
    )
    paper = models.ForeignKey(
        "papers.Paper", on_delete=models.CASCADE, related_name="neighbour_choices"
    )
    neighbour = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=8, choices=Action.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "paper", "neighbour"], name="neighbourchoice_one_per_user_pair"
            ),
            models.CheckConstraint(
                condition=~Q(paper=F("neighbour")), name="neighbourchoice_not_self"
            ),
            models.CheckConstraint(
                condition=Q(action__in=["pin", "hide"]), name="neighbourchoice_action_known"
            ),
        ]
        indexes = [
            # Every pin and hide of a paper's slice, read with the slice.
            models.Index(fields=["paper", "action"], name="neighbourchoice_paper_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.neighbour_id} on {self.paper_id}"
