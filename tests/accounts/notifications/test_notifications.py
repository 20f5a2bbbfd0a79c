"""Notifications: who gets one for a new review or a reply, the batched email, the
preferences and the notifications page."""

import re
import socket
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import Notification, NotificationKind
from accounts.notifications.services import (
    DIGEST_MAX_ITEMS,
    PAGE_SIZE,
    digest_message,
    digest_send,
    notifications_for_reply,
    notifications_for_review,
)
from accounts.notifications.tasks import notify_new_review, notify_reply
from papers.curation.collections import collection_create
from papers.curation.saves import paper_save
from papers.models import Paper
from reviews.discussion.services import comment_create, comment_delete
from reviews.models import Comment, Review
from reviews.moderation.services import items_hide
from reviews.reviews.services import ReviewText, review_create
from tests.reviews.test_markdown import assert_inert
from tests.reviews.test_xss_pages import assert_page_inert
from tests.support.broker import queued_tasks
from tests.support.factories import make_paper
from tests.support.xss_payloads import XSS_PAYLOADS

pytestmark = pytest.mark.django_db

PAGE_URL = "/accounts/notifications/"
READ_URL = "/accounts/notifications/read/"
EDIT_URL = "/accounts/profile/edit/"
SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
DIGEST_TASK = "accounts.tasks.send_notification_digest"


def make_user(username: str, **fields):
    return get_user_model().objects.create_user(
        username, email=f"{username}@example.org", password="x" * 12, **fields
    )


def write_review(author, paper, **text) -> Review:
    text = {"recommendation": "skim", "confidence": 3, "strengths": "Clear ablations.", **text}
    return review_create(author=author, paper=paper, text=ReviewText(**text))


def entries_of(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user))


@pytest.fixture
def paper():
    return make_paper(title="Attention Is All You Need")


@pytest.fixture
def author(db):
    return make_user("author", display_name="Grace Reviewer")


# --- Who is notified of a new review ------------------------------------------------------------


def test_a_new_review_notifies_everyone_who_saved_the_paper_once(paper, author):
    saver = make_user("saver")
    paper_save(user=saver, paper=paper)
    # Saved in a private collection and in a second one: still one entry.
    collector = make_user("collector")
    paper_save(user=collector, paper=paper, collection=collection_create(owner=collector, name="A"))
    paper_save(user=collector, paper=paper, collection=collection_create(owner=collector, name="B"))
    quiet = make_user("quiet", notify_new_reviews=False)
    paper_save(user=quiet, paper=paper)
    gone = make_user("gone")
    paper_save(user=gone, paper=paper)
    gone.is_active = False
    gone.save()
    make_user("stranger")
    paper_save(user=make_user("elsewhere"), paper=make_paper())
    # The author saved the paper too, but hears nothing of their own review.
    paper_save(user=author, paper=paper)

    review = write_review(author, paper)
    assert notify_new_review(review.pk) == 2

    rows = Notification.objects.order_by("recipient__username")
    assert [row.recipient.username for row in rows] == ["collector", "saver"]
    for row in rows:
        assert row.kind == NotificationKind.NEW_REVIEW
        assert (row.paper, row.review, row.comment, row.actor) == (paper, review, None, author)
        assert row.read_at is None and row.emailed_at is None


def test_the_fan_out_run_twice_creates_nothing_twice(paper, author):
    saver = make_user("saver")
    paper_save(user=saver, paper=paper)
    review = write_review(author, paper)
    notifications_for_review(review_id=review.pk)
    notifications_for_review(review_id=review.pk)
    assert len(entries_of(saver)) == 1


def test_a_review_hidden_or_deleted_before_the_task_runs_notifies_nobody(paper, author):
    paper_save(user=make_user("saver"), paper=paper)
    review = write_review(author, paper)
    Review.objects.filter(pk=review.pk).update(is_hidden=True)
    assert notifications_for_review(review_id=review.pk) == []
    assert notifications_for_review(review_id=review.pk + 1000) == []
    assert not Notification.objects.exists()


