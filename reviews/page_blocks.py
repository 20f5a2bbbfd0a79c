"""What the review and discussion blocks of a paper page need, for one viewer.

The anonymous rendering is cached and shared by every visitor (papers/cache.py), so it gets
nothing of any one viewer: no "mine", no reports, no forms with tokens.
"""

from django.conf import settings
from django.urls import reverse

from papers.models import Paper
from reviews.discussion.forms import CommentForm
from reviews.discussion.selectors import COMMENT_SORTS, THREAD_DEPTH_SHOWN, paper_discussion
from reviews.models import CommentKind, ReplicationStatus, ReportReason
from reviews.moderation.forms import ReportForm
from reviews.moderation.selectors import reported_by
from reviews.reviews.forms import ReviewForm
from reviews.reviews.selectors import paper_reviews
from reviews.selectors import signed_in


def reviews_context(
    paper: Paper,
    viewer,
    *,
    review_form: ReviewForm | None = None,
    form_open: bool = False,
    editing_review: int | None = None,
    review_edit_form: ReviewForm | None = None,
    reported: dict | None = None,
) -> dict:
    reviews = paper_reviews(paper, viewer)
    mine = next((review for review in reviews if review.is_mine), None)
    if reported is None:
        reported = reported_by(viewer, paper)
    return {
        "paper": paper,
        "reviews": reviews,
        "my_review": mine,
        # The form opens in place: for a new review, or (intent=review) after logging in.
        "review_form": review_form or (ReviewForm() if form_open and not mine else None),
        "editing_review": editing_review,
        "review_edit_form": review_edit_form,
        "reported_reviews": reported["review"],
        "report_reasons": ReportReason.choices,
        "login_url": settings.LOGIN_URL,
    }


def comment_form_choices() -> dict:
    """What any comment form (new, reply) needs besides the form."""
    return {
        "comment_kinds": CommentKind.choices,
        "replication_statuses": ReplicationStatus.choices,
        "grace_minutes": settings.COMMENT_EDIT_GRACE_MINUTES,
    }


def discussion_context(
    paper: Paper,
    viewer,
    *,
    sort: str = "oldest",
    kind: str = "",
    comment_form: CommentForm | None = None,
    editing_comment: int | None = None,
    comment_edit_form=None,
    reply_to: int | None = None,
    reply_form: CommentForm | None = None,
    reported: dict | None = None,
) -> dict:
    if reported is None:
        reported = reported_by(viewer, paper)
    return {
        "paper": paper,
        "discussion": paper_discussion(paper, viewer, sort=sort, kind=kind),
        "discussion_url": reverse("reviews:discussion", args=[paper.arxiv_id]),
        "comment_form": comment_form or CommentForm(),
        "editing_comment": editing_comment,
        "comment_edit_form": comment_edit_form,
        "reply_to": reply_to,
        "reply_form": reply_form or (CommentForm() if reply_to else None),
        **comment_form_choices(),
        "comment_sorts": COMMENT_SORTS,
        "depth_shown": THREAD_DEPTH_SHOWN,
        "reported_comments": reported["comment"],
        "report_form": ReportForm(),
        "report_reasons": ReportReason.choices,
        "login_url": settings.LOGIN_URL,
    }


def paper_blocks_context(paper: Paper, viewer, *, intent: str = "", **extra) -> dict:
    """Both blocks of the whole page; ``intent`` "review" opens the review form."""
    viewer_signed_in = signed_in(viewer)
    reported = reported_by(viewer, paper)
    reviews = reviews_context(
        paper,
        viewer,
        review_form=extra.pop("review_form", None),
        form_open=viewer_signed_in and intent == "review",
        editing_review=extra.pop("editing_review", None),
        review_edit_form=extra.pop("review_edit_form", None),
        reported=reported,
    )
    discussion = discussion_context(
        paper,
        viewer,
        sort=extra.pop("sort", "oldest"),
        kind=extra.pop("kind", ""),
        comment_form=extra.pop("comment_form", None),
        editing_comment=extra.pop("editing_comment", None),
        comment_edit_form=extra.pop("comment_edit_form", None),
        reply_to=extra.pop("reply_to", None),
        reply_form=extra.pop("reply_form", None),
        reported=reported,
    )
    return reviews | discussion | extra
