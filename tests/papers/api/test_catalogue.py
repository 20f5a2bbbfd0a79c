import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db


def test_paper_detail_has_the_contract_fields(client):
    make_paper(
        arxiv_id="2203.14101",
        version=3,
        authors=["Sha Yuan", "Hanyu Zhao"],
        affiliations={0: ("BAAI", "Tsinghua University")},
        categories=("cs.LG", "cs.AI", "cs.CL"),
        title="A Roadmap for Big Model",
        doi="10.1000/xyz",
    )
    response = client.get("/api/papers/2203.14101/")
    assert response.status_code == 200
    data = response.json()
    assert data["arxiv_id"] == "2203.14101"
    assert data["version"] == 3
    assert data["title"] == "A Roadmap for Big Model"
    assert [{k: a[k] for k in ("name", "affiliations")} for a in data["authors"]] == [
        {"name": "Sha Yuan", "affiliations": ["BAAI", "Tsinghua University"]},
        {"name": "Hanyu Zhao", "affiliations": []},
    ]
    assert data["topics"] == []
    assert data["primary_category"] == "cs.LG"
    assert data["categories"] == ["cs.LG", "cs.AI", "cs.CL"]
    assert data["published"] == "2024-01-15T12:00:00Z"
    assert data["updated"] == "2024-01-17T12:00:00Z"
    assert data["doi"] == "10.1000/xyz"
    assert data["abs_url"] == "https://arxiv.org/abs/2203.14101v3"
    assert data["pdf_url"] == "https://arxiv.org/pdf/2203.14101v3"
    assert data["withdrawn"] is False
    assert data["versions"] == [
        {"version": 1, "date": "2024-01-15T12:00:00Z"},
        {"version": 2, "date": "2024-01-16T12:00:00Z"},
        {"version": 3, "date": "2024-01-17T12:00:00Z"},
    ]
    assert data["counts"] == {"likes": 0, "dislikes": 0, "saves": 0, "reviews": 0, "comments": 0}
    for key in ("journal_ref", "comment", "code_url", "dataset_url", "citation_count", "abstract"):
        assert key in data


def test_old_style_and_versioned_ids(client):
    make_paper(arxiv_id="hep-th/9901001", categories=("hep-th",))
    assert client.get("/api/papers/hep-th/9901001/").json()["arxiv_id"] == "hep-th/9901001"
    assert client.get("/api/papers/hep-th/9901001v1/").status_code == 200


def test_unknown_and_invalid_ids_are_404_with_a_reason(client):
    assert client.get("/api/papers/2301.00001/").status_code == 404
    response = client.get("/api/papers/0613.1234/")
    assert response.status_code == 404
    assert "month 13" in response.json()["detail"]


def test_list_is_paginated_and_filters_by_category(client):
    for _ in range(3):
        make_paper(categories=("cs.CV",))
    make_paper(categories=("hep-th",))
    data = client.get("/api/papers/").json()
    assert data["count"] == 4
    assert {"next", "previous", "results"} <= data.keys()
    only_cv = client.get("/api/papers/?category=cs.CV").json()
    assert only_cv["count"] == 3
    assert all(p["categories"][0] == "cs.CV" for p in only_cv["results"])
    bad = client.get("/api/papers/?category=not a category")
    assert bad.status_code == 400
    assert "category" in bad.json()


def test_list_query_count_does_not_grow_with_papers(client):
    for _ in range(5):
        make_paper(authors=20, affiliations={0: ("Lab",)})
    with CaptureQueriesContext(connection) as few:
        client.get("/api/papers/")
    for _ in range(15):
        make_paper(authors=20, affiliations={0: ("Lab",)})
    with CaptureQueriesContext(connection) as many:
        client.get("/api/papers/")
    assert len(few) == len(many) <= 6


def test_writes_are_refused(client):
    make_paper(arxiv_id="2203.14101")
    assert client.post("/api/papers/", {}).status_code in {401, 403, 405}
    assert client.delete("/api/papers/2203.14101/").status_code in {401, 403, 405}


def test_schema_and_docs_are_served_offline(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/papers/{arxiv_id}/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html and "unpkg" not in html
