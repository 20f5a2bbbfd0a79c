"""OpenAlex enrichment stored in the real database, with OpenAlex replayed by respx."""

import copy
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx
from django.core.cache import cache

from papers.catalogue.page_cache import _token_key
from papers.ingest.clients.http import TransientFetchError
from papers.ingest.clients.openalex import OpenAlexClient
from papers.ingest.enrichment import (
    NOT_FOUND,
    EnrichmentStatus,
    paper_enrich,
    papers_due_for_refresh,
)
from papers.models import Author, Authorship, Citation, Institution, Paper, PaperTopic, Topic
from tests.support import paths
from tests.support.broker import queued_tasks
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

FIXTURES = paths.FIXTURES / "openalex"
BASE = "https://api.openalex.org"
KEY = "test-openalex-key"
ROADMAP_URL = f"{BASE}/works/doi:10.48550/arxiv.2203.14101"
ATTENTION_URL = f"{BASE}/works/doi:10.48550/arxiv.1706.03762"
BAAI_ROR = "https://ror.org/04cw6st05"
TSINGHUA_ROR = "https://ror.org/03cve4549"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


class NoWaitLimiter:
    def acquire(self) -> float:
        return 0.0


@pytest.fixture(autouse=True)
def _openalex_settings(settings):
    settings.OPENALEX_URL = BASE
    settings.OPENALEX_API_KEY = KEY
    settings.HTTP_MAX_ATTEMPTS = 3


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def client(slept):
    with OpenAlexClient(limiter=NoWaitLimiter(), sleep=slept.append) as client:
        yield client


@pytest.fixture
def roadmap() -> Paper:
    return make_paper(
        arxiv_id="2203.14101",
        authors=["Sha Yuan", "Hanyu Zhao", "Zhengxiao Du", "Wei Zhang"],
        affiliations={0: ("Beijing Academy of Artificial Intelligence",)},
        categories=("cs.LG", "cs.AI"),
    )


def hold(arxiv_id: str, openalex_id: str = "") -> Paper:
    paper = make_paper(arxiv_id=arxiv_id, authors=["Ashish Vaswani"])
    if openalex_id:
        Paper.objects.filter(pk=paper.pk).update(openalex_id=openalex_id)
    return paper


def institutions_of(paper: Paper) -> dict[int, list[tuple[str, str, str]]]:
    return {
        a.position: sorted((i.name, i.ror_id, i.country_code) for i in a.institutions.all())
        for a in Authorship.objects.filter(paper=paper).prefetch_related("institutions")
    }


def topics_of(paper: Paper) -> list[tuple]:
    return list(
        PaperTopic.objects.filter(paper=paper)
        .order_by("position")
        .values_list("topic__kind", "topic__code", "topic__name", "position", "source", "score")
    )


def snapshot() -> dict:
    through = Authorship.institutions.through
    return {
        "papers": list(
            Paper.objects.order_by("pk").values_list(
                "pk", "citation_count", "openalex_id", "referenced_works_count",
                "referenced_openalex_ids", "enrichment_error",
            )
        ),
        "authors": list(Author.objects.order_by("pk").values_list()),
        "authorships": list(Authorship.objects.order_by("pk").values_list()),
        "institutions": list(Institution.objects.order_by("pk").values_list()),
        "links": list(through.objects.order_by("pk").values_list()),
        "topics": list(Topic.objects.order_by("pk").values_list()),
        "paper_topics": list(PaperTopic.objects.order_by("position", "topic").values_list(
            "paper", "topic", "position", "source", "score"
        )),
        "citations": list(Citation.objects.order_by("pk").values_list("citing", "cited")),
    }  # fmt: skip