def test_deleting_the_review_removes_its_entries(paper, author):
    from reviews.reviews.services import review_delete

    paper_save(user=make_user("saver"), paper=paper)
    review = write_review(author, paper)
    notifications_for_review(review_id=review.pk)
    assert Notification.objects.count() == 1
    review_delete(review=review)
    assert not Notification.objects.exists()


# --- Who is notified of a reply --------------------------------------------------------------


def test_a_reply_notifies_the_author_of_the_comment(paper, author):
    commenter = make_user("commenter")
    comment = comment_create(author=commenter, paper=paper, body="Does it scale?")
    reply = comment_create(author=author, paper=paper, body="It does.", parent=comment)

    assert notify_reply(reply.pk) == 1
    (row,) = entries_of(commenter)
    assert row.kind == NotificationKind.REPLY
    assert (row.paper, row.review, row.comment, row.actor) == (paper, None, reply, author)
    # A top-level comment is nobody's reply.
    assert notifications_for_reply(comment_id=comment.pk) == []
    # Run again (a task delivered twice): still one entry.
    notify_reply(reply.pk)
    assert len(entries_of(commenter)) == 1


def test_replies_that_notify_nobody(paper, author):
    commenter = make_user("commenter")
    comment = comment_create(author=commenter, paper=paper, body="A caveat.")
    own = comment_create(author=commenter, paper=paper, body="Adding to myself.", parent=comment)
    assert notifications_for_reply(comment_id=own.pk) == []

    hidden = comment_create(author=author, paper=paper, body="Spam.", parent=comment)
    Comment.objects.filter(pk=hidden.pk).update(is_hidden=True)
    assert notifications_for_reply(comment_id=hidden.pk) == []

    reply = comment_create(author=author, paper=paper, body="Answer.", parent=comment)
    commenter.notify_replies = False
    commenter.save()
    assert notifications_for_reply(comment_id=reply.pk) == []
    commenter.notify_replies = True
    commenter.is_active = False
    commenter.save()
    assert notifications_for_reply(comment_id=reply.pk) == []
    commenter.is_active = True
    commenter.save()

    # Deleted by its author (kept as "[deleted]" for its replies): nobody left to tell.
    comment_delete(comment=comment, actor=commenter)
    assert Comment.objects.get(pk=comment.pk).is_deleted
    assert notifications_for_reply(comment_id=reply.pk) == []
    assert not Notification.objects.exists()


def test_reviews_and_replies_queue_their_task_once_committed(
    paper, author, django_capture_on_commit_callbacks
):
    commenter = make_user("commenter")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        review = write_review(author, paper)
    # Nothing is queued before the review is committed.
    assert queued_tasks() == []
    for callback in callbacks:
        callback()
    assert queued_tasks() == [("accounts.tasks.notify_new_review", [review.pk], None)]

    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_create(author=commenter, paper=paper, body="Top level.")
    assert len(queued_tasks()) == 1  # a top-level comment queues nothing
    with django_capture_on_commit_callbacks(execute=True):
        reply = comment_create(author=author, paper=paper, body="Reply.", parent=comment)
    assert queued_tasks()[-1] == ("accounts.tasks.notify_reply", [reply.pk], None)


# --- The batched email -------------------------------------------------------------------------


