import copy
import re
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from devdata import demo
from devdata.demo import (
    DEMO_PASSWORD,
    DemoDataError,
    demo_curation_plan,
    demo_discussion_plan,
    demo_feed_files,
    demo_seed,
)
from papers.arxiv.parser import parse_document
from papers.models import (
    Author,
    Authorship,
    Collection,
    CollectionItem,
    Paper,
    PaperNeighbour,
    PaperTopic,
    PaperVersion,
    Reaction,
    Topic,
    Vote,
)
from reviews.discussion.services import comment_delete, comment_edit
from reviews.models import Comment, Review, ReviewConcern
from reviews.reviews.services import ReviewText, review_update

ROADMAP = "2203.14101"

ROADMAP_VERSIONS = [
    (1, datetime(2022, 3, 26, 15, 38, 0, tzinfo=UTC)),
    (2, datetime(2022, 3, 30, 13, 12, 42, tzinfo=UTC)),
    (3, datetime(2022, 4, 2, 3, 1, 40, tzinfo=UTC)),
    (4, datetime(2022, 4, 20, 4, 20, 28, tzinfo=UTC)),
]
MODELS = [
    Paper,
    Author,
    Authorship,
    PaperVersion,
    PaperTopic,
    Topic,
    get_user_model(),
    Vote,
    Collection,
    CollectionItem,
    Reaction,
    Review,
    ReviewConcern,
    Comment,
]


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def counters() -> list[tuple]:
    return list(
        Paper.objects.order_by("arxiv_id").values_list(
            "arxiv_id",
            "version",
            "like_count",
            "dislike_count",
            "save_count",
            "review_count",
            "comment_count",
            "modified_at",
        )
    )


def test_every_demo_feed_parses():
    files = demo_feed_files()
    assert len(files) >= 5
    records = []
    for path in files:
        feed = parse_document(path.read_bytes())
        assert feed.format == "atom"
        assert feed.total_results == len(feed.records) > 0, path.name
        records.extend(feed.records)
    ids = {r.arxiv_id for r in records}
    assert len(ids) >= 60
    assert all(r.title and r.authors and r.categories and r.published for r in records)


@pytest.mark.django_db
def test_seed_loads_the_roadmap_with_its_full_history():
    output = seed()

    assert Paper.objects.count() >= 60
    assert re.fullmatch(
        r"Demo data: papers \d+ created, 3 updated, 0 unchanged; users 4 \(4 new\); "
        r"votes \d+ \(\d+ new\); saves \d+ \(\d+ new\); collections \d+ \(\d+ new\); "
        r"reactions \d+ \(\d+ new\); reviews 7 \(7 new\); comments 24 \(24 new\); "
        r"research map: \d+ neighbours\.\n",
        output,
    )
    paper = Paper.objects.get(arxiv_id="2203.14101")
    names = [a.author.name for a in paper.authorships.select_related("author")]
    assert len(names) == 100
    assert (names[0], names[77], names[-1]) == ("Sha Yuan", "Chujie Zheng", "Jie Tang")
    assert paper.title == "A Roadmap for Big Model"
    # The map is there at once: CPM shares nine of the Roadmap's authors.
    assert PaperNeighbour.objects.filter(
        paper=paper, neighbour__title__startswith="CPM", reasons__0__kind="shared_authors"
    ).exists()
    assert paper.abstract.startswith("With the rapid development of deep learning, training")
    assert "We introduce 16 specific BM-related topics" in paper.abstract
    assert paper.abstract.endswith("development of BMs in a more general view.")
    assert paper.version == 4
    assert paper.withdrawn is True
    assert paper.pdf_url is None
    assert [(v.number, v.submitted) for v in paper.versions.all()] == ROADMAP_VERSIONS
    assert [v.withdrawn for v in paper.versions.all()] == [False, False, False, True]
    assert paper.published == ROADMAP_VERSIONS[0][1]
    assert paper.updated == ROADMAP_VERSIONS[-1][1]
    assert paper.primary_category == "cs.LG"
    assert [pt.topic.code for pt in paper.paper_topics.select_related("topic")] == [
        "cs.LG",
        "cs.AI",
        "cs.CL",
    ]
    assert (paper.doi, paper.journal_ref) == ("", "")


