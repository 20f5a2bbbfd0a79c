"""The "Helpful" toggle on reviews and comments; HTMX swaps the control alone."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from papers.models import Paper
from papers.web import paper_write, see_other, text_response
from reviews.helpful.services import helpful_toggle, with_helpful
from reviews.models import Comment, Review
from reviews.selectors import item_url_base


def _target(request: HttpRequest, paper: Paper, kind: str, pk: int) -> Review | Comment:
    model = Review if kind == "review" else Comment
    queryset = model.objects.filter(paper=paper, pk=pk, is_hidden=False)
    if kind == "comment":
        queryset = queryset.filter(is_deleted=False)
    target = with_helpful(queryset, request.user).first()
    if target is None:
        raise Http404(f"No such {kind} on this paper.")
    return target


@require_POST
@paper_write(anchor="#{kind}-{pk}")
def helpful_view(request: HttpRequest, paper: Paper, kind: str, pk: int) -> HttpResponse:
    target = _target(request, paper, kind, pk)
    try:
        helpful_toggle(user=request.user, target=target)
    except ValidationError as exc:
        return text_response(" ".join(exc.messages), 400)
    if not request.htmx:
        return see_other(paper.get_item_url(f"{kind}-{pk}"))
    fresh = _target(request, paper, kind, pk)
    fresh.is_mine = False
    fresh.url_base = f"{item_url_base(paper, kind)}{pk}/"
    context = {"paper": paper, "kind": kind, "item": fresh}
    return render(request, "reviews/helpful.html", context)
