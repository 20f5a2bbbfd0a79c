"""Plain records yielded by the parser: what arXiv says about a paper, nothing stored yet."""

from dataclasses import dataclass, field
from datetime import datetime


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
    # None when the source does not say (the OAI ``arXiv`` format lists no versions).
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

    @property
    def primary_category(self) -> str:
        return self.categories[0] if self.categories else ""


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """One response (one page) of the arXiv API or of an OAI-PMH ListRecords request."""

    format: str  # "atom", "oai-arXiv" or "oai-arXivRaw"
    records: tuple[PaperRecord, ...] = ()
    deleted_ids: tuple[str, ...] = ()
    # arXiv API paging (OpenSearch).
    total_results: int | None = None
    start_index: int | None = None
    items_per_page: int | None = None
    # OAI-PMH paging: None when the response carries no token, "" on the last page.
    resumption_token: str | None = None
    complete_list_size: int | None = None
    cursor: int | None = None
    extra: dict[str, str] = field(default_factory=dict)
