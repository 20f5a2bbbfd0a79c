"""Moderation services: hiding, restoring, dismissing and marking spam change what the
public sees and the counts, close reports, write the log, and refuse whoever may not."""

from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from papers.models import Paper
from reviews.discussion.services import comment_create
from reviews.models import (
    Comment,
    ModerationAction,
    Report,
    ReportStatus,
    Review,
)
from reviews.moderation.reports import report_create
from reviews.moderation.services import (
    can_moderate,
    items_hide,
    items_restore,
    reports_dismiss,
    user_mark_spam,
    users_mark_spam,
)
from reviews.reviews.services import ReviewText, review_create, review_delete
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

REASON = "Advertising links, reported twice."


def _moderators() -> Group:
    # get_or_create: a flushed database (after browser tests) has lost the migrated group.
    return Group.objects.get_or_create(name="Moderators")[0]


@pytest.fixture
def moderator(django_user_model):
    user = django_user_model.objects.create_user("mod", password="m" * 12)
    user.groups.add(_moderators())
    return user


@pytest.fixture
def paper():
    return make_paper()


@pytest.fixture
def review(paper, curator):
    text = ReviewText("skim", 2, strengths="Cheap GPUs at example.com.")
    return review_create(author=curator, paper=paper, text=text)


@pytest.fixture
def comment(paper, curator):
    return comment_create(author=curator, paper=paper, body="Buy cheap GPUs here.")


@pytest.fixture
def reports(review, comment, other_curator):
    return [
        report_create(reporter=other_curator, target=review, reason="spam"),
        report_create(reporter=other_curator, target=comment, reason="spam"),
    ]


def _counts(paper) -> tuple[int, int]:
    paper.refresh_from_db()
    return paper.review_count, paper.comment_count


def _state() -> tuple:
    """Everything a refused call must leave alone."""
    return (
        list(Review.objects.order_by("pk").values_list("pk", "is_hidden")),
        list(Comment.objects.order_by("pk").values_list("pk", "is_hidden")),
        list(Report.objects.order_by("pk").values_list("pk", "status", "resolved_at")),
        list(Paper.objects.order_by("pk").values_list("review_count", "comment_count")),
        ModerationAction.objects.count(),
    )


def test_who_can_moderate(django_user_model, moderator, curator):
    staff = django_user_model.objects.create_user("staff", password="s" * 12, is_staff=True)
    root = django_user_model.objects.create_superuser("root", "root@example.org", "r" * 12)
    retired = django_user_model.objects.create_user("retired", password="r" * 12, is_active=False)
    retired.groups.add(_moderators())
    assert [can_moderate(u) for u in (moderator, staff, root)] == [True, True, True]
    assert [can_moderate(u) for u in (curator, retired, AnonymousUser(), None)] == [False] * 4


def test_hiding_hides_closes_the_reports_fixes_the_counts_and_logs(
    paper, review, comment, reports, moderator, curator, other_curator
):
    untouched = comment_create(author=other_curator, paper=paper, body="A fair question.")
    assert _counts(paper) == (1, 2)

    outcome = items_hide(moderator=moderator, items=[review, comment], reason=f"  {REASON}\n")

    assert outcome == (2, 2)
    review.refresh_from_db()
    comment.refresh_from_db()
    untouched.refresh_from_db()
    assert review.is_hidden and comment.is_hidden and not untouched.is_hidden
    assert _counts(paper) == (0, 1)
    for report in reports:
        report.refresh_from_db()
        assert report.status == ReportStatus.ACTIONED and report.resolved_at is not None
    entries = {(e.review_id, e.comment_id): e for e in ModerationAction.objects.all()}
    assert set(entries) == {(review.pk, None), (None, comment.pk)}
    for entry in entries.values():
        assert entry.action == "hide"
        assert entry.actor == moderator and entry.actor_repr == "mod"
        assert entry.target_user == curator
        assert entry.reason == REASON
        assert entry.created_at is not None
    assert entries[(None, comment.pk)].details == {
        "was_hidden": False,
        "reports_actioned": [reports[1].pk],
    }
    assert entries[(None, comment.pk)].target_repr == (
        f"Comment #{comment.pk} by curator on {paper.arxiv_id}: “Buy cheap GPUs here.”"
    )


