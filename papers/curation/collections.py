"""Curators' collections: create, edit, delete, notes and order, with the rules in one place.

Pages and the API both call these functions, so names, lengths, uniqueness and ownership are
checked the same way everywhere. Lookups never reveal a private collection to anyone but its
owner: it is "not found", exactly like one that does not exist.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from bzpeer.text import single_line
from papers.catalogue.counts import save_counts_recount
from papers.catalogue.page_cache import paper_pages_invalidate
from papers.catalogue.selectors import AUTHORS_IN_LISTS
from papers.catalogue.viewer_cache import viewers_changed
from papers.models import Authorship, Collection, CollectionItem, Paper
from papers.models.curation import CollectionQuerySet


class CollectionNotFound(Exception):
    """No such collection for this viewer (it may exist and be someone else's private one)."""


def collection_name_clean(name: str) -> str:
    name = single_line(name or "")
    if not name:
        raise ValidationError({"name": "Give the collection a name."}, code="required")
    if len(name) > Collection.NAME_MAX:
        raise ValidationError(
            {
                "name": (
                    f"Keep the name within {Collection.NAME_MAX} characters (it has {len(name)})."
                )
            },
            code="max_length",
        )
    return name


def _text_clean(value: str, *, field: str, limit: int) -> str:
    # NULs go first (PostgreSQL refuses them), so whitespace next to one is trimmed too.
    value = (value or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if len(value) > limit:
        raise ValidationError(
            {field: f"Keep this within {limit} characters (it has {len(value)})."},
            code="max_length",
        )
    return value


def collection_description_clean(description: str) -> str:
    return _text_clean(description, field="description", limit=Collection.DESCRIPTION_MAX)


def collection_note_clean(note: str) -> str:
    return _text_clean(note, field="note", limit=CollectionItem.NOTE_MAX)


def _name_taken(name: str) -> ValidationError:
    return ValidationError(
        {"name": f"You already have a collection named “{name}”."}, code="unique"
    )


def collection_create(
    *, owner: AbstractBaseUser, name: str, description: str = "", is_public: bool = False
) -> Collection:
    collection = Collection(
        owner=owner,
        name=collection_name_clean(name),
        description=collection_description_clean(description),
        is_public=bool(is_public),
    )
    try:
        with transaction.atomic():
            collection.save()
    except IntegrityError:
        # Names are unique per owner; the constraint also settles concurrent creates.
        raise _name_taken(collection.name) from None
    return collection


def default_collection(owner: AbstractBaseUser) -> Collection:
    """The owner's default collection ("Saved"), created on first use."""
    found = Collection.objects.filter(owner=owner, is_default=True).first()
    if found is not None:
        return found
    name = Collection.DEFAULT_NAME
    if Collection.objects.filter(owner=owner, name=name).exists():
        # The owner already used the name for a collection of their own: that one it is.
        Collection.objects.filter(owner=owner, name=name).update(is_default=True)
        viewers_changed([owner.pk])  # update() sends no signal
        return Collection.objects.get(owner=owner, is_default=True)
    try:
        with transaction.atomic():
            return Collection.objects.create(owner=owner, name=name, is_default=True)
    except IntegrityError:
        # Created a moment ago by a concurrent request of the same user.
        return Collection.objects.get(owner=owner, is_default=True)


def _papers_of(collection: Collection) -> list[str]:
    return list(collection.items.values_list("paper__arxiv_id", flat=True))


def collection_update(
    *,
    collection: Collection,
    name: str | None = None,
    description: str | None = None,
    is_public: bool | None = None,
) -> Collection:
    """Change what is given; pages of its papers are refreshed when public facts change.

    Every value is checked before any is applied, and a refused change leaves the caller's
    object as it was (a form shown again must not display a name that was never saved).
    """
    before = {
        "name": collection.name,
        "description": collection.description,
        "is_public": collection.is_public,
    }
    changes = {}
    if name is not None:
        changes["name"] = collection_name_clean(name)
    if description is not None:
        changes["description"] = collection_description_clean(description)
    if is_public is not None:
        changes["is_public"] = bool(is_public)
    for field, value in changes.items():
        setattr(collection, field, value)
    try:
        with transaction.atomic():
            collection.save()
            # Paper pages list public collections by name.
            if before["is_public"] != collection.is_public or (
                collection.is_public and before["name"] != collection.name
            ):
                paper_pages_invalidate(_papers_of(collection))
    except IntegrityError:
        for field, value in before.items():
            setattr(collection, field, value)
        raise _name_taken(changes.get("name", before["name"])) from None
    return collection


def collection_delete(*, collection: Collection) -> None:
    """Delete the collection and its items; the save counts of its papers follow."""
    with transaction.atomic():
        paper_ids = sorted(collection.items.values_list("paper_id", flat=True))
        # The papers' row locks, in one order, as every save takes them: the recount then
        # sees any save of these papers that was in flight, so no count is left stale.
        list(Paper.objects.select_for_update().filter(pk__in=paper_ids).order_by("pk").values("pk"))
        collection.delete()
        save_counts_recount(paper_ids)


def collections_visible(viewer: AbstractBaseUser | None) -> QuerySet[Collection]:
    """Collections the viewer may read: every public one, and their own."""
    public = CollectionQuerySet.PUBLIC
    if viewer is not None and viewer.is_authenticated:
        return Collection.objects.filter(public | Q(owner=viewer))
    return Collection.objects.filter(public)


def collection_for_viewer(viewer: AbstractBaseUser | None, pk: int) -> Collection:
    found = collections_visible(viewer).select_related("owner").filter(pk=pk).first()
    if found is None:
        raise CollectionNotFound(pk)
    return found


def collection_for_owner(owner: AbstractBaseUser, pk: int) -> Collection:
    """A collection the user may change: only their own (anything else is not found)."""
    if owner is None or not owner.is_authenticated:
        raise CollectionNotFound(pk)
    found = Collection.objects.select_related("owner").filter(pk=pk, owner=owner).first()
    if found is None:
        raise CollectionNotFound(pk)
    return found


def collection_item(collection: Collection, paper: Paper) -> CollectionItem:
    found = CollectionItem.objects.filter(collection=collection, paper=paper).first()
    if found is None:
        raise CollectionNotFound(collection.pk)
    return found


def item_note_set(*, collection: Collection, paper: Paper, note: str) -> CollectionItem:
    item = collection_item(collection, paper)
    item.note = collection_note_clean(note)
    item.save(update_fields=["note"])
    collection_touch(collection)
    return item


def next_position(collection: Collection) -> int:
    last = collection.items.aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


def collection_reorder(*, collection: Collection, arxiv_ids: list[str]) -> None:
    """Put the collection's papers in this order; the list must name each of them once."""
    with transaction.atomic():
        items = {
            item.paper.arxiv_id: item
            for item in collection.items.select_for_update(of=("self",)).select_related("paper")
        }
        if len(set(arxiv_ids)) != len(arxiv_ids) or set(arxiv_ids) != set(items):
            missing = sorted(set(items) - set(arxiv_ids))
            extra = sorted(set(arxiv_ids) - set(items))
            problems = []
            if missing:
                problems.append("missing " + ", ".join(missing))
            if extra:
                problems.append("not in the collection: " + ", ".join(extra))
            if len(set(arxiv_ids)) != len(arxiv_ids):
                problems.append("some papers are listed twice")
            detail = "; ".join(problems)
            raise ValidationError(
                {"papers": f"List every paper of the collection once ({detail})."},
                code="invalid_order",
            )
        for position, arxiv_id in enumerate(arxiv_ids):
            items[arxiv_id].position = position
        CollectionItem.objects.bulk_update(items.values(), ["position"])
        collection_touch(collection)


def item_move(*, collection: Collection, paper: Paper, offset: int) -> None:
    """Move one paper ``offset`` places (-1 up, +1 down), clamped at the ends."""
    with transaction.atomic():
        # Locked before the order is read, so two quick moves do not undo each other; read
        # after the lock is held (a locking SELECT may return rows in their old order).
        list(collection.items.select_for_update().values_list("pk", flat=True))
        order = list(
            collection.items.order_by("position", "added_at").values_list(
                "paper__arxiv_id", flat=True
            )
        )
        if paper.arxiv_id not in order:
            raise CollectionNotFound(collection.pk)
        index = order.index(paper.arxiv_id)
        target = min(max(index + offset, 0), len(order) - 1)
        order.insert(target, order.pop(index))
        collection_reorder(collection=collection, arxiv_ids=order)


def collection_touch(collection: Collection) -> None:
    """Mark the collection changed (feeds and lists sort by it), and its owner's kept pages
    (a reorder writes in bulk, which sends no signal)."""
    Collection.objects.filter(pk=collection.pk).update(modified_at=timezone.now())
    viewers_changed([collection.owner_id])


def collection_items(collection: Collection, *, all_authors: bool = False) -> QuerySet:
    """The collection's items in order, with their papers and authors, in two queries.

    Lists need the lead authors (``paper.lead_authorships``) and ``author_count`` for
    "et al."; exports need every author (``paper.authorships.all()``).
    """
    authorships = Authorship.objects.select_related("author").order_by("position")
    items = (
        CollectionItem.objects.filter(collection=collection)
        .select_related("paper")
        .defer("paper__referenced_openalex_ids")
        .order_by("position", "added_at")
    )
    if all_authors:
        return items.prefetch_related(Prefetch("paper__authorships", queryset=authorships))
    return items.annotate(author_count=Count("paper__authorships")).prefetch_related(
        Prefetch(
            "paper__authorships",
            queryset=authorships.filter(position__lt=AUTHORS_IN_LISTS),
            to_attr="lead_authorships",
        )
    )
