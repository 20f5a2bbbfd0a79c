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

# A page shows the newest reviews and the first threads of the discussion up to these
# numbers; "Show all" loads the rest in place (or opens the page with ?show=all).
REVIEWS_SHOWN = 10
COMMENTS_SHOWN = 30


def first_reviews(reviews: list, limit: int | None) -> list:
    """The ``limit`` newest reviews, and the viewer's own (first, as listed) wherever it is."""
    if limit is None or len(reviews) <= limit:
        return reviews
    newest = sorted(reviews, key=lambda review: (review.created_at, review.pk), reverse=True)
    keep = {review.pk for review in newest[:limit]}
    return [review for review in reviews if review.pk in keep or review.is_mine]


def first_threads(threads: list, limit: int | None) -> list:
    """Whole threads, in order, while they hold at most ``limit`` comments (at least one)."""
    if limit is None:
        return threads
    shown, total = [], 0
    for node in threads:
        total += 1 + node.reply_count
        if shown and total > limit:
            break
        shown.append(node)
    return shown


def reviews_context(
    paper: Paper,
    viewer,
    *,
    review_form: ReviewForm | None = None,
    form_open: bool = False,
    editing_review: int | None = None,
    review_edit_form: ReviewForm | None = None,
    reported: dict | None = None,
    limit: int | None = None,
) -> dict:
    every = paper_reviews(paper, viewer)
    reviews = first_reviews(every, limit)
    mine = next((review for review in reviews if review.is_mine), None)
    if reported is None:
        reported = reported_by(viewer, paper)
    return {
        "paper": paper,
        "reviews": reviews,
        "reviews_more": len(every) - len(reviews),
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
    limit: int | None = None,
) -> dict:
    if reported is None:
        reported = reported_by(viewer, paper)
    discussion = paper_discussion(paper, viewer, sort=sort, kind=kind)
    threads = first_threads(discussion.threads, limit)
    more = sum(1 + node.reply_count for node in discussion.threads[len(threads) :])
    discussion.threads = threads
    return {
        "paper": paper,
        "discussion": discussion,
        "comments_more": more,
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


def paper_blocks_context(
    paper: Paper, viewer, *, intent: str = "", show_all: bool = True, **extra
) -> dict:
    """Both blocks of the whole page; ``intent`` "review" opens the review form. A plain
    visit shows the first items only (``show_all`` False); a page carrying a form or an
    open item (an edit, a reply, errors) shows them all, so that item is on it."""
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
        limit=None if show_all else REVIEWS_SHOWN,
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
        limit=None if show_all else COMMENTS_SHOWN,
    )
    return reviews | discussion | extra
