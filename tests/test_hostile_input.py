"""Inputs that once answered 500: each is now a clear 4xx, whatever the client sends."""

import json

import pytest

from reviews.discussion.services import comment_create
from reviews.reviews.services import ReviewText, review_create
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

SURROGATE = '"\\ud800"'  # a lone surrogate, as JSON writes it


@pytest.fixture
def paper(curator):
    return make_paper()


@pytest.mark.parametrize(
    ("path", "field", "extra"),
    [
        ("vote/", "value", {}),
        ("reactions/", "kind", {}),
        ("comments/", "kind", {"body": "A note."}),
        ("reviews/", "recommendation", {"claims": "C.", "strengths": "S.", "confidence": 3}),
    ],
)
def test_a_lone_surrogate_in_a_choice_field_is_a_400(api, paper, path, field, extra):
    body = json.dumps(extra)[:-1] + ("," if extra else "") + f'"{field}": {SURROGATE}}}'
    response = api.post(
        f"/api/papers/{paper.arxiv_id}/{path}", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert "\\ud800" in response.content.decode()  # echoed, escaped


def test_json_nested_too_deeply_is_a_400(api, paper):
    body = "[" * 100_000 + "]" * 100_000
    response = api.post(
        f"/api/papers/{paper.arxiv_id}/comments/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/topics/%00/",
        "/topics/%00/feed/",
        "/accounts/profile/%00/",
        "/papers/%00/",
        "/api/papers/%00/",
    ],
)
def test_a_nul_character_in_an_address_is_a_400(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_the_search_api_answers_json_to_browsers(client, paper):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/api/search/", {"q": "big models"}, headers={"Accept": browser})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    # A client that takes HTML only is told so, not served an error page.
    response = client.get("/api/search/", {"q": "big models"}, headers={"Accept": "text/html"})
    assert response.status_code == 406


def test_reviews_and_comments_with_text_beyond_the_basic_plane_still_read_back(api, paper, curator):
    review_create(
        author=curator,
        paper=paper,
        text=ReviewText(claims="𝔼[x] ≥ 0 🙂", strengths="Ok.", recommendation="skim", confidence=2),
    )
    comment_create(author=curator, paper=paper, body="Ünïcödé 🙂")
    reviews = api.get(f"/api/papers/{paper.arxiv_id}/reviews/").json()
    comments = api.get(f"/api/papers/{paper.arxiv_id}/comments/").json()
    assert "𝔼[x] ≥ 0 🙂" in json.dumps(reviews, ensure_ascii=False)
    assert "Ünïcödé 🙂" in json.dumps(comments, ensure_ascii=False)
