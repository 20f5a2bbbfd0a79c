""" "For you": ranking over a known corpus, what is left out, the seen store, the home page."""

import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from papers.curation.saves import paper_save
from papers.curation.votes import vote_toggle
from papers.models import Paper, PaperNeighbour, Vote
from papers.researchmap.for_you import papers_for_you
from papers.researchmap.pins import neighbour_hide, neighbour_pin
from papers.researchmap.seen import SEEN_MAX, SEEN_SECONDS, seen_ids, seen_record
from reviews.models import Review
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db


def _edge(paper: Paper, neighbour: Paper, score: float, kind: str = "shared_authors") -> None:
    reasons = [{"kind": kind, "label": "shares 2 authors", "count": 2}]
    PaperNeighbour.objects.create(
        paper=paper, neighbour=neighbour, score=score, reasons=reasons, computed_at=timezone.now()
    )


@pytest.fixture
def corpus(curator):
    """Two seeds of the curator (one saved, one liked) and candidates at known distances.

    near_both: 2.0 from each seed, 4.0 in all; strong_one: 3.5 from the saved seed only;
    weak_one: 1.0 from the liked seed only.
    """
    papers = {
        name: make_paper(title=title)
        for name, title in [
            ("saved_seed", "Saved seed paper"),
            ("liked_seed", "Liked seed paper"),
            ("near_both", "Near both seeds"),
            ("strong_one", "Strongly near one seed"),
            ("weak_one", "Weakly near one seed"),
        ]
    }
    paper_save(user=curator, paper=papers["saved_seed"])
    vote_toggle(user=curator, paper=papers["liked_seed"], value=Vote.Value.LIKE)
    _edge(papers["saved_seed"], papers["near_both"], 2.0)
    _edge(papers["liked_seed"], papers["near_both"], 2.0, kind="text")
    _edge(papers["saved_seed"], papers["strong_one"], 3.5)
    _edge(papers["liked_seed"], papers["weak_one"], 1.0)
    # Seeds are each other's neighbours: never recommended back.
    _edge(papers["saved_seed"], papers["liked_seed"], 9.0)
    return papers


def _ids(recommendations) -> list[str]:
    return [r.paper.arxiv_id for r in recommendations]


# --- Ranking ----------------------------------------------------------------------------------


def test_near_two_seeds_ranks_above_near_one_with_reasons(corpus, curator):
    found = papers_for_you(user=curator)

    assert _ids(found) == [corpus[n].arxiv_id for n in ("near_both", "strong_one", "weak_one")]
    both, strong, weak = found
    assert (both.score, both.seed_count) == (4.0, 2)
    assert both.reason == "near 2 papers you saved or liked"
    # The strongest seed first; a tie goes to the older row, the saved seed here.
    assert [s.title for s in both.seeds] == ["Saved seed paper", "Liked seed paper"]
    assert strong.reason == "near Saved seed paper"
    assert weak.reason == "near Liked seed paper"
    assert strong.reasons == [{"kind": "shared_authors", "label": "shares 2 authors", "count": 2}]


def test_reason_counts_how_the_seeds_were_kept(corpus, curator):
    third = make_paper(title="Another saved paper")
    paper_save(user=curator, paper=third)
    _edge(third, corpus["strong_one"], 1.0)
    strong = papers_for_you(user=curator)[0]
    assert strong.paper == corpus["strong_one"] and strong.score == 4.5
    assert strong.reason == "near 2 papers you saved"


