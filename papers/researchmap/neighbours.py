"""A paper's nearby papers for the research map: computed in bulk, stored, read by pages.

Each signal gives a count for a pair of papers; the score of a pair is the sum over signals
of ``weight × min(count, cap)``. Caps keep one strong signal (a hundred shared authors of a
big collaboration) from drowning the others; weights put the direct, specific evidence
first:

====================  ======  ===  ===========================================================
signal                weight  cap  why
====================  ======  ===  ===========================================================
cites / cited_by      4.0     1    one paper builds on the other: the strongest single link
shared_authors        3.0     5    the same people rarely write unrelated papers
co_cited              1.5     5    a third paper cites both: readers found them related
co_saved              1.5     5    curators who saved one also saved the other
shared_references     0.75    8    bibliographic coupling: both build on the same works
text                  6.0     1    TF-IDF cosine of title and abstract (0…1, counted as is)
shared_institutions   0.5     3    weak alone (big institutions), a good tie-breaker
shared_topics         0.5     3    weak alone (a category holds thousands), a tie-breaker
====================  ======  ===  ===========================================================

Authors and institutions on very many papers are skipped (``AUTHOR_MAX_PAPERS``,
``INSTITUTION_MAX_PAPERS``): like stop words they relate everything to everything.
Every signal except topics comes from a self-join grouped by paper pair, run for a batch of
papers at once; each keeps its best ``CANDIDATES_PER_SIGNAL`` pairs per paper so a batch's
result stays bounded. Shared topics are only counted for the pairs the other signals found,
because a category pairs every paper with thousands of others.

Text similarity is TF-IDF cosine computed here in plain Python (scikit-learn and numpy are
not dependencies): each paper keeps its ``TEXT_TERMS`` heaviest terms, and terms held by
more than ``TEXT_MAX_DF`` of the corpus (or by one paper only) are dropped, so the inverted
index stays small and a pair is only scored through the distinctive terms it shares.
"""

import heapq
import math
import multiprocessing
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection, connections, transaction
from django.utils import timezone

from papers.catalogue.page_cache import paper_pages_invalidate
from papers.catalogue.viewer_cache import research_map_changed
from papers.ingest.bulk import insert_rows
from papers.models import NeighbourChoice, Paper, PaperNeighbour
from papers.researchmap.corpus import ReferenceIndex, TopicIndex

NEIGHBOURS_PER_PAPER = 20
CANDIDATES_PER_SIGNAL = 60
DEFAULT_BATCH_SIZE = 1_000

WEIGHTS = {
    "cites": 4.0,
    "cited_by": 4.0,
    "shared_authors": 3.0,
    "co_cited": 1.5,
    "co_saved": 1.5,
    "shared_references": 0.75,
    "text": 6.0,
    "shared_institutions": 0.5,
    "shared_topics": 0.5,
}
CAPS = {
    "cites": 1,
    "cited_by": 1,
    "shared_authors": 5,
    "co_cited": 5,
    "co_saved": 5,
    "shared_references": 8,
    "text": 1,
    "shared_institutions": 3,
    "shared_topics": 3,
}
# An author or institution on more papers than this says as little about two papers being
# near as a stop word does, and would pair each of their papers with hundreds of others.
# (Counted in authorships: an author appears once per paper, an institution may repeat.)
AUTHOR_MAX_PAPERS = 300
INSTITUTION_MAX_PAPERS = 150
# Below this cosine two texts share only generic vocabulary.
TEXT_MIN_SIMILARITY = 0.1
TEXT_TERMS = 12
TEXT_MAX_DF = 0.02
TEXT_POSTINGS_MAX = 2_000
# Papers an incremental update reads to find the text neighbours of new papers.
TEXT_CANDIDATES_MAX = 2_000

_DF_CACHE_KEY = "neighbours:text-df"
_DF_CACHE_SECONDS = 7 * 24 * 3600


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def reason_label(kind: str, count: float) -> str:
    n = int(count)
    match kind:
        case "cites":
            return "cites this"
        case "cited_by":
            return "cited by this"
        case "shared_authors":
            return f"shares {_plural(n, 'author', 'authors')}"
        case "co_cited":
            return f"cited together by {_plural(n, 'paper', 'papers')}"
        case "co_saved":
            return f"saved together by {_plural(n, 'curator', 'curators')}"
        case "shared_references":
            return f"shares {_plural(n, 'reference', 'references')}"
        case "text":
            return "similar title and abstract"
        case "shared_institutions":
            return f"shares {_plural(n, 'institution', 'institutions')}"
        case "shared_topics":
            return f"shares {_plural(n, 'topic', 'topics')}"
    raise ValueError(f"unknown neighbour signal {kind!r}")


