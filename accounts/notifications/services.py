"""Notifications: who hears of a new review or a reply, the batched email and the page.

A new review or reply queues a Celery task once it is committed (tasks.py beside this); the
task creates the entries and schedules one digest email per recipient, sent when the batch
window closes, so a busy thread makes one email per window instead of one per reply. The
functions here are what the tasks call, and work without Celery.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.models import Notification, NotificationKind
from accounts.notifications.tasks import digest_enqueue
from papers.catalogue.viewer_cache import viewers_changed
from papers.models import CollectionItem
from reviews.models import Comment, Review

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
# One email lists at most this many entries; the rest wait on the notifications page.
DIGEST_MAX_ITEMS = 50
CREATE_BATCH_SIZE = 1000
# What each kind of entry is switched off with on the user.
PREFERENCE_OF_KIND = {
    NotificationKind.NEW_REVIEW: "notify_new_reviews",
    NotificationKind.REPLY: "notify_replies",
}
PREFERENCE_FIELDS = tuple(PREFERENCE_OF_KIND.values())
# What an entry on the notifications page shows, and nothing more of the long review texts.
PAGE_FIELDS = (
    "kind", "created_at", "read_at", "review_id", "comment_id",
    "paper__arxiv_id", "paper__title", "actor__username", "actor__display_name",
    "review__claims", "review__strengths", "review__method_questions", "review__is_hidden",
    "comment__body", "comment__is_hidden", "comment__is_deleted",
)  # fmt: skip


# --- Fan-out: the entries a new review or reply makes -----------------------------------------


def notifications_for_review(*, review_id: int) -> list[int]:
    """Entries for everyone who saved the paper of a new review (in any of their collections),
    except its author and those who switched this off; returns the recipients' ids.

    A review hidden or deleted before the task ran notifies nobody. Safe to run twice.
    """
    review = (
        Review.objects.filter(pk=review_id, is_hidden=False)
        .only("pk", "paper_id", "author_id")
        .first()
    )
    if review is None:
        return []
    savers = CollectionItem.objects.filter(paper_id=review.paper_id).values("collection__owner_id")
    recipients = list(
        get_user_model()
        .objects.filter(pk__in=savers, is_active=True, notify_new_reviews=True)
        .exclude(pk=review.author_id)
        .values_list("pk", flat=True)
    )
    Notification.objects.bulk_create(
        (
            Notification(
                recipient_id=recipient_id,
                kind=NotificationKind.NEW_REVIEW,
                paper_id=review.paper_id,
                review_id=review.pk,
                actor_id=review.author_id,
            )
            for recipient_id in recipients
        ),
        batch_size=CREATE_BATCH_SIZE,
        ignore_conflicts=True,
    )
    viewers_changed(recipients)  # their unread count (bulk_create sends no signal)
    return recipients


def notifications_for_reply(*, comment_id: int) -> list[int]:
    """An entry for the author of the comment replied to, unless they replied to themselves,
    switched replies off, or the reply or the comment is gone; returns the recipient's id."""
    reply = (
        Comment.objects.filter(
            pk=comment_id,
            parent__isnull=False,
            is_hidden=False,
            is_deleted=False,
            parent__is_deleted=False,
            parent__author__is_active=True,
            parent__author__notify_replies=True,
        )
        .exclude(parent__author_id=F("author_id"))
        .values("pk", "paper_id", "author_id", "parent__author_id")
        .first()
    )
    if reply is None:
        return []
    recipient_id = reply["parent__author_id"]
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=recipient_id,
                kind=NotificationKind.REPLY,
                paper_id=reply["paper_id"],
                comment_id=reply["pk"],
                actor_id=reply["author_id"],
            )
        ],
        ignore_conflicts=True,
    )
    viewers_changed([recipient_id])
    return [recipient_id]


# --- The batched email ---------------------------------------------------------------------


def _digest_key(user_id: int) -> str:
    return f"notify-digest:{user_id}"


def digests_schedule(*, user_ids: list[int]) -> int:
    """Schedule a digest at the end of the batch window for each user who has none scheduled;
    returns how many were scheduled. The guard lives in the cache (Redis), shared by workers."""
    window = settings.NOTIFICATION_BATCH_SECONDS
    scheduled = 0
    for user_id in user_ids:
        # Outlives the window a little, so a lost digest only delays the next one.
        if not cache.add(_digest_key(user_id), 1, timeout=window + 60):
            continue
        try:
            digest_enqueue(user_id, countdown=window)
        except OperationalError:
            cache.delete(_digest_key(user_id))
            raise
        scheduled += 1
    return scheduled


