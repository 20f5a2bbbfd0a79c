"""Import arXiv API or OAI-PMH responses (ListRecords, GetRecord) saved as files: parse first,
then one transaction."""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from papers.arxiv.parser import parse_document
from papers.arxiv.records import SkippedRecord
from papers.ingest.upsert import Outcome, paper_mark_deleted, papers_upsert
from papers.models import MetadataSource


@dataclass
class ImportSummary:
    outcomes: Counter = field(default_factory=Counter)
    deleted: int = 0
    skipped: list[SkippedRecord] = field(default_factory=list)

    @property
    def created(self) -> int:
        return self.outcomes[Outcome.CREATED]

    @property
    def updated(self) -> int:
        return self.outcomes[Outcome.UPDATED]

    @property
    def unchanged(self) -> int:
        return self.outcomes[Outcome.UNCHANGED]

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def add(self, other: "ImportSummary") -> None:
        self.outcomes.update(other.outcomes)
        self.deleted += other.deleted
        self.skipped += other.skipped


def import_feed_bytes(data: bytes, *, source: str = MetadataSource.FILE) -> ImportSummary:
    """Parse a whole response, then store it in one transaction: all of it or none of it.
    Records that cannot be read are skipped and listed in the summary.

    Raises ``ArxivParseError`` (with the reason) before anything is written when the document
    itself cannot be read.
    """
    feed = parse_document(data)
    summary = ImportSummary(skipped=list(feed.skipped))
    with transaction.atomic():
        for result in papers_upsert(records=feed.records, source=source):
            summary.outcomes[result.outcome] += 1
        for arxiv_id in feed.deleted_ids:
            summary.deleted += paper_mark_deleted(arxiv_id=arxiv_id)
    return summary


def import_feed_file(path: Path, *, source: str = MetadataSource.FILE) -> ImportSummary:
    return import_feed_bytes(Path(path).read_bytes(), source=source)
