"""The paper page's context: metadata, curation blocks and the review and discussion blocks,
for one viewer (the anonymous one too). Views and write helpers (papers/web.py) render it."""

from django.conf import settings
from django.http import HttpRequest

from papers.catalogue import selectors
from papers.curation.intents import curation_intent
from papers.models import Collection, Paper
from reviews.page_blocks import paper_blocks_context


def curation_context(
    paper: Paper, *, viewer=None, intent: str = "", my_vote: int | None = None, **extra
) -> dict:
    """What the curation blocks (next steps, reading frame, reactions) need. The anonymous
    rendering is shared by every visitor, so it gets nothing of any one viewer."""
    signed_in = viewer is not None and viewer.is_authenticated
    return {
        "paper": paper,
        "curation": selectors.paper_curation(paper, viewer if signed_in else None),
        "my_vote": my_vote if signed_in else None,
        "liked": signed_in and my_vote == 1,
        "disliked": signed_in and my_vote == -1,
        "intent": curation_intent(intent) if signed_in else None,
        # Log-in moves with the accounts app: the link follows the setting, not a fixed path.
        "login_url": settings.LOGIN_URL,
        "collection_name_max": Collection.NAME_MAX,
        **extra,
    }


def paper_detail_context(paper: Paper) -> dict:
    authorships = list(paper.authorships.all())
    return {
        "paper": paper,
        "authorships": authorships,
        "authors_shown": authorships[: selectors.AUTHORS_SHOWN],
        "authors_more": authorships[selectors.AUTHORS_SHOWN :],
        "categories": [pt.topic for pt in paper.paper_topics.all() if pt.source == "arxiv"],
        "openalex_topics": [pt for pt in paper.paper_topics.all() if pt.source == "openalex"],
        "versions": list(paper.versions.all()),
        "institutions": selectors.paper_institutions(paper),
    }


def paper_page_context(request: HttpRequest, paper: Paper, **extra) -> dict:
    """The whole page's context for this viewer (the anonymous one too). ``extra`` carries
    forms with errors and open states for the curation, review and discussion blocks."""
    intent = extra.pop("intent_override", "") or request.GET.get("intent", "")
    blocks = paper_blocks_context(paper, request.user, intent=intent, **extra)
    curation = curation_context(
        paper, viewer=request.user, my_vote=getattr(paper, "my_vote", None), intent=intent
    )
    return paper_detail_context(paper) | curation | blocks