def _worth_mailing(entry: Notification, user: AbstractBaseUser) -> bool:
    if not getattr(user, PREFERENCE_OF_KIND[entry.kind]):
        return False
    if entry.review_id:
        return not entry.review.is_hidden
    return not (entry.comment.is_hidden or entry.comment.is_deleted)


def digest_send(*, user_id: int) -> int:
    """Email a user every entry not covered by an earlier digest; returns how many it told of.

    Entries whose kind was switched off or whose source was hidden meanwhile are covered
    without being listed, so they never arrive late. The entries stay locked until the email
    is handed over: a digest run twice at once, or retried after a failed send, mails each
    entry once.
    """
    # Cleared first: whatever arrives from now on schedules the next digest.
    cache.delete(_digest_key(user_id))
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return 0
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(recipient_id=user_id, emailed_at__isnull=True)
            .select_related("paper", "actor", "review", "comment")
            .order_by("created_at", "pk")
        )
        if not pending:
            return 0
        Notification.objects.filter(pk__in=[entry.pk for entry in pending]).update(
            emailed_at=timezone.now()
        )
        entries = [entry for entry in pending if _worth_mailing(entry, user)]
        if not (entries and user.is_active and user.email):
            return 0
        digest_message(user=user, entries=entries).send()
    return len(entries)


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def digest_subject(entries: list[Notification]) -> str:
    reviews = sum(entry.kind == NotificationKind.NEW_REVIEW for entry in entries)
    replies = len(entries) - reviews
    parts = []
    if reviews:
        parts.append(f"{reviews} new review{'s' if reviews != 1 else ''}")
    if replies:
        parts.append(f"{replies} repl{'ies' if replies != 1 else 'y'}")
    return "BZPEER: " + " and ".join(parts)


def digest_message(
    *, user: AbstractBaseUser, entries: list[Notification]
) -> EmailMultiAlternatives:
    """A plain-text email with an HTML alternative; user text is escaped in the HTML."""
    listed = entries[:DIGEST_MAX_ITEMS]
    context = {
        "user": user,
        "items": [
            {
                "is_review": entry.kind == NotificationKind.NEW_REVIEW,
                "actor": str(entry.actor),
                "paper_title": entry.paper.title,
                "excerpt": entry.excerpt,
                "url": _absolute(entry.paper.get_item_url(entry.anchor)),
            }
            for entry in listed
        ],
        "more": len(entries) - len(listed),
        "notifications_url": _absolute(reverse("notifications:list")),
        "settings_url": _absolute(reverse("accounts:profile_edit") + "#notifications"),
    }
    message = EmailMultiAlternatives(
        subject=digest_subject(entries),
        body=render_to_string("emails/notification_digest.txt", context),
        to=[user.email],
    )
    message.attach_alternative(
        render_to_string("emails/notification_digest.html", context), "text/html"
    )
    return message


# --- The notifications page and the navigation ------------------------------------------------


def notifications_page(*, user: AbstractBaseUser, page_number) -> Page:
    """One page of a user's visible entries, newest first, with what each one shows."""
    entries = (
        Notification.objects.filter(recipient=user)
        .visible()
        .select_related("paper", "actor", "review", "comment")
        .only(*PAGE_FIELDS)
    )
    return Paginator(entries, PAGE_SIZE).get_page(page_number)


def notifications_unread_count(*, user: AbstractBaseUser) -> int:
    """The number in the navigation: one query on a partial index."""
    return Notification.objects.filter(recipient=user).unread().visible().count()


def notifications_mark_all_read(*, user: AbstractBaseUser) -> int:
    marked = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    viewers_changed([user.pk])
    return marked


def notification_settings_update(*, user: AbstractBaseUser, data: dict) -> None:
    """Store the user's notification switches, and nothing else."""
    fields = [name for name in PREFERENCE_FIELDS if name in data]
    for name in fields:
        setattr(user, name, bool(data[name]))
    user.save(update_fields=fields)
