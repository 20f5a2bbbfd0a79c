"""Forms of the collection pages. The rules (lengths, names, uniqueness) live in
papers/services/collections.py: these forms carry the input there and put the service's
messages on the fields they concern."""

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError

from papers.arxiv.ids import InvalidArxivId, parse_arxiv_id
from papers.curation.collections import collection_create, collection_update
from papers.models import Collection, Paper


class CollectionForm(forms.Form):
    name = forms.CharField(
        required=False,
        help_text=f"At most {Collection.NAME_MAX} characters; unique among your collections.",
        widget=forms.TextInput(attrs={"required": True, "autocomplete": "off"}),
    )
    description = forms.CharField(
        required=False,
        strip=False,
        help_text=f"Plain text, at most {Collection.DESCRIPTION_MAX} characters.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    is_public = forms.BooleanField(
        required=False,
        label="Public: anyone can see it, export it and follow its feed",
    )

    def _fields(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "description": data["description"],
            "is_public": data["is_public"],
        }

    def update(self, collection: Collection) -> Collection | None:
        """The changed collection, or None with the reasons added to the form."""
        if not self.is_valid():
            return None
        try:
            return collection_update(collection=collection, **self._fields())
        except ValidationError as exc:
            self.add_error(None, exc)
            return None


class NewCollectionForm(CollectionForm):
    # Set by the paper page's "Save to a new collection": the paper to save into it.
    paper = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_paper(self) -> Paper | None:
        raw = self.cleaned_data["paper"]
        if not raw:
            return None
        try:
            parsed = parse_arxiv_id(raw)
        except InvalidArxivId as exc:
            raise ValidationError(str(exc), code="invalid") from None
        found = Paper.objects.only("pk", "arxiv_id").filter(arxiv_id=parsed.id).first()
        if found is None:
            raise ValidationError(f"BZPEER holds no paper arXiv:{parsed.id}.", code="not_found")
        return found

    def create(self, owner: AbstractBaseUser) -> Collection | None:
        """The new collection, or None with the reasons added to the form."""
        if not self.is_valid():
            return None
        try:
            return collection_create(owner=owner, **self._fields())
        except ValidationError as exc:
            self.add_error(None, exc)
            return None


class ItemNoteForm(forms.Form):
    # No length rule here: item_note_set checks it and says so.
    note = forms.CharField(required=False, strip=False, widget=forms.Textarea)


class ItemMoveForm(forms.Form):
    OFFSETS = {"up": -1, "down": 1}

    direction = forms.ChoiceField(
        choices=[("up", "Up"), ("down", "Down")],
        error_messages={
            "required": "Say which way to move the paper: up or down.",
            "invalid_choice": "Move a paper “up” or “down”, not “%(value)s”.",
        },
    )

    @property
    def offset(self) -> int:
        return self.OFFSETS[self.cleaned_data["direction"]]
