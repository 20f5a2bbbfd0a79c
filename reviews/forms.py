"""Page forms for reviews, comments and reports.

The forms only collect and shape input; the services (reviews/services.py, discussion.py,
reports.py) hold the rules and their messages, which the views put back on these forms so
that every error shows next to its field.
"""

from django import forms
from django.core.exceptions import ValidationError

from reviews.models import (
    Comment,
    CommentKind,
    Recommendation,
    ReplicationStatus,
    Report,
    ReportReason,
    Reproducibility,
    Review,
)
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
MARKDOWN_HELP = "Markdown and LaTeX ($x^2$, $$\\sum_i x_i$$) are allowed."


def _text_area(rows: int, max_length: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "maxlength": max_length})


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: field messages next to their fields,
    anything else at the top."""
    messages = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for name, texts in messages.items():
        # Errors of inputs outside the form's fields (a review's concerns) have their own list.
        extra = getattr(form, f"{name}_errors", None)
        if isinstance(extra, list):
            extra.extend(texts)
            continue
        target = name if name in form.fields else None
        for text in texts:
            form.add_error(target, text)


class ReviewForm(forms.Form):
    claims = forms.CharField(
        label="Summary of the claims",
        required=False,
        widget=_text_area(3, Review.TEXT_MAX),
        help_text="What does the paper claim, in your words?",
    )
    strengths = forms.CharField(
        required=False,
        widget=_text_area(4, Review.TEXT_MAX),
        help_text="Concrete strengths. Give at least one strength, concern or method question.",
    )
    method_questions = forms.CharField(
        label="Method questions", required=False, widget=_text_area(3, Review.TEXT_MAX)
    )
    reproducibility = forms.ChoiceField(
        choices=Reproducibility.choices, initial=Reproducibility.NOT_ASSESSED
    )
    reproducibility_notes = forms.CharField(
        label="Reproducibility notes", required=False, widget=_text_area(2, Review.TEXT_MAX)
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


class CommentForm(forms.Form):
    kind = forms.ChoiceField(choices=CommentKind.choices, initial=CommentKind.NOTE)
    body = forms.CharField(
        label="Comment",
        widget=_text_area(3, Comment.BODY_MAX),
        error_messages={"required": "Write something first."},
        help_text=MARKDOWN_HELP,
    )
    link = forms.CharField(
        label="Link to the code, data or report",
        required=False,
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    replication_status = forms.ChoiceField(
        label="Replication status",
        required=False,
        choices=[("", "—"), *ReplicationStatus.choices],
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CommentEditForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        widget=_text_area(3, Comment.BODY_MAX),
        error_messages={"required": "Write something first."},
    )
    link = forms.CharField(label="Link", required=False, max_length=500)
    replication_status = forms.ChoiceField(
        label="Replication status", required=False, choices=[("", "—"), *ReplicationStatus.choices]
    )


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        choices=ReportReason.choices, error_messages={"required": "Choose a reason."}
    )
    details = forms.CharField(
        required=False,
        max_length=Report.DETAILS_MAX,
        widget=_text_area(2, Report.DETAILS_MAX),
        help_text="Optional, unless the reason is “Something else”.",
    )


class DiscussionQuery(forms.Form):
    """The sort and kind filter of the discussion list (query string)."""

    sort = forms.ChoiceField(
        required=False, choices=[("oldest", "Oldest"), ("newest", "Newest"), ("kind", "Kind")]
    )
    kind = forms.ChoiceField(required=False, choices=[("", "Every kind"), *CommentKind.choices])
