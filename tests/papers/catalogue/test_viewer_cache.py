"""A viewer's kept page (papers/catalogue/viewer_cache.py) never outlives a change: after
each kind of change of theirs, or one that reaches them from elsewhere (a notification, a
moderator's hide, joining the moderators), their next page is again the page rendered whole
for them, byte for byte but for the CSRF tokens. And no viewer ever gets another's page."""

import re
import time

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.notifications.services import (
    notifications_for_review,
    notifications_mark_all_read,
)
from accounts.services import MODERATORS_GROUP
from papers.catalogue.page_slots import csrf_mark
from papers.catalogue.viewer_cache import VIEWER_PAGE_SECONDS, local_viewer_pages
from papers.curation.collections import (
    collection_create,
    collection_delete,
    collection_update,
    item_move,
    item_note_set,
)
from papers.curation.reactions import reaction_add, reaction_remove
from papers.curation.saves import paper_save, paper_unsave
from papers.curation.votes import vote_toggle
from papers.models import Vote
from reviews.discussion.services import comment_create
from reviews.helpful.services import helpful_toggle
from reviews.moderation.reports import report_create
from reviews.moderation.services import collections_hide, items_hide
from reviews.reviews.services import ReviewText, review_create
from tests.papers.catalogue.test_member_page import _assert_same_page
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


@pytest.fixture
def scene(django_user_model):
    paper, elsewhere = make_paper(title="Viewed paper"), make_paper(title="Another paper")
    viewer = django_user_model.objects.create_user("viewer", password="x" * 12)
    writer = django_user_model.objects.create_user("writer", password="x" * 12)
    moderator = django_user_model.objects.create_user("mod", password="x" * 12)
    moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    text = ReviewText(strengths="Clear.", recommendation="skim", confidence=3)
    review = review_create(author=writer, paper=paper, text=text)
    far_review = review_create(author=writer, paper=elsewhere, text=text)
    comment = comment_create(author=writer, paper=paper, body="A note.")
    shelf = collection_create(owner=viewer, name="Shelf")
    paper_save(user=viewer, paper=elsewhere, collection=shelf)
    return {
        "paper": paper,
        "elsewhere": elsewhere,
        "viewer": viewer,
        "moderator": moderator,
        "review": review,
        "far_review": far_review,
        "comment": comment,
        "shelf": shelf,
    }


def _notified(s):
    paper_save(user=s["viewer"], paper=s["elsewhere"])  # saved: hears of its reviews
    notifications_for_review(review_id=s["far_review"].pk)


CHANGES = {
    "vote": lambda s: vote_toggle(user=s["viewer"], paper=s["paper"], value=Vote.Value.LIKE),
    "vote changed": lambda s: (
        vote_toggle(user=s["viewer"], paper=s["paper"], value=Vote.Value.LIKE),
        s["check"](),
        vote_toggle(user=s["viewer"], paper=s["paper"], value=Vote.Value.DISLIKE),
    ),
    "save": lambda s: paper_save(user=s["viewer"], paper=s["paper"]),
    "unsave": lambda s: (
        paper_save(user=s["viewer"], paper=s["paper"], collection=s["shelf"]),
        s["check"](),
        paper_unsave(user=s["viewer"], paper=s["paper"], collection=s["shelf"]),
    ),
    "new collection": lambda s: collection_create(owner=s["viewer"], name="Brand new"),
    "renamed collection": lambda s: collection_update(collection=s["shelf"], name="Renamed"),
    "public collection": lambda s: collection_update(collection=s["shelf"], is_public=True),
    "deleted collection": lambda s: collection_delete(collection=s["shelf"]),
    "reaction": lambda s: reaction_add(user=s["viewer"], paper=s["paper"], kind="novel_method"),
    "reaction removed": lambda s: (
        reaction_add(user=s["viewer"], paper=s["paper"], kind="novel_method"),
        s["check"](),
        reaction_remove(user=s["viewer"], paper=s["paper"], kind="novel_method"),
    ),
    "helpful": lambda s: helpful_toggle(user=s["viewer"], target=s["review"]),
    "report": lambda s: report_create(reporter=s["viewer"], target=s["comment"], reason="spam"),
    "notification": _notified,
    "notifications read": lambda s: (
        _notified(s),
        s["check"](),
        notifications_mark_all_read(user=s["viewer"]),
    ),
    "notified review hidden": lambda s: (
        _notified(s),
        s["check"](),
        items_hide(moderator=s["moderator"], items=[s["far_review"]], reason="spam"),
    ),
    "display name": lambda s: (
        setattr(s["viewer"], "display_name", "Dr. Viewer"),
        s["viewer"].save(),
    ),
    "made a moderator": lambda s: s["viewer"].groups.add(Group.objects.get(name=MODERATORS_GROUP)),
}


