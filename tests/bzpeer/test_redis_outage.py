"""Redis down, for real (the cache, the page tokens and the broker at a closed port): pages,
log-in and writes go on from the database, nothing answers 500, and what was written is kept.
"""

import time

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from bzpeer.celery import app
from papers.models import ImportJob, Vote
from reviews.models import Comment
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

CLOSED_PORT = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings, monkeypatch):
    caches = {
        alias: {**config, "LOCATION": CLOSED_PORT} for alias, config in settings.CACHES.items()
    }
    monkeypatch.setattr(app.conf, "broker_url", CLOSED_PORT)
    with override_settings(CACHES=caches):
        yield


@pytest.fixture
def ada():
    user = get_user_model().objects.create_user(
        "ada", email="ada@example.org", password="pw-ada-123456"
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_pages_answer_from_the_database(ada, redis_down):
    paper = make_paper(abstract="Attention with $x^2$.")
    signed_in = Client()
    signed_in.force_login(ada)
    for client in (Client(), signed_in):
        for url in (
            "/",
            paper.get_absolute_url(),
            f"{paper.get_absolute_url()}map/slice/",
            "/search/?q=attention",
            "/api/papers/",
            f"/api/papers/{paper.arxiv_id}/",
        ):
            response, elapsed = timed(lambda url=url, client=client: client.get(url))
            assert response.status_code == 200, url
            assert elapsed < 5, f"{url} took {elapsed:.1f} s"  # no waiting on Redis
    assert paper.title in signed_in.get(paper.get_absolute_url()).content.decode()


def test_logging_in_works(ada, redis_down):
    client = Client()
    response = client.post("/accounts/login/", {"login": "ada", "password": "pw-ada-123456"})
    assert response.status_code == 302
    assert client.get("/accounts/notifications/").status_code == 200


def test_writes_are_kept(ada, redis_down):
    paper = make_paper()
    client = Client()
    client.force_login(ada)

    vote = client.post(f"/papers/{paper.arxiv_id}/vote", {"value": "like"})
    comment = client.post(
        f"/papers/{paper.arxiv_id}/comments/", {"kind": "note", "body": "Kept while Redis is down."}
    )
    added, elapsed = timed(lambda: client.post("/papers/add/", {"arxiv_id": "2402.01234"}))

    assert vote.status_code < 400 and comment.status_code < 400
    assert Vote.objects.get(user=ada, paper=paper).value == Vote.Value.LIKE
    assert Comment.objects.get(paper=paper).body == "Kept while Redis is down."
    assert added.status_code == 503 and elapsed < 3
    assert ImportJob.objects.get().arxiv_id == "2402.01234"
    # The page shows the writes at once, without the cache.
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "Kept while Redis is down." in html


def test_the_site_cache_answers_as_a_miss_while_redis_is_down():
    from bzpeer.cache_backend import FailSoftRedisCache

    cache = FailSoftRedisCache(CLOSED_PORT, {})
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False
    assert cache.add("k", 1) is True  # as if added: locks and guards go on
    assert cache.set("k", 1) is None and cache.set_many({"a": 1}) == ["a"]
    assert cache.delete("k") is False and cache.touch("k") is False
    with pytest.raises(ValueError):
        cache.incr("counter")  # read by django-ratelimit as an unknown count
    assert cache.get_or_set("k", 5) == 5
