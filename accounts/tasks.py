"""Celery tasks for notifications: ids in, a service call, safe to run twice.

The fan-out tasks are queued once a review or reply is committed; each schedules at most one
digest per recipient and batch window (accounts/notifications.py).
"""

import logging
import smtplib

from celery import shared_task

from accounts.notifications import services as notifications

logger = logging.getLogger(__name__)

DIGEST_MAX_RETRIES = 5


@shared_task
def notify_new_review(review_id: int) -> int:
    recipients = notifications.notifications_for_review(review_id=review_id)
    notifications.digests_schedule(user_ids=recipients)
    return len(recipients)


@shared_task
def notify_reply(comment_id: int) -> int:
    recipients = notifications.notifications_for_reply(comment_id=comment_id)
    notifications.digests_schedule(user_ids=recipients)
    return len(recipients)


@shared_task(bind=True, max_retries=DIGEST_MAX_RETRIES)
def send_notification_digest(self, user_id: int) -> int:
    """Send one user's digest. A mail server that fails leaves the entries unsent (the
    transaction rolls back) for a later retry or the next digest."""
    try:
        return notifications.digest_send(user_id=user_id)
    except (smtplib.SMTPException, OSError) as exc:
        # In-process (eager mode) nobody would wait for a retry: the next digest takes them.
        if self.request.is_eager or self.request.retries >= self.max_retries:
            logger.exception("notification digest for user %s not sent", user_id)
            return 0
        raise self.retry(exc=exc, countdown=min(600, 60 * 2**self.request.retries)) from exc
