"""Work discussion rules: kinds, replication pointers, threads, the edit grace period,
deletion that keeps threads, the exact comment count and the replication badge."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from papers.models import Paper
from reviews.discussion.selectors import paper_discussion
from reviews.discussion.services import (
    comment_create,
    comment_delete,
    comment_edit,
    replication_summary,
)
from reviews.models import Comment
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db
FAILED, UNKNOWN = {"replication_status": "failed"}, {"replication_status": "ok"}


def _count(paper) -> int:
    return Paper.objects.values_list("comment_count", flat=True).get(pk=paper.pk)


def _pointer(author, paper, status, **extra):
    return comment_create(
        author=author,
        paper=paper,
        kind="replication",
        body="Ran the released code on 8 GPUs.",
        link="https://github.com/example/replication",
        replication_status=status,
        **extra,
    )


def test_comments_count_and_thread(curator, other_curator):
    paper = make_paper()
    top = comment_create(author=curator, paper=paper, body="Figure 2 uses log scale.")
    reply = comment_create(author=other_curator, paper=paper, body="Yes.", parent=top)
    deeper = comment_create(author=curator, paper=paper, body="Thanks.", parent=reply)
    assert (top.depth, reply.depth, deeper.depth) == (0, 1, 2)
    assert _count(paper) == 3


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"body": "   "}, "body"),
        ({"body": "x" * 5001}, "body"),
        ({"kind": "rant"}, "kind"),
        ({"kind": "replication", "replication_status": "reproduced"}, "link"),
        ({"kind": "replication", "link": "javascript:alert(1)", **FAILED}, "link"),
        ({"kind": "replication", "link": "https://example.org/r", **UNKNOWN}, "replication_status"),
    ],
)
def test_bad_comments_are_refused_with_the_field(curator, fields, field):
    paper = make_paper()
    with pytest.raises(ValidationError) as caught:
        comment_create(author=curator, paper=paper, **({"body": "Fine."} | fields))
    assert field in caught.value.message_dict
    assert not Comment.objects.exists() and _count(paper) == 0


def test_only_replication_pointers_keep_a_link(curator):
    note = comment_create(
        author=curator,
        paper=make_paper(),
        body="Quick note.",
        link="https://example.org",
        replication_status="failed",
    )
    assert (note.link, note.replication_status) == ("", "")
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.create(
            author=curator, paper=note.paper, kind="replication", body="x", link=""
        )


def test_replies_stay_on_their_paper(curator):
    first, second = make_paper(), make_paper()
    top = comment_create(author=curator, paper=first, body="On the first paper.")
    with pytest.raises(ValidationError, match="cannot be replied to"):
        comment_create(author=curator, paper=second, body="Elsewhere.", parent=top)


def test_edits_only_by_the_author_within_the_grace_period(curator, other_curator, settings):
    comment = comment_create(author=curator, paper=make_paper(), body="Frist.")
    with pytest.raises(PermissionDenied):
        comment_edit(comment=comment, editor=other_curator, body="Hijacked.")
    comment_edit(comment=comment, editor=curator, body="First.")
    comment.refresh_from_db()
    assert comment.body == "First." and comment.edited_at is not None
    Comment.objects.filter(pk=comment.pk).update(created_at=comment.created_at - timedelta(hours=1))
    comment.refresh_from_db()
    with pytest.raises(ValidationError, match="15 minutes"):
        comment_edit(comment=comment, editor=curator, body="Too late.")


def test_deleting_keeps_threads_and_the_count_follows(curator, other_curator):
    paper = make_paper()
    top = comment_create(author=curator, paper=paper, body="Question about eq. 3.")
    comment_create(author=other_curator, paper=paper, body="Answer.", parent=top)
    lonely = comment_create(author=curator, paper=paper, body="Unrelated.")
    with pytest.raises(PermissionDenied):
        comment_delete(comment=top, actor=other_curator)
    comment_delete(comment=top, actor=curator)
    comment_delete(comment=lonely, actor=curator)
    top.refresh_from_db()
    assert top.is_deleted and top.body == ""
    assert not Comment.objects.filter(pk=lonely.pk).exists()
    assert _count(paper) == 1  # the answer; "[deleted]" is not counted
    with pytest.raises(ValidationError):
        comment_create(author=other_curator, paper=paper, body="To a deleted one.", parent=top)


def test_replication_badge_rolls_up_visible_pointers(curator, other_curator, django_user_model):
    paper = make_paper()
    third = django_user_model.objects.create_user("third", password="x" * 12)
    _pointer(curator, paper, "reproduced")
    _pointer(other_curator, paper, "reproduced")
    failed = _pointer(third, paper, "failed")
    hidden = _pointer(third, paper, "attempted")
    Comment.objects.filter(pk=hidden.pk).update(is_hidden=True)
    rollup = paper_discussion(paper).replication
    assert rollup == {"attempted": 0, "reproduced": 2, "failed": 1}
    assert replication_summary(rollup) == "2 reproduced, 1 failed"
    comment_delete(comment=failed, actor=third)
    assert replication_summary(paper_discussion(paper).replication) == "2 reproduced"


def test_admin_lists_comments(admin_client, curator):
    comment_create(author=curator, paper=make_paper(), body="Visible to moderators.")
    html = admin_client.get("/admin/reviews/comment/").content.decode()
    assert "Quick note" in html


def test_a_replication_pointer_with_replies_is_deleted_without_its_link(curator, other_curator):
    paper = make_paper()
    pointer = comment_create(
        author=curator,
        paper=paper,
        kind="replication",
        body="Reproduced on 8 GPUs.",
        link="https://example.org/run",
        replication_status="reproduced",
    )
    comment_create(author=other_curator, paper=paper, body="Which seed?", parent=pointer)
    comment_delete(comment=pointer, actor=curator)
    pointer.refresh_from_db()
    assert pointer.is_deleted and (pointer.body, pointer.link, pointer.replication_status) == (
        "",
        "",
        "",
    )
    assert paper_discussion(paper).replication["reproduced"] == 0
