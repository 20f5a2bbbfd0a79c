"""Structured reviews on the paper page: the form opens in place, errors show next to their
fields, and the list and the page's review counts update without a reload (HTMX).

Without HTMX the same URLs work as plain forms: success redirects (303) back to the paper,
errors render the whole page with the form open. Anonymous visitors are sent to log in and
come back to the paper with the review form open (``?intent=review``).
"""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from papers.models import Paper
from papers.web import full_page, paper_for_write, paper_write, see_other, text_response
from reviews.forms import add_service_errors
from reviews.models import Review, ReviewConcern
from reviews.page_blocks import reviews_context
from reviews.reviews import services
from reviews.reviews.forms import ReviewForm


def _count_swaps(paper: Paper) -> str:
    """The page's review counts, swapped out of band next to the updated list."""
    context = {"paper": paper, "oob": True}
    return render_to_string("papers/detail.html#review-count", context) + render_to_string(
        "papers/detail.html#frame-reviews", context
    )


def _reviews_block(request: HttpRequest, paper: Paper, **extra) -> HttpResponse:
    fresh = paper_for_write(paper.arxiv_id)
    context = reviews_context(fresh, request.user, **extra)
    html = render_to_string("reviews/reviews.html", context, request)
    return HttpResponse(html + _count_swaps(fresh))


def _own_review(request: HttpRequest, paper: Paper, pk: int) -> Review:
    """The signed-in user's review of this paper; anyone else's is not found (never 403:
    a hidden review must not be confirmed to exist)."""
    review = (
        Review.objects.filter(paper=paper, pk=pk, author=request.user)
        .select_related("paper")
        .first()
    )
    if review is None:
        raise Http404("You have no such review of this paper.")
    return review


@require_safe
def reviews_block_view(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """The reviews block as it stands (a form's Cancel); without HTMX, the paper itself."""
    paper = paper_for_write(arxiv_id)
    if not request.htmx:
        return see_other(f"{paper.get_absolute_url()}#reviews")
    return _reviews_block(request, paper)


@require_http_methods(["GET", "POST"])
@paper_write(anchor="#reviews", intent="review")
def review_create_view(request: HttpRequest, paper: Paper) -> HttpResponse:
    """GET: the empty form (in place); POST: write the review."""
    if request.method == "GET":
        if not request.htmx:
            return full_page(request, paper, intent_override="review")
        return _reviews_block(request, paper, form_open=True)
    form = ReviewForm(request.POST)
    if "add_concern" not in request.POST and form.is_valid():
        try:
            review = services.review_create(
                author=request.user, paper=paper, text=form.review_text()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if request.htmx:
                return _reviews_block(request, paper)
            return see_other(paper.get_item_url(f"review-{review.pk}"))
    if request.htmx:
        # 200 so htmx swaps the form back in with the messages and everything typed.
        return _reviews_block(request, paper, review_form=form)
    return full_page(request, paper, status=400, review_form=form)


@require_http_methods(["GET", "POST"])
@paper_write(anchor="#review-{pk}")
def review_edit_view(request: HttpRequest, paper: Paper, pk: int) -> HttpResponse:
    """GET: the review's form in its place in the list; POST: save the new text."""
    review = _own_review(request, paper, pk)
    if request.method == "GET":
        return _editing(request, paper, review, ReviewForm.for_review(review))
    form = ReviewForm(request.POST)
    if "add_concern" not in request.POST and form.is_valid():
        try:
            services.review_update(review=review, text=form.review_text())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if request.htmx:
                return _reviews_block(request, paper)
            return see_other(paper.get_item_url(f"review-{review.pk}"))
    return _editing(request, paper, review, form, status=400)


def _editing(request, paper, review, form, *, status: int = 200) -> HttpResponse:
    if request.htmx:
        return _reviews_block(request, paper, editing_review=review.pk, review_edit_form=form)
    return full_page(request, paper, status=status, editing_review=review.pk, review_edit_form=form)


@require_POST
@paper_write(anchor="#reviews")
def review_delete_view(request: HttpRequest, paper: Paper, pk: int) -> HttpResponse:
    services.review_delete(review=_own_review(request, paper, pk))
    if request.htmx:
        return _reviews_block(request, paper)
    return see_other(f"{paper.get_absolute_url()}#reviews")


@require_POST
@paper_write(anchor="#review-{pk}")
def concern_addressed_view(request: HttpRequest, paper: Paper, pk: int, position: int):
    """The review's author marks one concern addressed by the current version (or not)."""
    review = _own_review(request, paper, pk)
    concern = ReviewConcern.objects.filter(review=review, position=position).first()
    if concern is None:
        return text_response("That review has no such concern.", 404)
    try:
        services.concern_mark_addressed(
            concern=concern, addressed=request.POST.get("addressed") == "1"
        )
    except ValidationError as exc:
        return text_response(" ".join(exc.messages), 400)
    if request.htmx:
        return _reviews_block(request, paper)
    return see_other(paper.get_item_url(f"review-{review.pk}"))
