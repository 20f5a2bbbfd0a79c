"""Saving papers: the default collection, notes, exact save counts, ownership, concurrency,
and the cached anonymous paper page following every change."""

import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from papers.catalogue.counts import paper_counts_refresh
from papers.catalogue.page_cache import _token_key
from papers.curation.collections import collection_create, collection_delete, default_collection
from papers.curation.saves import (
    SaveState,
    paper_save,
    paper_unsave,
    save_state,
    save_toggle,
)
from papers.curation.votes import vote_toggle
from papers.models import Collection, CollectionItem, Paper, Vote
from tests.support.concurrency import run_at_once
from tests.support.factories import make_paper

THREADS = 50


def _save_count(paper: Paper) -> int:
    paper.refresh_from_db(fields=["save_count"])
    return paper.save_count


def _distinct_savers(paper: Paper) -> int:
    return CollectionItem.objects.filter(paper=paper).values("collection__owner").distinct().count()


def _users(django_user_model, count: int) -> list:
    return [
        django_user_model.objects.create_user(f"reader{i}", password="x" * 12) for i in range(count)
    ]


# --- The default collection ---------------------------------------------------------------------


@pytest.mark.django_db
def test_first_save_creates_the_default_collection_once(curator):
    first, second = make_paper(), make_paper()
    state = paper_save(user=curator, paper=first)
    default = Collection.objects.get(owner=curator)
    assert (default.name, default.is_default, default.is_public) == ("Saved", True, False)
    assert state == SaveState(in_default=True, collection_ids=(default.pk,), saves=1)

    paper_save(user=curator, paper=second)
    assert Collection.objects.filter(owner=curator).count() == 1
    assert list(default.items.values_list("paper_id", flat=True)) == [first.pk, second.pk]
    assert default_collection(curator).pk == default.pk


@pytest.mark.django_db
def test_saving_twice_changes_nothing(curator):
    paper = make_paper()
    first = paper_save(user=curator, paper=paper, note="Read the proofs")
    item = CollectionItem.objects.get(paper=paper)
    again = paper_save(user=curator, paper=paper)
    assert again == first
    assert list(CollectionItem.objects.filter(paper=paper).values("pk", "note", "position")) == [
        {"pk": item.pk, "note": "Read the proofs", "position": item.position}
    ]
    assert _save_count(paper) == 1


@pytest.mark.django_db
def test_save_with_a_note_sets_and_updates_it(curator):
    paper = make_paper()
    paper_save(user=curator, paper=paper, note="  First thoughts\r\non it  ")
    item = CollectionItem.objects.get(paper=paper)
    assert item.note == "First thoughts\non it"

    paper_save(user=curator, paper=paper, note="Second thoughts")
    item.refresh_from_db()
    assert item.note == "Second thoughts"
    # No note given: the note stays; an empty one clears it.
    paper_save(user=curator, paper=paper)
    item.refresh_from_db()
    assert item.note == "Second thoughts"
    paper_save(user=curator, paper=paper, note="")
    item.refresh_from_db()
    assert item.note == ""
    assert CollectionItem.objects.filter(paper=paper).count() == 1


@pytest.mark.django_db
def test_a_note_over_the_limit_saves_nothing(curator):
    paper = make_paper()
    with pytest.raises(ValidationError) as raised:
        paper_save(user=curator, paper=paper, note="n" * (CollectionItem.NOTE_MAX + 1))
    assert "note" in raised.value.message_dict
    assert not CollectionItem.objects.exists()
    assert _save_count(paper) == 0
    paper_save(user=curator, paper=paper, note="n" * CollectionItem.NOTE_MAX)
    assert len(CollectionItem.objects.get(paper=paper).note) == CollectionItem.NOTE_MAX


# --- Exact save counts --------------------------------------------------------------------------


@pytest.mark.django_db
def test_two_collections_of_one_user_count_once_and_two_users_count_two(curator, other_curator):
    paper = make_paper()
    reading = collection_create(owner=curator, name="Reading")
    paper_save(user=curator, paper=paper)
    state = paper_save(user=curator, paper=paper, collection=reading)
    default = default_collection(curator)
    assert state == SaveState(
        in_default=True, collection_ids=tuple(sorted([default.pk, reading.pk])), saves=1
    )
    assert _save_count(paper) == 1

    state = paper_save(user=other_curator, paper=paper)
    assert state.saves == 2 and state.in_default
    assert len(state.collection_ids) == 1
    assert _save_count(paper) == _distinct_savers(paper) == 2


@pytest.mark.django_db
def test_unsave_from_default_and_from_a_named_collection(curator):
    paper = make_paper()
    reading = collection_create(owner=curator, name="Reading")
    paper_save(user=curator, paper=paper)
    paper_save(user=curator, paper=paper, collection=reading)

    state = paper_unsave(user=curator, paper=paper)
    assert state == SaveState(in_default=False, collection_ids=(reading.pk,), saves=1)
    assert state.saved
    assert _save_count(paper) == 1

    state = paper_unsave(user=curator, paper=paper, collection=reading)
    assert state == SaveState(in_default=False, collection_ids=(), saves=0)
    assert not state.saved
    assert not CollectionItem.objects.exists()
    assert _save_count(paper) == 0


