"""Request and response shapes of the reviews, discussion and reports API.

Requests are checked here only for shape (types and choices); what makes a review or a
comment acceptable (lengths, the required parts, replication links, the edit grace period)
is the services' rule, so the API answers with the same messages as the pages.

Every Markdown text comes twice: as written (JSON is not HTML, so it needs no escaping)
and as ``*_html``, the sanitised HTML the pages show.
"""

from datetime import datetime, timedelta

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from papers.api.query import JsonBodySerializer
from reviews.discussion.selectors import COMMENT_SORTS
from reviews.models import (
    Comment,
    CommentKind,
    Recommendation,
    ReplicationStatus,
    Report,
    ReportReason,
    Reproducibility,
    Review,
    ReviewConcern,
)
from reviews.reviews.services import CONCERNS_MAX


def _viewer_pk(serializer: serializers.Field) -> int | None:
    request = serializer.context.get("request")
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


class MarkdownHtmlField(serializers.CharField):
    """The sanitised HTML of a Markdown text, as the pages show it (rendered when written)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)


class CuratorSerializer(serializers.Serializer):
    username = serializers.CharField(read_only=True)
    display_name = serializers.SerializerMethodField(
        help_text="The name the pages show: the display name, or the username when none is set."
    )

    def get_display_name(self, user) -> str:
        return str(user)


# --- Reviews ---------------------------------------------------------------------------------


class ReviewConcernSerializer(serializers.ModelSerializer):
    text_html = MarkdownHtmlField()
    addressed_in_version = serializers.IntegerField(
        allow_null=True,
        read_only=True,
        help_text="The paper version its author marked as addressing it, or null.",
    )

    class Meta:
        model = ReviewConcern
        fields = ["position", "text", "text_html", "addressed_in_version"]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer):
    """Expects ``author`` selected, ``concerns`` prefetched and the paper in the context."""

    author = CuratorSerializer(read_only=True)
    current_version = serializers.SerializerMethodField(help_text="The paper's latest version.")
    outdated = serializers.SerializerMethodField(
        help_text="The paper has a newer version than the one the review was written for."
    )
    recommendation_label = serializers.CharField(source="get_recommendation_display")
    reproducibility_label = serializers.CharField(source="get_reproducibility_display")
    claims_html = MarkdownHtmlField()
    strengths_html = MarkdownHtmlField()
    method_questions_html = MarkdownHtmlField()
    reproducibility_notes_html = MarkdownHtmlField()
    concerns = ReviewConcernSerializer(many=True, read_only=True)
    edited = serializers.SerializerMethodField(help_text="Its author changed it after posting.")
    hidden = serializers.BooleanField(
        source="is_hidden",
        help_text="Hidden by a moderator: only its author receives it, with this set.",
    )
    is_mine = serializers.SerializerMethodField(help_text="You wrote it.")

    class Meta:
        model = Review
        fields = [
            "id",
            "author",
            "paper_version",
            "current_version",
            "outdated",
            "recommendation",
            "recommendation_label",
            "confidence",
            "reproducibility",
            "reproducibility_label",
            "claims",
            "claims_html",
            "strengths",
            "strengths_html",
            "method_questions",
            "method_questions_html",
            "reproducibility_notes",
            "reproducibility_notes_html",
            "concerns",
            "created_at",
            "edited_at",
            "edited",
            "hidden",
            "is_mine",
        ]
        read_only_fields = fields

    def get_current_version(self, review: Review) -> int:
        return self.context["paper"].version

    def get_outdated(self, review: Review) -> bool:
        return self.context["paper"].version > review.paper_version

    def get_edited(self, review: Review) -> bool:
        return review.edited_at is not None

    def get_is_mine(self, review: Review) -> bool:
        return review.author_id == _viewer_pk(self)


class ReviewWriteSerializer(JsonBodySerializer):
    """A whole review (POST, PUT); PATCH, validated as partial, takes any of the fields."""

    recommendation = serializers.ChoiceField(choices=Recommendation.choices)
    confidence = serializers.IntegerField(
        min_value=1, max_value=5, help_text="1 (outside my field) to 5 (expert on exactly this)."
    )
    claims = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=f"Summary of the claims, Markdown, up to {Review.TEXT_MAX} characters.",
    )
    strengths = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "Markdown. Give at least one strength, concern or method question: that is what "
            "makes a review useful."
        ),
    )
    concerns = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        default=list,
        help_text=(
            f"Each concern on its own (Markdown), at most {CONCERNS_MAX}; empty ones are "
            "dropped. An unchanged concern keeps its “addressed” mark across edits."
        ),
    )
    method_questions = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Markdown."
    )
    reproducibility = serializers.ChoiceField(
        choices=Reproducibility.choices, required=False, default=Reproducibility.NOT_ASSESSED
    )
    reproducibility_notes = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Markdown."
    )


# --- Discussion ------------------------------------------------------------------------------


def comment_editable_until(comment: Comment) -> datetime:
    return comment.created_at + timedelta(minutes=settings.COMMENT_EDIT_GRACE_MINUTES)


class CommentSerializer(serializers.ModelSerializer):
    """One comment as the viewer may see it.

    A comment its author deleted keeps its place (so replies keep their thread) with its
    text and author gone; so does a hidden comment that other people's replies hang on,
    for anyone but its author (``masked`` set on the instance by the view).
    """

    author = CuratorSerializer(
        read_only=True, allow_null=True, help_text="Null when the comment is deleted or hidden."
    )
    kind_label = serializers.CharField(source="get_kind_display")
    body_html = MarkdownHtmlField()
    link = serializers.CharField(
        read_only=True, help_text="Replication pointers only: the code, data or report."
    )
    replication_status = serializers.ChoiceField(
        choices=ReplicationStatus.choices,
        allow_blank=True,
        read_only=True,
        help_text="Replication pointers only; empty for other kinds.",
    )
    replication_status_label = serializers.CharField(source="get_replication_status_display")
    edited = serializers.SerializerMethodField(help_text="Its author changed it after posting.")
    deleted = serializers.BooleanField(
        source="is_deleted", help_text="Deleted by its author; kept for the replies under it."
    )
    hidden = serializers.BooleanField(
        source="is_hidden",
        help_text=(
            "Hidden by a moderator. Its author receives it whole; anyone else only receives "
            "it as an empty placeholder when visible replies hang on it."
        ),
    )
    is_mine = serializers.SerializerMethodField(help_text="You wrote it.")
    editable_until = serializers.SerializerMethodField(
        help_text="For its author: until when the comment can be edited; null for others."
    )

    class Meta:
        model = Comment
        fields = [
            "id",
            "parent",
            "depth",
            "author",
            "kind",
            "kind_label",
            "body",
            "body_html",
            "link",
            "replication_status",
            "replication_status_label",
            "created_at",
            "edited_at",
            "edited",
            "deleted",
            "hidden",
            "is_mine",
            "editable_until",
        ]
        read_only_fields = fields

    def to_representation(self, comment: Comment) -> dict:
        data = super().to_representation(comment)
        if comment.is_deleted or getattr(comment, "masked", False):
            blank = dict.fromkeys(
                ("body", "body_html", "link", "replication_status", "replication_status_label"),
                "",
            )
            data.update(blank, author=None)
        return data

    def get_edited(self, comment: Comment) -> bool:
        return comment.edited_at is not None

    def get_is_mine(self, comment: Comment) -> bool:
        return comment.author_id == _viewer_pk(self)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_editable_until(self, comment: Comment) -> str | None:
        if comment.is_deleted or not self.get_is_mine(comment):
            return None
        return serializers.DateTimeField().to_representation(comment_editable_until(comment))


class ReplicationSerializer(serializers.Serializer):
    """The paper's visible replication pointers by status, as its badge shows them."""

    attempted = serializers.IntegerField()
    reproduced = serializers.IntegerField()
    failed = serializers.IntegerField()
    summary = serializers.CharField(
        help_text="For example “2 reproduced, 1 failed”; empty when there is none."
    )


class DiscussionSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        help_text="Comments the public sees on the paper (neither hidden nor deleted)."
    )
    sort = serializers.ChoiceField(choices=list(COMMENT_SORTS.items()))
    kind = serializers.ChoiceField(
        choices=CommentKind.choices,
        allow_blank=True,
        help_text="The kind filter applied, empty for every kind.",
    )
    replication = ReplicationSerializer()
    results = CommentSerializer(
        many=True,
        help_text=(
            "Without a kind filter: every thread in reading order, each comment followed by "
            "its replies (oldest first); the threads themselves in the chosen order. Build "
            "threads from parent and depth. With a kind filter: the matching comments alone, "
            "in the chosen order, whose parents may not be listed."
        ),
    )


class DiscussionQuerySerializer(serializers.Serializer):
    sort = serializers.ChoiceField(
        choices=list(COMMENT_SORTS.items()),
        required=False,
        default="oldest",
        help_text="The order of the threads: oldest (default), newest, or by kind.",
    )
    kind = serializers.ChoiceField(
        choices=CommentKind.choices,
        required=False,
        help_text="Only comments of this kind, as a flat list.",
    )


class CommentWriteSerializer(JsonBodySerializer):
    kind = serializers.ChoiceField(choices=CommentKind.choices, default=CommentKind.NOTE)
    body = serializers.CharField(
        allow_blank=True, help_text=f"Markdown, up to {Comment.BODY_MAX} characters."
    )
    parent = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="The comment this replies to (visible, not deleted, on the same paper).",
    )
    link = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Replication pointers: the http(s) address of the code, data or report.",
    )
    replication_status = serializers.ChoiceField(
        choices=ReplicationStatus.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Replication pointers: whether it was attempted, reproduced or failed.",
    )


class CommentEditSerializer(JsonBodySerializer):
    """The fields given replace the comment's; the kind and the thread stay."""

    body = serializers.CharField(
        required=False, allow_blank=True, help_text=f"Markdown, up to {Comment.BODY_MAX}."
    )
    link = serializers.CharField(required=False, allow_blank=True)
    replication_status = serializers.ChoiceField(
        choices=ReplicationStatus.choices, required=False, allow_blank=True
    )


# --- Reports ---------------------------------------------------------------------------------


class ReportWriteSerializer(JsonBodySerializer):
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    details = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            f"Up to {Report.DETAILS_MAX} characters; needed when the reason is “Something else”."
        ),
    )


class ReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = Report
        fields = ["id", "reason", "details", "status", "created_at"]
        read_only_fields = fields