@pytest.mark.django_db
def test_seed_lifts_code_links_and_keeps_math():
    seed()

    lora = Paper.objects.get(arxiv_id="2106.09685")
    assert lora.code_url == "https://github.com/microsoft/LoRA"
    assert Paper.objects.get(arxiv_id="1906.08237").code_url == "https://github.com/zihangdai/xlnet"
    assert "$\\Delta W = BA$" in lora.abstract
    assert Paper.objects.get(arxiv_id="1706.03762").pdf_url == "https://arxiv.org/pdf/1706.03762v7"


@pytest.mark.django_db
def test_seed_counters_match_the_curation_rows():
    seed()

    paper = Paper.objects.get(arxiv_id="2203.14101")
    plan = demo_curation_plan()
    likes = sum("2203.14101" in v.get("like", []) for v in plan["votes"].values())
    saves = sum("2203.14101" in ids for ids in plan["saves"].values())
    assert likes > 0 and saves > 0
    assert (paper.like_count, paper.save_count) == (likes, saves)
    for paper in Paper.objects.all():
        assert paper.like_count == paper.votes.filter(value=Vote.Value.LIKE).count()
        assert paper.dislike_count == paper.votes.filter(value=Vote.Value.DISLIKE).count()
        savers = paper.saves.values("collection__owner").distinct().count()
        assert paper.save_count == savers
    assert Collection.objects.filter(is_default=True).count() == 4
    public = Collection.objects.filter(is_public=True, items__paper__arxiv_id="2203.14101")
    assert public.count() == 2
    roadmap = Paper.objects.get(arxiv_id="2203.14101")
    assert roadmap.reactions.filter(kind="important_result").count() == 2


@pytest.mark.django_db
def test_seed_twice_changes_nothing():
    seed()
    before = (row_counts(), counters())

    with CaptureQueriesContext(connection) as queries:
        output = seed()

    assert (row_counts(), counters()) == before
    assert "papers 0 created, 0 updated, " in output
    assert "(0 new)" in output and "(1 new)" not in output
    assert "reviews 7 (0 new); comments 24 (0 new); research map:" in output
    assert not [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]


@pytest.mark.django_db
def test_seed_repairs_wrong_counters_and_keeps_changed_votes():
    seed()
    Paper.objects.filter(arxiv_id="2203.14101").update(like_count=0, save_count=99)
    ada = get_user_model().objects.get(username="ada")
    Vote.objects.filter(user=ada, paper__arxiv_id="2203.14101").update(value=Vote.Value.DISLIKE)

    seed()

    paper = Paper.objects.get(arxiv_id="2203.14101")
    assert paper.like_count == paper.votes.filter(value=Vote.Value.LIKE).count() > 0
    assert paper.dislike_count == paper.votes.filter(value=Vote.Value.DISLIKE).count() >= 2
    assert paper.save_count == 3
    assert Vote.objects.get(user=ada, paper=paper).value == Vote.Value.DISLIKE


@pytest.mark.django_db
def test_demo_users_log_in_with_the_documented_password():
    seed()

    user = authenticate(username="ada", password=DEMO_PASSWORD)
    assert user is not None and user.display_name == "Ada Lovelace"


@pytest.mark.django_db
def test_no_passwords_creates_users_who_cannot_log_in():
    seed("--no-passwords")

    user = get_user_model().objects.get(username="grace")
    assert not user.has_usable_password()
    assert authenticate(username="grace", password=DEMO_PASSWORD) is None


