"""The research-map slice on the paper page, and curators' pins and hides.

The paper page holds only the slice's loading state; HTMX asks for the slice when the block
scrolls into view, so the page itself stays as fast as before. Pins and hides answer with
the slice again (HTMX) or send the browser back to the paper's map block (plain forms).
"""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST, require_safe

from papers.arxiv.ids import InvalidArxivId, parse_arxiv_id
from papers.catalogue.page_cache import cached_page
from papers.catalogue.selectors import UNSHOWN_FIELDS, arxiv_id_or_404, paper_by_id_or_404
from papers.models import Paper
from papers.researchmap.pins import neighbour_hide, neighbour_pin, neighbour_unhide, neighbour_unpin
from papers.researchmap.slice import map_slice_get
from papers.web import TEXT, canonical_redirect, paper_write, see_other

ANCHOR = "#research-map"
TEMPLATE = "papers/map_slice.html"
CHOICES = {
    "pin": neighbour_pin,
    "unpin": neighbour_unpin,
    "hide": neighbour_hide,
    "unhide": neighbour_unhide,
}


def _paper(arxiv_id: str) -> Paper:
    return paper_by_id_or_404(arxiv_id, Paper.objects.defer(*UNSHOWN_FIELDS, "abstract"))


def _render(request: HttpRequest, paper: Paper, *, status: int = 200, **extra) -> HttpResponse:
    context = {"slice": map_slice_get(paper=paper, viewer=request.user), **extra}
    return render(request, TEMPLATE, context, status=status)


@require_safe
def map_slice(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    parsed = arxiv_id_or_404(arxiv_id)
    if moved := canonical_redirect(request, parsed, arxiv_id, "papers:map-slice"):
        return moved
    if request.user.is_authenticated:
        response = _render(request, _paper(parsed.id))
    else:
        # Everyone anonymous sees the same slice: cached under the paper's page token, which
        # a pin, a hide or a recompute of its neighbours replaces. A hit reads no table.
        def render_slice() -> str:
            slice_ = map_slice_get(paper=_paper(parsed.id))
            return render_to_string(TEMPLATE, {"slice": slice_}, request)

        response = HttpResponse(cached_page(parsed.id, "map-slice", render_slice))
    patch_vary_headers(response, ["Cookie"])
    return response


def _neighbour(raw_id: str) -> Paper:
    try:
        parsed = parse_arxiv_id(raw_id)
    except InvalidArxivId as exc:
        raise ValidationError(str(exc), code="invalid") from None
    neighbour = Paper.objects.only("pk", "arxiv_id").filter(arxiv_id=parsed.id).first()
    if neighbour is None:
        raise ValidationError(
            f"No paper arXiv:{parsed.id} here yet: add it first, then pin it.", code="missing"
        )
    return neighbour


def _choose(request: HttpRequest, paper: Paper, raw_id: str, action: str) -> HttpResponse:
    try:
        CHOICES[action](user=request.user, paper=paper, neighbour=_neighbour(raw_id))
    except ValidationError as exc:
        if not request.htmx:
            return HttpResponse(" ".join(exc.messages), status=400, content_type=TEXT)
        # 200 so htmx swaps the slice back in with the message and what was typed.
        return _render(request, _paper(paper.arxiv_id), errors=exc.messages, typed=raw_id)
    if not request.htmx:
        return see_other(paper.get_absolute_url() + ANCHOR)
    return _render(request, _paper(paper.arxiv_id))


@require_POST
@paper_write(anchor=ANCHOR)
def map_choice(request: HttpRequest, paper: Paper, neighbour_id: str, action: str):
    """A button on one neighbour: pin, unpin, hide or unhide it."""
    if action not in CHOICES:
        raise Http404(f"Unknown map action {action!r}.")
    return _choose(request, paper, neighbour_id, action)


@require_POST
@paper_write(anchor=ANCHOR)
def map_pin(request: HttpRequest, paper: Paper):
    """The "also relevant" form: pin a paper named by the arXiv id or URL typed in."""
    return _choose(request, paper, request.POST.get("neighbour", "").strip(), "pin")
