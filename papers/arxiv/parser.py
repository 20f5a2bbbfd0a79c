"""One parser for the arXiv API (Atom) and OAI-PMH (ListRecords and GetRecord, in the
``arXiv``, ``arXivRaw`` and ``oai_dc`` formats).

It reads bytes and yields plain records (see ``records``); it never touches the database or
the network. Documents are parsed with entity expansion, DTD loading and network access
switched off, and a document with a DOCTYPE is refused outright. A record that cannot be
read is skipped with its identifier and the reason (``ParsedFeed.skipped``); only a
document that is not readable XML, or not an arXiv answer at all, is refused whole.

Each format says some things more precisely than the others, and records say so:
``arXiv``'s dates are calendar days in US Eastern time (``DatePrecision.DAY``) and it names
no version (``version`` None, ``version_at_least`` 2 once the record was updated); the API
and ``arXivRaw`` give exact times and versions; ``oai_dc`` gives the least. Which value is
kept when formats differ is decided when records are stored (papers/ingest/precedence.py).
"""

import logging
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from lxml import etree

from papers.arxiv.authors import (
    clean_affiliation,
    clean_person_name,
    split_raw_authors,
    tidy_structured_authors,
)
from papers.arxiv.categories import is_arxiv_category
from papers.arxiv.ids import MAX_VERSION, InvalidArxivId, parse_arxiv_id
from papers.arxiv.links import find_code_url
from papers.arxiv.records import (
    AuthorRecord,
    DatePrecision,
    PaperRecord,
    ParsedFeed,
    RecordFormat,
    SkippedRecord,
    VersionRecord,
)

logger = logging.getLogger(__name__)

ATOM = "http://www.w3.org/2005/Atom"
ARXIV_ATOM = "http://arxiv.org/schemas/atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_ARXIV = "http://arxiv.org/OAI/arXiv/"
OAI_ARXIV_RAW = "http://arxiv.org/OAI/arXivRaw/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
# The metadata formats read here, as OAI-PMH names them (metadataPrefix).
METADATA_FORMATS = ("arXivRaw", "arXiv", "oai_dc")
# arXiv's calendar: the ``arXiv`` format's dates are days there.
ARXIV_TIME_ZONE = ZoneInfo("America/New_York")

NS = {"a": ATOM, "arxiv": ARXIV_ATOM, "os": OPENSEARCH, "oai": OAI}

# arXiv records a withdrawal as a new version whose comment says so, anywhere in it
# ("9 pages, 3 figures This paper was submitted by mistake and has now been withdrawn").
_WITHDRAWN_COMMENT = re.compile(
    r"\b(?:(?:has|have)\s+(?:now\s+)?been\s+withdrawn|is\s+(?:being\s+)?withdrawn|"
    r"(?:paper|article|submission|manuscript|version)\s+(?:is\s+)?withdrawn|"
    r"withdrawn\s+by\s+the\s+(?:author|submitter|arxiv)|^\W*withdrawn\b)",
    re.IGNORECASE,
)
# arXivRaw's source type for a withdrawal (no source, no PDF).
_WITHDRAWN_SOURCE_TYPE = "I"
# What may come before the root element. A DOCTYPE there is refused before libxml2 reads it,
# so an entity bomb in its internal subset is never walked, let alone expanded.
_PROLOG_DOCTYPE = re.compile(
    rb"\A(?:\xef\xbb\xbf)?(?:\s|<\?.*?\?>|<!--.*?-->)*<!DOCTYPE", re.DOTALL
)


class ArxivParseError(ValueError):
    """The document is not a usable arXiv response: malformed, truncated or of unknown kind."""


class ArxivErrorFeed(ArxivParseError):
    """The arXiv API answered with its error feed (for example for a malformed id)."""


