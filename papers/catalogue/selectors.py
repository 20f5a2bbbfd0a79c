"""Reads for the paper pages and API, each in a fixed number of queries."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce
from django.http import Http404

from papers.arxiv.ids import ArxivId, InvalidArxivId, parse_arxiv_id
from papers.curation.reactions import ReactionTally, paper_reactions
from papers.models import (
    Authorship,
    Collection,
    CollectionItem,
    Paper,
    PaperTopic,
    Vote,
    institution_links_prefetch,
)

# Authors shown before "and N more".
AUTHORS_SHOWN = 10
# Authors shown per paper in lists.
AUTHORS_IN_LISTS = 3


# Only enrichment reads the stored reference list; pages and the API never need it.
UNSHOWN_FIELDS = ("referenced_openalex_ids", "search_document")


def paper_detail_queryset() -> QuerySet[Paper]:
    return Paper.objects.defer(*UNSHOWN_FIELDS).prefetch_related(
        Prefetch(
            "authorships",
            queryset=Authorship.objects.select_related("author")
            .prefetch_related(institution_links_prefetch())
            .order_by("position"),
        ),
        Prefetch("paper_topics", queryset=PaperTopic.objects.select_related("topic")),
        "versions",
    )


def paper_get(*, arxiv_id: str, viewer=None) -> Paper | None:
    """The paper with the detail prefetches; for a signed-in ``viewer``, also ``my_vote``
    (their vote's value or None), read in the same query as the paper."""
    queryset = paper_detail_queryset().filter(arxiv_id=arxiv_id)
    if viewer is not None and viewer.is_authenticated:
        my_vote = Vote.objects.filter(paper=OuterRef("pk"), user=viewer).values("value")[:1]
        queryset = queryset.annotate(my_vote=Subquery(my_vote))
    return queryset.first()


def paper_row(*, arxiv_id: str, viewer) -> Paper | None:
    """The paper's own row (counts included) and the signed-in ``viewer``'s ``my_vote``, in
    one query: what a shared page's per-viewer parts need (papers/catalogue/member_page.py)."""
    my_vote = Vote.objects.filter(paper=OuterRef("pk"), user=viewer).values("value")[:1]
    queryset = Paper.objects.defer(*UNSHOWN_FIELDS).annotate(my_vote=Subquery(my_vote))
    return queryset.filter(arxiv_id=arxiv_id).first()


def arxiv_id_or_404(raw_id: str) -> ArxivId:
    """The id a URL names, in any form; Http404 saying what is wrong with it otherwise."""
    try:
        return parse_arxiv_id(raw_id)
    except InvalidArxivId as exc:
        raise Http404(str(exc)) from None


def paper_by_id_or_404(raw_id: str, queryset: QuerySet[Paper] | None = None) -> Paper:
    """The paper a URL names (any id form) from ``queryset`` (all papers by default);
    Http404 with the reason otherwise (the id is malformed, or we hold no such paper)."""
    arxiv_id = arxiv_id_or_404(raw_id).id
    papers = Paper.objects.all() if queryset is None else queryset
    paper = papers.filter(arxiv_id=arxiv_id).first()
    if paper is None:
        raise Http404(f"No paper arXiv:{arxiv_id} here.")
    return paper


def paper_or_404(raw_id: str) -> Paper:
    """The paper a write names (any id form), with only what writes need."""
    fields = ("pk", "arxiv_id", "version", "like_count", "dislike_count", "save_count")
    return paper_by_id_or_404(raw_id, Paper.objects.only(*fields))


def paper_for_curation(*, arxiv_id: str, viewer) -> Paper | None:
    """The paper without its parts, with ``my_vote``: what the curation blocks need after a
    change (they render on their own, without authors or versions)."""
    my_vote = Vote.objects.filter(paper=OuterRef("pk"), user=viewer).values("value")[:1]
    return (
        Paper.objects.defer(*UNSHOWN_FIELDS, "abstract")
        .annotate(my_vote=Subquery(my_vote))
        .filter(arxiv_id=arxiv_id)
        .first()
    )


# Public collections named on a paper page; the rest are counted.
PUBLIC_COLLECTIONS_SHOWN = 5


@dataclass(frozen=True, slots=True)
class PaperCuration:
    """What curators did with one paper, as the paper page shows it."""

    reactions: list[ReactionTally]
    public_collections: list[Collection]
    public_collection_count: int
    # The viewer's collections, each with ``has_paper``; empty for anonymous visitors.
    my_collections: list[Collection]

    @property
    def my_reactions(self) -> list[ReactionTally]:
        return [tally for tally in self.reactions if tally.mine]

    @property
    def saved_in(self) -> list[Collection]:
        return [collection for collection in self.my_collections if collection.has_paper]

    @property
    def in_default(self) -> bool:
        return any(collection.is_default for collection in self.saved_in)

    @property
    def public_collections_more(self) -> int:
        return self.public_collection_count - len(self.public_collections)


def paper_curation(paper: Paper, viewer=None) -> PaperCuration:
    """Reactions, public collections and the viewer's collections: three queries, whatever
    the number of reactions, collections or curators."""
    public = list(
        Collection.objects.public()
        .filter(items__paper=paper)
        .select_related("owner")
        .annotate(total=Window(Count("pk")))
        .order_by("-modified_at", "pk")[:PUBLIC_COLLECTIONS_SHOWN]
    )
    signed_in = viewer is not None and viewer.is_authenticated
    mine = []
    if signed_in:
        holds = CollectionItem.objects.filter(collection=OuterRef("pk"), paper=paper)
        mine = list(
            Collection.objects.filter(owner=viewer)
            .annotate(has_paper=Exists(holds))
            .only("pk", "name", "is_public", "is_default")
        )
    return PaperCuration(
        reactions=paper_reactions(paper=paper, viewer=viewer if signed_in else None),
        public_collections=public,
        public_collection_count=public[0].total if public else 0,
        my_collections=mine,
    )


def public_collections_of(owner) -> QuerySet[Collection]:
    """An owner's public collections with their paper counts, most recently changed first."""
    return (
        Collection.objects.public()
        .filter(owner=owner)
        .annotate(paper_count=Count("items"))
        .order_by("-modified_at", "pk")
    )


def author_count() -> Subquery:
    """A paper's number of authors, for "et al.": a subquery per listed paper, so a page of
    a long list neither groups nor counts the whole table."""
    authors = (
        Authorship.objects.filter(paper=OuterRef("pk"))
        .order_by()
        .values("paper")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(authors), 0)


def paper_list_queryset() -> QuerySet[Paper]:
    return (
        Paper.objects.defer(*UNSHOWN_FIELDS)
        .latest_first()
        .annotate(author_count=author_count())
        .prefetch_related(
            Prefetch(
                "authorships",
                queryset=Authorship.objects.select_related("author")
                .filter(position__lt=AUTHORS_IN_LISTS)
                .order_by("position"),
                to_attr="lead_authorships",
            ),
            Prefetch("paper_topics", queryset=PaperTopic.objects.select_related("topic")),
        )
    )


def paper_institutions(paper: Paper) -> list:
    """Distinct institutions of a paper's authors, in author order and each author's order
    (primary first) (uses the prefetch)."""
    seen: dict[int, object] = {}
    for authorship in paper.authorships.all():
        for institution in authorship.affiliations:
            seen.setdefault(institution.pk, institution)
    return list(seen.values())
