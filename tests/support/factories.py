"""Test data built through the real upsert, from plain records like the parser yields."""

import itertools
from datetime import UTC, datetime, timedelta

from papers.arxiv.records import AuthorRecord, PaperRecord, VersionRecord
from papers.ingest.upsert import paper_upsert
from papers.models import Paper

_numbers = itertools.count(1)


def paper_record(
    *,
    arxiv_id: str | None = None,
    version: int = 1,
    authors: int | list[str] = 3,
    affiliations: dict[int, tuple[str, ...]] | None = None,
    categories: tuple[str, ...] = ("cs.LG", "cs.AI"),
    title: str = "A Study of Big Models",
    abstract: str = "We study $O(n^2)$ attention in big models.",
    published: datetime | None = None,
    **fields,
) -> PaperRecord:
    arxiv_id = arxiv_id or f"2401.{next(_numbers):05d}"
    published = published or datetime(2024, 1, 15, 12, 0, tzinfo=UTC)
    names = authors if isinstance(authors, list) else [f"Author {i + 1}" for i in range(authors)]
    affiliations = affiliations or {}
    versions = tuple(
        VersionRecord(number=n, submitted=published + timedelta(days=n - 1))
        for n in range(1, version + 1)
    )
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=version,
        title=title,
        abstract=abstract,
        authors=tuple(AuthorRecord(name, affiliations.get(i, ())) for i, name in enumerate(names)),
        categories=categories,
        published=published,
        updated=versions[-1].submitted,
        versions=versions,
        **fields,
    )


def make_paper(**kwargs) -> Paper:
    return paper_upsert(record=paper_record(**kwargs)).paper
