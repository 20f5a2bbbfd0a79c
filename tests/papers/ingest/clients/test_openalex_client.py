"""The OpenAlex client against recorded /works responses replayed with respx."""

import copy
import json
import logging

import httpx
import pytest
import respx

from papers.ingest.clients import openalex
from papers.ingest.clients.http import FetchError, TransientFetchError
from papers.ingest.clients.openalex import (
    OpenAlexAuthorship,
    OpenAlexClient,
    OpenAlexInstitution,
    OpenAlexTopic,
    openalex_enabled,
)
from tests.support import paths
from tests.support.limiters import NoWaitLimiter

FIXTURES = paths.FIXTURES / "openalex"
BASE = "https://api.openalex.org"
KEY = "test-openalex-key"
ROADMAP_URL = f"{BASE}/works/doi:10.48550/arxiv.2203.14101"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def client(settings, slept):
    settings.HTTP_MAX_ATTEMPTS = 3
    with OpenAlexClient(
        base_url=BASE, api_key=KEY, limiter=NoWaitLimiter(), sleep=slept.append
    ) as client:
        yield client


@respx.mock
def test_full_work_is_parsed(client):
    route = respx.get(ROADMAP_URL).respond(200, json=load("work_2203.14101.json"))

    work = client.work_by_arxiv_id("2203.14101")

    assert route.call_count == 1
    assert work.openalex_id == "W4221152951"
    assert work.doi == "10.48550/arxiv.2203.14101"
    assert work.cited_by_count == 57
    assert work.referenced_works == ("W2963403868", "W2896457183", "W3030163527")
    assert work.topics == (
        OpenAlexTopic("T10181", "Natural Language Processing Techniques", 0.9987),
        OpenAlexTopic("T10028", "Topic Modeling", 0.9862),
    )
    bai = OpenAlexInstitution(
        "Beijing Academy of Artificial Intelligence", "https://ror.org/04cw6st05", "CN"
    )
    tsinghua = OpenAlexInstitution("Tsinghua University", "https://ror.org/03cve4549", "CN")
    assert work.authorships == (
        OpenAlexAuthorship(0, "Sha Yuan", "A5023888391", "0000-0002-5436-4297", (bai,), "Sha Yuan"),
        OpenAlexAuthorship(1, "H. Zhao", "A5100635493", "", (tsinghua, bai), "Hanyu Zhao"),
        OpenAlexAuthorship(
            2,
            "Zhengxiao Dù",
            "A5031498426",
            "",
            (tsinghua, OpenAlexInstitution("Zhipu AI (China)", "", "")),
            "Zhengxiao Du",
        ),
        OpenAlexAuthorship(
            3, "Jie Tang", "A5046448314", "0000-0003-3487-4593", (tsinghua,), "Jie Tang"
        ),
    )


@respx.mock
def test_request_selects_fields_and_sends_key_and_user_agent(client):
    route = respx.get(ROADMAP_URL).respond(200, json=load("work_2203.14101.json"))

    client.work_by_arxiv_id("2203.14101")

    request = route.calls.last.request
    assert request.url.params["api_key"] == KEY
    assert request.url.params["select"] == (
        "id,doi,cited_by_count,authorships,topics,primary_topic,referenced_works,ids"
    )
    assert request.headers["User-Agent"].startswith("BZPEER/")


@respx.mock
def test_doi_lookup_is_lower_cased(client):
    route = respx.get(f"{BASE}/works/doi:10.1145/3442188.3445922").respond(
        200, json=load("work_2203.14101.json")
    )

    assert client.work_by_doi("https://doi.org/10.1145/3442188.3445922".upper()) is not None
    assert client.work_by_doi("10.1145/3442188.3445922") is not None
    assert route.call_count == 2


@respx.mock
def test_arxiv_doi_is_lower_cased_for_old_style_ids(client):
    route = respx.get(f"{BASE}/works/doi:10.48550/arxiv.hep-th/9901001").respond(
        200, json=load("work_2203.14101.json")
    )

    client.work_by_arxiv_id("hep-th/9901001")

    assert route.called


@respx.mock
def test_unknown_doi_is_none(client):
    respx.get(ROADMAP_URL).respond(404, json=load("not_found.json"))

    assert client.work_by_arxiv_id("2203.14101") is None


@respx.mock
def test_throttling_waits_as_asked_then_succeeds(client, slept):
    respx.get(ROADMAP_URL).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}, text="Too Many Requests"),
            httpx.Response(200, json=load("work_2203.14101.json")),
        ]
    )

    work = client.work_by_arxiv_id("2203.14101")

    assert work.openalex_id == "W4221152951"
    assert slept == [7.0]


