"""The paper page runs a fixed number of queries, whatever the number of authors."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from papers.models import Vote
from papers.services.votes import vote_toggle
from tests.factories import make_paper

pytestmark = pytest.mark.django_db

# paper (with the signed-in viewer's vote as a subquery), authorships+authors, affiliations,
# categories, versions
PAGE_QUERIES = 5


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
    assert small_count == large_count == PAGE_QUERIES + 2  # session and user


@pytest.mark.parametrize("authors", [3, 100])
def test_signed_in_page_with_a_vote_costs_no_more(client, django_user_model, authors):
    user = django_user_model.objects.create_user("voter", password="x" * 12)
    paper = make_paper(authors=authors, affiliations=dict.fromkeys(range(authors), ("Lab",)))
    vote_toggle(user=user, paper=paper, value=Vote.Value.LIKE)
    client.force_login(user)
    response = client.get(paper.get_absolute_url())
    assert 'aria-pressed="true"' in response.content.decode()
    # The viewer's vote is a subquery of the paper's own query, not a query of its own.
    assert _queries_for(client, paper) == PAGE_QUERIES + 2  # session and user


def test_home_page_query_count_is_bounded(client):
    for _ in range(30):
        make_paper(authors=8)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    # count, page of papers, lead authorships, categories
    assert len(queries) == 4
