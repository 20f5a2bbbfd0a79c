"""The signed-in paper page from the shared rendering is the page rendered whole for that
viewer: byte for byte, but for the CSRF tokens (new for every rendering).

Viewers with everything a viewer can have on a page: votes, saves in several collections,
reactions, helpful marks, reports, their own review (older than the newest shown, outdated,
with a concern marked addressed), their comments (still editable, no longer editable,
deleted), unread notifications, an intent after log-in; the first items and every item.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.cache import SessionStore
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import resolve
from django.utils import timezone

from accounts.notifications.services import notifications_for_review
from accounts.services import MODERATORS_GROUP
from papers.catalogue import selectors
from papers.catalogue.member_page import member_page
from papers.catalogue.page import paper_page_context
from papers.curation.collections import collection_create
from papers.curation.reactions import reaction_add
from papers.curation.saves import paper_save
from papers.curation.votes import vote_toggle
from papers.models import Vote
from reviews.discussion.services import comment_create, comment_delete
from reviews.helpful.services import helpful_toggle
from reviews.models import Comment, Review
from reviews.moderation.reports import report_create
from reviews.moderation.services import items_hide
from reviews.reviews.services import ReviewText, concern_mark_addressed, review_create
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


def _text(i: int, **fields) -> ReviewText:
    values = {
        "claims": f"Claims of review {i} with $x_{i}$ and <b>markup</b>.",
        "concerns": [f"Concern {i}.a", f"Concern {i}.b"],
        "recommendation": "worth_reading",
        "confidence": 1 + i % 5,
    }
    return ReviewText(**(values | fields))


@pytest.fixture
def busy_paper(django_user_model):
    """A paper with 14 reviews and 45 comments in threads (more than a page shows)."""
    paper = make_paper(authors=12, version=1)
    people = [django_user_model.objects.create_user(f"writer{i}") for i in range(14)]
    for i, person in enumerate(people):
        review_create(author=person, paper=paper, text=_text(i))
    comments: list[Comment] = []
    for i in range(45):
        parent = comments[i // 3] if i % 2 and comments and comments[i // 3].depth < 3 else None
        body = f"Note {i}: see https://example.org/{'long' * 40} and `code` <!--slot-x:csrf-->"
        comments.append(
            comment_create(author=people[i % 14], paper=paper, parent=parent, body=body)
        )
    return paper, people, comments


def _request(user, path="/"):
    request = RequestFactory().get(path)
    request.user = user
    request.htmx = False
    request.session = SessionStore()
    # Signed in, as django.contrib.auth.login leaves a session.
    request.session[SESSION_KEY] = str(user.pk)
    request.session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    request.resolver_match = resolve(path)
    return request


def _assert_same_page(user, paper, *, show_all=False, intent=""):
    path = paper.get_absolute_url()
    page = member_page(_request(user, path), paper.arxiv_id, show_all=show_all, intent=intent)
    assert page is not None, "the shared page was refused"
    filled = page.html
    request = _request(user, path)
    if intent:
        request.GET = request.GET.copy()
        request.GET["intent"] = intent
    full = selectors.paper_get(arxiv_id=paper.arxiv_id, viewer=user)
    context = paper_page_context(request, full, show_all=show_all)
    whole = render_to_string("papers/detail.html", context, request)
    assert TOKEN.sub("TOKEN", filled) == TOKEN.sub("TOKEN", whole)
    return filled


@pytest.mark.parametrize("show_all", [False, True])
def test_a_curator_with_every_kind_of_state(busy_paper, django_user_model, show_all):
    paper, _, comments = busy_paper
    curator = django_user_model.objects.create_user("curator", password="x" * 12)
    vote_toggle(user=curator, paper=paper, value=Vote.Value.DISLIKE)
    paper_save(user=curator, paper=paper)
    paper_save(user=curator, paper=paper, collection=collection_create(owner=curator, name="Z"))
    collection_create(owner=curator, name="Empty <shelf>", is_public=True)
    reaction_add(user=curator, paper=paper, kind="well_written")
    reaction_add(user=curator, paper=paper, kind="novel_method")
    newest = Review.objects.filter(paper=paper).order_by("-created_at").first()
    helpful_toggle(user=curator, target=newest)
    helpful_toggle(user=curator, target=comments[0])
    report_create(reporter=curator, target=newest, reason="spam")
    report_create(reporter=curator, target=comments[2], reason="spam")
    html = _assert_same_page(curator, paper, show_all=show_all)
    assert 'id="vote-dislike"' in html and "Saved in" in html
    assert f'id="report-review-{newest.pk}"' in html and "Reported." in html


@pytest.mark.parametrize("show_all", [False, True])
def test_an_author_with_an_old_review_and_comments_of_every_age(
    busy_paper, django_user_model, show_all
):
    paper, people, _ = busy_paper
    author = people[0]  # wrote the oldest review: not among the newest shown
    review = Review.objects.get(paper=paper, author=author)
    make_paper(arxiv_id=paper.arxiv_id, version=2)  # the paper moves on: the review is outdated
    concern_mark_addressed(concern=review.concerns.first(), addressed=True)
    fresh = comment_create(author=author, paper=paper, body="Still editable")
    old = comment_create(author=author, paper=paper, body="Long ago")
    Comment.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    gone = comment_create(author=author, paper=paper, body="Soon deleted")
    comment_create(author=people[1], paper=paper, parent=gone, body="A reply keeps it")
    comment_delete(comment=gone, actor=author)
    html = _assert_same_page(author, paper, show_all=show_all)
    # Their review leads the list although eleven are newer.
    assert re.findall(r'<article class="review[^"]*" id="review-(\d+)"', html)[0] == str(review.pk)
    assert 'id="delete-review"' in html and "You have reviewed this paper" in html
    if show_all:
        assert f'id="edit-comment-{fresh.pk}"' in html
        assert f'id="edit-comment-{old.pk}"' not in html


def test_a_moderator_and_a_reader_with_unread_notifications(busy_paper, django_user_model):
    paper, _, _ = busy_paper
    moderator = django_user_model.objects.create_user("mod", password="x" * 12)
    moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    _assert_same_page(moderator, paper)
    # A reader who saved the paper hears of its reviews: unread notifications in the header.
    reader = django_user_model.objects.create_user("reader", password="x" * 12)
    paper_save(user=reader, paper=paper)
    for review in Review.objects.filter(paper=paper)[:3]:
        notifications_for_review(review_id=review.pk)
    html = _assert_same_page(reader, paper)
    assert '3<span class="visually-hidden"> unread</span>' in html


def test_an_intent_after_log_in_fills_the_whole_curation_block(busy_paper, django_user_model):
    paper, _, _ = busy_paper
    curator = django_user_model.objects.create_user("curator", password="x" * 12)
    html = _assert_same_page(curator, paper, intent="like")
    assert "You wanted to like this paper" in html


def test_an_author_of_a_hidden_item_gets_the_page_rendered_whole(busy_paper, django_user_model):
    paper, people, comments = busy_paper
    moderator = django_user_model.objects.create_user("mod", password="x" * 12)
    moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    items_hide(moderator=moderator, items=[comments[5]], reason="test")
    assert comments[5].author == people[5]
    assert member_page(_request(people[5]), paper.arxiv_id) is None
    _assert_same_page(people[6], paper)


def test_no_such_paper_is_left_to_the_not_found_page(django_user_model):
    viewer = django_user_model.objects.create_user("viewer", password="x" * 12)
    assert member_page(_request(viewer), "2401.99999") is None
