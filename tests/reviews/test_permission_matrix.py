"""Who may do what with reviews, comments and reports: every read and write, through the
pages and the admin (the API has its own matrix in test_api_permissions.py), for an
anonymous visitor, the items' author, another curator, a member of the Moderators group and
a staff member.

Each case runs on fresh data: the author's review (with a concern, of an outdated version)
and comment, and a hidden review and comment by a third person. The expected answer is
the status code; writes that are refused must also leave the data as it was.
"""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from reviews.discussion.services import comment_create
from reviews.models import Comment, ModerationAction, Report, Review, ReviewConcern
from reviews.reviews.services import ReviewText, review_create
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
ROLES = ("anonymous", "author", "other", "moderator", "staff")
REVIEW = {
    "strengths": "Matrix strengths.",
    "concern": ["Matrix concern."],
    "recommendation": "skim",
    "confidence": "3",
    "reproducibility": "partly",
}


@dataclass
class World:
    paper: object
    review: Review
    comment: Comment
    hidden_review: Review
    hidden_comment: Comment
    users: dict

    def snapshot(self) -> tuple:
        """Everything a refused write must leave alone."""
        return (
            list(Review.objects.order_by("pk").values_list("pk", "strengths", "is_hidden")),
            list(
                Comment.objects.order_by("pk").values_list("pk", "body", "is_hidden", "is_deleted")
            ),
            Report.objects.count(),
            list(
                ReviewConcern.objects.filter(review_id=self.review.pk).values_list(
                    "addressed_in_version"
                )
            ),
        )


@pytest.fixture
def world(django_user_model) -> World:
    users = {
        "author": django_user_model.objects.create_user("author", password="x" * 12),
        "other": django_user_model.objects.create_user("other", password="x" * 12),
        "moderator": django_user_model.objects.create_user("moderator", password="x" * 12),
        "staff": django_user_model.objects.create_user("staff", password="x" * 12, is_staff=True),
    }
    users["moderator"].groups.add(Group.objects.get(name="Moderators"))
    third = django_user_model.objects.create_user("third", password="x" * 12)
    paper = make_paper(version=1)
    text = ReviewText("skim", 3, strengths="Author strengths.", concerns=["Old concern."])
    review = review_create(author=users["author"], paper=paper, text=text)
    hidden_review = review_create(
        author=third, paper=paper, text=ReviewText("skip", 2, strengths="Hidden strengths.")
    )
    comment = comment_create(author=users["author"], paper=paper, body="Author comment.")
    hidden_comment = comment_create(author=third, paper=paper, body="Hidden comment.")
    Review.objects.filter(pk=hidden_review.pk).update(is_hidden=True)
    Comment.objects.filter(pk=hidden_comment.pk).update(is_hidden=True)
    paper = make_paper(arxiv_id=paper.arxiv_id, version=2)  # the review is now outdated
    return World(paper, review, comment, hidden_review, hidden_comment, users)


def _client(client, world: World, role: str):
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


# --- Pages -----------------------------------------------------------------------------------

LOGIN = 302  # anonymous writes go to log-in and come back
OK = 200
SEE_OTHER = 303
NOT_FOUND = 404


def _page(w: World) -> str:
    return w.paper.get_absolute_url()


def _r(name: str, w: World, *args) -> str:
    return reverse(f"reviews:{name}", args=[w.paper.arxiv_id, *args])


