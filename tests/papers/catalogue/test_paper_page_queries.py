"""The paper page runs a fixed number of queries, whatever the number of authors."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from papers.catalogue.page_cache import local_pages
from papers.curation.collections import collection_create
from papers.curation.reaction_kinds import REACTION_KINDS
from papers.curation.reactions import reaction_add
from papers.curation.saves import paper_save
from papers.curation.votes import vote_toggle
from papers.models import Vote
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

# paper (with the signed-in viewer's vote as a subquery), authorships+authors, affiliations,
# categories, versions, public collections holding it, reactions (counts and mine), reviews
# with their authors, comments with their authors
PAGE_QUERIES = 9
# The viewer's collections, each marked with whether it holds the paper; the viewer's reports
# of the paper's reviews and comments.
MY_COLLECTIONS = 2
# Every signed-in page: the session, the user and the unread notifications in the navigation.
SIGNED_IN = 3


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
    assert small_count == large_count == PAGE_QUERIES + MY_COLLECTIONS + SIGNED_IN


@pytest.mark.parametrize("authors", [3, 100])
def test_signed_in_page_with_a_vote_costs_no_more(client, django_user_model, authors):
    user = django_user_model.objects.create_user("voter", password="x" * 12)
    paper = make_paper(authors=authors, affiliations=dict.fromkeys(range(authors), ("Lab",)))
    vote_toggle(user=user, paper=paper, value=Vote.Value.LIKE)
    client.force_login(user)
    response = client.get(paper.get_absolute_url())
    assert 'aria-pressed="true"' in response.content.decode()
    # The viewer's vote is a subquery of the paper's own query, not a query of its own.
    assert _queries_for(client, paper) == PAGE_QUERIES + MY_COLLECTIONS + SIGNED_IN


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
    assert _queries_for(client, paper) == PAGE_QUERIES + MY_COLLECTIONS + SIGNED_IN


def test_home_page_query_count_is_bounded(client):
    for _ in range(30):
        make_paper(authors=8)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    # count, page of papers, lead authorships, categories
    assert len(queries) == 4


def rendered(row):
    """Rows made here without the services get their Markdown rendered as the services do."""
    from reviews.markdown import markdown_render

    markdown_render(row)
    return row


@pytest.mark.parametrize("signed_in", [False, True])
def test_reviews_and_discussion_cost_the_same_however_many(client, django_user_model, signed_in):
    """50 reviews with concerns and 200 comments in threads (some hidden, some replication
    pointers, some reported by the viewer): one more query than an empty page, for the
    reviews' concerns."""
    from reviews.discussion.services import comment_counts_refresh
    from reviews.models import Comment, Report, Review, ReviewConcern
    from reviews.reviews.services import review_counts_refresh

    paper = make_paper(authors=5)
    viewer = django_user_model.objects.create_user("viewer", password="x" * 12)
    people = django_user_model.objects.bulk_create(
        django_user_model(username=f"reviewer{i}") for i in range(50)
    )
    reviews = Review.objects.bulk_create(
        rendered(
            Review(
                paper=paper,
                author=person,
                paper_version=1,
                strengths=f"Strength **{i}** with $x_{i}$",
                recommendation="skim",
                confidence=3,
                is_hidden=i % 10 == 0,
            )
        )
        for i, person in enumerate(people)
    )
    ReviewConcern.objects.bulk_create(
        rendered(ReviewConcern(review=review, position=p, text=f"Concern {p}"))
        for review in reviews
        for p in range(3)
    )
    comments: list[Comment] = []
    for i in range(200):
        parent = comments[i // 2] if i and i % 3 else None
        comment = Comment(
            paper=paper,
            author=people[i % 50],
            parent=parent,
            depth=parent.depth + 1 if parent else 0,
            kind="replication" if i % 7 == 0 else "note",
            link="https://example.org/run" if i % 7 == 0 else "",
            replication_status="reproduced" if i % 7 == 0 else "",
            body=f"Comment {i}",
            is_hidden=i % 25 == 0,
        )
        rendered(comment).save()
        comments.append(comment)
    Report.objects.bulk_create(
        Report(reporter=viewer, comment=comment, reason="spam") for comment in comments[1:20]
    )
    review_counts_refresh([paper.pk])
    comment_counts_refresh([paper.pk])
    empty = make_paper(authors=5)

    if signed_in:
        client.force_login(viewer)
    html = client.get(paper.get_absolute_url()).content.decode()
    assert html.count('class="review"') == 45 and "Comment 199" in html
    expected = PAGE_QUERIES + 1
    if signed_in:
        expected += MY_COLLECTIONS + SIGNED_IN
    # Anonymous pages are cached: measure the rendering itself.
    cache.clear(), local_pages.clear()
    assert _queries_for(client, paper) == expected
    assert _queries_for(client, empty) == expected - 1


@pytest.mark.parametrize("signed_in", [False, True])
def test_five_or_five_hundred_comments_cost_the_same_queries(client, django_user_model, signed_in):
    """Threads built from one list, however long: a paper with 500 comments (replies down to
    the collapsed depth) runs as many queries as one with 5."""
    from reviews.discussion.services import comment_counts_refresh
    from reviews.models import Comment

    viewer = django_user_model.objects.create_user("viewer", password="x" * 12)
    writer = django_user_model.objects.create_user("writer", password="x" * 12)
    counts = {}
    for size in (5, 500):
        paper = make_paper(authors=3)
        comments: list[Comment] = []
        for i in range(size):
            parent = comments[i // 2] if i and i % 2 and comments[i // 2].depth < 4 else None
            comment = Comment(
                paper=paper,
                author=viewer if i % 9 == 0 else writer,
                parent=parent,
                depth=parent.depth + 1 if parent else 0,
                body=f"Comment {i} with a https://example.org/{'x' * 200} link",
                is_hidden=i % 50 == 1,
            )
            rendered(comment).save()
            comments.append(comment)
        comment_counts_refresh([paper.pk])
        if signed_in:
            client.force_login(viewer)
        cache.clear(), local_pages.clear()
        html = client.get(paper.get_absolute_url()).content.decode()
        assert f"Comment {size - 1} " in html
        cache.clear(), local_pages.clear()
        counts[size] = _queries_for(client, paper)
    assert counts[5] == counts[500]