# Changes the page does not show (moderation happens in the admin): only checked to be exact.
UNSEEN = {"made a moderator"}


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_reaches_the_viewers_next_page(scene, change):
    paper, viewer = scene["paper"], scene["viewer"]

    def check() -> None:  # a page, kept, between the steps of a change
        scene["before"] = _assert_same_page(viewer, paper)

    scene["check"] = check
    check()
    assert len(local_viewer_pages._pages) == 1  # kept from here on

    CHANGES[change](scene)

    viewer.refresh_from_db()
    after = _assert_same_page(viewer, paper)
    if change not in UNSEEN:
        assert TOKEN.sub("T", after) != TOKEN.sub("T", scene["before"]), "the change is unseen"


def test_a_kept_page_is_served_with_a_fresh_csrf_token_and_expires(scene, monkeypatch):
    paper, viewer = scene["paper"], scene["viewer"]
    client = Client()
    client.force_login(viewer)
    first = client.get(paper.get_absolute_url()).content.decode()
    second = client.get(paper.get_absolute_url()).content.decode()
    (key,) = local_viewer_pages._pages
    kept_under = local_viewer_pages._pages[key][0]
    # Served from memory, with a token of its own and no mark left in it.
    assert TOKEN.sub("T", first) == TOKEN.sub("T", second)
    tokens = [re.findall(r'csrfmiddlewaretoken" value="([^"]+)', page) for page in (first, second)]
    assert tokens[0] and len(tokens[0]) == len(tokens[1]) and tokens[0][0] != tokens[1][0]
    assert csrf_mark() not in second
    # The next time window reads the viewer's state again.
    later = time.time() + VIEWER_PAGE_SECONDS
    monkeypatch.setattr("papers.catalogue.viewer_cache.time.time", lambda: later)
    client.get(paper.get_absolute_url())
    assert local_viewer_pages._pages[key][0] != kept_under


def test_viewers_in_turn_each_get_their_own_page(scene, django_user_model):
    paper, viewer = scene["paper"], scene["viewer"]
    other = django_user_model.objects.create_user("other", password="x" * 12)
    vote_toggle(user=viewer, paper=paper, value=Vote.Value.LIKE)
    reaction_add(user=other, paper=paper, kind="novel_method")
    client = Client()
    pages = {}
    for _ in range(2):
        for who in (viewer, other, scene["moderator"], None):
            client.logout()
            if who is not None:
                client.force_login(who)
            pages.setdefault(who, set()).add(
                TOKEN.sub("T", client.get(paper.get_absolute_url()).content.decode())
            )
    assert all(len(seen) == 1 for seen in pages.values())  # the same page each time
    viewer_page, other_page = pages[viewer].pop(), pages[other].pop()
    assert "<dt>Your vote</dt><dd>Liked</dd>" in viewer_page
    assert "<dt>Your vote</dt><dd>Liked</dd>" not in other_page
    assert ">viewer<" in viewer_page and ">viewer<" not in other_page


def _signed_in_as_viewer(html: str) -> bool:
    return ">viewer<" in html