# name: (method, url, data, htmx, {role: status}, changes data when allowed)
PAGE_CASES = {
    "read paper page": ("get", _page, None, False, dict.fromkeys(ROLES, OK), False),
    "read discussion": (
        "get",
        lambda w: _r("discussion", w),
        None,
        True,
        dict.fromkeys(ROLES, OK),
        False,
    ),
    "read reviews feed": (
        "get",
        lambda w: _r("feed", w),
        None,
        False,
        dict.fromkeys(ROLES, OK),
        False,
    ),
    "open review form": (
        "get",
        lambda w: _r("create", w),
        None,
        True,
        {"anonymous": LOGIN, "author": OK, "other": OK, "moderator": OK, "staff": OK},
        False,
    ),
    "write a review": (
        "post",
        lambda w: _r("create", w),
        REVIEW,
        False,
        # The author has one already: the form comes back with the reason (400).
        {
            "anonymous": LOGIN,
            "author": 400,
            "other": SEE_OTHER,
            "moderator": SEE_OTHER,
            "staff": SEE_OTHER,
        },
        True,
    ),
    "edit the author's review": (
        "post",
        lambda w: _r("edit", w, w.review.pk),
        REVIEW,
        False,
        {
            "anonymous": LOGIN,
            "author": SEE_OTHER,
            "other": NOT_FOUND,
            "moderator": NOT_FOUND,
            "staff": NOT_FOUND,
        },
        True,
    ),
    "open the edit form of the author's review": (
        "get",
        lambda w: _r("edit", w, w.review.pk),
        None,
        True,
        {
            "anonymous": LOGIN,
            "author": OK,
            "other": NOT_FOUND,
            "moderator": NOT_FOUND,
            "staff": NOT_FOUND,
        },
        False,
    ),
    "delete the author's review": (
        "post",
        lambda w: _r("delete", w, w.review.pk),
        {},
        False,
        {
            "anonymous": LOGIN,
            "author": SEE_OTHER,
            "other": NOT_FOUND,
            "moderator": NOT_FOUND,
            "staff": NOT_FOUND,
        },
        True,
    ),
    "mark a concern addressed": (
        "post",
        lambda w: _r("concern-addressed", w, w.review.pk, 0),
        {"addressed": "1"},
        False,
        {
            "anonymous": LOGIN,
            "author": SEE_OTHER,
            "other": NOT_FOUND,
            "moderator": NOT_FOUND,
            "staff": NOT_FOUND,
        },
        True,
    ),
    "post a comment": (
        "post",
        lambda w: _r("comment-create", w),
        {"kind": "note", "body": "Matrix note."},
        False,
        {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], SEE_OTHER)},
        True,
    ),
    "reply to the author's comment": (
        "post",
        lambda w: _r("comment-create", w),
        lambda w: {"kind": "note", "body": "Matrix reply.", "parent": w.comment.pk},
        False,
        {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], SEE_OTHER)},
        True,
    ),
    "reply to a hidden comment": (
        "post",
        lambda w: _r("comment-create", w),
        lambda w: {"kind": "note", "body": "Matrix reply.", "parent": w.hidden_comment.pk},
        False,
        {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 400)},
        False,
    ),
    "edit the author's comment": (
        "post",
        lambda w: _r("comment-edit", w, w.comment.pk),
        {"body": "Matrix edit."},
        False,
        {
            "anonymous": LOGIN,
            "author": SEE_OTHER,
            "other": NOT_FOUND,
            "moderator": NOT_FOUND,
            "staff": NOT_FOUND,
        },
        True,
    ),
    "delete the author's comment": (
        "post",
        lambda w: _r("comment-delete", w, w.comment.pk),
        {},
        False,
        {
            "anonymous": LOGIN,
            "author": SEE_OTHER,
            "other": NOT_FOUND,
            "moderator": NOT_FOUND,
            "staff": NOT_FOUND,
        },
        True,
    ),
    "report the author's review": (
        "post",
        lambda w: _r("report-review", w, w.review.pk),
        {"reason": "spam"},
        False,
        # Authors cannot report their own items.
        {
            "anonymous": LOGIN,
            "author": 400,
            "other": SEE_OTHER,
            "moderator": SEE_OTHER,
            "staff": SEE_OTHER,
        },
        True,
    ),
    "report the author's comment": (
        "post",
        lambda w: _r("report-comment", w, w.comment.pk),
        {"reason": "abuse"},
        False,
        {
            "anonymous": LOGIN,
            "author": 400,
            "other": SEE_OTHER,
            "moderator": SEE_OTHER,
            "staff": SEE_OTHER,
        },
        True,
    ),
    "report a hidden review": (
        "post",
        lambda w: _r("report-review", w, w.hidden_review.pk),
        {"reason": "spam"},
        False,
        {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], NOT_FOUND)},
        False,
    ),
    "report a hidden comment": (
        "post",
        lambda w: _r("report-comment", w, w.hidden_comment.pk),
        {"reason": "spam"},
        False,
        {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], NOT_FOUND)},
        False,
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", PAGE_CASES)
def test_pages(client, world, case, role):
    method, url, data, htmx, expected, writes = PAGE_CASES[case]
    client = _client(client, world, role)
    before = world.snapshot()
    payload = data(world) if callable(data) else data
    kwargs = {"headers": HX} if htmx else {}
    if method == "get":
        response = client.get(url(world), **kwargs)
    else:
        response = client.post(url(world), payload, **kwargs)
    assert response.status_code == expected[role], (case, role, response.content[:300])
    allowed = expected[role] in (OK, SEE_OTHER)
    if not (writes and allowed):
        assert world.snapshot() == before, (case, role)
    else:
        assert world.snapshot() != before, (case, role)


