"""Celery tasks for notifications (ids in, a service call, safe to run twice) and the helpers
that queue them.

A new review or reply reaches ``review_notify_enqueue`` / ``reply_notify_enqueue`` through the
reviews app's events once it is committed (accounts/notifications/receivers.py); each fan-out
task schedules at most one digest per recipient and batch window. The tasks import the
services inside their bodies; task names stay those of the former ``accounts.tasks`` module.
"""

import logging
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from celery import shared_task
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

DIGEST_MAX_RETRIES = 5


@shared_task(name="accounts.tasks.notify_new_review")
def notify_new_review(review_id: int) -> int:
    from accounts.notifications import services as notifications

    recipients = notifications.notifications_for_review(review_id=review_id)
    notifications.digests_schedule(user_ids=recipients)
    return len(recipients)


@shared_task(name="accounts.tasks.notify_reply")
def notify_reply(comment_id: int) -> int:
    from accounts.notifications import services as notifications

    recipients = notifications.notifications_for_reply(comment_id=comment_id)
    notifications.digests_schedule(user_ids=recipients)
    return len(recipients)


@shared_task(
    name="accounts.tasks.send_notification_digest", bind=True, max_retries=DIGEST_MAX_RETRIES
)
def send_notification_digest(self, user_id: int) -> int:
    """Send one user's digest. A mail server that fails leaves the entries unsent (the
    transaction rolls back) for a later retry or the next digest."""
    from accounts.notifications import services as notifications

    try:
        return notifications.digest_send(user_id=user_id)
    except (smtplib.SMTPException, OSError) as exc:
        # In-process (eager mode) nobody would wait for a retry: the next digest takes them.
        if self.request.is_eager or self.request.retries >= self.max_retries:
            logger.exception("notification digest for user %s not sent", user_id)
            return 0
        raise self.retry(exc=exc, countdown=min(600, 60 * 2**self.request.retries)) from exc


# --- Queueing ---------------------------------------------------------------------------------

# Set while demo data is seeded: its reviews and replies are not news to anyone.
_muted: ContextVar[bool] = ContextVar("notifications_muted", default=False)


@contextmanager
def notifications_muted() -> Iterator[None]:
    """No notices for what is written inside (its commit included)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def _enqueue(task, object_id: int) -> None:
    if _muted.get():
        return
    try:
        task.delay(object_id)
    except OperationalError:
        # The review or reply is stored either way: a broker outage costs only its notices.
        logger.exception("could not queue %s for %s", task.name, object_id)


def review_notify_enqueue(review_id: int) -> None:
    _enqueue(notify_new_review, review_id)


def reply_notify_enqueue(comment_id: int) -> None:
    _enqueue(notify_reply, comment_id)


def digest_enqueue(user_id: int, *, countdown: float) -> None:
    """Send a user's digest after ``countdown`` seconds (a broker outage raises)."""
    send_notification_digest.apply_async((user_id,), countdown=countdown)
