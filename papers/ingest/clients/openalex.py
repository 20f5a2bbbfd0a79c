"""OpenAlex works by DOI: citation counts, resolved affiliations, topics and references.

OpenAlex answers with far more than BZPEER stores, so each request selects the fields used
here, and the answer is validated strictly: a field missing or of the wrong type means the
schema changed or the body is broken, and storing a guess would be worse than storing
nothing. Since February 2026 OpenAlex wants an API key on every request; without one,
enrichment is switched off and says so once in the log.
"""

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from django.conf import settings

from papers.ingest.clients.http import (
    FetchError,
    Limiter,
    build_client,
    get_with_retries,
    user_agent,
)
from papers.ingest.clients.ratelimit import openalex_limiter
from papers.ror import InvalidRor, canonical_ror

logger = logging.getLogger(__name__)

ARXIV_DOI_PREFIX = "10.48550/arxiv."
SELECT_FIELDS = (
    "id",
    "doi",
    "cited_by_count",
    "authorships",
    "topics",
    "primary_topic",
    "referenced_works",
    "ids",
)

_OPENALEX_PREFIX = "https://openalex.org/"
_WORK_ID = re.compile(r"W\d+")
_AUTHOR_ID = re.compile(r"A\d+")
_TOPIC_ID = re.compile(r"T\d+")
_CONCEPT_ID = re.compile(r"C\d+")
_ORCID = re.compile(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]")
_COUNTRY = re.compile(r"[A-Z]{2}")
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:")


@dataclass(frozen=True)
class OpenAlexInstitution:
    display_name: str
    ror: str  # canonical, e.g. "https://ror.org/00f54p054" (papers.ror); "" when it has none
    country_code: str  # ISO 3166-1 alpha-2, "" when unknown


@dataclass(frozen=True)
class OpenAlexAuthorship:
    position: int  # 0 is the first author, as on arXiv
    display_name: str  # OpenAlex's name for the person ("" when it has no author record)
    author_openalex_id: str  # "A…", "" when OpenAlex has no author record
    orcid: str  # bare iD "0000-0002-1825-0097", "" when none
    institutions: tuple[OpenAlexInstitution, ...]  # in OpenAlex's order, the first is primary
    raw_author_name: str = ""  # the name as printed on the work, "" when not given

    @property
    def names(self) -> tuple[str, ...]:
        """Every name OpenAlex gives this author, the printed one first, without repeats."""
        return tuple(dict.fromkeys(n for n in (self.raw_author_name, self.display_name) if n))


@dataclass(frozen=True)
class OpenAlexTopic:
    openalex_id: str  # "T…" (or "C…" for the concepts of records older than topics)
    display_name: str
    score: float | None
    primary: bool = False  # OpenAlex's primary_topic


@dataclass(frozen=True)
class OpenAlexWork:
    """A work as far as the record tells; None where the record is silent about a field,
    so that storing it leaves what BZPEER holds for that field unchanged."""

    openalex_id: str  # "W…"
    doi: str  # bare and lower-case, "" when none
    cited_by_count: int | None
    authorships: tuple[OpenAlexAuthorship, ...] | None
    # The primary topic first, then OpenAlex's order; older records' concepts stand in.
    topics: tuple[OpenAlexTopic, ...] | None
    referenced_works: tuple[str, ...] | None  # "W…" ids, in OpenAlex's order, without repeats


_disabled_warned = False
_disabled_lock = threading.Lock()


def openalex_enabled() -> bool:
    """Whether an API key is set; without one, warn once per process that enrichment is off."""
    global _disabled_warned
    if settings.OPENALEX_API_KEY:
        return True
    with _disabled_lock:
        if not _disabled_warned:
            _disabled_warned = True
            logger.warning(
                "OpenAlex enrichment is switched off because OPENALEX_API_KEY is not set: "
                "citation counts, institutions and topics from OpenAlex will not be fetched."
            )
    return False


def normalise_doi(doi: str) -> str:
    doi = doi.strip()
    for prefix in _DOI_PREFIXES:
        if doi.lower().startswith(prefix):
            doi = doi[len(prefix) :]
            break
    return doi.lower()


