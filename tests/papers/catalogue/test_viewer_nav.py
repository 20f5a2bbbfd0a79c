"""Pages rendered afresh for a signed-in viewer (search results) take the viewer's navigation
from papers/catalogue/viewer_nav.py: the page is the one rendered whole for them, byte for
byte but for the CSRF tokens, after any change to their account or notifications; no viewer
gets another's; a session the account no longer accepts gets no kept navigation."""

import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.notifications.services import notifications_for_review
from accounts.services import MODERATORS_GROUP
from papers.catalogue import search_views
from papers.curation.saves import paper_save
from reviews.moderation.services import user_mark_spam
from reviews.reviews.services import ReviewText, review_create
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

SEARCH = "/search/"
TOKEN = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


def _search(client: Client, q: str = "graph") -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SEARCH, {"q": q})
    assert response.status_code == 200
    return len(queries), response.content.decode()


def _whole(client: Client, monkeypatch, q: str = "graph") -> str:
    """The page rendered whole for the viewer, without the kept navigation."""
    with monkeypatch.context() as patched:
        patched.setattr(search_views, "render_for_viewer", lambda *args, **kwargs: None)
        return client.get(SEARCH, {"q": q}).content.decode()


def _same(a: str, b: str) -> bool:
    return TOKEN.sub("T", a) == TOKEN.sub("T", b)


@pytest.fixture
def moderator(django_user_model):
    user = django_user_model.objects.create_user("mod", password="x" * 12)
    user.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return user


@pytest.fixture
def papers():
    return [make_paper(title=f"Graph networks part {n}") for n in range(3)]


def test_the_navigation_is_kept_and_the_page_is_the_whole_one(
    papers, curator, other_curator, monkeypatch
):
    client = Client()
    client.force_login(curator)
    cold, html = _search(client)
    kept, again = _search(client)
    assert kept < cold and _same(again, html) and _same(again, _whole(client, monkeypatch))
    assert f">{curator.username}<" in again and "Log out" in again
    # Each request its own CSRF token, and it works.
    tokens = {TOKEN.search(_search(client)[1])[0] for _ in range(2)}
    assert len(tokens) == 2
    other = Client()
    other.force_login(other_curator)
    theirs = _search(other)[1]
    assert f">{other_curator.username}<" in theirs and f">{curator.username}<" not in theirs
    assert f">{curator.username}<" in _search(client)[1]


def test_a_notification_or_a_new_name_reaches_the_kept_navigation(
    papers, curator, other_curator, monkeypatch
):
    client = Client()
    client.force_login(curator)
    _search(client), _search(client)
    paper_save(user=curator, paper=papers[0])  # saved: hears of its reviews
    text = ReviewText(strengths="Clear.", recommendation="skim", confidence=3)
    review = review_create(author=other_curator, paper=papers[0], text=text)
    notifications_for_review(review_id=review.pk)
    html = _search(client)[1]
    assert '1<span class="visually-hidden"> unread</span>' in html
    assert _same(html, _whole(client, monkeypatch))
    curator.display_name = "Dr. Navigation"
    curator.save()
    html = _search(client)[1]
    assert "Dr. Navigation" in html and _same(html, _whole(client, monkeypatch))


def test_a_session_the_account_no_longer_accepts_gets_no_kept_navigation(
    papers, curator, other_curator, moderator
):
    client, other_session = Client(), Client()
    for each in (client, other_session):
        each.force_login(curator)
        _search(each), _search(each)
    curator.set_password("a new password 123")
    curator.save()
    for each in (client, other_session):
        html = _search(each)[1]
        assert f">{curator.username}<" not in html and "Log in" in html
    client.force_login(curator)
    _search(client), _search(client)
    user_mark_spam(moderator=moderator, user=curator, reason="spam")
    assert f">{curator.username}<" not in _search(client)[1]
    fresh = Client()
    fresh.force_login(other_curator)
    _search(fresh), _search(fresh)
    fresh.post("/accounts/logout/")
    assert f">{other_curator.username}<" not in _search(fresh)[1]


def test_signed_in_results_are_never_taken_from_the_shared_cache(papers, curator):
    anonymous = Client()
    assert "3 papers" in _search(anonymous)[1]
    make_paper(title="Graph networks part 4")
    assert "3 papers" in _search(anonymous)[1]  # cached for a while
    client = Client()
    client.force_login(curator)
    assert "4 papers" in _search(client)[1]


def _rendered(response) -> bool:
    # The page, or its results partial (recorded under the partial's name).
    return any(t.name in ("papers/search.html", "results") for t in response.templates)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx results"])
def test_a_page_of_results_is_rendered_once_for_the_rows_a_ranking_finds(
    papers, curator, other_curator, htmx
):
    """The ranking runs on every request; the rendering of what it found is kept under the
    address, the rows, their number and the cards' tokens, and shared by every viewer."""
    headers = {"HX-Request": "true"} if htmx else {}
    client, other = Client(), Client()
    client.force_login(curator)
    other.force_login(other_curator)

    def search(who: Client) -> tuple[bool, str, int]:
        with CaptureQueriesContext(connection) as queries:
            response = who.get(SEARCH, {"q": "graph"}, headers=headers)
        html = TOKEN.sub("T", response.content.decode())
        return _rendered(response), html, len(queries)

    rendered, first, _ = search(client)
    assert rendered and "3 papers" in first
    rendered, again, queries = search(client)
    assert not rendered and again == first and queries == 1  # the ranking, every time
    rendered, theirs, _ = search(other)
    assert not rendered
    if not htmx:
        assert f">{other_curator.username}<" in theirs and f">{curator.username}<" not in theirs
    # A paper found anew, a card's paper changed: rendered again.
    make_paper(title="Graph networks part 4")
    rendered, html, _ = search(client)
    assert rendered and "4 papers" in html and "Graph networks part 4" in html
    make_paper(arxiv_id=papers[0].arxiv_id, version=2, title="Graph networks, revised")
    rendered, html, _ = search(client)
    assert rendered and "Graph networks, revised" in html
    # The same search in another order, another address: its own rendering.
    assert _rendered(client.get(SEARCH, {"q": "graph", "sort": "newest"}, headers=headers))
