"""Scholarly reactions: the taxonomy, toggle rules, database constraints, exact tallies under
concurrency, and the cached anonymous paper page following every change."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from papers.catalogue.page_cache import _token_key
from papers.curation.reaction_kinds import REACTION_INFO, REACTION_KINDS, ReactionKind
from papers.curation.reactions import (
    ReactionTally,
    paper_reactions,
    reaction_add,
    reaction_kind_clean,
    reaction_remove,
    reaction_toggle,
)
from papers.models import Paper, Reaction
from tests.support.concurrency import run_at_once
from tests.support.factories import make_paper

THREADS = 50
CODES = [kind.code for kind in REACTION_KINDS]
KIND = "novel_method"


def _tally(paper: Paper, viewer=None) -> dict[str, tuple[int, bool]]:
    return {t.kind.code: (t.count, t.mine) for t in paper_reactions(paper=paper, viewer=viewer)}


# --- The taxonomy ---------------------------------------------------------------------------------


def test_codes_are_unique_and_fit_the_column():
    assert len(set(CODES)) == len(CODES) == len(REACTION_INFO)
    max_length = Reaction._meta.get_field("kind").max_length
    assert all(code.isidentifier() and code.islower() for code in CODES)
    assert all(len(code) <= max_length for code in CODES)


def test_every_kind_has_a_label_description_and_tone():
    labels = [kind.label for kind in REACTION_KINDS]
    assert len(set(labels)) == len(labels)
    for kind in REACTION_KINDS:
        assert kind.label.strip() and kind.description.strip()
        assert kind.tone in {"praise", "caution"}
        assert REACTION_INFO[kind.code] is kind


def test_choices_follow_the_taxonomy_in_order():
    assert ReactionKind.values == CODES
    assert ReactionKind.labels == [kind.label for kind in REACTION_KINDS]
    assert Reaction._meta.get_field("kind").choices == ReactionKind.choices


# --- Add, remove, toggle --------------------------------------------------------------------------


@pytest.mark.django_db
def test_add_and_remove_report_whether_anything_changed(curator):
    paper = make_paper()
    assert reaction_add(user=curator, paper=paper, kind=KIND) is True
    assert reaction_add(user=curator, paper=paper, kind=KIND) is False
    assert Reaction.objects.filter(paper=paper).count() == 1
    assert reaction_remove(user=curator, paper=paper, kind=KIND) is True
    assert reaction_remove(user=curator, paper=paper, kind=KIND) is False
    assert not Reaction.objects.exists()


@pytest.mark.django_db
def test_toggle_returns_whether_i_have_it_afterwards(curator, other_curator):
    paper = make_paper()
    reaction_add(user=other_curator, paper=paper, kind=KIND)
    assert reaction_toggle(user=curator, paper=paper, kind=KIND) is True
    assert reaction_toggle(user=curator, paper=paper, kind="overclaimed") is True
    assert _tally(paper, curator)[KIND] == (2, True)
    assert reaction_toggle(user=curator, paper=paper, kind=KIND) is False
    assert _tally(paper, curator)[KIND] == (1, False)
    assert _tally(paper, curator)["overclaimed"] == (1, True)
    # Kinds, curators and papers are independent of each other.
    assert _tally(make_paper(), curator)[KIND] == (0, False)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind", ["", "Novel_method", "novel method", "love", "x" * 200, None, 1, [KIND]]
)
def test_unknown_kinds_are_refused(curator, kind):
    paper = make_paper()
    for write in (reaction_add, reaction_remove, reaction_toggle):
        with pytest.raises(ValidationError) as raised:
            write(user=curator, paper=paper, kind=kind)
        assert list(raised.value.message_dict) == ["kind"]
        assert "novel_method" in raised.value.message_dict["kind"][0]
    assert not Reaction.objects.exists()


def test_kind_clean_keeps_known_codes():
    assert [reaction_kind_clean(code) for code in CODES] == CODES


@pytest.mark.django_db
def test_a_duplicate_inside_a_callers_transaction_leaves_it_usable(curator):
    paper = make_paper()
    with transaction.atomic():
        reaction_add(user=curator, paper=paper, kind=KIND)
        assert reaction_add(user=curator, paper=paper, kind=KIND) is False
        # The savepoint kept the outer transaction alive.
        assert reaction_add(user=curator, paper=paper, kind="reproducible") is True
    assert Reaction.objects.filter(paper=paper).count() == 2


# --- Database constraints -------------------------------------------------------------------------


@pytest.mark.django_db
def test_database_refuses_a_duplicate(curator):
    paper = make_paper()
    Reaction.objects.create(user=curator, paper=paper, kind=KIND)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reaction.objects.create(user=curator, paper=paper, kind=KIND)
    assert Reaction.objects.count() == 1


@pytest.mark.django_db
def test_database_refuses_an_unknown_kind(curator):
    paper = make_paper()
    with pytest.raises(IntegrityError, match="reaction_kind_known"), transaction.atomic():
        Reaction.objects.create(user=curator, paper=paper, kind="love")
    assert not Reaction.objects.exists()


# --- Tallies --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_paper_reactions_lists_every_kind_in_order_with_counts_and_mine(
    curator, other_curator, django_assert_num_queries
):
    paper = make_paper()
    reaction_add(user=curator, paper=paper, kind="important_result")
    reaction_add(user=other_curator, paper=paper, kind="important_result")
    reaction_add(user=other_curator, paper=paper, kind="hard_to_follow")
    reaction_add(user=curator, paper=make_paper(), kind="well_written")

    with django_assert_num_queries(1):
        mine = paper_reactions(paper=paper, viewer=curator)
    assert all(isinstance(tally, ReactionTally) for tally in mine)
    assert [tally.kind for tally in mine] == list(REACTION_KINDS)
    expected = dict.fromkeys(CODES, (0, False))
    expected["important_result"] = (2, True)
    expected["hard_to_follow"] = (1, False)
    assert {t.kind.code: (t.count, t.mine) for t in mine} == expected

    expected["hard_to_follow"] = (1, True)
    assert _tally(paper, other_curator) == expected

    for viewer in (AnonymousUser(), None):
        with django_assert_num_queries(1):
            tallies = paper_reactions(paper=paper, viewer=viewer)
        assert [t.kind.code for t in tallies] == CODES
        assert not any(t.mine for t in tallies)
        assert [t.count for t in tallies] == [count for count, _ in expected.values()]


@pytest.mark.django_db
def test_paper_reactions_of_an_untouched_paper(curator):
    assert _tally(make_paper(), curator) == dict.fromkeys(CODES, (0, False))


# --- Concurrency (real PostgreSQL) ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("toggles", [THREADS, THREADS - 1])
def test_one_user_toggling_from_many_threads_ends_by_parity(curator, toggles):
    paper = make_paper()
    results, errors = run_at_once(
        [lambda: reaction_toggle(user=curator, paper=paper, kind=KIND)] * toggles
    )
    assert errors == []
    have_it = toggles % 2 == 1
    rows = Reaction.objects.filter(paper=paper, kind=KIND).count()
    assert rows == int(have_it)
    assert _tally(paper, curator)[KIND] == (rows, have_it)
    # Every toggle flipped the state the previous one left.
    assert results.count(True) == results.count(False) + int(have_it)


@pytest.mark.django_db(transaction=True)
def test_many_users_adding_one_kind_at_once_all_count(django_user_model):
    paper = make_paper()
    users = [
        django_user_model.objects.create_user(f"reader{i}", password="x" * 12)
        for i in range(THREADS)
    ]
    results, errors = run_at_once(
        [lambda u=u: reaction_add(user=u, paper=paper, kind=KIND) for u in users]
    )
    assert errors == []
    assert results == [True] * THREADS
    assert Reaction.objects.filter(paper=paper, kind=KIND).count() == THREADS
    tally = _tally(paper, users[0])
    assert tally[KIND] == (THREADS, True)
    assert sum(count for count, _ in tally.values()) == THREADS


# --- The cached anonymous paper page --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_reactions_replace_the_page_token_only_when_something_changed(client, curator):
    paper = make_paper()
    assert client.get(paper.get_absolute_url()).status_code == 200
    key = _token_key(paper.arxiv_id)

    def changed(write) -> bool:
        before = cache.get(key)
        assert before is not None
        write()
        return cache.get(key) != before

    assert changed(lambda: reaction_add(user=curator, paper=paper, kind=KIND))
    assert not changed(lambda: reaction_add(user=curator, paper=paper, kind=KIND))
    assert changed(lambda: reaction_remove(user=curator, paper=paper, kind=KIND))
    assert not changed(lambda: reaction_remove(user=curator, paper=paper, kind=KIND))
    assert changed(lambda: reaction_toggle(user=curator, paper=paper, kind=KIND))
    assert changed(lambda: reaction_toggle(user=curator, paper=paper, kind=KIND))
    # A reaction on another paper leaves this one's page alone.
    assert not changed(lambda: reaction_add(user=curator, paper=make_paper(), kind=KIND))
