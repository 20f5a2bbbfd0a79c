"""Store what the arXiv parser yields: one idempotent upsert, for one record or a whole page.

A batch costs a fixed number of queries whatever its size (a harvest page holds 2 500
records), and a single record goes through the same code as a batch of one.
"""

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from papers.arxiv.categories import category_name
from papers.arxiv.records import PaperRecord
from papers.catalogue.page_cache import paper_pages_invalidate
from papers.catalogue.search import search_documents_refresh
from papers.catalogue.viewer_cache import papers_listed_changed
from papers.ingest.bulk import insert_rows, model_columns
from papers.ingest.tasks import enrichment_enqueue
from papers.models import (
    Author,
    Authorship,
    AuthorshipInstitution,
    Institution,
    MetadataSource,
    Paper,
    PaperTopic,
    PaperVersion,
    Topic,
)
from papers.researchmap.tasks import neighbours_enqueue


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class UpsertResult:
    paper: Paper
    outcome: Outcome


def _record_version(record: PaperRecord) -> int:
    if record.version is not None:
        return record.version
    return max((v.number for v in record.versions), default=1)


def _dates_are_days(record: PaperRecord) -> bool:
    # The OAI ``arXiv`` format (the one without version numbers) dates to the day only.
    return record.version is None


def _is_newer(record: PaperRecord, paper: Paper) -> bool:
    if record.version is not None:
        return record.version > paper.version
    # The OAI ``arXiv`` format names no version: only a later date means a newer one.
    return record.updated is not None and record.updated > paper.updated


def paper_upsert(*, record: PaperRecord, source: str = MetadataSource.FILE) -> UpsertResult:
    """Create the paper or bring it up to a newer version; an equal or older one changes nothing."""
    return papers_upsert(records=[record], source=source)[0]


def papers_upsert(
    *, records: Sequence[PaperRecord], source: str = MetadataSource.FILE
) -> list[UpsertResult]:
    """Upsert a batch of records in one transaction; results in the order of ``records``.

    Concurrent upserts of the same ids (two workers, a harvest and an import) are serialised
    by transaction-scoped advisory locks taken in id order, so one creates and the other finds
    the paper; nothing deadlocks and nothing is created twice. ``source`` says where the
    records came from; a live fetch (arXiv API, OAI-PMH) also records when the metadata was
    last fetched, even when nothing else changed.
    """
    for record in records:
        if not record.title or record.published is None:
            raise ValueError(f"{record.arxiv_id}: a paper needs a title and a publication date")
    newest = _newest_per_id(records)
    live = source in LIVE_SOURCES
    now = timezone.now()
    with transaction.atomic():
        _lock_ids(sorted(newest))
        held = {
            p.arxiv_id: p
            for p in Paper.objects.select_for_update().filter(arxiv_id__in=list(newest))
        }
        created, updated, unchanged = [], [], []
        for arxiv_id, record in newest.items():
            paper = held.get(arxiv_id)
            if paper is None:
                paper = Paper(arxiv_id=arxiv_id, created_at=now)
                created.append((paper, record))
            elif _is_newer(record, paper):
                updated.append((paper, record))
            else:
                unchanged.append(paper)
                continue
            _apply_fields(paper, record)
            paper.metadata_source = source
            paper.modified_at = now
            if live:
                paper.metadata_fetched_at = now

        _insert_papers([paper for paper, _ in created])
        if updated:
            Paper.objects.bulk_update([paper for paper, _ in updated], fields=_PAPER_FIELDS)
        if live and unchanged:
            Paper.objects.filter(pk__in=[p.pk for p in unchanged]).update(
                metadata_source=source, metadata_fetched_at=now
            )
            for paper in unchanged:
                paper.metadata_source, paper.metadata_fetched_at = source, now
        changed = created + updated
        _replace_authorships(changed, replacing=[paper for paper, _ in updated])
        search_documents_refresh(paper_ids=[paper.pk for paper, _ in changed])
        _replace_categories(changed, replacing=[paper for paper, _ in updated])
        _merge_versions(changed, new_ids={paper.pk for paper, _ in created})
        # Bulk writes send no signals: cached pages are dropped here (a paper new to us has
        # none yet).
        touched = [paper.arxiv_id for paper, _ in updated]
        if live:
            touched += [paper.arxiv_id for paper in unchanged]
        paper_pages_invalidate(touched)
        if changed:
            papers_listed_changed()  # kept lists of the newest papers
        for paper, _ in changed:
            _after_change(paper)
        _after_changes([paper.pk for paper, _ in changed])

    outcomes = {paper.arxiv_id: (paper, Outcome.CREATED) for paper, _ in created}
    outcomes |= {paper.arxiv_id: (paper, Outcome.UPDATED) for paper, _ in updated}
    outcomes |= {paper.arxiv_id: (paper, Outcome.UNCHANGED) for paper in unchanged}
    results = []
    for record in records:
        paper, outcome = outcomes[record.arxiv_id]
        # A duplicate of a newer record in the same batch changed nothing itself.
        if record is not newest[record.arxiv_id]:
            outcome = Outcome.UNCHANGED
        results.append(UpsertResult(paper, outcome))
    return results


