"""One parser for the arXiv API (Atom) and OAI-PMH ListRecords (``arXiv`` and ``arXivRaw``).

It reads bytes and yields plain records (see ``records``); it never touches the database or
the network. Documents are parsed with entity expansion, DTD loading and network access
switched off, and a document with a DOCTYPE is refused outright.
"""

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from lxml import etree

from papers.arxiv.authors import clean_person_name, split_raw_authors
from papers.arxiv.categories import is_arxiv_category
from papers.arxiv.ids import MAX_VERSION, InvalidArxivId, parse_arxiv_id
from papers.arxiv.links import find_code_url
from papers.arxiv.records import AuthorRecord, PaperRecord, ParsedFeed, VersionRecord

ATOM = "http://www.w3.org/2005/Atom"
ARXIV_ATOM = "http://arxiv.org/schemas/atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_ARXIV = "http://arxiv.org/OAI/arXiv/"
OAI_ARXIV_RAW = "http://arxiv.org/OAI/arXivRaw/"

NS = {"a": ATOM, "arxiv": ARXIV_ATOM, "os": OPENSEARCH, "oai": OAI}

# arXiv records a withdrawal as a new version whose comment says so.
_WITHDRAWN_COMMENT = re.compile(
    r"^\W*(?:this\s+(?:paper|article|submission|manuscript|version)\s+(?:has\s+been|is)\s+"
    r"withdrawn|withdrawn\b|paper\s+withdrawn)",
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
    return bool(_WITHDRAWN_COMMENT.match(comment or ""))


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

    return ParsedFeed(
        format="atom",
        records=tuple(_atom_entry(entry) for entry in entries),
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
        abstract=_text(entry, "a:summary"),
        authors=authors,
        categories=categories,
        published=published,
        updated=updated or published,
        doi=doi.lower(),
        journal_ref=_text(entry, "arxiv:journal_ref"),
        comment=comment,
        withdrawn=withdrawn,
        versions=tuple(versions),
    )


# --- OAI-PMH ListRecords -------------------------------------------------------------------


def _parse_oai(root: etree._Element) -> ParsedFeed:
    error = root.find("oai:error", NS)
    if error is not None:
        code = error.get("code", "unknown")
        if code == "noRecordsMatch":
            return ParsedFeed(format="oai", resumption_token="")
        raise OaiError(code, collapse(error.text))

    list_records = root.find("oai:ListRecords", NS)
    if list_records is None:
        raise ArxivParseError("OAI-PMH response without ListRecords")

    records: list[PaperRecord] = []
    deleted: list[str] = []
    formats: set[str] = set()
    for record in list_records.findall("oai:record", NS):
        header = record.find("oai:header", NS)
        if header is None:
            raise ArxivParseError("OAI-PMH record without a header")
        if header.get("status") == "deleted":
            identifier = _text(header, "oai:identifier").removeprefix("oai:arXiv.org:")
            deleted.append(_canonical_id(identifier)[0])
            continue
        metadata = record.find("oai:metadata", NS)
        raw = metadata.find(f"{{{OAI_ARXIV_RAW}}}arXivRaw") if metadata is not None else None
        plain = metadata.find(f"{{{OAI_ARXIV}}}arXiv") if metadata is not None else None
        if raw is not None:
            formats.add("oai-arXivRaw")
            records.append(_arxiv_raw(raw))
        elif plain is not None:
            formats.add("oai-arXiv")
            records.append(_arxiv_plain(plain))
        else:
            raise ArxivParseError("OAI-PMH record in a metadata format other than arXiv/arXivRaw")

    token_node = list_records.find("oai:resumptionToken", NS)
    token, size, cursor = None, None, None
    if token_node is not None:
        token = (token_node.text or "").strip()
        size = _optional_int(token_node.get("completeListSize"))
        cursor = _optional_int(token_node.get("cursor"))
    return ParsedFeed(
        format=formats.pop() if len(formats) == 1 else "oai",
        records=tuple(records),
        deleted_ids=tuple(deleted),
        resumption_token=token,
        complete_list_size=size,
        cursor=cursor,
    )


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
    versions = []
    for version in version_nodes:
        label = version.get("version", "").lstrip("v")
        if not label.isdigit() or not 1 <= int(label) <= MAX_VERSION:
            raise ArxivParseError(
                f"{arxiv_id}: unreadable version label {version.get('version')!r}"
            )
        parts, _ = _children(version)
        versions.append(
            VersionRecord(
                number=int(label),
                submitted=_rfc822_datetime(collapse(parts.get("date"))),
                size=collapse(parts.get("size")),
                withdrawn=collapse(parts.get("source_type")) == _WITHDRAWN_SOURCE_TYPE,
            )
        )
    if not versions:
        raise ArxivParseError(f"{arxiv_id}: arXivRaw record without versions")
    versions.sort(key=lambda v: v.number)
    current = versions[-1]
    comment = collapse(texts.get("comments"))
    categories = collapse(texts.get("categories")).split()
    return _record(
        arxiv_id=arxiv_id,
        version=current.number,
        title=collapse(texts.get("title")),
        abstract=collapse(texts.get("abstract")),
        authors=tuple(split_raw_authors(texts.get("authors", ""))),
        categories=_ordered_categories(categories[0] if categories else "", categories),
        published=versions[0].submitted,
        updated=current.submitted,
        doi=collapse(texts.get("doi")).lower(),
        journal_ref=collapse(texts.get("journal-ref")),
        comment=comment,
        license=collapse(texts.get("license")),
        withdrawn=current.withdrawn or is_withdrawal_comment(comment),
        versions=tuple(versions),
    )


def _arxiv_plain(node: etree._Element) -> PaperRecord:
    ns = {"x": OAI_ARXIV}
    arxiv_id, _ = _canonical_id(_text(node, "x:id", ns))
    created = _iso_datetime(_text(node, "x:created", ns), field="created")
    updated = _iso_datetime(_text(node, "x:updated", ns), field="updated")
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
        if name:
            authors.append(
                AuthorRecord(
                    name=clean_person_name(name),
                    affiliations=tuple(
                        collapse(a.text) for a in author.findall("x:affiliation", ns) if a.text
                    ),
                )
            )
    categories = _text(node, "x:categories", ns).split()
    comment = _text(node, "x:comments", ns)
    withdrawn = is_withdrawal_comment(comment)
    return _record(
        arxiv_id=arxiv_id,
        # This format names no versions: the ingest compares dates instead.
        version=None,
        title=_text(node, "x:title", ns),
        abstract=_text(node, "x:abstract", ns),
        authors=tuple(authors),
        categories=_ordered_categories(categories[0] if categories else "", categories),
        published=created,
        updated=updated or created,
        doi=_text(node, "x:doi", ns).lower(),
        journal_ref=_text(node, "x:journal-ref", ns),
        comment=comment,
        license=_text(node, "x:license", ns),
        withdrawn=withdrawn,
        versions=(VersionRecord(number=1, submitted=created),) if created else (),
    )
