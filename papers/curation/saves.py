"""Saving papers into collections, with Paper.save_count kept exact.

A paper's save count is the number of curators who hold it in at least one collection.
Every change takes the paper's row lock first and then recomputes the count from the rows
inside the UPDATE, so concurrent saves of one paper (by one curator or many) serialise
and the count can never drift, whichever collections are involved.
"""

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from papers.catalogue.counts import savers_per_paper
from papers.catalogue.page_cache import paper_pages_invalidate
from papers.curation.collections import (
    collection_note_clean,
    collection_touch,
    default_collection,
    next_position,
)
from papers.models import Collection, CollectionItem, Paper


@dataclass(frozen=True, slots=True)
class SaveState:
    """A curator's saves of one paper after a change, and the paper's save count."""

    in_default: bool
    collection_ids: tuple[int, ...]
    saves: int

    @property
    def saved(self) -> bool:
        return bool(self.collection_ids)


def _locked(paper: Paper) -> Paper:
    return Paper.objects.select_for_update().only("pk", "arxiv_id").get(pk=paper.pk)


def _state(user: AbstractBaseUser, paper: Paper) -> SaveState:
    rows = list(
        CollectionItem.objects.filter(paper=paper, collection__owner=user).values_list(
            "collection_id", "collection__is_default"
        )
    )
    saves = Paper.objects.filter(pk=paper.pk).values_list("save_count", flat=True).get()
    return SaveState(
        in_default=any(is_default for _, is_default in rows),
        collection_ids=tuple(sorted(pk for pk, _ in rows)),
        saves=saves,
    )


def _changed(paper: Paper) -> None:
    Paper.objects.filter(pk=paper.pk).update(save_count=savers_per_paper())
    # The count and the public collections show on the shared anonymous page.
    paper_pages_invalidate([paper.arxiv_id])


def paper_save(
    *,
    user: AbstractBaseUser,
    paper: Paper,
    collection: Collection | None = None,
    note: str | None = None,
) -> SaveState:
    """Put the paper into one of the user's collections (their default one when none is
    given). Saving again changes nothing, except the note when one is given."""
    if collection is None:
        collection = default_collection(user)
    if collection.owner_id != user.pk:
        raise PermissionError("Papers go only into your own collections.")
    cleaned_note = collection_note_clean(note) if note is not None else None
    with transaction.atomic():
        locked = _locked(paper)
        item = CollectionItem.objects.filter(collection=collection, paper=locked).first()
        if item is None:
            CollectionItem.objects.create(
                collection=collection,
                paper=locked,
                note=cleaned_note or "",
                position=next_position(collection),
            )
            collection_touch(collection)
            _changed(locked)
        elif cleaned_note is not None and item.note != cleaned_note:
            item.note = cleaned_note
            item.save(update_fields=["note"])
        return _state(user, locked)


def paper_unsave(
    *, user: AbstractBaseUser, paper: Paper, collection: Collection | None = None
) -> SaveState:
    """Take the paper out of one of the user's collections (their default one when none is
    given); removing what is not there changes nothing."""
    with transaction.atomic():
        locked = _locked(paper)
        if collection is None:
            collection = Collection.objects.filter(owner=user, is_default=True).first()
        elif collection.owner_id != user.pk:
            raise PermissionError("Papers come out only of your own collections.")
        if collection is not None:
            deleted, _ = CollectionItem.objects.filter(collection=collection, paper=locked).delete()
            if deleted:
                collection_touch(collection)
                _changed(locked)
        return _state(user, locked)


def save_toggle(*, user: AbstractBaseUser, paper: Paper) -> SaveState:
    """The one-click save: into the default collection, or out of it if it is there."""
    collection = default_collection(user)
    with transaction.atomic():
        _locked(paper)
        if CollectionItem.objects.filter(collection=collection, paper=paper).exists():
            return paper_unsave(user=user, paper=paper, collection=collection)
        return paper_save(user=user, paper=paper, collection=collection)


def save_state(*, user: AbstractBaseUser, paper: Paper) -> SaveState:
    return _state(user, paper)
