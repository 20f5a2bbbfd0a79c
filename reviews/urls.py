"""Reviews, discussion and reports under each paper's address (/papers/<arxiv_id>/…)."""

from django.urls import path

from reviews.discussion import views as views_discussion
from reviews.helpful import views as views_helpful
from reviews.reviews import feeds, views

app_name = "reviews"

urlpatterns = [
    path("papers/<arxiv:arxiv_id>/reviews/", views.review_create_view, name="create"),
    path("papers/<arxiv:arxiv_id>/reviews/block", views.reviews_block_view, name="block"),
    path("papers/<arxiv:arxiv_id>/reviews/feed/", feeds.PaperReviewsFeed(), name="feed"),
    path("papers/<arxiv:arxiv_id>/reviews/<int:pk>/edit", views.review_edit_view, name="edit"),
    path(
        "papers/<arxiv:arxiv_id>/reviews/<int:pk>/delete", views.review_delete_view, name="delete"
    ),
    path(
        "papers/<arxiv:arxiv_id>/reviews/<int:pk>/concerns/<int:position>/addressed",
        views.concern_addressed_view,
        name="concern-addressed",
    ),
    path(
        "papers/<arxiv:arxiv_id>/discussion/", views_discussion.discussion_view, name="discussion"
    ),
    path(
        "papers/<arxiv:arxiv_id>/comments/",
        views_discussion.comment_create_view,
        name="comment-create",
    ),
    path(
        "papers/<arxiv:arxiv_id>/comments/<int:pk>/reply",
        views_discussion.reply_form_view,
        name="reply-form",
    ),
    path(
        "papers/<arxiv:arxiv_id>/comments/<int:pk>/edit",
        views_discussion.comment_edit_view,
        name="comment-edit",
    ),
    path(
        "papers/<arxiv:arxiv_id>/comments/<int:pk>/delete",
        views_discussion.comment_delete_view,
        name="comment-delete",
    ),
    path(
        "papers/<arxiv:arxiv_id>/reviews/<int:pk>/report",
        views_discussion.report_view,
        {"kind": "review"},
        name="report-review",
    ),
    path(
        "papers/<arxiv:arxiv_id>/reviews/<int:pk>/helpful",
        views_helpful.helpful_view,
        {"kind": "review"},
        name="helpful-review",
    ),
    path(
        "papers/<arxiv:arxiv_id>/comments/<int:pk>/helpful",
        views_helpful.helpful_view,
        {"kind": "comment"},
        name="helpful-comment",
    ),
    path(
        "papers/<arxiv:arxiv_id>/comments/<int:pk>/report",
        views_discussion.report_view,
        {"kind": "comment"},
        name="report-comment",
    ),
]
