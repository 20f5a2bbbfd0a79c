"""Who may do what with reviews, comments and reports through the API: every endpoint and
method, for an anonymous caller, the items' author, another curator, a member of the
Moderators group and a staff member.

Moderation happens in the admin, never here: moderators and staff get exactly what any
other curator gets. Each case runs on fresh data: the author's review (of an outdated
version, one concern marked addressed, one not) and comment, and a hidden review and
comment by a third person. The expected answer is the status code; refused writes must
leave everything as it was, allowed ones must change something.
"""

import re
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from papers.models import Paper
from reviews.discussion.services import comment_counts_refresh, comment_create
from reviews.models import Comment, Report, Review, ReviewConcern
from reviews.reviews.services import ReviewText, review_counts_refresh, review_create
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "author", "other", "moderator", "staff")
CURATORS = ROLES[1:]

OK, CREATED, NO_CONTENT = 200, 201, 204
INVALID, NOT_FOUND, CONFLICT = 400, 404, 409
# Anonymous writes need credentials: 401 with a WWW-Authenticate challenge (TokenAuthentication
# comes first). Signed-in callers refused other people's items: 403.
UNAUTHENTICATED = 401
DENIED = 403

REVIEW = {"strengths": "API strengths.", "recommendation": "skim", "confidence": 3}


@dataclass
class World:
    paper: Paper
    review: Review
    comment: Comment
    hidden_review: Review
    hidden_comment: Comment
    users: dict

    def snapshot(self) -> tuple:
        """Everything a refused write must leave alone."""
        paper = Paper.objects.values_list("review_count", "comment_count").get(pk=self.paper.pk)
        return (
            paper,
            list(
                Review.objects.order_by("pk").values_list(
                    "pk", "strengths", "recommendation", "paper_version", "is_hidden", "edited_at"
                )
            ),
            list(
                ReviewConcern.objects.order_by("review_id", "position").values_list(
                    "review_id", "position", "text", "addressed_in_version"
                )
            ),
            list(
                Comment.objects.order_by("pk").values_list(
                    "pk", "body", "is_hidden", "is_deleted", "edited_at"
                )
            ),
            list(Report.objects.order_by("pk").values_list("pk", "reporter_id")),
        )


@pytest.fixture
def world(django_user_model) -> World:
    def user(name: str, **extra):
        return django_user_model.objects.create_user(name, password="x" * 12, **extra)

    users = {
        "author": user("author"),
        "other": user("other"),
        "moderator": user("moderator"),
        "staff": user("staff", is_staff=True),
    }
    users["moderator"].groups.add(Group.objects.get(name="Moderators"))
    third = user("third")
    paper = make_paper(version=1)
    text = ReviewText("skim", 3, strengths="Author strengths.", concerns=["Open.", "Fixed."])
    review = review_create(author=users["author"], paper=paper, text=text)
    hidden_review = review_create(
        author=third, paper=paper, text=ReviewText("skip", 2, strengths="Hidden strengths.")
    )
    comment = comment_create(author=users["author"], paper=paper, body="Author comment.")
    hidden_comment = comment_create(author=third, paper=paper, body="Hidden comment.")
    Review.objects.filter(pk=hidden_review.pk).update(is_hidden=True)
    Comment.objects.filter(pk=hidden_comment.pk).update(is_hidden=True)
    # As the moderation services do after hiding: the paper's counts leave them out.
    review_counts_refresh([paper.pk])
    comment_counts_refresh([paper.pk])
    paper = make_paper(arxiv_id=paper.arxiv_id, version=2)  # the review is now outdated
    ReviewConcern.objects.filter(review=review, position=1).update(addressed_in_version=2)
    return World(paper, review, comment, hidden_review, hidden_comment, users)


def _url(w: World, tail: str) -> str:
    return f"/api/papers/{w.paper.arxiv_id}/{tail}"


def _everyone(status: int) -> dict:
    return dict.fromkeys(ROLES, status)


def _curators(status: int) -> dict:
    return {"anonymous": UNAUTHENTICATED, **dict.fromkeys(CURATORS, status)}


def _author_only(status: int) -> dict:
    return {
        "anonymous": UNAUTHENTICATED,
        "author": status,
        **dict.fromkeys(CURATORS[1:], DENIED),
    }


def _anyone_but_the_author(status: int) -> dict:
    return {
        "anonymous": UNAUTHENTICATED,
        "author": INVALID,
        **dict.fromkeys(CURATORS[1:], status),
    }


