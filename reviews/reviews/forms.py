"""The structured review form of the paper page."""

from django import forms

from reviews.forms import text_area
from reviews.models import Recommendation, Reproducibility, Review
from reviews.reviews.services import CONCERNS_MAX, ReviewText

# Concern boxes a new review form offers.
CONCERN_SLOTS_MIN = 3
CONFIDENCE_CHOICES = [
    (1, "1 · outside my field"),
    (2, "2 · some familiarity"),
    (3, "3 · I work nearby"),
    (4, "4 · I work on this"),
    (5, "5 · expert on exactly this"),
]


class ReviewForm(forms.Form):
    claims = forms.CharField(
        label="Summary of the claims",
        required=False,
        widget=text_area(3, Review.TEXT_MAX),
        help_text="What does the paper claim, in your words?",
    )
    strengths = forms.CharField(
        required=False,
        widget=text_area(4, Review.TEXT_MAX),
        help_text="Concrete strengths. Give at least one strength, concern or method question.",
    )
    method_questions = forms.CharField(
        label="Method questions", required=False, widget=text_area(3, Review.TEXT_MAX)
    )
    reproducibility = forms.ChoiceField(
        choices=Reproducibility.choices, initial=Reproducibility.NOT_ASSESSED
    )
    reproducibility_notes = forms.CharField(
        label="Reproducibility notes", required=False, widget=text_area(2, Review.TEXT_MAX)
    )
    # Not required here: the service names every missing part in one pass (reviews/services.py).
    recommendation = forms.ChoiceField(
        label="Overall recommendation",
        choices=Recommendation.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    confidence = forms.TypedChoiceField(
        label="Your confidence",
        choices=CONFIDENCE_CHOICES,
        coerce=int,
        empty_value=0,
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, data=None, *, concerns: list[str] | None = None, **kwargs):
        super().__init__(data, **kwargs)
        if data is not None:
            concerns = [str(c)[: Review.TEXT_MAX * 2] for c in data.getlist("concern")]
            if "add_concern" in data:
                concerns.append("")
        self.concerns = concerns or []
        self.concerns_errors: list[str] = []

    @property
    def concern_slots(self) -> list[str]:
        """The concern boxes as typed so far, with one empty box for more (at least three)."""
        slots = list(self.concerns)
        if all(slots):
            slots.append("")
        slots += [""] * (CONCERN_SLOTS_MIN - len(slots))
        return slots[: CONCERNS_MAX + 1]

    def review_text(self) -> ReviewText:
        data = self.cleaned_data
        return ReviewText(
            recommendation=data["recommendation"],
            confidence=data["confidence"],
            claims=data["claims"],
            strengths=data["strengths"],
            concerns=self.concerns,
            method_questions=data["method_questions"],
            reproducibility=data["reproducibility"],
            reproducibility_notes=data["reproducibility_notes"],
        )

    @classmethod
    def for_review(cls, review: Review) -> "ReviewForm":
        initial = {
            name: getattr(review, name)
            for name in (
                "claims",
                "strengths",
                "method_questions",
                "reproducibility",
                "reproducibility_notes",
                "recommendation",
                "confidence",
            )
        }
        return cls(initial=initial, concerns=[c.text for c in review.concerns.all()])
