"""Curators report reviews, comments and public collections for moderators: once per item,
never their own."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from papers.models import Collection
from reviews.models import Comment, Report, ReportReason, Review


def report_create(
    *,
    reporter: AbstractBaseUser,
    target: Review | Comment | Collection,
    reason: str,
    details: str = "",
) -> Report:
    errors: dict[str, str] = {}
    details = str(details or "").replace("\x00", "").strip()
    if reason not in ReportReason.values:
        errors["reason"] = "Choose a reason: " + ", ".join(
            label for _, label in ReportReason.choices
        )
    if reason == ReportReason.OTHER and not details:
        errors["details"] = "Say what is wrong."
    if len(details) > Report.DETAILS_MAX:
        errors["details"] = f"Keep this within {Report.DETAILS_MAX} characters."
    owner_id = target.owner_id if isinstance(target, Collection) else target.author_id
    if owner_id == reporter.pk:
        errors["__all__"] = "You cannot report what you wrote yourself."
    if errors:
        raise ValidationError(errors)
    field = {Review: "review", Comment: "comment", Collection: "collection"}[type(target)]
    try:
        with transaction.atomic():
            return Report.objects.create(
                reporter=reporter, reason=reason, details=details, **{field: target}
            )
    except IntegrityError:
        raise ValidationError(
            {"__all__": "You have reported this already; moderators will look at it."},
            code="unique",
        ) from None
