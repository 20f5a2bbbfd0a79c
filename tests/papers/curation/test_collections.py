"""Collection rules: names, limits, uniqueness, visibility, ownership, notes and order."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from papers.catalogue.page_cache import _token_key
from papers.curation.collections import (
    CollectionNotFound,
    collection_create,
    collection_for_owner,
    collection_for_viewer,
    collection_name_clean,
    collection_reorder,
    collection_update,
    collections_visible,
    default_collection,
    item_move,
    item_note_set,
)
from papers.curation.saves import paper_save, save_toggle
from papers.models import Collection, CollectionItem, Paper
from tests.support.concurrency import run_at_once
from tests.support.factories import make_paper

NAME_MAX = Collection.NAME_MAX
TEXT_MAX = Collection.DESCRIPTION_MAX


def _errors(raised: pytest.ExceptionInfo) -> dict[str, list[str]]:
    return raised.value.message_dict


def _order(collection: Collection) -> list[str]:
    return list(
        collection.items.order_by("position", "added_at").values_list("paper__arxiv_id", flat=True)
    )


# --- Names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Reading   list ", "Reading list"),
        ("Reading\tlist\n\nfor\r\nlater", "Reading list for later"),
        ("Null\x00byte", "Nullbyte"),
        ("Bidi\u202eoverride\u200b", "Bidioverride"),
        ("Bell\x07 and\x1b escape", "Bell and escape"),
        ("Ünïcödé — fine", "Ünïcödé — fine"),
    ],
)
def test_names_are_cleaned_to_one_line(raw, clean):
    assert collection_name_clean(raw) == clean


@pytest.mark.parametrize("raw", ["", "   ", "\n\t", "\x00\x07\u202e", None])
def test_empty_names_are_refused(raw):
    with pytest.raises(ValidationError) as raised:
        collection_name_clean(raw)
    assert list(_errors(raised)) == ["name"]


def test_name_length_limit_counts_the_cleaned_name():
    assert collection_name_clean("n" * NAME_MAX) == "n" * NAME_MAX
    assert collection_name_clean(f"  {'n' * NAME_MAX}\n") == "n" * NAME_MAX
    with pytest.raises(ValidationError) as raised:
        collection_name_clean("n" * (NAME_MAX + 1))
    assert "121" in _errors(raised)["name"][0]


@pytest.mark.django_db
def test_create_stores_the_cleaned_name_and_refuses_bad_ones(curator):
    created = collection_create(owner=curator, name="  To\x00  read ", description=" Later. ")
    created.refresh_from_db()
    assert (created.name, created.description, created.is_public) == ("To read", "Later.", False)
    assert collection_create(owner=curator, name="n" * NAME_MAX).name == "n" * NAME_MAX
    for bad in ("", "n" * (NAME_MAX + 1)):
        with pytest.raises(ValidationError) as raised:
            collection_create(owner=curator, name=bad)
        assert "name" in _errors(raised)
    assert Collection.objects.count() == 2


# --- Description and note limits ------------------------------------------------------------------


@pytest.mark.django_db
def test_description_limit(curator):
    kept = collection_create(owner=curator, name="Full", description="d" * TEXT_MAX)
    assert len(kept.description) == TEXT_MAX
    with pytest.raises(ValidationError) as raised:
        collection_create(owner=curator, name="Too long", description="d" * (TEXT_MAX + 1))
    assert list(_errors(raised)) == ["description"]
    assert not Collection.objects.filter(name="Too long").exists()
    with pytest.raises(ValidationError):
        collection_update(collection=kept, description="d" * (TEXT_MAX + 1))
    kept.refresh_from_db()
    assert len(kept.description) == TEXT_MAX


@pytest.mark.django_db
def test_text_is_trimmed_and_stripped_of_nul(curator):
    collection = collection_create(owner=curator, name="Text", description="\x00  Why.\r\n  ")
    assert collection.description == "Why."


@pytest.mark.django_db
def test_item_note_set_cleans_limits_and_needs_the_paper(curator):
    paper = make_paper()
    collection = collection_create(owner=curator, name="Notes")
    paper_save(user=curator, paper=paper, collection=collection)

    item = item_note_set(collection=collection, paper=paper, note="  Check\r\nfig. 2 \x00")
    assert item.note == "Check\nfig. 2"
    item = item_note_set(collection=collection, paper=paper, note="n" * CollectionItem.NOTE_MAX)
    assert len(item.note) == CollectionItem.NOTE_MAX
    with pytest.raises(ValidationError) as raised:
        item_note_set(collection=collection, paper=paper, note="n" * (CollectionItem.NOTE_MAX + 1))
    assert list(_errors(raised)) == ["note"]
    assert len(CollectionItem.objects.get(paper=paper).note) == CollectionItem.NOTE_MAX

    with pytest.raises(CollectionNotFound):
        item_note_set(collection=collection, paper=make_paper(), note="not saved here")


# --- Uniqueness and updates -----------------------------------------------------------------------


@pytest.mark.django_db
def test_names_are_unique_per_owner_only(curator, other_curator):
    collection_create(owner=curator, name="Reading list")
    with pytest.raises(ValidationError) as raised:
        collection_create(owner=curator, name="  Reading \n list")
    assert "Reading list" in _errors(raised)["name"][0]
    assert collection_create(owner=other_curator, name="Reading list").owner == other_curator
    assert Collection.objects.filter(name="Reading list").count() == 2


@pytest.mark.django_db
def test_rename_to_an_existing_name_fails_and_changes_nothing(curator):
    collection_create(owner=curator, name="Taken")
    mine = collection_create(owner=curator, name="Mine", description="Kept")
    with pytest.raises(ValidationError) as raised:
        collection_update(collection=mine, name=" Taken ", description="Lost", is_public=True)
    assert "“Taken”" in _errors(raised)["name"][0]
    # Neither the object the caller holds nor the row took any of the changes.
    assert (mine.name, mine.description, mine.is_public) == ("Mine", "Kept", False)
    mine.refresh_from_db()
    assert (mine.name, mine.description, mine.is_public) == ("Mine", "Kept", False)


@pytest.mark.django_db
def test_a_bad_field_leaves_the_object_unchanged(curator):
    mine = collection_create(owner=curator, name="Mine")
    with pytest.raises(ValidationError):
        collection_update(collection=mine, name="Renamed", description="d" * (TEXT_MAX + 1))
    assert mine.name == "Mine"
    with pytest.raises(ValidationError):
        collection_update(collection=mine, name="", description="fine")
    assert (mine.name, mine.description) == ("Mine", "")


@pytest.mark.django_db
def test_update_renames_and_switches_public_and_private(curator):
    mine = collection_create(owner=curator, name="Mine")
    collection_update(collection=mine, name="Ours", is_public=True)
    mine.refresh_from_db()
    assert (mine.name, mine.is_public) == ("Ours", True)
    # Only what is given changes.
    collection_update(collection=mine, is_public=False)
    mine.refresh_from_db()
    assert (mine.name, mine.is_public, mine.description) == ("Ours", False, "")
    # Renaming to its own name is no conflict.
    assert collection_update(collection=mine, name="Ours").name == "Ours"


# --- Visibility and ownership ---------------------------------------------------------------------


@pytest.fixture
def shelves(curator, other_curator):
    return {
        "mine_private": collection_create(owner=curator, name="Mine private"),
        "mine_public": collection_create(owner=curator, name="Mine public", is_public=True),
        "theirs_private": collection_create(owner=other_curator, name="Theirs private"),
        "theirs_public": collection_create(
            owner=other_curator, name="Theirs public", is_public=True
        ),
    }


@pytest.mark.django_db
def test_collections_visible(shelves, curator):
    def names(viewer):
        return set(collections_visible(viewer).values_list("name", flat=True))

    public = {"Mine public", "Theirs public"}
    assert names(None) == names(AnonymousUser()) == public
    assert names(curator) == public | {"Mine private"}


@pytest.mark.django_db
def test_collection_for_viewer_hides_private_collections_of_others(shelves, curator, other_curator):
    private, public = shelves["mine_private"], shelves["mine_public"]
    assert collection_for_viewer(curator, private.pk) == private
    for viewer in (None, AnonymousUser(), other_curator):
        assert collection_for_viewer(viewer, public.pk) == public
        with pytest.raises(CollectionNotFound):
            collection_for_viewer(viewer, private.pk)
    with pytest.raises(CollectionNotFound):
        collection_for_viewer(curator, 10**9)


@pytest.mark.django_db
def test_collection_for_owner_refuses_everyone_else(shelves, curator, other_curator):
    for collection in (shelves["mine_private"], shelves["mine_public"]):
        assert collection_for_owner(curator, collection.pk) == collection
        for viewer in (other_curator, AnonymousUser(), None):
            with pytest.raises(CollectionNotFound):
                collection_for_owner(viewer, collection.pk)


# --- Order ----------------------------------------------------------------------------------------


@pytest.fixture
def shelf(curator):
    collection = collection_create(owner=curator, name="Ordered")
    papers = [make_paper() for _ in range(4)]
    for paper in papers:
        paper_save(user=curator, paper=paper, collection=collection)
    return collection, papers


@pytest.mark.django_db
def test_papers_keep_the_order_they_were_saved_in(shelf):
    collection, papers = shelf
    assert _order(collection) == [p.arxiv_id for p in papers]
    assert list(collection.items.values_list("position", flat=True)) == [0, 1, 2, 3]


@pytest.mark.django_db
def test_reorder_takes_a_permutation(shelf):
    collection, papers = shelf
    wanted = [papers[i].arxiv_id for i in (2, 0, 3, 1)]
    collection_reorder(collection=collection, arxiv_ids=wanted)
    assert _order(collection) == wanted


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("pick", "problem"),
    [
        (lambda ids, other: ids[:3], "missing"),
        (lambda ids, other: [*ids, other], "not in the collection"),
        (lambda ids, other: [*ids[:3], other], "not in the collection"),
        (lambda ids, other: [*ids, ids[0]], "twice"),
        (lambda ids, other: [ids[0], ids[0], ids[1], ids[2]], "twice"),
        (lambda ids, other: [], "missing"),
    ],
)
def test_reorder_refuses_anything_but_a_permutation(shelf, pick, problem):
    collection, _ = shelf
    before = _order(collection)
    with pytest.raises(ValidationError) as raised:
        collection_reorder(collection=collection, arxiv_ids=pick(before, make_paper().arxiv_id))
    assert list(_errors(raised)) == ["papers"]
    assert problem in _errors(raised)["papers"][0]
    assert _order(collection) == before


@pytest.mark.django_db
def test_item_move_up_down_and_clamped_at_the_ends(shelf):
    collection, papers = shelf
    a, b, c, d = (p.arxiv_id for p in papers)
    item_move(collection=collection, paper=papers[2], offset=-1)
    assert _order(collection) == [a, c, b, d]
    item_move(collection=collection, paper=papers[2], offset=1)
    assert _order(collection) == [a, b, c, d]
    item_move(collection=collection, paper=papers[0], offset=-1)
    assert _order(collection) == [a, b, c, d]
    item_move(collection=collection, paper=papers[3], offset=1)
    assert _order(collection) == [a, b, c, d]
    item_move(collection=collection, paper=papers[0], offset=10)
    assert _order(collection) == [b, c, d, a]
    item_move(collection=collection, paper=papers[0], offset=-10)
    assert _order(collection) == [a, b, c, d]
    with pytest.raises(CollectionNotFound):
        item_move(collection=collection, paper=make_paper(), offset=1)


# --- The default collection -----------------------------------------------------------------------


@pytest.mark.django_db
def test_default_collection_adopts_an_existing_saved(curator, other_curator):
    mine = collection_create(owner=curator, name="Saved", description="My own", is_public=True)
    collection_create(owner=other_curator, name="Saved")
    default = default_collection(curator)
    assert default.pk == mine.pk and default.is_default
    assert (default.description, default.is_public) == ("My own", True)
    assert Collection.objects.filter(owner=curator).count() == 1
    # One-click saves go into it from now on; the other curator's one is untouched.
    paper = make_paper()
    assert save_toggle(user=curator, paper=paper).collection_ids == (mine.pk,)
    assert not Collection.objects.get(owner=other_curator).is_default


@pytest.mark.django_db
def test_default_collection_stays_put_after_a_rename(curator):
    default = default_collection(curator)
    collection_update(collection=default, name="Inbox")
    assert default_collection(curator).pk == default.pk
    assert Collection.objects.filter(owner=curator).count() == 1


# --- Concurrency ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_with_one_name_make_one(curator):
    jobs = 20

    def create():
        try:
            return collection_create(owner=curator, name="Race")
        except ValidationError as exc:
            return exc.message_dict

    results, other = run_at_once([create] * jobs)
    created = [r for r in results if isinstance(r, Collection)]
    refused = [r for r in results if isinstance(r, dict)]
    assert other == []
    assert len(created) == 1 and len(refused) == jobs - 1
    assert all(list(errors) == ["name"] for errors in refused)
    assert Collection.objects.get(owner=curator).pk == created[0].pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_each_take_effect(shelf):
    collection, papers = shelf
    moves = len(papers) - 1
    _, errors = run_at_once(
        [lambda: item_move(collection=collection, paper=papers[-1], offset=-1)] * moves
    )
    assert errors == []
    # Three moves up, one place each: the last paper is now the first, nothing was lost.
    assert _order(collection) == [p.arxiv_id for p in (papers[-1], *papers[:-1])]
    assert sorted(collection.items.values_list("position", flat=True)) == [0, 1, 2, 3]


# --- The cached anonymous paper page --------------------------------------------------------------


def _anonymous_page(client, paper: Paper) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(paper.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode(), len(queries)


@pytest.mark.django_db(transaction=True)
def test_making_a_collection_public_refreshes_the_page_of_its_papers(client, curator):
    paper = make_paper()
    reading = collection_create(owner=curator, name="Quietly curated")
    paper_save(user=curator, paper=paper, collection=reading)
    html, _ = _anonymous_page(client, paper)
    assert "Quietly curated" not in html
    assert _anonymous_page(client, paper)[1] == 0

    token = cache.get(_token_key(paper.arxiv_id))
    collection_update(collection=reading, is_public=True)
    assert cache.get(_token_key(paper.arxiv_id)) != token
    html, queries = _anonymous_page(client, paper)
    assert queries > 0
    assert "Quietly curated" in html

    token = cache.get(_token_key(paper.arxiv_id))
    collection_update(collection=reading, name="Openly curated")
    assert cache.get(_token_key(paper.arxiv_id)) != token
    html, _ = _anonymous_page(client, paper)
    assert "Openly curated" in html and "Quietly curated" not in html

    collection_update(collection=reading, is_public=False)
    assert "Openly curated" not in _anonymous_page(client, paper)[0]


@pytest.mark.django_db(transaction=True)
def test_private_edits_keep_the_cached_page(client, curator):
    paper = make_paper()
    reading = collection_create(owner=curator, name="Private")
    paper_save(user=curator, paper=paper, collection=reading)
    _anonymous_page(client, paper)
    token = cache.get(_token_key(paper.arxiv_id))
    collection_update(collection=reading, name="Still private", description="Nobody sees it")
    item_note_set(collection=reading, paper=paper, note="Mine alone")
    assert cache.get(_token_key(paper.arxiv_id)) == token
    assert _anonymous_page(client, paper)[1] == 0