LIVE_SOURCES = frozenset({MetadataSource.ARXIV_API, MetadataSource.ARXIV_OAI})

_PAPER_FIELDS = [
    "version", "title", "abstract", "published", "updated", "primary_category", "withdrawn",
    "comment", "journal_ref", "doi", "license", "code_url", "metadata_source",
    "metadata_fetched_at", "modified_at",
]  # fmt: skip


_PAPER_COLUMNS = model_columns(Paper)


def _insert_papers(papers: list[Paper]) -> None:
    ids = insert_rows(
        Paper,
        _PAPER_COLUMNS,
        [tuple(getattr(paper, column) for column in _PAPER_COLUMNS) for paper in papers],
        returning_ids=True,
    )
    for paper, new_id in zip(papers, ids, strict=True):
        paper.pk = new_id
        paper._state.adding = False


def _newest_per_id(records: Sequence[PaperRecord]) -> dict[str, PaperRecord]:
    newest: dict[str, PaperRecord] = {}
    for record in records:
        known = newest.get(record.arxiv_id)
        if known is None or (_record_version(record), record.updated) > (
            _record_version(known),
            known.updated,
        ):
            newest[record.arxiv_id] = record
    return newest


def _lock_ids(arxiv_ids: list[str]) -> None:
    if not arxiv_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(k)) FROM ("
            "  SELECT DISTINCT hashtextextended('papers.paper:' || x, 0) AS k"
            "  FROM unnest(%s::text[]) AS x ORDER BY k"
            ") AS ordered",
            [arxiv_ids],
        )


def _after_change(paper: Paper) -> None:
    # New metadata may change what OpenAlex can match (DOI, authors).
    enrichment_enqueue(paper_id=paper.pk)


def _after_changes(paper_ids: list[int]) -> None:
    # One task for the batch: neighbours are computed together, sharing their queries.
    neighbours_enqueue(paper_ids=paper_ids)


def paper_mark_deleted(*, arxiv_id: str) -> bool:
    """An OAI-PMH deleted record: the paper stays (with its curation) and shows as withdrawn."""
    updated = Paper.objects.filter(arxiv_id=arxiv_id, withdrawn=False).update(withdrawn=True)
    if updated:
        paper_pages_invalidate([arxiv_id])
        papers_listed_changed()
    return bool(updated)


def _apply_fields(paper: Paper, record: PaperRecord) -> None:
    paper.version = max(_record_version(record), paper.version or 1)
    paper.title = record.title
    paper.abstract = record.abstract
    if not (
        _dates_are_days(record)
        and paper.published is not None
        and paper.published.date() == record.published.date()
    ):
        paper.published = record.published
    paper.updated = max(record.updated or record.published, paper.published)
    paper.primary_category = record.primary_category
    paper.withdrawn = record.withdrawn
    paper.comment = record.comment
    paper.journal_ref = record.journal_ref
    # Fields a record may not carry keep what another source (OpenAlex, a curator) gave.
    paper.doi = record.doi or paper.doi
    paper.license = record.license or paper.license
    if not paper.code_url and record.code_url:
        paper.code_url = record.code_url


def _authors_by_name(names: set[str]) -> dict[str, int]:
    # A name an admin merged into another author goes to that author.
    known = dict(
        Author.objects.filter(name__in=names, openalex_id="").values_list(
            "name", Coalesce("merged_into_id", "id")
        )
    )
    missing = sorted(names - known.keys())
    if missing:
        # Sorted, so concurrent imports sharing names take the row locks in the same order.
        Author.objects.bulk_create([Author(name=n) for n in missing], ignore_conflicts=True)
        known |= dict(
            Author.objects.filter(name__in=missing, openalex_id="").values_list("name", "id")
        )
    return known


