"""The discussion forms of the paper page: a comment or reply, an edit, and the list's sort
and kind filter."""

from django import forms

from reviews.forms import MARKDOWN_HELP, text_area
from reviews.models import Comment, CommentKind, ReplicationStatus


class CommentForm(forms.Form):
    kind = forms.ChoiceField(choices=CommentKind.choices, initial=CommentKind.NOTE)
    body = forms.CharField(
        label="Comment",
        widget=text_area(3, Comment.BODY_MAX),
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
        widget=text_area(3, Comment.BODY_MAX),
        error_messages={"required": "Write something first."},
    )
    link = forms.CharField(label="Link", required=False, max_length=500)
    replication_status = forms.ChoiceField(
        label="Replication status", required=False, choices=[("", "—"), *ReplicationStatus.choices]
    )


class DiscussionQuery(forms.Form):
    """The sort and kind filter of the discussion list (query string)."""

    sort = forms.ChoiceField(
        required=False, choices=[("oldest", "Oldest"), ("newest", "Newest"), ("kind", "Kind")]
    )
    kind = forms.ChoiceField(required=False, choices=[("", "Every kind"), *CommentKind.choices])
