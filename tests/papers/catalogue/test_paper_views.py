import re

import pytest
from django.urls import reverse

from tests.support.factories import make_paper, paper_record

pytestmark = pytest.mark.django_db


def test_detail_shows_metadata_in_author_order(client):
    paper = make_paper(
        arxiv_id="2203.14101",
        version=3,
        authors=["Sha Yuan", "Hanyu Zhao", "Balázs Szegedy"],
        affiliations={0: ("BAAI",), 2: ("BAAI", "Rényi Institute")},
        categories=("cs.LG", "cs.AI", "cs.CL"),
        title="A Roadmap for Big Model",
        comment="Code at https://github.com/example/roadmap",
    )
    response = client.get(paper.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "A Roadmap for Big Model" in html
    positions = [html.index(name) for name in ("Sha Yuan", "Hanyu Zhao", "Balázs Szegedy")]
    assert positions == sorted(positions)
    assert "preprint" in html and "arXiv" in html and "Open access" in html
    assert "2024" in html
    # Two distinct institutions across the authors.
    assert re.search(r"<dd>\s*2\s*</dd>\s*</div>\s*</dl>", html) or ">2<" in html
    assert "https://github.com/example/roadmap" in html
    assert "No dataset" in html
    for version in ("v1", "v2", "v3"):
        assert f"https://arxiv.org/abs/2203.14101{version}" in html
    assert "cs.CL" in html and "Computation and Language" in html
    assert "https://arxiv.org/pdf/2203.14101v3" in html
    assert reverse("papers:bibtex", args=["2203.14101"]) in html


def test_long_author_lists_collapse_after_ten(client):
    paper = make_paper(authors=[f"Person {i:03d}" for i in range(100)])
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "and 90 more" in html
    head, _, tail = html.partition("and 90 more")
    assert "Person 009" in head and "Person 010" not in head
    assert "Person 010" in tail and "Person 099" in tail


def test_old_style_ids_work_and_subject_class_redirects(client):
    paper = make_paper(arxiv_id="math/0309136", categories=("math.GT",))
    assert client.get("/papers/math/0309136/").status_code == 200
    response = client.get("/papers/math.GT/0309136/")
    assert response.status_code == 301
    assert response["Location"] == paper.get_absolute_url()


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/papers/2203.14101v2/", "/papers/2203.14101/"),
        ("/abs/2203.14101", "/papers/2203.14101/"),
        ("/abs/2203.14101v3", "/papers/2203.14101/"),
        ("/abs/hep-th/9901001v1", "/papers/hep-th/9901001/"),
        ("/papers/hep-th/9901001v2/", "/papers/hep-th/9901001/"),
        ("/papers/2203.14101v2/bibtex", "/papers/2203.14101/bibtex"),
    ],
)
def test_versioned_and_abs_urls_redirect_to_the_canonical_page(client, path, target):
    response = client.get(path)
    assert response.status_code == 301
    assert response["Location"] == target


def test_unknown_id_gets_a_helpful_404(client):
    response = client.get("/papers/2301.00001/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "does not hold arXiv:2301.00001" in html
    assert "https://arxiv.org/abs/2301.00001" in html
    assert "/papers/add/?arxiv_id=2301.00001" in html


@pytest.mark.parametrize("raw", ["hello", "1234.567", "0613.1234", "foo/9901001"])
def test_invalid_id_explains_why(client, raw):
    response = client.get(f"/papers/{raw}/")
    assert response.status_code == 404
    assert "is not an arXiv identifier" in response.content.decode()


def test_withdrawn_paper_offers_no_pdf(client):
    paper = make_paper(
        version=2, comment="This paper has been withdrawn by the authors.", withdrawn=True
    )
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "Withdrawn" in html
    assert f"https://arxiv.org/pdf/{paper.arxiv_id}" not in html
    assert "No PDF" in html


def test_bibtex_for_new_and_old_style_ids(client):
    make_paper(
        arxiv_id="2203.14101", authors=["Sha Yuan", "Jie Tang"], title="A Roadmap for Big Model"
    )
    make_paper(arxiv_id="hep-th/9901001", authors=["Édouard Brézin"], categories=("hep-th",))
    response = client.get("/papers/2203.14101/bibtex")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/x-bibtex")
    body = response.content.decode()
    assert body.startswith("@misc{yuan2024roadmap,")
    assert "author = {Sha Yuan and Jie Tang}" in body
    assert "eprint = {2203.14101}" in body
    assert "primaryClass = {cs.LG}" in body
    old = client.get("/papers/hep-th/9901001/bibtex").content.decode()
    assert "@misc{brezin2024" in old
    assert "eprint = {hep-th/9901001}" in old
    assert "url = {https://arxiv.org/abs/hep-th/9901001}" in old


def test_home_lists_latest_first_and_paginates(client):
    for day in range(1, 31):
        make_paper(
            title=f"Paper of day {day}",
            published=paper_record().published.replace(day=day),
        )
    html = client.get("/").content.decode()
    assert html.index("Paper of day 30") < html.index("Paper of day 29")
    assert "Paper of day 5" not in html  # 25 a page
    second = client.get("/?page=2").content.decode()
    assert "Paper of day 5" in second and "Paper of day 30" not in second
    assert client.get("/?page=banana").status_code == 200


def test_home_htmx_request_renders_only_the_list(client):
    make_paper(title="Only the list")
    response = client.get("/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Only the list" in html
    assert "<html" not in html and "site-header" not in html
    assert "HX-Request" in response["Vary"]
    restore = client.get("/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.content.decode()


def test_page_says_where_and_when_the_metadata_was_fetched(
    client, django_capture_on_commit_callbacks
):
    from datetime import UTC, datetime

    from papers.models import MetadataSource, Paper

    paper = make_paper()
    assert "From imported file" in client.get(paper.get_absolute_url()).content.decode()
    Paper.objects.filter(pk=paper.pk).update(
        metadata_source=MetadataSource.ARXIV_OAI,
        metadata_fetched_at=datetime(2026, 11, 27, 6, 30, tzinfo=UTC),
    )
    paper.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        paper.save()  # drops the cached page, as every change does
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "Fetched from the arXiv OAI-PMH on" in html
    assert "27 Nov 2026, 06:30 UTC" in html
