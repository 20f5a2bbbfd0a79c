"""The signed-in home page and its "For you" block are kept per viewer
(papers/catalogue/viewer_cache.py) and never outlive a change: after each change the next
answer is the one rendered afresh, byte for byte but for the CSRF tokens."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from papers.catalogue import browse
from papers.catalogue.viewer_cache import local_viewer_pages
from papers.curation.saves import paper_save
from papers.curation.votes import vote_toggle
from papers.models import PaperNeighbour, Vote
from papers.researchmap.neighbours import neighbours_compute
from papers.researchmap.pins import neighbour_hide
from tests.papers.researchmap.test_for_you import _edge, corpus  # noqa: F401  (a fixture)
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')
FOR_YOU = {"HX-Request": "true", "HX-Target": "home-for-you"}


def _get(client: Client, url: str = "/", headers: dict | None = None) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers or {})
    assert response.status_code == 200
    return len(queries), TOKEN.sub("T", response.content.decode())


def _fresh(client: Client, url: str = "/", headers: dict | None = None) -> str:
    """The answer rendered afresh, with nothing kept."""
    local_viewer_pages.clear()
    return _get(client, url, headers)[1]


def _assert_current(client: Client, url: str = "/", headers: dict | None = None) -> str:
    """The next answer (kept or not) is the one rendered afresh."""
    served = _get(client, url, headers)[1]
    assert served == _fresh(client, url, headers)
    return served


@pytest.fixture
def signed_in(curator):
    client = Client()
    client.force_login(curator)
    return client


def test_the_home_page_is_kept_for_its_viewer_and_costs_no_query(signed_in, curator, other_curator):
    make_paper(title="A listed paper")
    cold, html = _get(signed_in)
    kept, again = _get(signed_in)
    assert kept == 0 < cold and again == html
    assert curator.username in html and "A listed paper" in html
    # Another viewer gets their own page, never this one.
    other = Client()
    other.force_login(other_curator)
    theirs = _get(other)[1]
    assert other_curator.username in theirs and curator.username not in theirs
    assert curator.username in _get(signed_in)[1]
    # The second page of the list is kept apart from the first.
    assert _get(signed_in, "/?page=2")[1] == _fresh(signed_in, "/?page=2")


def test_a_new_or_changed_paper_reaches_the_kept_home_page(signed_in, curator, other_curator):
    listed = make_paper(title="A listed paper")
    _get(signed_in), _get(signed_in)
    make_paper(title="Imported a moment ago")
    assert "Imported a moment ago" in _assert_current(signed_in)
    make_paper(arxiv_id=listed.arxiv_id, version=2, title="A listed paper, retitled")
    assert "A listed paper, retitled" in _assert_current(signed_in)
    # Counts on a card change without the paper being saved (written in bulk).
    vote_toggle(user=other_curator, paper=listed, value=Vote.Value.LIKE)
    _assert_current(signed_in)
    listed.delete()
    assert "A listed paper" not in _assert_current(signed_in)


def test_highlights_computed_afresh_reach_the_kept_home_page(signed_in):
    make_paper(title="Soon trending")
    _get(signed_in)
    waiting = _get(signed_in)[1]
    assert 'hx-get="/?highlights=1"' in waiting  # nothing computed yet: asked for later
    browse.home_highlights()
    html = _assert_current(signed_in)
    assert 'id="trending-heading"' in html and 'hx-get="/?highlights=1"' not in html


def test_the_viewers_own_changes_reach_the_kept_home_page(signed_in, curator):
    make_paper()
    _get(signed_in), _get(signed_in)
    curator.display_name = "Dr. Kept"
    curator.save()
    assert "Dr. Kept" in _assert_current(signed_in)
    signed_in.post("/accounts/logout/")
    assert "Dr. Kept" not in _get(signed_in)[1]


def test_the_for_you_block_is_kept_for_its_viewer(signed_in, corpus, curator, other_curator):  # noqa: F811
    cold, block = _get(signed_in, headers=FOR_YOU)
    kept, again = _get(signed_in, headers=FOR_YOU)
    assert kept == 0 < cold and again == block and "Near both seeds" in block
    other = Client()
    other.force_login(other_curator)
    assert "Near both seeds" not in _get(other, headers=FOR_YOU)[1]
    assert "Near both seeds" in _get(signed_in, headers=FOR_YOU)[1]


def test_every_change_to_the_recommendations_reaches_the_kept_block(
    signed_in,
    corpus,  # noqa: F811
    curator,
    other_curator,
):
    def current() -> str:
        return _assert_current(signed_in, headers=FOR_YOU)

    assert "Near both seeds" in current()
    # Opened: left out at once.
    signed_in.get(corpus["near_both"].get_absolute_url())
    assert "Near both seeds" not in current()
    # A new seed of theirs brings its neighbours.
    extra, candidate = make_paper(title="A new seed"), make_paper(title="Near the new seed")
    _edge(extra, candidate, 5.0)
    current()
    paper_save(user=curator, paper=extra)
    assert "Near the new seed" in current()
    # A curator hides the edge from the seed's map.
    neighbour_hide(user=other_curator, paper=extra, neighbour=candidate)
    assert "Near the new seed" not in current()
    # A recommended paper is retitled.
    make_paper(arxiv_id=corpus["strong_one"].arxiv_id, version=2, title="Strongly, retitled")
    assert "Strongly, retitled" in current()
    # The neighbours are computed afresh.
    PaperNeighbour.objects.filter(paper=corpus["liked_seed"]).delete()  # gone unseen
    neighbours_compute(paper_ids=[corpus["saved_seed"].pk])
    current()


def test_map_changes_to_a_seed_the_block_does_not_name_reach_it(signed_in, curator, other_curator):
    """The block names a recommendation's three strongest seeds; a change on the map of
    another (neighbours computed afresh, a curator's hide) changes it all the same."""
    candidate = make_paper(title="Near four of mine")
    seeds = [make_paper(title=f"Seed number {i}") for i in range(4)]
    for score, seed in zip((4.0, 3.0, 2.0, 1.0), seeds, strict=True):
        paper_save(user=curator, paper=seed)
        _edge(seed, candidate, score)

    def current() -> str:
        return _assert_current(signed_in, headers=FOR_YOU)

    assert "Seed number 3" not in current()
    assert "Seed number 3" not in _get(signed_in, headers=FOR_YOU)[1]  # kept
    # Computed afresh, the weakest seed's edge is now the strongest (shared authors).
    neighbours_compute(paper_ids=[seeds[3].pk])
    assert PaperNeighbour.objects.get(paper=seeds[3], neighbour=candidate).score > 4.0
    assert "Nearest to: Seed number 3;" in current()
    assert "near 4 papers you saved" in _get(signed_in, headers=FOR_YOU)[1]  # kept
    neighbour_hide(user=other_curator, paper=seeds[2], neighbour=candidate)
    assert "near 3 papers you saved" in current()
