"""The paper page runs a fixed number of queries, whatever the number of authors, reviews,
comments or curators, for anonymous visitors and for signed-in viewers.

A signed-in page is the shared signed-in rendering (cached like the anonymous page) with the
viewer's own state filled in: once that rendering is warm, a signed-in request runs only the
queries of its own (papers/catalogue/member_page.py), and none while the viewer's filled
page is kept (papers/catalogue/viewer_cache.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from papers.catalogue.page_cache import local_pages, paper_pages_invalidate
from papers.catalogue.viewer_cache import local_viewer_pages
from papers.curation.collections import collection_create
from papers.curation.reaction_kinds import REACTION_KINDS
from papers.curation.reactions import reaction_add
from papers.curation.saves import paper_save
from papers.curation.votes import vote_toggle
from papers.models import Vote
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

# paper, authorships+authors, affiliations, categories, versions, public collections holding
# it, reactions (counts), reviews with their authors, comments with their authors
PAGE_QUERIES = 9
# Every signed-in request: the user (the session is read from the cache, accounts/sessions.py).
SIGNED_IN = 1
# The viewer's own state on the paper, in one query: vote, collections, reactions, what they
# wrote, marked helpful or reported, unread notifications.
VIEWER_STATE = 1
# A viewer's page kept from their last visit, nothing of theirs or the paper's changed since:
# found from the session alone, without loading the user.
KEPT = 0
# An author's own items, rendered for them: their reviews (and the reviews' concerns), their
# comments (the paper's id and version come with the viewer's state).
AUTHOR_ITEMS = 3


def _drop_renderings(*papers) -> None:
    """The next view of these papers renders afresh (the session stays in the cache)."""
    paper_pages_invalidate([paper.arxiv_id for paper in papers])
    local_pages.clear()


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


def test_signed_in_page_costs_its_own_state_once_the_shared_page_is_warm(client, django_user_model):
    small = make_paper(authors=3)
    large = make_paper(authors=100, affiliations=dict.fromkeys(range(100), ("Lab",)))
    curator = django_user_model.objects.create_user("curator", password="x" * 12)
    client.force_login(curator)
    for paper in (small, large):
        # The first signed-in visit renders the shared page; the next ones are kept.
        assert _queries_for(client, paper) == SIGNED_IN + VIEWER_STATE + PAGE_QUERIES
        assert _queries_for(client, paper) == KEPT
    # Any change of the viewer's: their state is read again and filled in.
    collection_create(owner=curator, name="New shelf")
    for paper in (small, large):
        assert _queries_for(client, paper) == SIGNED_IN + VIEWER_STATE
        assert _queries_for(client, paper) == KEPT


@pytest.mark.parametrize("authors", [3, 100])
def test_signed_in_page_with_a_vote_costs_no_more(client, django_user_model, authors):
    user = django_user_model.objects.create_user("voter", password="x" * 12)
    paper = make_paper(authors=authors, affiliations=dict.fromkeys(range(authors), ("Lab",)))
    vote_toggle(user=user, paper=paper, value=Vote.Value.LIKE)
    client.force_login(user)
    response = client.get(paper.get_absolute_url())
    assert 'aria-pressed="true"' in response.content.decode()
    assert _queries_for(client, paper) == KEPT
    local_viewer_pages.clear()  # another server process: the viewer's state is read
    assert _queries_for(client, paper) == SIGNED_IN + VIEWER_STATE


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
    assert f'id="save-in-{mine.pk}"' in html
    local_viewer_pages.clear()  # another server process: the viewer's state is read
    assert _queries_for(client, paper) == SIGNED_IN + VIEWER_STATE


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
    html = client.get(paper.get_absolute_url(), {"show": "all"}).content.decode()
    assert html.count('class="review"') == 45 and "Comment 199" in html
    # A plain visit lists the newest reviews and the first threads, and offers the rest.
    html = client.get(paper.get_absolute_url()).content.decode()
    assert html.count('class="review"') == 10 and "Show 35 more reviews" in html
    assert "Comment 199" not in html and 'id="comments-more"' in html
    # Measure the rendering itself: the shared renderings are dropped first.
    _drop_renderings(paper, empty)
    rendered_page = PAGE_QUERIES + 1  # the reviews' concerns
    if signed_in:
        assert _queries_for(client, paper) == SIGNED_IN + VIEWER_STATE + rendered_page
        assert _queries_for(client, paper) == KEPT
        assert _queries_for(client, empty) == SIGNED_IN + VIEWER_STATE + PAGE_QUERIES
    else:
        assert _queries_for(client, paper) == rendered_page
        assert _queries_for(client, empty) == PAGE_QUERIES


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
                # Others' comments only: a viewer with a hidden comment of their own gets
                # the page rendered whole (test_viewer_state.py).
                is_hidden=i % 50 == 1 and i % 9 != 0,
            )
            rendered(comment).save()
            comments.append(comment)
        comment_counts_refresh([paper.pk])
        if signed_in:
            client.force_login(viewer)
        html = client.get(paper.get_absolute_url(), {"show": "all"}).content.decode()
        assert f"Comment {size - 1} " in html
        _drop_renderings(paper)
        cold = _queries_for(client, paper)
        counts[size] = (cold, _queries_for(client, paper))
    assert counts[5] == counts[500]
    if signed_in:
        # The viewer wrote some of the comments: their own are rendered for them.
        warm = SIGNED_IN + VIEWER_STATE + AUTHOR_ITEMS - 2  # no reviews of theirs
        assert counts[500] == (warm + PAGE_QUERIES, warm)
    else:
        assert counts[500] == (PAGE_QUERIES, 0)


def test_an_authors_page_costs_the_same_for_one_or_many_items(client, django_user_model):
    """An author's own review and comments are rendered for them: a fixed number of queries
    for one comment or forty."""
    from reviews.discussion.services import comment_create
    from reviews.reviews.services import ReviewText, review_create

    author = django_user_model.objects.create_user("author", password="x" * 12)
    counts = []
    for comments in (1, 40):
        paper = make_paper(authors=3)
        text = ReviewText(
            claims="Claims.", concerns=["One.", "Two."], recommendation="skim", confidence=3
        )
        review_create(author=author, paper=paper, text=text)
        for i in range(comments):
            comment_create(author=author, paper=paper, body=f"Note {i} by the author")
        client.force_login(author)
        html = client.get(paper.get_absolute_url()).content.decode()
        assert 'id="delete-review"' in html and 'id="delete-comment-' in html
        counts.append(_queries_for(client, paper))
    assert counts == [SIGNED_IN + VIEWER_STATE + AUTHOR_ITEMS] * 2