@dataclass
class Edge:
    signals: dict[str, float] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return sum(WEIGHTS[k] * min(v, CAPS[k]) for k, v in self.signals.items())

    def reasons(self) -> list[dict]:
        ordered = sorted(
            self.signals.items(), key=lambda kv: (-WEIGHTS[kv[0]] * min(kv[1], CAPS[kv[0]]), kv[0])
        )
        reasons = []
        for kind, value in ordered:
            reason = {"kind": kind, "label": reason_label(kind, value)}
            if kind == "text":
                reason["similarity"] = round(value, 3)
            elif kind not in ("cites", "cited_by"):
                reason["count"] = int(value)
            reasons.append(reason)
        return reasons


# --- text -----------------------------------------------------------------------------------

_TOKEN = re.compile(r"[a-z][a-z0-9]+")
_STOP_TEXT = """
    a about above after again all also an and any are as at be been being both but by can
    could did do does doing each few for from further had has have having here how i if in into
    is it its itself just more most no nor not of off on once only or other our ours out over
    own same show shows shown so some such than that the their them then there these they this
    those through to too under until up very was we were what when where which while who whom
    why will with would you your based new using use used paper propose proposed approach method
    methods results result study studies present presents work via non one two three"""
_STOP_WORDS = frozenset(_STOP_TEXT.split())
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ed", "es", "s")


def _stem(word: str) -> str:
    # A light suffix strip: enough to merge "network"/"networks", "learn"/"learning".
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def text_terms(title: str, abstract: str) -> Counter:
    # The title counts twice: it names what the paper is about.
    text = f"{title} {title} {abstract}".lower()
    return Counter(_stem(t) for t in _TOKEN.findall(text) if t not in _STOP_WORDS)


@dataclass
class TextModel:
    """Document frequencies of a corpus: enough to weigh any paper's terms the same way."""

    documents: int
    df: dict[str, int]

    def vector(self, terms: Counter) -> dict[str, float]:
        max_df = max(2, TEXT_MAX_DF * self.documents)
        weights = {}
        for term, tf in terms.items():
            df = self.df.get(term, 1)
            if df < 2 or df > max_df:
                continue  # one paper's typo or everyone's word: neither tells neighbours apart
            weights[term] = (1 + math.log(tf)) * math.log(self.documents / df)
        top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:TEXT_TERMS]
        norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
        return {term: w / norm for term, w in top}


def _paper_texts(paper_ids: Iterable[int] | None = None) -> Iterator[tuple[int, Counter]]:
    papers = Paper.objects.order_by("pk")
    if paper_ids is not None:
        papers = papers.filter(pk__in=list(paper_ids))
    for pk, title, abstract in papers.values_list("pk", "title", "abstract").iterator(5_000):
        yield pk, text_terms(title, abstract)


def text_model_build() -> tuple[TextModel, dict[int, Counter]]:
    """Read every paper's text once; keep the model in the cache for incremental updates."""
    terms = dict(_paper_texts())
    df: Counter = Counter()
    for counts in terms.values():
        df.update(counts.keys())
    model = TextModel(documents=max(1, len(terms)), df=dict(df))
    cache.set(_DF_CACHE_KEY, model, _DF_CACHE_SECONDS)
    return model, terms


def text_model_cached() -> TextModel:
    model = cache.get(_DF_CACHE_KEY)
    return model if model is not None else text_model_build()[0]


@dataclass
class TextIndex:
    model: TextModel
    vectors: dict[int, dict[str, float]]
    postings: dict[str, list[tuple[int, float]]]

    @classmethod
    def build(cls, model: TextModel, terms: dict[int, Counter]) -> "TextIndex":
        vectors = {pk: model.vector(counts) for pk, counts in terms.items()}
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for pk, vector in vectors.items():
            for term, weight in vector.items():
                postings[term].append((pk, weight))
        return cls(model=model, vectors=vectors, postings=dict(postings))

    def similar(self, paper_id: int) -> dict[int, float]:
        scores: dict[int, float] = defaultdict(float)
        for term, weight in self.vectors.get(paper_id, {}).items():
            posting = self.postings.get(term, ())
            if len(posting) > TEXT_POSTINGS_MAX:
                continue
            for other, other_weight in posting:
                scores[other] += weight * other_weight
        scores.pop(paper_id, None)
        best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:CANDIDATES_PER_SIGNAL]
        return {pk: s for pk, s in best if s >= TEXT_MIN_SIMILARITY}


