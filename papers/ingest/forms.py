from django import forms

from papers.arxiv.ids import InvalidArxivId, parse_arxiv_id


class AddPaperForm(forms.Form):
    arxiv_id = forms.CharField(
        label="arXiv id or link",
        max_length=300,
        help_text="For example 2203.14101, arXiv:2203.14101v2, hep-th/9901001 or "
        "https://arxiv.org/abs/2203.14101",
        error_messages={"required": "Enter an arXiv identifier or an arxiv.org link."},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "off",
                "spellcheck": "false",
                "inputmode": "url",
                "placeholder": "2203.14101",
                "autofocus": True,
            }
        ),
    )

    def clean_arxiv_id(self) -> str:
        value = self.cleaned_data["arxiv_id"]
        try:
            parse_arxiv_id(value)
        except InvalidArxivId as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc
        return value