def test_a_session_the_account_no_longer_accepts_gets_no_kept_page(scene):
    """Kept pages are found from the session without loading the user: a session signed out
    by a new password, a deactivated account or a log-out must still be refused."""
    paper, viewer = scene["paper"], scene["viewer"]
    url = paper.get_absolute_url()
    old_session, other_session = Client(), Client()
    for client in (old_session, other_session):
        client.force_login(viewer)
        assert _signed_in_as_viewer(client.get(url).content.decode())
        assert _signed_in_as_viewer(client.get(url).content.decode())  # kept

    viewer.set_password("a new password 123")
    viewer.save()
    fresh = Client()
    fresh.force_login(viewer)
    assert _signed_in_as_viewer(fresh.get(url).content.decode())
    assert _signed_in_as_viewer(fresh.get(url).content.decode())  # kept for the new session
    # The sessions of the old password are signed out, kept page or not.
    assert not _signed_in_as_viewer(old_session.get(url).content.decode())
    assert not _signed_in_as_viewer(other_session.get(url).content.decode())

    from reviews.moderation.services import user_mark_spam

    user_mark_spam(moderator=scene["moderator"], user=viewer, reason="spam")
    assert not _signed_in_as_viewer(fresh.get(url).content.decode())


def test_a_viewer_who_logs_out_gets_the_public_page(scene):
    paper, viewer = scene["paper"], scene["viewer"]
    client = Client()
    client.force_login(viewer)
    client.get(paper.get_absolute_url())
    assert _signed_in_as_viewer(client.get(paper.get_absolute_url()).content.decode())
    client.post("/accounts/logout/")
    assert not _signed_in_as_viewer(client.get(paper.get_absolute_url()).content.decode())


# --- Lists kept for their viewer: notifications, collections -------------------------------