def _text_index_around(paper_ids: list[int]) -> TextIndex:
    """An index of these papers and the papers sharing their distinctive words.

    Candidates come from PostgreSQL's full-text index (papers/search.py keeps it), so an update
    reads dozens of papers, not the corpus; their vectors use the corpus-wide cached model.
    """
    model = text_model_cached()
    own = dict(_paper_texts(paper_ids))
    words = sorted({t for counts in own.values() for t in model.vector(counts)})
    candidate_ids: set[int] = set()
    if words:
        from django.contrib.postgres.search import SearchQuery

        from papers.catalogue.search import CONFIG

        # Terms are [a-z0-9] only (see _TOKEN), so they are safe in a raw tsquery.
        raw = " | ".join(f"{w}:*" for w in words)
        any_word = SearchQuery(raw, search_type="raw", config=CONFIG)
        candidate_ids = set(
            Paper.objects.filter(search_document=any_word).values_list("pk", flat=True)[
                :TEXT_CANDIDATES_MAX
            ]
        )
    terms = own | dict(_paper_texts(candidate_ids - own.keys()))
    return TextIndex.build(model, terms)


# --- graph signals --------------------------------------------------------------------------

# Each query yields (paper, other, count) for the batch's papers (%(ids)s); _TOP_PER_PAPER keeps
# the best pairs of each paper.
_PAIR_QUERIES = {
    "shared_authors": """
        SELECT m.paper_id, o.paper_id, COUNT(DISTINCT m.author_id)
        FROM papers_authorship m
        JOIN papers_authorship o ON o.author_id = m.author_id AND o.paper_id <> m.paper_id
        WHERE m.paper_id = ANY(%(ids)s) AND NOT m.author_id = ANY(%(common_authors)s)
        GROUP BY 1, 2""",
    "shared_institutions": """
        WITH mine AS (
            SELECT DISTINCT s.paper_id, i.institution_id
            FROM papers_authorship s
            JOIN papers_authorship_institutions i ON i.authorship_id = s.id
            WHERE s.paper_id = ANY(%(ids)s) AND NOT i.institution_id = ANY(%(common_institutions)s)
        )
        SELECT m.paper_id, s.paper_id, COUNT(DISTINCT m.institution_id)
        FROM mine m
        JOIN papers_authorship_institutions i ON i.institution_id = m.institution_id
        JOIN papers_authorship s ON s.id = i.authorship_id AND s.paper_id <> m.paper_id
        GROUP BY 1, 2""",
    "cites": """
        SELECT cited_id, citing_id, 1 FROM papers_citation WHERE cited_id = ANY(%(ids)s)""",
    "cited_by": """
        SELECT citing_id, cited_id, 1 FROM papers_citation WHERE citing_id = ANY(%(ids)s)""",
    "co_cited": """
        SELECT a.cited_id, b.cited_id, COUNT(DISTINCT a.citing_id)
        FROM papers_citation a JOIN papers_citation b
          ON b.citing_id = a.citing_id AND b.cited_id <> a.cited_id
        WHERE a.cited_id = ANY(%(ids)s) GROUP BY 1, 2""",
    # The GIN index of migration 0007 finds the other papers holding each reference.
    "shared_references": """
        WITH mine AS (
            SELECT p.id AS paper_id, r.ref
            FROM papers_paper p, jsonb_array_elements_text(p.referenced_openalex_ids) AS r(ref)
            WHERE p.id = ANY(%(ids)s) AND jsonb_typeof(p.referenced_openalex_ids) = 'array'
        )
        SELECT m.paper_id, o.id, COUNT(DISTINCT m.ref)
        FROM mine m JOIN papers_paper o
          ON o.referenced_openalex_ids @> jsonb_build_array(m.ref) AND o.id <> m.paper_id
        GROUP BY 1, 2""",
    "co_saved": """
        SELECT ia.paper_id, ib.paper_id, COUNT(DISTINCT ca.owner_id)
        FROM papers_collectionitem ia
        JOIN papers_collection ca ON ca.id = ia.collection_id
        JOIN papers_collection cb ON cb.owner_id = ca.owner_id
        JOIN papers_collectionitem ib ON ib.collection_id = cb.id AND ib.paper_id <> ia.paper_id
        WHERE ia.paper_id = ANY(%(ids)s) GROUP BY 1, 2""",
}

