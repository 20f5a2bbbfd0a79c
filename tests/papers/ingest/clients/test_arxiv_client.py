"""The arXiv API client: ids, searches and pages, and the answers it refuses."""

import httpx
import pytest
import respx

from papers.ingest.clients import arxiv as arxiv_module
from papers.ingest.clients.arxiv import ArxivApiClient
from papers.ingest.clients.http import FetchError, TransientFetchError, build_client
from tests.support.fake_arxiv import (
    ApiFromFeeds,
    FakeResponse,
    api_error_feed,
    as_respx,
    atom_feed,
    load_fixture,
)

API = "https://export.arxiv.org/api/query"
ALL_FEEDS = ("api_new_format.xml", "api_old_format.xml", "api_paged.xml")


@pytest.fixture
def make_client(http_client, limiter, slept):
    def make(**kwargs) -> ArxivApiClient:
        kwargs.setdefault("base_url", API)
        kwargs.setdefault("client", http_client)
        return ArxivApiClient(limiter=limiter, sleep=slept.append, **kwargs)

    return make


@pytest.fixture
def recorded_api():
    """All recorded entries, answered in-process like arXiv would."""
    return ApiFromFeeds(tuple(load_fixture(name) for name in ALL_FEEDS))


# --- by id ---------------------------------------------------------------------------------


@respx.mock
def test_fetch_sends_id_list_and_parses(make_client, limiter):
    route = respx.get(API).respond(200, content=load_fixture("api_new_format.xml"))
    feed = make_client().fetch(["1706.03762", "2203.14101v4", "arXiv:2301.04567"])
    assert [record.arxiv_id for record in feed.records] == [
        "1706.03762",
        "2203.14101",
        "2301.04567",
    ]
    params = route.calls.last.request.url.params
    # Canonical ids, versions kept, one page for all of them.
    assert params["id_list"] == "1706.03762,2203.14101v4,2301.04567"
    assert (params["start"], params["max_results"]) == ("0", "3")
    assert limiter.acquired == 1


@respx.mock
def test_fetch_of_nothing_asks_nothing(make_client):
    route = respx.get(API)
    assert make_client().fetch([]).records == ()
    assert not route.called


@respx.mock
def test_malformed_id_is_refused_before_any_request(make_client):
    route = respx.get(API)
    with pytest.raises(FetchError, match="not an arXiv identifier"):
        make_client().fetch(["2203.14101", "not-an-id"])
    assert not route.called


@respx.mock
def test_error_feed_is_a_fetch_error_with_arxivs_message(make_client, slept):
    route = respx.get(API).respond(400, content=load_fixture("api_error_incorrect_id.xml"))
    with pytest.raises(FetchError) as caught:
        make_client().fetch(["2203.14101"])
    assert "incorrect id format for 1234.56789" in str(caught.value)
    assert "id_list=2203.14101" in caught.value.url
    assert route.call_count == 1 and slept == []


@respx.mock
def test_other_client_error_is_a_fetch_error_with_the_status(make_client):
    respx.get(API).respond(403, text="Forbidden")
    with pytest.raises(FetchError, match="HTTP 403 Forbidden"):
        make_client().fetch(["2203.14101"])


@respx.mock
def test_truncated_body_is_a_fetch_error_without_retry(make_client, slept):
    route = respx.get(API).respond(200, content=load_fixture("api_truncated.xml"))
    with pytest.raises(FetchError, match="malformed or truncated XML"):
        make_client().fetch(["1706.03762"])
    assert route.call_count == 1 and slept == []


@respx.mock
def test_an_oai_document_at_the_api_address_is_refused(make_client):
    respx.get(API).respond(200, content=load_fixture("oai_arxivraw_last_page.xml"))
    with pytest.raises(FetchError, match="expected an Atom feed"):
        make_client().fetch(["2511.00042"])


@respx.mock
def test_fetch_one_returns_the_paper(make_client):
    respx.get(API).respond(200, content=load_fixture("api_new_format.xml"))
    record = make_client().fetch_one("2203.14101")
    assert record.arxiv_id == "2203.14101"
    assert record.title == "A Roadmap for Big Model"


@respx.mock
def test_fetch_one_of_an_unknown_id_is_none(make_client):
    respx.get(API).respond(200, content=load_fixture("api_empty.xml"))
    assert make_client().fetch_one("2501.99999") is None


@respx.mock
def test_throttled_then_served(make_client, slept):
    respx.get(API).side_effect = [
        httpx.Response(503, headers={"Retry-After": "2"}),
        httpx.Response(200, content=load_fixture("api_new_format.xml")),
    ]
    assert len(make_client().fetch(["1706.03762"]).records) == 3
    assert slept == [2.0]


@respx.mock
def test_server_errors_end_in_a_transient_error(make_client, settings):
    settings.HTTP_MAX_ATTEMPTS = 5
    route = respx.get(API).respond(500)
    with pytest.raises(TransientFetchError):
        make_client().fetch(["1706.03762"])
    assert route.call_count == 5


# --- searches ------------------------------------------------------------------------------


