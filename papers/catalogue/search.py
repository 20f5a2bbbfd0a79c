"""Finding papers by words: ranked PostgreSQL full-text search.

A paper's document weighs its title (A) above its authors' names (B) above its
abstract (C), in the ``english`` configuration, so "models" finds "model" too. The document
is stored with the paper (``search_documents_refresh`` keeps it) under a GIN index, so a
search reads and ranks it rather than rebuilding it for every match.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django import forms
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    TextChoices,
    When,
    Window,
)
from django.utils import timezone

from papers.arxiv.ids import ArxivId, InvalidArxivId, parse_arxiv_id
from papers.catalogue import selectors
from papers.models import Paper, PaperTopic, Topic

CONFIG = "english"
QUERY_MAX_LENGTH = 200
TOPIC_MAX_LENGTH = 64
# The first arXiv submissions date from 1991.
YEAR_MIN = 1991
PAGE_SIZE = 20

# A paper's stored search document (Paper.search_document, GIN-indexed by migration 0010):
# title (A) above its authors' names in order (B) above its abstract (C). {where} picks the
# papers to refresh.
SEARCH_DOCUMENT_SQL = """
    UPDATE papers_paper p SET search_document =
        setweight(to_tsvector('english', p.title), 'A')
        || setweight(to_tsvector('english', coalesce((
            SELECT string_agg(names.name, ' ' ORDER BY s.position)
            FROM papers_authorship s
            CROSS JOIN LATERAL (
                SELECT a.name FROM papers_author a WHERE a.id = s.author_id
                UNION ALL  -- name variants merged into this author still find the paper
                SELECT m.name FROM papers_author m WHERE m.merged_into_id = s.author_id
            ) AS names
            WHERE s.paper_id = p.id
        ), '')), 'B')
        || setweight(to_tsvector('english', p.abstract), 'C')
    WHERE {where}"""

_WORD = re.compile(r"\w+")


class SearchSort(TextChoices):
    RELEVANCE = "relevance", "Relevance"
    NEWEST = "newest", "Newest"
    LIKED = "liked", "Most liked"
    REVIEWED = "reviewed", "Most reviewed"


SORT_ORDER = {
    SearchSort.NEWEST: ("-published", "-id"),
    SearchSort.LIKED: ("-like_count", "-published", "-id"),
    SearchSort.REVIEWED: ("-review_count", "-published", "-id"),
}


@dataclass(frozen=True, slots=True)
class SearchParams:
    q: str = ""
    topic: str = ""
    year_from: int | None = None
    year_to: int | None = None
    has_code: bool = False
    has_reviews: bool = False
    sort: str = SearchSort.RELEVANCE

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.topic or self.year_from or self.year_to or self.has_code or self.has_reviews
        )


def _year_field(label: str) -> forms.IntegerField:
    latest = timezone.now().year + 1
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=YEAR_MIN,
        max_value=latest,
        error_messages={
            "invalid": "Enter a year such as 2022.",
            "min_value": f"arXiv starts in {YEAR_MIN}: enter {YEAR_MIN} or later.",
            "max_value": f"Enter {latest} or earlier.",
        },
    )


class _FlagInput(forms.CheckboxInput):
    """A checkbox whose "0" and "false" mean no (CheckboxInput reads any other text as yes)."""

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class SearchForm(forms.Form):
    """The query string of a search, for the page and the API alike."""

    q = forms.CharField(
        label="Search papers",
        required=False,
        max_length=QUERY_MAX_LENGTH,
        strip=True,
        error_messages={
            "max_length": f"Keep the search under {QUERY_MAX_LENGTH} characters.",
        },
    )
    topic = forms.CharField(
        label="Topic",
        required=False,
        max_length=TOPIC_MAX_LENGTH,
        help_text="A category code such as cs.LG.",
        error_messages={"max_length": "That is not a topic code."},
    )
    year_from = _year_field("From year")
    year_to = _year_field("To year")
    has_code = forms.BooleanField(label="Has code", required=False, widget=_FlagInput)
    has_reviews = forms.BooleanField(label="Has reviews", required=False, widget=_FlagInput)
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=SearchSort.choices,
        error_messages={
            "invalid_choice": "Choose one of: "
            + ", ".join(value for value, _label in SearchSort.choices)
            + "."
        },
    )
    page = forms.IntegerField(
        required=False,
        min_value=1,
        error_messages={"invalid": "Pages are numbered 1, 2, 3…", "min_value": "Pages start at 1."},
    )

    def clean_q(self) -> str:
        # Pasted titles carry line breaks; titles are stored with whitespace collapsed.
        return " ".join(self.cleaned_data["q"].split())

    def clean_topic(self) -> str:
        topic = self.cleaned_data["topic"].strip()
        if topic and not re.fullmatch(r"[A-Za-z0-9.\-]+", topic):
            raise forms.ValidationError(f"“{topic}” is not a topic code such as cs.LG.")
        return topic

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("year_from"), data.get("year_to")
        if start and end and start > end:
            self.add_error("year_to", "The end year comes before the start year.")
        return data

    def params(self) -> SearchParams:
        data = self.cleaned_data
        return SearchParams(
            q=data["q"],
            topic=data["topic"],
            year_from=data["year_from"],
            year_to=data["year_to"],
            has_code=data["has_code"],
            has_reviews=data["has_reviews"],
            sort=data["sort"] or SearchSort.RELEVANCE,
        )


def search_arxiv_id(q: str) -> ArxivId | None:
    """The arXiv id a query names on its own (an id, ``arXiv:`` id or arxiv.org link)."""
    if not q or " " in q:
        return None
    try:
        return parse_arxiv_id(q)
    except InvalidArxivId:
        return None


def topic_ids_of(params: SearchParams) -> list[int]:
    """The ids of the topic a search filters by (none when it names no known topic)."""
    if not params.topic:
        return []
    return list(Topic.objects.filter(code=params.topic).order_by().values_list("pk", flat=True))


def _filtered(
    queryset: QuerySet[Paper], params: SearchParams, topic_ids: list[int] | None = None
) -> QuerySet[Paper]:
    if params.topic:
        # The topic's ids are looked up first: given constants, PostgreSQL knows from its
        # statistics how many papers a big topic holds and joins accordingly (3× faster for
        # cs.LG among 100 000 papers than guessing through a join on the code).
        if topic_ids is None:
            topic_ids = topic_ids_of(params)
        if not topic_ids:
            return queryset.none()
        in_topic = PaperTopic.objects.filter(paper=OuterRef("pk"), topic_id__in=topic_ids)
        queryset = queryset.filter(Exists(in_topic))
    if params.year_from:
        queryset = queryset.filter(published__gte=datetime(params.year_from, 1, 1, tzinfo=UTC))
    if params.year_to:
        queryset = queryset.filter(published__lt=datetime(params.year_to + 1, 1, 1, tzinfo=UTC))
    if params.has_code:
        queryset = queryset.exclude(code_url="")
    if params.has_reviews:
        queryset = queryset.filter(review_count__gt=0)
    return queryset


def _sorted(queryset: QuerySet[Paper], sort: str) -> QuerySet[Paper]:
    return queryset.order_by(*SORT_ORDER.get(sort, SORT_ORDER[SearchSort.NEWEST]))


def search_documents_refresh(
    *, paper_ids: Iterable[int] | None = None, missing_only: bool = False
) -> None:
    """Rebuild the stored search document of these papers (all of them when None, or those
    without one with ``missing_only``).

    Called where titles, abstracts or author lists change: the ingest, enrichment, author
    merges, the synthetic seeder, and (through signals) admin edits.
    """
    with connection.cursor() as cursor:
        if paper_ids is None:
            where = "p.search_document IS NULL" if missing_only else "TRUE"
            cursor.execute(SEARCH_DOCUMENT_SQL.format(where=where))
            return
        ids = sorted(set(paper_ids))
        if ids:
            cursor.execute(SEARCH_DOCUMENT_SQL.format(where="p.id = ANY(%s)"), [ids])


def paper_search_ranked(queryset: QuerySet[Paper], params: SearchParams) -> QuerySet[Paper]:
    """Every word of the query in the weighted document, best ranked first."""
    if not _WORD.search(params.q):
        return queryset.none()
    query = SearchQuery(params.q, search_type="websearch", config=CONFIG)
    document = F("search_document")
    queryset = queryset.filter(search_document=query)
    if params.sort != SearchSort.RELEVANCE:
        return _sorted(queryset, params.sort)
    # Whoever types a paper's exact title wants that paper first, whatever the word counts.
    # Titles are stored with whitespace collapsed.
    typed_title = " ".join(params.q.split())
    exact_title = Case(
        When(title__iexact=typed_title, then=1), default=0, output_field=IntegerField()
    )
    return queryset.annotate(exact_title=exact_title, rank=SearchRank(document, query)).order_by(
        "-exact_title", "-rank", "-published", "-id"
    )


def paper_search(params: SearchParams, topic_ids: list[int] | None = None) -> QuerySet[Paper]:
    """The papers a search finds, filtered and in order, as bare rows (the pk, the arXiv id,
    and ``rank`` when ranked): count and slice it, then load one page with
    ``search_page_papers`` (or take a page of cards: papers/catalogue/search_pages.py).
    ``topic_ids`` are the topic filter's ids when already looked up."""
    queryset = _filtered(Paper.objects.only("pk", "arxiv_id"), params, topic_ids)
    if not params.q:
        return _sorted(queryset, params.sort)
    return paper_search_ranked(queryset, params)


