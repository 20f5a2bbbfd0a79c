import pytest

from papers.models import Author, Institution, Paper, Topic
from tests.factories import make_paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper():
    return make_paper(
        arxiv_id="2203.14101", authors=["Sha Yuan"], affiliations={0: ("BAAI",)}, version=2
    )


@pytest.mark.parametrize("model", [Paper, Author, Institution, Topic])
def test_changelists_and_search_load(admin_client, paper, model):
    url = f"/admin/papers/{model._meta.model_name}/"
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "Yuan"}).status_code == 200


def test_paper_change_page_shows_authorships_and_keeps_imported_fields(admin_client, paper):
    url = f"/admin/papers/paper/{paper.pk}/change/"
    response = admin_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sha Yuan" in html
    # Imported fields are read-only: no input for the title.
    assert 'name="title"' not in html
    assert 'name="code_url"' in html


def test_paper_search_finds_by_author(admin_client, paper):
    response = admin_client.get("/admin/papers/paper/", {"q": "Sha Yuan"})
    assert "2203.14101" in response.content.decode()


def test_anonymous_cannot_open_admin(client, paper):
    response = client.get("/admin/papers/paper/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
