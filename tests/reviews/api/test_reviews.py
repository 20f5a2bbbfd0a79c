"""Reviews over the API: the services' rules, who may read and change what, the paper's
counts, bounded queries, inert HTML, write limits, and the OpenAPI schema."""

from datetime import datetime
from unittest.mock import ANY

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from papers.models import Paper
from reviews.models import Review, ReviewConcern, ReviewRevision
from reviews.moderation.services import items_hide, items_restore
from reviews.reviews.services import ReviewText, review_create
from tests.reviews.test_markdown import assert_inert
from tests.support.factories import make_paper
from tests.support.xss_payloads import XSS_PAYLOADS

pytestmark = pytest.mark.django_db

# An anonymous write needs credentials: 401 with a WWW-Authenticate: Token challenge
# (TokenAuthentication comes first in REST_FRAMEWORK).
ANONYMOUS = 401
REVIEW = {
    "recommendation": "worth_reading",
    "confidence": 4,
    "claims": "Scaling holds over *seven* orders of magnitude.",
    "strengths": "Careful ablations.",
    "concerns": ["Only one **model** family.", "No error bars on figure 3."],
    "method_questions": "How was $\\eta$ tuned?",
    "reproducibility": "partly",
    "reproducibility_notes": "Code, no data.",
}


def _reviews_url(paper: Paper) -> str:
    return f"/api/papers/{paper.arxiv_id}/reviews/"


def _review_url(paper: Paper, review) -> str:
    pk = review if isinstance(review, int) else review.pk
    return f"{_reviews_url(paper)}{pk}/"


def _addressed_url(paper: Paper, review, position: int) -> str:
    return f"{_review_url(paper, review)}concerns/{position}/addressed/"


def _text(**overrides) -> ReviewText:
    values = {"recommendation": "skim", "confidence": 3, "strengths": "Clear writing."}
    return ReviewText(**(values | overrides))


def _counts(paper: Paper) -> dict:
    return APIClient().get(f"/api/papers/{paper.arxiv_id}/").json()["counts"]


def _moderator(user):
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


def _new_version(paper: Paper, version: int) -> Paper:
    return make_paper(arxiv_id=paper.arxiv_id, version=version)


# --- Reading ---------------------------------------------------------------------------------


def test_anonymous_callers_read_but_cannot_write(curator):
    paper = make_paper(version=2)
    review = review_create(author=curator, paper=paper, text=_text(concerns=["One."]))
    client = APIClient()
    listed = client.get(_reviews_url(paper))
    assert listed.status_code == 200 and listed.json()["count"] == 1
    assert listed.json()["results"][0]["is_mine"] is False
    assert client.get(_review_url(paper, review)).status_code == 200
    refused = [
        client.post(_reviews_url(paper), REVIEW, format="json"),
        client.put(_review_url(paper, review), REVIEW, format="json"),
        client.patch(_review_url(paper, review), {"strengths": "Mine now."}, format="json"),
        client.delete(_review_url(paper, review)),
        client.put(_addressed_url(paper, review, 0)),
        client.delete(_addressed_url(paper, review, 0)),
    ]
    assert [r.status_code for r in refused] == [ANONYMOUS] * len(refused)
    assert all("detail" in r.json() for r in refused)
    assert Review.objects.get().strengths == "Clear writing."
    assert ReviewConcern.objects.get().addressed_in_version is None