def _institutions_by_name(names: set[str]) -> dict[str, int]:
    if not names:
        return {}
    Institution.objects.bulk_create(
        [Institution(name=n) for n in sorted(names)], ignore_conflicts=True
    )
    return dict(Institution.objects.filter(name__in=names, ror_id="").values_list("name", "id"))


def _replace_authorships(changed: list[tuple[Paper, PaperRecord]], *, replacing: list[Paper]):
    if replacing:
        Authorship.objects.filter(paper__in=replacing).delete()
    authors = [(paper, position, a) for paper, r in changed for position, a in enumerate(r.authors)]
    if not authors:
        return
    author_ids = _authors_by_name({a.name[:300] for _, _, a in authors})
    institution_ids = _institutions_by_name(
        {aff[:500] for _, _, a in authors for aff in a.affiliations}
    )
    authorship_ids = insert_rows(
        Authorship,
        ["paper_id", "author_id", "position"],
        [(paper.pk, author_ids[a.name[:300]], position) for paper, position, a in authors],
        returning_ids=bool(institution_ids),
    )
    if not institution_ids:
        return
    # arXiv's order: the first affiliation an author gives is their primary one.
    links = [
        (authorship_id, institution_id, position, AuthorshipInstitution.Source.ARXIV.value)
        for authorship_id, (_, _, a) in zip(authorship_ids, authors, strict=True)
        for position, institution_id in enumerate(
            dict.fromkeys(institution_ids[aff[:500]] for aff in a.affiliations)
        )
    ]
    insert_rows(
        AuthorshipInstitution, ["authorship_id", "institution_id", "position", "source"], links
    )


def _replace_categories(changed: list[tuple[Paper, PaperRecord]], *, replacing: list[Paper]):
    if replacing:
        PaperTopic.objects.filter(paper__in=replacing, source=PaperTopic.Source.ARXIV).delete()
    codes = {code for _, record in changed for code in record.categories}
    if not codes:
        return
    topic_ids = dict(
        Topic.objects.filter(kind=Topic.Kind.ARXIV, code__in=codes).values_list("code", "id")
    )
    if missing := sorted(codes - topic_ids.keys()):
        Topic.objects.bulk_create(
            [Topic(kind=Topic.Kind.ARXIV, code=c, name=category_name(c)) for c in missing],
            ignore_conflicts=True,
        )
        topic_ids |= dict(
            Topic.objects.filter(kind=Topic.Kind.ARXIV, code__in=missing).values_list("code", "id")
        )
    rows = [
        (paper.pk, topic_ids[code], position, PaperTopic.Source.ARXIV)
        for paper, record in changed
        for position, code in enumerate(record.categories)
    ]
    replaced = {paper.pk for paper in replacing}
    # An updated paper may carry the same topic from OpenAlex already: skip that pair.
    PaperTopic.objects.bulk_create(
        [
            PaperTopic(paper_id=p, topic_id=t, position=n, source=s)
            for p, t, n, s in rows
            if p in replaced
        ],
        ignore_conflicts=True,
    )
    insert_rows(
        PaperTopic,
        ["paper_id", "topic_id", "position", "source"],
        [row for row in rows if row[0] not in replaced],
    )


def _merge_versions(changed: list[tuple[Paper, PaperRecord]], *, new_ids: set[int]) -> None:
    """Add versions we lack and complete known ones (day-only dates keep precise times)."""
    # Only papers we held before can have versions already.
    held = [paper for paper, _ in changed if paper.pk not in new_ids]
    existing = (
        {(v.paper_id, v.number): v for v in PaperVersion.objects.filter(paper__in=held)}
        if held
        else {}
    )
    new, completed = [], []
    for paper, record in changed:
        keep_times = _dates_are_days(record)
        for version in record.versions:
            known = existing.get((paper.pk, version.number))
            if known is None:
                new.append(
                    (paper.pk, version.number, version.submitted, version.size, version.withdrawn)
                )
                continue
            changes = {
                "submitted": known.submitted if keep_times else version.submitted,
                "withdrawn": version.withdrawn or known.withdrawn,
                "size": version.size or known.size,
            }
            if any(getattr(known, name) != value for name, value in changes.items()):
                for name, value in changes.items():
                    setattr(known, name, value)
                completed.append(known)
    insert_rows(
        PaperVersion,
        ["paper_id", "number", "submitted", "size", "withdrawn"],
        new,
    )
    if completed:
        PaperVersion.objects.bulk_update(completed, fields=["submitted", "withdrawn", "size"])
