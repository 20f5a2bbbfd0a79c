"""End to end through the queue: a new review, committed, reaches the people who saved the
paper as one batched email sent by a real Celery worker over the real Redis."""

import email
import email.policy
import time
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Notification
from papers.curation.saves import paper_save
from reviews.reviews.services import ReviewText, review_create
from tests.support.factories import make_paper
from tests.support.worker import celery_worker, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SEPARATOR = b"\n" + b"-" * 79 + b"\n"
WINDOW_SECONDS = 3


def _sent(outbox: Path) -> list[email.message.EmailMessage]:
    """Every complete email the file backend has written so far."""
    messages = []
    for path in sorted(outbox.glob("*.log")):
        for raw in path.read_bytes().split(SEPARATOR)[:-1]:
            messages.append(email.message_from_bytes(raw, policy=email.policy.default))
    return messages


def _review(author, paper, claims: str):
    text = ReviewText(recommendation="must_read", confidence=4, claims=claims, strengths="Clear.")
    return review_create(author=author, paper=paper, text=text)


def test_new_reviews_reach_a_saver_as_one_email(tmp_path):
    users = get_user_model().objects
    saver = users.create_user("saver", email="saver@example.org", password="x" * 12)
    first = users.create_user("first", display_name="Grace <Reviewer>", password="x" * 12)
    second = users.create_user("second", display_name="Alan Reviewer", password="x" * 12)
    paper = make_paper(title="Attention Is All You Need")
    paper_save(user=saver, paper=paper)
    outbox = tmp_path / "mail"

    with celery_worker(
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(outbox),
        NOTIFICATION_BATCH_SECONDS=str(WINDOW_SECONDS),
    ):
        # Two reviews committed one after the other, well within one batch window.
        reviews = [
            _review(first, paper, "Attention <b>replaces</b> recurrence."),
            _review(second, paper, "Scales to long inputs."),
        ]
        (message,) = wait_for(lambda: _sent(outbox), timeout=60, what="the notification email")
        # The window's digest was the only one: nothing else follows.
        time.sleep(WINDOW_SECONDS + 1)
        assert len(_sent(outbox)) == 1

    assert message["To"] == "saver@example.org"
    assert message["Subject"] == "BZPEER: 2 new reviews"
    body = message.get_body(preferencelist=("plain",)).get_content()
    for review in reviews:
        assert f"http://127.0.0.1:8000/papers/{paper.arxiv_id}/?show=all#review-{review.pk}" in body
    assert "Grace <Reviewer> reviewed a paper you saved: Attention Is All You Need" in body
    assert '"Attention <b>replaces</b> recurrence."' in body
    assert "Alan Reviewer reviewed a paper you saved" in body
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Grace &lt;Reviewer&gt;" in html and "Attention &lt;b&gt;replaces&lt;/b&gt;" in html

    rows = Notification.objects.filter(recipient=saver)
    assert rows.count() == 2
    assert all(row.emailed_at is not None and row.read_at is None for row in rows)
    # The reviewers hear nothing of their own reviews.
    assert not Notification.objects.exclude(recipient=saver).exists()
