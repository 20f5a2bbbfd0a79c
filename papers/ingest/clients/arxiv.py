"""Client of the arXiv API (``/api/query``, Atom): papers by id and paged searches.

BZPEER does not use the ``arxiv`` PyPI package: it parses in lxml's recover mode, so a
truncated response silently yields partial results, and it retries every non-200 answer
without backoff and without reading Retry-After. Here a damaged body is an error, retries
back off, and every request waits its turn in the limiter shared by all workers.
"""

import logging
from collections.abc import Iterator

import httpx

from papers.arxiv.ids import ArxivId, InvalidArxivId, parse_arxiv_id
from papers.arxiv.parser import ArxivErrorFeed, ArxivParseError, parse_document
from papers.arxiv.records import PaperRecord, ParsedFeed
from papers.ingest.clients.http import (
    FetchError,
    ServiceClient,
    TransientFetchError,
    get_with_retries,
)
from papers.ingest.clients.ratelimit import arxiv_limiter

logger = logging.getLogger(__name__)

# arXiv serves at most this many results a page and this many for one query in all.
MAX_RESULTS_PER_PAGE = 2000
MAX_RESULTS_PER_QUERY = 30_000
# arXiv now and then answers a page with no entries although totalResults says more remain;
# asking again usually returns them.
EMPTY_PAGE_RETRIES = 2


class ArxivApiClient(ServiceClient):
    base_url_setting = "ARXIV_API_URL"
    make_limiter = staticmethod(arxiv_limiter)

    # --- queries --------------------------------------------------------------------------

    def fetch(self, arxiv_ids: list[str]) -> ParsedFeed:
        """The current (or the named) version of each paper; unknown ids are simply absent."""
        if not arxiv_ids:
            return ParsedFeed(format="atom", total_results=0, start_index=0)
        ids = [str(_parsed_id(value)) for value in arxiv_ids]
        return self._query(
            {"id_list": ",".join(ids), "start": 0, "max_results": len(ids)}, what="fetch"
        )

    def fetch_one(self, arxiv_id: str) -> PaperRecord | None:
        """The paper, or None when arXiv has no paper with this (well-formed) id."""
        wanted = _parsed_id(arxiv_id).id
        feed = self.fetch([arxiv_id])
        for record in feed.records:
            if record.arxiv_id == wanted:
                return record
        if feed.records:
            found = ", ".join(record.arxiv_id for record in feed.records)
            raise FetchError(f"arXiv answered {arxiv_id} with another paper ({found})")
        return None

    def search(
        self,
        query: str,
        *,
        start: int = 0,
        max_results: int = 100,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> ParsedFeed:
        """One page of an arXiv search (``search_query`` syntax, e.g. ``cat:cs.LG``)."""
        if not 1 <= max_results <= MAX_RESULTS_PER_PAGE:
            raise ValueError(f"max_results must be 1–{MAX_RESULTS_PER_PAGE}, not {max_results}")
        if start < 0:
            raise ValueError(f"start must not be negative, not {start}")
        params: dict[str, str | int] = {
            "search_query": query,
            "start": start,
            "max_results": max_results,
        }
        if sort_by:
            params["sortBy"] = sort_by
        if sort_order:
            params["sortOrder"] = sort_order
        return self._query(params, what="search")

    def iter_search(
        self,
        query: str,
        *,
        page_size: int = 100,
        limit: int | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> Iterator[ParsedFeed]:
        """Every page of a search, up to ``limit`` results and arXiv's 30 000 per query."""
        cap = MAX_RESULTS_PER_QUERY if limit is None else min(limit, MAX_RESULTS_PER_QUERY)
        start = 0
        empty_pages = 0
        while start < cap:
            size = min(page_size, cap - start, MAX_RESULTS_PER_PAGE)
            feed = self.search(
                query, start=start, max_results=size, sort_by=sort_by, sort_order=sort_order
            )
            total = feed.total_results
            if not feed.records:
                if total is None or start >= total:
                    return
                empty_pages += 1
                if empty_pages > EMPTY_PAGE_RETRIES:
                    raise TransientFetchError(
                        f"arXiv keeps answering an empty page at {start} of {total} results "
                        f"for {query!r}"
                    )
                logger.warning(
                    "arXiv answered an empty page at %d of %d; asking again", start, total
                )
                continue
            empty_pages = 0
            yield feed
            start = (feed.start_index if feed.start_index is not None else start) + len(
                feed.records
            )
            if total is not None and start >= total:
                return

    # --- plumbing -------------------------------------------------------------------------

    def _query(self, params: dict, *, what: str) -> ParsedFeed:
        response = get_with_retries(
            self.client, self.base_url, params=params, limiter=self.limiter, sleep=self.sleep
        )
        url = str(response.request.url)
        if response.status_code != 200:
            raise FetchError(_describe_failure(response), url=url)
        try:
            feed = parse_document(response.content)
        except ArxivErrorFeed as exc:
            raise FetchError(str(exc), url=url) from exc
        except ArxivParseError as exc:
            raise FetchError(f"unusable arXiv {what} response: {exc}", url=url) from exc
        if feed.format != "atom":
            raise FetchError(f"expected an Atom feed, got {feed.format}", url=url)
        return feed


def _parsed_id(value: str) -> ArxivId:
    # A malformed id costs a request and a 400 from arXiv; refuse it here with a reason.
    try:
        return parse_arxiv_id(value)
    except InvalidArxivId as exc:
        raise FetchError(str(exc)) from exc


def _describe_failure(response: httpx.Response) -> str:
    """arXiv's own message when the body is its error feed, else the status line."""
    try:
        parse_document(response.content)
    except ArxivErrorFeed as exc:
        return str(exc)
    except ArxivParseError:
        pass
    return f"arXiv API answered HTTP {response.status_code} {response.reason_phrase}".strip()
