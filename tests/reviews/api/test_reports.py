"""Reports over the API: once per item, never one's own, only what the reporter can see,
the reasons' rules, and the write limit."""

import pytest
from rest_framework.test import APIClient

from papers.models import Paper
from reviews.discussion.services import comment_create, comment_delete
from reviews.models import Comment, Report, Review
from reviews.reviews.services import ReviewText, review_create
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

# An anonymous write needs credentials: 401 with a WWW-Authenticate: Token challenge
# (TokenAuthentication comes first in REST_FRAMEWORK).
ANONYMOUS = 401


def _review(author, paper: Paper) -> Review:
    return review_create(author=author, paper=paper, text=ReviewText("skim", 3, strengths="S."))


def _report_url(paper: Paper, item: Review | Comment) -> str:
    kind = "reviews" if isinstance(item, Review) else "comments"
    return f"/api/papers/{paper.arxiv_id}/{kind}/{item.pk}/report/"


@pytest.mark.parametrize("kind", ["review", "comment"])
def test_report_once_and_never_ones_own(api, other_api, curator, other_curator, kind):
    paper = make_paper()
    if kind == "review":
        item = _review(other_curator, paper)
    else:
        item = comment_create(author=other_curator, paper=paper, body="Buy now.")
    url = _report_url(paper, item)

    response = api.post(url, {"reason": "spam", "details": " Advert. "}, format="json")
    assert response.status_code == 201
    report = Report.objects.get()
    assert response.json() == {
        "id": report.pk,
        "reason": "spam",
        "details": "Advert.",
        "status": "open",
        "created_at": response.json()["created_at"],
    }
    assert report.reporter == curator and report.target == item

    again = api.post(url, {"reason": "abuse"}, format="json")
    assert again.status_code == 409  # once per item: a second report clashes with the first
    assert again.json() == {
        "non_field_errors": ["You have reported this already; moderators will look at it."]
    }
    own = other_api.post(url, {"reason": "spam"}, format="json")
    assert own.status_code == 400
    assert own.json() == {"non_field_errors": ["You cannot report what you wrote yourself."]}
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({}, "reason", "required"),
        ({"reason": "boring"}, "reason", "not a valid choice"),
        ({"reason": "other"}, "details", "Say what is wrong."),
        ({"reason": "other", "details": "d" * 1001}, "details", "within 1000 characters"),
    ],
)
def test_report_validation_names_the_field(api, other_curator, payload, field, message):
    paper = make_paper()
    comment = comment_create(author=other_curator, paper=paper, body="Off topic.")
    response = api.post(_report_url(paper, comment), payload, format="json")
    assert response.status_code == 400
    assert message in response.json()[field][0]
    assert not Report.objects.exists()


def test_only_visible_items_of_the_paper_can_be_reported(api, curator, other_curator):
    paper, elsewhere = make_paper(), make_paper()
    hidden_review = _review(other_curator, paper)
    Review.objects.filter(pk=hidden_review.pk).update(is_hidden=True)
    hidden_comment = comment_create(author=other_curator, paper=paper, body="Hidden.")
    Comment.objects.filter(pk=hidden_comment.pk).update(is_hidden=True)
    deleted = comment_create(author=other_curator, paper=paper, body="Deleted.")
    comment_create(author=curator, paper=paper, body="Keeps it.", parent=deleted)
    comment_delete(comment=deleted, actor=other_curator)
    foreign = comment_create(author=other_curator, paper=elsewhere, body="Elsewhere.")

    for item in (hidden_review, hidden_comment, deleted, foreign):
        response = api.post(_report_url(paper, item), {"reason": "spam"}, format="json")
        assert response.status_code == 404, item
    unknown = api.post(f"/api/papers/{paper.arxiv_id}/reviews/999999/report/", {"reason": "spam"})
    assert unknown.status_code == 404
    missing_paper = api.post(f"/api/papers/2401.99999/comments/{foreign.pk}/report/", {})
    assert missing_paper.status_code == 404
    assert not Report.objects.exists()


def test_anonymous_callers_cannot_report(curator):
    paper = make_paper()
    review = _review(curator, paper)
    comment = comment_create(author=curator, paper=paper, body="Note.")
    client = APIClient()
    for item in (review, comment):
        response = client.post(_report_url(paper, item), {"reason": "spam"}, format="json")
        assert response.status_code == ANONYMOUS and "detail" in response.json()
    assert not Report.objects.exists()


def test_reports_are_throttled_as_writes(api, other_curator, settings):
    settings.WRITE_RATE_LIMIT = "2/m"
    paper = make_paper()
    review = _review(other_curator, paper)
    comments = [comment_create(author=other_curator, paper=paper, body=f"N{i}") for i in range(2)]
    assert api.post(_report_url(paper, review), {"reason": "spam"}).status_code == 201
    assert api.post(_report_url(paper, comments[0]), {"reason": "spam"}).status_code == 201
    limited = api.post(_report_url(paper, comments[1]), {"reason": "spam"}, format="json")
    assert limited.status_code == 429 and "throttled" in limited.json()["detail"]
    assert Report.objects.count() == 2
