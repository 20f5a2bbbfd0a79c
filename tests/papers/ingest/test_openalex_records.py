"""Institution order, countries, ROR links, older records and topics, through enrichment and
the pages and API that show them (OpenAlex replayed by respx from recorded records)."""

import json

import pytest
import respx
from django.db import IntegrityError

from papers.ingest.clients.openalex import OpenAlexClient, parse_work
from papers.ingest.enrichment import EnrichmentStatus, paper_enrich
from papers.models import Institution, Paper, PaperTopic
from papers.ror import InvalidRor, canonical_ror
from tests.support import paths
from tests.support.factories import make_paper
from tests.support.limiters import NoWaitLimiter

pytestmark = pytest.mark.django_db

FIXTURES = paths.FIXTURES / "openalex"
BASE = "https://api.openalex.org"
SKLEARN_URL = f"{BASE}/works/doi:10.48550/arxiv.1201.0490"
ROADMAP_URL = f"{BASE}/works/doi:10.48550/arxiv.2203.14101"
CEA = "Commissariat à l'Énergie Atomique et aux Énergies Alternatives"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8-sig"))


@pytest.fixture
def openalex(settings):
    settings.OPENALEX_URL = BASE
    settings.OPENALEX_API_KEY = "test-openalex-key"
    with OpenAlexClient(limiter=NoWaitLimiter(), sleep=lambda _: None) as client:
        yield client


@respx.mock
def test_institutions_keep_openalex_order_on_the_page_and_in_the_api(openalex, client):
    paper = make_paper(
        arxiv_id="1201.0490", authors=["Gaël Varoquaux"], affiliations={0: ("Neurospin",)}
    )
    respx.get(SKLEARN_URL).respond(200, json=load("real/work_W2101234009_arxiv_2024_zotero.json"))
    paper_enrich(paper_id=paper.pk, client=openalex)

    author = client.get("/api/papers/1201.0490/").json()["authors"][0]

    # OpenAlex's order (not alphabetical), then arXiv's own affiliation.
    assert author["affiliations"] == [CEA, "CEA Saclay", "Neurospin"]
    assert [(i["ror"], i["country_code"], i["primary"]) for i in author["institutions"]] == [
        ("https://ror.org/00jjx8s55", "FR", True),
        ("https://ror.org/03n15ch10", "FR", False),
        ("", "", False),
    ]
    page = client.get("/papers/1201.0490/").content.decode()
    listed = page.split('class="institutions"', 1)[1]
    assert listed.index("Commissariat") < listed.index("CEA Saclay") < listed.index("Neurospin")


@respx.mock
def test_an_institution_without_a_ror_id_keeps_its_country(openalex):
    paper = make_paper(arxiv_id="2203.14101", authors=["Zhengxiao Du"])
    work = load("work_2203.14101.json")
    zhipu = work["authorships"][2]["institutions"][1]
    assert zhipu["ror"] is None
    zhipu["country_code"] = "CN"
    respx.get(ROADMAP_URL).respond(200, json=work)

    paper_enrich(paper_id=paper.pk, client=openalex)

    assert Institution.objects.get(name="Zhipu AI (China)").country_code == "CN"


def test_the_ror_link_of_an_institution_page_is_the_ror_url(client):
    paper = make_paper(authors=["Ashish Vaswani"], affiliations={0: ("Google",)})
    google = Institution.objects.get(name="Google")
    Institution.objects.filter(pk=google.pk).update(
        ror_id="https://ror.org/00njsd438", country_code="US"
    )
    assert paper.pk

    page = client.get(f"/institutions/{google.pk}/").content.decode()

    assert 'href="https://ror.org/00njsd438"' in page
    assert "ror.org/https" not in page
    assert "ROR 00njsd438" in page


@pytest.mark.parametrize(
    "spelling",
    ["00njsd438", "https://ror.org/00njsd438", "http://ror.org/00NJSD438", "ror.org/00njsd438/"],
)
def test_ror_ids_have_one_stored_form(spelling):
    assert canonical_ror(spelling) == "https://ror.org/00njsd438"


