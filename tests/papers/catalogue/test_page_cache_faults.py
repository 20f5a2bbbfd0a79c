"""A cache that fails never fails a page and never loses a change.

The fault is real: the page cache talks to a Redis address where nothing listens (the
connection is refused) for the requests or commits under test; everything else keeps the
test's Redis."""

import pytest
from django.contrib.auth.models import Group
from django.core.cache.backends.redis import RedisCache
from django.urls import reverse

from accounts.services import MODERATORS_GROUP
from papers.catalogue import page_cache
from papers.catalogue.tasks import page_refreshes_replay
from papers.models import PendingPageRefresh
from reviews.discussion.services import comment_create
from reviews.moderation.services import items_hide
from tests.support.factories import make_paper
from tests.support.pages import page_as

# Real commits: pages are refreshed when a change commits, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

CLOSED_PORT = "redis://127.0.0.1:1/0"


@pytest.fixture
def people(django_user_model):
    make = django_user_model.objects.create_user
    moderator = make("mod", password="x" * 12)
    moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return {
        "ada": make("ada", password="x" * 12),
        "bob": make("bob", password="x" * 12),
        "mod": moderator,
    }


@pytest.fixture
def cache_down(monkeypatch):
    """Call it to take the page cache away (connection refused); the fixture restores it."""
    working = page_cache.cache

    def down():
        monkeypatch.setattr(page_cache, "cache", RedisCache(CLOSED_PORT, {}))

    def up():
        monkeypatch.setattr(page_cache, "cache", working)

    down.up = up
    return down


def _cached_everywhere(client, paper, people, text):
    for viewer in (None, people["bob"], people["mod"]):
        assert text in page_as(client, paper, viewer)


def test_a_hide_made_while_the_cache_fails_reaches_everypage_as(client, people, cache_down):
    paper = make_paper(title="Fault page")
    note = comment_create(author=people["ada"], paper=paper, body="Spam that must go")
    _cached_everywhere(client, paper, people, "Spam that must go")

    cache_down()
    items_hide(moderator=people["mod"], items=[note], reason="spam")  # commits, no error
    cache_down.up()
    assert list(PendingPageRefresh.objects.values_list("arxiv_id", flat=True)) == [paper.arxiv_id]
    # The pages cached before the hide are still served until the replay...
    assert "Spam that must go" in page_as(client, paper)
    assert page_refreshes_replay.apply().get() == 1
    # ...which refreshes them for everyone.
    for viewer in (None, people["bob"], people["mod"]):
        assert "Spam that must go" not in page_as(client, paper, viewer)
    assert not PendingPageRefresh.objects.exists()


def test_hiding_again_refreshes_a_page_the_first_hide_missed(client, people, cache_down):
    paper = make_paper(title="Fault page")
    note = comment_create(author=people["ada"], paper=paper, body="Spam that must go")
    _cached_everywhere(client, paper, people, "Spam that must go")
    cache_down()
    items_hide(moderator=people["mod"], items=[note], reason="spam")
    cache_down.up()
    PendingPageRefresh.objects.all().delete()  # as if the replay had not run yet
    assert "Spam that must go" in page_as(client, paper)
    items_hide(moderator=people["mod"], items=[note], reason="spam, again")
    for viewer in (None, people["bob"]):
        assert "Spam that must go" not in page_as(client, paper, viewer)


def test_a_replay_while_the_cache_still_fails_keeps_the_pending_refreshes(people, cache_down):
    paper = make_paper(title="Fault page")
    note = comment_create(author=people["ada"], paper=paper, body="Spam")
    cache_down()
    items_hide(moderator=people["mod"], items=[note], reason="spam")
    with pytest.raises(Exception):  # noqa: B017  (whatever the Redis client raises)
        page_cache.page_refreshes_replay()
    assert list(PendingPageRefresh.objects.values_list("arxiv_id", flat=True)) == [paper.arxiv_id]


def test_writes_answer_success_and_pages_render_while_the_cache_fails(client, people, cache_down):
    paper = make_paper(title="Fault page")
    client.force_login(people["bob"])
    cache_down()
    url = reverse("reviews:comment-create", args=[paper.arxiv_id])
    response = client.post(url, {"body": "Written while the cache is down", "kind": "note"})
    assert response.status_code == 303
    assert PendingPageRefresh.objects.filter(arxiv_id=paper.arxiv_id).exists()
    # Pages and lists render without the cache, with what the database holds.
    assert "Written while the cache is down" in page_as(client, paper, people["bob"])
    assert "Written while the cache is down" in page_as(client, paper)
    assert client.get("/").status_code == 200
    assert client.get("/search/", {"q": "fault"}).status_code == 200
