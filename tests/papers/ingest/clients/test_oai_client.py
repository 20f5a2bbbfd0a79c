"""The OAI-PMH client: ListRecords arguments, resumption tokens, protocol errors."""

from datetime import date

import httpx
import pytest
import respx

from papers.ingest.clients.http import FetchError, TransientFetchError
from papers.ingest.clients.oai import ArxivOaiClient, OaiFetchError
from tests.support.fake_arxiv import load_fixture

OAI = "https://oaipmh.arxiv.org/oai"
FIRST_TOKEN = "6960524|2501"
MIDDLE_TOKEN = "6960524|5001"


def three_pages() -> tuple[bytes, bytes, bytes]:
    """First page, a middle page with its own token, and the last page (empty token)."""
    first = load_fixture("oai_arxivraw_page1.xml")
    middle = first.replace(f">{FIRST_TOKEN}<".encode(), f">{MIDDLE_TOKEN}<".encode())
    assert middle != first
    return first, middle, load_fixture("oai_arxivraw_last_page.xml")


@pytest.fixture
def make_client(http_client, limiter, slept):
    def make(**kwargs) -> ArxivOaiClient:
        kwargs.setdefault("base_url", OAI)
        kwargs.setdefault("client", http_client)
        return ArxivOaiClient(limiter=limiter, sleep=slept.append, **kwargs)

    return make


def test_three_pages_over_a_socket_and_only_the_token_with_a_token(fake_arxiv, limiter):
    fake_arxiv.serve_oai_pages(*three_pages())
    with ArxivOaiClient(base_url=fake_arxiv.oai_url, limiter=limiter) as client:
        pages = list(
            client.iter_pages(
                set_spec="cs", from_date=date(2025, 11, 1), until_date=date(2025, 11, 20)
            )
        )
    assert [page.resumption_token for page in pages] == [FIRST_TOKEN, MIDDLE_TOKEN, ""]
    assert [page.format for page in pages] == ["oai-arXivRaw"] * 3
    assert pages[0].deleted_ids == ("hep-th/9901001",)
    assert [r.arxiv_id for r in pages[2].records] == ["2511.00042"]
    first, *following = fake_arxiv.requests
    assert first.query == {
        "verb": ["ListRecords"],
        "metadataPrefix": ["arXivRaw"],
        "set": ["cs"],
        "from": ["2025-11-01"],
        "until": ["2025-11-20"],
    }
    assert [request.query for request in following] == [
        {"verb": ["ListRecords"], "resumptionToken": [FIRST_TOKEN]},
        {"verb": ["ListRecords"], "resumptionToken": [MIDDLE_TOKEN]},
    ]
    assert limiter.acquired == 3


def test_resuming_from_a_token(fake_arxiv, limiter):
    fake_arxiv.serve_oai_pages(*three_pages())
    with ArxivOaiClient(base_url=fake_arxiv.oai_url, limiter=limiter) as client:
        pages = list(client.iter_pages(set_spec="cs", resumption_token=MIDDLE_TOKEN))
    assert [page.resumption_token for page in pages] == [""]
    assert fake_arxiv.requests[0].query == {
        "verb": ["ListRecords"],
        "resumptionToken": [MIDDLE_TOKEN],
    }


@respx.mock
def test_list_records_in_the_arxiv_format(make_client):
    route = respx.get(OAI).respond(200, content=load_fixture("oai_arxiv_format.xml"))
    feed = make_client().list_records(set_spec="math", metadata_prefix="arXiv")
    assert feed.format == "oai-arXiv" and feed.records
    assert route.calls.last.request.url.params["metadataPrefix"] == "arXiv"


@respx.mock
def test_oai_error_is_a_fetch_error_with_its_code(make_client, slept):
    route = respx.get(OAI).respond(200, content=load_fixture("oai_error_bad_argument.xml"))
    with pytest.raises(OaiFetchError) as caught:
        make_client().list_records(set_spec="cs")
    assert caught.value.code == "badArgument"
    assert isinstance(caught.value, FetchError)
    assert route.call_count == 1 and slept == []


@respx.mock
def test_no_records_match_is_one_empty_page(make_client):
    route = respx.get(OAI).respond(200, content=load_fixture("oai_no_records_match.xml"))
    pages = list(make_client().iter_pages(set_spec="cs", from_date=date(2030, 1, 1)))
    assert len(pages) == 1 and pages[0].records == () and pages[0].resumption_token == ""
    assert route.call_count == 1


@respx.mock
def test_503_with_retry_after_is_flow_control(make_client, slept):
    respx.get(OAI).side_effect = [
        httpx.Response(503, headers={"Retry-After": "5"}),
        httpx.Response(200, content=load_fixture("oai_arxivraw_last_page.xml")),
    ]
    feed = make_client().list_records(resumption_token=FIRST_TOKEN)
    assert slept == [5.0] and len(feed.records) == 1


@respx.mock
def test_persistent_server_errors_are_transient(make_client, settings):
    settings.HTTP_MAX_ATTEMPTS = 3
    route = respx.get(OAI).respond(502)
    with pytest.raises(TransientFetchError):
        make_client().list_records(set_spec="cs")
    assert route.call_count == 3


@respx.mock
def test_not_found_is_permanent(make_client):
    respx.get(OAI).respond(404)
    with pytest.raises(FetchError, match="HTTP 404"):
        make_client().list_records(set_spec="cs")


@respx.mock
def test_truncated_page_is_permanent(make_client, slept):
    page = load_fixture("oai_arxivraw_page1.xml")
    route = respx.get(OAI).respond(200, content=page[: len(page) // 2])
    with pytest.raises(FetchError, match="malformed or truncated"):
        make_client().list_records(set_spec="cs")
    assert route.call_count == 1 and slept == []


@respx.mock
def test_a_repeated_token_stops_the_harvest(make_client):
    respx.get(OAI).respond(200, content=load_fixture("oai_arxivraw_page1.xml"))
    with pytest.raises(FetchError, match="repeated resumptionToken"):
        list(make_client().iter_pages(set_spec="cs"))


def test_arguments_are_checked_before_asking(make_client):
    client = make_client()
    with pytest.raises(ValueError, match="metadata_prefix"):
        client.list_records(metadata_prefix="oai_dc")
    with pytest.raises(ValueError, match="after"):
        client.list_records(from_date=date(2025, 2, 1), until_date=date(2025, 1, 1))
