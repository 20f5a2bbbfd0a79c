"""Curators correct a paper's map: pin a neighbour ("also relevant") or hide a wrong one.

Each curator holds at most one choice per pair (paper, neighbour): pinning what they hid
turns the hide into a pin and the other way round; repeating a choice changes nothing.
Choices are recorded with the curator and shown as theirs (papers/neighbours.py reads them).
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from papers.catalogue.page_cache import paper_pages_invalidate
from papers.models import NeighbourChoice, Paper


def _validated(paper: Paper, neighbour: Paper) -> None:
    if paper.pk is None or neighbour.pk is None:
        raise ValidationError("Both papers must exist.", code="missing")
    if paper.pk == neighbour.pk:
        raise ValidationError("A paper cannot be its own neighbour.", code="self")
    found = Paper.objects.filter(pk__in=[paper.pk, neighbour.pk]).count()
    if found != 2:
        raise ValidationError("Both papers must exist.", code="missing")


def _choose(*, user, paper: Paper, neighbour: Paper, action: str) -> NeighbourChoice:
    if user is None or not user.is_authenticated:
        raise ValidationError("Sign in to change a paper's map.", code="anonymous")
    _validated(paper, neighbour)
    with transaction.atomic():
        choice, created = NeighbourChoice.objects.select_for_update().get_or_create(
            user=user, paper=paper, neighbour=neighbour, defaults={"action": action}
        )
        if not created and choice.action != action:
            choice.action = action
            choice.save(update_fields=["action"])
    paper_pages_invalidate([paper.arxiv_id])
    return choice


def neighbour_pin(*, user, paper: Paper, neighbour: Paper) -> NeighbourChoice:
    """Show ``neighbour`` on ``paper``'s map whatever the computation says."""
    return _choose(user=user, paper=paper, neighbour=neighbour, action=NeighbourChoice.Action.PIN)


def neighbour_hide(*, user, paper: Paper, neighbour: Paper) -> NeighbourChoice:
    """Keep a wrong computed neighbour off ``paper``'s map, for everyone."""
    return _choose(user=user, paper=paper, neighbour=neighbour, action=NeighbourChoice.Action.HIDE)


def _withdraw(*, user, paper: Paper, neighbour: Paper, action: str) -> bool:
    deleted, _ = NeighbourChoice.objects.filter(
        user=user, paper=paper, neighbour=neighbour, action=action
    ).delete()
    if deleted:
        paper_pages_invalidate([paper.arxiv_id])
    return bool(deleted)


def neighbour_unpin(*, user, paper: Paper, neighbour: Paper) -> bool:
    """Withdraw this curator's own pin; others' pins stay. True when there was one."""
    return _withdraw(user=user, paper=paper, neighbour=neighbour, action=NeighbourChoice.Action.PIN)


def neighbour_unhide(*, user, paper: Paper, neighbour: Paper) -> bool:
    """Withdraw this curator's own hide; others' hides stay. True when there was one."""
    return _withdraw(
        user=user, paper=paper, neighbour=neighbour, action=NeighbourChoice.Action.HIDE
    )
