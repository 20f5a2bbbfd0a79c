"""Moderation: hiding and restoring reviews, comments and collections, dismissing reports
and marking accounts as spam. Each service is one transaction and writes the moderation log.

Active staff, superusers and members of the Moderators group moderate. Locks are taken
papers first, then items, the order the review and comment services use, so a moderator
and an author acting on the same paper at once wait for each other instead of deadlocking.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import Truncator

from accounts.models import Notification
from accounts.services import MODERATORS_GROUP
from papers.catalogue.page_cache import paper_pages_invalidate
from papers.catalogue.viewer_cache import viewers_changed
from papers.models import Collection, Paper
from reviews.discussion.services import comment_counts_refresh
from reviews.models import (
    Comment,
    ModerationAction,
    ModerationActionKind,
    Report,
    ReportStatus,
    Review,
)
from reviews.reviews.services import review_counts_refresh

Item = Review | Comment
Target = Item | Collection  # what can be reported and hidden
# What describing a report needs: its reporter, and its target with the target's owner.
REPORT_TARGET_RELATED = (
    "reporter",
    "review__author",
    "review__paper",
    "comment__author",
    "comment__paper",
    "collection__owner",
)


def can_moderate(user) -> bool:
    """Active staff, superusers and members of the Moderators group."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser or user.is_staff:
        return True
    return user.groups.filter(name=MODERATORS_GROUP).exists()


def _require_moderator(user) -> None:
    if not can_moderate(user):
        raise PermissionDenied("Only moderators and staff can moderate.")


