"""The graph signals of papers/neighbours.py in plain Python, for SQLite (``make run``).

The PostgreSQL queries there use arrays and jsonb, which SQLite lacks. A development
database holds the demo's hundred papers, so reading the few link tables whole and
counting in Python is instant; the counts are the same as the SQL gives.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable

from papers.models import Authorship, Citation, CollectionItem, Paper


def _index(pairs: Iterable[tuple[int, int]]) -> tuple[dict, dict]:
    """``(paper, key)`` pairs, as keys per paper and papers per key (each pair once)."""
    keys_of: dict[int, set] = defaultdict(set)
    papers_of: dict = defaultdict(set)
    for paper, key in pairs:
        keys_of[paper].add(key)
        papers_of[key].add(paper)
    return keys_of, papers_of


def _shared(
    paper_ids: list[int], pairs: Iterable[tuple[int, int]], skip: set = frozenset()
) -> dict[int, Counter]:
    """For each paper, the other papers sharing a key with it, and how many keys they share."""
    keys_of, papers_of = _index(pairs)
    found: dict[int, Counter] = {}
    for paper in paper_ids:
        counts: Counter = Counter()
        for key in keys_of.get(paper, ()):
            if key not in skip:
                counts.update(other for other in papers_of[key] if other != paper)
        found[paper] = counts
    return found


def _citation_pairs() -> list[tuple[int, int]]:
    return list(Citation.objects.values_list("citing_id", "cited_id"))


def pair_counts(kind: str, paper_ids: list[int], common) -> dict[int, Counter]:
    """Per paper of ``paper_ids``: the other papers and the count of signal ``kind``."""
    match kind:
        case "shared_authors":
            pairs = Authorship.objects.values_list("paper_id", "author_id")
            return _shared(paper_ids, pairs, skip=set(common.authors))
        case "shared_institutions":
            pairs = Authorship.institutions.through.objects.values_list(
                "authorship__paper_id", "institution_id"
            )
            return _shared(paper_ids, pairs, skip=set(common.institutions))
        case "cites":
            # The neighbour cites this paper.
            cited_by = defaultdict(Counter)
            for citing, cited in _citation_pairs():
                cited_by[cited][citing] = 1
            return {pk: cited_by.get(pk, Counter()) for pk in paper_ids}
        case "cited_by":
            cites = defaultdict(Counter)
            for citing, cited in _citation_pairs():
                cites[citing][cited] = 1
            return {pk: cites.get(pk, Counter()) for pk in paper_ids}
        case "co_cited":
            # Keyed by the citing paper: two papers are co-cited once per paper citing both.
            return _shared(paper_ids, ((cited, citing) for citing, cited in _citation_pairs()))
        case "shared_references":
            rows = Paper.objects.values_list("pk", "referenced_openalex_ids")
            pairs = ((pk, ref) for pk, refs in rows if isinstance(refs, list) for ref in refs)
            return _shared(paper_ids, pairs)
        case "co_saved":
            pairs = CollectionItem.objects.values_list("paper_id", "collection__owner_id")
            return _shared(paper_ids, pairs)
    raise ValueError(f"unknown neighbour signal {kind!r}")