@respx.mock
def test_full_work_is_stored_exactly(client, roadmap):
    attention = hold("1706.03762", "W2963403868")
    bert = hold("1810.04805", "W2896457183")
    baai = Institution.objects.get(name="Beijing Academy of Artificial Intelligence")
    respx.get(ROADMAP_URL).respond(200, json=load("work_2203.14101.json"))

    result = paper_enrich(paper_id=roadmap.pk, client=client)

    assert result.status == EnrichmentStatus.ENRICHED
    assert result.openalex_id == "W4221152951"
    roadmap.refresh_from_db()
    assert roadmap.citation_count == 57
    assert roadmap.openalex_id == "W4221152951"
    assert roadmap.referenced_works_count == 3
    assert roadmap.referenced_openalex_ids == ["W2963403868", "W2896457183", "W3030163527"]
    assert roadmap.enrichment_error == ""
    assert roadmap.enriched_at is not None

    baai_row = ("Beijing Academy of Artificial Intelligence", BAAI_ROR, "CN")
    tsinghua_row = ("Tsinghua University", TSINGHUA_ROR, "CN")
    assert institutions_of(roadmap) == {
        0: [baai_row],
        1: [baai_row, tsinghua_row],
        2: [tsinghua_row, ("Zhipu AI (China)", "", "")],
        3: [],  # "Jie Tang" at OpenAlex is not arXiv's "Wei Zhang"
    }
    # arXiv's unresolved affiliation row gained the ROR id instead of being duplicated.
    assert Institution.objects.get(ror_id=BAAI_ROR).pk == baai.pk
    assert (
        Institution.objects.filter(name="Beijing Academy of Artificial Intelligence").count() == 1
    )

    authors = {
        a.position: (a.author.name, a.author.openalex_id, a.author.orcid)
        for a in Authorship.objects.filter(paper=roadmap).select_related("author")
    }
    assert authors == {
        0: ("Sha Yuan", "A5023888391", "0000-0002-5436-4297"),
        1: ("Hanyu Zhao", "A5100635493", ""),
        2: ("Zhengxiao Du", "A5031498426", ""),
        3: ("Wei Zhang", "", ""),
    }

    assert topics_of(roadmap) == [
        ("arxiv", "cs.LG", "Machine Learning", 0, "arxiv", None),
        ("arxiv", "cs.AI", "Artificial Intelligence", 1, "arxiv", None),
        ("openalex", "T10181", "Natural Language Processing Techniques", 2, "openalex", 0.9987),
        ("openalex", "T10028", "Topic Modeling", 3, "openalex", 0.9862),
    ]
    assert set(Citation.objects.values_list("citing", "cited")) == {
        (roadmap.pk, attention.pk),
        (roadmap.pk, bert.pk),
    }


@respx.mock
def test_enriching_queues_the_papers_neighbours_once_committed(
    client, roadmap, django_capture_on_commit_callbacks
):
    respx.get(ROADMAP_URL).respond(200, json=load("work_2203.14101.json"))

    with django_capture_on_commit_callbacks(execute=True):
        paper_enrich(paper_id=roadmap.pk, client=client)

    # Its new authors, institutions, topics and references feed the research map.
    assert ("papers.tasks.neighbours_compute", [[roadmap.pk]], None) in queued_tasks()


@respx.mock
def test_rerunning_enrichment_changes_no_rows(client, roadmap):
    hold("1706.03762", "W2963403868")
    respx.get(ROADMAP_URL).respond(200, json=load("work_2203.14101.json"))
    paper_enrich(paper_id=roadmap.pk, client=client)
    first = snapshot()

    paper_enrich(paper_id=roadmap.pk, client=client)

    assert snapshot() == first


@respx.mock
def test_a_name_shared_with_another_paper_is_not_claimed(client, roadmap):
    other = make_paper(arxiv_id="2301.00001", authors=["Sha Yuan"])
    respx.get(ROADMAP_URL).respond(200, json=load("work_2203.14101.json"))

    paper_enrich(paper_id=roadmap.pk, client=client)

    # The name row may stand for another Sha Yuan: this paper gets its own resolved row.
    assert Authorship.objects.get(paper=other).author.openalex_id == ""
    resolved = Authorship.objects.get(paper=roadmap, position=0).author
    assert (resolved.name, resolved.openalex_id) == ("Sha Yuan", "A5023888391")
    assert Author.objects.filter(name="Sha Yuan").count() == 2


@respx.mock
def test_an_author_known_to_openalex_is_reused(client, roadmap):
    known = Author.objects.create(name="Sha Yuan", openalex_id="A5023888391")
    name_row = Authorship.objects.get(paper=roadmap, position=0).author
    respx.get(ROADMAP_URL).respond(200, json=load("work_2203.14101.json"))

    paper_enrich(paper_id=roadmap.pk, client=client)

    assert Authorship.objects.get(paper=roadmap, position=0).author_id == known.pk
    known.refresh_from_db()
    assert known.orcid == "0000-0002-5436-4297"
    # The name row had no other paper: it is not left behind as an empty author page.
    assert not Author.objects.filter(pk=name_row.pk).exists()


