"""Specific scholarly reactions: curators toggle kinds from the fixed taxonomy on a paper."""

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from papers.catalogue.page_cache import paper_pages_invalidate
from papers.curation.reaction_kinds import REACTION_INFO, REACTION_KINDS, ReactionKindInfo
from papers.models import Paper, Reaction


@dataclass(frozen=True, slots=True)
class ReactionTally:
    """One reaction kind on one paper: how many curators added it, and whether I did."""

    kind: ReactionKindInfo
    count: int
    mine: bool


def reaction_kind_clean(kind: str) -> str:
    """The kind's code, or a ValidationError on "kind" that lists the known ones."""
    # Anything but a string (a JSON list, a number) is refused the same way, not a TypeError.
    if not isinstance(kind, str) or kind not in REACTION_INFO:
        known = ", ".join(REACTION_INFO)
        raise ValidationError(
            {"kind": f"“{kind}” is not a reaction. Choose one of: {known}."},
            code="unknown_reaction",
        )
    return kind


def reaction_add(*, user: AbstractBaseUser, paper: Paper, kind: str) -> bool:
    """Add the reaction (nothing happens if it is there already). True if a row was added."""
    kind = reaction_kind_clean(kind)
    try:
        # The savepoint lets a caller's transaction go on after a duplicate.
        with transaction.atomic():
            Reaction.objects.create(user=user, paper=paper, kind=kind)
    except IntegrityError:
        # Already there, possibly added a moment ago by a concurrent request.
        return False
    paper_pages_invalidate([paper.arxiv_id])
    return True


def reaction_remove(*, user: AbstractBaseUser, paper: Paper, kind: str) -> bool:
    """Remove the reaction if it is there. True if a row was removed."""
    kind = reaction_kind_clean(kind)
    deleted, _ = Reaction.objects.filter(user=user, paper=paper, kind=kind).delete()
    if deleted:
        paper_pages_invalidate([paper.arxiv_id])
    return bool(deleted)


def reaction_toggle(*, user: AbstractBaseUser, paper: Paper, kind: str) -> bool:
    """Remove the reaction if I had it, else add it. Returns whether I have it afterwards.

    Toggles of one paper are serialised on its row lock (as votes and saves are): without it
    two quick toggles could both find nothing to remove and both "add", so a double click
    would leave the reaction on with both requests reporting it added.
    """
    kind = reaction_kind_clean(kind)
    with transaction.atomic():
        Paper.objects.select_for_update().filter(pk=paper.pk).values("pk").first()
        if reaction_remove(user=user, paper=paper, kind=kind):
            return False
        reaction_add(user=user, paper=paper, kind=kind)
        return True


def paper_reactions(*, paper: Paper, viewer: AbstractBaseUser | None = None) -> list[ReactionTally]:
    """Every kind of the taxonomy, in its order, with counts and mine: one grouped query."""
    rows = Reaction.objects.filter(paper=paper).values("kind").order_by()
    if viewer is not None and viewer.is_authenticated:
        rows = rows.annotate(n=Count("pk"), mine=Count("pk", filter=Q(user=viewer)))
    else:
        rows = rows.annotate(n=Count("pk"))
    found = {row["kind"]: row for row in rows}
    return [
        ReactionTally(
            kind=kind,
            count=found.get(kind.code, {}).get("n", 0),
            mine=bool(found.get(kind.code, {}).get("mine", 0)),
        )
        for kind in REACTION_KINDS
    ]
