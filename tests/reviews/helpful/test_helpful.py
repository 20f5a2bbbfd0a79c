"""Curators mark reviews and comments helpful: once each, never their own, never hidden
items; the counts show on the page without extra queries per item."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reviews.discussion.services import comment_create
from reviews.helpful.services import helpful_toggle
from reviews.models import Comment, HelpfulMark, Review
from reviews.reviews.services import ReviewText, review_create
from tests.support.concurrency import run_at_once
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def _review(paper, author):
    return review_create(author=author, paper=paper, text=ReviewText("skim", 3, strengths="Ok."))


def test_toggle_marks_and_unmarks(curator, other_curator):
    paper = make_paper()
    review = _review(paper, curator)
    assert helpful_toggle(user=other_curator, target=review) is True
    assert HelpfulMark.objects.filter(review=review).count() == 1
    assert helpful_toggle(user=other_curator, target=review) is False
    assert not HelpfulMark.objects.exists()


def test_authors_cannot_mark_their_own_items(curator):
    paper = make_paper()
    review = _review(paper, curator)
    comment = comment_create(author=curator, paper=paper, body="Mine")
    for target in (review, comment):
        with pytest.raises(ValidationError, match="what you wrote yourself"):
            helpful_toggle(user=curator, target=target)
    assert not HelpfulMark.objects.exists()


def test_hidden_or_deleted_items_cannot_be_marked(curator, other_curator):
    paper = make_paper()
    review = _review(paper, curator)
    Review.objects.filter(pk=review.pk).update(is_hidden=True)
    review.refresh_from_db()
    with pytest.raises(ValidationError):
        helpful_toggle(user=other_curator, target=review)
    comment = comment_create(author=curator, paper=paper, body="Gone")
    Comment.objects.filter(pk=comment.pk).update(is_deleted=True)
    comment.refresh_from_db()
    with pytest.raises(ValidationError):
        helpful_toggle(user=other_curator, target=comment)


@pytest.mark.django_db(transaction=True)
def test_double_clicks_at_once_end_in_one_state(curator, other_curator):
    paper = make_paper()
    comment = comment_create(author=curator, paper=paper, body="Useful")
    _, errors = run_at_once([lambda: helpful_toggle(user=other_curator, target=comment)] * 4)
    assert errors == []
    assert HelpfulMark.objects.filter(comment=comment).count() in (0, 1)


def test_the_page_toggle(client, curator, other_curator):
    paper = make_paper()
    review = _review(paper, curator)
    comment = comment_create(author=curator, paper=paper, body="Useful")
    url = reverse("reviews:helpful-review", args=[paper.arxiv_id, review.pk])
    assert client.post(url).status_code == 302  # anonymous: log in first
    client.force_login(other_curator)
    page = client.get(paper.get_absolute_url()).content.decode()
    assert f'hx-post="{url}"' in page  # the button on the page posts here
    html = client.post(url, headers=HX).content.decode()
    assert 'aria-pressed="true"' in html and '<span class="helpful__count">1</span>' in html
    comment_url = reverse("reviews:helpful-comment", args=[paper.arxiv_id, comment.pk])
    assert client.post(comment_url).status_code == 303
    page = client.get(paper.get_absolute_url()).content.decode()
    assert f'id="helpful-button-comment-{comment.pk}" aria-pressed="true"' in page
    # The author sees the count, no button, and is refused if they post anyway.
    client.force_login(curator)
    page = client.get(paper.get_absolute_url()).content.decode()
    assert f'id="helpful-button-review-{review.pk}"' not in page
    assert page.count("1 found this helpful") == 2  # the review and the comment
    response = client.post(url, headers=HX)
    assert response.status_code == 400
    assert HelpfulMark.objects.count() == 2