class OpenAlexClient:
    """Looks works up one at a time (singleton look-ups cost nothing against the daily quota)."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        client: httpx.Client | None = None,
        limiter: Limiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base_url = (base_url or settings.OPENALEX_URL).rstrip("/")
        self.api_key = settings.OPENALEX_API_KEY if api_key is None else api_key
        self._owns_client = client is None
        self._client = client if client is not None else build_client()
        # The key joins each request at the last moment, so that URLs in exceptions and
        # retry warnings (stored in enrichment_error, shown in admin) never carry it.
        self._client.event_hooks["request"].append(self._add_api_key)
        self._limiter = limiter if limiter is not None else openalex_limiter()
        self._sleep = sleep

    @property
    def enabled(self) -> bool:
        return bool(self.api_key)

    def close(self) -> None:
        self._client.event_hooks["request"].remove(self._add_api_key)
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> "OpenAlexClient":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def work_by_arxiv_id(self, arxiv_id: str) -> OpenAlexWork | None:
        """The work of an arXiv paper, through the DOI arXiv registers for every paper."""
        return self.work_by_doi(f"{ARXIV_DOI_PREFIX}{arxiv_id}")

    def work_by_doi(self, doi: str) -> OpenAlexWork | None:
        """The work with this DOI, or None when OpenAlex does not know it."""
        doi = normalise_doi(doi)
        if not doi.startswith("10."):
            raise FetchError(f"not a DOI: {doi!r}")
        # "?" or "#" inside old DOIs would otherwise end the path.
        url = f"{self.base_url}/works/doi:{quote(doi, safe='/:;()<>[]-._')}"
        response = get_with_retries(
            self._client,
            url,
            params={"select": ",".join(SELECT_FIELDS)},
            headers={"User-Agent": user_agent()},
            limiter=self._limiter,
            sleep=self._sleep,
        )
        shown_url = str(response.request.url.copy_remove_param("api_key"))
        if response.status_code == 404:
            return None
        if response.status_code in (401, 403):
            raise FetchError(
                f"OpenAlex refused the request (HTTP {response.status_code}): "
                "check OPENALEX_API_KEY",
                url=shown_url,
            )
        if response.status_code != 200:
            raise FetchError(f"OpenAlex answered HTTP {response.status_code}", url=shown_url)
        try:
            body = response.json()
        except ValueError as exc:
            raise FetchError(
                f"OpenAlex sent a body that is not JSON ({exc})", url=shown_url
            ) from exc
        try:
            return parse_work(body)
        except _SchemaError as exc:
            raise FetchError(f"unusable OpenAlex answer: {exc}", url=shown_url) from exc

    def _add_api_key(self, request: httpx.Request) -> None:
        if self.api_key and "api_key" not in request.url.params:
            request.url = request.url.copy_add_param("api_key", self.api_key)


class _SchemaError(ValueError):
    pass


def parse_work(body: Any) -> OpenAlexWork:
    """An ``OpenAlexWork`` from a decoded /works response; ``_SchemaError`` names what is wrong.

    Records differ by age: those from before 2024 have ``concepts`` and ``host_venue`` but no
    ``topics``, and ``select=`` leaves out what it was not asked for. A field that is absent
    is read as unknown; a field that is present must have OpenAlex's type, or the body is
    refused whole. Only the id is indispensable.
    """
    if isinstance(body, list):
        raise _SchemaError("OpenAlex answered a list, not a work")
    if not isinstance(body, dict):
        raise _SchemaError(f"OpenAlex answered {_json_type(body)}, not a work")
    work = body
    if "results" in work and "id" not in work:
        raise _SchemaError("OpenAlex answered a list of works (results), not a work")
    if work.get("id") in (None, ""):
        raise _SchemaError("the work has no id")
    doi = _optional_str(work, "doi", "work")
    authorships = _optional_list(work, "authorships", "work")
    references = _optional_list(work, "referenced_works", "work")
    return OpenAlexWork(
        openalex_id=_short_id(_str(work, "id", "work"), _WORK_ID, "work.id"),
        doi=normalise_doi(doi) if doi else "",
        cited_by_count=_optional_count(work, "cited_by_count", "work"),
        authorships=None
        if authorships is None
        else tuple(
            _authorship(item, position, f"authorships[{position}]")
            for position, item in enumerate(authorships)
        ),
        topics=_work_topics(work),
        referenced_works=None
        if references is None
        else tuple(
            dict.fromkeys(
                _short_id(_expect_str(ref, f"referenced_works[{i}]"), _WORK_ID, "referenced work")
                for i, ref in enumerate(references)
            )
        ),
    )


def _authorship(item: Any, position: int, where: str) -> OpenAlexAuthorship:
    authorship = _object(item, where)
    author = _optional_object(authorship, "author", where) or {}
    author_id = _optional_str(author, "id", f"{where}.author")
    orcid = _optional_str(author, "orcid", f"{where}.author")
    display_name = (_optional_str(author, "display_name", f"{where}.author") or "").strip()
    raw_name = (_optional_str(authorship, "raw_author_name", where) or "").strip()
    if not display_name and not raw_name:
        raise _SchemaError(f"{where} names no author (no author.display_name, no raw_author_name)")
    return OpenAlexAuthorship(
        position=position,
        display_name=display_name,
        author_openalex_id=_short_id(author_id, _AUTHOR_ID, f"{where}.author.id")
        if author_id
        else "",
        orcid=_orcid(orcid) if orcid else "",
        institutions=tuple(
            _institution(inst, f"{where}.institutions[{i}]")
            for i, inst in enumerate(_optional_list(authorship, "institutions", where) or [])
        ),
        raw_author_name=raw_name,
    )


def _institution(item: Any, where: str) -> OpenAlexInstitution:
    institution = _object(item, where)
    ror = _optional_str(institution, "ror", where) or ""
    if ror:
        try:
            ror = canonical_ror(ror)
        except InvalidRor as exc:
            raise _SchemaError(f"{where}.ror is {exc}") from None
    country = _optional_str(institution, "country_code", where) or ""
    if country and not _COUNTRY.fullmatch(country):
        raise _SchemaError(f"{where}.country_code is not a country code: {country!r}")
    name = (_optional_str(institution, "display_name", where) or "").strip()
    if not name:
        raise _SchemaError(f"{where}.display_name is missing or empty")
    return OpenAlexInstitution(display_name=name, ror=ror, country_code=country)


def _work_topics(work: dict) -> tuple[OpenAlexTopic, ...] | None:
    """Topics with the primary one first; the concepts of older records when it has none."""
    items = _optional_list(work, "topics", "work")
    primary_item = _optional_object(work, "primary_topic", "work")
    if items is None and primary_item is None:
        concepts = _optional_list(work, "concepts", "work")
        if concepts is None:
            return None
        return _topic_list(concepts, "concepts", _CONCEPT_ID)
    topics = _topic_list(items or [], "topics", _TOPIC_ID)
    if primary_item is None:
        return topics
    primary = _topic(primary_item, "primary_topic", _TOPIC_ID)
    listed = next((t for t in topics if t.openalex_id == primary.openalex_id), primary)
    return (
        OpenAlexTopic(listed.openalex_id, listed.display_name, listed.score, primary=True),
        *(t for t in topics if t.openalex_id != primary.openalex_id),
    )


def _topic_list(items: list, key: str, pattern: re.Pattern) -> tuple[OpenAlexTopic, ...]:
    topics: dict[str, OpenAlexTopic] = {}
    for i, item in enumerate(items):
        topic = _topic(item, f"{key}[{i}]", pattern)
        topics.setdefault(topic.openalex_id, topic)
    return tuple(topics.values())


def _topic(item: Any, where: str, pattern: re.Pattern) -> OpenAlexTopic:
    topic = _object(item, where)
    score = topic.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
        raise _SchemaError(f"{where}.score is not a number")
    name = _str(topic, "display_name", where).strip()
    if not name:
        raise _SchemaError(f"{where}.display_name is empty")
    return OpenAlexTopic(
        openalex_id=_short_id(_str(topic, "id", where), pattern, f"{where}.id"),
        display_name=name,
        score=None if score is None else float(score),
    )


def _orcid(value: str) -> str:
    orcid = value.rsplit("/", 1)[-1].upper()
    if not _ORCID.fullmatch(orcid):
        raise _SchemaError(f"not an ORCID iD: {value!r}")
    return orcid


def _short_id(value: str, pattern: re.Pattern, what: str) -> str:
    short = value.removeprefix(_OPENALEX_PREFIX)
    if not pattern.fullmatch(short):
        raise _SchemaError(f"{what} is not an OpenAlex id: {value!r}")
    return short


def _object(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise _SchemaError(f"{where} is not an object")
    return value


def _optional_object(parent: dict, key: str, where: str) -> dict | None:
    value = parent.get(key)
    return None if value is None else _object(value, f"{where}.{key}")


def _optional_list(parent: dict, key: str, where: str) -> list | None:
    """The list under ``key``, or None when the record does not have the field at all.

    A null is not absence: OpenAlex sends empty lists, so null means a broken body."""
    value = parent.get(key, _MISSING)
    if value is _MISSING:
        return None
    if not isinstance(value, list):
        raise _SchemaError(f"{where}.{key} is not a list")
    return value


def _str(parent: dict, key: str, where: str) -> str:
    if key not in parent:
        raise _SchemaError(f"{where}.{key} is missing")
    return _expect_str(parent[key], f"{where}.{key}")


def _optional_str(parent: dict, key: str, where: str) -> str | None:
    value = parent.get(key)
    return None if value is None else _expect_str(value, f"{where}.{key}")


def _expect_str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _SchemaError(f"{where} is not a string")
    return value


def _optional_count(parent: dict, key: str, where: str) -> int | None:
    value = parent.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _SchemaError(f"{where}.{key} is not a non-negative integer")
    return value


def _json_type(value: Any) -> str:
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null" if value is None else "something else"


_MISSING = object()
