"""Work discussion services: comments, replies, edits within a grace period, deletion that
keeps threads, and the paper's exact comment count and replication roll-up."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from papers.catalogue.counts import count_per_paper, counters_recount
from papers.catalogue.page_cache import paper_pages_invalidate
from papers.models import Paper
from reviews.events import on_commit_send, reply_posted
from reviews.markdown import markdown_render, markdown_stored_fields
from reviews.models import Comment, CommentKind, ReplicationStatus

_url = URLValidator(schemes=["http", "https"])


def _edit_grace() -> timedelta:
    return timedelta(minutes=settings.COMMENT_EDIT_GRACE_MINUTES)


def _clean(*, kind: str, body: str, link: str, replication_status: str) -> dict:
    errors: dict[str, str] = {}
    body = str(body or "").replace("\r\n", "\n").replace("\x00", "").strip()
    link = str(link or "").strip()
    replication_status = str(replication_status or "").strip()
    if kind not in CommentKind.values:
        errors["kind"] = "Choose a kind: " + ", ".join(label for _, label in CommentKind.choices)
    if not body:
        errors["body"] = "Write something first."
    elif len(body) > Comment.BODY_MAX:
        errors["body"] = f"Keep this within {Comment.BODY_MAX} characters (it has {len(body)})."
    if kind == CommentKind.REPLICATION:
        try:
            _url(link)
            if len(link) > 500:
                raise ValidationError("too long")
        except ValidationError:
            errors["link"] = "Give the http(s) address of the code, data or report."
        if replication_status not in ReplicationStatus.values:
            errors["replication_status"] = "Say whether it was attempted, reproduced or failed."
    else:
        # Only replication pointers carry a link and a status.
        link, replication_status = "", ""
    if errors:
        raise ValidationError(errors)
    return {"kind": kind, "body": body, "link": link, "replication_status": replication_status}


def comment_counts_refresh(paper_ids: list[int]) -> None:
    visible = Comment.objects.filter(is_hidden=False, is_deleted=False)
    counters_recount(paper_ids, comment_count=count_per_paper(visible))


def _lock(paper_id: int) -> None:
    Paper.objects.select_for_update().only("pk").get(pk=paper_id)


def comment_create(
    *,
    author: AbstractBaseUser,
    paper: Paper,
    body: str,
    kind: str = CommentKind.NOTE,
    parent: Comment | None = None,
    link: str = "",
    replication_status: str = "",
) -> Comment:
    fields = _clean(kind=kind, body=body, link=link, replication_status=replication_status)
    if parent is not None and (
        parent.paper_id != paper.pk or parent.is_deleted or parent.is_hidden
    ):
        raise ValidationError({"parent": "That comment cannot be replied to."})
    with transaction.atomic():
        _lock(paper.pk)
        comment = Comment(
            author=author,
            paper=paper,
            parent=parent,
            depth=0 if parent is None else parent.depth + 1,
            **fields,
        )
        markdown_render(comment)
        comment.save()
        comment_counts_refresh([paper.pk])
        if parent is not None:
            on_commit_send(reply_posted, Comment, comment_id=comment.pk)
    return comment


def comment_edit(
    *,
    comment: Comment,
    editor: AbstractBaseUser,
    body: str,
    link: str = "",
    replication_status: str = "",
) -> Comment:
    """Its author may edit a comment within the grace period after posting it."""
    if comment.author_id != editor.pk or comment.is_deleted:
        raise PermissionDenied("Only its author can edit this comment.")
    if timezone.now() - comment.created_at > _edit_grace():
        minutes = int(_edit_grace().total_seconds() // 60)
        raise ValidationError(
            {"body": f"Comments can be edited for {minutes} minutes after posting."},
            code="grace_period_over",
        )
    fields = _clean(kind=comment.kind, body=body, link=link, replication_status=replication_status)
    for name, value in fields.items():
        setattr(comment, name, value)
    markdown_render(comment)
    comment.edited_at = timezone.now()
    comment.save()
    paper_pages_invalidate(
        Paper.objects.filter(pk=comment.paper_id).values_list("arxiv_id", flat=True)
    )
    return comment


def comment_delete(*, comment: Comment, actor: AbstractBaseUser) -> None:
    """The author deletes a comment; one with replies stays as "[deleted]" to keep the
    thread, its text gone."""
    if comment.author_id != actor.pk:
        raise PermissionDenied("Only its author can delete this comment.")
    with transaction.atomic():
        _lock(comment.paper_id)
        if comment.replies.exists():
            comment.is_deleted = True
            # Nothing of what was written stays; a pointer's link and status go with its text
            # (only replication pointers may carry them, so it becomes a plain note).
            comment.body, comment.link, comment.replication_status = "", "", ""
            comment.kind = CommentKind.NOTE
            markdown_render(comment)
            comment.save(
                update_fields=[
                    "is_deleted", "body", "link", "replication_status", "kind",
                    *markdown_stored_fields(Comment),
                ]
            )  # fmt: skip
        else:
            comment.delete()
        comment_counts_refresh([comment.paper_id])


def replication_summary(rollup: dict[str, int]) -> str:
    """ "2 reproduced, 1 failed": the statuses that occur, strongest evidence first."""
    order = (ReplicationStatus.REPRODUCED, ReplicationStatus.FAILED, ReplicationStatus.ATTEMPTED)
    return ", ".join(f"{rollup[s]} {s}" for s in order if rollup.get(s))


def comments_visible_to(viewer) -> Q:
    if viewer is not None and viewer.is_authenticated:
        return Q(is_hidden=False) | Q(author=viewer)
    return Q(is_hidden=False)
