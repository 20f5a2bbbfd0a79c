"""Reads for the discussion block of a paper page: one query for every comment of the paper
with its author; threads, the replication roll-up and the count are built from that list in
Python."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from papers.models import Paper
from reviews.discussion.services import replication_summary
from reviews.helpful.services import with_helpful
from reviews.models import Comment, CommentKind, ReplicationStatus
from reviews.selectors import item_url_base, signed_in

# Replies deeper than this are shown collapsed under their parent.
THREAD_DEPTH_SHOWN = 3

COMMENT_SORTS = {"oldest": "Oldest first", "newest": "Newest first", "kind": "By kind"}
KIND_ORDER = {kind: i for i, kind in enumerate(CommentKind.values)}


@dataclass
class CommentNode:
    comment: Comment
    replies: list["CommentNode"] = field(default_factory=list)
    # Hidden by a moderator but kept as a placeholder: other people's replies hang on it.
    masked: bool = False

    @property
    def reply_count(self) -> int:
        return sum(1 + reply.reply_count for reply in self.replies)


@dataclass
class Discussion:
    threads: list[CommentNode]
    count: int  # what the public sees: neither hidden nor deleted
    replication: dict[str, int]
    sort: str
    kind: str  # the kind filter, "" for every kind
    flat: bool  # a kind filter shows matching comments as a list, not as threads

    @property
    def replication_summary(self) -> str:
        return replication_summary(self.replication)


def _editable_until(comment: Comment) -> datetime:
    return comment.created_at + timedelta(minutes=settings.COMMENT_EDIT_GRACE_MINUTES)


def _sort_key(sort: str):
    if sort == "newest":
        return lambda node: (-node.comment.created_at.timestamp(), -node.comment.pk)
    if sort == "kind":
        return lambda node: (KIND_ORDER.get(node.comment.kind, 99), node.comment.created_at)
    return lambda node: (node.comment.created_at, node.comment.pk)


def _decorate(paper: Paper, comments: list[Comment], viewer_pk: int | None) -> None:
    """Each comment's address and what the viewer may do with it."""
    now = timezone.now()
    # One reverse() for the paper, not five per comment: a long thread has hundreds.
    base = item_url_base(paper, "comment")
    for comment in comments:
        comment.url_base = f"{base}{comment.pk}/"
        comment.is_mine = comment.author_id == viewer_pk
        comment.can_edit = (
            comment.is_mine and not comment.is_deleted and now <= _editable_until(comment)
        )


def viewer_comments(paper: Paper, viewer, pks: set[int]) -> list[Comment]:
    """The viewer's own comments among ``pks``, as the discussion shows them."""
    comments = list(
        with_helpful(Comment.objects.filter(paper=paper, author=viewer, pk__in=pks), viewer)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    _decorate(paper, comments, viewer.pk)
    return comments


def paper_discussion(
    paper: Paper, viewer=None, *, sort: str = "oldest", kind: str = ""
) -> Discussion:
    """The paper's comments as threads (or, filtered by kind, as a flat list).

    Hidden comments are shown to their author, marked; for anyone else one with visible
    replies stays as a placeholder so the thread keeps its shape, one without is left out.
    """
    sort = sort if sort in COMMENT_SORTS else "oldest"
    kind = kind if kind in CommentKind.values else ""
    viewer_pk = viewer.pk if signed_in(viewer) else None
    comments = list(
        with_helpful(Comment.objects.filter(paper=paper), viewer)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    _decorate(paper, comments, viewer_pk)
    nodes = {comment.pk: CommentNode(comment) for comment in comments}

    visible = [c for c in comments if not c.is_hidden or c.author_id == viewer_pk]
    count = sum(1 for c in comments if not c.is_hidden and not c.is_deleted)
    replication = dict.fromkeys(ReplicationStatus.values, 0)
    for c in comments:
        if c.kind == CommentKind.REPLICATION and not (c.is_hidden or c.is_deleted):
            replication[c.replication_status] = replication.get(c.replication_status, 0) + 1

    if kind:
        matching = [nodes[c.pk] for c in visible if c.kind == kind and not c.is_deleted]
        matching.sort(key=_sort_key(sort))
        return Discussion(matching, count, replication, sort, kind, flat=True)

    shown = {c.pk for c in visible}
    roots: list[CommentNode] = []
    # Oldest first, so a parent is always placed before its replies.
    for comment in comments:
        node = nodes[comment.pk]
        if comment.pk not in shown:
            continue
        parent_id = comment.parent_id
        if parent_id is None:
            roots.append(node)
            continue
        # Climb to the nearest ancestor that exists in this thread, unmasking it if needed.
        parent = nodes.get(parent_id)
        if parent is None:
            roots.append(node)
            continue
        if parent.comment.pk not in shown:
            _mask(parent, shown, nodes, roots)
        parent.replies.append(node)
    for node in nodes.values():
        # A placeholder joins its parent late: put every reply list back in time order.
        if len(node.replies) > 1:
            node.replies.sort(key=_sort_key("oldest"))
    roots.sort(key=_sort_key(sort))
    return Discussion(roots, count, replication, sort, kind, flat=False)


def _mask(node: CommentNode, shown: set[int], nodes: dict[int, CommentNode], roots) -> None:
    """Place a hidden comment as a content-free placeholder (and its hidden ancestors)."""
    node.masked = True
    shown.add(node.comment.pk)
    parent_id = node.comment.parent_id
    parent = nodes.get(parent_id) if parent_id else None
    if parent is None:
        roots.append(node)
        return
    if parent.comment.pk not in shown:
        _mask(parent, shown, nodes, roots)
    parent.replies.append(node)