class OaiError(ArxivParseError):
    """An OAI-PMH error other than ``noRecordsMatch`` (which is an empty result)."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(f"OAI-PMH error {code}: {message}" if message else f"OAI-PMH error {code}")


def _xml_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_document(data: bytes) -> ParsedFeed:
    """Parse one arXiv API or OAI-PMH response. Raises ``ArxivParseError`` subclasses."""
    if not data or not data.strip():
        raise ArxivParseError("the document is empty")
    if _declares_doctype(data):
        raise ArxivParseError("documents with a DOCTYPE are not accepted")
    try:
        root = etree.fromstring(data, parser=_xml_parser())
    except etree.XMLSyntaxError as exc:
        # libxml2's message already ends with the line and column.
        raise ArxivParseError(f"malformed or truncated XML ({exc.msg})") from None
    # Still checked after parsing: the byte scan above only reads UTF-8 and UTF-16 prologs.
    if root.getroottree().docinfo.doctype:
        raise ArxivParseError("documents with a DOCTYPE are not accepted")

    if root.tag == f"{{{ATOM}}}feed":
        return _parse_atom(root)
    if root.tag == f"{{{OAI}}}OAI-PMH":
        return _parse_oai(root)
    raise ArxivParseError(f"not an arXiv API or OAI-PMH response (root element {root.tag!r})")


# --- helpers ----------------------------------------------------------------------------


def _declares_doctype(data: bytes) -> bool:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = data.decode("utf-16", errors="replace").encode()
    return bool(_PROLOG_DOCTYPE.match(data))


def collapse(text: str | None) -> str:
    return " ".join(text.split()) if text else ""


def _text(node: etree._Element, path: str, ns: dict[str, str] | None = None) -> str:
    found = node.find(path, ns or NS)
    return collapse(found.text) if found is not None else ""


def _iso_datetime(value: str, *, field: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ArxivParseError(f"unreadable {field} date {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _rfc822_datetime(value: str) -> datetime:
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        raise ArxivParseError(f"unreadable version date {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _ordered_categories(primary: str, terms: Iterable[str]) -> tuple[str, ...]:
    """arXiv categories only (MSC/ACM classes dropped), primary first, no repeats."""
    ordered: list[str] = []
    for term in [primary, *terms]:
        term = term.strip()
        if term and is_arxiv_category(term) and term not in ordered:
            ordered.append(term)
    return tuple(ordered)


def _canonical_id(raw: str) -> tuple[str, int | None]:
    try:
        parsed = parse_arxiv_id(raw)
    except InvalidArxivId as exc:
        raise ArxivParseError(f"entry with an invalid identifier: {exc}") from None
    return parsed.id, parsed.version


def is_withdrawal_comment(comment: str) -> bool:
    return bool(_WITHDRAWN_COMMENT.search(comment or ""))


def _empty_size(size: str) -> bool:
    return bool(re.fullmatch(r"0\s*(?:k?b|kib)?", size.strip(), re.IGNORECASE))


def _read_each[T](
    nodes: Iterable[etree._Element],
    read: Callable[[etree._Element], T],
    identify: Callable[[etree._Element], str],
    skipped: list[SkippedRecord],
) -> list[T]:
    """``read`` each node; one that cannot be read is skipped (logged with its identifier and
    the reason) so the rest of the page is still used."""
    found = []
    for node in nodes:
        try:
            found.append(read(node))
        except ArxivParseError as exc:
            identifier = identify(node)
            logger.warning("arXiv record %s skipped: %s", identifier or "(no id)", exc)
            skipped.append(SkippedRecord(identifier=identifier, reason=str(exc)))
    return found


def _record(**fields) -> PaperRecord:
    if not fields.get("title"):
        # Refused here rather than by the upsert, so a bad file fails before any write.
        raise ArxivParseError(f"{fields['arxiv_id']}: record without a title")
    if fields.get("published") is None:
        raise ArxivParseError(f"{fields['arxiv_id']}: record without a submission date")
    comment, abstract = fields.get("comment", ""), fields.get("abstract", "")
    return PaperRecord(**fields, code_url=find_code_url(comment, abstract))


# --- arXiv API (Atom) ---------------------------------------------------------------------


def _parse_atom(feed: etree._Element) -> ParsedFeed:
    entries = feed.findall("a:entry", NS)
    for entry in entries:
        entry_id = _text(entry, "a:id")
        if "/api/errors" in entry_id:
            message = _text(entry, "a:summary") or "arXiv returned an error feed"
            raise ArxivErrorFeed(f"arXiv API error: {message}")

    def opensearch_int(name: str) -> int | None:
        value = _text(feed, f"os:{name}")
        if not value:
            return None
        try:
            return int(value)
        except ValueError:
            raise ArxivParseError(f"unreadable opensearch:{name} {value!r}") from None

    skipped: list[SkippedRecord] = []
    records = _read_each(entries, _atom_entry, lambda e: _text(e, "a:id"), skipped)
    return ParsedFeed(
        format=RecordFormat.ATOM,
        records=tuple(records),
        skipped=tuple(skipped),
        total_results=opensearch_int("totalResults"),
        start_index=opensearch_int("startIndex"),
        items_per_page=opensearch_int("itemsPerPage"),
    )


def _atom_entry(entry: etree._Element) -> PaperRecord:
    raw_id = _text(entry, "a:id")
    if not raw_id:
        raise ArxivParseError("entry without an id")
    arxiv_id, version = _canonical_id(raw_id)
    title = _text(entry, "a:title")
    if not title:
        raise ArxivParseError(f"entry {raw_id} has no title")

    authors = tuple(
        AuthorRecord(
            name=collapse(author.findtext("a:name", "", NS)),
            affiliations=tuple(
                collapse(aff.text) for aff in author.findall("arxiv:affiliation", NS) if aff.text
            ),
        )
        for author in entry.findall("a:author", NS)
        if collapse(author.findtext("a:name", "", NS))
    )
    primary = entry.find("arxiv:primary_category", NS)
    categories = _ordered_categories(
        primary.get("term", "") if primary is not None else "",
        (c.get("term", "") for c in entry.findall("a:category", NS)),
    )
    doi = _text(entry, "arxiv:doi")
    if not doi:
        doi_link = entry.find("a:link[@title='doi']", NS)
        if doi_link is not None:
            doi = re.sub(r"^https?://(dx\.)?doi\.org/", "", doi_link.get("href", ""))
    comment = _text(entry, "arxiv:comment")
    published = _iso_datetime(_text(entry, "a:published"), field="published")
    updated = _iso_datetime(_text(entry, "a:updated"), field="updated")
    withdrawn = is_withdrawal_comment(comment)

    versions: list[VersionRecord] = []
    if published is not None:
        versions.append(
            VersionRecord(number=1, submitted=published, withdrawn=withdrawn and version == 1)
        )
    if version and version > 1 and updated is not None:
        versions.append(VersionRecord(number=version, submitted=updated, withdrawn=withdrawn))

    return _record(
        arxiv_id=arxiv_id,
        version=version,
        title=title,
        abstract=abstract_text(entry.findtext("a:summary", "", NS)),
        authors=authors,
        categories=categories,
        published=published,
        updated=updated or published,
        doi=doi,
        journal_ref=_text(entry, "arxiv:journal_ref"),
        comment=comment,
        withdrawn=withdrawn,
        versions=tuple(versions),
        format=RecordFormat.ATOM,
        version_at_least=version or 1,
    )


# --- OAI-PMH ListRecords -------------------------------------------------------------------


def _parse_oai(root: etree._Element) -> ParsedFeed:
    error = root.find("oai:error", NS)
    if error is not None:
        code = error.get("code", "unknown")
        if code == "noRecordsMatch":
            return ParsedFeed(format="oai", resumption_token="")
        if code == "cannotDisseminateFormat":
            raise OaiError(
                code,
                f"{collapse(error.text)} (formats read here: {', '.join(METADATA_FORMATS)})",
            )
        raise OaiError(code, collapse(error.text))

    list_records = root.find("oai:ListRecords", NS)
    single = root.find("oai:GetRecord", NS)
    container = list_records if list_records is not None else single
    if container is None:
        verb = next((child.tag.rpartition("}")[2] for child in root if _is_verb(child)), "")
        raise ArxivParseError(
            f"OAI-PMH answer to {verb} holds no records: only ListRecords and GetRecord "
            "answers are read"
            if verb
            else "OAI-PMH answer without ListRecords or GetRecord"
        )

    deleted: list[str] = []
    formats: set[str] = set()
    skipped: list[SkippedRecord] = []

    def read(record: etree._Element) -> PaperRecord | None:
        header = record.find("oai:header", NS)
        if header is None:
            raise ArxivParseError("OAI-PMH record without a header")
        if header.get("status") == "deleted":
            deleted.append(_canonical_id(_oai_identifier(record))[0])
            return None
        metadata = record.find("oai:metadata", NS)
        formatted = next(iter(metadata), None) if metadata is not None else None
        reader = _OAI_READERS.get(formatted.tag) if formatted is not None else None
        if reader is None:
            found = formatted.tag if formatted is not None else "no metadata"
            raise ArxivParseError(
                f"record in an unknown metadata format ({found}); formats read here: "
                + ", ".join(METADATA_FORMATS)
            )
        paper = reader(formatted)
        formats.add(paper.format)
        return paper

    nodes = container.findall("oai:record", NS)
    records = [r for r in _read_each(nodes, read, _oai_identifier, skipped) if r is not None]

    token_node = container.find("oai:resumptionToken", NS)
    token, size, cursor = None, None, None
    if token_node is not None:
        token = (token_node.text or "").strip()
        size = _optional_int(token_node.get("completeListSize"))
        cursor = _optional_int(token_node.get("cursor"))
    elif single is not None:
        token = ""  # a single record is the whole answer
    return ParsedFeed(
        format=formats.pop() if len(formats) == 1 else "oai",
        records=tuple(records),
        deleted_ids=tuple(deleted),
        skipped=tuple(skipped),
        resumption_token=token,
        complete_list_size=size,
        cursor=cursor,
    )


_OAI_VERBS = {"Identify", "ListSets", "ListMetadataFormats", "ListIdentifiers"}


def _is_verb(node: etree._Element) -> bool:
    return isinstance(node.tag, str) and node.tag.rpartition("}")[2] in _OAI_VERBS


def _oai_identifier(record: etree._Element) -> str:
    """The record's arXiv id as its header names it ("" when it names none)."""
    return _text(record, "oai:header/oai:identifier").removeprefix("oai:arXiv.org:")


