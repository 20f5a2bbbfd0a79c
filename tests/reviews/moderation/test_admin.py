"""Moderation through the real admin pages: who gets in, the report queue, every bulk
action through its reason page, the read-only log, and what the public sees afterwards."""

import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from papers.models import Paper
from reviews.discussion.services import comment_create
from reviews.models import Comment, ModerationAction, Report, ReportStatus, Review
from reviews.moderation.reports import report_create
from reviews.moderation.services import items_hide, items_restore, reports_dismiss
from reviews.reviews.services import ReviewText, review_create, review_update
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

PASSWORD = "moderate-with-care"
QUEUE = "/admin/reviews/report/"
REVIEWS = "/admin/reviews/review/"
COMMENTS = "/admin/reviews/comment/"
LOG = "/admin/reviews/moderationaction/"
REASON = "Advertising links."


@pytest.fixture
def moderator(django_user_model):
    """A member of the Moderators group who is not staff."""
    user = django_user_model.objects.create_user("mod", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="Moderators")[0])
    return user


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture
def paper():
    return make_paper(arxiv_id="2203.14101")


@pytest.fixture
def review(paper, curator):
    text = ReviewText("skim", 2, strengths="Cheap GPUs at example.com.")
    return review_create(author=curator, paper=paper, text=text)


@pytest.fixture
def comment(paper, curator):
    return comment_create(author=curator, paper=paper, body="Buy cheap GPUs here.")


@pytest.fixture
def reports(review, comment, other_curator):
    return [
        report_create(reporter=other_curator, target=review, reason="spam"),
        report_create(reporter=other_curator, target=comment, reason="other", details="Ads."),
    ]


def _state() -> tuple:
    return (
        list(Review.objects.order_by("pk").values_list("pk", "is_hidden")),
        list(Comment.objects.order_by("pk").values_list("pk", "is_hidden")),
        list(Report.objects.order_by("pk").values_list("pk", "status")),
        list(Paper.objects.order_by("pk").values_list("review_count", "comment_count")),
        ModerationAction.objects.count(),
    )


def _act(client, url, action, objects, reason=REASON):
    """Choose an action on the list, then confirm it on its reason page."""
    ids = [str(obj.pk) for obj in objects]
    page = client.post(url, {"action": action, "_selected_action": ids, "index": "0"})
    assert page.status_code == 200, page.content[:500]
    html = page.content.decode()
    assert 'name="reason"' in html and 'name="csrfmiddlewaretoken"' in html
    assert f'name="action" value="{action}"' in html and 'name="post" value="yes"' in html
    for pk in ids:
        assert f'name="_selected_action" value="{pk}"' in html
    assert 'id="moderation-cancel"' in html
    return client.post(
        url,
        {"action": action, "_selected_action": ids, "post": "yes", "reason": reason},
        follow=True,
    )


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- Getting in ------------------------------------------------------------------------------


def test_a_moderator_logs_in_and_sees_only_moderation(client, moderator, reports):
    response = client.post("/admin/login/?next=/admin/", {"username": "mod", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/admin/"

    index = client.get("/admin/").content.decode()
    assert "BZPEER administration" in index
    for url in (QUEUE, REVIEWS, COMMENTS, LOG):
        assert f'href="{url}"' in index
    assert "/admin/papers/" not in index and "/admin/accounts/" not in index

    queue = client.get(QUEUE)
    assert queue.status_code == 200
    assert "Buy cheap GPUs here." in queue.content.decode()


def test_a_curator_is_refused(client, curator, reports):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "curator", "password": "x" * 12}
    )
    assert response.status_code == 200
    assert "staff or moderator account" in response.content.decode()

    client.force_login(curator)
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")