def test_the_database_refuses_another_ror_form():
    with pytest.raises(InvalidRor):
        canonical_ror("https://ror.org/https://ror.org/00njsd438")
    with pytest.raises(IntegrityError):
        Institution.objects.create(name="Google", ror_id="00njsd438")


def _as_before_2024(record: dict) -> dict:
    """A record as OpenAlex sent it before topics: concepts and host_venue instead."""
    old = {k: v for k, v in record.items() if k not in ("topics", "primary_topic")}
    old["host_venue"] = {"id": None, "display_name": "arXiv (Cornell University)"}
    return old


@respx.mock
def test_a_record_from_before_topics_is_enriched_from_what_it_has(openalex):
    paper = make_paper(arxiv_id="1201.0490", authors=["Fabian Pedregosa"])
    record = _as_before_2024(load("real/work_W2101234009_arxiv_2024_zotero.json"))
    respx.get(SKLEARN_URL).respond(200, json=record)

    result = paper_enrich(paper_id=paper.pk, client=openalex)

    assert result.status == EnrichmentStatus.ENRICHED, result.error
    paper.refresh_from_db()
    assert paper.citation_count == record["cited_by_count"]
    concepts = [c["id"].rsplit("/", 1)[1] for c in record["concepts"]]
    stored = PaperTopic.objects.filter(paper=paper, source="openalex").order_by("position")
    assert [pt.topic.code for pt in stored] == concepts


def test_absent_fields_are_unknown_not_empty():
    work = parse_work({"id": "https://openalex.org/W2101234009"})

    assert (work.openalex_id, work.doi, work.cited_by_count) == ("W2101234009", "", None)
    assert (work.authorships, work.topics, work.referenced_works) == (None, None, None)


def test_every_real_record_parses_and_a_list_answer_is_named():
    for path in sorted((FIXTURES / "real").glob("work_*.json")):
        work = parse_work(load(f"real/{path.name}"))
        assert work.openalex_id == path.name.split("_")[1]
        assert work.topics and work.topics[0].primary
    with pytest.raises(ValueError, match="OpenAlex answered a list of works"):
        parse_work(load("real/works_list_5_results_2024_zotero.json"))


@respx.mock
def test_a_record_silent_about_references_keeps_the_stored_ones(openalex):
    paper = make_paper(arxiv_id="2203.14101", authors=["Sha Yuan"])
    route = respx.get(ROADMAP_URL).respond(200, json=load("work_2203.14101.json"))
    paper_enrich(paper_id=paper.pk, client=openalex)
    record = load("work_2203.14101.json")
    del record["referenced_works"], record["cited_by_count"]
    route.respond(200, json=record)

    paper_enrich(paper_id=paper.pk, client=openalex)

    paper.refresh_from_db()
    assert (paper.citation_count, paper.referenced_works_count) == (57, 3)


@respx.mock
def test_openalex_topics_primary_first_on_the_page_and_in_the_api(openalex, client):
    paper = make_paper(arxiv_id="1201.0490", authors=["Fabian Pedregosa"], categories=("cs.LG",))
    record = load("real/work_W2101234009_arxiv_2024_zotero.json")
    respx.get(SKLEARN_URL).respond(200, json=record)
    paper_enrich(paper_id=paper.pk, client=openalex)
    primary = record["primary_topic"]["display_name"]

    data = client.get("/api/papers/1201.0490/").json()

    assert data["categories"] == ["cs.LG"]
    assert [t["id"] for t in data["topics"]] == ["T13650", "T12535", "T11512"]
    assert data["topics"][0] == {
        "id": "T13650",
        "name": primary,
        "score": record["topics"][0]["score"],
        "primary": True,
    }
    assert not any(t["primary"] for t in data["topics"][1:])
    page = client.get("/papers/1201.0490/").content.decode()
    topics = page.split("Topics <span", 1)[1]
    assert topics.index(primary) < topics.index(record["topics"][1]["display_name"])
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert "topics" in schema["components"]["schemas"]["Paper"]["properties"]
    assert Paper.objects.get(pk=paper.pk).openalex_id == "W2101234009"