def search_page_papers(rows: Iterable[Paper]) -> list[Paper]:
    """One page of search rows as list papers (lead authors, topics), in the rows' order.

    The search query stays free of the list's joins and grouping; the page costs one query
    and the list prefetches, whatever the page holds.
    """
    rows = list(rows)
    papers = selectors.paper_list_queryset().in_bulk([row.pk for row in rows])
    page = []
    for row in rows:
        # A paper deleted between the two queries is left out rather than failing the page.
        if (paper := papers.get(row.pk)) is not None:
            paper.rank = getattr(row, "rank", None)
            page.append(paper)
    return page


class _PageOfCards:
    """The papers of one page of search rows, loaded (one query and the list's prefetches)
    the first time a card needs more than the row holds."""

    def __init__(self, pks: list[int]):
        self._pks = pks
        self._papers: dict[int, Paper] | None = None

    def paper(self, pk: int) -> Paper | None:
        if self._papers is None:
            self._papers = selectors.paper_list_queryset().in_bulk(self._pks)
        return self._papers.get(pk)


class PaperCard:
    """A search row standing for its paper in a list of cards: the id, arXiv id and rank it
    holds; anything else loads the whole page's papers at once. A page whose cards are all
    kept (``{% cardcache %}``) so reads nothing more than the search itself."""

    def __init__(self, row: dict, page: _PageOfCards):
        self.pk = row["pk"]
        self.arxiv_id = row["arxiv_id"]
        self.rank = row.get("rank")
        self._page = page

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        paper = self._page.paper(self.pk)
        if paper is None:  # deleted since the search: an empty card rather than a failure
            raise AttributeError(name)
        return getattr(paper, name)


def results_page_queryset(
    params: SearchParams, topic_ids: list[int], number: int
) -> QuerySet[Paper]:
    """Page ``number`` of a search's rows as values (pk, arxiv_id, found_total, and rank when
    ranked): the number of papers found rides along each row as a window count, where a
    paginator would count them in a query of its own."""
    found = paper_search(params, topic_ids)
    fields = ["pk", "arxiv_id", "found_total"]
    if "rank" in found.query.annotations:
        fields.append("rank")
    # Bare values, not models: a page of rows is all the ranking gives the cards.
    counted = found.annotate(found_total=Window(Count("*"))).values(*fields)
    return counted[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]


def paper_for_arxiv_id(arxiv_id: ArxivId) -> Paper | None:
    return Paper.objects.only("pk", "arxiv_id").filter(arxiv_id=arxiv_id.id).first()
