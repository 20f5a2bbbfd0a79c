"""The API answers JSON only, says what it answers, and reads every query parameter strictly:
malformed ids, bad parameters and missing credentials each get their documented error."""

import pytest
from django.test import RequestFactory
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bzpeer import api_errors
from papers.curation.collections import collection_create
from reviews.discussion.services import comment_create
from reviews.models import Report
from reviews.reviews.services import ReviewText, review_create
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper(curator):
    return make_paper(arxiv_id="2401.00001", categories=("cs.CL", "hep-th", "math.AG"))


# --- JSON errors under /api/ ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/papers/not-an-id/",
        "/api/papers/2401.00001/reviews/abc/",
        "/api/papers/2401.00001/comments/-1/report/",
        "/api/collections/0.5/",
        "/api/collections/true/items/",
        "/api/papers/2401.00001/reviews/1/concerns/x/addressed/",
        "/api/no-such-thing/",
    ],
)
def test_a_malformed_id_under_api_is_a_json_404(client, paper, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "Not found" in response.json()["detail"]


def test_outside_api_a_404_is_still_a_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_nul_in_an_api_address_is_a_json_400(client):
    response = client.get("/api/papers/%00/")
    assert response.status_code == 400
    assert response.json() == {"detail": "Addresses may not contain NUL characters."}


@pytest.mark.parametrize(
    ("handler", "status"),
    [
        (api_errors.bad_request, 400),
        (api_errors.permission_denied, 403),
        (api_errors.page_not_found, 404),
        (api_errors.server_error, 500),
    ],
)
def test_error_handlers_answer_json_under_api_only(handler, status):
    api = handler(RequestFactory().get("/api/papers/"))
    assert (api.status_code, api["Content-Type"]) == (status, "application/json")
    assert b'"detail"' in api.content
    page = handler(RequestFactory().get("/papers/"))
    assert page.status_code == status
    assert page["Content-Type"].startswith("text/html")


def test_an_unsupported_method_is_a_json_405(api, paper):
    response = api.put("/api/papers/2401.00001/")
    assert response.status_code == 405 and response.json()["detail"]


# --- 401 with WWW-Authenticate ----------------------------------------------------------------


def test_an_invalid_token_is_a_401_with_a_challenge(paper):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    for response in (
        client.get("/api/papers/"),
        client.post(f"/api/papers/{paper.arxiv_id}/vote/", {"value": "like"}, format="json"),
    ):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        assert response.json() == {"detail": "Invalid token."}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/papers/2401.00001/vote/", {"value": "like"}),
        ("post", "/api/papers/2401.00001/reviews/", {"strengths": "S.", "confidence": 3}),
        ("post", "/api/papers/2401.00001/comments/", {"body": "Hi."}),
        ("post", "/api/collections/", {"name": "Mine"}),
        ("get", "/api/for-you/", None),
        ("get", "/api/collections/", None),
    ],
)
def test_anonymous_calls_that_need_sign_in_are_401_with_a_challenge(
    client, paper, method, path, body
):
    response = getattr(client, method)(path, body, content_type="application/json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_a_valid_token_writes_without_csrf(curator, paper):
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=curator).key}")
    response = client.post(f"/api/papers/{paper.arxiv_id}/vote/", {"value": "like"})
    assert response.status_code == 200 and response.json()["my_vote"] == "like"