@respx.mock
def test_one_openalex_author_at_two_positions_claims_one_row(client):
    paper = make_paper(arxiv_id="2203.14101", authors=["Sha Yuan", "S. Yuan"])
    work = load("work_2203.14101.json")
    work["authorships"][1]["author"] = dict(work["authorships"][0]["author"])
    respx.get(ROADMAP_URL).respond(200, json=work)

    assert paper_enrich(paper_id=paper.pk, client=client).status == EnrichmentStatus.ENRICHED

    claimed = Author.objects.filter(authorships__paper=paper).values_list("name", "openalex_id")
    assert sorted(claimed) == [("S. Yuan", ""), ("Sha Yuan", "A5023888391")]


@respx.mock
def test_mismatched_name_at_a_position_gets_nothing(client):
    paper = make_paper(arxiv_id="2203.14101", authors=["Nobody Else", "Hanyu Zhao"])
    respx.get(ROADMAP_URL).respond(200, json=load("work_2203.14101.json"))

    paper_enrich(paper_id=paper.pk, client=client)

    assert institutions_of(paper)[0] == []
    assert Authorship.objects.get(paper=paper, position=0).author.openalex_id == ""
    assert [i[0] for i in institutions_of(paper)[1]] == [
        "Beijing Academy of Artificial Intelligence",
        "Tsinghua University",
    ]


@respx.mock
def test_edges_are_backfilled_when_the_cited_paper_is_enriched_later(
    client, roadmap, django_capture_on_commit_callbacks
):
    attention = hold("1706.03762")  # held, but not yet known to OpenAlex here
    respx.get(ROADMAP_URL).respond(200, json=load("work_2203.14101.json"))
    respx.get(ATTENTION_URL).respond(200, json=load("work_1706.03762.json"))
    paper_enrich(paper_id=roadmap.pk, client=client)
    assert not Citation.objects.exists()
    roadmap_token = cache.get(_token_key(roadmap.arxiv_id))

    with django_capture_on_commit_callbacks(execute=True):
        result = paper_enrich(paper_id=attention.pk, client=client)

    assert result.status == EnrichmentStatus.ENRICHED
    assert list(Citation.objects.values_list("citing", "cited")) == [(roadmap.pk, attention.pk)]
    # The citing paper's page shows the new edge too.
    assert cache.get(_token_key(roadmap.arxiv_id)) != roadmap_token


@respx.mock
def test_edges_of_a_replaced_openalex_id_are_dropped(client, roadmap):
    attention = hold("1706.03762")
    merged = load("work_1706.03762.json")
    respx.get(ROADMAP_URL).respond(200, json=load("work_2203.14101.json"))
    route = respx.get(ATTENTION_URL).respond(200, json=merged)
    paper_enrich(paper_id=attention.pk, client=client)
    paper_enrich(paper_id=roadmap.pk, client=client)
    assert Citation.objects.filter(citing=roadmap, cited=attention).exists()

    merged = copy.deepcopy(merged) | {"id": "https://openalex.org/W4385245566"}
    route.respond(200, json=merged)
    paper_enrich(paper_id=attention.pk, client=client)

    assert not Citation.objects.filter(cited=attention).exists()


@respx.mock
def test_self_references_make_no_edge(client, roadmap):
    work = load("work_2203.14101.json")
    work["referenced_works"].append(work["id"])
    respx.get(ROADMAP_URL).respond(200, json=work)

    paper_enrich(paper_id=roadmap.pk, client=client)

    assert not Citation.objects.exists()


@respx.mock
def test_paper_doi_is_looked_up_lower_cased(client):
    paper = make_paper(arxiv_id="2203.14101", authors=["Sha Yuan"], doi="10.1145/ABC.12345")
    route = respx.get(f"{BASE}/works/doi:10.1145/abc.12345").respond(
        200, json=load("work_2203.14101.json")
    )

    assert paper_enrich(paper_id=paper.pk, client=client).status == EnrichmentStatus.ENRICHED
    assert route.call_count == 1


@respx.mock
def test_a_journal_doi_openalex_lacks_falls_back_to_the_arxiv_doi(client):
    paper = make_paper(arxiv_id="2203.14101", authors=["Sha Yuan"], doi="10.1145/abc.12345")
    respx.get(f"{BASE}/works/doi:10.1145/abc.12345").respond(404, json=load("not_found.json"))
    arxiv_route = respx.get(ROADMAP_URL).respond(200, json=load("work_2203.14101.json"))

    assert paper_enrich(paper_id=paper.pk, client=client).openalex_id == "W4221152951"
    assert arxiv_route.called


