from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q

from accounts.notifications.models import Notification, NotificationKind
from accounts.validators import validate_orcid

__all__ = ["BIO_MAX_LENGTH", "Notification", "NotificationKind", "User"]

BIO_MAX_LENGTH = 1000


class User(AbstractUser):
    """A BZPEER user. Every logged-in user is a curator; staff moderate in the admin."""

    display_name = models.CharField(max_length=150, blank=True)
    affiliation = models.CharField(max_length=200, blank=True)
    # Stored bare (0000-0002-1825-0097); the profile page builds the orcid.org link.
    orcid = models.CharField("ORCID iD", max_length=19, blank=True, validators=[validate_orcid])
    # A TextField has no length limit in PostgreSQL: the validator keeps bios short.
    bio = models.TextField(blank=True, validators=[MaxLengthValidator(BIO_MAX_LENGTH)])

    # Which notifications the user receives: both on the notifications page and in the digest.
    notify_new_reviews = models.BooleanField(
        "New reviews of papers I saved",
        default=True,
        help_text="When someone reviews a paper that is in one of your collections.",
    )
    notify_replies = models.BooleanField(
        "Replies to my comments",
        default=True,
        help_text="When someone replies to one of your discussion comments.",
    )

    class Meta(AbstractUser.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["orcid"],
                condition=~Q(orcid=""),
                name="accounts_user_orcid_unique_when_set",
                violation_error_message="Another BZPEER account already has this ORCID iD.",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def orcid_url(self) -> str:
        return f"https://orcid.org/{self.orcid}" if self.orcid else ""
