"""Client of arXiv's OAI-PMH interface: ListRecords pages for bulk harvesting.

OAI-PMH answers its errors with HTTP 200 and an ``<error code=…>`` element; the parser
turns ``noRecordsMatch`` into an empty page and every other code into ``OaiFetchError``
here. A 503 with Retry-After is the protocol's flow control and is waited out by
``get_with_retries``. The API and OAI-PMH share arXiv's one allowance, hence one limiter.
"""

from collections.abc import Iterator
from datetime import date

from papers.arxiv.parser import ArxivParseError, OaiError, parse_document
from papers.arxiv.records import ParsedFeed
from papers.ingest.clients.http import FetchError, ServiceClient, get_with_retries
from papers.ingest.clients.ratelimit import arxiv_limiter

METADATA_PREFIXES = frozenset({"arXiv", "arXivRaw"})


class OaiFetchError(FetchError):
    """An OAI-PMH error answer; ``code`` is the protocol's (e.g. ``badResumptionToken``)."""

    def __init__(self, message: str, *, code: str, url: str = ""):
        self.code = code
        super().__init__(message, url=url)


class ArxivOaiClient(ServiceClient):
    base_url_setting = "ARXIV_OAI_URL"
    make_limiter = staticmethod(arxiv_limiter)

    def list_records(
        self,
        *,
        set_spec: str | None = None,
        from_date: date | None = None,
        until_date: date | None = None,
        metadata_prefix: str = "arXivRaw",
        resumption_token: str | None = None,
    ) -> ParsedFeed:
        """One ListRecords page; with a token, the token alone selects the page."""
        if resumption_token:
            # The protocol forbids any other argument next to a resumptionToken.
            params = {"verb": "ListRecords", "resumptionToken": resumption_token}
        else:
            if metadata_prefix not in METADATA_PREFIXES:
                raise ValueError(f"metadata_prefix must be one of {sorted(METADATA_PREFIXES)}")
            if from_date and until_date and from_date > until_date:
                raise ValueError(f"from {from_date} is after until {until_date}")
            params = {"verb": "ListRecords", "metadataPrefix": metadata_prefix}
            if set_spec:
                params["set"] = set_spec
            if from_date:
                params["from"] = from_date.isoformat()
            if until_date:
                params["until"] = until_date.isoformat()
        return self._request(params)

    def iter_pages(self, *, resumption_token: str | None = None, **query) -> Iterator[ParsedFeed]:
        """Every page of a harvest, following resumption tokens until an empty one.

        ``query`` takes ``list_records``'s set, dates and format. Pass the last token seen to
        resume an interrupted harvest where it stopped.
        """
        token = resumption_token
        seen: set[str] = set()
        while True:
            feed = self.list_records(resumption_token=token, **query)
            yield feed
            token = feed.resumption_token
            if not token:
                return
            if token in seen:
                raise FetchError(f"OAI-PMH repeated resumptionToken {token!r}; harvest stopped")
            seen.add(token)

    def _request(self, params: dict[str, str]) -> ParsedFeed:
        response = get_with_retries(
            self.client, self.base_url, params=params, limiter=self.limiter, sleep=self.sleep
        )
        url = str(response.request.url)
        try:
            feed = parse_document(response.content) if response.status_code == 200 else None
        except OaiError as exc:
            raise OaiFetchError(str(exc), code=exc.code, url=url) from exc
        except ArxivParseError as exc:
            raise FetchError(f"unusable OAI-PMH response: {exc}", url=url) from exc
        if feed is None:
            # OAI-PMH errors come with 200; another status has no protocol body to read.
            raise FetchError(
                f"OAI-PMH answered HTTP {response.status_code} {response.reason_phrase}".strip(),
                url=url,
            )
        if not feed.format.startswith("oai"):
            raise FetchError(f"expected an OAI-PMH response, got {feed.format}", url=url)
        return feed