@respx.mock
def test_not_found_changes_nothing_but_the_record_of_trying(client, roadmap):
    respx.get(ROADMAP_URL).respond(404, json=load("not_found.json"))
    before = snapshot()

    result = paper_enrich(paper_id=roadmap.pk, client=client)

    assert result.status == EnrichmentStatus.NOT_FOUND
    roadmap.refresh_from_db()
    assert roadmap.enrichment_error == NOT_FOUND
    assert roadmap.enriched_at is not None
    after = snapshot()
    after["papers"] = before["papers"] = None
    assert after == before


@respx.mock
def test_throttled_then_answered(client, roadmap, slept):
    respx.get(ROADMAP_URL).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2"}),
            httpx.Response(200, json=load("work_2203.14101.json")),
        ]
    )

    assert paper_enrich(paper_id=roadmap.pk, client=client).status == EnrichmentStatus.ENRICHED
    assert slept == [2.0]


@respx.mock
def test_server_errors_propagate_for_the_task_to_retry(client, roadmap):
    route = respx.get(ROADMAP_URL).respond(500)

    with pytest.raises(TransientFetchError):
        paper_enrich(paper_id=roadmap.pk, client=client)

    assert route.call_count == 3
    roadmap.refresh_from_db()
    assert (roadmap.enriched_at, roadmap.enrichment_error) == (None, "")


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text='{"id": "https://openalex.org/W4221152951", "cited_by'),
        httpx.Response(200, json=load("work_2203.14101.json") | {"cited_by_count": "lots"}),
        httpx.Response(200, json=load("work_2203.14101.json") | {"topics": None}),
    ],
    ids=["truncated JSON", "count is a string", "topics is null"],
)
@respx.mock
def test_an_unusable_answer_keeps_what_was_stored(client, roadmap, response):
    hold("1706.03762", "W2963403868")
    route = respx.get(ROADMAP_URL).respond(200, json=load("work_2203.14101.json"))
    paper_enrich(paper_id=roadmap.pk, client=client)
    before = snapshot()
    route.mock(return_value=response)

    result = paper_enrich(paper_id=roadmap.pk, client=client)

    assert result.status == EnrichmentStatus.FAILED
    roadmap.refresh_from_db()
    assert roadmap.enrichment_error == result.error
    assert "OpenAlex" in result.error
    assert KEY not in result.error
    after = snapshot()
    assert [row[:5] for row in after["papers"]] == [row[:5] for row in before["papers"]]
    after["papers"] = before["papers"] = None
    assert after == before


def test_without_a_key_enrichment_is_off_and_asks_nothing(settings, roadmap):
    settings.OPENALEX_API_KEY = ""

    with respx.mock(assert_all_called=False) as router:
        route = router.route()  # would answer any request; none may be made
        assert paper_enrich(paper_id=roadmap.pk).status == EnrichmentStatus.DISABLED
        with OpenAlexClient(api_key="", limiter=NoWaitLimiter()) as keyless:
            result = paper_enrich(paper_id=roadmap.pk, client=keyless)
        assert result.status == EnrichmentStatus.DISABLED

    assert route.call_count == 0
    roadmap.refresh_from_db()
    assert (roadmap.enriched_at, roadmap.enrichment_error) == (None, "")


@respx.mock
def test_default_client_sends_the_key(roadmap):
    route = respx.get(ROADMAP_URL).respond(200, json=load("work_2203.14101.json"))

    result = paper_enrich(paper_id=roadmap.pk)
    assert result.status == EnrichmentStatus.ENRICHED, result.error
    assert route.calls.last.request.url.params["api_key"] == KEY


def test_a_deleted_paper_is_reported_missing(client):
    assert paper_enrich(paper_id=987654321, client=client).status == EnrichmentStatus.MISSING


def test_refresh_order_never_enriched_then_oldest():
    papers = [make_paper() for _ in range(5)]
    now = datetime(2026, 3, 1, tzinfo=UTC)
    enriched = {papers[0]: now, papers[1]: now - timedelta(days=3), papers[3]: now - timedelta(1)}
    for paper, at in enriched.items():
        Paper.objects.filter(pk=paper.pk).update(enriched_at=at)

    order = [papers[2].pk, papers[4].pk, papers[1].pk, papers[3].pk, papers[0].pk]
    assert papers_due_for_refresh(limit=10) == order
    assert papers_due_for_refresh(limit=3) == order[:3]
    assert papers_due_for_refresh(limit=1) == order[:1]
