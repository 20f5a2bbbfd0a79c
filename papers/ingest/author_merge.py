"""Merging name variants of one person ("A. Smith", "Alice Smith") into one author, and undoing it.

Nothing merges authors on its own: an admin chooses the survivor and says why. A merge
re-points the merged authors' authorships to the survivor; where the survivor (or two of the
merged) already stands on a paper, the earliest place is kept and the others are deleted,
their rows written whole into the AuthorMerge log. The merged-away rows stay, with their
names and OpenAlex/ORCID ids and ``merged_into`` set, so imports and enrichment that find
them land on the survivor instead of splitting the person again.

An undo puts back exactly what the merge changed. It is refused while a later merge that
still stands involves the same survivor, since that merge may have rearranged the rows
this one moved: those are undone first, newest first.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from papers.catalogue.page_cache import paper_pages_invalidate
from papers.catalogue.search import search_documents_refresh
from papers.models import Author, AuthorMerge, Authorship, Institution, Paper
from papers.researchmap.tasks import neighbours_enqueue

MERGE_PERMISSION = "papers.change_author"


@dataclass(frozen=True, slots=True)
class UndoOutcome:
    merge: AuthorMerge
    restored: int  # authorship rows moved back or recreated
    skipped: int  # rows a later import replaced, so nothing was left to put back


def can_merge_authors(user: AbstractBaseUser) -> bool:
    return bool(user.is_active and user.is_staff and user.has_perm(MERGE_PERMISSION))


def _check(actor: AbstractBaseUser, reason: str) -> str:
    if not can_merge_authors(actor):
        raise PermissionDenied("merging authors needs staff status and the change author right.")
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why: the reason is kept in the merge log.")
    if len(reason) > AuthorMerge.REASON_MAX:
        raise ValidationError(f"Keep the reason under {AuthorMerge.REASON_MAX} characters.")
    return reason


def _actor_repr(actor: AbstractBaseUser) -> str:
    return actor.get_username()[:150]


def _affected_papers(paper_ids: set[int]) -> None:
    """Pages and the research map's shared-author signal follow, once committed."""
    ids = sorted(paper_ids)
    paper_pages_invalidate(Paper.objects.filter(pk__in=ids).values_list("arxiv_id", flat=True))
    search_documents_refresh(paper_ids=ids)
    neighbours_enqueue(paper_ids=ids)


def _survivor_search_refresh(survivor_id: int, *, refreshed: set[int]) -> None:
    """The survivor's other papers are found by every name merged into it (papers/search.py);
    ``refreshed`` are the papers ``_affected_papers`` already rebuilt."""
    papers = (
        Authorship.objects.filter(author_id=survivor_id)
        .exclude(paper_id__in=refreshed)
        .values_list("paper_id", flat=True)
    )
    search_documents_refresh(paper_ids=papers)


def author_merge(
    *, survivor: Author, merged: list[Author], actor: AbstractBaseUser, reason: str
) -> AuthorMerge:
    """Merge ``merged`` into ``survivor``; raises ValidationError with a sentence when the
    choice is impossible and PermissionDenied for an actor without the right."""
    reason = _check(actor, reason)
    merged_ids = sorted({a.pk for a in merged})
    if not merged_ids:
        raise ValidationError("Choose at least one author to merge into the survivor.")
    if survivor.pk in merged_ids:
        raise ValidationError("An author cannot be merged into itself.")
    with transaction.atomic():
        # In id order, so two admins merging overlapping authors wait rather than deadlock.
        authors = {
            a.pk: a
            for a in Author.objects.select_for_update()
            .filter(pk__in=[survivor.pk, *merged_ids])
            .order_by("pk")
        }
        if len(authors) != len(merged_ids) + 1:
            raise ValidationError("One of the authors no longer exists.")
        for author in authors.values():
            if author.merged_into_id is not None:
                into = Author.objects.only("name").get(pk=author.merged_into_id)
                raise ValidationError(
                    f"{author.name} (#{author.pk}) is already merged into {into.name} "
                    f"(#{into.pk}); merge into that author instead."
                )
        survivor = authors[survivor.pk]
        moved, removed, papers = _move_authorships(survivor, merged_ids)
        repointed = list(
            Author.objects.filter(merged_into__in=merged_ids)
            .order_by("pk")
            .values_list("pk", "merged_into")
        )
        Author.objects.filter(merged_into__in=merged_ids).update(merged_into=survivor)
        Author.objects.filter(pk__in=merged_ids).update(merged_into=survivor)
        merge = AuthorMerge.objects.create(
            survivor=survivor,
            names={str(pk): a.name for pk, a in authors.items()},
            moved=moved,
            removed=removed,
            repointed=[list(pair) for pair in repointed],
            actor=actor,
            actor_repr=_actor_repr(actor),
            reason=reason,
        )
        merge.merged.set(merged_ids)
        _affected_papers(papers)
        _survivor_search_refresh(survivor.pk, refreshed=papers)
    return merge