def test_an_inactive_moderator_is_refused(client, moderator):
    moderator.is_active = False
    moderator.save()
    response = client.post("/admin/login/", {"username": "mod", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_the_admin_log_in_is_rate_limited(client, moderator):
    for _ in range(10):
        response = client.post("/admin/login/", {"username": "mod", "password": "guess"})
        assert response.status_code == 200
    response = client.post("/admin/login/", {"username": "mod", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "url", ["/admin/papers/paper/", "/admin/papers/vote/", "/admin/accounts/user/"]
)
def test_a_moderator_cannot_open_other_admin_pages(mod_client, url):
    assert mod_client.get(url).status_code == 403


def test_staff_without_permissions_moderate_too(client, django_user_model, reports):
    staff = django_user_model.objects.create_user("staff", password=PASSWORD, is_staff=True)
    client.force_login(staff)
    for url in (QUEUE, REVIEWS, COMMENTS, LOG):
        assert client.get(url).status_code == 200, url
    response = _act(client, QUEUE, "dismiss_reports", reports)
    assert "Dismissed 2 reports." in _messages(response)
    assert client.get("/admin/papers/paper/").status_code == 403


def test_superusers_keep_the_whole_admin(admin_client, reports):
    index = admin_client.get("/admin/").content.decode()
    for url in (QUEUE, LOG, "/admin/papers/paper/", "/admin/accounts/user/"):
        assert f'href="{url}"' in index


# --- The queue -------------------------------------------------------------------------------


def test_the_queue_shows_open_reports_oldest_first(
    mod_client, moderator, paper, review, comment, reports, django_user_model
):
    third = django_user_model.objects.create_user("third", password="t" * 12)
    dismissed = report_create(reporter=third, target=review, reason="other", details="Meh.")
    reports_dismiss(moderator=moderator, reports=[dismissed], reason="Not a problem.")
    again = report_create(reporter=third, target=comment, reason="abuse")

    response = mod_client.get(QUEUE)
    listed = list(response.context["cl"].result_list)
    assert [r.pk for r in listed] == [reports[0].pk, reports[1].pk, again.pk]
    assert {r.pk: r.open_on_item for r in listed} == {
        reports[0].pk: 1,
        reports[1].pk: 2,
        again.pk: 2,
    }
    html = response.content.decode()
    assert "Meh." not in html
    assert f'href="/papers/2203.14101/#comment-{comment.pk}"' in html
    assert f'href="/papers/2203.14101/#review-{review.pk}"' in html
    assert "Something else: Ads." in html

    everything = mod_client.get(QUEUE, {"status": "all"}).context["cl"].result_list
    assert len(everything) == 4
    only = mod_client.get(QUEUE, {"status": "dismissed"}).context["cl"].result_list
    assert [r.pk for r in only] == [dismissed.pk]


def test_the_queue_escapes_what_it_quotes(mod_client, paper, other_curator, django_user_model):
    author = django_user_model.objects.create_user("author", password="a" * 12)
    evil = comment_create(author=author, paper=paper, body='<script>alert("x")</script> hi')
    report_create(reporter=other_curator, target=evil, reason="other", details="<b>bold</b>")
    html = mod_client.get(QUEUE).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html


def test_the_queue_costs_the_same_for_more_reports(
    mod_client, paper, curator, other_curator, django_user_model
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert mod_client.get(QUEUE).status_code == 200
        return len(captured)

    def add_reports(n: int, start: int) -> None:
        for i in range(start, start + n):
            reporter = django_user_model.objects.create_user(f"r{i}", password="r" * 12)
            text = ReviewText("skim", 2, strengths=f"Review {i}.")
            other = django_user_model.objects.create_user(f"w{i}", password="w" * 12)
            review = review_create(author=other, paper=make_paper(), text=text)
            report_create(reporter=reporter, target=review, reason="spam")
            body = comment_create(author=other, paper=paper, body=f"Comment {i}.")
            report_create(reporter=reporter, target=body, reason="abuse")

    add_reports(1, 0)
    few = queries()
    add_reports(5, 1)
    assert queries() == few


def test_reports_cannot_be_added_edited_or_deleted_by_moderators(mod_client, reports):
    report = reports[0]
    assert mod_client.get(f"{QUEUE}add/").status_code == 403
    page = mod_client.get(f"{QUEUE}{report.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="status"' not in html and 'name="_save"' not in html
    assert (
        mod_client.post(f"{QUEUE}{report.pk}/change/", {"status": "dismissed"}).status_code == 403
    )
    assert mod_client.post(f"{QUEUE}{report.pk}/delete/", {"post": "yes"}).status_code == 403
    report.refresh_from_db()
    assert report.status == ReportStatus.OPEN


def test_superusers_may_delete_reports(admin_client, reports):
    response = admin_client.post(f"{QUEUE}{reports[0].pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Report.objects.filter(pk=reports[0].pk).exists()


# --- Actions ---------------------------------------------------------------------------------


def test_hiding_the_reported_items(mod_client, moderator, paper, review, comment, reports):
    response = _act(mod_client, QUEUE, "hide_items", reports)

    assert "Hid 2 items. Closed 2 open reports as actioned." in _messages(response)
    assert Review.objects.get(pk=review.pk).is_hidden
    assert Comment.objects.get(pk=comment.pk).is_hidden
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.ACTIONED}
    paper.refresh_from_db()
    assert (paper.review_count, paper.comment_count) == (0, 0)
    entries = ModerationAction.objects.filter(action="hide")
    assert entries.count() == 2
    assert {(e.actor_id, e.reason) for e in entries} == {(moderator.pk, REASON)}
    # The queue is empty now; the reports are under "Actioned".
    assert not mod_client.get(QUEUE).context["cl"].result_list


def test_restoring_the_reported_items(mod_client, moderator, paper, review, comment, reports):
    items_hide(moderator=moderator, items=[review, comment], reason=REASON)
    response = _act(mod_client, f"{QUEUE}?status=all", "restore_items", reports, "Appeal.")

    assert "Restored 2 items." in _messages(response)
    assert not Review.objects.filter(is_hidden=True).exists()
    assert not Comment.objects.filter(is_hidden=True).exists()
    paper.refresh_from_db()
    assert (paper.review_count, paper.comment_count) == (1, 1)
    assert ModerationAction.objects.filter(action="restore", reason="Appeal.").count() == 2


def test_dismissing_reports(mod_client, review, comment, reports):
    response = _act(mod_client, QUEUE, "dismiss_reports", reports, "Fine as it is.")

    assert "Dismissed 2 reports." in _messages(response)
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.DISMISSED}
    assert not Review.objects.filter(is_hidden=True).exists()
    assert ModerationAction.objects.filter(action="dismiss_report").count() == 2


def test_marking_the_reported_authors_as_spam(mod_client, curator, paper, reports):
    response = _act(mod_client, QUEUE, "mark_authors_spam", reports)

    assert "Marked 1 user as spam and hid 2 items." in _messages(response)
    curator.refresh_from_db()
    assert not curator.is_active
    entry = ModerationAction.objects.get()
    assert entry.action == "mark_spam" and entry.target_user == curator
    assert entry.reason == REASON


def test_refused_spam_marking_changes_nothing(mod_client, paper, other_curator, django_user_model):
    colleague = django_user_model.objects.create_user("colleague", password="c" * 12)
    colleague.groups.add(Group.objects.get(name="Moderators"))
    note = comment_create(author=colleague, paper=paper, body="A moderator's note.")
    report = report_create(reporter=other_curator, target=note, reason="spam")
    before = _state()

    response = _act(mod_client, QUEUE, "mark_authors_spam", [report])

    assert any("Nothing was changed" in m and "only a superuser" in m for m in _messages(response))
    assert _state() == before


@pytest.mark.parametrize("url", [REVIEWS, COMMENTS])
def test_hiding_restoring_and_spam_from_the_item_lists(
    mod_client, url, paper, review, comment, curator
):
    item = review if url == REVIEWS else comment
    response = _act(mod_client, url, "hide_items", [item])
    assert "Hid 1 item." in _messages(response)
    assert type(item).objects.get(pk=item.pk).is_hidden

    response = _act(mod_client, url, "restore_items", [item], "Hidden by mistake.")
    assert "Restored 1 item." in _messages(response)
    assert not type(item).objects.get(pk=item.pk).is_hidden

    response = _act(mod_client, url, "mark_authors_spam", [item])
    assert "Marked 1 user as spam and hid 2 items." in _messages(response)
    curator.refresh_from_db()
    assert not curator.is_active
    assert [e.action for e in ModerationAction.objects.order_by("pk")] == [
        "hide",
        "restore",
        "mark_spam",
    ]


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001])
@pytest.mark.parametrize(
    ("url", "action"),
    [
        (QUEUE, "hide_items"),
        (QUEUE, "dismiss_reports"),
        (QUEUE, "mark_authors_spam"),
        (COMMENTS, "hide_items"),
    ],
)
def test_no_reason_no_change(mod_client, url, action, reason, reports):
    objects = reports if url == QUEUE else [reports[1].comment]
    before = _state()
    ids = [str(obj.pk) for obj in objects]
    response = mod_client.post(
        url, {"action": action, "_selected_action": ids, "post": "yes", "reason": reason}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="reason-errors"' in html
    assert "Say why" in html or "at most 1000 characters" in html
    assert _state() == before


# --- Items and the log are read-only ---------------------------------------------------------


def test_items_are_read_only_and_keep_their_history(mod_client, review, comment):
    review_update(
        review=review, text=ReviewText("skip", 3, strengths="Rewritten after the report.")
    )
    page = mod_client.get(f"{REVIEWS}{review.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Cheap GPUs at example.com." in html  # the earlier text, in the history inline
    assert 'name="is_hidden"' not in html and 'name="_save"' not in html
    response = mod_client.post(f"{REVIEWS}{review.pk}/change/", {"is_hidden": "on"})
    assert response.status_code == 403
    assert not Review.objects.get(pk=review.pk).is_hidden
    assert (
        mod_client.post(f"{COMMENTS}{comment.pk}/change/", {"is_hidden": "on"}).status_code == 403
    )
    assert mod_client.get(f"{COMMENTS}add/").status_code == 403


def test_superusers_deleting_items_keep_counts_exact(admin_client, paper, review, comment):
    response = admin_client.post(
        COMMENTS, {"action": "delete_selected", "_selected_action": [comment.pk], "post": "yes"}
    )
    assert response.status_code == 302
    admin_client.post(f"{REVIEWS}{review.pk}/delete/", {"post": "yes"})
    paper.refresh_from_db()
    assert (paper.review_count, paper.comment_count) == (0, 0)


@pytest.mark.parametrize("who", ["moderator", "superuser"])
def test_the_log_cannot_be_changed_from_the_admin(
    who, mod_client, admin_client, moderator, reports
):
    client = mod_client if who == "moderator" else admin_client
    items_hide(moderator=moderator, items=[reports[0].review], reason=REASON)
    entry = ModerationAction.objects.get()

    listing = client.get(LOG)
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Advertising links." in html and "mod" in html
    assert 'name="action"' not in html  # no bulk actions, delete included

    assert client.get(f"{LOG}add/").status_code == 403
    assert client.post(f"{LOG}add/", {"reason": "Forged."}).status_code == 403
    page = client.get(f"{LOG}{entry.pk}/change/")
    assert page.status_code == 200 and 'name="reason"' not in page.content.decode()
    assert client.post(f"{LOG}{entry.pk}/change/", {"reason": "Rewritten."}).status_code == 403
    assert client.get(f"{LOG}{entry.pk}/delete/").status_code == 403
    assert client.post(f"{LOG}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.reason == REASON
    assert ModerationAction.objects.count() == 1


def test_the_log_lists_filters_and_searches(mod_client, moderator, reports, django_user_model):
    staff = django_user_model.objects.create_user("staffer", is_staff=True)
    items_hide(moderator=moderator, items=[reports[0].review], reason="Spam links.")
    reports_dismiss(moderator=moderator, reports=[reports[1]], reason="Harmless.")
    items_restore(moderator=staff, items=[reports[0].review], reason="Appeal upheld.")
    rows = mod_client.get(LOG).context["cl"].result_list
    assert [e.action for e in rows] == ["restore", "dismiss_report", "hide"]  # newest first
    assert [
        e.action for e in mod_client.get(LOG, {"action": "hide"}).context["cl"].result_list
    ] == ["hide"]
    by_actor = mod_client.get(LOG, {"actor_repr": "mod"})
    assert [e.action for e in by_actor.context["cl"].result_list] == ["dismiss_report", "hide"]
    assert "?actor_repr=staffer" in by_actor.content.decode()  # offered as a choice
    staff.delete()  # the log keeps the name, and the filter with it
    rows = mod_client.get(LOG, {"actor_repr": "staffer"}).context["cl"].result_list
    assert [(e.action, e.actor_id) for e in rows] == [("restore", None)]
    found = mod_client.get(LOG, {"q": "Harmless"}).context["cl"].result_list
    assert [e.reason for e in found] == ["Harmless."]


# --- What the public sees --------------------------------------------------------------------


def test_a_comment_hidden_in_the_admin_leaves_the_public_page(
    mod_client, django_capture_on_commit_callbacks, paper, comment, curator, reports
):
    anonymous = Client()
    url = paper.get_absolute_url()
    assert "Buy cheap GPUs here." in anonymous.get(url).content.decode()  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        _act(mod_client, COMMENTS, "hide_items", [comment])

    html = anonymous.get(url).content.decode()
    assert "Buy cheap GPUs here." not in html
    api = anonymous.get(f"/api/papers/{paper.arxiv_id}/").json()
    assert api["counts"]["comments"] == 0 and api["counts"]["reviews"] == 1

    author = Client()
    author.force_login(curator)
    own = author.get(url).content.decode()
    assert "Buy cheap GPUs here." in own
    assert re.search(r"Hidden by a moderator\.</strong> Only you can see this comment", own)