@pytest.mark.django_db
def test_unsave_of_what_is_not_saved_is_a_no_op(curator, other_curator):
    paper = make_paper()
    paper_save(user=other_curator, paper=paper)
    # No default collection yet: none is created just to remove nothing from it.
    state = paper_unsave(user=curator, paper=paper)
    assert state == SaveState(in_default=False, collection_ids=(), saves=1)
    assert not Collection.objects.filter(owner=curator).exists()

    reading = collection_create(owner=curator, name="Reading")
    touched = reading.modified_at
    assert paper_unsave(user=curator, paper=paper, collection=reading).saves == 1
    reading.refresh_from_db()
    assert reading.modified_at == touched
    assert _save_count(paper) == 1


@pytest.mark.django_db
def test_save_toggle_on_and_off(curator):
    paper = make_paper()
    on = save_toggle(user=curator, paper=paper)
    default = default_collection(curator)
    assert on == SaveState(in_default=True, collection_ids=(default.pk,), saves=1)
    off = save_toggle(user=curator, paper=paper)
    assert off == SaveState(in_default=False, collection_ids=(), saves=0)
    assert save_toggle(user=curator, paper=paper).saved
    assert _save_count(paper) == 1
    assert Collection.objects.filter(owner=curator).count() == 1


@pytest.mark.django_db
def test_save_toggle_leaves_the_named_collections_alone(curator):
    paper = make_paper()
    reading = collection_create(owner=curator, name="Reading")
    paper_save(user=curator, paper=paper, collection=reading)
    state = save_toggle(user=curator, paper=paper)
    assert state.in_default and len(state.collection_ids) == 2 and state.saves == 1
    state = save_toggle(user=curator, paper=paper)
    assert state == SaveState(in_default=False, collection_ids=(reading.pk,), saves=1)


@pytest.mark.django_db
def test_save_state_reports_without_changing(curator):
    paper = make_paper()
    assert save_state(user=curator, paper=paper) == SaveState(False, (), 0)
    assert not Collection.objects.exists()
    paper_save(user=curator, paper=paper)
    state = save_state(user=curator, paper=paper)
    assert (state.in_default, state.saved, state.saves) == (True, True, 1)
    with pytest.raises(AttributeError):
        state.saves = 5  # frozen: a state is a snapshot, not something to edit


@pytest.mark.django_db
def test_another_users_collection_is_refused_and_nothing_changes(curator, other_curator):
    paper = make_paper()
    theirs = collection_create(owner=other_curator, name="Theirs")
    touched = theirs.modified_at
    with pytest.raises(PermissionError):
        paper_save(user=curator, paper=paper, collection=theirs)
    assert not CollectionItem.objects.exists()
    assert not Collection.objects.filter(owner=curator).exists()
    theirs.refresh_from_db()
    assert theirs.modified_at == touched
    assert _save_count(paper) == 0

    paper_save(user=other_curator, paper=paper, collection=theirs)
    with pytest.raises(PermissionError):
        paper_unsave(user=curator, paper=paper, collection=theirs)
    assert CollectionItem.objects.filter(collection=theirs, paper=paper).exists()
    assert _save_count(paper) == 1


@pytest.mark.django_db
def test_collection_delete_recounts_its_papers(curator, other_curator):
    kept, only_here = make_paper(), make_paper()
    reading = collection_create(owner=curator, name="Reading")
    paper_save(user=curator, paper=kept)
    paper_save(user=curator, paper=kept, collection=reading)
    paper_save(user=curator, paper=only_here, collection=reading)
    paper_save(user=other_curator, paper=kept)
    assert (_save_count(kept), _save_count(only_here)) == (2, 1)

    collection_delete(collection=reading)
    # The curator still holds ``kept`` in their default collection.
    assert (_save_count(kept), _save_count(only_here)) == (2, 0)
    collection_delete(collection=default_collection(curator))
    assert _save_count(kept) == _distinct_savers(kept) == 1


@pytest.mark.django_db
def test_counts_refresh_agrees_after_a_mix_of_operations(curator, other_curator):
    papers = [make_paper() for _ in range(3)]
    a, b, c = papers
    reading = collection_create(owner=curator, name="Reading")
    paper_save(user=curator, paper=a)
    paper_save(user=curator, paper=a, collection=reading, note="twice")
    paper_save(user=curator, paper=b, collection=reading)
    save_toggle(user=other_curator, paper=a)
    save_toggle(user=other_curator, paper=b)
    save_toggle(user=other_curator, paper=b)
    paper_save(user=other_curator, paper=c)
    paper_unsave(user=curator, paper=a)
    paper_unsave(user=curator, paper=c)
    vote_toggle(user=curator, paper=c, value=Vote.Value.LIKE)
    collection_delete(collection=reading)
    paper_save(user=curator, paper=b)

    assert [_save_count(p) for p in papers] == [1, 1, 1]
    assert [_save_count(p) for p in papers] == [_distinct_savers(p) for p in papers]
    assert paper_counts_refresh(paper_ids=[p.pk for p in papers]) == 0
    # It does notice drift, so the 0 above is a real agreement.
    Paper.objects.filter(pk=b.pk).update(save_count=7)
    assert paper_counts_refresh(paper_ids=[p.pk for p in papers]) == 1
    assert _save_count(b) == 1