_TOP_PER_PAPER = """
    SELECT paper, other, n FROM (
        SELECT pairs.*, ROW_NUMBER() OVER (PARTITION BY paper ORDER BY n DESC, other) AS rank
        FROM ({query}) AS pairs(paper, other, n)
    ) ranked WHERE rank <= %(limit)s"""

_SHARED_TOPICS = """
    SELECT pairs.paper, pairs.other, COUNT(*)
    FROM UNNEST(%(papers)s::bigint[], %(others)s::bigint[]) AS pairs(paper, other)
    JOIN papers_papertopic a ON a.paper_id = pairs.paper
    JOIN papers_papertopic b ON b.paper_id = pairs.other AND b.topic_id = a.topic_id
    GROUP BY 1, 2"""


@dataclass(frozen=True)
class CommonIds:
    """Authors and institutions on too many papers to relate two of them (see the caps)."""

    authors: list[int]
    institutions: list[int]

    @classmethod
    def load(cls) -> "CommonIds":
        # One scan of each table; the full recompute reads them once for all its batches.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT author_id FROM papers_authorship GROUP BY 1 HAVING COUNT(*) > %s",
                [AUTHOR_MAX_PAPERS],
            )
            authors = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                "SELECT institution_id FROM papers_authorship_institutions "
                "GROUP BY 1 HAVING COUNT(*) > %s",
                [INSTITUTION_MAX_PAPERS],
            )
            institutions = [row[0] for row in cursor.fetchall()]
        return cls(authors=authors, institutions=institutions)


def _pair_params(paper_ids: list[int], common: CommonIds) -> dict:
    return {
        "ids": paper_ids,
        "limit": CANDIDATES_PER_SIGNAL,
        "common_authors": common.authors,
        "common_institutions": common.institutions,
    }


def _graph_signals(
    paper_ids: list[int], common: CommonIds, references: ReferenceIndex | None = None
) -> Iterator[tuple[str, int, int, int]]:
    """(signal, paper, other, count) of every graph signal but topics.

    With ``references`` (the full recompute) shared references are counted in memory.
    """
    kinds = list(_PAIR_QUERIES)
    if references is not None:
        kinds.remove("shared_references")
        for paper in paper_ids:
            for other, count in references.shared(paper, CANDIDATES_PER_SIGNAL):
                yield "shared_references", paper, other, count
    with connection.cursor() as cursor:
        for kind in kinds:
            query = _TOP_PER_PAPER.format(query=_PAIR_QUERIES[kind])
            cursor.execute(query, _pair_params(paper_ids, common))
            for paper, other, count in cursor.fetchall():
                yield kind, paper, other, count