def test_hiding_a_hidden_item_closes_only_new_reports(
    comment, reports, moderator, django_user_model
):
    items_hide(moderator=moderator, items=[comment], reason=REASON)
    late = django_user_model.objects.create_user("late", password="l" * 12)
    late_report = report_create(reporter=late, target=comment, reason="abuse")

    outcome = items_hide(moderator=moderator, items=[comment], reason="Reported again.")

    assert outcome == (0, 1)
    late_report.refresh_from_db()
    assert late_report.status == ReportStatus.ACTIONED
    entry = ModerationAction.objects.first()  # newest first
    assert entry.reason == "Reported again."
    assert entry.details == {"was_hidden": True, "reports_actioned": [late_report.pk]}
    # Nothing new to close: nothing happens and nothing is logged.
    assert items_hide(moderator=moderator, items=[comment], reason=REASON) == (0, 0)
    assert ModerationAction.objects.count() == 2


def test_restoring_shows_items_again(paper, review, comment, reports, moderator):
    items_hide(moderator=moderator, items=[review, comment], reason=REASON)
    assert _counts(paper) == (0, 0)

    restored = items_restore(moderator=moderator, items=[review, comment], reason="Appeal upheld.")

    assert restored == 2
    assert _counts(paper) == (1, 1)
    assert not Review.objects.get(pk=review.pk).is_hidden
    assert not Comment.objects.get(pk=comment.pk).is_hidden
    # The reports stay closed: they were acted on.
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.ACTIONED}
    restores = ModerationAction.objects.filter(action="restore")
    assert sorted(restores.values_list("reason", flat=True)) == ["Appeal upheld."] * 2
    assert items_restore(moderator=moderator, items=[review], reason="Again.") == 0
    assert restores.count() == 2


def test_dismissing_closes_reports_and_leaves_the_items(
    paper, review, comment, reports, moderator, other_curator
):
    dismissed = reports_dismiss(moderator=moderator, reports=reports, reason="Not spam.")

    assert dismissed == 2
    for report in reports:
        report.refresh_from_db()
        assert report.status == ReportStatus.DISMISSED and report.resolved_at is not None
    assert not Review.objects.get(pk=review.pk).is_hidden
    assert _counts(paper) == (1, 1)
    entries = ModerationAction.objects.filter(action="dismiss_report")
    assert sorted(entries.values_list("report_id", flat=True)) == sorted(r.pk for r in reports)
    entry = entries.get(report=reports[1])
    assert entry.comment == comment and entry.details["reporter"] == other_curator.username
    assert entry.target_repr.startswith(f"Report #{reports[1].pk} (Spam or advertising) by other")
    # A closed report is not dismissed twice.
    assert reports_dismiss(moderator=moderator, reports=reports, reason="Again.") == 0


def test_marking_spam_deactivates_and_hides_everything_in_one_step(
    client, paper, review, comment, reports, moderator, curator, other_curator
):
    elsewhere = make_paper()
    far_comment = comment_create(author=curator, paper=elsewhere, body="More cheap GPUs.")
    kept = comment_create(author=other_curator, paper=paper, body="A fair question.")
    client.force_login(curator)
    assert "Buy cheap GPUs here." in client.get(paper.get_absolute_url()).content.decode()

    entry = user_mark_spam(moderator=moderator, user=curator, reason=REASON)

    curator.refresh_from_db()
    assert not curator.is_active
    assert set(Review.objects.filter(is_hidden=True).values_list("pk", flat=True)) == {review.pk}
    assert set(Comment.objects.filter(is_hidden=True).values_list("pk", flat=True)) == {
        comment.pk,
        far_comment.pk,
    }
    assert not Comment.objects.get(pk=kept.pk).is_hidden
    assert _counts(paper) == (0, 1)
    assert _counts(elsewhere) == (0, 0)
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.ACTIONED}
    assert ModerationAction.objects.get() == entry
    assert entry.action == "mark_spam" and entry.target_user == curator
    assert entry.target_repr == f"User curator (#{curator.pk})"
    assert entry.details == {
        "was_active": True,
        "reviews_hidden": [review.pk],
        "comments_hidden": [comment.pk, far_comment.pk],
        "reports_actioned": sorted(r.pk for r in reports),
    }
    # The spammer's session no longer signs them in, so they see what the public sees.
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "Buy cheap GPUs here." not in html and "A fair question." in html


@pytest.mark.parametrize(
    "call",
    [
        lambda m, w: items_hide(moderator=m, items=[w["comment"]], reason=REASON),
        lambda m, w: items_restore(moderator=m, items=[w["comment"]], reason=REASON),
        lambda m, w: reports_dismiss(moderator=m, reports=w["reports"], reason=REASON),
        lambda m, w: user_mark_spam(moderator=m, user=w["spammer"], reason=REASON),
    ],
    ids=["hide", "restore", "dismiss", "spam"],
)
def test_only_moderators_moderate(
    call, comment, reports, curator, other_curator, django_user_model
):
    Comment.objects.filter(pk=comment.pk).update(is_hidden=True)  # so restoring would change it
    retired = django_user_model.objects.create_user("retired", password="r" * 12, is_active=False)
    retired.groups.add(_moderators())
    world = {"comment": comment, "reports": reports, "spammer": curator}
    before = _state()
    for refused in (other_curator, retired, AnonymousUser()):
        with pytest.raises(PermissionDenied, match="Only moderators"):
            call(refused, world)
    assert _state() == before


