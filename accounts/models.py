from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A BZPEER user. Every logged-in user is a curator; staff moderate in the admin."""

    display_name = models.CharField(max_length=150, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.username
