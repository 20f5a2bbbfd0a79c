"""Discussion comments over the API: threads as a flat list, sort and kind, replication
pointers, the edit grace period, deletion that keeps threads, hidden comments, the paper's
counts, bounded queries and inert HTML."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.test import APIClient

from papers.models import Paper
from reviews.discussion.services import comment_create, comment_delete
from reviews.models import Comment
from reviews.moderation.services import items_hide, items_restore
from tests.reviews.test_markdown import assert_inert
from tests.support.factories import make_paper
from tests.support.xss_payloads import XSS_PAYLOADS

pytestmark = pytest.mark.django_db

# An anonymous write needs credentials: 401 with a WWW-Authenticate: Token challenge
# (TokenAuthentication comes first in REST_FRAMEWORK).
ANONYMOUS = 401
POINTER = {
    "kind": "replication",
    "body": "Ran their script.",
    "link": "https://github.com/example/replication",
    "replication_status": "reproduced",
}


def _comments_url(paper: Paper) -> str:
    return f"/api/papers/{paper.arxiv_id}/comments/"


def _comment_url(paper: Paper, comment) -> str:
    pk = comment if isinstance(comment, int) else comment.pk
    return f"{_comments_url(paper)}{pk}/"


def _counts(paper: Paper) -> dict:
    return APIClient().get(f"/api/papers/{paper.arxiv_id}/").json()["counts"]


def _ids(body: dict) -> list[int]:
    return [c["id"] for c in body["results"]]


def _age(comment: Comment, minutes: int) -> None:
    Comment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )


# --- Reading ---------------------------------------------------------------------------------


def test_anonymous_callers_read_but_cannot_write(curator):
    paper = make_paper()
    comment = comment_create(author=curator, paper=paper, body="A note.")
    client = APIClient()
    body = client.get(_comments_url(paper)).json()
    assert _ids(body) == [comment.pk] and body["results"][0]["is_mine"] is False
    assert body["results"][0]["editable_until"] is None
    assert client.get(_comment_url(paper, comment)).status_code == 200
    refused = [
        client.post(_comments_url(paper), {"body": "Anonymous."}, format="json"),
        client.patch(_comment_url(paper, comment), {"body": "Changed."}, format="json"),
        client.delete(_comment_url(paper, comment)),
    ]
    assert [r.status_code for r in refused] == [ANONYMOUS] * 3
    assert all("detail" in r.json() for r in refused)
    assert list(Comment.objects.values_list("body", flat=True)) == ["A note."]


def test_threads_come_flat_in_reading_order(api, curator, other_curator):
    paper = make_paper()
    first = comment_create(author=curator, paper=paper, body="First.", kind="question")
    second = comment_create(author=other_curator, paper=paper, body="Second.", kind="caveat")
    reply = comment_create(author=other_curator, paper=paper, body="Reply.", parent=first)
    nested = comment_create(author=curator, paper=paper, body="Nested.", parent=reply)
    late = comment_create(author=curator, paper=paper, body="Late reply.", parent=first)

    body = api.get(_comments_url(paper)).json()
    assert (body["count"], body["sort"], body["kind"]) == (5, "oldest", "")
    assert _ids(body) == [first.pk, reply.pk, nested.pk, late.pk, second.pk]
    assert [(c["parent"], c["depth"]) for c in body["results"]] == [
        (None, 0),
        (first.pk, 1),
        (reply.pk, 2),
        (first.pk, 1),
        (None, 0),
    ]
    # Newest threads first; replies stay oldest first under their comment.
    newest = api.get(f"{_comments_url(paper)}?sort=newest").json()
    assert _ids(newest) == [second.pk, first.pk, reply.pk, nested.pk, late.pk]
    by_kind = api.get(f"{_comments_url(paper)}?sort=kind").json()
    assert _ids(by_kind) == [second.pk, first.pk, reply.pk, nested.pk, late.pk]
    # A kind filter lists the matching comments alone.
    notes = api.get(f"{_comments_url(paper)}?kind=note&sort=newest").json()
    assert (notes["kind"], _ids(notes)) == ("note", [late.pk, nested.pk, reply.pk])
    assert _ids(api.get(f"{_comments_url(paper)}?kind=caveat").json()) == [second.pk]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("sort=popular", "sort"), ("kind=rant", "kind"), ("kind=note&sort=NEWEST", "sort")],
)
def test_bad_query_parameters_are_400_naming_them(api, query, parameter):
    paper = make_paper()
    response = api.get(f"{_comments_url(paper)}?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [parameter]
    assert "not a valid choice" in response.json()[parameter][0]


def test_comment_json_and_replication_rollup(api, curator, other_curator, settings):
    curator.display_name = "Ada Commenter"
    curator.save(update_fields=["display_name"])
    paper = make_paper()
    created = api.post(_comments_url(paper), POINTER, format="json")
    assert created.status_code == 201
    comment = Comment.objects.get()
    body = created.json()
    editable_until = comment.created_at + timedelta(minutes=settings.COMMENT_EDIT_GRACE_MINUTES)
    assert body == {
        "id": comment.pk,
        "parent": None,
        "depth": 0,
        "author": {"username": "curator", "display_name": "Ada Commenter"},
        "kind": "replication",
        "kind_label": "Replication pointer",
        "body": "Ran their script.",
        "body_html": "<p>Ran their script.</p>\n",
        "link": "https://github.com/example/replication",
        "replication_status": "reproduced",
        "replication_status_label": "Reproduced",
        "created_at": body["created_at"],
        "edited_at": None,
        "edited": False,
        "deleted": False,
        "hidden": False,
        "is_mine": True,
        "editable_until": editable_until.isoformat().replace("+00:00", "Z"),
    }
    comment_create(author=other_curator, paper=paper, **{**POINTER, "replication_status": "failed"})
    comment_create(author=other_curator, paper=paper, **POINTER)
    listed = APIClient().get(_comments_url(paper)).json()
    assert listed["replication"] == {
        "attempted": 0,
        "reproduced": 2,
        "failed": 1,
        "summary": "2 reproduced, 1 failed",
    }
    seen_by_anyone = listed["results"][0]
    assert seen_by_anyone["id"] == comment.pk and seen_by_anyone["is_mine"] is False
    assert seen_by_anyone["editable_until"] is None
    assert _counts(paper)["comments"] == 3


# --- Writing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"body": "   "}, "body", "Write something first."),
        ({"body": "b" * 5001}, "body", "within 5000 characters (it has 5001)"),
        ({"kind": "rant", "body": "x"}, "kind", "not a valid choice"),
        ({**POINTER, "link": "javascript:alert(1)"}, "link", "http(s) address"),
        ({**POINTER, "replication_status": ""}, "replication_status", "attempted, reproduced"),
        ({"body": "x", "parent": "first"}, "parent", "valid integer"),
        ({"body": "x", "parent": 999_999}, "parent", "cannot be replied to"),
        ({}, "body", "required"),
    ],
)
def test_create_validation_names_the_field(api, payload, field, message):
    paper = make_paper()
    response = api.post(_comments_url(paper), payload, format="json")
    assert response.status_code == 400
    assert message in response.json()[field][0]
    assert not Comment.objects.exists() and _counts(paper)["comments"] == 0


def test_replies_only_to_visible_comments_of_the_same_paper(api, curator, other_curator):
    paper, elsewhere = make_paper(), make_paper()
    parent = comment_create(author=other_curator, paper=paper, body="Parent.")
    foreign = comment_create(author=other_curator, paper=elsewhere, body="Elsewhere.")
    hidden = comment_create(author=other_curator, paper=paper, body="Hidden.")
    Comment.objects.filter(pk=hidden.pk).update(is_hidden=True)
    gone = comment_create(author=other_curator, paper=paper, body="Gone.")
    comment_create(author=curator, paper=paper, body="Keeps it.", parent=gone)
    comment_delete(comment=gone, actor=other_curator)

    for refused in (foreign, hidden, gone):
        response = api.post(
            _comments_url(paper), {"body": "Reply.", "parent": refused.pk}, format="json"
        )
        assert response.status_code == 400
        assert response.json() == {"parent": ["That comment cannot be replied to."]}
    reply = api.post(_comments_url(paper), {"body": "Reply.", "parent": parent.pk}, format="json")
    assert reply.status_code == 201
    assert (reply.json()["parent"], reply.json()["depth"]) == (parent.pk, 1)
    assert Comment.objects.filter(body="Reply.").count() == 1


def test_the_author_edits_within_the_grace_period(api, other_api, curator):
    paper = make_paper()
    pointer = comment_create(author=curator, paper=paper, **POINTER)
    url = _comment_url(paper, pointer)

    assert other_api.patch(url, {"body": "Theirs."}, format="json").status_code == 403
    edited = api.patch(url, {"body": "Ran it **twice**."}, format="json")
    assert edited.status_code == 200
    body = edited.json()
    assert body["body_html"] == "<p>Ran it <strong>twice</strong>.</p>\n"
    assert body["edited"] is True and body["link"] == POINTER["link"]
    assert body["kind"] == "replication" and body["replication_status"] == "reproduced"
    status = api.patch(url, {"replication_status": "failed"}, format="json").json()
    assert (status["body"], status["replication_status"]) == ("Ran it **twice**.", "failed")
    bad = api.patch(url, {"link": "ftp://example.org/x"}, format="json")
    assert bad.status_code == 400 and "link" in bad.json()

    _age(pointer, 16)
    late = api.patch(url, {"body": "Too late."}, format="json")
    assert late.status_code == 400
    assert late.json() == {"body": ["Comments can be edited for 15 minutes after posting."]}
    refused = other_api.patch(url, {"body": "Theirs."}, format="json")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only its author can edit this comment."}
    assert Comment.objects.get().body == "Ran it **twice**."


def test_delete_keeps_threads_and_counts_follow(api, other_api, curator, other_curator):
    paper = make_paper()
    parent = comment_create(author=curator, paper=paper, body="Parent.")
    reply = comment_create(author=other_curator, paper=paper, body="Reply.", parent=parent)
    lone = comment_create(author=curator, paper=paper, body="Lone.")
    assert _counts(paper)["comments"] == 3

    refused = other_api.delete(_comment_url(paper, parent))
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only its author can delete this comment."}
    assert api.delete(_comment_url(paper, lone)).status_code == 204
    assert api.delete(_comment_url(paper, parent)).status_code == 204
    assert not Comment.objects.filter(pk=lone.pk).exists()
    assert _counts(paper)["comments"] == 1

    body = APIClient().get(_comments_url(paper)).json()
    assert body["count"] == 1 and _ids(body) == [parent.pk, reply.pk]
    placeholder = body["results"][0]
    assert placeholder["deleted"] is True
    assert (placeholder["body"], placeholder["body_html"], placeholder["author"]) == ("", "", None)
    assert body["results"][1]["body"] == "Reply."
    mine = api.get(_comment_url(paper, parent)).json()
    assert mine["author"] is None and mine["editable_until"] is None
    # What is deleted cannot be edited, deleted again or reported.
    for response in (
        api.patch(_comment_url(paper, parent), {"body": "Back."}, format="json"),
        api.delete(_comment_url(paper, parent)),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": f"Comment {parent.pk} was deleted."}


def test_hidden_comments_reach_only_their_author(api, other_api, curator, other_curator):
    paper = make_paper()
    lone = comment_create(author=curator, paper=paper, body="Lone spam.")
    parent = comment_create(author=curator, paper=paper, body="Parent spam.")
    reply = comment_create(author=other_curator, paper=paper, body="Reply.", parent=parent)
    Comment.objects.filter(pk__in=[lone.pk, parent.pk]).update(is_hidden=True)

    for client in (APIClient(), other_api):
        body = client.get(_comments_url(paper)).json()
        assert body["count"] == 1
        assert "spam" not in str(body)
        # The hidden parent keeps its place, empty, for the reply hanging on it.
        assert _ids(body) == [parent.pk, reply.pk]
        assert body["results"][0]["hidden"] is True and body["results"][0]["author"] is None
        for hidden in (lone, parent):
            assert client.get(_comment_url(paper, hidden)).status_code == 404
        assert other_api.patch(_comment_url(paper, lone), {"body": "x"}).status_code == 404

    body = api.get(_comments_url(paper)).json()
    assert _ids(body) == [lone.pk, parent.pk, reply.pk]
    assert [(c["hidden"], c["body"]) for c in body["results"]] == [
        (True, "Lone spam."),
        (True, "Parent spam."),
        (False, "Reply."),
    ]
    assert api.get(_comment_url(paper, lone)).json()["hidden"] is True


def test_counts_leave_out_comments_a_moderator_hides(api, other_api, curator, other_curator):
    other_curator.groups.add(Group.objects.get(name="Moderators"))
    paper = make_paper()
    posted = [api.post(_comments_url(paper), {"body": f"N{i}."}, format="json") for i in range(3)]
    assert [r.status_code for r in posted] == [201] * 3
    assert _counts(paper)["comments"] == 3
    first, second, _ = Comment.objects.order_by("pk")
    items_hide(moderator=other_curator, items=[first, second], reason="Off topic.")
    assert _counts(paper)["comments"] == 1
    assert other_api.get(_comments_url(paper)).json()["count"] == 1
    # The discussion's count is the public one, for the hidden comments' author too.
    assert api.get(_comments_url(paper)).json()["count"] == 1
    assert api.delete(_comment_url(paper, first)).status_code == 204
    assert _counts(paper)["comments"] == 1
    items_restore(moderator=other_curator, items=[second], reason="Back on topic.")
    assert _counts(paper)["comments"] == 2


def test_unknown_papers_and_other_papers_comments_are_404(api, curator):
    paper, elsewhere = make_paper(), make_paper()
    comment = comment_create(author=curator, paper=elsewhere, body="Elsewhere.")
    assert api.get("/api/papers/2401.99999/comments/").status_code == 404
    assert api.post("/api/papers/2401.99999/comments/", {"body": "x"}).status_code == 404
    url = _comment_url(paper, comment)
    assert api.get(url).status_code == 404
    assert api.patch(url, {"body": "Moved."}, format="json").status_code == 404
    assert api.delete(url).status_code == 404
    assert Comment.objects.get().body == "Elsewhere."


# --- Safety and limits -----------------------------------------------------------------------


def test_list_queries_do_not_grow_with_comments(
    api, curator, other_curator, django_assert_max_num_queries
):
    paper = make_paper()
    root = comment_create(author=curator, paper=paper, body="Root.")
    with django_assert_max_num_queries(5):
        assert len(api.get(_comments_url(paper)).json()["results"]) == 1
    parent = root
    for i in range(40):
        author = curator if i % 2 else other_curator
        parent = comment_create(author=author, paper=paper, body=f"Reply {i}.", parent=parent)
        comment_create(author=author, paper=paper, **POINTER)
    # Session, user, paper, and every comment of the paper with its author.
    with django_assert_max_num_queries(5):
        body = api.get(_comments_url(paper)).json()
    assert len(body["results"]) == 81 and body["results"][40]["depth"] == 40
    assert body["replication"]["reproduced"] == 40


def test_every_xss_payload_comes_back_raw_and_inert(api, settings):
    settings.WRITE_RATE_LIMIT = "1000/m"
    paper = make_paper()
    sent = {}
    for payload in XSS_PAYLOADS:
        padded = f"\n\t{payload}  \r\n"  # what comes back is what was meant: stripped
        response = api.post(_comments_url(paper), {"body": padded}, format="json")
        assert response.status_code == 201, (payload, response.content)
        assert response["Content-Type"] == "application/json"
        assert response.json()["body"] == payload
        assert_inert(response.json()["body_html"])
        sent[response.json()["id"]] = payload
    listed = APIClient().get(_comments_url(paper)).json()["results"]
    assert {c["id"]: c["body"] for c in listed} == sent
    for comment in listed:
        assert_inert(comment["body_html"])


def test_comment_writes_are_throttled_per_user_reads_are_not(api, settings):
    settings.WRITE_RATE_LIMIT = "2/m"
    paper = make_paper()
    created = api.post(_comments_url(paper), {"body": "One."}, format="json")
    assert created.status_code == 201
    url = _comment_url(paper, created.json()["id"])
    assert api.patch(url, {"body": "Two."}, format="json").status_code == 200
    limited = api.post(_comments_url(paper), {"body": "Three."}, format="json")
    assert limited.status_code == 429 and "throttled" in limited.json()["detail"]
    assert Comment.objects.count() == 1
    assert api.get(_comments_url(paper)).status_code == 200 and api.get(url).status_code == 200