def _optional_int(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise ArxivParseError(f"unreadable number {value!r} in resumptionToken") from None


def _children(node: etree._Element) -> tuple[dict[str, str], list[etree._Element]]:
    """One pass over a record's elements: text by local name, and the repeated <version>s.

    A harvest page holds 2 500 records; one walk instead of a search per field keeps
    parsing from dominating the ingest.
    """
    texts: dict[str, str] = {}
    versions: list[etree._Element] = []
    for child in node:
        if not isinstance(child.tag, str):
            continue
        name = child.tag.rpartition("}")[2]
        if name == "version":
            versions.append(child)
        else:
            texts[name] = child.text or ""
    return texts, versions


def _arxiv_raw(node: etree._Element) -> PaperRecord:
    texts, version_nodes = _children(node)
    arxiv_id, _ = _canonical_id(collapse(texts.get("id")))
    comment = collapse(texts.get("comments"))
    versions = []
    for version in version_nodes:
        label = version.get("version", "").lstrip("v")
        if not label.isdigit() or not 1 <= int(label) <= MAX_VERSION:
            raise ArxivParseError(
                f"{arxiv_id}: unreadable version label {version.get('version')!r}"
            )
        parts, _ = _children(version)
        size = collapse(parts.get("size"))
        # A withdrawal is a version without source (type I), or an empty one whose comment
        # says so; a later real version is not withdrawn.
        withdrawn = collapse(parts.get("source_type")) == _WITHDRAWN_SOURCE_TYPE or (
            _empty_size(size) and is_withdrawal_comment(comment)
        )
        versions.append(
            VersionRecord(
                number=int(label),
                submitted=_rfc822_datetime(collapse(parts.get("date"))),
                size=size,
                withdrawn=withdrawn,
            )
        )
    if not versions:
        raise ArxivParseError(f"{arxiv_id}: arXivRaw record without versions")
    versions.sort(key=lambda v: v.number)
    current = versions[-1]
    categories = collapse(texts.get("categories")).split()
    return _record(
        arxiv_id=arxiv_id,
        version=current.number,
        title=collapse(texts.get("title")),
        abstract=abstract_text(texts.get("abstract")),
        authors=tuple(split_raw_authors(texts.get("authors", ""))),
        categories=_ordered_categories(categories[0] if categories else "", categories),
        published=versions[0].submitted,
        updated=current.submitted,
        doi=collapse(texts.get("doi")),
        journal_ref=collapse(texts.get("journal-ref")),
        comment=comment,
        license=collapse(texts.get("license")),
        withdrawn=current.withdrawn,
        versions=tuple(versions),
        format=RecordFormat.OAI_ARXIV_RAW,
        version_at_least=current.number,
    )


def _arxiv_plain(node: etree._Element) -> PaperRecord:
    ns = {"x": OAI_ARXIV}
    arxiv_id, _ = _canonical_id(_text(node, "x:id", ns))
    created = _eastern_day(_text(node, "x:created", ns), field="created")
    updated = _eastern_day(_text(node, "x:updated", ns), field="updated")
    authors = []
    for author in node.findall("x:authors/x:author", ns):
        name = " ".join(
            part
            for part in (
                _text(author, "x:forenames", ns),
                _text(author, "x:keyname", ns),
                _text(author, "x:suffix", ns),
            )
            if part
        )
        affiliations = tuple(
            affiliation
            for a in author.findall("x:affiliation", ns)
            if (affiliation := clean_affiliation(collapse(a.text)))
        )
        authors.append(AuthorRecord(name=clean_person_name(name), affiliations=affiliations))
    categories = _text(node, "x:categories", ns).split()
    comment = _text(node, "x:comments", ns)
    return _record(
        arxiv_id=arxiv_id,
        # This format names no version: it was updated at least once when it says so.
        version=None,
        title=_text(node, "x:title", ns),
        abstract=abstract_text(node.findtext("x:abstract", "", ns)),
        authors=tidy_structured_authors(authors),
        categories=_ordered_categories(categories[0] if categories else "", categories),
        published=created,
        updated=updated or created,
        doi=_text(node, "x:doi", ns),
        journal_ref=_text(node, "x:journal-ref", ns),
        comment=comment,
        license=_text(node, "x:license", ns),
        withdrawn=is_withdrawal_comment(comment),
        format=RecordFormat.OAI_ARXIV,
        dates_precision=DatePrecision.DAY,
        # <updated> is there only once a later version exists (even on the same day).
        version_at_least=2 if updated else 1,
    )


def _oai_dc(node: etree._Element) -> PaperRecord:
    """Dublin Core: title, creators ("Surname, Given"), the abstract and comment among the
    descriptions, dates as days, and identifiers (the abs link, a DOI, a journal reference).
    It names no categories (only subject names), versions or affiliations."""
    ns = {"dc": DC}

    def each(name: str) -> list[str]:
        return [collapse(e.text) for e in node.findall(f"dc:{name}", ns) if collapse(e.text)]

    identifiers = each("identifier")
    abs_link = next((i for i in identifiers if re.search(r"arxiv\.org/abs/", i)), "")
    if not abs_link:
        raise ArxivParseError("oai_dc record without an arxiv.org/abs link")
    arxiv_id, _ = _canonical_id(abs_link)
    doi = next((i.removeprefix("doi:") for i in identifiers if i.startswith("doi:")), "")
    journal_ref = next(
        (i for i in identifiers if i != abs_link and not i.startswith(("doi:", "http"))), ""
    )
    descriptions = [e.text or "" for e in node.findall("dc:description", ns)]
    comment = next(
        (collapse(d).removeprefix("Comment: ") for d in descriptions if d.startswith("Comment:")),
        "",
    )
    abstract = next((d for d in descriptions if not d.startswith("Comment:")), "")
    days = sorted(_eastern_day(d, field="date") for d in each("date"))
    authors = []
    for creator in each("creator"):
        surname, _, given = creator.partition(", ")
        authors.append(AuthorRecord(name=clean_person_name(f"{given} {surname}".strip())))
    return _record(
        arxiv_id=arxiv_id,
        version=None,
        title=" ".join(each("title")),
        abstract=abstract_text(abstract),
        authors=tidy_structured_authors(authors),
        categories=(),
        published=days[0] if days else None,
        updated=days[-1] if days else None,
        doi=doi,
        journal_ref=journal_ref,
        comment=comment,
        withdrawn=is_withdrawal_comment(comment),
        format=RecordFormat.OAI_DC,
        dates_precision=DatePrecision.DAY,
        version_at_least=2 if len(set(days)) > 1 else 1,
    )


_OAI_READERS = {
    f"{{{OAI_ARXIV_RAW}}}arXivRaw": _arxiv_raw,
    f"{{{OAI_ARXIV}}}arXiv": _arxiv_plain,
    f"{{{OAI_DC}}}dc": _oai_dc,
}


def _eastern_day(value: str, *, field: str) -> datetime | None:
    """A day of arXiv's calendar ("2008-11-21") as that day's midnight in US Eastern time: the
    moment it begins, so it reads as the same day there, and never as a time of day."""
    value = value.strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        raise ArxivParseError(f"unreadable {field} date {value!r}") from None
    return datetime(day.year, day.month, day.day, tzinfo=ARXIV_TIME_ZONE).astimezone(UTC)


def abstract_text(raw: str | None) -> str:
    """An abstract with its paragraphs: arXiv wraps lines and starts each paragraph on an
    indented line. Paragraphs are kept apart by a blank line, their lines joined."""
    if not raw or not raw.strip():
        return ""
    paragraphs: list[list[str]] = []
    for line in raw.strip("\n").splitlines():
        if not line.strip():
            paragraphs.append([])
            continue
        if not paragraphs or (line[:1].isspace() and paragraphs[-1]):
            paragraphs.append([])
        paragraphs[-1].append(line.strip())
    return "\n\n".join(" ".join(lines) for lines in paragraphs if lines)