def test_spam_refusals(comment, moderator, curator, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "r" * 12)
    staff = django_user_model.objects.create_user("staff", password="s" * 12, is_staff=True)
    colleague = django_user_model.objects.create_user("colleague", password="c" * 12)
    colleague.groups.add(_moderators())
    comment_create(author=colleague, paper=comment.paper, body="Moderator's own note.")
    before = _state()
    cases = [
        (moderator, moderator, "cannot mark yourself"),
        (root, root, "cannot mark yourself"),
        (moderator, root, "root is a superuser"),
        (staff, root, "root is a superuser"),
        (moderator, staff, "only a superuser"),
        (moderator, colleague, "only a superuser"),
    ]
    for actor, target, message in cases:
        with pytest.raises(PermissionDenied, match=message):
            user_mark_spam(moderator=actor, user=target, reason=REASON)
    assert _state() == before
    assert all(u.is_active for u in django_user_model.objects.all())
    # A superuser may stop a moderator who turned spammer.
    user_mark_spam(moderator=root, user=colleague, reason=REASON)
    colleague.refresh_from_db()
    assert not colleague.is_active
    assert Comment.objects.get(author=colleague).is_hidden


def test_marking_several_is_all_or_nothing(comment, moderator, curator, django_user_model):
    colleague = django_user_model.objects.create_user("colleague", password="c" * 12)
    colleague.groups.add(_moderators())
    before = _state()
    with pytest.raises(PermissionDenied, match="only a superuser"):
        users_mark_spam(moderator=moderator, users=[curator, colleague], reason=REASON)
    assert _state() == before
    curator.refresh_from_db()
    assert curator.is_active


@pytest.mark.parametrize(
    ("reason", "message"), [("", "Say why"), (" \n ", "Say why"), ("x" * 1001, "within 1000")]
)
def test_a_reason_is_required(comment, reports, moderator, reason, message):
    before = _state()
    calls = [
        lambda: items_hide(moderator=moderator, items=[comment], reason=reason),
        lambda: items_restore(moderator=moderator, items=[comment], reason=reason),
        lambda: reports_dismiss(moderator=moderator, reports=reports, reason=reason),
        lambda: user_mark_spam(moderator=moderator, user=comment.author, reason=reason),
    ]
    for call in calls:
        with pytest.raises(ValidationError, match=message) as caught:
            call()
        assert "reason" in caught.value.message_dict
    assert _state() == before


def test_the_log_survives_what_it_describes(paper, review, moderator, curator):
    review_pk = review.pk
    items_hide(moderator=moderator, items=[review], reason=REASON)
    review_delete(review=review)
    moderator.delete()
    entry = ModerationAction.objects.get()
    assert entry.review is None and entry.actor is None
    assert entry.actor_repr == "mod" and entry.target_repr.startswith(f"Review #{review_pk} by")
    assert entry.target_user == curator


def test_the_log_needs_a_known_action_and_a_reason(moderator):
    fields = {"actor": moderator, "actor_repr": "mod", "target_repr": "x"}
    with pytest.raises(IntegrityError), transaction.atomic():
        ModerationAction.objects.create(action="hide", reason="", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        ModerationAction.objects.create(action="delete_everything", reason="Why not.", **fields)


def test_the_moderators_group_gets_moderation_permissions_only():
    group = _moderators()
    group.permissions.clear()
    migration = import_module("reviews.migrations.0005_moderators_permissions")
    editor = SimpleNamespace(connection=connection)
    for _ in range(2):  # running it again changes nothing
        migration.grant(apps, editor)
    granted = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert granted == {
        ("reviews", codename)
        for codename in (
            "view_review",
            "change_review",
            "view_comment",
            "change_comment",
            "view_report",
            "change_report",
            "view_moderationaction",
            "view_reviewrevision",
            "view_reviewconcern",
        )
    }
    # The permissions are Django's own rows, not look-alikes.
    assert Permission.objects.filter(codename="view_moderationaction").count() == 1
    migration.revoke(apps, editor)
    assert not group.permissions.exists()
