"""The home page's Trending (a documented, time-decayed score) and Latest per topic."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from papers.catalogue import browse
from papers.models import Paper
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _paper(hours_old: float, **counts) -> Paper:
    paper = make_paper(published=NOW - timedelta(hours=hours_old))
    Paper.objects.filter(pk=paper.pk).update(**counts)
    paper.refresh_from_db()
    return paper


def _expected(paper: Paper) -> float:
    engagement = (
        paper.like_count
        - 0.5 * paper.dislike_count
        + 2 * paper.save_count
        + 3 * paper.review_count
        + paper.comment_count
    )
    age = (NOW - paper.published).total_seconds() / 3600
    return engagement / (age + 2) ** 1.5


def test_score_follows_the_documented_formula_in_one_query(django_assert_num_queries):
    papers = [
        _paper(1, like_count=3),
        _paper(5, save_count=2, dislike_count=1),
        _paper(30, review_count=2, comment_count=4),
        _paper(200, like_count=40, save_count=10),
        _paper(0.5, comment_count=1),
    ]
    with django_assert_num_queries(1):
        trending = browse.trending_papers(now=NOW)
    expected = sorted(papers, key=_expected, reverse=True)
    assert [entry.arxiv_id for entry in trending] == [paper.arxiv_id for paper in expected]
    for entry, paper in zip(trending, expected, strict=True):
        assert entry.score == pytest.approx(_expected(paper), rel=1e-9)


def test_a_fresh_paper_outranks_an_old_one_with_more_likes():
    old = _paper(24 * 7, like_count=20)
    fresh = _paper(3, like_count=4)
    assert [e.arxiv_id for e in browse.trending_papers(now=NOW)] == [fresh.arxiv_id, old.arxiv_id]


def test_saves_and_reviews_weigh_more_than_likes_and_dislikes_take_back():
    liked = _paper(10, like_count=2)
    saved = _paper(10, save_count=1, like_count=1)
    reviewed = _paper(10, review_count=1)
    disliked = _paper(10, like_count=2, dislike_count=2)
    order = [e.arxiv_id for e in browse.trending_papers(now=NOW)]
    assert order == [reviewed.arxiv_id, saved.arxiv_id, liked.arxiv_id, disliked.arxiv_id]


def test_untouched_disliked_only_and_future_papers_never_trend():
    _paper(1)  # no engagement at all
    _paper(1, dislike_count=5)  # only disliked: negative score
    _paper(-5, like_count=50)  # dated in the future
    kept = _paper(2, comment_count=1)
    assert [e.arxiv_id for e in browse.trending_papers(now=NOW)] == [kept.arxiv_id]


def test_only_the_top_ten():
    papers = [_paper(1, like_count=i + 1) for i in range(14)]
    trending = browse.trending_papers(now=NOW)
    assert len(trending) == browse.TRENDING_SIZE == 10
    assert trending[0].arxiv_id == papers[-1].arxiv_id
    assert papers[3].arxiv_id not in {e.arxiv_id for e in trending}


def test_latest_per_topic_takes_the_biggest_topics_in_two_queries(django_assert_num_queries):
    day = datetime(2026, 1, 1, tzinfo=UTC)
    sizes = {"cs.LG": 9, "cs.CL": 6, "math.GT": 5, "hep-th": 4, "astro-ph.GA": 1}
    for code, size in sizes.items():
        for i in range(size):
            make_paper(
                title=f"{code} paper {i}",
                categories=(code,),
                published=day + timedelta(days=i),
            )
    with django_assert_num_queries(2):
        groups = browse.latest_per_topic()
    assert [group.code for group in groups] == ["cs.LG", "cs.CL", "math.GT", "hep-th"]
    assert groups[0].paper_count == 9 and groups[0].name == "Machine Learning"
    assert [p.title for p in groups[0].papers] == [
        "cs.LG paper 8",
        "cs.LG paper 7",
        "cs.LG paper 6",
    ]
    assert all(len(group.papers) == 3 for group in groups)


def test_highlights_are_cached_for_five_minutes():
    _paper(1, like_count=1)
    assert browse.home_highlights_cached() is None
    computed = browse.home_highlights(now=NOW)
    assert browse.HIGHLIGHTS_CACHE_SECONDS == 300
    # The entry expires: a key Redis holds with a time to live of at most five minutes.
    raw = cache._cache.get_client(write=False)
    assert 0 < raw.ttl(cache.make_and_validate_key(browse.HIGHLIGHTS_CACHE_KEY)) <= 300
    with CaptureQueriesContext(connection) as queries:
        assert browse.home_highlights_cached() == computed
    assert len(queries) == 0


# --- On the home page ------------------------------------------------------------------------


def test_cold_home_page_asks_for_the_highlights_without_extra_queries(client):
    make_paper(title="Listed paper")
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/").content.decode()
    assert len(queries) == 4  # the paper list alone, as before
    assert 'id="home-highlights"' in html and 'hx-get="/?highlights=1"' in html
    assert 'hx-trigger="load"' in html and "Loading trending papers" in html
    assert '<a href="?highlights=1">' in html  # without JavaScript


def test_htmx_request_gets_the_block_then_the_page_shows_it_from_the_cache(client):
    hot = make_paper(
        title="A <b>hot</b> paper",
        categories=("cs.CL",),
        published=timezone.now() - timedelta(hours=2),
    )
    Paper.objects.filter(pk=hot.pk).update(like_count=3, save_count=1)
    headers = {"HX-Request": "true", "HX-Target": "home-highlights"}
    response = client.get("/?highlights=1", headers=headers)
    block = response.content.decode()
    assert response.status_code == 200 and "<html" not in block
    assert "HX-Request" in response["Vary"]
    assert "Trending" in block and "A &lt;b&gt;hot&lt;/b&gt; paper" in block
    assert "<b>hot</b>" not in block
    assert 'href="/topics/cs.CL/"' in block and "Latest per topic" in block
    assert "hx-get" not in block  # loaded: it does not ask again

    with CaptureQueriesContext(connection) as queries:
        html = client.get("/").content.decode()
    assert len(queries) == 4
    assert "Trending" in html and hot.get_absolute_url() in html and "hx-trigger" not in html


def test_without_javascript_the_link_shows_the_highlights(client):
    make_paper(title="Quiet paper", categories=("math.GT",))
    html = client.get("/?highlights=1").content.decode()
    assert "Nothing trending yet" in html
    assert 'href="/topics/math.GT/"' in html and "Quiet paper" in html
    # Later pages of the list leave the block out.
    for i in range(30):
        make_paper(title=f"Filler {i}")
    assert 'id="home-highlights"' not in client.get("/?page=2").content.decode()
