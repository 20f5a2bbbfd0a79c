"""Reviews, discussion comments and reports over the API, through the same services as the
paper page.

The services hold every rule; these views only find what the caller may see and turn
refusals into API errors: a Django ValidationError is a 400 with field messages, an item
the caller may not see (hidden by a moderator, another paper's, unknown) is a 404, and a
visible item that is not the caller's to change is a 403.
"""

from functools import cached_property

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from papers.api.query import valid_query
from papers.api.service_errors import ServiceApiMixin
from papers.catalogue.selectors import paper_or_404
from papers.models import Paper
from reviews.api.serializers import (
    CommentEditSerializer,
    CommentSerializer,
    CommentWriteSerializer,
    DiscussionQuerySerializer,
    DiscussionSerializer,
    ReportSerializer,
    ReportWriteSerializer,
    ReviewSerializer,
    ReviewWriteSerializer,
)
from reviews.discussion.selectors import CommentNode, paper_discussion
from reviews.discussion.services import (
    comment_create,
    comment_delete,
    comment_edit,
    comments_visible_to,
)
from reviews.models import Comment, Review, ReviewConcern
from reviews.moderation.reports import report_create
from reviews.reviews.services import (
    ReviewText,
    concern_mark_addressed,
    review_create,
    review_delete,
    review_update,
    reviews_visible_to,
)

NOT_FOUND = OpenApiResponse(description="No such paper, or no such item of it for you.")
INVALID = OpenApiResponse(description="Invalid input; the body maps fields to messages.")
NOT_YOURS = OpenApiResponse(description="The item is not yours to change.")
ALREADY = OpenApiResponse(description="You did this already: once per curator and item.")


class ReviewsApiMixin(ServiceApiMixin):
    """Anyone reads; signed-in curators write, within the per-user write limit."""


