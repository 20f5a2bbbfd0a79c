"""Review rules: the template's required parts, one review per curator and paper, versions,
concerns addressed later, edit history, and the paper's exact review count."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from papers.ingest.upsert import paper_upsert
from papers.models import Paper
from reviews.models import Review, ReviewConcern, ReviewRevision
from reviews.reviews.services import (
    ReviewText,
    concern_mark_addressed,
    review_counts_refresh,
    review_create,
    review_delete,
    review_update,
)
from tests.support.concurrency import run_at_once
from tests.support.factories import make_paper, paper_record

pytestmark = pytest.mark.django_db


def _text(**overrides) -> ReviewText:
    values = {
        "recommendation": "worth_reading",
        "confidence": 4,
        "claims": "Scaling laws hold over seven orders of magnitude.",
        "strengths": "Careful ablations.",
        "concerns": ["Only one model family.", "No error bars on figure 3."],
        "method_questions": "How was the learning rate tuned?",
    }
    return ReviewText(**(values | overrides))


def _review_count(paper) -> int:
    return Paper.objects.values_list("review_count", flat=True).get(pk=paper.pk)


def test_a_review_records_its_version_concerns_and_the_count(curator):
    paper = make_paper(version=2)
    review = review_create(author=curator, paper=paper, text=_text())
    assert review.paper_version == 2
    assert [c.text for c in review.concerns.all()] == [
        "Only one model family.",
        "No error bars on figure 3.",
    ]
    assert _review_count(paper) == 1


def test_at_least_one_strength_concern_or_question_is_required(curator):
    paper = make_paper()
    with pytest.raises(ValidationError) as caught:
        review_create(
            author=curator,
            paper=paper,
            text=_text(strengths=" ", concerns=["", "  "], method_questions=""),
        )
    assert "strengths" in caught.value.message_dict
    assert not Review.objects.exists() and _review_count(paper) == 0
    # Any one of the three is enough.
    review_create(
        author=curator, paper=paper, text=_text(strengths="", concerns=[], method_questions="Why?")
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"recommendation": "read it"}, "recommendation"),
        ({"confidence": 0}, "confidence"),
        ({"confidence": 6}, "confidence"),
        ({"confidence": "high"}, "confidence"),
        ({"reproducibility": "maybe"}, "reproducibility"),
        ({"claims": "x" * 10_001}, "claims"),
        ({"concerns": ["c"] * 31}, "concerns"),
    ],
)
def test_bad_fields_are_named(curator, overrides, field):
    with pytest.raises(ValidationError) as caught:
        review_create(author=curator, paper=make_paper(), text=_text(**overrides))
    assert field in caught.value.message_dict
    assert not Review.objects.exists()


def test_one_review_per_curator_and_paper(curator, other_curator):
    paper = make_paper()
    review_create(author=curator, paper=paper, text=_text())
    with pytest.raises(ValidationError, match="edit your review"):
        review_create(author=curator, paper=paper, text=_text())
    review_create(author=other_curator, paper=paper, text=_text())
    assert _review_count(paper) == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            author=curator, paper=paper, paper_version=1, recommendation="skim", confidence=3
        )


def test_edits_keep_the_previous_text_in_the_history(curator):
    paper = make_paper()
    review = review_create(author=curator, paper=paper, text=_text())
    review_update(
        review=review, text=_text(strengths="Clear writing.", concerns=["Only one model family."])
    )
    review.refresh_from_db()
    assert review.strengths == "Clear writing." and review.edited_at is not None
    revision = ReviewRevision.objects.get(review=review)
    assert revision.snapshot["strengths"] == "Careful ablations."
    assert revision.snapshot["concerns"] == ["Only one model family.", "No error bars on figure 3."]
    assert _review_count(paper) == 1


def test_concerns_are_addressed_only_by_a_newer_version(curator):
    paper = make_paper(arxiv_id="2401.77777", version=1)
    review = review_create(author=curator, paper=paper, text=_text())
    first = review.concerns.first()
    with pytest.raises(ValidationError, match="no version newer than v1"):
        concern_mark_addressed(concern=first, addressed=True)
    paper_upsert(record=paper_record(arxiv_id="2401.77777", version=3))
    concern_mark_addressed(concern=first, addressed=True)
    assert ReviewConcern.objects.get(pk=first.pk).addressed_in_version == 3
    # An unchanged concern keeps its mark through an edit; a rewritten one starts afresh.
    review_update(review=review, text=_text(concerns=["Only one model family.", "New one."]))
    marks = list(review.concerns.values_list("text", "addressed_in_version"))
    assert marks == [("Only one model family.", 3), ("New one.", None)]
    concern_mark_addressed(concern=review.concerns.first(), addressed=False)
    assert review.concerns.first().addressed_in_version is None


def test_delete_and_hidden_reviews_leave_the_count(curator, other_curator):
    paper = make_paper()
    mine = review_create(author=curator, paper=paper, text=_text())
    review_create(author=other_curator, paper=paper, text=_text())
    review_delete(review=mine)
    assert _review_count(paper) == 1
    Review.objects.update(is_hidden=True)
    review_counts_refresh([paper.pk])
    assert _review_count(paper) == 0


@pytest.mark.django_db(transaction=True)
def test_many_reviewers_at_once_count_exactly(django_user_model):
    paper = make_paper()
    users = [django_user_model.objects.create_user(f"r{i}", password="x" * 12) for i in range(20)]
    _, errors = run_at_once(
        [lambda user=user: review_create(author=user, paper=paper, text=_text()) for user in users]
    )
    assert errors == []
    assert _review_count(paper) == Review.objects.count() == 20


@pytest.mark.django_db(transaction=True)
def test_a_double_submit_makes_one_review(curator):
    paper = make_paper()
    results, errors = run_at_once(
        [lambda: review_create(author=curator, paper=paper, text=_text())] * 10
    )
    assert len(results) == 1 and len(errors) == 9
    assert all(isinstance(e, ValidationError) for e in errors)
    assert _review_count(paper) == 1


def test_admin_shows_a_review_with_its_history(admin_client, curator):
    review = review_create(author=curator, paper=make_paper(), text=_text())
    review_update(review=review, text=_text(strengths="Edited."))
    html = admin_client.get(f"/admin/reviews/review/{review.pk}/change/").content.decode()
    assert "Careful ablations." in html  # the earlier text, in the history
    assert admin_client.get("/admin/reviews/review/").status_code == 200


def test_the_counts_refresh_repairs_review_and_comment_counts(curator, other_curator):
    from papers.catalogue.counts import paper_counts_refresh
    from reviews.discussion.services import comment_create

    paper = make_paper()
    review_create(author=curator, paper=paper, text=ReviewText("skim", 3, strengths="Good."))
    hidden = review_create(
        author=other_curator, paper=paper, text=ReviewText("skip", 2, strengths="Hidden.")
    )
    Review.objects.filter(pk=hidden.pk).update(is_hidden=True)
    comment_create(author=curator, paper=paper, body="Shown")
    assert paper_counts_refresh(paper_ids=[paper.pk]) == 1  # the hidden review was counted
    Paper.objects.filter(pk=paper.pk).update(comment_count=9)
    assert paper_counts_refresh(paper_ids=[paper.pk]) == 1
    assert Paper.objects.values_list("review_count", "comment_count").get(pk=paper.pk) == (1, 1)
    assert paper_counts_refresh(paper_ids=[paper.pk]) == 0