# name: (method, url, body, {role: status})
CASES = {
    # Reviews
    "list reviews": ("get", lambda w: _url(w, "reviews/"), None, _everyone(OK)),
    "write a review": (
        "post",
        lambda w: _url(w, "reviews/"),
        REVIEW,
        # The author has reviewed the paper already: the service says so (a conflict).
        {**_anyone_but_the_author(CREATED), "author": CONFLICT},
    ),
    "read a review": ("get", lambda w: _url(w, f"reviews/{w.review.pk}/"), None, _everyone(OK)),
    "replace the review": (
        "put",
        lambda w: _url(w, f"reviews/{w.review.pk}/"),
        {**REVIEW, "strengths": "Replaced."},
        _author_only(OK),
    ),
    "edit the review": (
        "patch",
        lambda w: _url(w, f"reviews/{w.review.pk}/"),
        {"strengths": "Rewritten."},
        _author_only(OK),
    ),
    "delete the review": (
        "delete",
        lambda w: _url(w, f"reviews/{w.review.pk}/"),
        None,
        _author_only(NO_CONTENT),
    ),
    "mark a concern addressed": (
        "put",
        lambda w: _url(w, f"reviews/{w.review.pk}/concerns/0/addressed/"),
        None,
        _author_only(OK),
    ),
    "mark a concern not addressed": (
        "delete",
        lambda w: _url(w, f"reviews/{w.review.pk}/concerns/1/addressed/"),
        None,
        _author_only(OK),
    ),
    "report the review": (
        "post",
        lambda w: _url(w, f"reviews/{w.review.pk}/report/"),
        {"reason": "spam"},
        _anyone_but_the_author(CREATED),
    ),
    "read a hidden review": (
        "get",
        lambda w: _url(w, f"reviews/{w.hidden_review.pk}/"),
        None,
        _everyone(NOT_FOUND),
    ),
    "replace a hidden review": (
        "put",
        lambda w: _url(w, f"reviews/{w.hidden_review.pk}/"),
        REVIEW,
        _curators(NOT_FOUND),
    ),
    "edit a hidden review": (
        "patch",
        lambda w: _url(w, f"reviews/{w.hidden_review.pk}/"),
        {"strengths": "Unhidden?"},
        _curators(NOT_FOUND),
    ),
    "delete a hidden review": (
        "delete",
        lambda w: _url(w, f"reviews/{w.hidden_review.pk}/"),
        None,
        _curators(NOT_FOUND),
    ),
    "report a hidden review": (
        "post",
        lambda w: _url(w, f"reviews/{w.hidden_review.pk}/report/"),
        {"reason": "spam"},
        _curators(NOT_FOUND),
    ),
    # Comments
    "list comments": ("get", lambda w: _url(w, "comments/"), None, _everyone(OK)),
    "post a comment": (
        "post",
        lambda w: _url(w, "comments/"),
        {"kind": "note", "body": "API note."},
        _curators(CREATED),
    ),
    "reply to the comment": (
        "post",
        lambda w: _url(w, "comments/"),
        lambda w: {"body": "API reply.", "parent": w.comment.pk},
        _curators(CREATED),
    ),
    "read a comment": ("get", lambda w: _url(w, f"comments/{w.comment.pk}/"), None, _everyone(OK)),
    "edit the comment": (
        "patch",
        lambda w: _url(w, f"comments/{w.comment.pk}/"),
        {"body": "API edit."},
        _author_only(OK),
    ),
    "delete the comment": (
        "delete",
        lambda w: _url(w, f"comments/{w.comment.pk}/"),
        None,
        _author_only(NO_CONTENT),
    ),
    "report the comment": (
        "post",
        lambda w: _url(w, f"comments/{w.comment.pk}/report/"),
        {"reason": "abuse"},
        _anyone_but_the_author(CREATED),
    ),
    "read a hidden comment": (
        "get",
        lambda w: _url(w, f"comments/{w.hidden_comment.pk}/"),
        None,
        _everyone(NOT_FOUND),
    ),
    "reply to a hidden comment": (
        "post",
        lambda w: _url(w, "comments/"),
        lambda w: {"body": "API reply.", "parent": w.hidden_comment.pk},
        _curators(INVALID),
    ),
    "edit a hidden comment": (
        "patch",
        lambda w: _url(w, f"comments/{w.hidden_comment.pk}/"),
        {"body": "Unhidden?"},
        _curators(NOT_FOUND),
    ),
    "delete a hidden comment": (
        "delete",
        lambda w: _url(w, f"comments/{w.hidden_comment.pk}/"),
        None,
        _curators(NOT_FOUND),
    ),
    "report a hidden comment": (
        "post",
        lambda w: _url(w, f"comments/{w.hidden_comment.pk}/report/"),
        {"reason": "spam"},
        _curators(NOT_FOUND),
    ),
}
ALLOWED_WRITES = (OK, CREATED, NO_CONTENT)


