"""Saves, reactions and collections over the API: the services' rules, ownership and limits."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from papers.curation.collections import collection_create
from papers.curation.reaction_kinds import REACTION_KINDS
from papers.curation.saves import paper_save
from papers.models import Collection, CollectionItem, Paper, Reaction
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

# An anonymous write needs credentials: 401 with a WWW-Authenticate: Token challenge
# (TokenAuthentication comes first in REST_FRAMEWORK).
ANONYMOUS = 401


def _save_url(paper: Paper) -> str:
    return f"/api/papers/{paper.arxiv_id}/save/"


def _reactions_url(paper: Paper) -> str:
    return f"/api/papers/{paper.arxiv_id}/reactions/"


def _collection_url(collection: Collection) -> str:
    return f"/api/collections/{collection.pk}/"


def _save_count(paper: Paper) -> int:
    paper.refresh_from_db(fields=["save_count"])
    return paper.save_count


# --- Saves ----------------------------------------------------------------------------------


def test_save_to_default_creates_saved_and_counts(api, curator):
    paper = make_paper()
    response = api.post(_save_url(paper), {"note": "  read §3 "}, format="json")
    assert response.status_code == 200
    default = Collection.objects.get(owner=curator, is_default=True)
    assert default.name == "Saved"
    assert response.json() == {
        "saved": True,
        "in_default": True,
        "collections": [
            {
                "id": default.pk,
                "name": "Saved",
                "is_public": False,
                "url": "http://testserver" + reverse("collections:detail", args=[default.pk]),
            }
        ],
        "saves": 1,
    }
    assert _save_count(paper) == 1
    assert CollectionItem.objects.get(collection=default).note == "read §3"
    assert api.get(_save_url(paper)).json() == response.json()
    # Saving again changes nothing.
    assert api.post(_save_url(paper), {}, format="json").json()["saves"] == 1


def test_save_with_token_auth(curator):
    paper = make_paper()
    token = Token.objects.create(user=curator)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(_save_url(paper), {}, format="json")
    assert response.status_code == 200
    assert CollectionItem.objects.get(paper=paper).collection.owner == curator


def test_anonymous_callers_may_read_public_data_only(curator):
    paper = make_paper()
    public = collection_create(owner=curator, name="Reading group", is_public=True)
    client = APIClient()
    refused = [
        client.get(_save_url(paper)),
        client.post(_save_url(paper), {}, format="json"),
        client.delete(_save_url(paper)),
        client.post(_reactions_url(paper), {"kind": "reproducible"}, format="json"),
        client.delete(f"{_reactions_url(paper)}reproducible/"),
        client.get("/api/collections/"),
        client.post("/api/collections/", {"name": "Mine"}, format="json"),
        client.patch(_collection_url(public), {"name": "Taken"}, format="json"),
        client.delete(_collection_url(public)),
        client.post(f"{_collection_url(public)}items/", {"paper": paper.arxiv_id}, format="json"),
        client.put(f"{_collection_url(public)}order/", {"papers": []}, format="json"),
    ]
    assert [r.status_code for r in refused] == [ANONYMOUS] * len(refused)
    assert all("detail" in r.json() for r in refused)
    assert client.get(_reactions_url(paper)).status_code == 200
    assert client.get(_collection_url(public)).status_code == 200
    assert client.get("/api/collections/?public=1").json()["count"] == 1
    assert not CollectionItem.objects.exists() and Collection.objects.count() == 1


@pytest.mark.parametrize("is_public", [False, True])
def test_saving_into_someone_elses_collection_is_404(api, curator, other_curator, is_public):
    paper = make_paper()
    theirs = collection_create(owner=other_curator, name="Theirs", is_public=is_public)
    response = api.post(_save_url(paper), {"collection": theirs.pk}, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": f"You have no collection {theirs.pk}."}
    removed = api.delete(f"{_save_url(paper)}?collection={theirs.pk}")
    assert removed.status_code == 404
    assert not CollectionItem.objects.exists()
    assert not Collection.objects.filter(owner=curator).exists()
    assert _save_count(paper) == 0


def test_save_into_own_collection_and_unsave(api, curator):
    paper = make_paper()
    reading = collection_create(owner=curator, name="Reading")
    api.post(_save_url(paper), {}, format="json")
    state = api.post(_save_url(paper), {"collection": reading.pk}, format="json").json()
    assert [c["name"] for c in state["collections"]] == ["Saved", "Reading"]
    assert state["saves"] == 1  # one curator, however many of their collections
    state = api.delete(f"{_save_url(paper)}?collection={reading.pk}").json()
    assert state["in_default"] is True and [c["name"] for c in state["collections"]] == ["Saved"]
    state = api.delete(_save_url(paper)).json()
    assert state == {"saved": False, "in_default": False, "collections": [], "saves": 0}
    assert _save_count(paper) == 0
    # Unsaving what is not saved changes nothing.
    assert api.delete(_save_url(paper)).json()["saves"] == 0


def test_save_rejects_bad_input_and_unknown_papers(api):
    paper = make_paper()
    bad = api.post(_save_url(paper), {"collection": "first"}, format="json")
    assert bad.status_code == 400 and "collection" in bad.json()
    assert api.delete(f"{_save_url(paper)}?collection=x").status_code == 400
    long_note = api.post(_save_url(paper), {"note": "n" * 2001}, format="json")
    assert long_note.status_code == 400
    assert "2000" in long_note.json()["note"][0]
    assert api.post("/api/papers/2401.99999/save/", {}, format="json").status_code == 404
    malformed = api.get("/api/papers/0613.1234/save/")
    assert malformed.status_code == 404 and "month 13" in malformed.json()["detail"]
    assert not CollectionItem.objects.exists()


# --- Reactions ------------------------------------------------------------------------------


def test_reaction_add_is_idempotent_and_counts(api, other_api):
    paper = make_paper()
    first = api.post(_reactions_url(paper), {"kind": "novel_method"}, format="json")
    assert first.status_code == 201
    again = api.post(_reactions_url(paper), {"kind": "novel_method"}, format="json")
    assert again.status_code == 200
    assert first.json() == again.json()
    other_api.post(_reactions_url(paper), {"kind": "novel_method"}, format="json")
    mine = {r["kind"]: r for r in api.get(_reactions_url(paper)).json()["reactions"]}
    assert [r["kind"] for r in mine.values()] == [k.code for k in REACTION_KINDS]
    assert mine["novel_method"] == {
        "kind": "novel_method",
        "label": "Novel method",
        "count": 2,
        "mine": True,
    }
    assert mine["overclaimed"]["count"] == 0 and not mine["overclaimed"]["mine"]
    anonymous = APIClient().get(_reactions_url(paper)).json()["reactions"]
    assert not any(r["mine"] for r in anonymous)
    removed = api.delete(f"{_reactions_url(paper)}novel_method/")
    assert removed.status_code == 200
    tally = {r["kind"]: r for r in removed.json()["reactions"]}["novel_method"]
    assert tally["count"] == 1 and tally["mine"] is False
    assert Reaction.objects.count() == 1


def test_unknown_reaction_kind_is_400_listing_the_codes(api):
    paper = make_paper()
    for response in (
        api.post(_reactions_url(paper), {"kind": "brilliant"}, format="json"),
        api.delete(f"{_reactions_url(paper)}brilliant/"),
    ):
        assert response.status_code == 400
        message = response.json()["kind"][0]
        assert "brilliant" in message and all(k.code in message for k in REACTION_KINDS)
    assert not Reaction.objects.exists()


# --- Collections ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "Give the collection a name."), ("x" * 121, "within 120 characters"), ("Taken", "")],
)
def test_collection_create_validation(api, curator, name, message):
    collection_create(owner=curator, name="Taken")
    response = api.post("/api/collections/", {"name": name}, format="json")
    # A name you already use is valid input that clashes with what exists: 409.
    assert response.status_code == (409 if name == "Taken" else 400)
    errors = response.json()["name"]
    assert message in errors[0]
    if name == "Taken":
        assert errors == ["You already have a collection named “Taken”."]
    assert Collection.objects.count() == 1


def test_collection_create_and_list(api, curator, other_curator):
    response = api.post(
        "/api/collections/",
        {"name": "  Graph   papers ", "description": "GNNs", "is_public": True},
        format="json",
    )
    assert response.status_code == 201
    created = response.json()
    assert created["name"] == "Graph papers"
    assert created["owner"] == "curator" and created["paper_count"] == 0
    assert created["is_public"] is True and created["is_default"] is False
    assert created["url"].endswith(reverse("collections:detail", args=[created["id"]]))
    assert {"created_at", "modified_at", "description"} <= created.keys()
    paper = make_paper()
    api.post(_save_url(paper), {}, format="json")
    collection_create(owner=other_curator, name="Secret")
    collection_create(owner=other_curator, name="Open", is_public=True)

    mine = api.get("/api/collections/").json()
    assert mine["count"] == 2 and {"next", "previous"} <= mine.keys()
    assert [(c["name"], c["paper_count"]) for c in mine["results"]] == [
        ("Saved", 1),
        ("Graph papers", 0),
    ]
    public = APIClient().get("/api/collections/?public=1").json()
    assert sorted(c["name"] for c in public["results"]) == ["Graph papers", "Open"]
    bad = api.get("/api/collections/?public=perhaps")
    assert bad.status_code == 400 and "public" in bad.json()


def test_private_collections_are_404_to_others(api, other_api, curator):
    private = collection_create(owner=curator, name="Private")
    public = collection_create(owner=curator, name="Public", is_public=True)
    assert api.get(_collection_url(private)).status_code == 200
    for client in (other_api, APIClient()):
        response = client.get(_collection_url(private))
        assert response.status_code == 404
        assert response.json() == {"detail": f"No collection {private.pk} here."}
        assert client.get(_collection_url(public)).status_code == 200
    for collection in (private, public):
        url = _collection_url(collection)
        assert other_api.patch(url, {"name": "Mine now"}, format="json").status_code == 404
        assert other_api.delete(url).status_code == 404
        assert other_api.put(f"{url}order/", {"papers": []}, format="json").status_code == 404
    assert sorted(Collection.objects.values_list("name", flat=True)) == ["Private", "Public"]


def test_owner_edits_and_deletes(api, curator):
    paper = make_paper()
    collection = collection_create(owner=curator, name="Draft")
    paper_save(user=curator, paper=paper, collection=collection)
    url = _collection_url(collection)
    response = api.patch(url, {"is_public": True}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "Draft" and response.json()["is_public"] is True
    renamed = api.patch(url, {"name": "Final", "description": "Done"}, format="json").json()
    assert (renamed["name"], renamed["description"], renamed["is_public"]) == (
        "Final",
        "Done",
        True,
    )
    assert api.patch(url, {"name": ""}, format="json").json() == {
        "name": ["Give the collection a name."]
    }
    assert api.delete(url).status_code == 204
    assert not Collection.objects.filter(pk=collection.pk).exists()
    assert _save_count(paper) == 0
    assert api.get(url).status_code == 404


def test_items_add_note_and_remove(api, curator):
    paper = make_paper(title="Graph Attention")
    collection = collection_create(owner=curator, name="Reading")
    items = f"{_collection_url(collection)}items/"
    added = api.post(items, {"paper": f"{paper.arxiv_id}v1", "note": "first"}, format="json")
    assert added.status_code == 201
    body = added.json()
    assert body["paper"] == {
        "arxiv_id": paper.arxiv_id,
        "title": "Graph Attention",
        "url": "http://testserver" + paper.get_absolute_url(),
    }
    assert (body["note"], body["position"]) == ("first", 0)
    again = api.post(items, {"paper": paper.arxiv_id}, format="json")
    assert again.status_code == 200 and again.json()["note"] == "first"
    assert _save_count(paper) == 1

    item_url = f"{items}{paper.arxiv_id}/"
    noted = api.patch(item_url, {"note": "second"}, format="json")
    assert noted.status_code == 200 and noted.json()["note"] == "second"
    assert "note" in api.patch(item_url, {"note": "n" * 2001}, format="json").json()
    assert api.patch(item_url, {}, format="json").json()["note"] == "second"

    assert api.delete(item_url).status_code == 204
    assert not CollectionItem.objects.exists() and _save_count(paper) == 0
    for body in ({"note": "x"}, {}):
        missing = api.patch(item_url, body, format="json")
        assert missing.status_code == 404
        assert missing.json() == {"detail": f"arXiv:{paper.arxiv_id} is not in this collection."}
    unknown = api.post(items, {"paper": "2401.99999"}, format="json")
    assert unknown.status_code == 400
    assert unknown.json() == {"paper": ["No paper arXiv:2401.99999 here."]}
    assert "paper" in api.post(items, {"paper": "not-an-id"}, format="json").json()


def test_reorder(api, curator):
    papers = [make_paper(authors=1) for _ in range(3)]
    collection = collection_create(owner=curator, name="Ordered")
    for paper in papers:
        paper_save(user=curator, paper=paper, collection=collection)
    url = f"{_collection_url(collection)}order/"
    wanted = [papers[2].arxiv_id, papers[0].arxiv_id, papers[1].arxiv_id]
    response = api.put(url, {"papers": wanted}, format="json")
    assert response.status_code == 200
    assert [i["paper"]["arxiv_id"] for i in response.json()["items"]] == wanted
    assert [i["position"] for i in response.json()["items"]] == [0, 1, 2]

    bad = api.put(url, {"papers": [papers[0].arxiv_id, papers[0].arxiv_id]}, format="json")
    assert bad.status_code == 400
    message = bad.json()["papers"][0]
    assert "List every paper of the collection once" in message and "twice" in message
    assert papers[1].arxiv_id in message
    detail = api.get(_collection_url(collection)).json()
    assert [i["paper"]["arxiv_id"] for i in detail["items"]] == wanted


def test_collection_detail_queries_do_not_grow_with_items(curator):
    collection = collection_create(owner=curator, name="Big", is_public=True)
    papers = [make_paper(authors=1) for _ in range(30)]
    for paper in papers[:3]:
        paper_save(user=curator, paper=paper, collection=collection)
    client = APIClient()
    client.force_login(curator)
    url = _collection_url(collection)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url).json()["items"]) == 3
    for paper in papers[3:]:
        paper_save(user=curator, paper=paper, collection=collection)
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).json()
    assert len(body["items"]) == 30 and body["paper_count"] == 30
    assert len(few) == len(many) <= 5


# --- Limits and schema ----------------------------------------------------------------------


def test_writes_are_throttled_per_user_reads_are_not(api, settings):
    settings.WRITE_RATE_LIMIT = "2/m"
    paper = make_paper()
    codes = [
        api.post(_reactions_url(paper), {"kind": "reproducible"}, format="json").status_code,
        api.post(_save_url(paper), {}, format="json").status_code,
    ]
    limited = api.post("/api/collections/", {"name": "One more"}, format="json")
    assert codes == [201, 200]
    assert limited.status_code == 429
    assert "throttled" in limited.json()["detail"]
    assert not Collection.objects.filter(name="One more").exists()
    assert api.get(_reactions_url(paper)).status_code == 200


def test_schema_documents_every_curation_endpoint(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/papers/{arxiv_id}/save/",
        "/api/papers/{arxiv_id}/reactions/",
        "/api/papers/{arxiv_id}/reactions/{kind}/",
        "/api/collections/",
        "/api/collections/{id}/",
        "/api/collections/{id}/items/",
        "/api/collections/{id}/items/{arxiv_id}/",
        "/api/collections/{id}/order/",
    ):
        assert path in paths
        assert all(operation.get("summary") for operation in paths[path].values())