def test_list_newest_first_with_versions_and_no_one_elses_hidden_review(
    api, curator, other_curator, django_user_model
):
    third = django_user_model.objects.create_user("third", password="z" * 12)
    paper = make_paper(version=1)
    old = review_create(author=other_curator, paper=paper, text=_text(strengths="Old one."))
    paper = _new_version(paper, 2)
    mine = review_create(author=curator, paper=paper, text=_text(strengths="Mine."))
    hidden = review_create(author=third, paper=paper, text=_text(strengths="Hidden one."))
    Review.objects.filter(pk=hidden.pk).update(is_hidden=True)

    for client in (APIClient(), api):
        body = client.get(_reviews_url(paper)).json()
        assert body["count"] == 2 and {"next", "previous"} <= body.keys()
        assert [r["id"] for r in body["results"]] == [mine.pk, old.pk]
        assert "Hidden one." not in str(body)
    results = api.get(_reviews_url(paper)).json()["results"]
    assert [(r["paper_version"], r["current_version"], r["outdated"]) for r in results] == [
        (2, 2, False),
        (1, 2, True),
    ]
    assert [(r["is_mine"], r["hidden"]) for r in results] == [(True, False), (False, False)]

    # The author of the hidden review receives it, marked; nobody else does.
    third_api = APIClient()
    third_api.force_login(third)
    results = third_api.get(_reviews_url(paper)).json()["results"]
    assert [(r["id"], r["hidden"], r["is_mine"]) for r in results] == [
        (hidden.pk, True, True),
        (mine.pk, False, False),
        (old.pk, False, False),
    ]
    assert third_api.get(_review_url(paper, hidden)).json()["hidden"] is True
    for client in (APIClient(), api):
        missing = client.get(_review_url(paper, hidden))
        assert missing.status_code == 404
        message = f"No review {hidden.pk} of arXiv:{paper.arxiv_id} here."
        assert missing.json() == {"detail": message}


def test_unknown_papers_and_other_papers_reviews_are_404(api, curator):
    paper, elsewhere = make_paper(), make_paper()
    review = review_create(author=curator, paper=elsewhere, text=_text())
    assert api.get("/api/papers/2401.99999/reviews/").status_code == 404
    assert api.post("/api/papers/2401.99999/reviews/", REVIEW, format="json").status_code == 404
    malformed = api.get("/api/papers/0613.1234/reviews/")
    assert malformed.status_code == 404 and "month 13" in malformed.json()["detail"]
    url = _review_url(paper, review)
    assert api.get(url).status_code == 404
    assert api.patch(url, {"strengths": "Moved."}, format="json").status_code == 404
    assert api.delete(url).status_code == 404
    assert api.get(_review_url(paper, 999_999)).status_code == 404
    assert Review.objects.get().strengths == "Clear writing."


def test_list_queries_do_not_grow_with_reviews(
    api, curator, django_user_model, django_assert_max_num_queries
):
    paper = make_paper()
    review_create(author=curator, paper=paper, text=_text(concerns=["a", "b"]))
    with django_assert_max_num_queries(6):
        assert api.get(_reviews_url(paper)).json()["count"] == 1
    for i in range(29):
        user = django_user_model.objects.create_user(f"reviewer{i}", password="x" * 12)
        review_create(author=user, paper=paper, text=_text(concerns=[f"c{i}", "d", "e"]))
    # Session, user, paper, count, the page of reviews with their authors, their concerns.
    with django_assert_max_num_queries(6):
        body = api.get(_reviews_url(paper)).json()
    assert body["count"] == 30 and len(body["results"]) == 25
    assert all(len(r["concerns"]) == 3 for r in body["results"])
    with django_assert_max_num_queries(6):
        assert len(APIClient().get(f"{_reviews_url(paper)}?page=2").json()["results"]) == 5


# --- Writing ---------------------------------------------------------------------------------


