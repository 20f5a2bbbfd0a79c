import pytest

from papers.curation.collections import collection_create
from papers.curation.reactions import reaction_add
from papers.curation.saves import paper_save
from papers.models import Author, Collection, Institution, Paper, Reaction, Topic, Vote
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper():
    return make_paper(
        arxiv_id="2203.14101", authors=["Sha Yuan"], affiliations={0: ("BAAI",)}, version=2
    )


@pytest.mark.parametrize("model", [Paper, Author, Institution, Topic, Vote, Collection, Reaction])
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


def test_collection_edits_in_admin_keep_save_counts(admin_client, paper, django_user_model):
    owner = django_user_model.objects.create_user("owner", password="x" * 12)
    collection = collection_create(owner=owner, name="Picks", is_public=True)
    paper_save(user=owner, paper=paper, collection=collection)
    reaction_add(user=owner, paper=paper, kind="reproducible")
    assert admin_client.get(f"/admin/papers/collection/{collection.pk}/change/").status_code == 200
    admin_client.post(
        f"/admin/papers/collection/{collection.pk}/delete/", {"post": "yes"}, follow=True
    )
    assert not Collection.objects.exists()
    paper.refresh_from_db()
    assert paper.save_count == 0
