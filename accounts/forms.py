from django import forms

from accounts.models import BIO_MAX_LENGTH, User
from accounts.validators import normalize_orcid
from bzpeer.text import single_line


class ProfileForm(forms.ModelForm):
    # Wider than the stored iD, so the pasted https://orcid.org/ link reaches clean_orcid.
    orcid = forms.CharField(
        label="ORCID iD",
        required=False,
        max_length=100,
        help_text="For example 0000-0002-1825-0097 or its https://orcid.org/ link.",
    )

    class Meta:
        model = User
        fields = ("display_name", "affiliation", "orcid", "bio")
        labels = {"display_name": "Display name"}
        help_texts = {
            "display_name": "Shown instead of your username.",
            "bio": f"Plain text, at most {BIO_MAX_LENGTH} characters.",
        }
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 6, "maxlength": BIO_MAX_LENGTH}),
        }

    def clean_display_name(self) -> str:
        # Shown beside everything the user writes: one line, no bidi overrides or controls.
        return single_line(self.cleaned_data.get("display_name", ""))

    def clean_affiliation(self) -> str:
        return single_line(self.cleaned_data.get("affiliation", ""))

    def clean_orcid(self) -> str:
        # The link form is accepted but only the bare iD is stored (and checked for uniqueness).
        return normalize_orcid(self.cleaned_data.get("orcid", ""))


class NotificationSettingsForm(forms.ModelForm):
    """Which notifications the user gets, on the notifications page and by email."""

    class Meta:
        model = User
        fields = ("notify_new_reviews", "notify_replies")