def test_saved_voted_reviewed_seen_withdrawn_and_hidden_are_left_out(
    corpus, curator, other_curator
):
    near_both, strong, weak = corpus["near_both"], corpus["strong_one"], corpus["weak_one"]
    extra = {name: make_paper(title=name) for name in ("disliked", "reviewed", "seen", "gone")}
    for paper in extra.values():
        _edge(corpus["saved_seed"], paper, 5.0)
    Paper.objects.filter(pk=extra["gone"].pk).update(withdrawn=True)
    vote_toggle(user=curator, paper=extra["disliked"], value=Vote.Value.DISLIKE)
    Review.objects.create(
        paper=extra["reviewed"],
        author=curator,
        paper_version=1,
        recommendation="skim",
        confidence=3,
    )
    seen_record(user_id=curator.pk, arxiv_id=extra["seen"].arxiv_id)
    # A hide by any curator takes the edge off the seed's map, so off the ranking too.
    neighbour_hide(user=other_curator, paper=corpus["liked_seed"], neighbour=near_both)
    paper_save(user=curator, paper=weak)  # saved now: a seed, no longer a candidate

    found = papers_for_you(user=curator)
    assert _ids(found) == [strong.arxiv_id, near_both.arxiv_id]
    assert (found[1].score, found[1].reason) == (2.0, "near Saved seed paper")
    # A pin puts the hidden edge back, as the map shows it.
    neighbour_pin(user=curator, paper=corpus["liked_seed"], neighbour=near_both)
    assert [(r.paper, r.score) for r in papers_for_you(user=curator)] == [
        (near_both, 4.0),
        (strong, 3.5),
    ]


def test_nothing_without_seeds_or_for_anonymous(corpus, other_curator):
    from django.contrib.auth.models import AnonymousUser

    assert papers_for_you(user=other_curator) == []
    assert papers_for_you(user=AnonymousUser()) == []


def test_two_queries_however_many_seeds(curator, django_assert_num_queries):
    candidates = [make_paper(title=f"Candidate {i}") for i in range(12)]
    for i in range(15):
        seed = make_paper(title=f"Seed {i}")
        paper_save(user=curator, paper=seed)
        for j, candidate in enumerate(candidates):
            if (i + j) % 3:
                _edge(seed, candidate, 1.0 + j / 10)
    seen_record(user_id=curator.pk, arxiv_id=candidates[0].arxiv_id)

    with django_assert_num_queries(2):
        found = papers_for_you(user=curator, limit=5)
        reasons = [(r.reason, [s.title for s in r.seeds]) for r in found]

    assert len(found) == 5 and candidates[0].arxiv_id not in _ids(found)
    assert all(len(seeds) == 3 for _, seeds in reasons)
    assert reasons[0][0] == "near 10 papers you saved"


# --- The seen store ---------------------------------------------------------------------------


def _raw():
    return cache._cache.get_client(write=False)


def test_seen_keeps_the_newest_and_expires(curator, other_curator):
    now = time.time()
    for i in range(SEEN_MAX + 10):
        seen_record(user_id=curator.pk, arxiv_id=f"2401.{i:05d}", now=now + i)
    seen_record(user_id=curator.pk, arxiv_id="2401.00003", now=now + 10_000)  # seen again: kept

    ids = seen_ids(user=curator, now=now + 10_000)
    assert len(ids) == SEEN_MAX
    assert ids[0] == "2401.00003" and ids[1] == f"2401.{SEEN_MAX + 9:05d}"
    # The ten oldest went at the cap, then the next oldest for the renewed one.
    assert "2401.00000" not in ids and "2401.00010" not in ids and "2401.00011" in ids
    assert seen_ids(user=other_curator) == []

    key = cache.make_and_validate_key(f"seen:{curator.pk}")
    assert _raw().zcard(key) == SEEN_MAX
    assert SEEN_SECONDS - 60 < _raw().ttl(key) <= SEEN_SECONDS
    # Views older than the lifetime no longer count, and are dropped at the next write.
    later = now + 10_000 + SEEN_SECONDS - 5_000
    assert seen_ids(user=curator, now=later) == ["2401.00003"]
    seen_record(user_id=curator.pk, arxiv_id="2402.00001", now=later)
    assert _raw().zcard(key) == 2


def test_without_redis_the_same_rules_hold_in_process_memory(settings, curator):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    now = time.time()
    for i in range(SEEN_MAX + 2):
        seen_record(user_id=curator.pk, arxiv_id=f"2401.{i:05d}", now=now + i)
    ids = seen_ids(user=curator, now=now + SEEN_MAX)
    assert len(ids) == SEEN_MAX and ids[0] == f"2401.{SEEN_MAX + 1:05d}"
    assert "2401.00001" not in ids and "2401.00002" in ids
    latest = now + SEEN_MAX + 1
    assert seen_ids(user=curator, now=latest + SEEN_SECONDS) == [f"2401.{SEEN_MAX + 1:05d}"]


