"""A local stand-in for arXiv's API and OAI-PMH servers, on a real socket.

``FakeArxivServer`` listens on 127.0.0.1 (a free port) in a background thread and answers
from a script, so tests exercise real HTTP: timeouts, spacing between requests, and a
Celery worker in another process pointed at it through ``ARXIV_API_URL`` and
``ARXIV_OAI_URL``. Every request is recorded with its arrival time.

Use it as a context manager::

    with FakeArxivServer() as server:
        server.serve_api(load_fixture("api_new_format.xml"))
        settings.ARXIV_API_URL = server.api_url
        ...
        assert server.requests[0].param("id_list") == "2203.14101"

or through the ``fake_arxiv`` pytest fixture (import it into a conftest or test module).
The handlers behind ``serve_api`` and ``serve_oai_pages`` also answer respx mocks in-process
(``respx.get(url).side_effect = as_respx(ApiFromFeeds(feeds))``).

Answers are chosen in this order:

1. Scripted queues, ``server.script(key, *responses)``. ``key`` is a path, optionally with
   a query (``"/api/query?id_list=2203.14101"``); it matches a request to that path whose
   query holds those parameters (in any order, among others). The most specific matching
   key with responses left answers, and each response is used once (``repeat_last=True``
   keeps the last one). A response is a ``FakeResponse``, a tuple
   ``(status, headers, body[, delay])`` or a function of the ``RecordedRequest``.
2. Routes, ``server.route(path, handler)``, where ``handler(request) -> FakeResponse``.
   Two ready-made ones serve the recorded files of ``tests/fixtures/arxiv/``:

   - ``serve_api(*feeds)`` answers ``/api/query`` from the entries of the given Atom
     feeds: ``id_list`` returns the named papers (none, with totalResults 0, for an
     unknown id; arXiv's 400 error feed for a malformed one); ``search_query`` pages
     through all entries with ``start`` and ``max_results`` (every entry matches).
   - ``serve_oai_pages(*pages)`` answers ``/oai`` ListRecords: the first page to a request
     without a token, and to the token printed in page *n* the page *n + 1*. Like arXiv,
     it refuses other arguments next to a token (``badArgument``) and unknown tokens
     (``badResumptionToken``).
3. Otherwise 404.
"""

import copy
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

import httpx
import pytest
from lxml import etree

from papers.arxiv.ids import InvalidArxivId, parse_arxiv_id
from tests.support import paths

FIXTURES = paths.FIXTURES / "arxiv"
API_PATH = "/api/query"
OAI_PATH = "/oai"

ATOM = "http://www.w3.org/2005/Atom"
OAI = "http://www.openarchives.org/OAI/2.0/"
_NS = {"a": ATOM, "oai": OAI}


def load_fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass(frozen=True)
class FakeResponse:
    status: int = 200
    body: bytes | str = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    # Seconds to wait before answering: longer than the client's timeout makes it time out.
    delay: float = 0.0


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    raw_query: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    monotonic: float  # time.monotonic() at arrival; comparable across processes on Linux
    wall_time: float  # time.time() at arrival

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


Responder = FakeResponse | tuple | Callable[[RecordedRequest], FakeResponse]


def _as_response(item: Responder, request: RecordedRequest) -> FakeResponse:
    if isinstance(item, FakeResponse):
        return item
    if callable(item):
        return item(request)
    status, headers, body, *rest = item
    delay = rest[0] if rest else 0.0
    return FakeResponse(status=status, headers=headers or {}, body=body, delay=delay)


class _Script:
    def __init__(self, key: str, responses: list[Responder], repeat_last: bool):
        parts = urlsplit(key)
        self.path = parts.path
        self.query = parse_qs(parts.query, keep_blank_values=True)
        self.responses = deque(responses)
        self.repeat_last = repeat_last

    def matches(self, request: RecordedRequest) -> bool:
        return (
            bool(self.responses)
            and request.path == self.path
            and all(request.query.get(name) == values for name, values in self.query.items())
        )

    def take(self) -> Responder:
        if self.repeat_last and len(self.responses) == 1:
            return self.responses[0]
        return self.responses.popleft()