def _client(world: World, role: str, **kwargs) -> APIClient:
    client = APIClient(**kwargs)
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def _send(client: APIClient, world: World, case: str):
    method, url, body, _ = CASES[case]
    payload = body(world) if callable(body) else body
    return getattr(client, method)(url(world), payload, format="json")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES)
def test_api(world, case, role):
    method, _, _, expected = CASES[case]
    before = world.snapshot()
    response = _send(_client(world, role), world, case)
    assert response.status_code == expected[role], (case, role, response.content[:300])
    if response.status_code == UNAUTHENTICATED:
        assert response["WWW-Authenticate"] == "Token"
    if response.status_code != NO_CONTENT:
        assert response["Content-Type"] == "application/json"
    if response.status_code >= 400:
        # Every refusal says why, in the API's usual shape.
        assert response.json(), (case, role)
    if method != "get" and response.status_code in ALLOWED_WRITES:
        assert world.snapshot() != before, (case, role)
    else:
        assert world.snapshot() == before, (case, role)


def test_every_endpoint_and_method_is_in_the_matrix(client):
    """A new endpoint or method under reviews/ or comments/ needs its row above."""
    paths = client.get("/api/schema/?format=json").json()["paths"]
    documented = {
        (path, method)
        for path, operations in paths.items()
        if "/reviews/" in path or "/comments/" in path
        for method in operations
        if method != "parameters"
    }
    fake = World(Paper(arxiv_id="2203.14101"), *(SimpleNamespace(pk=pk) for pk in range(1, 5)), {})
    covered = set()
    for method, url, _, _ in CASES.values():
        path = url(fake).replace("2203.14101", "{arxiv_id}")
        path = re.sub(r"/concerns/\d+/", "/concerns/{position}/", path)
        covered.add((re.sub(r"/\d+/", "/{id}/", path), method))
    assert documented == covered


@pytest.mark.parametrize("role", ROLES)
def test_lists_leave_out_hidden_items(world, role):
    client = _client(world, role)
    reviews = client.get(_url(world, "reviews/")).json()
    comments = client.get(_url(world, "comments/")).json()
    assert [r["id"] for r in reviews["results"]] == [world.review.pk]
    assert [c["id"] for c in comments["results"]] == [world.comment.pk]
    assert "Hidden" not in str(reviews) + str(comments)
    counts = client.get(f"/api/papers/{world.paper.arxiv_id}/").json()["counts"]
    assert (counts["reviews"], counts["comments"]) == (1, 1)


def test_the_hidden_items_author_still_reads_them(world):
    third = APIClient()
    third.force_login(world.hidden_review.author)
    reviews = third.get(_url(world, "reviews/")).json()["results"]
    comments = third.get(_url(world, "comments/")).json()["results"]
    assert {(r["id"], r["hidden"], r["is_mine"]) for r in reviews} == {
        (world.hidden_review.pk, True, True),
        (world.review.pk, False, False),
    }
    assert {(c["id"], c["hidden"], c["is_mine"]) for c in comments} == {
        (world.hidden_comment.pk, True, True),
        (world.comment.pk, False, False),
    }


WRITES = [case for case, (method, *_) in CASES.items() if method != "get"]


@pytest.mark.parametrize("case", WRITES)
def test_session_writes_need_the_csrf_token(world, case):
    """A signed-in browser session cannot be made to write from another site: without the
    CSRF token even the author's allowed writes are refused and change nothing."""
    client = _client(world, "author", enforce_csrf_checks=True)
    before = world.snapshot()
    response = _send(client, world, case)
    assert response.status_code == DENIED, (case, response.content[:300])
    assert "CSRF" in response.json()["detail"]
    assert world.snapshot() == before


def test_token_clients_write_without_csrf(world):
    token = Token.objects.create(user=world.users["author"])
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.patch(
        _url(world, f"reviews/{world.review.pk}/"), {"strengths": "By token."}, format="json"
    )
    assert response.status_code == OK and response.json()["strengths"] == "By token."
    refused = APIClient(enforce_csrf_checks=True)
    refused.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    rejected = refused.get(_url(world, "reviews/"))
    assert rejected.status_code == UNAUTHENTICATED
    assert rejected.json() == {"detail": "Invalid token."}
    assert rejected["WWW-Authenticate"] == "Token"