@respx.mock
def test_server_errors_give_up_as_transient_without_leaking_the_key(client, slept):
    route = respx.get(ROADMAP_URL).respond(500, text="Internal Server Error")

    with pytest.raises(TransientFetchError) as raised:
        client.work_by_arxiv_id("2203.14101")

    assert route.call_count == 3
    assert len(slept) == 2
    assert KEY not in str(raised.value)
    assert "HTTP 500" in str(raised.value)


@respx.mock
def test_refused_key_is_permanent(client):
    respx.get(ROADMAP_URL).respond(403, json={"error": "Invalid API key"})

    with pytest.raises(FetchError, match="OPENALEX_API_KEY") as raised:
        client.work_by_arxiv_id("2203.14101")

    assert KEY not in str(raised.value)


@respx.mock
def test_body_that_is_not_json_is_a_fetch_error(client):
    respx.get(ROADMAP_URL).respond(200, text="<html><body>Service maintenance</body></html>")

    with pytest.raises(FetchError, match="not JSON"):
        client.work_by_arxiv_id("2203.14101")


def _broken(change) -> dict:
    work = copy.deepcopy(load("work_2203.14101.json"))
    change(work)
    return work


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda w: w.update(cited_by_count="57"), "cited_by_count is not a non-negative"),
        (lambda w: w.update(cited_by_count=True), "cited_by_count is not a non-negative"),
        (lambda w: w.update(id=None), "the work has no id"),
        (lambda w: w.update(id=4221152951), "work.id is not a string"),
        (lambda w: w.update(id="https://openalex.org/A5023888391"), "not an OpenAlex id"),
        (lambda w: w.update(authorships={}), "authorships is not a list"),
        (lambda w: w["authorships"][1].update(author=[]), r"authorships\[1\].author is not"),
        (
            lambda w: (
                w["authorships"][1].pop("author"),
                w["authorships"][1].pop("raw_author_name"),
            ),
            r"authorships\[1\] names no author",
        ),
        (
            lambda w: w["authorships"][0]["institutions"][0].update(ror="https://ror.org/xyz"),
            r"institutions\[0\].ror is not a ROR id",
        ),
        (lambda w: w.update(topics=None), "work.topics is not a list"),
        (lambda w: w.update(primary_topic="T10181"), "work.primary_topic is not an object"),
        (
            lambda w: w["authorships"][0]["institutions"][0].update(ror=42),
            r"institutions\[0\].ror is not a string",
        ),
        (
            lambda w: w["authorships"][0]["institutions"][0].update(country_code="China"),
            "not a country code",
        ),
        (lambda w: w["topics"][0].update(score="high"), r"topics\[0\].score is not a number"),
        (lambda w: w["referenced_works"].append(None), r"referenced_works\[3\] is not a string"),
        (lambda w: w["authorships"][0]["author"].update(orcid="orcid"), "not an ORCID"),
    ],
)
@respx.mock
def test_wrong_shapes_are_fetch_errors(client, change, reason):
    respx.get(ROADMAP_URL).respond(200, json=_broken(change))

    with pytest.raises(FetchError, match=reason):
        client.work_by_arxiv_id("2203.14101")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ([], "OpenAlex answered a list, not a work"),
        ("W4221152951", "OpenAlex answered a string, not a work"),
        (None, "OpenAlex answered null, not a work"),
        ({}, "the work has no id"),
        ({"id": ""}, "the work has no id"),
    ],
    ids=["list", "string", "null", "empty object", "empty id"],
)
@respx.mock
def test_a_body_that_is_no_work_says_what_it_is(client, body, reason):
    respx.get(ROADMAP_URL).respond(200, text=json.dumps(body))

    with pytest.raises(FetchError, match=f"unusable OpenAlex answer: {reason} "):
        client.work_by_arxiv_id("2203.14101")


def test_enabled_only_with_a_key_and_warns_once_when_off(settings, caplog, monkeypatch):
    monkeypatch.setattr(openalex, "_disabled_warned", False)
    settings.OPENALEX_API_KEY = ""

    with caplog.at_level(logging.WARNING, logger="papers.ingest.clients.openalex"):
        assert openalex_enabled() is False
        assert openalex_enabled() is False

    warnings = [r for r in caplog.records if "OPENALEX_API_KEY is not set" in r.getMessage()]
    assert len(warnings) == 1
    settings.OPENALEX_API_KEY = KEY
    assert openalex_enabled() is True