class FakeArxivServer:
    def __init__(self, host: str = "127.0.0.1"):
        self._host = host
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._scripts: list[_Script] = []
        self._routes: dict[str, Callable[[RecordedRequest], FakeResponse]] = {}
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> "FakeArxivServer":
        self._httpd = ThreadingHTTPServer((self._host, 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = None

    def __enter__(self) -> "FakeArxivServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return self.url + API_PATH

    @property
    def oai_url(self) -> str:
        return self.url + OAI_PATH

    # --- what to answer -------------------------------------------------------------------

    def script(self, key: str, *responses: Responder, repeat_last: bool = False) -> None:
        with self._lock:
            self._scripts.append(_Script(key, list(responses), repeat_last))

    def route(self, path: str, handler: Callable[[RecordedRequest], FakeResponse]) -> None:
        with self._lock:
            self._routes[path] = handler

    def serve_api(self, *feeds: bytes, path: str = API_PATH) -> None:
        self.route(path, ApiFromFeeds(feeds))

    def serve_oai_pages(self, *pages: bytes, path: str = OAI_PATH) -> None:
        self.route(path, OaiPages(pages))

    # --- what was asked -------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path == path]

    def reset(self) -> None:
        """Forget requests, scripts and routes."""
        with self._lock:
            self._requests.clear()
            self._scripts.clear()
            self._routes.clear()

    def _answer(self, request: RecordedRequest) -> FakeResponse:
        with self._lock:
            self._requests.append(request)
            candidates = [script for script in self._scripts if script.matches(request)]
            if candidates:
                # Later scripts win ties, so a test can override an earlier default.
                best = max(reversed(candidates), key=lambda script: len(script.query))
                item = best.take()
            else:
                item = self._routes.get(request.path)
        if item is None:
            return FakeResponse(404, f"no scripted response for {request.path}?{request.raw_query}")
        return _as_response(item, request)


def _handler_for(server: FakeArxivServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            arrived_monotonic, arrived_wall = time.monotonic(), time.time()
            parts = urlsplit(self.path)
            request = RecordedRequest(
                method="GET",
                path=parts.path,
                raw_query=parts.query,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers={name.lower(): value for name, value in self.headers.items()},
                monotonic=arrived_monotonic,
                wall_time=arrived_wall,
            )
            try:
                response = server._answer(request)
            except Exception as exc:  # a broken handler should fail the test, not hang it
                response = FakeResponse(500, f"fake server handler failed: {exc!r}")
            if response.delay:
                time.sleep(response.delay)
            body = response.body.encode() if isinstance(response.body, str) else response.body
            try:
                self.send_response(response.status)
                headers = {"Content-Type": "application/xml; charset=utf-8", **response.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test); nothing to answer

        def log_message(self, format, *args) -> None:
            pass

    return Handler


# --- the arXiv API from recorded feeds ------------------------------------------------------


class ApiFromFeeds:
    """The ``/api/query`` handler of ``serve_api``; usable with respx via ``as_respx``."""

    def __init__(self, feeds: tuple[bytes, ...]):
        self.entries: dict[str, etree._Element] = {}  # versionless id → entry
        self.versioned: dict[str, etree._Element] = {}
        for feed in feeds:
            root = etree.fromstring(feed, parser=etree.XMLParser(resolve_entities=False))
            for entry in root.findall("a:entry", _NS):
                raw_id = entry.findtext("a:id", "", _NS).strip()
                if "/api/errors" in raw_id:
                    continue
                parsed = parse_arxiv_id(raw_id)
                self.entries.setdefault(parsed.id, entry)
                self.versioned[str(parsed)] = entry

    def __call__(self, request: RecordedRequest) -> FakeResponse:
        start = int(request.param("start") or 0)
        max_results = int(request.param("max_results") or 10)
        id_list = [value for value in (request.param("id_list") or "").split(",") if value]
        if id_list:
            found = []
            for value in id_list:
                try:
                    parsed = parse_arxiv_id(value)
                except InvalidArxivId:
                    return FakeResponse(400, api_error_feed(value))
                entry = self.versioned.get(str(parsed)) or (
                    None if parsed.version else self.entries.get(parsed.id)
                )
                if entry is not None:
                    found.append(entry)
            return FakeResponse(200, atom_feed(found, total=len(found), start=0))
        everything = list(self.entries.values())
        page = everything[start : start + max_results]
        return FakeResponse(200, atom_feed(page, total=len(everything), start=start))


def atom_feed(entries: list[etree._Element], *, total: int, start: int) -> bytes:
    """An arXiv API response (current format) holding copies of ``entries``."""
    head = (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom">'
        "<id>https://arxiv.org/api/fake</id><title>arXiv Query</title>"
        "<updated>2025-11-20T00:00:00Z</updated>"
        f"<opensearch:itemsPerPage>{len(entries)}</opensearch:itemsPerPage>"
        f"<opensearch:totalResults>{total}</opensearch:totalResults>"
        f"<opensearch:startIndex>{start}</opensearch:startIndex></feed>"
    )
    root = etree.fromstring(head.encode())
    for entry in entries:
        root.append(copy.deepcopy(entry))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def api_error_feed(arxiv_id: str) -> bytes:
    """arXiv's answer (with HTTP 400) to a malformed id."""
    anchor = escape(f"incorrect_id_format_for_{arxiv_id}")
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
        "<id>https://arxiv.org/api/fake</id><title>arXiv Query</title>"
        "<updated>2025-11-20T00:00:00Z</updated>"
        "<opensearch:itemsPerPage>1</opensearch:itemsPerPage>"
        "<opensearch:totalResults>1</opensearch:totalResults>"
        "<opensearch:startIndex>0</opensearch:startIndex>"
        f"<entry><id>https://arxiv.org/api/errors#{anchor}</id><title>Error</title>"
        f"<summary>incorrect id format for {escape(arxiv_id)}</summary>"
        "<updated>2025-11-20T00:00:00Z</updated><author><name>arXiv api core</name></author>"
        "</entry></feed>"
    ).encode()


# --- OAI-PMH ListRecords from recorded pages -------------------------------------------------


class OaiPages:
    """The ``/oai`` handler of ``serve_oai_pages``; usable with respx via ``as_respx``."""

    def __init__(self, pages: tuple[bytes, ...]):
        if not pages:
            raise ValueError("serve_oai_pages needs at least one page")
        self.first = pages[0]
        self.by_token: dict[str, bytes] = {}
        for page, following in itertools.pairwise(pages):
            token = resumption_token_of(page)
            if not token:
                raise ValueError("every page but the last must carry a resumptionToken")
            if token in self.by_token:
                raise ValueError(f"resumptionToken {token!r} appears on two pages")
            self.by_token[token] = following

    def __call__(self, request: RecordedRequest) -> FakeResponse:
        if request.param("verb") != "ListRecords":
            return FakeResponse(200, oai_error("badVerb", "only ListRecords is served here"))
        token = request.param("resumptionToken")
        if token is not None:
            if set(request.query) != {"verb", "resumptionToken"}:
                return FakeResponse(
                    200, oai_error("badArgument", "resumptionToken is an exclusive argument")
                )
            if token not in self.by_token:
                return FakeResponse(200, oai_error("badResumptionToken", f"unknown {token}"))
            return FakeResponse(200, self.by_token[token])
        if not request.param("metadataPrefix"):
            return FakeResponse(200, oai_error("badArgument", "metadataPrefix is required"))
        return FakeResponse(200, self.first)


def resumption_token_of(page: bytes) -> str | None:
    root = etree.fromstring(page, parser=etree.XMLParser(resolve_entities=False))
    node = root.find("oai:ListRecords/oai:resumptionToken", _NS)
    return None if node is None else (node.text or "").strip()


def oai_error(code: str, message: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<OAI-PMH xmlns="{OAI}"><responseDate>2025-11-20T00:00:00Z</responseDate>'
        '<request verb="ListRecords">https://oaipmh.arxiv.org/oai</request>'
        f'<error code="{escape(code)}">{escape(message)}</error></OAI-PMH>'
    ).encode()


def as_respx(handler: Callable[[RecordedRequest], FakeResponse]):
    """A respx ``side_effect`` answering in-process with one of the handlers above."""

    def side_effect(request: httpx.Request) -> httpx.Response:
        query = parse_qs(request.url.query.decode(), keep_blank_values=True)
        now_monotonic, now_wall = time.monotonic(), time.time()
        recorded = RecordedRequest(
            method=request.method,
            path=request.url.path,
            raw_query=request.url.query.decode(),
            query=query,
            headers={name.lower(): value for name, value in request.headers.items()},
            monotonic=now_monotonic,
            wall_time=now_wall,
        )
        response = handler(recorded)
        return httpx.Response(response.status, headers=response.headers, content=response.body)

    return side_effect


@pytest.fixture
def fake_arxiv() -> Iterator[FakeArxivServer]:
    """A running ``FakeArxivServer``, stopped after the test."""
    with FakeArxivServer() as server:
        yield server