def _shared_topics(pairs: list[tuple[int, int]]) -> Iterator[tuple[int, int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            _SHARED_TOPICS, {"papers": [p for p, _ in pairs], "others": [o for _, o in pairs]}
        )
        yield from cursor.fetchall()


@dataclass
class Signals:
    """What computing a batch needs besides the database.

    A few papers use an index around them and ask SQL for the rest; the full recompute
    builds corpus-wide indexes once (text, references, topics) and reuses them per batch.
    """

    text_index: TextIndex
    common: CommonIds
    references: ReferenceIndex | None = None
    topics: TopicIndex | None = None


def _edges_for(paper_ids: list[int], signals: Signals) -> dict[int, dict[int, Edge]]:
    edges: dict[int, dict[int, Edge]] = {pk: defaultdict(Edge) for pk in paper_ids}
    for kind, paper, other, count in _graph_signals(paper_ids, signals.common, signals.references):
        edges[paper][other].signals[kind] = count
    for pk in paper_ids:
        for other, similarity in signals.text_index.similar(pk).items():
            edges[pk][other].signals["text"] = similarity
    pairs = [(p, o) for p, others in edges.items() for o in others]
    if pairs:
        shared = signals.topics.shared(pairs) if signals.topics else _shared_topics(pairs)
        for paper, other, count in shared:
            edges[paper][other].signals["shared_topics"] = count
    return edges


_COLUMNS = ("paper_id", "neighbour_id", "score", "reasons", "computed_at")


def _store(paper_ids: list[int], edges: dict[int, dict[int, Edge]]) -> int:
    now = timezone.now()
    rows = []
    for paper_id in paper_ids:
        # A batch holds ~180 000 candidate edges: score each once, keep the best few.
        scored = ((edge.score, other, edge) for other, edge in edges[paper_id].items())
        best = heapq.nsmallest(NEIGHBOURS_PER_PAPER, scored, key=lambda s: (-s[0], s[1]))
        rows.extend(
            (paper_id, other, round(score, 4), edge.reasons(), now) for score, other, edge in best
        )
    with transaction.atomic():
        PaperNeighbour.objects.filter(paper_id__in=paper_ids).delete()
        insert_rows(PaperNeighbour, _COLUMNS, rows)
        # Cached map slices show the old neighbours until the papers' page tokens change.
        paper_pages_invalidate(
            Paper.objects.filter(pk__in=paper_ids).values_list("arxiv_id", flat=True)
        )
        research_map_changed()
    return len(rows)


def neighbours_compute(*, paper_ids: Iterable[int]) -> int:
    """Recompute and store the neighbours of these papers; returns the edges stored.

    For a few new or updated papers: the text signal uses an index around them, the graph
    signals ask SQL. Ids of papers that no longer exist are ignored.
    """
    ids = sorted(set(Paper.objects.filter(pk__in=list(paper_ids)).values_list("pk", flat=True)))
    if not ids:
        return 0
    signals = Signals(text_index=_text_index_around(ids), common=CommonIds.load())
    return _store(ids, _edges_for(ids, signals))


_SWAPPED = {"cites": "cited_by", "cited_by": "cites"}


def _edge_from(reasons: list[dict], *, reversed_: bool = False) -> Edge:
    """A stored edge's signals again; reversed, as seen from its other end.

    Every signal is symmetric except citation, whose direction flips.
    """
    edge = Edge()
    for reason in reasons:
        kind = _SWAPPED.get(reason["kind"], reason["kind"]) if reversed_ else reason["kind"]
        edge.signals[kind] = reason.get("similarity", reason.get("count", 1))
    return edge


def _offer_reverse_edges(paper_ids: list[int]) -> int:
    """Give the other end of each new edge the chance to list these papers too.

    A new paper that cites an old one belongs on the old one's map; recomputing the old
    paper's neighbours would find it, but costs a full computation per neighbour. The edge's
    signals are the same seen from the other side, so each other end keeps its best
    ``NEIGHBOURS_PER_PAPER`` of its stored edges plus the reversed new ones.
    """
    own = set(paper_ids)
    offered: dict[int, dict[int, Edge]] = defaultdict(dict)
    for paper_id, other, reasons in PaperNeighbour.objects.filter(
        paper_id__in=paper_ids
    ).values_list("paper_id", "neighbour_id", "reasons"):
        if other not in own:  # computed this round with every signal already
            offered[other][paper_id] = _edge_from(reasons, reversed_=True)
    if not offered:
        return 0
    for other, paper_id, reasons in PaperNeighbour.objects.filter(
        paper_id__in=list(offered)
    ).values_list("paper_id", "neighbour_id", "reasons"):
        offered[other].setdefault(paper_id, _edge_from(reasons))
    return _store(sorted(offered), offered)


def neighbours_refresh(*, paper_ids: Iterable[int]) -> int:
    """New or updated papers: compute their neighbours, and place them on their neighbours' maps.

    Returns the edges stored for these papers. Co-saves and the corpus-wide text model drift
    as curators save and papers arrive; the nightly full recompute settles both.
    """
    ids = list(paper_ids)
    stored = neighbours_compute(paper_ids=ids)
    if stored:
        _offer_reverse_edges(ids)
    return stored


@dataclass
class RecomputeSummary:
    papers: int
    edges: int
    seconds: float


def neighbours_recompute_all(
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int = 1,
    progress: Callable[[int], object] | None = None,
) -> RecomputeSummary:
    """Recompute every paper's neighbours, batch by batch (each batch its own transaction).

    With ``workers`` > 1 (PostgreSQL only) forked processes share the batches; they inherit
    the corpus indexes built here rather than each building its own. Not from a Celery
    prefork worker: its processes are daemons, which may not fork children.
    """
    started = time.monotonic()
    model, terms = text_model_build()
    signals = Signals(
        text_index=TextIndex.build(model, terms),
        common=CommonIds.load(),
        references=ReferenceIndex.build(),
        topics=TopicIndex.build(),
    )
    ids = sorted(terms)
    batches = [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]
    edges = 0
    for stored, size in _batches_stored(batches, signals, workers):
        edges += stored
        if progress is not None:
            progress(size)
    return RecomputeSummary(papers=len(ids), edges=edges, seconds=time.monotonic() - started)


# The full recompute's indexes, set just before forking so the workers inherit them.
_forked_signals: Signals | None = None


def _forked_worker_started() -> None:
    # A fork copies the parent's connection objects, open ones included (another thread's or
    # context's: a test's live server, say). Fresh wrappers make this worker open its own; the
    # copies are dropped unclosed, and psycopg never closes a connection from another process.
    for alias in connections:
        connections[alias] = connections.create_connection(alias)


def _store_forked_batch(batch: list[int]) -> tuple[int, int]:
    try:
        return _store(batch, _edges_for(batch, _forked_signals)), len(batch)
    finally:
        connections.close_all()  # the pool ends its workers without closing anything


def _batches_stored(
    batches: list[list[int]], signals: Signals, workers: int
) -> Iterator[tuple[int, int]]:
    """(edges stored, papers) per batch, as the batches finish."""
    # Forked workers have their own connections: inside a transaction they would not see
    # its rows, so an open transaction keeps the work here.
    forking = workers > 1 and len(batches) > 1 and not connection.in_atomic_block
    if not forking:
        for batch in batches:
            yield _store(batch, _edges_for(batch, signals)), len(batch)
        return
    global _forked_signals
    _forked_signals = signals
    try:
        pool = multiprocessing.get_context("fork").Pool(workers, _forked_worker_started)
        with pool:
            yield from pool.imap_unordered(_store_forked_batch, batches)
    finally:
        _forked_signals = None


# --- reading --------------------------------------------------------------------------------


@dataclass
class NeighbourView:
    """One neighbour as a page shows it: why it is there, and who pinned it."""

    paper: Paper
    score: float
    reasons: list[dict]
    pinned_by: list = field(default_factory=list)
    viewer_choice: str | None = None

    @property
    def is_pinned(self) -> bool:
        return bool(self.pinned_by)


def paper_neighbours(*, paper: Paper, viewer=None, limit: int = 10) -> list[NeighbourView]:
    """A paper's map slice, read in two queries.

    A neighbour hidden by any curator is hidden for everyone (the choice records who hid it);
    a pinned neighbour always shows, first, marked with who pinned it, even if someone else
    hid it: a pin is a deliberate statement, a hide only corrects the computation.
    """
    # A deactivated (spam) account's pins and hides leave the map with it.
    choices = list(
        NeighbourChoice.objects.filter(paper=paper, user__is_active=True).select_related(
            "user", "neighbour"
        )
    )
    pinned: dict[int, NeighbourView] = {}
    hidden: set[int] = set()
    viewer_choices = {}
    for choice in choices:
        if viewer is not None and choice.user_id == viewer.pk:
            viewer_choices[choice.neighbour_id] = choice.action
        if choice.action == NeighbourChoice.Action.HIDE:
            hidden.add(choice.neighbour_id)
            continue
        view = pinned.setdefault(
            choice.neighbour_id,
            NeighbourView(paper=choice.neighbour, score=0.0, reasons=[]),
        )
        view.pinned_by.append(choice.user)
    computed = (
        PaperNeighbour.objects.filter(paper=paper)
        .exclude(neighbour_id__in=hidden | pinned.keys())
        .select_related("neighbour")
        .order_by("-score", "neighbour_id")[: max(0, limit - len(pinned))]
    )
    views = list(pinned.values())
    for edge in computed:
        views.append(NeighbourView(paper=edge.neighbour, score=edge.score, reasons=edge.reasons))
    for view in views:
        view.viewer_choice = viewer_choices.get(view.paper.pk)
    return views