def test_three_replies_within_the_window_make_one_email(paper, settings):
    settings.NOTIFICATION_BATCH_SECONDS = 300
    commenter = make_user("commenter", display_name="Ada")
    comment = comment_create(author=commenter, paper=paper, body="Is the baseline tuned?")
    repliers = [make_user(f"replier{i}", display_name=f"Replier {i}") for i in range(3)]
    before = datetime.now(UTC)
    for i, replier in enumerate(repliers):
        reply = comment_create(
            author=replier, paper=paper, body=f"Answer number {i}.", parent=comment
        )
        notify_reply(reply.pk)

    # One digest is waiting in the broker for the end of the window, not three.
    (digest,) = queued_tasks()
    name, args, eta = digest
    assert (name, args) == (DIGEST_TASK, [commenter.pk])
    delay = datetime.fromisoformat(eta) - before
    assert timedelta(seconds=295) < delay < timedelta(seconds=310)

    assert digest_send(user_id=commenter.pk) == 3
    (email,) = mail.outbox
    assert email.to == ["commenter@example.org"]
    assert email.subject == "BZPEER: 3 replies"
    for i in range(3):
        assert f"Replier {i} replied to your comment on: Attention Is All You Need" in email.body
        assert f'"Answer number {i}."' in email.body
    assert f"http://127.0.0.1:8000/papers/{paper.arxiv_id}/?show=all#comment-" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert html.count("<li>") == 3
    assert all(row.emailed_at for row in entries_of(commenter))

    # The next reply, after the digest ran, schedules the next digest.
    reply = comment_create(author=repliers[0], paper=paper, body="One more.", parent=comment)
    notify_reply(reply.pk)
    assert [task[0] for task in queued_tasks()] == [DIGEST_TASK, DIGEST_TASK]
    # A digest run again (delivered twice) sends nothing twice.
    assert digest_send(user_id=commenter.pk) == 1
    assert digest_send(user_id=commenter.pk) == 0
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == "BZPEER: 1 reply"


def test_a_digest_with_reviews_and_replies(paper, author):
    saver = make_user("saver")
    paper_save(user=saver, paper=paper)
    other = make_paper(title="Deep Residual Learning")
    paper_save(user=saver, paper=other)
    notify_new_review(write_review(author, paper, claims="Claims   on\nseveral lines.").pk)
    notify_new_review(write_review(author, other, strengths="x" * 500).pk)
    comment = comment_create(author=saver, paper=paper, body="Why?")
    notify_reply(comment_create(author=author, paper=paper, body="Because.", parent=comment).pk)

    assert digest_send(user_id=saver.pk) == 3
    (email,) = mail.outbox
    assert email.subject == "BZPEER: 2 new reviews and 1 reply"
    assert "Grace Reviewer reviewed a paper you saved: Attention Is All You Need" in email.body
    assert "Grace Reviewer reviewed a paper you saved: Deep Residual Learning" in email.body
    assert '"Claims on several lines."' in email.body
    assert "x" * 199 + "…" in email.body and "x" * 201 not in email.body
    review = Review.objects.get(paper=paper)
    review_url = f"http://127.0.0.1:8000/papers/{paper.arxiv_id}/?show=all#review-{review.pk}"
    assert review_url in email.body
    assert "http://127.0.0.1:8000/accounts/notifications/" in email.body
    assert "http://127.0.0.1:8000/accounts/profile/edit/#notifications" in email.body


def test_the_digest_leaves_out_what_was_hidden_or_switched_off_meanwhile(paper, author):
    saver = make_user("saver")
    paper_save(user=saver, paper=paper)
    review = write_review(author, paper)
    notify_new_review(review.pk)
    comment = comment_create(author=saver, paper=paper, body="Question.")
    reply = comment_create(author=author, paper=paper, body="Answer.", parent=comment)
    notify_reply(reply.pk)

    Review.objects.filter(pk=review.pk).update(is_hidden=True)
    assert digest_send(user_id=saver.pk) == 1
    assert mail.outbox[0].subject == "BZPEER: 1 reply"

    second = comment_create(author=author, paper=paper, body="Another.", parent=comment)
    notify_reply(second.pk)
    saver.notify_replies = False
    saver.save()
    assert digest_send(user_id=saver.pk) == 0
    assert len(mail.outbox) == 1
    # Covered all the same: switching replies on again does not mail old news.
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_no_email_for_an_inactive_user_or_one_without_an_address(paper, author):
    saver = make_user("saver")
    paper_save(user=saver, paper=paper)
    notify_new_review(write_review(author, paper).pk)
    get_user_model().objects.filter(pk=saver.pk).update(email="")
    assert digest_send(user_id=saver.pk) == 0
    assert digest_send(user_id=999_999) == 0
    assert not mail.outbox