def moderation_reason_clean(reason) -> str:
    """The moderator's "why", trimmed; required, since the log is read without them."""
    reason = str(reason or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not reason:
        raise ValidationError(
            {"reason": "Say why: the reason is kept in the moderation log."}, code="required"
        )
    if len(reason) > ModerationAction.REASON_MAX:
        raise ValidationError(
            {
                "reason": f"Keep the reason within {ModerationAction.REASON_MAX} characters "
                f"(it has {len(reason)})."
            },
            code="max_length",
        )
    return reason


def item_excerpt(item: Target, length: int = 80) -> str:
    """The start of the item's text on one line (plain text: escape it where it is shown)."""
    if isinstance(item, Collection):
        text = f"{item.name}: {item.description}" if item.description else item.name
    elif isinstance(item, Review):
        parts = (item.claims, item.strengths, item.method_questions, item.reproducibility_notes)
        text = " ".join(p for p in parts if p) or item.get_recommendation_display()
    else:
        text = "[deleted]" if item.is_deleted else item.body
    return Truncator(" ".join(text.split())).chars(length)


def item_describe(item: Target) -> str:
    """What the log keeps of an item: enough to know it after it is gone."""
    if isinstance(item, Collection):
        return f"Collection #{item.pk} by {item.owner.get_username()}: “{item_excerpt(item)}”"
    kind = "Review" if isinstance(item, Review) else "Comment"
    author = item.author.get_username()
    return f"{kind} #{item.pk} by {author} on {item.paper.arxiv_id}: “{item_excerpt(item)}”"


def _key(item: Target) -> tuple[str, int]:
    if isinstance(item, Collection):
        return ("collection", item.pk)
    return ("review" if isinstance(item, Review) else "comment", item.pk)


def _entry(
    moderator: AbstractBaseUser,
    action: str,
    reason: str,
    *,
    target_repr: str,
    item: Target | None = None,
    report: Report | None = None,
    target_user: AbstractBaseUser | None = None,
    details: dict | None = None,
) -> ModerationAction:
    return ModerationAction(
        actor=moderator,
        actor_repr=moderator.get_username(),
        action=action,
        reason=reason,
        review=item if isinstance(item, Review) else None,
        comment=item if isinstance(item, Comment) else None,
        collection=item if isinstance(item, Collection) else None,
        report=report,
        target_user=target_user if target_user is not None else target_owner(item),
        target_repr=Truncator(target_repr).chars(300),
        details=details or {},
    )


def target_owner(item: Target | None):
    """Who wrote the review or comment, or owns the collection."""
    if item is None:
        return None
    return item.owner if isinstance(item, Collection) else item.author


@dataclass
class _Locked:
    reviews: list[Review]
    comments: list[Comment]

    @property
    def items(self) -> list[Item]:
        return [*self.reviews, *self.comments]


def _ids(items: Iterable[Item]) -> tuple[set[int], set[int]]:
    review_ids: set[int] = set()
    comment_ids: set[int] = set()
    for item in items:
        if isinstance(item, Review):
            review_ids.add(item.pk)
        elif isinstance(item, Comment):
            comment_ids.add(item.pk)
        else:
            raise TypeError(f"Only reviews and comments are moderated, not {type(item).__name__}.")
    return review_ids, comment_ids


def _lock(reviews: QuerySet, comments: QuerySet) -> _Locked:
    """Lock the items' papers, then the items (fresh from the database)."""
    paper_ids = set(reviews.values_list("paper_id", flat=True))
    paper_ids |= set(comments.values_list("paper_id", flat=True))
    list(
        Paper.objects.select_for_update()
        .filter(pk__in=paper_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return _Locked(
        reviews=list(
            reviews.select_for_update(of=("self",)).select_related("author", "paper").order_by("pk")
        ),
        comments=list(
            comments.select_for_update(of=("self",))
            .select_related("author", "paper")
            .order_by("pk")
        ),
    )


def _lock_items(items: Iterable[Item]) -> _Locked:
    review_ids, comment_ids = _ids(items)
    return _lock(
        Review.objects.filter(pk__in=review_ids), Comment.objects.filter(pk__in=comment_ids)
    )


def _action_open_reports(locked: _Locked) -> dict[tuple[str, int], list[int]]:
    """Close the open reports on these items as actioned; their ids by item."""
    return _close_open_reports(
        Q(review_id__in=[r.pk for r in locked.reviews])
        | Q(comment_id__in=[c.pk for c in locked.comments])
    )


def _close_open_reports(about: Q) -> dict[tuple[str, int], list[int]]:
    open_reports = Report.objects.filter(status=ReportStatus.OPEN).filter(about)
    rows = list(
        open_reports.select_for_update()
        .order_by("pk")
        .values_list("pk", "review_id", "comment_id", "collection_id")
    )
    Report.objects.filter(pk__in=[row[0] for row in rows], status=ReportStatus.OPEN).update(
        status=ReportStatus.ACTIONED, resolved_at=timezone.now()
    )
    closed: dict[tuple[str, int], list[int]] = defaultdict(list)
    for pk, review_id, comment_id, collection_id in rows:
        if review_id:
            closed[("review", review_id)].append(pk)
        elif comment_id:
            closed[("comment", comment_id)].append(pk)
        else:
            closed[("collection", collection_id)].append(pk)
    return closed


def _set_hidden(locked: _Locked, *, hidden: bool) -> list[Item]:
    """Hide or show the items that are not so already; public counts follow."""
    changed = [item for item in locked.items if item.is_hidden != hidden]
    reviews = [item for item in changed if isinstance(item, Review)]
    comments = [item for item in changed if isinstance(item, Comment)]
    Review.objects.filter(pk__in=[r.pk for r in reviews]).update(is_hidden=hidden)
    Comment.objects.filter(pk__in=[c.pk for c in comments]).update(is_hidden=hidden)
    # Their notifications leave or rejoin the recipients' unread counts (update() sends no
    # signal; the authors' pages follow the papers' tokens).
    notified = Notification.objects.filter(
        Q(review_id__in=[r.pk for r in reviews]) | Q(comment_id__in=[c.pk for c in comments])
    )
    viewers_changed(notified.values_list("recipient_id", flat=True))
    for item in changed:
        item.is_hidden = hidden
    # Both also drop the papers' cached pages once this transaction commits.
    review_counts_refresh(sorted({r.paper_id for r in reviews}))
    comment_counts_refresh(sorted({c.paper_id for c in comments}))
    # Items hidden or shown already refresh their pages too: acting again repairs a page
    # whatever happened to the cache the first time.
    unchanged = {item.paper_id for item in locked.items} - {item.paper_id for item in changed}
    if unchanged:
        paper_pages_invalidate(
            Paper.objects.filter(pk__in=unchanged).values_list("arxiv_id", flat=True)
        )
    return changed


class HideOutcome(NamedTuple):
    hidden: int  # items hidden now (those hidden already are not counted)
    reports_actioned: int


def items_hide(*, moderator: AbstractBaseUser, items: Iterable[Item], reason: str) -> HideOutcome:
    """Hide reviews and comments from everyone but their authors and close the open
    reports on them as actioned. An item hidden already only has its open reports closed."""
    _require_moderator(moderator)
    reason = moderation_reason_clean(reason)
    with transaction.atomic():
        locked = _lock_items(items)
        closed = _action_open_reports(locked)
        hidden = {_key(item) for item in _set_hidden(locked, hidden=True)}
        entries = [
            _entry(
                moderator,
                ModerationActionKind.HIDE,
                reason,
                item=item,
                target_repr=item_describe(item),
                details={
                    "was_hidden": _key(item) not in hidden,
                    "reports_actioned": closed.get(_key(item), []),
                },
            )
            for item in locked.items
            if _key(item) in hidden or closed.get(_key(item))
        ]
        ModerationAction.objects.bulk_create(entries)
    return HideOutcome(len(hidden), sum(len(ids) for ids in closed.values()))


def items_restore(*, moderator: AbstractBaseUser, items: Iterable[Item], reason: str) -> int:
    """Show hidden reviews and comments again; returns how many were hidden."""
    _require_moderator(moderator)
    reason = moderation_reason_clean(reason)
    with transaction.atomic():
        locked = _lock_items(items)
        restored = _set_hidden(locked, hidden=False)
        ModerationAction.objects.bulk_create(
            _entry(
                moderator,
                ModerationActionKind.RESTORE,
                reason,
                item=item,
                target_repr=item_describe(item),
            )
            for item in restored
        )
    return len(restored)


def reports_dismiss(*, moderator: AbstractBaseUser, reports: Iterable[Report], reason: str) -> int:
    """Close open reports without acting on their items; returns how many were open."""
    _require_moderator(moderator)
    reason = moderation_reason_clean(reason)
    ids = {report.pk for report in reports}
    with transaction.atomic():
        open_reports = list(
            Report.objects.select_for_update(of=("self",))
            .filter(pk__in=ids, status=ReportStatus.OPEN)
            .select_related(*REPORT_TARGET_RELATED)
            .order_by("pk")
        )
        Report.objects.filter(pk__in=[r.pk for r in open_reports]).update(
            status=ReportStatus.DISMISSED, resolved_at=timezone.now()
        )
        ModerationAction.objects.bulk_create(
            _entry(
                moderator,
                ModerationActionKind.DISMISS_REPORT,
                reason,
                item=report.target,
                report=report,
                target_repr=(
                    f"Report #{report.pk} ({report.get_reason_display()}) by "
                    f"{report.reporter.get_username()} of {item_describe(report.target)}"
                ),
                details={"reporter": report.reporter.get_username(), "reason": report.reason},
            )
            for report in open_reports
        )
    return len(open_reports)


def _spam_refusal(moderator: AbstractBaseUser, user: AbstractBaseUser) -> str | None:
    if user.pk == moderator.pk:
        return "You cannot mark yourself as spam."
    if user.is_superuser:
        return f"{user.get_username()} is a superuser and cannot be marked as spam."
    if not moderator.is_superuser and (
        user.is_staff or user.groups.filter(name=MODERATORS_GROUP).exists()
    ):
        return (
            f"{user.get_username()} is staff or a moderator: "
            "only a superuser can mark them as spam."
        )
    return None


def user_mark_spam(
    *, moderator: AbstractBaseUser, user: AbstractBaseUser, reason: str
) -> ModerationAction:
    """Deactivate a spam account and hide everything it wrote, in one step: its open
    reports are closed as actioned and the papers' counts follow. Its sessions and API
    tokens stop working, as they do for any inactive account."""
    _require_moderator(moderator)
    reason = moderation_reason_clean(reason)
    with transaction.atomic():
        target = get_user_model().objects.select_for_update().get(pk=user.pk)
        if refusal := _spam_refusal(moderator, target):
            raise PermissionDenied(refusal)
        was_active = target.is_active
        if was_active:
            target.is_active = False
            target.save(update_fields=["is_active"])
        locked = _lock(Review.objects.filter(author=target), Comment.objects.filter(author=target))
        closed = _action_open_reports(locked)
        hidden = _set_hidden(locked, hidden=True)
        entry = _entry(
            moderator,
            ModerationActionKind.MARK_SPAM,
            reason,
            target_user=target,
            target_repr=f"User {target.get_username()} (#{target.pk})",
            details={
                "was_active": was_active,
                "reviews_hidden": [i.pk for i in hidden if isinstance(i, Review)],
                "comments_hidden": [i.pk for i in hidden if isinstance(i, Comment)],
                "reports_actioned": sorted(pk for ids in closed.values() for pk in ids),
            },
        )
        entry.save()
    return entry


def users_mark_spam(
    *, moderator: AbstractBaseUser, users: Iterable[AbstractBaseUser], reason: str
) -> list[ModerationAction]:
    """Mark several accounts as spam, all or none: one refusal changes nothing."""
    unique = {user.pk: user for user in users}
    with transaction.atomic():
        return [
            user_mark_spam(moderator=moderator, user=unique[pk], reason=reason)
            for pk in sorted(unique)
        ]


# --- Collections ------------------------------------------------------------------------


def _lock_collections(collections: Iterable[Collection]) -> list[Collection]:
    return list(
        Collection.objects.select_for_update(of=("self",))
        .filter(pk__in={collection.pk for collection in collections})
        .select_related("owner")
        .order_by("pk")
    )


def _collections_set_hidden(locked: list[Collection], *, hidden: bool) -> list[Collection]:
    """Hide or show the collections that are not so already. The pages of the papers they
    hold (which list the public collections holding them) refresh either way: acting again
    repairs a page whatever happened to the cache the first time."""
    changed = [collection for collection in locked if collection.is_hidden != hidden]
    Collection.objects.filter(pk__in=[c.pk for c in changed]).update(is_hidden=hidden)
    for collection in changed:
        collection.is_hidden = hidden
    viewers_changed(c.owner_id for c in changed)  # the owner's own page says it is hidden
    paper_pages_invalidate(
        Paper.objects.filter(saves__collection__in=[c.pk for c in locked])
        .values_list("arxiv_id", flat=True)
        .distinct()
    )
    return changed


def collections_hide(
    *, moderator: AbstractBaseUser, collections: Iterable[Collection], reason: str
) -> HideOutcome:
    """Hide collections from every public place (lists, pages, feeds, the API, paper pages)
    and close the open reports on them as actioned; their owners still see them."""
    _require_moderator(moderator)
    reason = moderation_reason_clean(reason)
    with transaction.atomic():
        locked = _lock_collections(collections)
        closed = _close_open_reports(Q(collection_id__in=[c.pk for c in locked]))
        hidden = {_key(c) for c in _collections_set_hidden(locked, hidden=True)}
        ModerationAction.objects.bulk_create(
            _entry(
                moderator,
                ModerationActionKind.HIDE,
                reason,
                item=collection,
                target_repr=item_describe(collection),
                details={
                    "was_hidden": _key(collection) not in hidden,
                    "reports_actioned": closed.get(_key(collection), []),
                },
            )
            for collection in locked
            if _key(collection) in hidden or closed.get(_key(collection))
        )
    return HideOutcome(len(hidden), sum(len(ids) for ids in closed.values()))


def collections_restore(
    *, moderator: AbstractBaseUser, collections: Iterable[Collection], reason: str
) -> int:
    """Show hidden collections again where they are public; returns how many were hidden."""
    _require_moderator(moderator)
    reason = moderation_reason_clean(reason)
    with transaction.atomic():
        restored = _collections_set_hidden(_lock_collections(collections), hidden=False)
        ModerationAction.objects.bulk_create(
            _entry(
                moderator,
                ModerationActionKind.RESTORE,
                reason,
                item=collection,
                target_repr=item_describe(collection),
            )
            for collection in restored
        )
    return len(restored)


def _split(targets: Iterable[Target]) -> tuple[list[Item], list[Collection]]:
    targets = list(targets)
    collections = [t for t in targets if isinstance(t, Collection)]
    return [t for t in targets if not isinstance(t, Collection)], collections


def targets_hide(
    *, moderator: AbstractBaseUser, targets: Iterable[Target], reason: str
) -> HideOutcome:
    """Hide reviews, comments and collections in one step (the report queue mixes them)."""
    items, collections = _split(targets)
    with transaction.atomic():
        outcomes = []
        if items:
            outcomes.append(items_hide(moderator=moderator, items=items, reason=reason))
        if collections:
            outcomes.append(
                collections_hide(moderator=moderator, collections=collections, reason=reason)
            )
    return HideOutcome(sum(o.hidden for o in outcomes), sum(o.reports_actioned for o in outcomes))


def targets_restore(*, moderator: AbstractBaseUser, targets: Iterable[Target], reason: str) -> int:
    items, collections = _split(targets)
    with transaction.atomic():
        restored = 0
        if items:
            restored += items_restore(moderator=moderator, items=items, reason=reason)
        if collections:
            restored += collections_restore(
                moderator=moderator, collections=collections, reason=reason
            )
    return restored