@pytest.mark.django_db
def test_demo_curators_can_log_in_at_once(client):
    from devdata.demo import DEMO_PASSWORD

    call_command("seed_demo", stdout=StringIO())
    response = client.post("/accounts/login/", {"login": "ada", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/papers/add/").status_code == 200


def _comment(key: str) -> Comment:
    """The seeded comment with this id in the discussion plan."""
    item = next(c for c in demo_discussion_plan()["comments"] if c["id"] == key)
    return Comment.objects.get(body=item["body"])


@pytest.mark.django_db
def test_seed_writes_the_reviews_and_discussion_of_the_plan():
    seed()

    plan = demo_discussion_plan()
    assert Review.objects.count() == len(plan["reviews"]) == 7
    assert Comment.objects.count() == len(plan["comments"]) == 24
    roadmap = Paper.objects.get(arxiv_id=ROADMAP)
    reviews = {r.author.username: r for r in roadmap.reviews.select_related("author")}
    assert sorted(reviews) == ["ada", "alan", "barbara", "grace"]
    # Written through the service: for the paper's current version (v4, the withdrawal).
    assert {r.paper_version for r in reviews.values()} == {4}
    ada = reviews["ada"]
    assert (ada.recommendation, ada.confidence, ada.reproducibility) == (
        "worth_reading",
        3,
        "not_assessed",
    )
    assert [c.text[:28] for c in ada.concerns.all()] == [
        "**Cite v3, not the paper.** ",
        "Depth varies a lot between t",
    ]
    assert reviews["barbara"].recommendation == "skip"
    lora = Review.objects.get(paper__arxiv_id="2106.09685")
    assert lora.reproducibility == "reproducible" and "$\\Delta W = BA$" in lora.claims

    threads = roadmap.comments.all()
    assert threads.count() == 16 and threads.filter(depth=0).count() == 7
    assert max(c.depth for c in threads) == 3
    answer = _comment("cite-v3-venue-answer")
    assert answer.depth == 3
    assert answer.parent.parent.parent == _comment("cite-v3")
    pointers = threads.filter(kind="replication").order_by("pk")
    assert [(c.replication_status, c.link) for c in pointers] == [
        ("reproduced", "https://github.com/microsoft/DeepSpeed"),
        ("attempted", "https://github.com/TsinghuaAI/CPM-1-Generate"),
        ("failed", "https://github.com/facebookresearch/metaseq"),
    ]
    assert set(threads.values_list("kind", flat=True)) == {
        "note",
        "caveat",
        "question",
        "replication",
    }
    others = Paper.objects.exclude(arxiv_id=ROADMAP).filter(comment_count__gt=0)
    assert others.count() == 5


@pytest.mark.django_db
def test_seed_counts_reviews_and_comments_of_every_paper():
    seed()

    roadmap = Paper.objects.get(arxiv_id=ROADMAP)
    assert (roadmap.review_count, roadmap.comment_count) == (4, 16)
    for paper in Paper.objects.all():
        assert paper.review_count == paper.reviews.filter(is_hidden=False).count()
        visible = paper.comments.filter(is_hidden=False, is_deleted=False)
        assert paper.comment_count == visible.count()
    assert Paper.objects.filter(review_count__gt=0).count() == 4
    assert sum(Paper.objects.values_list("comment_count", flat=True)) == 24


@pytest.mark.django_db
def test_seed_repairs_wrong_review_and_comment_counts():
    seed()
    Paper.objects.filter(arxiv_id=ROADMAP).update(review_count=0, comment_count=99)

    seed()

    roadmap = Paper.objects.get(arxiv_id=ROADMAP)
    assert (roadmap.review_count, roadmap.comment_count) == (4, 16)


@pytest.mark.django_db
def test_the_roadmap_page_shows_the_demo_reviews_and_discussion(client):
    seed()

    response = client.get(f"/papers/{ROADMAP}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<span data-count="reviews">4</span> reviews' in html
    assert html.count('<article class="review"') == 4
    for name in ("Ada Lovelace", "Grace Hopper", "Alan Turing", "Barbara Liskov"):
        assert f">{name}</a>" in html
    for badge in ("Worth reading</span>", "Skim</span>", "Skip</span>"):
        assert badge in html
    assert "<strong>Cite v3, not the paper.</strong>" in html
    assert '<span class="math inline">\\(C \\approx 6ND\\)</span>' in html
    assert '<span class="review__version">for v4</span>' in html

    assert '<span data-count="comments">16</span> comments' in html
    assert "Replication: 1 reproduced, 1 failed, 1 attempted</p>" in html
    root, reply, deepest = (
        _comment("cite-v3"),
        _comment("cite-v3-authors"),
        _comment("cite-v3-venue-answer"),
    )
    assert f'id="comment-{root.pk}" data-depth="0"' in html
    assert f'id="comment-{deepest.pk}" data-depth="3"' in html
    # Threads nest: a reply is inside its root's list item, and the fourth level collapsed.
    start = html.index(f'id="comment-{root.pk}"')
    end = html.index(f'id="comment-{_comment("topics").pk}"')
    assert (
        start
        < html.index(f'id="comment-{reply.pk}"')
        < html.index(f'id="comment-{deepest.pk}"')
        < end
    )
    assert "Show 1 more reply</summary>" in html[start:end]
    assert 'href="https://github.com/microsoft/DeepSpeed" rel="nofollow ugc noopener"' in html


@pytest.mark.django_db
def test_another_demo_paper_shows_its_review_and_replication(client):
    seed()

    html = client.get("/papers/2106.09685/").content.decode()

    assert '<span data-count="reviews">1</span> review<' in html
    assert "Must read</span>" in html
    assert '<span data-count="comments">3</span> comments' in html
    assert "Replication: 1 reproduced</p>" in html


@pytest.mark.django_db
def test_seed_keeps_reviews_and_comments_their_curators_changed():
    seed()
    User = get_user_model()
    ada, alan = User.objects.get(username="ada"), User.objects.get(username="alan")
    review = Review.objects.get(author=ada, paper__arxiv_id=ROADMAP)
    review_update(
        review=review,
        text=ReviewText(recommendation="must_read", confidence=5, strengths="Changed my mind."),
    )
    # Deleted with replies: it stays as "[deleted]" and its text is gone.
    comment_delete(comment=_comment("cite-v3"), actor=ada)
    # Edited within the grace period: its text no longer matches the plan.
    topics = _comment("topics")
    comment_edit(comment=topics, editor=alan, body="Which topics, and why these 16?")
    counts = row_counts()

    output = seed()

    assert "reviews 7 (0 new); comments 24 (0 new); research map:" in output
    assert row_counts() == counts
    review.refresh_from_db()
    assert (review.recommendation, review.strengths) == ("must_read", "Changed my mind.")
    tombstone = Comment.objects.get(author=ada, is_deleted=True)
    assert tombstone.body == "" and tombstone.replies.count() == 1
    topics.refresh_from_db()
    assert topics.body == "Which topics, and why these 16?"
    roadmap = Paper.objects.get(arxiv_id=ROADMAP)
    assert (roadmap.review_count, roadmap.comment_count) == (4, 15)


@pytest.mark.django_db
def test_seed_posts_a_deleted_leaf_comment_again_like_other_missing_rows():
    seed()
    comment_delete(
        comment=_comment("cite-v3-venue-answer"),
        actor=get_user_model().objects.get(username="barbara"),
    )

    output = seed()

    assert "comments 24 (1 new); research map:" in output
    assert _comment("cite-v3-venue-answer").parent == _comment("cite-v3-venue")


def _plan_with(change) -> dict:
    plan = copy.deepcopy(demo_discussion_plan())
    change(plan)
    return plan


def _item(plan: dict, key: str) -> dict:
    return next(c for c in plan["comments"] if c["id"] == key)


BAD_PLANS = {
    "unknown reviewer": (
        lambda p: p["reviews"][0].update(author="eve"),
        "review 1 (by eve of 2203.14101) names an unknown curator 'eve'",
    ),
    "unknown commenter": (
        lambda p: _item(p, "topics").update(author="mallory"),
        "comment 'topics' names an unknown curator 'mallory'",
    ),
    "review of an unknown paper": (
        lambda p: p["reviews"][4].update(paper="2401.00001"),
        "review 5 (by ada of 2401.00001) is on 2401.00001, a paper no demo feed holds",
    ),
    "comment on an unknown paper": (
        lambda p: _item(p, "kaplan-schedules").update(paper="2401.00001"),
        "comment 'kaplan-schedules' is on 2401.00001, a paper no demo feed holds",
    ),
    "unknown recommendation": (
        lambda p: p["reviews"][1].update(recommendation="accept"),
        "review 2 (by alan of 2203.14101) has an unknown recommendation 'accept' "
        "(use must_read, worth_reading, skim, skip)",
    ),
    "confidence out of range": (
        lambda p: p["reviews"][2].update(confidence=6),
        "review 3 (by grace of 2203.14101) needs a confidence from 1 to 5, not 6",
    ),
    "review without substance": (
        lambda p: p["reviews"][3].update(strengths="", concerns=[], method_questions=""),
        "review 4 (by ada of 2203.14101) is not a valid review: strengths: Give at least one",
    ),
    "second review of a paper": (
        lambda p: p["reviews"].append(copy.deepcopy(p["reviews"][0])),
        "review 8 (by barbara of 2203.14101) is a second review by barbara of 2203.14101",
    ),
    "misspelt review field": (
        lambda p: p["reviews"][0].update(concern=["x"]),
        "review 1 (by barbara of 2203.14101) has unknown fields: concern",
    ),
    "unknown kind": (
        lambda p: _item(p, "cite-v3-authors").update(kind="rant"),
        "comment 'cite-v3-authors' has an unknown kind 'rant' "
        "(use note, caveat, replication, question)",
    ),
    "unknown replication status": (
        lambda p: _item(p, "zero-memory").update(replication_status="confirmed"),
        "comment 'zero-memory' has an unknown replication status 'confirmed' "
        "(use attempted, reproduced, failed)",
    ),
    "replication without an address": (
        lambda p: _item(p, "emergence").update(link="github.com/x"),
        "comment 'emergence' needs the http(s) address of the code, data or report it "
        "points to, not 'github.com/x'",
    ),
    "note with a status": (
        lambda p: _item(p, "topics").update(replication_status="reproduced"),
        "comment 'topics' is a question but has a link or replication status",
    ),
    "reply to an unknown comment": (
        lambda p: _item(p, "topics-intro").update(parent="topic"),
        "comment 'topics-intro' replies to 'topic', which is not a comment listed before it",
    ),
    "reply on another paper": (
        lambda p: _item(p, "topics-intro").update(paper="2106.09685"),
        "comment 'topics-intro' is on 2106.09685 but replies to a comment on 2203.14101",
    ),
    "repeated id": (
        lambda p: _item(p, "topics-intro").update(id="topics"),
        "comment 'topics' appears twice: each comment needs its own id",
    ),
    "repeated text": (
        lambda p: _item(p, "topics-intro").update(body=_item(p, "topics")["body"]),
        "comment 'topics-intro' repeats an earlier comment by alan on 2203.14101",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", BAD_PLANS, ids=list(BAD_PLANS))
def test_an_inconsistent_discussion_plan_is_refused_and_writes_nothing(monkeypatch, case):
    change, message = BAD_PLANS[case]
    monkeypatch.setattr(demo, "demo_discussion_plan", lambda: _plan_with(change))

    with pytest.raises(DemoDataError) as caught:
        demo_seed()

    assert str(caught.value).startswith(message)
    assert not (Paper.objects.exists() or get_user_model().objects.exists())
    assert not (Review.objects.exists() or Comment.objects.exists())


@pytest.mark.django_db
def test_the_command_names_the_wrong_item(monkeypatch):
    bad = _plan_with(lambda p: _item(p, "lora-glue").update(replication_status="maybe"))
    monkeypatch.setattr(demo, "demo_discussion_plan", lambda: bad)

    with pytest.raises(CommandError, match=r"^Demo data not loaded: comment 'lora-glue' has an"):
        seed()


@pytest.mark.django_db(transaction=True)
def test_seeding_queues_no_notifications(monkeypatch):
    """Demo curators saved the papers the demo reviews: seeding must not mail them. (A real
    commit: the notices would be queued when the seed's own transaction commits.)"""
    from accounts.notifications import tasks

    queued = []
    for task in (tasks.notify_new_review, tasks.notify_reply):
        monkeypatch.setattr(task, "delay", lambda *args, _t=task: queued.append((_t.name, args)))
    summary = demo_seed(password=None)
    assert summary.reviews.created and summary.comments.created
    assert queued == []
    from accounts.notifications.tasks import review_notify_enqueue

    review_notify_enqueue(Review.objects.first().pk)
    assert len(queued) == 1  # outside the seed, notices flow again