@pytest.mark.parametrize("role", ROLES)
def test_hidden_items_on_the_page(client, world, role):
    """Hidden items are shown to nobody but their author (here: nobody of these roles);
    moderators see them in the admin, not on the public page."""
    client = _client(client, world, role)
    html = client.get(world.paper.get_absolute_url()).content.decode()
    assert "Author strengths." in html and "Author comment." in html
    assert "Hidden strengths." not in html and "Hidden comment." not in html


# --- Moderation in the admin -------------------------------------------------------------------

ADMIN_LOGIN = 302  # sent to the admin's log-in page
FORBIDDEN = 403
MODERATORS_ONLY = {
    "anonymous": ADMIN_LOGIN,
    "author": ADMIN_LOGIN,
    "other": ADMIN_LOGIN,
    "moderator": OK,
    "staff": OK,
}


def _reported(world: World) -> Report:
    return Report.objects.create(
        reporter=world.users["other"], comment=world.comment, reason="spam"
    )


def _action(name: str, ids, reason: str = "Matrix reason.") -> dict:
    return {"action": name, "_selected_action": [str(pk) for pk in ids], "post": "yes",
            "reason": reason, "index": "0"}  # fmt: skip


ADMIN_READS = {
    "report queue": lambda w: "/admin/reviews/report/",
    "review list": lambda w: "/admin/reviews/review/",
    "a review with its history": lambda w: f"/admin/reviews/review/{w.review.pk}/change/",
    "comment list": lambda w: "/admin/reviews/comment/",
    "moderation log": lambda w: "/admin/reviews/moderationaction/",
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ADMIN_READS)
def test_admin_reads(client, world, page, role):
    response = _client(client, world, role).get(ADMIN_READS[page](world))
    assert response.status_code == MODERATORS_ONLY[role], (page, role)
    if response.status_code == ADMIN_LOGIN:
        assert response["Location"].startswith("/admin/login/")


# name: (admin list URL, action, ids of, what changed when it ran)
ADMIN_ACTIONS = {
    "hide reported items": (
        "/admin/reviews/report/",
        "hide_items",
        lambda w: [_reported(w).pk],
        lambda w: Comment.objects.get(pk=w.comment.pk).is_hidden,
    ),
    "dismiss reports": (
        "/admin/reviews/report/",
        "dismiss_reports",
        lambda w: [_reported(w).pk],
        lambda w: Report.objects.get().status == "dismissed",
    ),
    "hide a review": (
        "/admin/reviews/review/",
        "hide_items",
        lambda w: [w.review.pk],
        lambda w: Review.objects.get(pk=w.review.pk).is_hidden,
    ),
    "restore a hidden review": (
        "/admin/reviews/review/",
        "restore_items",
        lambda w: [w.hidden_review.pk],
        lambda w: not Review.objects.get(pk=w.hidden_review.pk).is_hidden,
    ),
    "hide a comment": (
        "/admin/reviews/comment/",
        "hide_items",
        lambda w: [w.comment.pk],
        lambda w: Comment.objects.get(pk=w.comment.pk).is_hidden,
    ),
    "mark an author as spam": (
        "/admin/reviews/comment/",
        "mark_authors_spam",
        lambda w: [w.comment.pk],
        lambda w: not w.users["author"].__class__.objects.get(pk=w.users["author"].pk).is_active,
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", ADMIN_ACTIONS)
def test_admin_actions(client, world, case, role):
    url, action, ids, changed = ADMIN_ACTIONS[case]
    selected = ids(world)
    client = _client(client, world, role)
    response = client.post(url, _action(action, selected))
    allowed = role in ("moderator", "staff")
    assert response.status_code == 302, (case, role)
    assert changed(world) is allowed, (case, role)
    assert ModerationAction.objects.exists() is allowed
    if allowed:
        logged = ModerationAction.objects.first()
        assert logged.actor == world.users[role] and logged.reason == "Matrix reason."
    else:
        assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("role", ROLES)
def test_nobody_edits_the_moderation_log(client, world, role, django_user_model):
    from reviews.moderation.services import items_hide

    items_hide(moderator=world.users["staff"], items=[world.review], reason="Logged.")
    entry = ModerationAction.objects.get()
    client = _client(client, world, role)
    base = f"/admin/reviews/moderationaction/{entry.pk}"
    expected = MODERATORS_ONLY[role] if role not in ("moderator", "staff") else FORBIDDEN
    assert client.get("/admin/reviews/moderationaction/add/").status_code == expected
    assert client.post(f"{base}/change/", {"reason": "Rewritten."}).status_code in (
        expected,
        OK,  # the read-only view answers a post with the same page, changing nothing
    )
    assert client.post(f"{base}/delete/", {"post": "yes"}).status_code == expected
    entry.refresh_from_db()
    assert entry.reason == "Logged."