def test_create_returns_the_review_and_counts_follow(api, curator):
    curator.display_name = "Ada Reviewer"
    curator.save(update_fields=["display_name"])
    paper = make_paper(version=3)
    response = api.post(_reviews_url(paper), REVIEW, format="json")
    assert response.status_code == 201
    review = Review.objects.get()
    assert response.json() == {
        "id": review.pk,
        "author": {"username": "curator", "display_name": "Ada Reviewer"},
        "paper_version": 3,
        "current_version": 3,
        "outdated": False,
        "recommendation": "worth_reading",
        "recommendation_label": "Worth reading",
        "confidence": 4,
        "reproducibility": "partly",
        "reproducibility_label": "Partly reproducible",
        "claims": "Scaling holds over *seven* orders of magnitude.",
        "claims_html": "<p>Scaling holds over <em>seven</em> orders of magnitude.</p>\n",
        "strengths": "Careful ablations.",
        "strengths_html": "<p>Careful ablations.</p>\n",
        "method_questions": "How was $\\eta$ tuned?",
        "method_questions_html": ANY,
        "reproducibility_notes": "Code, no data.",
        "reproducibility_notes_html": "<p>Code, no data.</p>\n",
        "concerns": [
            {
                "position": 0,
                "text": "Only one **model** family.",
                "text_html": "<p>Only one <strong>model</strong> family.</p>\n",
                "addressed_in_version": None,
            },
            {
                "position": 1,
                "text": "No error bars on figure 3.",
                "text_html": "<p>No error bars on figure 3.</p>\n",
                "addressed_in_version": None,
            },
        ],
        "created_at": ANY,
        "edited_at": None,
        "edited": False,
        "hidden": False,
        "is_mine": True,
    }
    assert 'class="math inline"' in response.json()["method_questions_html"]
    assert datetime.fromisoformat(response.json()["created_at"]) == review.created_at
    assert _counts(paper)["reviews"] == 1

    again = api.post(_reviews_url(paper), REVIEW, format="json")
    assert again.status_code == 409  # valid, but it clashes with the review you have
    assert again.json() == {
        "non_field_errors": ["You have reviewed this paper already: edit your review instead."]
    }
    assert Review.objects.count() == 1 and _counts(paper)["reviews"] == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"strengths": " ", "concerns": ["", "  "], "method_questions": ""},
            "strengths",
            "Give at least one concrete strength, concern or method question",
        ),
        ({"strengths": "s" * 10_001}, "strengths", "within 10000 characters (it has 10001)"),
        ({"concerns": ["c"] * 31}, "concerns", "at most 30 concerns"),
        ({"recommendation": "brilliant"}, "recommendation", "not a valid choice"),
        ({"recommendation": None}, "recommendation", "may not be null"),
        ({"confidence": 6}, "confidence", "less than or equal to 5"),
        ({"confidence": "high"}, "confidence", "valid integer"),
        ({"reproducibility": "always"}, "reproducibility", "not a valid choice"),
        ({"concerns": "one long string"}, "concerns", "list"),
    ],
)
def test_create_validation_names_the_field(api, changes, field, message):
    paper = make_paper()
    response = api.post(_reviews_url(paper), REVIEW | changes, format="json")
    assert response.status_code == 400
    assert message in response.json()[field][0]
    assert not Review.objects.exists() and _counts(paper)["reviews"] == 0