# --- Concurrency (real PostgreSQL row locks) ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("toggles", [THREADS, THREADS - 1])
def test_one_user_toggling_from_many_threads_ends_by_parity(curator, toggles):
    paper = make_paper()
    results, errors = run_at_once([lambda: save_toggle(user=curator, paper=paper)] * toggles)
    assert errors == []
    assert len(results) == toggles
    expect_saved = toggles % 2 == 1
    assert CollectionItem.objects.filter(paper=paper).count() == int(expect_saved)
    assert save_state(user=curator, paper=paper).saved is expect_saved
    assert _save_count(paper) == _distinct_savers(paper) == int(expect_saved)
    # Each toggle saw the state the previous one left: as many "on" as "off", give or take one.
    on = sum(state.in_default for state in results)
    assert on == toggles - on + int(expect_saved)
    assert Collection.objects.filter(owner=curator).count() == 1


@pytest.mark.django_db(transaction=True)
def test_many_users_saving_one_paper_at_once_all_count(django_user_model):
    paper = make_paper()
    users = _users(django_user_model, THREADS)
    results, errors = run_at_once([lambda u=u: paper_save(user=u, paper=paper) for u in users])
    assert errors == []
    assert all(state.in_default for state in results)
    assert sorted(state.saves for state in results) == list(range(1, THREADS + 1))
    assert CollectionItem.objects.filter(paper=paper).count() == THREADS
    assert _save_count(paper) == THREADS
    assert paper_counts_refresh(paper_ids=[paper.pk]) == 0


@pytest.mark.django_db(transaction=True)
def test_deleting_collections_while_others_save_keeps_the_count_exact(django_user_model):
    paper = make_paper()
    users = _users(django_user_model, THREADS)
    leaving, arriving = users[: THREADS // 2], users[THREADS // 2 :]
    shelves = [collection_create(owner=user, name="Shelf") for user in leaving]
    for user, shelf in zip(leaving, shelves, strict=True):
        paper_save(user=user, paper=paper, collection=shelf)
    _, errors = run_at_once(
        [lambda c=c: collection_delete(collection=c) for c in shelves]
        + [lambda u=u: paper_save(user=u, paper=paper) for u in arriving]
    )
    assert errors == []
    assert _save_count(paper) == _distinct_savers(paper) == len(arriving)


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_uses_make_one_default_collection(curator):
    results, errors = run_at_once([lambda: default_collection(curator)] * THREADS)
    assert errors == []
    default = Collection.objects.get(owner=curator)
    assert default.is_default and default.name == "Saved"
    assert {collection.pk for collection in results} == {default.pk}


# --- The cached anonymous paper page ------------------------------------------------------------

_SAVES = re.compile(r'<span class="count__value">(\d+)</span> <span class="count__label">saves?<')


def _page_saves(client, paper: Paper) -> tuple[int, int]:
    """The save count the anonymous page shows, and how many queries it took to serve it."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(paper.get_absolute_url())
    assert response.status_code == 200
    found = _SAVES.findall(response.content.decode())
    assert len(found) == 1, "the counts block shows the save count once"
    return int(found[0]), len(queries)


@pytest.mark.django_db(transaction=True)
def test_anonymous_page_follows_saves_and_unsaves(client, curator, other_curator):
    paper = make_paper()
    assert _page_saves(client, paper)[0] == 0
    assert _page_saves(client, paper) == (0, 0)  # served from the cache

    paper_save(user=curator, paper=paper)
    count, queries = _page_saves(client, paper)
    assert count == 1 and queries > 0
    assert _page_saves(client, paper) == (1, 0)

    save_toggle(user=other_curator, paper=paper)
    assert _page_saves(client, paper)[0] == 2
    paper_unsave(user=curator, paper=paper)
    assert _page_saves(client, paper)[0] == 1
    save_toggle(user=other_curator, paper=paper)
    assert _page_saves(client, paper)[0] == 0


@pytest.mark.django_db(transaction=True)
def test_anonymous_page_follows_a_deleted_collection(client, curator):
    paper = make_paper()
    reading = collection_create(owner=curator, name="Reading")
    paper_save(user=curator, paper=paper, collection=reading)
    assert _page_saves(client, paper)[0] == 1
    collection_delete(collection=reading)
    assert _page_saves(client, paper)[0] == 0


@pytest.mark.django_db(transaction=True)
def test_changes_that_do_not_count_keep_the_cached_page(client, curator):
    paper = make_paper()
    paper_save(user=curator, paper=paper, note="first")
    _page_saves(client, paper)
    token = cache.get(_token_key(paper.arxiv_id))
    paper_save(user=curator, paper=paper)  # already saved: nothing changed
    paper_unsave(user=curator, paper=make_paper())  # not saved: nothing changed
    assert cache.get(_token_key(paper.arxiv_id)) == token
    assert _page_saves(client, paper) == (1, 0)
