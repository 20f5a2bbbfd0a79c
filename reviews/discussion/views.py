"""Work discussion and reports on the paper page.

Writes re-render the discussion block (HTMX) with the comment count and the replication
badge inside it; without HTMX they redirect (303) back to the comment. A report answers
with the item's report control, now saying it was reported.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from papers.models import Paper
from papers.web import full_page, paper_for_write, paper_write, see_other, text_response
from reviews.discussion import services
from reviews.discussion.forms import CommentEditForm, CommentForm, DiscussionQuery
from reviews.forms import add_service_errors
from reviews.models import Comment, ReportReason, Review
from reviews.moderation.forms import ReportForm
from reviews.moderation.reports import report_create
from reviews.moderation.selectors import reported_by
from reviews.page_blocks import comment_form_choices, discussion_context
from reviews.reviews.services import reviews_visible_to


def _query(request: HttpRequest) -> tuple[str, str]:
    """Sort and kind from the query string (a posted comment's own "kind" is not a filter);
    unknown values fall back to the defaults."""
    query = DiscussionQuery(request.GET)
    if not query.is_valid():
        return "oldest", ""
    return query.cleaned_data["sort"] or "oldest", query.cleaned_data["kind"]


def _block(request: HttpRequest, paper: Paper, **extra) -> HttpResponse:
    fresh = paper_for_write(paper.arxiv_id)
    sort, kind = _query(request)
    context = discussion_context(fresh, request.user, sort=sort, kind=kind, **extra)
    html = render_to_string("reviews/discussion.html", context, request)
    # The reading frame's counts follow (out of band).
    frame = render_to_string("papers/detail.html#frame-reviews", {"paper": fresh, "oob": True})
    return HttpResponse(html + frame)


@require_safe
def discussion_view(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """The discussion sorted and filtered: the block for HTMX, else the whole page."""
    paper = paper_for_write(arxiv_id)
    query = DiscussionQuery(request.GET)
    if not query.is_valid():
        return text_response("Sort by oldest, newest or kind; filter by a listed kind.", 400)
    if request.htmx:
        return _block(request, paper)
    sort, kind = _query(request)
    # ?reply=<id>: the reply form open under that comment (the Reply link without HTMX).
    reply_to = _int(request.GET.get("reply")) if request.user.is_authenticated else None
    return full_page(request, paper, sort=sort, kind=kind, reply_to=reply_to)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_safe
@paper_write(anchor="#comment-{pk}")
def reply_form_view(request: HttpRequest, paper: Paper, pk: int) -> HttpResponse:
    """The reply form under a comment (loaded when Reply is clicked)."""
    if not _repliable(paper).filter(pk=pk).exists():
        raise Http404("No such comment on this paper.")
    if not request.htmx:
        return see_other(f"{reverse('reviews:discussion', args=[paper.arxiv_id])}?reply={pk}")
    context = {"paper": paper, "form": CommentForm(), "parent_id": pk, **comment_form_choices()}
    return render(request, "reviews/comment_form.html", context)


@require_POST
@paper_write(anchor="#discussion")
def comment_create_view(request: HttpRequest, paper: Paper) -> HttpResponse:
    form = CommentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        parent = None
        if data["parent"]:
            parent = _repliable(paper).filter(pk=data["parent"]).first()
            if parent is None:
                form.add_error(None, "That comment cannot be replied to.")
        if form.is_valid():
            try:
                comment = services.comment_create(
                    author=request.user,
                    paper=paper,
                    body=data["body"],
                    kind=data["kind"],
                    parent=parent,
                    link=data["link"],
                    replication_status=data["replication_status"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if request.htmx:
                    return _block(request, paper)
                return see_other(paper.get_item_url(f"comment-{comment.pk}"))
    if request.htmx:
        # The form comes back with its messages and what was typed (200, so htmx swaps it).
        return _reply_or_block(request, paper, form)
    return full_page(request, paper, status=400, comment_form=form)


def _reply_or_block(request: HttpRequest, paper: Paper, form: CommentForm) -> HttpResponse:
    parent_id = _int(form.data.get("parent"))
    if parent_id and _repliable(paper).filter(pk=parent_id).exists():
        # A reply's form stays open under its comment, with the messages.
        return _block(request, paper, reply_to=parent_id, reply_form=form)
    return _block(request, paper, comment_form=form)


def _repliable(paper: Paper):
    return Comment.objects.filter(paper=paper, is_hidden=False, is_deleted=False)


def _own_comment(request: HttpRequest, paper: Paper, pk: int) -> Comment:
    comment = Comment.objects.filter(pk=pk, paper=paper, author=request.user).first()
    if comment is None or comment.is_deleted:
        raise Http404("You have no such comment on this paper.")
    return comment


@require_http_methods(["GET", "POST"])
@paper_write(anchor="#comment-{pk}")
def comment_edit_view(request: HttpRequest, paper: Paper, pk: int) -> HttpResponse:
    """GET: the comment's form in its place in the thread; POST: save the new text."""
    comment = _own_comment(request, paper, pk)
    if request.method == "GET":
        initial = {
            "body": comment.body,
            "link": comment.link,
            "replication_status": comment.replication_status,
        }
        return _editing(request, paper, comment, CommentEditForm(initial=initial))
    return _save_edit(request, paper, comment)


def _editing(request, paper, comment, form, *, status: int = 200) -> HttpResponse:
    if request.htmx:
        return _block(request, paper, editing_comment=comment.pk, comment_edit_form=form)
    sort, kind = _query(request)
    return full_page(
        request,
        paper,
        status=status,
        sort=sort,
        kind=kind,
        editing_comment=comment.pk,
        comment_edit_form=form,
    )


def _save_edit(request: HttpRequest, paper: Paper, comment: Comment) -> HttpResponse:
    form = CommentEditForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.comment_edit(
                comment=comment,
                editor=request.user,
                body=data["body"],
                link=data["link"],
                replication_status=data["replication_status"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if request.htmx:
                return _block(request, paper)
            return see_other(paper.get_item_url(f"comment-{comment.pk}"))
    return _editing(request, paper, comment, form, status=400)


@require_POST
@paper_write(anchor="#comment-{pk}")
def comment_delete_view(request: HttpRequest, paper: Paper, pk: int) -> HttpResponse:
    comment = _own_comment(request, paper, pk)
    try:
        services.comment_delete(comment=comment, actor=request.user)
    except PermissionDenied as exc:
        return text_response(str(exc), 403)
    if request.htmx:
        return _block(request, paper)
    return see_other(f"{paper.get_absolute_url()}#discussion")


def _report_target(request: HttpRequest, paper: Paper, kind: str, pk: int) -> Review | Comment:
    """An item the reporter can see: hidden ones (not their own) are not found."""
    if kind == "review":
        queryset = Review.objects.filter(reviews_visible_to(request.user))
    else:
        queryset = Comment.objects.filter(
            services.comments_visible_to(request.user), is_deleted=False
        )
    target = queryset.filter(paper=paper, pk=pk).first()
    if target is None:
        raise Http404(f"No such {kind} on this paper.")
    return target


@require_http_methods(["GET", "POST"])
@paper_write(anchor="#{kind}-{pk}")
def report_view(request: HttpRequest, paper: Paper, kind: str, pk: int) -> HttpResponse:
    """GET: the report form (swapped in place of the item's "Report" link, or a page of its
    own without JavaScript), so the paper page carries no form per item. POST: the report."""
    target = _report_target(request, paper, kind, pk)
    if request.method == "GET":
        form = ReportForm()
        done = target.pk in reported_by(request.user, paper)[kind]
    else:
        form = ReportForm(request.POST)
        if form.is_valid():
            try:
                report_create(reporter=request.user, target=target, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
        done = form.is_valid()
    context = {
        "paper": paper,
        "kind": kind,
        "target": target,
        "report_form": form,
        "report_reasons": ReportReason.choices,
        "reported": done,
        "report_open": not done,
    }
    if request.htmx:
        return render(request, "reviews/report.html", context)
    if request.method == "GET":
        return render(request, "reviews/report_page.html", context)
    if done:
        return see_other(paper.get_item_url(f"{kind}-{pk}"))
    return render(request, "reviews/report_page.html", context, status=400)