def test_a_failed_send_keeps_the_entries_for_the_next_digest(paper, author, settings):
    saver = make_user("saver")
    paper_save(user=saver, paper=paper)
    notify_new_review(write_review(author, paper).pk)
    # A mail server that refuses the connection: a port nothing listens on.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": closed_port, "timeout": 2},
        }
    }
    with pytest.raises(OSError):
        digest_send(user_id=saver.pk)
    assert Notification.objects.get().emailed_at is None

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert digest_send(user_id=saver.pk) == 1
    assert len(mail.outbox) == 1


def test_a_long_digest_lists_the_first_entries_and_counts_the_rest(paper):
    commenter = make_user("commenter")
    comment = comment_create(author=commenter, paper=paper, body="Thread start.")
    replier = make_user("replier")
    for i in range(DIGEST_MAX_ITEMS + 3):
        notify_reply(comment_create(author=replier, paper=paper, body=f"r{i}", parent=comment).pk)
    assert digest_send(user_id=commenter.pk) == DIGEST_MAX_ITEMS + 3
    email = mail.outbox[0]
    assert email.subject == f"BZPEER: {DIGEST_MAX_ITEMS + 3} replies"
    assert email.body.count("replied to your comment") == DIGEST_MAX_ITEMS
    assert "And 3 more." in email.body


# --- User text in the email is inert ----------------------------------------------------------


def _entry_with(payload: str) -> tuple:
    """An entry built in memory with the payload in every user-written field it shows."""
    actor = get_user_model()(username="mallory", display_name=payload)
    paper = Paper(arxiv_id="2401.00001", title=f"Title {payload}")
    review = Review(pk=7, claims=f"Claims {payload}")
    comment = Comment(pk=8, body=f"Reply {payload}")
    recipient = get_user_model()(username="ada", display_name=payload, email="ada@example.org")
    entries = [
        Notification(kind=NotificationKind.NEW_REVIEW, paper=paper, review=review, actor=actor),
        Notification(kind=NotificationKind.REPLY, paper=paper, comment=comment, actor=actor),
    ]
    return recipient, entries


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_every_payload_is_inert_in_the_email(payload):
    recipient, entries = _entry_with(payload)
    message = digest_message(user=recipient, entries=entries)
    html, _ = message.alternatives[0]
    assert_inert(html)
    assert_page_inert(html)
    # The plain-text part is text: it keeps what was written, and it is only ever text.
    assert message.content_subtype == "plain"
    assert f"Reply {' '.join(payload.split())}"[:150] in message.body
    assert "\n" not in message.subject and payload not in message.subject


def test_script_and_attribute_breakouts_are_escaped_in_the_email_html():
    recipient, entries = _entry_with(f"{SCRIPT} {BREAKOUT}")
    html, _ = digest_message(user=recipient, entries=entries).alternatives[0]
    assert SCRIPT not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="http://127.0.0.1:8000/papers/2401.00001/?show=all#review-7"' in html
    assert 'href="http://127.0.0.1:8000/papers/2401.00001/?show=all#comment-8"' in html


# --- Preferences -------------------------------------------------------------------------------


def test_both_kinds_are_on_for_a_new_account(db):
    user = make_user("fresh")
    assert user.notify_new_reviews and user.notify_replies


