"""Collection pages: lists, create/edit/delete, per-paper changes, visibility and limits."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from papers.curation.collection_views import ITEMS_PAGE_SIZE
from papers.curation.collections import collection_create
from papers.curation.saves import paper_save
from papers.models import Collection, CollectionItem, Paper
from tests.support.factories import make_paper

SCRIPT = "<script>alert(1)</script>"


def _collection(owner, papers=0, *, name="Reading list", public=False, **paper_fields):
    collection = collection_create(owner=owner, name=name, is_public=public)
    for _ in range(papers):
        paper_save(user=owner, paper=make_paper(**paper_fields), collection=collection)
    return collection


def _order(collection) -> list[str]:
    return list(
        collection.items.order_by("position", "added_at").values_list("paper__arxiv_id", flat=True)
    )


def _item_url(collection, paper, action: str) -> str:
    return reverse(f"collections:item-{action}", args=[collection.pk, paper.arxiv_id])


@pytest.fixture
def owner_client(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture
def other_client(other_curator):
    other = Client()
    other.force_login(other_curator)
    return other


# --- Create ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_needs_log_in(client, settings):
    response = client.get(reverse("collections:create"))
    assert response.status_code == 302
    assert response["Location"].startswith(settings.LOGIN_URL)
    assert client.post(reverse("collections:create"), {"name": "X"}).status_code == 302
    assert not Collection.objects.exists()


@pytest.mark.django_db
def test_create_makes_the_collection_and_goes_to_it(owner_client, curator):
    assert owner_client.get(reverse("collections:create")).status_code == 200
    response = owner_client.post(
        reverse("collections:create"),
        {"name": "  Graph   networks ", "description": "GNN papers", "is_public": "on"},
    )
    collection = Collection.objects.get(owner=curator)
    assert response.status_code == 303
    assert response["Location"] == collection.get_absolute_url()
    assert (collection.name, collection.description, collection.is_public) == (
        "Graph networks",
        "GNN papers",
        True,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Give the collection a name."),
        ({"name": "   "}, "Give the collection a name."),
        ({"name": "n" * 121}, "Keep the name within 120 characters (it has 121)."),
        ({"name": "Fine", "description": "d" * 2001}, "Keep this within 2000 characters"),
    ],
)
def test_create_refuses_bad_input_with_the_service_message(owner_client, data, message):
    response = owner_client.post(reverse("collections:create"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Collection.objects.exists()


@pytest.mark.django_db
def test_create_refuses_a_duplicate_name_keeping_the_input(owner_client, curator):
    _collection(curator, name="Mine")
    response = owner_client.post(
        reverse("collections:create"), {"name": "Mine", "description": "kept text"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "You already have a collection named “Mine”." in html
    assert "kept text" in html
    assert Collection.objects.filter(owner=curator).count() == 1


@pytest.mark.django_db
def test_create_from_a_paper_saves_it_and_returns_to_the_paper(owner_client, curator):
    paper = make_paper()
    response = owner_client.post(
        reverse("collections:create"), {"name": "To read", "paper": paper.arxiv_id}
    )
    assert response.status_code == 303
    assert response["Location"] == paper.get_absolute_url()
    collection = Collection.objects.get(owner=curator, name="To read")
    assert list(collection.items.values_list("paper_id", flat=True)) == [paper.pk]
    paper.refresh_from_db()
    assert paper.save_count == 1

    # The paper may come in the query string too, as the form page carries it.
    page = owner_client.get(reverse("collections:create") + f"?paper={paper.arxiv_id}")
    assert f'value="{paper.arxiv_id}"' in page.content.decode()
    url = reverse("collections:create") + f"?paper={paper.arxiv_id}"
    assert owner_client.post(url, {"name": "Second"}).status_code == 303
    assert CollectionItem.objects.filter(collection__name="Second", paper=paper).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["not-an-id", "2401.99999"])
def test_create_from_an_unknown_paper_creates_nothing(owner_client, raw):
    response = owner_client.post(reverse("collections:create"), {"name": "X", "paper": raw})
    assert response.status_code == 400
    assert "arXiv" in response.content.decode()
    assert not Collection.objects.exists()


# --- Edit and delete ------------------------------------------------------------------------


@pytest.mark.django_db
def test_edit_changes_name_description_and_visibility(owner_client, curator):
    collection = _collection(curator)
    url = reverse("collections:edit", args=[collection.pk])
    assert 'value="Reading list"' in owner_client.get(url).content.decode()
    response = owner_client.post(url, {"name": "Renamed", "description": "Now public"})
    assert response.status_code == 303
    response = owner_client.post(url, {"name": "Renamed", "is_public": "on"})
    collection.refresh_from_db()
    assert (collection.name, collection.description, collection.is_public) == (
        "Renamed",
        "",
        True,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Give the collection a name."),
        ({"name": "n" * 121}, "within 120 characters"),
        ({"name": "Taken"}, "You already have a collection named “Taken”."),
        ({"name": "New name", "description": "d" * 2001}, "within 2000 characters"),
    ],
)
def test_edit_refuses_bad_input_and_changes_nothing(owner_client, curator, data, message):
    _collection(curator, name="Taken")
    collection = _collection(curator)
    response = owner_client.post(reverse("collections:edit", args=[collection.pk]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    collection.refresh_from_db()
    assert (collection.name, collection.description) == ("Reading list", "")
    # The page heading shows the stored name, not the refused one.
    assert "New name</a>" not in html


@pytest.mark.django_db
def test_delete_confirms_then_deletes_and_recounts(owner_client, curator):
    collection = _collection(curator, papers=2)
    url = reverse("collections:delete", args=[collection.pk])
    page = owner_client.get(url)
    assert page.status_code == 200 and "2 saved papers" in page.content.decode()
    response = owner_client.post(url)
    assert response.status_code == 303
    assert response["Location"] == reverse("collections:list")
    assert not Collection.objects.filter(pk=collection.pk).exists()
    assert list(Paper.objects.values_list("save_count", flat=True)) == [0, 0]


# --- Who sees what --------------------------------------------------------------------------


def _read_urls(pk: int) -> list[str]:
    return [
        reverse("collections:detail", args=[pk]),
        *(reverse("collections:export", args=[pk, fmt]) for fmt in ("bib", "ris", "json")),
    ]


def _feed_urls(pk: int) -> list[str]:
    return [reverse("collections:feed-atom", args=[pk]), reverse("collections:feed-rss", args=[pk])]


@pytest.mark.django_db
def test_private_collection_is_not_found_for_anyone_but_its_owner(
    client, owner_client, other_client, curator
):
    collection = _collection(curator, papers=1)
    anonymous = Client()
    for url in _read_urls(collection.pk):
        assert owner_client.get(url).status_code == 200, url
        assert anonymous.get(url).status_code == 404, url
        assert other_client.get(url).status_code == 404, url
    # Feed readers fetch anonymously: a private collection has no feed, even for its owner.
    for url in _feed_urls(collection.pk):
        for reader in (owner_client, anonymous, other_client):
            assert reader.get(url).status_code == 404, url


@pytest.mark.django_db
def test_public_collection_is_readable_by_everyone(owner_client, other_client, curator):
    collection = _collection(curator, papers=1, public=True)
    for url in _read_urls(collection.pk) + _feed_urls(collection.pk):
        for reader in (owner_client, Client(), other_client):
            assert reader.get(url).status_code == 200, url


@pytest.mark.django_db
def test_unknown_collection_and_format_are_not_found(owner_client, curator):
    collection = _collection(curator)
    assert (
        owner_client.get(reverse("collections:detail", args=[collection.pk + 99])).status_code
        == 404
    )
    assert owner_client.get(f"/collections/{collection.pk}/export.pdf").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("public", [False, True])
def test_others_cannot_edit_or_delete(other_client, curator, public):
    collection = _collection(curator, public=public)
    for name in ("edit", "delete"):
        url = reverse(f"collections:{name}", args=[collection.pk])
        assert other_client.get(url).status_code == 404
        assert other_client.post(url, {"name": "Hijacked"}).status_code == 404
    collection.refresh_from_db()
    assert collection.name == "Reading list"
    # Anonymous visitors are sent to log in instead.
    assert Client().get(reverse("collections:edit", args=[collection.pk])).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("public", [False, True])
def test_others_cannot_change_items(other_client, curator, public):
    collection = _collection(curator, papers=2, public=public)
    first, second = (item.paper for item in collection.items.order_by("position"))
    paper_save(user=curator, paper=first, collection=collection, note="mine")
    before = _order(collection)
    posts = [
        (_item_url(collection, first, "note"), {"note": "defaced"}),
        (_item_url(collection, second, "move"), {"direction": "up"}),
        (_item_url(collection, first, "remove"), {}),
    ]
    for url, data in posts:
        assert other_client.post(url, data).status_code == 404, url
        assert Client().post(url, data).status_code == 302, url  # to log in
    assert _order(collection) == before
    assert CollectionItem.objects.get(collection=collection, paper=first).note == "mine"
    assert Paper.objects.get(pk=first.pk).save_count == 1


# --- The collection page --------------------------------------------------------------------


@pytest.mark.django_db
def test_page_shows_papers_in_order_with_lead_authors(client, curator):
    collection = _collection(curator, papers=2, public=True, authors=5)
    single = make_paper(authors=["Solo Author"], title="Alone")
    paper_save(user=curator, paper=single, collection=collection, note="Read first")
    html = client.get(collection.get_absolute_url()).content.decode()
    titles = [item.paper for item in collection.items.order_by("position")]
    positions = [html.index(paper.get_absolute_url()) for paper in titles]
    assert positions == sorted(positions)
    assert 'Author 1, Author 2, Author 3&nbsp;<span class="muted">et&nbsp;al.</span>' in html
    assert "Author 4" not in html
    assert "Solo Author</p>" in html
    assert "Read first" in html
    assert "2024" in html and f"arXiv:{single.arxiv_id}" in html
    assert 'type="application/atom+xml"' in html and 'type="application/rss+xml"' in html
    # Anonymous readers get no owner controls.
    assert "Save note" not in html and "Edit collection" not in html


@pytest.mark.django_db
def test_private_page_has_no_feed_links(owner_client, curator):
    html = owner_client.get(_collection(curator, papers=1).get_absolute_url()).content.decode()
    assert "application/atom+xml" not in html and "feed.rss" not in html
    assert "export.bib" in html and "Save note" in html and "Edit collection" in html


@pytest.mark.django_db
def test_user_text_is_escaped(owner_client, client, curator):
    collection = _collection(curator, papers=1, name=f"Mine {SCRIPT}", public=True)
    collection.description = f"Line one\n{SCRIPT}"
    collection.save()
    paper = collection.items.get().paper
    assert (
        owner_client.post(_item_url(collection, paper, "note"), {"note": SCRIPT}).status_code == 303
    )
    for reader in (owner_client, client):
        for url in (collection.get_absolute_url(), reverse("collections:list")):
            html = reader.get(url).content.decode()
            assert SCRIPT not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True])
def test_page_queries_do_not_grow_with_papers(client, curator, signed_in):
    counts = []
    for n, name in ((3, "Small"), (ITEMS_PAGE_SIZE, "Large")):
        collection = _collection(curator, papers=n, name=name, public=True, authors=4)
        if signed_in:
            client.force_login(curator)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(collection.get_absolute_url())
        assert response.status_code == 200
        assert response.content.decode().count('class="collection-item"') == n
        counts.append(len(queries))
    assert counts[0] == counts[1]
    # The collection, its size, a page of papers, their authors; signed in, also the user and
    # the unread notifications in the navigation (the session is read from the cache).
    assert counts[0] <= (6 if signed_in else 4)


@pytest.mark.django_db
def test_a_long_collection_is_listed_a_page_at_a_time(owner_client, curator):
    size = ITEMS_PAGE_SIZE
    collection = _collection(curator, papers=4 * size + 20)
    order = _order(collection)
    html = owner_client.get(collection.get_absolute_url()).content.decode()
    assert html.count('class="collection-item"') == size and f"{4 * size + 20} papers" in html
    assert "Page 1 of 5" in html and 'rel="next"' in html
    html = owner_client.get(collection.get_absolute_url(), {"page": 5}).content.decode()
    assert html.count('class="collection-item"') == 20 and order[-1] in html
    # On page 2 the first paper can still move up (onto page 1), and a change made there
    # shows page 2 again.
    html = owner_client.get(collection.get_absolute_url(), {"page": 2}).content.decode()
    first = html.index(order[size])
    assert 'value="up" disabled' not in html[first : html.index(order[size + 1])]
    paper = collection.items.get(paper__arxiv_id=order[size]).paper
    url = _item_url(collection, paper, "move")
    response = owner_client.post(
        url, {"direction": "up", "page": "2"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "Page 2 of 5" in response.content.decode()
    assert _order(collection)[size - 1] == order[size]
    response = owner_client.post(_item_url(collection, paper, "remove"), {"page": "2"})
    assert response.status_code == 303 and response["Location"].endswith("?page=2")


# --- Notes, order, removal ------------------------------------------------------------------


@pytest.mark.django_db
def test_note_is_saved_and_too_long_a_note_is_refused_keeping_the_text(owner_client, curator):
    collection = _collection(curator, papers=1)
    paper = collection.items.get().paper
    url = _item_url(collection, paper, "note")
    response = owner_client.post(url, {"note": "  Worth a read.  "})
    assert response.status_code == 303
    assert response["Location"] == collection.get_absolute_url()
    assert collection.items.get().note == "Worth a read."

    draft = "x" * 1990 + " draft-tail-words"
    response = owner_client.post(url, {"note": draft})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Keep this within 2000 characters (it has 2007)." in html
    assert draft in html  # the text sent is shown again, in its form
    assert collection.items.get().note == "Worth a read."


@pytest.mark.django_db
def test_htmx_note_returns_the_list_alone(owner_client, curator):
    collection = _collection(curator, papers=1)
    paper = collection.items.get().paper
    url = _item_url(collection, paper, "note")
    response = owner_client.post(url, {"note": "Short"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="collection-items"')
    assert "site-header" not in html and "Short" in html
    response = owner_client.post(url, {"note": "n" * 2001}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert "within 2000 characters" in response.content.decode()


@pytest.mark.django_db
def test_move_up_and_down(owner_client, curator):
    collection = _collection(curator, papers=3)
    a, b, c = _order(collection)
    paper_c = Paper.objects.get(arxiv_id=c)
    paper_a = Paper.objects.get(arxiv_id=a)
    response = owner_client.post(_item_url(collection, paper_c, "move"), {"direction": "up"})
    assert response.status_code == 303
    assert _order(collection) == [a, c, b]
    owner_client.post(_item_url(collection, paper_a, "move"), {"direction": "down"})
    assert _order(collection) == [c, a, b]
    # At the ends a move changes nothing.
    owner_client.post(
        _item_url(collection, Paper.objects.get(arxiv_id=c), "move"), {"direction": "up"}
    )
    assert _order(collection) == [c, a, b]
    bad = owner_client.post(_item_url(collection, paper_a, "move"), {"direction": "sideways"})
    assert bad.status_code == 400
    assert "“up” or “down”" in bad.content.decode()
    assert _order(collection) == [c, a, b]


@pytest.mark.django_db
def test_htmx_move_returns_the_list_in_the_new_order(owner_client, curator):
    collection = _collection(curator, papers=2)
    first, second = _order(collection)
    paper = Paper.objects.get(arxiv_id=second)
    response = owner_client.post(
        _item_url(collection, paper, "move"), {"direction": "up"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(f"arXiv:{second}") < html.index(f"arXiv:{first}")


@pytest.mark.django_db
def test_remove_takes_the_paper_out_and_updates_the_save_count(owner_client, curator):
    collection = _collection(curator, papers=2)
    paper = collection.items.order_by("position").first().paper
    assert Paper.objects.get(pk=paper.pk).save_count == 1
    response = owner_client.post(_item_url(collection, paper, "remove"))
    assert response.status_code == 303
    assert not collection.items.filter(paper=paper).exists()
    assert Paper.objects.get(pk=paper.pk).save_count == 0
    # Removing it again: it is not in the collection any more.
    assert owner_client.post(_item_url(collection, paper, "remove")).status_code == 404


@pytest.mark.django_db
def test_item_changes_need_post(owner_client, curator):
    collection = _collection(curator, papers=1)
    paper = collection.items.get().paper
    for action in ("note", "move", "remove"):
        assert owner_client.get(_item_url(collection, paper, action)).status_code == 405


# --- Lists ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_shows_own_and_public_collections(owner_client, other_client, curator, other_curator):
    other_curator.display_name = "Dr <b>Other</b>"
    other_curator.save()
    _collection(curator, papers=2, name="My private")
    _collection(other_curator, name="Their public", public=True)
    _collection(other_curator, name="Their secret")

    html = owner_client.get(reverse("collections:list")).content.decode()
    assert "Your collections" in html and "New collection" in html
    assert "My private" in html and "2 papers" in html and "private</span>" in html
    assert "Their public" in html and "Their secret" not in html
    assert (
        f'href="{reverse("accounts:profile", args=["other"])}">Dr &lt;b&gt;Other&lt;/b&gt;</a>'
        in html
    )

    anonymous = Client().get(reverse("collections:list")).content.decode()
    assert "Your collections" not in anonymous
    assert "Their public" in anonymous and "My private" not in anonymous


@pytest.mark.django_db
def test_public_list_is_paginated_newest_updated_first(client, curator, settings):
    for i in range(22):
        _collection(curator, name=f"Public {i:02d}", public=True)
    first = client.get(reverse("collections:list")).content.decode()
    assert "Public 21" in first and "Public 02" in first and "Public 01" not in first
    assert first.index("Public 21") < first.index("Public 20")
    second = client.get(reverse("collections:list") + "?page=2").content.decode()
    assert "Public 01" in second and "Public 00" in second and "Public 21" not in second


# --- CSRF and rate limits -------------------------------------------------------------------


@pytest.mark.django_db
def test_csrf_is_enforced(curator):
    collection = _collection(curator, papers=1)
    paper = collection.items.get().paper
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(curator)
    assert strict.post(reverse("collections:create"), {"name": "New"}).status_code == 403
    assert strict.post(_item_url(collection, paper, "remove")).status_code == 403
    assert strict.post(reverse("collections:delete", args=[collection.pk])).status_code == 403
    assert Collection.objects.filter(owner=curator).count() == 1
    assert collection.items.exists()


@pytest.mark.django_db
def test_writes_are_rate_limited_per_user(owner_client, other_client, curator, settings):
    settings.WRITE_RATE_LIMIT = "2/m"
    codes = [
        owner_client.post(reverse("collections:create"), {"name": f"C{i}"}).status_code
        for i in range(3)
    ]
    assert codes == [303, 303, 429]
    assert Collection.objects.filter(owner=curator).count() == 2
    # Reading is not limited, and the limit is per user.
    assert owner_client.get(reverse("collections:list")).status_code == 200
    assert other_client.post(reverse("collections:create"), {"name": "Theirs"}).status_code == 303
