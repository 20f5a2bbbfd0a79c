"""Likes and dislikes: one vote per curator and paper, with Paper's counters kept exact."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from papers.catalogue.page_cache import paper_pages_invalidate
from papers.catalogue.viewer_cache import viewers_changed
from papers.models import Paper, Vote


@dataclass(frozen=True, slots=True)
class VoteState:
    """A curator's vote on a paper after a change, and the paper's counters with it."""

    my_vote: int | None
    likes: int
    dislikes: int


_COUNTER = {Vote.Value.LIKE: "like_count", Vote.Value.DISLIKE: "dislike_count"}


def _apply(
    *, user: AbstractBaseUser, paper: Paper, decide: Callable[[int | None], int | None]
) -> VoteState:
    """Replace the user's vote on the paper by ``decide(current vote)`` (None: no vote),
    counters included.

    The paper row is locked, not the vote row: before a first vote there is no vote row to
    lock, so two requests could both see "no vote" and both insert (one failing on the
    unique constraint, or, across users, both counters being computed from one stale read).
    Locking the paper serialises every vote change on that paper, so the vote read below is
    the one the change is made against; the lock is held only for these few statements.
    """
    with transaction.atomic():
        locked = (
            Paper.objects.select_for_update()
            .only("pk", "arxiv_id", "like_count", "dislike_count")
            .get(pk=paper.pk)
        )
        current = Vote.objects.filter(user=user, paper=locked)
        before = current.values_list("value", flat=True).first()
        value = decide(before)
        if before == value:
            return VoteState(before, locked.like_count, locked.dislike_count)

        delta = {"like_count": 0, "dislike_count": 0}
        if before is not None:
            delta[_COUNTER[before]] -= 1
        if value is None:
            current.delete()
        elif before is None:
            Vote.objects.create(user=user, paper=locked, value=value)
        else:
            current.update(value=value, modified_at=timezone.now())
            viewers_changed([user.pk])  # update() sends no signal
        if value is not None:
            delta[_COUNTER[value]] += 1

        # F() keeps the update relative even if another writer (a counter refresh) changed
        # the row without taking this lock.
        Paper.objects.filter(pk=locked.pk).update(
            **{name: F(name) + change for name, change in delta.items() if change}
        )
        # Counts show on the shared anonymous page, so its cached renderings must go.
        paper_pages_invalidate([locked.arxiv_id])
        return VoteState(
            value,
            locked.like_count + delta["like_count"],
            locked.dislike_count + delta["dislike_count"],
        )


def vote_toggle(*, user: AbstractBaseUser, paper: Paper, value: int) -> VoteState:
    """Vote ``value`` (like or dislike): casts it, withdraws it if it already was the vote,
    or switches from the other value."""
    value = Vote.Value(value)
    return _apply(user=user, paper=paper, decide=lambda before: None if before == value else value)


def vote_withdraw(*, user: AbstractBaseUser, paper: Paper) -> VoteState:
    """Remove the user's vote on the paper, if any."""
    return _apply(user=user, paper=paper, decide=lambda before: None)
