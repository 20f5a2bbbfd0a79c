"""Store what the arXiv parser yields: one idempotent upsert per paper record."""

import enum
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from papers.arxiv.categories import category_name
from papers.arxiv.records import AuthorRecord, PaperRecord, VersionRecord
from papers.cache import paper_pages_invalidate
from papers.models import (
    Author,
    Authorship,
    Institution,
    Paper,
    PaperTopic,
    PaperVersion,
    Topic,
)


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


def paper_upsert(*, record: PaperRecord) -> UpsertResult:
    """Create the paper, or bring it up to a newer version; an equal or older one changes nothing.

    Safe under concurrency: the paper row is locked while it is updated, and two creators of
    the same new paper end with one row (the loser retries as an update).
    """
    if not record.title or record.published is None:
        raise ValueError(f"{record.arxiv_id}: a paper needs a title and a publication date")
    with transaction.atomic():
        paper = Paper.objects.select_for_update().filter(arxiv_id=record.arxiv_id).first()
        if paper is None:
            try:
                with transaction.atomic():
                    paper = Paper(arxiv_id=record.arxiv_id)
                    _apply_fields(paper, record)
                    paper.save()
            except IntegrityError:
                paper = Paper.objects.select_for_update().get(arxiv_id=record.arxiv_id)
            else:
                _replace_parts(paper, record)
                return UpsertResult(paper, Outcome.CREATED)
        if not _is_newer(record, paper):
            return UpsertResult(paper, Outcome.UNCHANGED)
        _apply_fields(paper, record)
        paper.save()
        _replace_parts(paper, record)
        return UpsertResult(paper, Outcome.UPDATED)


def paper_mark_deleted(*, arxiv_id: str) -> bool:
    """An OAI-PMH deleted record: the paper stays (with its curation) and shows as withdrawn."""
    updated = Paper.objects.filter(arxiv_id=arxiv_id, withdrawn=False).update(withdrawn=True)
    if updated:
        paper_pages_invalidate([arxiv_id])
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


def _replace_parts(paper: Paper, record: PaperRecord) -> None:
    # The paper was saved just before, so its cached pages are already invalidated.
    _replace_authorships(paper, record.authors)
    _replace_categories(paper, record.categories)
    _merge_versions(paper, record.versions, keep_times=_dates_are_days(record))


def _authors_by_name(names: set[str]) -> dict[str, Author]:
    # Sorted, so that concurrent imports sharing names take the row locks in the same order
    # (rows inserted in set order could deadlock two workers).
    Author.objects.bulk_create([Author(name=n) for n in sorted(names)], ignore_conflicts=True)
    return {a.name: a for a in Author.objects.filter(name__in=names, openalex_id="")}


def _institutions_by_name(names: set[str]) -> dict[str, Institution]:
    Institution.objects.bulk_create(
        [Institution(name=n) for n in sorted(names)], ignore_conflicts=True
    )
    return {i.name: i for i in Institution.objects.filter(name__in=names, ror_id="")}


def _replace_authorships(paper: Paper, authors: tuple[AuthorRecord, ...]) -> None:
    paper.authorships.all().delete()
    if not authors:
        return
    by_name = _authors_by_name({a.name[:300] for a in authors})
    institutions = _institutions_by_name({aff[:500] for a in authors for aff in a.affiliations})
    authorships = Authorship.objects.bulk_create(
        [
            Authorship(paper=paper, author=by_name[a.name[:300]], position=position)
            for position, a in enumerate(authors)
        ]
    )
    if not institutions:
        return
    through = Authorship.institutions.through
    links = {
        (authorship.pk, institutions[aff[:500]].pk)
        for authorship, a in zip(authorships, authors, strict=True)
        for aff in a.affiliations
    }
    through.objects.bulk_create(
        [through(authorship_id=a, institution_id=i) for a, i in sorted(links)]
    )


def _replace_categories(paper: Paper, categories: tuple[str, ...]) -> None:
    PaperTopic.objects.filter(paper=paper, source=PaperTopic.Source.ARXIV).delete()
    if not categories:
        return
    Topic.objects.bulk_create(
        [Topic(kind=Topic.Kind.ARXIV, code=c, name=category_name(c)) for c in sorted(categories)],
        ignore_conflicts=True,
    )
    topics = {t.code: t for t in Topic.objects.filter(kind=Topic.Kind.ARXIV, code__in=categories)}
    PaperTopic.objects.bulk_create(
        [
            PaperTopic(paper=paper, topic=topics[code], position=position)
            for position, code in enumerate(categories)
        ],
        ignore_conflicts=True,  # an OpenAlex topic row may already link the same topic
    )


def _merge_versions(
    paper: Paper, versions: tuple[VersionRecord, ...], *, keep_times: bool = False
) -> None:
    """Add versions we lack and complete known ones; ``keep_times`` for day-only dates."""
    existing = {v.number: v for v in paper.versions.all()}
    for version in versions:
        known = existing.get(version.number)
        if known is None:
            PaperVersion.objects.create(
                paper=paper,
                number=version.number,
                submitted=version.submitted,
                size=version.size,
                withdrawn=version.withdrawn,
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
            known.save(update_fields=list(changes))
