"""Store what the arXiv parser yields: one idempotent upsert, for one record or a whole page.

A batch costs a fixed number of queries whatever its size (a harvest page holds 2 500
records), and a single record goes through the same code as a batch of one.
"""

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from papers.arxiv.categories import category_name
from papers.arxiv.records import PaperRecord
from papers.catalogue.page_cache import paper_pages_invalidate
from papers.catalogue.search import search_documents_refresh
from papers.catalogue.viewer_cache import papers_listed_changed
from papers.ingest.bulk import insert_rows, model_columns
from papers.ingest.precedence import arxiv_day, groups_won, latest_version, record_key
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


def paper_upsert(*, record: PaperRecord, source: str = MetadataSource.FILE) -> UpsertResult:
    """Create the paper or merge the record into it (papers/ingest/precedence.py)."""
    return papers_upsert(records=[record], source=source)[0]


def papers_upsert(
    *, records: Sequence[PaperRecord], source: str = MetadataSource.FILE
) -> list[UpsertResult]:
    """Upsert a batch of records in one transaction; results in the order of ``records``.

    Each record is merged into what is stored, field group by field group, as
    papers/ingest/precedence.py weighs them: whatever order records of a paper arrive in,
    from whichever formats, the paper ends the same.

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
        versions = _stored_versions(list(held.values()))
        created, updated, unchanged = [], [], []
        replace_authors, replace_categories = [], []
        for arxiv_id, record in newest.items():
            paper = held.get(arxiv_id)
            if paper is None:
                paper = Paper(arxiv_id=arxiv_id, created_at=now)
                created.append((paper, record))
            provenance = dict(paper.provenance or {})
            won = groups_won(record, provenance)
            known = {n: arxiv_day(v.submitted) for n, v in versions.get(paper.pk, {}).items()}
            known |= {v.number: arxiv_day(v.submitted) for v in record.versions}
            changed = _apply_fields(paper, record, won, known)
            if "authors" in won and _list_changed(paper, "author_list", _authors_list(record)):
                replace_authors.append((paper, record))
                changed = True
            if "text" in won and _list_changed(paper, "category_list", list(record.categories)):
                replace_categories.append((paper, record))
                changed = True
            new_versions = {v.number for v in record.versions} - versions.get(paper.pk, {}).keys()
            if paper.pk is not None:  # held: updated when anything of it changed
                if not (changed or new_versions):
                    unchanged.append(paper)
                    continue
                updated.append((paper, record))
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
        held_ids = {paper.pk for paper in held.values()}
        _replace_authorships(
            replace_authors, replacing=[p for p, _ in replace_authors if p.pk in held_ids]
        )
        search_documents_refresh(paper_ids=[paper.pk for paper, _ in changed])
        _replace_categories(
            replace_categories, replacing=[p for p, _ in replace_categories if p.pk in held_ids]
        )
        _merge_versions(changed, versions)
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
    "version", "version_known", "title", "abstract", "published", "published_precision",
    "updated", "updated_precision", "primary_category", "withdrawn", "comment", "journal_ref",
    "doi", "license", "code_url", "provenance", "metadata_source", "metadata_fetched_at",
    "modified_at",
]  # fmt: skip
# What a record may change (the rest says where and when it was fetched).
_RECORD_FIELDS = _PAPER_FIELDS[:-3]


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


def _authors_list(record: PaperRecord) -> list:
    return [[author.name, list(author.affiliations)] for author in record.authors]


def _list_changed(paper: Paper, name: str, value: list) -> bool:
    """Whether a list the paper's rows hold (its authors, its categories) is to be replaced
    by the record's: the list last stored is kept in ``provenance`` to compare with. An empty
    list (a format without it) keeps what another record gave."""
    if not value or paper.provenance.get(name) == value:
        return False
    paper.provenance[name] = value
    return True


def _newest_per_id(records: Sequence[PaperRecord]) -> dict[str, PaperRecord]:
    """One record per paper of a batch: the one precedence ranks highest for the latest
    version (a page rarely lists a paper twice)."""
    newest: dict[str, PaperRecord] = {}
    for record in records:
        known = newest.get(record.arxiv_id)
        if known is None or record_key(record, "latest") > record_key(known, "latest"):
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


def _apply_fields(paper: Paper, record: PaperRecord, won: dict, known: dict) -> bool:
    """Give the paper the record's values of the field groups it won (papers/ingest/
    precedence.py); ``known`` maps every numbered version to its day. True when a stored
    value changed."""
    before = {name: getattr(paper, name) for name in _RECORD_FIELDS}
    provenance = dict(paper.provenance or {})
    if "published" in won:
        paper.published = record.published
        paper.published_precision = record.dates_precision
    if "latest" in won:
        paper.updated = record.updated or record.published
        paper.updated_precision = record.dates_precision
        paper.withdrawn = record.withdrawn
        day = arxiv_day(paper.updated).isoformat()
        provenance["latest_claim"] = [record.version, record.version_at_least, day]
    claim = provenance.get("latest_claim")
    claim = None if claim is None else (claim[0], claim[1], date.fromisoformat(claim[2]))
    paper.version, paper.version_known = latest_version(claim, known)
    if "text" in won:
        paper.title = record.title
        paper.abstract = record.abstract
        paper.comment = record.comment
        paper.journal_ref = record.journal_ref
        # Fields a record may not carry keep what another source (OpenAlex, a curator) gave.
        paper.primary_category = record.primary_category or paper.primary_category
        paper.doi = record.doi or paper.doi
        paper.license = record.license or paper.license
        if not paper.code_url and record.code_url:
            paper.code_url = record.code_url
    if paper.updated is None or paper.updated < paper.published:
        paper.updated, paper.updated_precision = paper.published, paper.published_precision
    provenance.update(won)
    paper.provenance = provenance
    return any(getattr(paper, name) != value for name, value in before.items())


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


def _stored_versions(papers: list[Paper]) -> dict[int, dict[int, PaperVersion]]:
    """The versions stored for these papers: paper id → number → version (one query)."""
    if not papers:
        return {}
    stored: dict[int, dict[int, PaperVersion]] = {}
    for version in PaperVersion.objects.filter(paper__in=papers):
        stored.setdefault(version.paper_id, {})[version.number] = version
    return stored


def _merge_versions(
    changed: list[tuple[Paper, PaperRecord]], stored: dict[int, dict[int, PaperVersion]]
) -> None:
    """Add the versions a record numbers that are not stored, and complete stored ones (a size,
    a withdrawal): every record numbering versions gives exact times."""
    new, completed = [], []
    for paper, record in changed:
        existing = stored.get(paper.pk, {})
        for version in record.versions:
            known = existing.get(version.number)
            if known is None:
                new.append(
                    (paper.pk, version.number, version.submitted, version.size, version.withdrawn)
                )
                continue
            changes = {
                "submitted": version.submitted,
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
