"""Structured reviews: one per curator and paper, written against one arXiv version."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Recommendation(models.TextChoices):
    MUST_READ = "must_read", "Must read"
    WORTH_READING = "worth_reading", "Worth reading"
    SKIM = "skim", "Skim"
    SKIP = "skip", "Skip"


class Reproducibility(models.TextChoices):
    NOT_ASSESSED = "not_assessed", "Not assessed"
    REPRODUCIBLE = "reproducible", "Reproducible from what is published"
    PARTLY = "partly", "Partly reproducible"
    NOT_REPRODUCIBLE = "not_reproducible", "Not reproducible as published"


class Review(models.Model):
    TEXT_MAX = 10_000

    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    # The paper's version when the review was written (or last edited).
    paper_version = models.PositiveSmallIntegerField()
    claims = models.TextField("summary of the claims", max_length=TEXT_MAX, blank=True)
    strengths = models.TextField(max_length=TEXT_MAX, blank=True)
    method_questions = models.TextField(max_length=TEXT_MAX, blank=True)
    reproducibility = models.CharField(
        max_length=20, choices=Reproducibility.choices, default=Reproducibility.NOT_ASSESSED
    )
    reproducibility_notes = models.TextField(max_length=TEXT_MAX, blank=True)
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices)
    # 1 (outside my field) to 5 (expert on exactly this).
    confidence = models.PositiveSmallIntegerField()
    is_hidden = models.BooleanField(default=False, help_text="Hidden by a moderator.")
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    # The Markdown texts as sanitised HTML, rendered when written (reviews/markdown.py).
    MARKDOWN_FIELDS = ("claims", "strengths", "method_questions", "reproducibility_notes")
    claims_html = models.TextField(blank=True, editable=False)
    strengths_html = models.TextField(blank=True, editable=False)
    method_questions_html = models.TextField(blank=True, editable=False)
    reproducibility_notes_html = models.TextField(blank=True, editable=False)
    rendered_with = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "author"], name="review_one_per_user_paper"),
            models.CheckConstraint(
                condition=Q(confidence__gte=1, confidence__lte=5), name="review_confidence_1_5"
            ),
            models.CheckConstraint(
                condition=Q(recommendation__in=Recommendation.values),
                name="review_recommendation_known",
            ),
            models.CheckConstraint(
                condition=Q(reproducibility__in=Reproducibility.values),
                name="review_reproducibility_known",
            ),
        ]
        indexes = [models.Index(fields=["paper", "is_hidden"], name="review_paper_visible_idx")]

    def __str__(self) -> str:
        return f"Review of {self.paper_id} by {self.author_id}"


class ReviewConcern(models.Model):
    """One concern of a review, kept apart so its author can mark it addressed by a later
    version of the paper."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="concerns")
    position = models.PositiveSmallIntegerField()
    text = models.TextField(max_length=Review.TEXT_MAX)
    addressed_in_version = models.PositiveSmallIntegerField(null=True, blank=True)
    MARKDOWN_FIELDS = ("text",)
    text_html = models.TextField(blank=True, editable=False)
    rendered_with = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["review", "position"], name="concern_position_unique")
        ]

    def __str__(self) -> str:
        return f"Concern {self.position} of review {self.review_id}"


class ReviewRevision(models.Model):
    """The text of a review before an edit, for moderators; never shown publicly."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="revisions")
    snapshot = models.JSONField()
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-replaced_at", "-pk"]

    def __str__(self) -> str:
        return f"Revision of review {self.review_id} at {self.replaced_at:%Y-%m-%d %H:%M}"