def _valid(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- Reviews ---------------------------------------------------------------------------------


def _reviews(viewer) -> QuerySet[Review]:
    """Reviews the viewer may read, with what their JSON shows, in two queries."""
    concerns = ReviewConcern.objects.order_by("position")
    return (
        Review.objects.filter(reviews_visible_to(viewer))
        .select_related("author")
        .prefetch_related(Prefetch("concerns", queryset=concerns))
    )


def _visible_review(request: Request, paper: Paper, pk: int) -> Review:
    review = _reviews(request.user).filter(paper=paper, pk=pk).first()
    if review is None:
        raise NotFound(f"No review {pk} of arXiv:{paper.arxiv_id} here.")
    review.paper = paper  # the services lock the paper through it: no second fetch
    return review


def _own_review(request: Request, paper: Paper, pk: int) -> Review:
    review = _visible_review(request, paper, pk)
    if review.author_id != request.user.pk:
        raise PermissionDenied("Only its author can change this review.")
    return review


def _review_response(request: Request, paper: Paper, pk: int, *, code: int = 200) -> Response:
    # Read back after the write: the service replaced the concerns.
    review = _visible_review(request, paper, pk)
    data = ReviewSerializer(review, context={"request": request, "paper": paper}).data
    return Response(data, status=code)


def _review_text(review: Review) -> dict:
    """The review's current text, the base a partial edit changes."""
    text = {name: getattr(review, name) for name in ReviewText.__dataclass_fields__}
    return text | {"concerns": [c.text for c in review.concerns.all()]}


class ReviewList(ReviewsApiMixin, generics.ListAPIView):
    """The reviews of a paper."""

    serializer_class = ReviewSerializer

    @cached_property
    def paper(self) -> Paper:
        return paper_or_404(self.kwargs["arxiv_id"])

    def get_queryset(self) -> QuerySet[Review]:
        if getattr(self, "swagger_fake_view", False):
            return Review.objects.none()
        return _reviews(self.request.user).filter(paper=self.paper).order_by("-created_at", "-pk")

    def get_serializer_context(self) -> dict:
        return super().get_serializer_context() | {"paper": self.paper}

    @extend_schema(
        responses={200: ReviewSerializer(many=True), 404: NOT_FOUND},
        summary="Reviews of a paper",
        description=(
            "Newest first. Reviews hidden by a moderator are left out, except your own, which "
            "you receive with hidden set. Every Markdown text comes as written and as "
            "sanitised HTML (*_html)."
        ),
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ReviewWriteSerializer,
        responses={201: ReviewSerializer, 400: INVALID, 404: NOT_FOUND, 409: ALREADY},
        summary="Review a paper",
        description=(
            "One review per curator and paper, written against the paper's current version. "
            "A second review is a 409; one without any strength, concern or method question "
            "a 400 naming the reason."
        ),
    )
    def post(self, request: Request, arxiv_id: str) -> Response:
        paper = self.paper
        data = _valid(ReviewWriteSerializer, request.data)
        review = review_create(author=request.user, paper=paper, text=ReviewText(**data))
        return _review_response(request, paper, review.pk, code=status.HTTP_201_CREATED)


class ReviewDetail(ReviewsApiMixin, APIView):
    """One review of a paper."""

    @extend_schema(
        responses={200: ReviewSerializer, 404: NOT_FOUND},
        summary="A review",
        description="A review hidden by a moderator is a 404 for anyone but its author.",
    )
    def get(self, request: Request, arxiv_id: str, pk: int) -> Response:
        return _review_response(request, paper_or_404(arxiv_id), pk)

    def _update(self, request: Request, arxiv_id: str, pk: int, *, partial: bool) -> Response:
        paper = paper_or_404(arxiv_id)
        review = _own_review(request, paper, pk)
        data = _valid(ReviewWriteSerializer, request.data, partial=partial)
        if partial:
            data = _review_text(review) | data
        review_update(review=review, text=ReviewText(**data))
        return _review_response(request, paper, pk)

    @extend_schema(
        request=ReviewWriteSerializer,
        responses={200: ReviewSerializer, 400: INVALID, 403: NOT_YOURS, 404: NOT_FOUND},
        summary="Replace your review",
        description=(
            "The whole text is replaced (fields left out take their defaults) and the review "
            "is then about the paper's current version. The previous text is kept for "
            "moderators."
        ),
    )
    def put(self, request: Request, arxiv_id: str, pk: int) -> Response:
        return self._update(request, arxiv_id, pk, partial=False)

    @extend_schema(
        request=ReviewWriteSerializer(partial=True),
        responses={200: ReviewSerializer, 400: INVALID, 403: NOT_YOURS, 404: NOT_FOUND},
        summary="Edit your review",
        description=(
            "Changes only the fields given (concerns, when given, replace the list); the "
            "review is then about the paper's current version."
        ),
    )
    def patch(self, request: Request, arxiv_id: str, pk: int) -> Response:
        return self._update(request, arxiv_id, pk, partial=True)

    @extend_schema(
        responses={204: None, 403: NOT_YOURS, 404: NOT_FOUND},
        summary="Delete your review",
        description="The paper's review count follows.",
    )
    def delete(self, request: Request, arxiv_id: str, pk: int) -> Response:
        review_delete(review=_own_review(request, paper_or_404(arxiv_id), pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReviewConcernAddressed(ReviewsApiMixin, APIView):
    """Whether a newer version of the paper addresses one concern of your review."""

    def _mark(self, request: Request, arxiv_id: str, pk: int, position: int, addressed: bool):
        paper = paper_or_404(arxiv_id)
        review = _own_review(request, paper, pk)
        concern = next((c for c in review.concerns.all() if c.position == position), None)
        if concern is None:
            raise NotFound(f"Review {pk} has no concern {position}.")
        concern.review = review
        concern_mark_addressed(concern=concern, addressed=addressed)
        return _review_response(request, paper, pk)

    @extend_schema(
        request=None,
        responses={200: ReviewSerializer, 400: INVALID, 403: NOT_YOURS, 404: NOT_FOUND},
        summary="Mark a concern addressed",
        description=(
            "Marks the concern (by its position, from 0) as addressed by the paper's current "
            "version; a 400 when the paper has no version newer than the reviewed one."
        ),
    )
    def put(self, request: Request, arxiv_id: str, pk: int, position: int) -> Response:
        return self._mark(request, arxiv_id, pk, position, True)

    @extend_schema(
        request=None,
        responses={200: ReviewSerializer, 403: NOT_YOURS, 404: NOT_FOUND},
        summary="Mark a concern not addressed",
    )
    def delete(self, request: Request, arxiv_id: str, pk: int, position: int) -> Response:
        return self._mark(request, arxiv_id, pk, position, False)


# --- Discussion ------------------------------------------------------------------------------


def _reading_order(threads: list[CommentNode]) -> list[Comment]:
    """Each comment followed by its replies, depth first (without recursion: threads can be
    deeper than Python's stack)."""
    ordered: list[Comment] = []
    stack = list(reversed(threads))
    while stack:
        node = stack.pop()
        node.comment.masked = node.masked
        ordered.append(node.comment)
        stack.extend(reversed(node.replies))
    return ordered


def _visible_comment(request: Request, paper: Paper, pk: int) -> Comment:
    comment = (
        Comment.objects.filter(comments_visible_to(request.user), paper=paper, pk=pk)
        .select_related("author")
        .first()
    )
    if comment is None:
        raise NotFound(f"No comment {pk} on arXiv:{paper.arxiv_id} here.")
    return comment


def _live_comment(request: Request, paper: Paper, pk: int) -> Comment:
    comment = _visible_comment(request, paper, pk)
    if comment.is_deleted:
        raise NotFound(f"Comment {pk} was deleted.")
    return comment


def _comment_response(request: Request, comment: Comment, *, code: int = 200) -> Response:
    return Response(CommentSerializer(comment, context={"request": request}).data, status=code)


class CommentList(ReviewsApiMixin, APIView):
    """The discussion of a paper."""

    @extend_schema(
        parameters=[DiscussionQuerySerializer],
        responses={200: DiscussionSerializer, 400: INVALID, 404: NOT_FOUND},
        operation_id="papers_comments_list",
        summary="Discussion of a paper",
        description=(
            "Every comment you may see, as a flat list in reading order with parent and "
            "depth, and the paper's replication roll-up. Comments deleted by their author "
            "keep their place without text or author; hidden ones are left out, except "
            "your own (with hidden set) and, as empty placeholders, those with visible "
            "replies. Not paginated: a thread is only useful whole."
        ),
    )
    def get(self, request: Request, arxiv_id: str) -> Response:
        paper = paper_or_404(arxiv_id)
        query = valid_query(DiscussionQuerySerializer, request)
        discussion = paper_discussion(
            paper, request.user, sort=query["sort"], kind=query.get("kind", "")
        )
        data = {
            "count": discussion.count,
            "sort": discussion.sort,
            "kind": discussion.kind,
            "replication": discussion.replication | {"summary": discussion.replication_summary},
            "results": _reading_order(discussion.threads),
        }
        return Response(DiscussionSerializer(data, context={"request": request}).data)

    @extend_schema(
        request=CommentWriteSerializer,
        responses={201: CommentSerializer, 400: INVALID, 404: NOT_FOUND},
        summary="Comment on a paper",
        description=(
            "A note, caveat, question or replication pointer (which needs a link and a "
            "status), or a reply to a visible comment of the same paper."
        ),
    )
    def post(self, request: Request, arxiv_id: str) -> Response:
        paper = paper_or_404(arxiv_id)
        data = _valid(CommentWriteSerializer, request.data)
        parent = None
        if data.get("parent") is not None:
            # The service refuses a parent that is hidden, deleted or another paper's; an
            # unknown id gets the same answer, so hidden ones cannot be told apart.
            parent = Comment.objects.filter(pk=data["parent"]).first()
            if parent is None:
                raise ValidationError({"parent": ["That comment cannot be replied to."]})
        comment = comment_create(
            author=request.user,
            paper=paper,
            body=data["body"],
            kind=data["kind"],
            parent=parent,
            link=data["link"],
            replication_status=data["replication_status"],
        )
        return _comment_response(request, comment, code=status.HTTP_201_CREATED)


class CommentDetail(ReviewsApiMixin, APIView):
    """One comment of a paper."""

    @extend_schema(
        responses={200: CommentSerializer, 404: NOT_FOUND},
        summary="A comment",
        description="A comment hidden by a moderator is a 404 for anyone but its author.",
    )
    def get(self, request: Request, arxiv_id: str, pk: int) -> Response:
        return _comment_response(request, _visible_comment(request, paper_or_404(arxiv_id), pk))

    @extend_schema(
        request=CommentEditSerializer,
        responses={200: CommentSerializer, 400: INVALID, 403: NOT_YOURS, 404: NOT_FOUND},
        summary="Edit your comment",
        description=(
            "Only its author, and only within the grace period after posting (see "
            "editable_until); afterwards a 400 says so. The fields given replace the "
            "comment's; its kind and place in the thread stay."
        ),
    )
    def patch(self, request: Request, arxiv_id: str, pk: int) -> Response:
        comment = _live_comment(request, paper_or_404(arxiv_id), pk)
        data = _valid(CommentEditSerializer, request.data)
        comment_edit(
            comment=comment,
            editor=request.user,
            body=data.get("body", comment.body),
            link=data.get("link", comment.link),
            replication_status=data.get("replication_status", comment.replication_status),
        )
        return _comment_response(request, comment)

    @extend_schema(
        responses={204: None, 403: NOT_YOURS, 404: NOT_FOUND},
        summary="Delete your comment",
        description=(
            "A comment with replies stays in its thread without text or author; one without "
            "is removed. The paper's comment count follows."
        ),
    )
    def delete(self, request: Request, arxiv_id: str, pk: int) -> Response:
        comment = _live_comment(request, paper_or_404(arxiv_id), pk)
        comment_delete(comment=comment, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Reports ---------------------------------------------------------------------------------


class ReportCreate(ReviewsApiMixin, APIView):
    """Reports an item to the moderators."""

    def target(self, request: Request, paper: Paper, pk: int) -> Review | Comment:
        raise NotImplementedError

    def post(self, request: Request, arxiv_id: str, pk: int) -> Response:
        paper = paper_or_404(arxiv_id)
        target = self.target(request, paper, pk)
        data = _valid(ReportWriteSerializer, request.data)
        report = report_create(reporter=request.user, target=target, **data)
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)


REPORT_RESPONSES = {201: ReportSerializer, 400: INVALID, 404: NOT_FOUND, 409: ALREADY}
REPORT_RULES = (
    "Once per item (a second report is a 409), never your own (a 400 saying so); an item "
    "hidden by a moderator is a 404. A reason of “other” needs details."
)


class ReviewReport(ReportCreate):
    def target(self, request: Request, paper: Paper, pk: int) -> Review:
        return _visible_review(request, paper, pk)

    @extend_schema(
        request=ReportWriteSerializer,
        responses=REPORT_RESPONSES,
        summary="Report a review",
        description=REPORT_RULES,
    )
    def post(self, request: Request, arxiv_id: str, pk: int) -> Response:
        return super().post(request, arxiv_id, pk)


class CommentReport(ReportCreate):
    def target(self, request: Request, paper: Paper, pk: int) -> Comment:
        return _live_comment(request, paper, pk)

    @extend_schema(
        request=ReportWriteSerializer,
        responses=REPORT_RESPONSES,
        summary="Report a comment",
        description=REPORT_RULES,
    )
    def post(self, request: Request, arxiv_id: str, pk: int) -> Response:
        return super().post(request, arxiv_id, pk)
