"""What the review and discussion reads share: who is signed in, and the address their items
live under. Each block's reads are its feature's selectors (reviews/reviews/selectors.py,
reviews/discussion/selectors.py, reviews/moderation/selectors.py), each in a fixed number of
queries."""

from django.urls import reverse

from papers.models import Paper


def item_url_base(paper: Paper, kind: str) -> str:
    """The address under which a paper's reviews or comments live ("/papers/<id>/comments/"):
    one reverse() per page, the items' own addresses are built on it."""
    name = "reviews:create" if kind == "review" else "reviews:comment-create"
    return reverse(name, args=[paper.arxiv_id])


def signed_in(viewer) -> bool:
    return viewer is not None and viewer.is_authenticated
