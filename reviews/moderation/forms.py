"""The form curators report a review or comment with."""

from django import forms

from reviews.forms import text_area
from reviews.models import Report, ReportReason


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        choices=ReportReason.choices, error_messages={"required": "Choose a reason."}
    )
    details = forms.CharField(
        required=False,
        max_length=Report.DETAILS_MAX,
        widget=text_area(2, Report.DETAILS_MAX),
        help_text="Optional, unless the reason is “Something else”.",
    )