def test_required_parts_are_named_together(api):
    paper = make_paper()
    response = api.post(_reviews_url(paper), {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"recommendation", "confidence"}
    # Once the shape is right, the service names what the review lacks.
    response = api.post(
        _reviews_url(paper), {"recommendation": "skip", "confidence": 1}, format="json"
    )
    assert set(response.json()) == {"strengths"}


def test_patch_merges_and_put_replaces(api, curator):
    paper = make_paper(version=1)
    review = review_create(
        author=curator, paper=paper, text=_text(claims="Claims.", concerns=["A.", "B."])
    )
    url = _review_url(paper, review)
    paper = _new_version(paper, 2)

    patched = api.patch(url, {"strengths": "Sharper *now*."}, format="json")
    assert patched.status_code == 200
    body = patched.json()
    assert body["strengths_html"] == "<p>Sharper <em>now</em>.</p>\n"
    assert (body["claims"], body["recommendation"], body["confidence"]) == ("Claims.", "skim", 3)
    assert [c["text"] for c in body["concerns"]] == ["A.", "B."]
    assert body["edited"] is True and body["edited_at"] is not None
    # An edit makes the review one of the current version.
    assert (body["paper_version"], body["outdated"]) == (2, False)
    assert ReviewRevision.objects.filter(review=review).count() == 1

    emptied = api.patch(
        url, {"strengths": "", "concerns": [], "method_questions": ""}, format="json"
    )
    assert emptied.status_code == 400 and "strengths" in emptied.json()

    replaced = api.put(url, {"recommendation": "must_read", "confidence": 5, "concerns": ["C."]})
    assert replaced.status_code == 200
    body = replaced.json()
    assert (body["recommendation"], body["claims"], body["strengths"]) == ("must_read", "", "")
    assert [c["text"] for c in body["concerns"]] == ["C."]
    assert api.put(url, {"strengths": "No rating."}, format="json").status_code == 400
    assert ReviewRevision.objects.filter(review=review).count() == 2
    assert _counts(paper)["reviews"] == 1


def test_only_the_author_changes_a_review(api, other_api, curator):
    paper = make_paper(version=2)
    review = review_create(author=curator, paper=paper, text=_text(concerns=["One."]))
    Paper.objects.filter(pk=paper.pk).update(version=3)
    url = _review_url(paper, review)
    assert other_api.get(url).json()["is_mine"] is False
    refused = [
        other_api.put(url, REVIEW, format="json"),
        other_api.patch(url, {"strengths": "Taken over."}, format="json"),
        other_api.delete(url),
        other_api.put(_addressed_url(paper, review, 0)),
    ]
    assert [r.status_code for r in refused] == [403] * 4
    assert refused[0].json() == {"detail": "Only its author can change this review."}
    assert Review.objects.get().strengths == "Clear writing."
    assert ReviewConcern.objects.get().addressed_in_version is None


def test_the_author_edits_their_hidden_review(api, other_api, curator):
    paper = make_paper()
    review = review_create(author=curator, paper=paper, text=_text())
    Review.objects.filter(pk=review.pk).update(is_hidden=True)
    url = _review_url(paper, review)
    response = api.patch(url, {"strengths": "Toned down."}, format="json")
    assert response.status_code == 200 and response.json()["hidden"] is True
    assert other_api.patch(url, {"strengths": "x"}, format="json").status_code == 404
    assert other_api.delete(url).status_code == 404
    assert Review.objects.get().strengths == "Toned down."


def test_delete_and_counts(api, curator):
    paper = make_paper()
    review = review_create(author=curator, paper=paper, text=_text())
    assert _counts(paper)["reviews"] == 1
    assert api.delete(_review_url(paper, review)).status_code == 204
    assert not Review.objects.exists() and _counts(paper)["reviews"] == 0
    assert api.get(_review_url(paper, review)).status_code == 404
    # The curator may review the paper afresh.
    assert api.post(_reviews_url(paper), REVIEW, format="json").status_code == 201


def test_counts_leave_out_reviews_a_moderator_hides(api, other_api, curator, other_curator):
    moderator = _moderator(other_curator)
    paper = make_paper()
    assert api.post(_reviews_url(paper), REVIEW, format="json").status_code == 201
    assert other_api.post(_reviews_url(paper), REVIEW, format="json").status_code == 201
    assert _counts(paper)["reviews"] == 2
    mine = Review.objects.get(author=curator)
    items_hide(moderator=moderator, items=[mine], reason="Spam.")
    assert _counts(paper)["reviews"] == 1
    assert APIClient().get(_reviews_url(paper)).json()["count"] == 1
    assert api.get(_reviews_url(paper)).json()["count"] == 2  # its author still sees it
    # Deleting a hidden review leaves the public count alone.
    assert api.delete(_review_url(paper, mine)).status_code == 204
    assert _counts(paper)["reviews"] == 1
    theirs = Review.objects.get()
    items_hide(moderator=moderator, items=[theirs], reason="Spam.")
    assert _counts(paper)["reviews"] == 0
    items_restore(moderator=moderator, items=[theirs], reason="Appeal upheld.")
    assert _counts(paper)["reviews"] == 1


def test_concerns_are_marked_addressed_only_by_a_newer_version(api, curator):
    paper = make_paper(version=1)
    review = review_create(author=curator, paper=paper, text=_text(concerns=["A.", "B."]))
    early = api.put(_addressed_url(paper, review, 1))
    assert early.status_code == 400
    assert early.json() == {"concerns": ["The paper has no version newer than v1 yet."]}

    paper = _new_version(paper, 2)
    marked = api.put(_addressed_url(paper, review, 1))
    assert marked.status_code == 200
    assert [c["addressed_in_version"] for c in marked.json()["concerns"]] == [None, 2]
    assert marked.json()["outdated"] is True
    unmarked = api.delete(_addressed_url(paper, review, 1))
    assert [c["addressed_in_version"] for c in unmarked.json()["concerns"]] == [None, None]
    missing = api.put(_addressed_url(paper, review, 5))
    assert missing.status_code == 404
    assert missing.json() == {"detail": f"Review {review.pk} has no concern 5."}


# --- Safety and limits -----------------------------------------------------------------------


def test_every_xss_payload_comes_back_raw_and_inert(django_user_model, settings):
    paper = make_paper()
    sent = {}
    for i, payload in enumerate(XSS_PAYLOADS):
        user = django_user_model.objects.create_user(f"xss{i}", password="x" * 12)
        client = APIClient()
        client.force_login(user)
        padded = f" \t{payload}\r\n "  # what comes back is what was meant: stripped
        body = {**REVIEW, "strengths": padded, "concerns": [padded], "claims": padded}
        response = client.post(_reviews_url(paper), body, format="json")
        assert response.status_code == 201, (payload, response.content)
        assert response["Content-Type"] == "application/json"
        created = response.json()
        assert created["strengths"] == created["claims"] == payload
        assert created["concerns"][0]["text"] == payload
        for html in (
            created["strengths_html"],
            created["claims_html"],
            created["concerns"][0]["text_html"],
        ):
            assert_inert(html)
        sent[created["id"]] = payload
    listed = []
    page = f"{_reviews_url(paper)}"
    while page:
        body = APIClient().get(page).json()
        listed += body["results"]
        page = body["next"]
    assert {r["id"]: r["strengths"] for r in listed} == sent
    for review in listed:
        assert_inert(review["strengths_html"])


def test_review_writes_are_throttled_per_user_reads_are_not(api, curator, settings):
    settings.WRITE_RATE_LIMIT = "2/m"
    paper = make_paper()
    created = api.post(_reviews_url(paper), REVIEW, format="json")
    assert created.status_code == 201
    url = _review_url(paper, created.json()["id"])
    assert api.patch(url, {"strengths": "Second write."}, format="json").status_code == 200
    limited = api.delete(url)
    assert limited.status_code == 429 and "throttled" in limited.json()["detail"]
    assert Review.objects.filter(author=curator).exists()
    assert api.get(url).status_code == 200 and api.get(_reviews_url(paper)).status_code == 200


def test_schema_documents_the_review_discussion_and_report_endpoints(client, tmp_path):
    # drf-spectacular fails here on any warning (an untyped field, a name collision) or an
    # invalid document.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )
    paths = client.get("/api/schema/?format=json").json()["paths"]
    expected = {
        "/api/papers/{arxiv_id}/reviews/": {"get", "post"},
        "/api/papers/{arxiv_id}/reviews/{id}/": {"get", "put", "patch", "delete"},
        "/api/papers/{arxiv_id}/reviews/{id}/concerns/{position}/addressed/": {"put", "delete"},
        "/api/papers/{arxiv_id}/reviews/{id}/report/": {"post"},
        "/api/papers/{arxiv_id}/comments/": {"get", "post"},
        "/api/papers/{arxiv_id}/comments/{id}/": {"get", "patch", "delete"},
        "/api/papers/{arxiv_id}/comments/{id}/report/": {"post"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) - {"parameters"} == methods, path
        assert all(operation.get("summary") for operation in paths[path].values())
    listing = paths["/api/papers/{arxiv_id}/comments/"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"sort", "kind"}
    assert reverse("api:paper-reviews", args=["2203.14101"]) == "/api/papers/2203.14101/reviews/"