@respx.mock
def test_search_sends_the_query_and_paging(make_client, recorded_api):
    route = respx.get(API)
    route.side_effect = as_respx(recorded_api)
    feed = make_client().search("cat:cs.LG", start=2, max_results=3, sort_by="submittedDate")
    params = route.calls.last.request.url.params
    assert params["search_query"] == "cat:cs.LG"
    assert (params["start"], params["max_results"], params["sortBy"]) == ("2", "3", "submittedDate")
    assert (feed.total_results, feed.start_index, len(feed.records)) == (9, 2, 3)


@pytest.mark.parametrize("max_results", [0, 2001])
def test_search_page_size_within_arxivs_limits(make_client, max_results):
    with pytest.raises(ValueError, match="max_results"):
        make_client().search("all:graph", max_results=max_results)


@respx.mock
def test_iter_search_pages_to_the_end(make_client, recorded_api, limiter):
    route = respx.get(API)
    route.side_effect = as_respx(recorded_api)
    pages = list(make_client().iter_search("cat:cs.LG", page_size=4))
    assert [len(page.records) for page in pages] == [4, 4, 1]
    starts = [call.request.url.params["start"] for call in route.calls]
    assert starts == ["0", "4", "8"]
    ids = [record.arxiv_id for page in pages for record in page.records]
    assert len(ids) == len(set(ids)) == 9
    assert limiter.acquired == 3


@respx.mock
def test_iter_search_stops_at_the_limit(make_client, recorded_api):
    route = respx.get(API)
    route.side_effect = as_respx(recorded_api)
    pages = list(make_client().iter_search("cat:cs.LG", page_size=4, limit=5))
    assert [len(page.records) for page in pages] == [4, 1]
    assert [call.request.url.params["max_results"] for call in route.calls] == ["4", "1"]


@respx.mock
def test_iter_search_stops_at_arxivs_cap_per_query(make_client, recorded_api, monkeypatch):
    monkeypatch.setattr(arxiv_module, "MAX_RESULTS_PER_QUERY", 6)
    route = respx.get(API)
    route.side_effect = as_respx(recorded_api)
    pages = list(make_client().iter_search("cat:cs.LG", page_size=4))
    assert [len(page.records) for page in pages] == [4, 2]


@respx.mock
def test_iter_search_of_no_results_is_one_empty_page_asked(make_client):
    route = respx.get(API).respond(200, content=load_fixture("api_empty.xml"))
    assert list(make_client().iter_search("ti:nothing")) == []
    assert route.call_count == 1


@respx.mock
def test_iter_search_asks_again_after_a_spurious_empty_page(make_client, recorded_api):
    handler = as_respx(recorded_api)
    spurious = httpx.Response(200, content=atom_feed([], total=9, start=4))
    answers = iter([None, spurious, None, None])

    def flaky(request):
        answer = next(answers)
        return handler(request) if answer is None else answer

    route = respx.get(API)
    route.side_effect = flaky
    pages = list(make_client().iter_search("cat:cs.LG", page_size=4))
    assert [len(page.records) for page in pages] == [4, 4, 1]
    assert [call.request.url.params["start"] for call in route.calls] == ["0", "4", "4", "8"]


@respx.mock
def test_iter_search_gives_up_on_empty_pages_that_persist(make_client):
    respx.get(API).respond(200, content=atom_feed([], total=9, start=0))
    with pytest.raises(TransientFetchError, match="empty page"):
        list(make_client().iter_search("cat:cs.LG"))


# --- over a real socket --------------------------------------------------------------------


def test_against_the_fake_server(fake_arxiv, limiter, settings):
    settings.CONTACT_EMAIL = "curators@example.org"
    fake_arxiv.serve_api(*(load_fixture(name) for name in ALL_FEEDS))
    fake_arxiv.script("/api/query?id_list=2203.99999", (400, {}, api_error_feed("2203.99999")))
    with ArxivApiClient(base_url=fake_arxiv.api_url, limiter=limiter) as client:
        record = client.fetch_one("hep-th/9901001")
        missing = client.fetch_one("2501.99999")
        with pytest.raises(FetchError, match=r"incorrect id format for 2203\.99999"):
            client.fetch(["2203.99999"])
    assert record is not None and record.arxiv_id == "hep-th/9901001"
    assert missing is None
    assert [request.param("id_list") for request in fake_arxiv.requests] == [
        "hep-th/9901001",
        "2501.99999",
        "2203.99999",
    ]
    agent = fake_arxiv.requests[0].headers["user-agent"]
    assert agent.startswith("BZPEER/") and "mailto:curators@example.org" in agent


def test_timeout_then_success_over_a_socket(fake_arxiv, limiter, slept):
    body = load_fixture("api_new_format.xml")
    fake_arxiv.script("/api/query", FakeResponse(200, body, delay=1.0), FakeResponse(200, body))
    with (
        build_client(timeout=0.3) as http_client,
        ArxivApiClient(
            base_url=fake_arxiv.api_url, client=http_client, limiter=limiter, sleep=slept.append
        ) as client,
    ):
        feed = client.fetch(["1706.03762"])
    assert len(feed.records) == 3
    assert len(fake_arxiv.requests) == 2 and len(slept) == 1
