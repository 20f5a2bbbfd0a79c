"""The paper page runs a fixed number of queries, whatever the number of authors."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from papers.models import Vote
from papers.reactions import REACTION_KINDS
from papers.services.collections import collection_create
from papers.services.reactions import reaction_add
from papers.services.saves import paper_save
from papers.services.votes import vote_toggle
from tests.factories import make_paper

pytestmark = pytest.mark.django_db

# paper (with the signed-in viewer's vote as a subquery), authorships+authors, affiliations,
# categories, versions, public collections holding it, reactions (counts and mine)
PAGE_QUERIES = 7
# The viewer's collections, each marked with whether it holds the paper.
MY_COLLECTIONS = 1


def _queries_for(client, paper) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(paper.get_absolute_url())
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("authors", [3, 100])
def test_page_query_count_is_bounded(client, authors):
    affiliations = {i: (f"Institute {i % 7}",) for i in range(authors)}
    paper = make_paper(authors=authors, affiliations=affiliations)
    assert _queries_for(client, paper) == PAGE_QUERIES


def test_signed_in_page_costs_the_same_plus_session(client, django_user_model):
    small = make_paper(authors=3)
    large = make_paper(authors=100, affiliations=dict.fromkeys(range(100), ("Lab",)))
    client.force_login(django_user_model.objects.create_user("curator", password="x" * 12))
    small_count, large_count = _queries_for(client, small), _queries_for(client, large)
    assert small_count == large_count == PAGE_QUERIES + MY_COLLECTIONS + 2  # session and user


@pytest.mark.parametrize("authors", [3, 100])
def test_signed_in_page_with_a_vote_costs_no_more(client, django_user_model, authors):
    user = django_user_model.objects.create_user("voter", password="x" * 12)
    paper = make_paper(authors=authors, affiliations=dict.fromkeys(range(authors), ("Lab",)))
    vote_toggle(user=user, paper=paper, value=Vote.Value.LIKE)
    client.force_login(user)
    response = client.get(paper.get_absolute_url())
    assert 'aria-pressed="true"' in response.content.decode()
    # The viewer's vote is a subquery of the paper's own query, not a query of its own.
    assert _queries_for(client, paper) == PAGE_QUERIES + MY_COLLECTIONS + 2


@pytest.mark.parametrize("scale", [1, 12])
def test_curated_page_costs_the_same_however_much_curation(client, django_user_model, scale):
    """A curator with a vote, saves in many collections and many reactions, on a paper many
    others saved into public collections and reacted to: still the same queries."""
    paper = make_paper(authors=5 * scale)
    user = django_user_model.objects.create_user("busy", password="x" * 12)
    vote_toggle(user=user, paper=paper, value=Vote.Value.LIKE)
    paper_save(user=user, paper=paper)
    kinds = [kind.code for kind in REACTION_KINDS]
    for i in range(scale):
        mine = collection_create(owner=user, name=f"Mine {i}", is_public=bool(i % 2))
        paper_save(user=user, paper=paper, collection=mine)
        other = django_user_model.objects.create_user(f"other{i}", password="x" * 12)
        theirs = collection_create(owner=other, name=f"Theirs {i}", is_public=True)
        paper_save(user=other, paper=paper, collection=theirs)
        reaction_add(user=other, paper=paper, kind=kinds[i % len(kinds)])
        reaction_add(user=user, paper=paper, kind=kinds[i % len(kinds)])
    client.force_login(user)
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "<dt>Your vote</dt><dd>Liked</dd>" in html and "Saved in" in html
    assert _queries_for(client, paper) == PAGE_QUERIES + MY_COLLECTIONS + 2


def test_home_page_query_count_is_bounded(client):
    for _ in range(30):
        make_paper(authors=8)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    # count, page of papers, lead authorships, categories
    assert len(queries) == 4
