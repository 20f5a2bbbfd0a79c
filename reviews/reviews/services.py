"""Writing, editing and deleting structured reviews, with Paper.review_count kept exact.

Every rule lives here so the pages and the API apply the same ones. A paper's review
count counts the reviews the public sees (not hidden by a moderator); each change takes
the paper's row lock and recomputes the count inside the UPDATE, as saves do.
"""

from dataclasses import asdict, dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from papers.catalogue.counts import count_per_paper, counters_recount
from papers.catalogue.page_cache import paper_pages_invalidate
from papers.models import Paper
from reviews.events import on_commit_send, review_published
from reviews.markdown import markdown_render
from reviews.models import Recommendation, Reproducibility, Review, ReviewConcern, ReviewRevision

# At most this many concerns in one review; each is its own item.
CONCERNS_MAX = 30


@dataclass
class ReviewText:
    """What a reviewer writes; the same shape for the form, the API and the history."""

    recommendation: str
    confidence: int
    claims: str = ""
    strengths: str = ""
    concerns: list[str] = field(default_factory=list)
    method_questions: str = ""
    reproducibility: str = Reproducibility.NOT_ASSESSED
    reproducibility_notes: str = ""


TEXT_FIELDS = ("claims", "strengths", "method_questions", "reproducibility_notes")


def _text(value) -> str:
    return str(value or "").replace("\r\n", "\n").replace("\x00", "").strip()


def review_text_clean(text: ReviewText) -> ReviewText:
    """The text, trimmed and checked; a ValidationError names every field that is wrong."""
    errors: dict[str, str] = {}
    cleaned = {name: _text(getattr(text, name)) for name in TEXT_FIELDS}
    concerns = [_text(c) for c in (text.concerns or [])]
    concerns = [c for c in concerns if c]
    for name, value in cleaned.items():
        if len(value) > Review.TEXT_MAX:
            errors[name] = f"Keep this within {Review.TEXT_MAX} characters (it has {len(value)})."
    if len(concerns) > CONCERNS_MAX:
        errors["concerns"] = f"List at most {CONCERNS_MAX} concerns."
    elif any(len(c) > Review.TEXT_MAX for c in concerns):
        errors["concerns"] = f"Keep each concern within {Review.TEXT_MAX} characters."
    if not (cleaned["strengths"] or concerns or cleaned["method_questions"]):
        errors["strengths"] = (
            "Give at least one concrete strength, concern or method question: "
            "that is what makes a review useful."
        )
    if text.recommendation not in Recommendation.values:
        errors["recommendation"] = "Choose a recommendation: " + ", ".join(
            label for _, label in Recommendation.choices
        )
    if text.reproducibility not in Reproducibility.values:
        errors["reproducibility"] = "Choose one of the reproducibility assessments."
    try:
        confidence = int(text.confidence)
    except (TypeError, ValueError):
        confidence = 0
    if not 1 <= confidence <= 5:
        errors["confidence"] = "Rate your confidence from 1 (outside my field) to 5 (expert)."
    if errors:
        raise ValidationError(errors)
    return ReviewText(
        recommendation=text.recommendation,
        confidence=confidence,
        concerns=concerns,
        reproducibility=text.reproducibility,
        **cleaned,
    )


def review_counts_refresh(paper_ids: list[int]) -> None:
    """Recompute review_count of these papers; their cached pages are dropped."""
    visible = count_per_paper(Review.objects.filter(is_hidden=False))
    counters_recount(paper_ids, review_count=visible)


def _locked(paper: Paper) -> Paper:
    return Paper.objects.select_for_update().only("pk", "arxiv_id", "version").get(pk=paper.pk)


def _apply(review: Review, text: ReviewText) -> None:
    for name in (*TEXT_FIELDS, "recommendation", "confidence", "reproducibility"):
        setattr(review, name, getattr(text, name))
    markdown_render(review)


def _concern(review: Review, position: int, text: str, addressed: int | None) -> ReviewConcern:
    concern = ReviewConcern(
        review=review, position=position, text=text, addressed_in_version=addressed
    )
    markdown_render(concern)
    return concern


def _set_concerns(review: Review, concerns: list[str], *, keep_from=()) -> None:
    # An unchanged concern keeps its "addressed" mark across edits.
    addressed = {c.text: c.addressed_in_version for c in keep_from}
    review.concerns.all().delete()
    ReviewConcern.objects.bulk_create(
        _concern(review, i, text, addressed.get(text)) for i, text in enumerate(concerns)
    )


def review_create(*, author: AbstractBaseUser, paper: Paper, text: ReviewText) -> Review:
    text = review_text_clean(text)
    with transaction.atomic():
        locked = _locked(paper)
        review = Review(author=author, paper=locked, paper_version=locked.version)
        _apply(review, text)
        try:
            with transaction.atomic():
                review.save()
        except IntegrityError:
            raise ValidationError(
                {"__all__": "You have reviewed this paper already: edit your review instead."},
                code="unique",
            ) from None
        _set_concerns(review, text.concerns)
        review_counts_refresh([locked.pk])
        on_commit_send(review_published, Review, review_id=review.pk)
    return review


def review_snapshot(review: Review) -> dict:
    concerns = [c.text for c in review.concerns.all()]
    values = {name: getattr(review, name) for name in ReviewText.__dataclass_fields__}
    return asdict(ReviewText(**{**values, "concerns": concerns})) | {
        "paper_version": review.paper_version
    }


def review_update(*, review: Review, text: ReviewText) -> Review:
    """Replace the review's text; the previous text goes to its history."""
    text = review_text_clean(text)
    with transaction.atomic():
        locked = _locked(review.paper)
        previous = list(review.concerns.all())
        ReviewRevision.objects.create(review=review, snapshot=review_snapshot(review))
        _apply(review, text)
        review.paper_version = locked.version
        review.edited_at = timezone.now()
        review.save()
        _set_concerns(review, text.concerns, keep_from=previous)
        paper_pages_invalidate([locked.arxiv_id])
    return review


def review_delete(*, review: Review) -> None:
    with transaction.atomic():
        locked = _locked(review.paper)
        review.delete()
        review_counts_refresh([locked.pk])


def concern_mark_addressed(*, concern: ReviewConcern, addressed: bool) -> ReviewConcern:
    """Mark a concern addressed by the paper's current version (or not). Only a version
    newer than the one the review was written for can address anything."""
    review = concern.review
    current = Paper.objects.filter(pk=review.paper_id).values_list("version", flat=True).get()
    if addressed and current <= review.paper_version:
        raise ValidationError(
            {"concerns": f"The paper has no version newer than v{review.paper_version} yet."},
            code="no_newer_version",
        )
    concern.addressed_in_version = current if addressed else None
    concern.save(update_fields=["addressed_in_version"])
    paper_pages_invalidate(
        Paper.objects.filter(pk=review.paper_id).values_list("arxiv_id", flat=True)
    )
    return concern


def reviews_visible_to(viewer) -> Q:
    """Reviews a viewer may read: the public ones, and their own even when hidden."""
    if viewer is not None and viewer.is_authenticated:
        return Q(is_hidden=False) | Q(author=viewer)
    return Q(is_hidden=False)