def test_session_writes_work_with_the_csrf_token_and_not_without(curator, paper):
    """The pages' own session still signs in to the API; its writes still need CSRF (a 403:
    the caller is known, the request is refused)."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(curator)
    url = f"/api/papers/{paper.arxiv_id}/vote/"
    refused = client.post(url, {"value": "like"}, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    client.get("/")  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(url, {"value": "like"}, format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200 and response.json()["my_vote"] == "like"
    assert client.get("/api/collections/").status_code == 200  # reads signed in


# --- Query parameters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/papers/", {"page": "0"}),
        ("/api/papers/", {"page": "-1"}),
        ("/api/papers/", {"page": "1.0"}),
        ("/api/papers/", {"page": "last"}),
        ("/api/papers/", {"page": ""}),
        ("/api/papers/", {"category": ""}),
        ("/api/papers/", {"category": " cs.CL"}),
        ("/api/papers/", {"category": "cats.XX"}),
        ("/api/search/", {"page": "0"}),
        ("/api/search/", {"sort": ""}),
        ("/api/search/", {"has_code": "maybe"}),
        ("/api/search/", {"year_from": "2001.0"}),
        ("/api/search/", {"topic": " cs.LG"}),
        ("/api/papers/2401.00001/comments/", {"kind": ""}),
        ("/api/papers/2401.00001/comments/", {"kind": "rant"}),
        ("/api/papers/2401.00001/comments/", {"sort": ""}),
        ("/api/papers/2401.00001/reviews/", {"page": "0"}),
        ("/api/papers/2401.00001/neighbours/", {"limit": ""}),
        ("/api/papers/2401.00001/neighbours/", {"limit": "0"}),
        ("/api/papers/2401.00001/neighbours/", {"limit": "51"}),
        ("/api/papers/2401.00001/neighbours/", {"limit": "5.0"}),
        ("/api/papers/2401.00001/graph/", {"kinds": "planet"}),
        ("/api/collections/", {"public": ""}),
        ("/api/collections/", {"public": "yes"}),
    ],
)
def test_a_bad_query_parameter_is_a_400_naming_it(client, paper, path, query):
    response = client.get(path, query)
    assert response.status_code == 400, response.content
    name = next(iter(query))
    assert name in response.json()


def test_blank_search_words_and_topic_are_accepted_and_documented_once(client, paper):
    assert client.get("/api/search/", {"q": "", "topic": ""}).status_code == 200
    schema = client.get("/api/schema/", headers={"Accept": "application/json"}).json()
    search = schema["paths"]["/api/search/"]["get"]["parameters"]
    for name in ("q", "topic"):
        # Blank is the second case of the oneOf only (a blank value matching both cases
        # would violate the schema).
        text, blank = next(p for p in search if p["name"] == name)["schema"]["oneOf"]
        assert blank == {"type": "string", "maxLength": 0}
        assert text.get("minLength") == 1 or text["pattern"].endswith("+$")


def test_a_page_past_the_last_is_a_404(client, paper):
    response = client.get("/api/papers/", {"page": "2"})
    assert response.status_code == 404
    assert response.json() == {"detail": "No such page: it is past the last one."}


def test_an_empty_year_range_finds_nothing(client, paper):
    response = client.get("/api/search/", {"year_from": "2020", "year_to": "2010"})
    assert response.status_code == 200 and response.json()["count"] == 0


def test_a_deleted_save_target_must_be_a_number(api, paper):
    response = api.delete(f"/api/papers/{paper.arxiv_id}/save/", QUERY_STRING="collection=1.5")
    assert response.status_code == 400 and "collection" in response.json()


@pytest.mark.parametrize("category", ["cs.CL", "hep-th", "math.AG"])
def test_every_kind_of_arxiv_category_is_accepted(client, paper, category):
    response = client.get("/api/papers/", {"category": category})
    assert response.status_code == 200
    assert [p["arxiv_id"] for p in response.json()["results"]] == [paper.arxiv_id]


def test_a_category_nobody_uses_is_an_empty_list(client, paper):
    response = client.get("/api/papers/", {"category": "q-bio.NC"})
    assert response.status_code == 200 and response.json()["count"] == 0


@pytest.mark.parametrize("flag", ["true", "false", "1", "0"])
def test_query_flags_accept_their_spellings(api, paper, flag):
    assert api.get("/api/collections/", {"public": flag}).status_code == 200
    assert api.get("/api/search/", {"has_code": flag}).status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/collections/", {"name": "A", "description": 0}, "description"),
        ("/api/collections/", {"name": "A", "is_public": 1}, "is_public"),
        ("/api/collections/", {"name": 7}, "name"),
        (
            "/api/papers/2401.00001/reviews/",
            {"strengths": "S.", "recommendation": "skim", "confidence": "3"},
            "confidence",
        ),
        ("/api/papers/2401.00001/comments/", {"body": "Hi.", "parent": "1"}, "parent"),
        ("/api/papers/2401.00001/comments/", {"body": ["Hi."]}, "body"),
    ],
)
def test_a_json_body_of_the_wrong_type_is_a_400_naming_the_field(api, paper, path, body, field):
    response = api.post(path, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_form_bodies_are_still_read(api, paper):
    response = api.post("/api/collections/", {"name": "Form", "is_public": "true"})
    assert response.status_code == 201 and response.json()["is_public"] is True


# --- Free text -------------------------------------------------------------------------------


def test_non_ascii_report_details_are_accepted(api, paper, other_curator):
    review = review_create(
        author=other_curator,
        paper=paper,
        text=ReviewText(strengths="Ok.", recommendation="skim", confidence=2),
    )
    details = "Plagiat présumé : voir §3 — 剽窃 🙂"
    response = api.post(
        f"/api/papers/{paper.arxiv_id}/reviews/{review.pk}/report/",
        {"reason": "other", "details": details},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["details"] == details
    assert Report.objects.get().details == details


def test_non_ascii_free_text_is_accepted_everywhere(api, paper, other_curator):
    note = comment_create(author=other_curator, paper=paper, body="Première note.")
    created = api.post(
        f"/api/papers/{paper.arxiv_id}/comments/",
        {"body": "Réponse — ответ 🙂", "parent": note.pk},
        format="json",
    )
    assert created.status_code == 201 and created.json()["body"] == "Réponse — ответ 🙂"
    collection = api.post("/api/collections/", {"name": "Lecture ☕", "description": "Ü"})
    assert collection.status_code == 201 and collection.json()["name"] == "Lecture ☕"
    report = api.post(
        f"/api/papers/{paper.arxiv_id}/comments/{note.pk}/report/",
        {"reason": "spam", "details": "Publicité déguisée"},
        format="json",
    )
    assert report.status_code == 201


def test_the_graph_takes_its_reasons_and_kinds_as_lists(client, paper):
    response = client.get(
        f"/api/papers/{paper.arxiv_id}/graph/",
        {"kinds": "paper,author", "reasons": "cites,shared_authors"},
    )
    assert response.status_code == 200
    bad = client.get(f"/api/papers/{paper.arxiv_id}/graph/", {"reasons": "réseau"})
    assert bad.status_code == 400 and "reasons" in bad.json()


# --- Conflicts --------------------------------------------------------------------------------


def test_a_name_you_already_use_is_a_409(api, curator):
    collection_create(owner=curator, name="Taken")
    response = api.post("/api/collections/", {"name": "Taken"}, format="json")
    assert response.status_code == 409
    assert response.json() == {"name": ["You already have a collection named “Taken”."]}


# --- The schema -------------------------------------------------------------------------------


def test_the_schema_documents_errors_with_their_bodies(client):
    schema = client.get("/api/schema/", headers={"Accept": "application/json"}).json()
    vote = schema["paths"]["/api/papers/{arxiv_id}/vote/"]["post"]["responses"]
    assert {"200", "400", "401", "403", "404", "415", "429"} <= set(vote)
    assert vote["401"]["headers"]["WWW-Authenticate"]
    assert vote["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ValidationError"
    }
    assert vote["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    papers = schema["paths"]["/api/papers/"]["get"]
    parameters = {p["name"]: p["schema"] for p in papers["parameters"]}
    assert parameters["page"] == {"type": "integer", "minimum": 1}
    assert "hep-th" in parameters["category"]["pattern"]
    assert {"200", "400", "401", "404"} <= set(papers["responses"])
    neighbours = schema["paths"]["/api/papers/{arxiv_id}/neighbours/"]["get"]
    limit = next(p for p in neighbours["parameters"] if p["name"] == "limit")["schema"]
    assert (limit["type"], limit["minimum"], limit["maximum"]) == ("integer", 1, 50)
    reviews = schema["paths"]["/api/papers/{arxiv_id}/reviews/"]["post"]["responses"]
    assert "409" in reviews