def _move_authorships(
    survivor: Author, merged_ids: list[int]
) -> tuple[list[list[int]], list[dict], set[int]]:
    rows = list(
        Authorship.objects.select_for_update()
        .filter(author__in=[survivor.pk, *merged_ids])
        .order_by("pk")
        .values_list("pk", "paper_id", "author_id", "position")
    )
    by_paper: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for pk, paper_id, author_id, position in rows:
        by_paper[paper_id].append((position, pk, author_id))
    moved: list[list[int]] = []
    removed: list[dict] = []
    papers: set[int] = set()
    for paper_id, places in by_paper.items():
        if all(author_id == survivor.pk for _, _, author_id in places):
            continue  # none of the merged authors is on this paper
        papers.add(paper_id)
        # One person, one place on the paper: the earliest, as the byline lists them.
        places.sort()
        _, keep_pk, keep_author = places[0]
        if keep_author != survivor.pk:
            moved.append([keep_pk, keep_author])
        removed += [
            {"id": pk, "paper_id": paper_id, "author_id": author_id, "position": position}
            for position, pk, author_id in places[1:]
        ]
    if removed:
        through = Authorship.institutions.through
        links: dict[int, list[int]] = defaultdict(list)
        for authorship_id, institution_id in (
            through.objects.filter(authorship__in=[r["id"] for r in removed])
            .order_by("authorship", "position")
            .values_list("authorship_id", "institution_id")
        ):
            links[authorship_id].append(institution_id)
        for row in removed:
            row["institution_ids"] = links[row["id"]]
        Authorship.objects.filter(pk__in=[r["id"] for r in removed]).delete()
    if moved:
        Authorship.objects.filter(pk__in=[pk for pk, _ in moved]).update(author=survivor)
    return moved, removed, papers


def author_merge_undo(*, merge: AuthorMerge, actor: AbstractBaseUser, reason: str) -> UndoOutcome:
    """Put back what ``merge`` changed; refused once undone, or while a later merge of the
    same survivor stands."""
    reason = _check(actor, reason)
    with transaction.atomic():
        merge = AuthorMerge.objects.select_for_update().get(pk=merge.pk)
        if merge.undone_at is not None:
            raise ValidationError(
                f"Merge #{merge.pk} was already undone by {merge.undone_by_repr} "
                f"on {merge.undone_at:%Y-%m-%d %H:%M} UTC."
            )
        later = (
            AuthorMerge.objects.filter(undone_at__isnull=True, pk__gt=merge.pk)
            .filter(Q(survivor=merge.survivor_id) | Q(merged=merge.survivor_id))
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first()
        )
        if later is not None:
            raise ValidationError(
                f"Merge #{later} changed the same authors later: undo it first, then this one."
            )
        merged_ids = sorted(merge.merged.values_list("pk", flat=True))
        repointed = dict(merge.repointed)
        needed = {
            merge.survivor_id,
            *merged_ids,
            *repointed,
            *repointed.values(),
            *(from_id for _, from_id in merge.moved),
            *(row["author_id"] for row in merge.removed),
        }
        locked = set(
            Author.objects.select_for_update()
            .filter(pk__in=needed)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if locked != needed:
            gone = ", ".join(
                f"{merge.names.get(str(pk), 'an author')} (#{pk})" for pk in sorted(needed - locked)
            )
            raise ValidationError(f"{gone} was deleted since the merge: it cannot be undone.")
        restored, skipped, papers = _restore_authorships(merge)
        for author_id, from_id in repointed.items():
            Author.objects.filter(pk=author_id, merged_into=merge.survivor_id).update(
                merged_into=from_id
            )
        Author.objects.filter(pk__in=merged_ids, merged_into=merge.survivor_id).update(
            merged_into=None
        )
        merge.undone_at = timezone.now()
        merge.undone_by = actor
        merge.undone_by_repr = _actor_repr(actor)
        merge.undo_reason = reason
        merge.save(update_fields=["undone_at", "undone_by", "undone_by_repr", "undo_reason"])
        _affected_papers(papers)
        _survivor_search_refresh(merge.survivor_id, refreshed=papers)
    return UndoOutcome(merge=merge, restored=restored, skipped=skipped)


def _restore_authorships(merge: AuthorMerge) -> tuple[int, int, set[int]]:
    restored = skipped = 0
    back: dict[int, list[int]] = defaultdict(list)
    for authorship_id, from_id in merge.moved:
        back[from_id].append(authorship_id)
    papers: set[int] = set()
    for from_id, ids in sorted(back.items()):
        # A later import of the paper replaces its rows: those are not the merge's to undo.
        rows = Authorship.objects.select_for_update().filter(pk__in=ids, author=merge.survivor_id)
        papers.update(rows.values_list("paper_id", flat=True))
        done = rows.update(author=from_id)
        restored += done
        skipped += len(ids) - done
    if merge.removed:
        paper_ids = {r["paper_id"] for r in merge.removed}
        taken = set(
            Authorship.objects.filter(paper__in=paper_ids).values_list("paper_id", "position")
        )
        present = set(Paper.objects.filter(pk__in=paper_ids).values_list("pk", flat=True))
        back_rows = [
            r
            for r in merge.removed
            if r["paper_id"] in present and (r["paper_id"], r["position"]) not in taken
        ]
        skipped += len(merge.removed) - len(back_rows)
        Authorship.objects.bulk_create(
            [
                Authorship(
                    pk=r["id"],
                    paper_id=r["paper_id"],
                    author_id=r["author_id"],
                    position=r["position"],
                )
                for r in back_rows
            ]
        )
        through = Authorship.institutions.through
        existing = set(
            Institution.objects.filter(
                pk__in={i for r in back_rows for i in r["institution_ids"]}
            ).values_list("pk", flat=True)
        )
        # The ids were kept in the authorship's order, primary first.
        through.objects.bulk_create(
            [
                through(authorship_id=r["id"], institution_id=i, position=position)
                for r in back_rows
                for position, i in enumerate(i for i in r["institution_ids"] if i in existing)
            ]
        )
        restored += len(back_rows)
        papers.update(r["paper_id"] for r in back_rows)
    return restored, skipped, papers
