"""Notifications listen to the reviews app's events (connected in AccountsConfig.ready)."""

from django.dispatch import receiver

from accounts.notifications.tasks import reply_notify_enqueue, review_notify_enqueue
from reviews.events import reply_posted, review_published


@receiver(review_published, dispatch_uid="notifications-review-published")
def _review_published(sender, review_id: int, **kwargs) -> None:
    review_notify_enqueue(review_id)


@receiver(reply_posted, dispatch_uid="notifications-reply-posted")
def _reply_posted(sender, comment_id: int, **kwargs) -> None:
    reply_notify_enqueue(comment_id)
