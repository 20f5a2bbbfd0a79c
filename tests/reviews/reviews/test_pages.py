"""Structured reviews on the paper page: the in-place form, errors in place, the list and the
counts updating, editing, deleting, outdated versions, hidden reviews and the feed."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from reviews.models import Review, ReviewRevision
from reviews.reviews.services import ReviewText, review_create
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
VALID = {
    "claims": "Big models need a *roadmap*.",
    "strengths": "Covers $O(n^2)$ attention clearly.",
    "concern": ["No ablation of data size.", ""],
    "method_questions": "",
    "reproducibility": "partly",
    "reproducibility_notes": "",
    "recommendation": "worth_reading",
    "confidence": "4",
}


def _create_url(paper):
    return reverse("reviews:create", args=[paper.arxiv_id])


def _review(paper, author, **fields):
    text = ReviewText(
        recommendation=fields.pop("recommendation", "skim"),
        confidence=fields.pop("confidence", 3),
        strengths=fields.pop("strengths", "Clear."),
        **fields,
    )
    return review_create(author=author, paper=paper, text=text)


def test_anonymous_visitors_are_sent_to_log_in_and_back_with_the_form_open(client):
    paper = make_paper()
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "Open review form" in html
    response = client.get(_create_url(paper))
    assert response.status_code == 302
    next_url = parse_qs(urlsplit(response["Location"]).query)["next"][0]
    assert next_url == f"{paper.get_absolute_url()}?intent=review#reviews"
    posted = client.post(_create_url(paper), VALID)
    assert posted.status_code == 302 and not Review.objects.exists()


def test_after_log_in_the_intent_opens_the_form(client, curator):
    paper = make_paper()
    client.force_login(curator)
    html = client.get(paper.get_absolute_url() + "?intent=review").content.decode()
    assert 'id="review-form"' in html
    assert 'id="review-form"' not in client.get(paper.get_absolute_url()).content.decode()


def test_the_form_opens_in_place(client, curator):
    paper = make_paper()
    client.force_login(curator)
    response = client.get(_create_url(paper), headers=HX)
    html = response.content.decode()
    assert html.lstrip().startswith("<section") and 'id="reviews"' in html
    for name in ("claims", "strengths", "concern", "method_questions", "reproducibility"):
        assert f'name="{name}"' in html
    assert 'name="recommendation"' in html and 'name="confidence"' in html


def test_errors_show_in_place_and_nothing_typed_is_lost(client, curator):
    paper = make_paper()
    client.force_login(curator)
    data = VALID | {"strengths": "", "concern": [""], "recommendation": "", "claims": "Kept <b>"}
    response = client.post(_create_url(paper), data, headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Give at least one concrete strength, concern or method question" in html
    assert "Choose a recommendation" in html
    assert "Kept &lt;b&gt;" in html  # what was typed, escaped, back in its box
    assert not Review.objects.exists()


def test_a_review_appears_in_the_list_and_the_counts_update(client, curator):
    paper = make_paper()
    client.force_login(curator)
    response = client.post(_create_url(paper), VALID, headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    review = Review.objects.get()
    assert f'id="review-{review.pk}"' in html
    assert "<em>roadmap</em>" in html and r"\(O(n^2)\)" in html
    assert "No ablation of data size." in html
    # The list's own count, and the page's counts swapped out of band.
    assert '<span data-count="reviews">1</span> review<' in html
    assert 'id="paper-reviews" hx-swap-oob="true"' in html
    assert 'id="frame-reviews" hx-swap-oob="true"' in html
    assert review.paper_version == paper.version and review.concerns.count() == 1
    page = client.get(paper.get_absolute_url()).content.decode()
    assert 'class="count__value">1</span> <span class="count__label">review<' in page


def test_without_htmx_the_form_posts_and_redirects(client, curator):
    paper = make_paper()
    client.force_login(curator)
    response = client.post(_create_url(paper), VALID)
    review = Review.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"{paper.get_absolute_url()}?show=all#review-{review.pk}"
    bad = client.post(_create_url(paper) + "", VALID | {"confidence": "9"})
    assert bad.status_code == 400


def test_add_another_concern_keeps_what_was_typed(client, curator):
    paper = make_paper()
    client.force_login(curator)
    data = VALID | {"concern": ["One", "Two", "Three"], "add_concern": "1"}
    html = client.post(_create_url(paper), data, headers=HX).content.decode()
    assert html.count('name="concern"') == 4
    assert ">One</textarea>" in html and ">Three</textarea>" in html
    assert not Review.objects.exists()


def test_one_review_per_curator(client, curator):
    paper = make_paper()
    _review(paper, curator)
    client.force_login(curator)
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "Open review form" not in html and "You have reviewed this paper" in html
    response = client.post(_create_url(paper), VALID, headers=HX)
    assert "You have reviewed this paper already" in response.content.decode()
    assert Review.objects.count() == 1


def test_the_author_edits_in_place_and_the_old_text_is_kept(client, curator):
    paper = make_paper()
    review = _review(paper, curator, strengths="First words.")
    client.force_login(curator)
    url = reverse("reviews:edit", args=[paper.arxiv_id, review.pk])
    page = client.get(paper.get_absolute_url()).content.decode()
    assert f'hx-get="{url}"' in page  # the Edit button leads here
    form = client.get(url, headers=HX).content.decode()
    assert "First words." in form and "Save changes" in form
    html = client.post(url, VALID | {"strengths": "Second words."}, headers=HX).content.decode()
    assert "Second words." in html and ">edited<" in html
    assert ReviewRevision.objects.get().snapshot["strengths"] == "First words."


def test_nobody_else_can_edit_or_delete_a_review(client, curator, other_curator):
    paper = make_paper()
    review = _review(paper, curator)
    client.force_login(other_curator)
    edit = reverse("reviews:edit", args=[paper.arxiv_id, review.pk])
    delete = reverse("reviews:delete", args=[paper.arxiv_id, review.pk])
    assert client.get(edit, headers=HX).status_code == 404
    assert client.post(edit, VALID, headers=HX).status_code == 404
    assert client.post(delete, headers=HX).status_code == 404
    review.refresh_from_db()
    assert review.strengths == "Clear."


def test_the_author_deletes_a_review(client, curator):
    paper = make_paper()
    review = _review(paper, curator)
    client.force_login(curator)
    url = reverse("reviews:delete", args=[paper.arxiv_id, review.pk])
    assert f'hx-post="{url}"' in client.get(paper.get_absolute_url()).content.decode()
    html = client.post(url, headers=HX).content.decode()
    assert not Review.objects.exists()
    assert '<span data-count="reviews">0</span> reviews' in html and "Open review form" in html
    paper.refresh_from_db()
    assert paper.review_count == 0


def test_an_outdated_review_says_so_and_concerns_can_be_marked_addressed(client, curator):
    paper = make_paper(version=1)
    review = _review(paper, curator, concerns=["Missing baselines."])
    make_paper(arxiv_id=paper.arxiv_id, version=3)  # the paper moves on to v3
    client.force_login(curator)
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "written for v1, current v3" in html
    url = reverse("reviews:concern-addressed", args=[paper.arxiv_id, review.pk, 0])
    assert f'hx-post="{url}"' in html
    html = client.post(url, {"addressed": "1"}, headers=HX).content.decode()
    assert "Addressed in v3" in html
    assert review.concerns.get().addressed_in_version == 3
    # Someone else sees the mark but cannot change it.
    client.force_login(review.author.__class__.objects.create_user("x", password="x" * 12))
    assert "Addressed in v3" in client.get(paper.get_absolute_url()).content.decode()
    assert client.post(url, {"addressed": "0"}).status_code == 404


def test_a_review_of_the_current_version_cannot_mark_concerns(client, curator):
    paper = make_paper()
    review = _review(paper, curator, concerns=["Missing baselines."])
    client.force_login(curator)
    url = reverse("reviews:concern-addressed", args=[paper.arxiv_id, review.pk, 0])
    response = client.post(url, {"addressed": "1"}, headers=HX)
    assert response.status_code == 400
    assert "no version newer than v1" in response.content.decode()


def test_hidden_reviews_are_gone_for_others_and_marked_for_their_author(
    client, curator, other_curator
):
    paper = make_paper()
    review = _review(paper, curator, strengths="Secret strengths.")
    Review.objects.filter(pk=review.pk).update(is_hidden=True)
    from reviews.reviews.services import review_counts_refresh

    review_counts_refresh([paper.pk])
    assert "Secret strengths." not in client.get(paper.get_absolute_url()).content.decode()
    client.force_login(other_curator)
    assert "Secret strengths." not in client.get(paper.get_absolute_url()).content.decode()
    client.force_login(curator)
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "Secret strengths." in html and "Hidden by a moderator." in html
    assert '<span data-count="reviews">0</span>' in html  # counts exclude hidden reviews


def test_the_anonymous_page_follows_new_reviews(
    client, curator, django_capture_on_commit_callbacks
):
    paper = make_paper()
    assert "No reviews yet." in client.get(paper.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        _review(paper, curator, strengths="Fresh insight.")
    assert "Fresh insight." in client.get(paper.get_absolute_url()).content.decode()


def test_writes_need_the_csrf_token(curator):
    from django.test import Client

    paper = make_paper()
    client = Client(enforce_csrf_checks=True)
    client.force_login(curator)
    assert client.post(_create_url(paper), VALID, headers=HX).status_code == 403
    assert not Review.objects.exists()


def test_the_feed_lists_visible_reviews(client, curator, other_curator):
    paper = make_paper()
    _review(paper, curator, strengths="Shown **bold**.")
    hidden = _review(paper, other_curator, strengths="Hidden words.")
    Review.objects.filter(pk=hidden.pk).update(is_hidden=True)
    response = client.get(reverse("reviews:feed", args=[paper.arxiv_id]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert "Shown &lt;strong&gt;bold&lt;/strong&gt;." in body
    assert "Hidden words." not in body
    assert client.get(reverse("reviews:feed", args=["2401.99999"])).status_code == 404