def test_anonymous_views_are_not_recorded():
    from django.contrib.auth.models import AnonymousUser

    seen_record(user_id=None, arxiv_id="2401.00001")
    assert seen_ids(user=AnonymousUser()) == []
    assert _raw().keys("*seen:*") == []


def test_paper_page_records_signed_in_views_only(client, curator):
    paper = make_paper()
    client.get(paper.get_absolute_url())  # anonymous (and cached from now on)
    assert _raw().keys("*seen:*") == []

    client.force_login(curator)
    with CaptureQueriesContext(connection) as signed_in:
        assert client.get(paper.get_absolute_url()).status_code == 200
    assert seen_ids(user=curator) == [paper.arxiv_id]
    assert not any("seen" in q["sql"] for q in signed_in)  # Redis only, no table
    client.get("/papers/2401.99999/")  # unknown paper: nothing recorded
    assert seen_ids(user=curator) == [paper.arxiv_id]


def test_a_failed_record_does_not_fail_the_page(client, curator, monkeypatch):
    from redis.client import Pipeline
    from redis.exceptions import ConnectionError as RedisConnectionError

    def refuse(self, *args, **kwargs):
        raise RedisConnectionError("Redis is away")

    paper = make_paper()
    client.force_login(curator)
    monkeypatch.setattr(Pipeline, "execute", refuse)
    assert client.get(paper.get_absolute_url()).status_code == 200
    monkeypatch.undo()
    assert seen_ids(user=curator) == []


# --- The home page ----------------------------------------------------------------------------


def test_anonymous_home_page_has_no_for_you(client, corpus):
    html = client.get("/").content.decode()
    assert "home-for-you" not in html and "For you" not in html
    fragment = client.get("/", headers={"HX-Request": "true", "HX-Target": "home-for-you"})
    assert fragment.status_code == 200 and fragment.content.decode().strip() == ""
    assert "For you" not in client.get("/?for_you=1").content.decode()


def test_signed_in_home_page_asks_for_the_block_without_extra_queries(client, corpus, curator):
    client.force_login(curator)
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/").content.decode()
    assert 'id="home-for-you"' in html and 'hx-get="/?for_you=1"' in html
    assert 'hx-target="this"' in html and '<a href="?for_you=1">' in html
    assert "for-you__reason" not in html
    # The paper list (4) and every signed-in page's user and notifications (2; the session
    # is read from the cache).
    assert len(queries) == 4 + 2


def test_for_you_block_lists_recommendations_with_reasons(client, corpus, curator):
    client.force_login(curator)
    headers = {"HX-Request": "true", "HX-Target": "home-for-you"}
    response = client.get("/?for_you=1", headers=headers)
    block = response.content.decode()
    assert response.status_code == 200 and "<html" not in block
    assert "HX-Request" in response["Vary"] and "hx-get" not in block
    assert block.index("Near both seeds") < block.index("Strongly near one seed")
    nearest = 'title="Nearest to: Saved seed paper; Liked seed paper">'
    assert nearest + "near 2 papers you saved or liked" in block
    assert f'near <a class="math" href="{corpus["saved_seed"].get_absolute_url()}">' in block
    assert corpus["near_both"].get_absolute_url() in block
    # Without JavaScript the link renders the block in the page.
    html = client.get("/?for_you=1").content.decode()
    assert "<html" in html and "Near both seeds" in html and 'hx-get="/?for_you=1"' not in html


def test_for_you_block_says_how_to_get_recommendations(client, other_curator):
    make_paper()
    client.force_login(other_curator)
    headers = {"HX-Request": "true", "HX-Target": "home-for-you"}
    block = client.get("/?for_you=1", headers=headers).content.decode()
    assert "For you" in block and "Save or like papers to get recommendations" in block
