import re
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from papers.arxiv.parser import parse_document
from papers.models import (
    Author,
    Authorship,
    Collection,
    CollectionItem,
    Paper,
    PaperTopic,
    PaperVersion,
    Reaction,
    Topic,
    Vote,
)
from papers.services.demo import DEMO_PASSWORD, demo_curation_plan, demo_feed_files

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
            "arxiv_id", "version", "like_count", "dislike_count", "save_count", "modified_at"
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
        r"reactions \d+ \(\d+ new\)\.\n",
        output,
    )
    paper = Paper.objects.get(arxiv_id="2203.14101")
    names = [a.author.name for a in paper.authorships.select_related("author")]
    assert len(names) == 100
    assert (names[0], names[77], names[-1]) == ("Sha Yuan", "Chujie Zheng", "Jie Tang")
    assert paper.title == "A Roadmap for Big Model"
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
    from papers.services.demo import DEMO_PASSWORD

    call_command("seed_demo", stdout=StringIO())
    response = client.post("/accounts/login/", {"login": "ada", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/papers/add/").status_code == 200