def _queries(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_notifications_page_is_kept_until_an_entry_its_paper_or_its_writer_changes(
    scene, django_user_model
):
    viewer, elsewhere = scene["viewer"], scene["elsewhere"]
    writer = scene["far_review"].author
    _notified(scene)
    client = Client()
    client.force_login(viewer)
    url = "/accounts/notifications/"
    cold, html = _queries(client, url)
    assert "Another paper" in html and "Mark all as read" in html
    kept, again = _queries(client, url)
    assert kept == 0 < cold  # found from the session alone
    assert TOKEN.sub("T", again) == TOKEN.sub("T", html)

    writer.display_name = "Renamed Writer"
    writer.save()
    assert "Renamed Writer reviewed" in _queries(client, url)[1]
    make_paper(arxiv_id=elsewhere.arxiv_id, version=2, title="Another paper, retitled")
    assert "Another paper, retitled" in _queries(client, url)[1]
    notifications_mark_all_read(user=viewer)
    assert "Mark all as read" not in _queries(client, url)[1]
    items_hide(moderator=scene["moderator"], items=[scene["far_review"]], reason="spam")
    assert "No notifications yet." in _queries(client, url)[1]


def test_a_collection_page_is_kept_until_the_owner_or_a_paper_shown_changes(
    scene, django_user_model
):
    viewer, shelf, elsewhere = scene["viewer"], scene["shelf"], scene["elsewhere"]
    shelf = collection_update(collection=shelf, is_public=True)
    reader = django_user_model.objects.create_user("reader", password="x" * 12)
    owner_client, reader_client = Client(), Client()
    owner_client.force_login(viewer)
    reader_client.force_login(reader)
    url = shelf.get_absolute_url()
    for client in (owner_client, reader_client):
        cold, html = _queries(client, url)
        kept, again = _queries(client, url)
        assert kept == 0 < cold  # who may see it was asked when it was kept
        assert TOKEN.sub("T", again) == TOKEN.sub("T", html)
    assert "Edit collection" in _queries(owner_client, url)[1]
    assert "Edit collection" not in _queries(reader_client, url)[1]

    item_note_set(collection=shelf, paper=elsewhere, note="A note for the reading group")
    make_paper(arxiv_id=scene["paper"].arxiv_id, version=2, title="Viewed paper, retitled")
    paper_save(user=viewer, paper=scene["paper"], collection=shelf)
    for client in (owner_client, reader_client):
        html = _queries(client, url)[1]
        assert "A note for the reading group" in html and "Viewed paper, retitled" in html
    make_paper(arxiv_id=elsewhere.arxiv_id, version=2, title="Another paper, retitled")
    html = _queries(reader_client, url)[1]
    assert html.index("Another paper, retitled") < html.index("Viewed paper, retitled")
    item_move(collection=shelf, paper=scene["paper"], offset=-1)  # written in bulk
    html = _queries(reader_client, url)[1]
    assert html.index("Viewed paper, retitled") < html.index("Another paper, retitled")
    # Hidden by a moderator: gone for the reader at once, marked for the owner.
    collections_hide(moderator=scene["moderator"], collections=[shelf], reason="spam")
    assert reader_client.get(url).status_code == 404
    assert "A moderator hid this collection" in _queries(owner_client, url)[1]


def test_a_profile_is_kept_until_the_person_shown_changes(scene, django_user_model):
    shown = scene["far_review"].author
    client = Client()
    client.force_login(scene["viewer"])
    url = f"/accounts/profile/{shown.username}/"
    cold, html = _queries(client, url)
    kept, again = _queries(client, url)
    assert kept == 0 < cold  # whether the profile is shown was asked when it was kept
    assert TOKEN.sub("T", again) == TOKEN.sub("T", html)
    picks = collection_create(owner=shown, name="Writer's picks", is_public=True)
    assert "Writer&#x27;s picks" in _queries(client, url)[1]
    paper_save(user=shown, paper=scene["paper"], collection=picks)
    assert "1 paper<" in _queries(client, url)[1]
    shown.affiliation = "Institute of Kept Pages"
    shown.save()
    assert "Institute of Kept Pages" in _queries(client, url)[1]
    collections_hide(moderator=scene["moderator"], collections=[picks], reason="spam")
    assert "Writer&#x27;s picks" not in _queries(client, url)[1]


def test_who_may_see_a_kept_list_is_asked_again_after_any_change_to_it(scene, django_user_model):
    """Kept lists are served from the session alone: whatever decides who may see them (the
    collection's privacy, a moderator's hide, its deletion, the owner's account, the viewer's
    session) replaces a token they depend on."""
    viewer, moderator = scene["viewer"], scene["moderator"]
    shelf = collection_update(collection=scene["shelf"], is_public=True)
    reader = django_user_model.objects.create_user("reader", password="x" * 12)
    client = Client()
    client.force_login(reader)
    shelf_url, profile_url = shelf.get_absolute_url(), f"/accounts/profile/{viewer.username}/"

    def kept(url: str) -> None:
        _queries(client, url)
        assert _queries(client, url)[0] == 0

    kept(shelf_url)
    collection_update(collection=shelf, is_public=False)
    assert client.get(shelf_url).status_code == 404
    collection_update(collection=shelf, is_public=True)
    kept(shelf_url)
    collection_delete(collection=shelf)
    assert client.get(shelf_url).status_code == 404

    shelf = collection_create(owner=viewer, name="Second shelf", is_public=True)
    shelf_url = shelf.get_absolute_url()
    kept(shelf_url)
    kept(profile_url)
    from reviews.moderation.services import user_mark_spam

    user_mark_spam(moderator=moderator, user=viewer, reason="spam")
    assert client.get(shelf_url).status_code == 404
    assert client.get(profile_url).status_code == 404

    # The reader's own session: a log-out or a new password signs the kept pages out too.
    kept("/accounts/notifications/")
    client.post("/accounts/logout/")
    assert client.get("/accounts/notifications/").status_code == 302
    client.force_login(reader)
    kept("/accounts/notifications/")
    reader.set_password("a new password 123")
    reader.save()
    assert client.get("/accounts/notifications/").status_code == 302