def test_the_profile_edit_page_switches_kinds_off_and_on(client, db):
    user = make_user("ada", display_name="Ada")
    client.force_login(user)
    page = client.get(EDIT_URL).content.decode()
    assert 'id="notifications"' in page
    assert "New reviews of papers I saved" in page and "Replies to my comments" in page
    assert page.count('type="checkbox"') == 2 and page.count("checked") == 2

    response = client.post(
        EDIT_URL,
        # Only the switches are read from this form, whatever else is posted.
        {"form": "notifications", "notify_replies": "on", "display_name": "Changed"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{EDIT_URL}?saved=notifications#notifications"
    user.refresh_from_db()
    assert (user.notify_new_reviews, user.notify_replies) == (False, True)
    assert user.display_name == "Ada"
    assert "Notification settings saved." in client.get(response["Location"]).content.decode()

    # Saving the profile leaves the switches alone.
    client.post(EDIT_URL, {"display_name": "Ada L.", "affiliation": "", "orcid": "", "bio": ""})
    user.refresh_from_db()
    assert user.display_name == "Ada L."
    assert (user.notify_new_reviews, user.notify_replies) == (False, True)


def test_switching_off_needs_the_csrf_token(db):
    user = make_user("ada")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(EDIT_URL, {"form": "notifications"}).status_code == 403
    user.refresh_from_db()
    assert user.notify_new_reviews and user.notify_replies


# --- The notifications page --------------------------------------------------------------------


def _entries(recipient, paper, count: int) -> list[Notification]:
    """``count`` reply entries for ``recipient``, one a minute apart, oldest first."""
    actor = make_user(f"actor-of-{recipient.username}", display_name="Replier")
    comment = comment_create(author=recipient, paper=paper, body="My comment.")
    replies = Comment.objects.bulk_create(
        Comment(author=actor, paper=paper, parent=comment, depth=1, body=f"Reply {i}")
        for i in range(count)
    )
    start = timezone.now() - timedelta(hours=1)
    rows = Notification.objects.bulk_create(
        Notification(
            recipient=recipient,
            kind=NotificationKind.REPLY,
            paper=paper,
            comment=reply,
            actor=actor,
        )
        for reply in replies
    )
    for i, row in enumerate(rows):
        Notification.objects.filter(pk=row.pk).update(created_at=start + timedelta(minutes=i))
    return rows


def test_anonymous_visitors_log_in_first(client, db):
    response = client.get(PAGE_URL)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={PAGE_URL}"
    response = client.post(READ_URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_page_lists_ones_own_entries_newest_first_in_pages(
    client, paper, django_assert_max_num_queries
):
    ada = make_user("ada")
    rows = _entries(ada, paper, 30)
    _entries(make_user("grace"), paper, 2)
    client.force_login(ada)

    # Session, user, the unread count in the navigation, the page's count and its entries.
    with django_assert_max_num_queries(5):
        response = client.get(PAGE_URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Notifications · BZPEER</title>" in html
    shown = [int(pk) for pk in re.findall(r'href="/papers/[^"#]+\?show=all#comment-(\d+)"', html)]
    newest_first = [row.comment_id for row in reversed(rows)]
    assert shown == newest_first[:PAGE_SIZE]
    assert "Reply 29" in html and "Reply 4" not in html
    assert html.count("notification--unread") == PAGE_SIZE
    assert "Page 1 of 2" in html
    # The navigation counts what is unread.
    assert 'Notifications <span class="badge badge--small">30<span' in html

    with django_assert_max_num_queries(5):
        second = client.get(PAGE_URL, {"page": 2}).content.decode()
    shown = [int(pk) for pk in re.findall(r'href="/papers/[^"#]+\?show=all#comment-(\d+)"', second)]
    assert shown == newest_first[PAGE_SIZE:]
    # Opening the page marks nothing as read.
    assert Notification.objects.filter(recipient=ada, read_at__isnull=True).count() == 30


def test_entries_link_to_the_review_or_reply_and_hidden_ones_disappear(client, paper, author):
    saver = make_user("saver")
    paper_save(user=saver, paper=paper)
    review = write_review(author, paper, claims="Strong claims about attention.")
    notify_new_review(review.pk)
    comment = comment_create(author=saver, paper=paper, body="Mine.")
    reply = comment_create(author=author, paper=paper, body="A reply to you.", parent=comment)
    notify_reply(reply.pk)
    client.force_login(saver)

    html = client.get(PAGE_URL).content.decode()
    review_url = f"/papers/{paper.arxiv_id}/?show=all#review-{review.pk}"
    assert f'href="{review_url}">Attention Is All You Need</a>' in html
    assert f'href="/papers/{paper.arxiv_id}/?show=all#comment-{reply.pk}">' in html
    assert "Grace Reviewer reviewed" in html and "Grace Reviewer replied to your comment on" in html
    assert "Strong claims about attention." in html and "A reply to you." in html
    assert '<span class="badge badge--small">2<span' in html

    moderator = make_user("moderator", is_staff=True)
    items_hide(moderator=moderator, items=[review], reason="Spam.")
    comment_delete(comment=reply, actor=author)
    html = client.get(PAGE_URL).content.decode()
    assert "#review-" not in html and "#comment-" not in html
    assert "No notifications yet." in html
    # Nothing left unread that can be seen: no number, no button.
    assert "Notifications</a>" in html and "Mark all as read" not in html


def test_mark_all_as_read(client, paper):
    ada = make_user("ada")
    _entries(ada, paper, 3)
    grace = make_user("grace")
    _entries(grace, paper, 2)
    client.force_login(ada)
    assert "Mark all as read" in client.get(PAGE_URL).content.decode()

    assert client.get(READ_URL).status_code == 405
    response = client.post(READ_URL)
    assert response.status_code == 302 and response["Location"] == PAGE_URL
    assert not Notification.objects.filter(recipient=ada, read_at__isnull=True).exists()
    # Someone else's stay unread.
    assert Notification.objects.filter(recipient=grace, read_at__isnull=True).count() == 2
    html = client.get(PAGE_URL).content.decode()
    assert "notification--unread" not in html and "Mark all as read" not in html
    assert "Reply 2" in html


def test_mark_all_as_read_needs_the_csrf_token_and_is_rate_limited(paper, settings):
    ada = make_user("ada")
    _entries(ada, paper, 1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    assert client.post(READ_URL).status_code == 403
    assert Notification.objects.filter(read_at__isnull=True).count() == 1

    settings.WRITE_RATE_LIMIT = "1/m"
    client = Client()
    client.force_login(ada)
    assert client.post(READ_URL).status_code == 302
    assert client.post(READ_URL).status_code == 429


def test_the_navigation_link_is_for_signed_in_users_only(client, paper):
    html = client.get(paper.get_absolute_url()).content.decode()
    assert PAGE_URL not in html
    ada = make_user("ada")
    client.force_login(ada)
    html = client.get(paper.get_absolute_url()).content.decode()
    assert f'<a href="{PAGE_URL}">Notifications</a>' in html
    page = client.get(PAGE_URL).content.decode()
    assert f'<a href="{PAGE_URL}" aria-current="page">Notifications</a>' in page


def test_user_text_is_escaped_on_the_page(client, db):
    payload = f"{SCRIPT} {BREAKOUT}"
    paper = make_paper(title=f"Title {SCRIPT}")
    saver = make_user("saver")
    paper_save(user=saver, paper=paper)
    mallory = make_user("mallory", display_name=BREAKOUT)
    notify_new_review(write_review(mallory, paper, claims=payload).pk)
    comment = comment_create(author=saver, paper=paper, body="Mine.")
    notify_reply(comment_create(author=mallory, paper=paper, body=payload, parent=comment).pk)
    client.force_login(saver)

    html = client.get(PAGE_URL).content.decode()
    assert_page_inert(html)
    assert SCRIPT not in html and "<img" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html

    digest_send(user_id=saver.pk)
    html, _ = mail.outbox[0].alternatives[0]
    assert_inert(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
