"""GET /api/search/: ranked results, filters, clear 400s, the id shortcut, the schema."""

from datetime import UTC, datetime

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from papers.models import Paper
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

URL = "/api/search/"


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def corpus():
    make_paper(
        arxiv_id="1710.09829",
        title="Dynamic Routing Between Capsules",
        authors=["Sara Sabour", "Nicholas Frosst", "Geoffrey Hinton", "Extra Author"],
        abstract="A capsule is a group of neurons.",
        published=datetime(2017, 10, 26, tzinfo=UTC),
        categories=("cs.CV", "cs.LG"),
    )
    make_paper(
        arxiv_id="1901.00002",
        title="A History of Neural Networks",
        authors=["Clio Historian"],
        abstract="We retrace the work of Hinton on backpropagation.",
        published=datetime(2019, 1, 2, tzinfo=UTC),
    )


def test_results_are_ranked_with_their_fields(anon, corpus):
    response = anon.get(URL, {"q": "hinton"})
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2
    assert data["arxiv_id"] is None
    first, second = data["results"]
    assert [first["arxiv_id"], second["arxiv_id"]] == ["1710.09829", "1901.00002"]
    assert first["rank"] > second["rank"] > 0
    assert first["authors"] == ["Sara Sabour", "Nicholas Frosst", "Geoffrey Hinton"]
    assert first["author_count"] == 4
    assert first["categories"] == ["cs.CV", "cs.LG"]
    assert first["published"] == "2017-10-26T00:00:00Z"
    assert first["url"] == "http://testserver/papers/1710.09829/"
    assert first["counts"] == {"likes": 0, "dislikes": 0, "saves": 0, "reviews": 0, "comments": 0}


def test_filters_and_sorts(anon, corpus):
    Paper.objects.filter(arxiv_id="1901.00002").update(review_count=3, code_url="https://x.org/c")
    ids = lambda **q: [r["arxiv_id"] for r in anon.get(URL, q).json()["results"]]  # noqa: E731
    assert ids(q="hinton", topic="cs.CV") == ["1710.09829"]
    assert ids(q="hinton", year_from="2018") == ["1901.00002"]
    assert ids(q="hinton", has_code="true") == ["1901.00002"]
    assert ids(q="hinton", has_reviews="false") == ["1710.09829", "1901.00002"]
    assert ids(q="hinton", sort="reviewed") == ["1901.00002", "1710.09829"]
    assert ids(sort="newest") == ["1901.00002", "1710.09829"]
    # Not ranked by relevance: no rank.
    assert anon.get(URL, {"q": "hinton", "sort": "newest"}).json()["results"][0]["rank"] is None


def test_bad_parameters_are_400_with_a_message_per_field(anon):
    response = anon.get(URL, {"year_from": "1800", "sort": "best", "has_code": "x" * 3})
    assert response.status_code == 400
    assert response.json() == {
        "year_from": ["arXiv starts in 1991: enter 1991 or later."],
        "sort": ["Choose one of: relevance, newest, liked, reviewed."],
    }
    response = anon.get(URL, {"q": "q" * 201})
    assert response.status_code == 400
    assert response.json() == {"q": ["Keep the search under 200 characters."]}


def test_held_arxiv_id_returns_that_paper(anon, corpus):
    data = anon.get(URL, {"q": "https://arxiv.org/abs/1710.09829v2", "topic": "math.GT"}).json()
    assert data["arxiv_id"] == {
        "id": "1710.09829",
        "held": True,
        "url": "http://testserver/papers/1710.09829/",
    }
    assert [r["arxiv_id"] for r in data["results"]] == ["1710.09829"]


def test_unknown_arxiv_id_says_where_to_import_it(anon, corpus):
    data = anon.get(URL, {"q": "hep-th/9901001"}).json()
    assert data["count"] == 0
    assert data["arxiv_id"] == {
        "id": "hep-th/9901001",
        "held": False,
        "url": "http://testserver/papers/add/?arxiv_id=hep-th/9901001",
    }


def test_pages_of_twenty(anon):
    for n in range(23):
        make_paper(title=f"Graph networks part {n}")
    data = anon.get(URL, {"q": "graph"}).json()
    assert (data["count"], len(data["results"])) == (23, 20)
    assert "page=2" in data["next"]
    assert len(anon.get(data["next"]).json()["results"]) == 3


@pytest.mark.parametrize("authors", [3, 40])
def test_query_count_is_fixed(anon, authors):
    for n in range(21):
        make_paper(title=f"Sparse attention study {n}", authors=authors)
    with CaptureQueriesContext(connection) as queries:
        response = anon.get(URL, {"q": "sparse attention"})
    assert len(response.json()["results"]) == 20
    # count, ranked rows, papers, lead authors, topics
    assert len(queries) == 5


def test_search_is_in_the_openapi_schema(anon):
    schema = yaml.safe_load(anon.get("/api/schema/").content)
    operation = schema["paths"]["/api/search/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"q", "topic", "year_from", "year_to", "has_code", "has_reviews", "sort", "page"} <= (
        names
    )
    assert operation["summary"] == "Search papers"
