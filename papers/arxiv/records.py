"""Plain records yielded by the parser: what arXiv says about a paper, nothing stored yet."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class RecordFormat(StrEnum):
    """Where a record came from; each says some fields more precisely than others (see
    papers/ingest/precedence.py)."""

    ATOM = "atom"  # the arXiv API
    OAI_ARXIV = "oai-arXiv"  # structured authors; dates are days (US Eastern); no versions
    OAI_ARXIV_RAW = "oai-arXivRaw"  # every version with its time; authors as one string
    OAI_DC = "oai_dc"  # Dublin Core: the poorest


class DatePrecision(StrEnum):
    SECOND = "second"
    # A calendar day in US Eastern time, arXiv's own calendar: stored as that day's
    # midnight there, never as a time of day.
    DAY = "day"


@dataclass(frozen=True, slots=True)
class AuthorRecord:
    name: str
    affiliations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class VersionRecord:
    number: int
    submitted: datetime
    size: str = ""
    withdrawn: bool = False


@dataclass(frozen=True, slots=True)
class PaperRecord:
    arxiv_id: str  # canonical, versionless
    # None when the source does not say (the OAI ``arXiv`` format lists no versions);
    # ``version_at_least`` then says what is known (2 once the record was updated).
    version: int | None
    title: str
    abstract: str
    authors: tuple[AuthorRecord, ...]
    categories: tuple[str, ...]  # primary first
    published: datetime | None
    updated: datetime | None
    doi: str = ""
    journal_ref: str = ""
    comment: str = ""
    license: str = ""
    withdrawn: bool = False
    versions: tuple[VersionRecord, ...] = ()
    # A code repository named in the comment or abstract, if any.
    code_url: str = ""
    format: RecordFormat = RecordFormat.ATOM
    dates_precision: DatePrecision = DatePrecision.SECOND
    version_at_least: int = 1

    @property
    def primary_category(self) -> str:
        return self.categories[0] if self.categories else ""


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    """A record of a page that could not be read: the rest of the page is still used."""

    identifier: str  # as the page names it ("" when it names none)
    reason: str


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """One response (one page) of the arXiv API or of an OAI-PMH ListRecords or GetRecord
    request."""

    format: str  # "atom", "oai-arXiv", "oai-arXivRaw", "oai_dc", or "oai" when mixed
    records: tuple[PaperRecord, ...] = ()
    deleted_ids: tuple[str, ...] = ()
    skipped: tuple[SkippedRecord, ...] = ()
    # arXiv API paging (OpenSearch).
    total_results: int | None = None
    start_index: int | None = None
    items_per_page: int | None = None
    # OAI-PMH paging: None when the response carries no token, "" on the last page.
    resumption_token: str | None = None
    complete_list_size: int | None = None
    cursor: int | None = None
    extra: dict[str, str] = field(default_factory=dict)
