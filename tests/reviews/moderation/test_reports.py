"""Reports: one per curator and item, never of one's own writing, reasons checked."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from reviews.discussion.services import comment_create
from reviews.models import Report
from reviews.moderation.reports import report_create
from reviews.reviews.services import ReviewText, review_create
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(curator):
    paper = make_paper()
    review = review_create(
        author=curator,
        paper=paper,
        text=ReviewText(recommendation="skim", confidence=2, strengths="Short."),
    )
    comment = comment_create(author=curator, paper=paper, body="Buy cheap GPUs here.")
    return review, comment


def test_one_report_per_curator_and_item(items, other_curator):
    for item in items:
        report = report_create(reporter=other_curator, target=item, reason="spam")
        assert report.target == item and report.status == "open"
        with pytest.raises(ValidationError, match="reported this already"):
            report_create(reporter=other_curator, target=item, reason="abuse")
    assert Report.objects.count() == 2


def test_authors_cannot_report_their_own_items(items, curator):
    for item in items:
        with pytest.raises(ValidationError, match="wrote yourself"):
            report_create(reporter=curator, target=item, reason="spam")
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("reason", "details", "field"),
    [("rude", "", "reason"), ("other", "  ", "details"), ("spam", "x" * 1001, "details")],
)
def test_reasons_and_details_are_checked(items, other_curator, reason, details, field):
    with pytest.raises(ValidationError) as caught:
        report_create(reporter=other_curator, target=items[1], reason=reason, details=details)
    assert field in caught.value.message_dict


def test_a_report_has_exactly_one_target(items, other_curator):
    review, comment = items
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(reporter=other_curator, review=review, comment=comment, reason="spam")
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(reporter=other_curator, reason="spam")
