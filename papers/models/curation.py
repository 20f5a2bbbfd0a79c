"""What curators do with papers. The services that change these rows keep Paper's counters."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from papers.curation.reaction_kinds import ReactionKind


class Vote(models.Model):
    class Value(models.IntegerChoices):
        LIKE = 1, "Like"
        DISLIKE = -1, "Dislike"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="votes"
    )
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(choices=Value.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "paper"], name="vote_one_per_user_paper"),
            models.CheckConstraint(
                condition=Q(value__in=[1, -1]), name="vote_value_like_or_dislike"
            ),
        ]
        indexes = [models.Index(fields=["paper", "value"], name="vote_paper_value_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.get_value_display()} {self.paper_id}"


class Reaction(models.Model):
    """One of the fixed scholarly reactions (papers/reactions.py), by one curator on one paper.

    Counts are computed from these rows when a page is rendered (one grouped query per
    paper), not kept as counters, so they are always exact. Toggles of one paper are
    serialised on the paper's row lock (as votes and saves are): a double click flips twice.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="reactions")
    kind = models.CharField(max_length=32, choices=ReactionKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "paper", "kind"], name="reaction_one_per_user_paper_kind"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ReactionKind.values), name="reaction_kind_known"
            ),
        ]
        indexes = [models.Index(fields=["paper", "kind"], name="reaction_paper_kind_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.paper_id}"


class CollectionQuerySet(models.QuerySet):
    # Collections anyone may see: public, not hidden by a moderator, of an active account (a
    # spam account's are gone from every public place while it is deactivated).
    PUBLIC = Q(is_public=True, is_hidden=False, owner__is_active=True)

    def public(self) -> "CollectionQuerySet":
        return self.filter(self.PUBLIC)


class Collection(models.Model):
    """A curator's named list of papers. Private unless made public; public ones have a
    stable address by id, so renaming keeps links working."""

    NAME_MAX = 120
    DESCRIPTION_MAX = 2000
    DEFAULT_NAME = "Saved"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collections"
    )
    name = models.CharField(max_length=NAME_MAX)
    description = models.TextField(max_length=DESCRIPTION_MAX, blank=True)
    is_public = models.BooleanField(default=False)
    is_default = models.BooleanField(default=False, help_text="Where one-click saves go.")
    # Hidden by a moderator: gone from every public place; its owner still sees it.
    is_hidden = models.BooleanField(default=False)
    papers = models.ManyToManyField("papers.Paper", through="CollectionItem", related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = CollectionQuerySet.as_manager()

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="collection_unique_name"),
            models.UniqueConstraint(
                fields=["owner"], condition=Q(is_default=True), name="collection_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("collections:detail", args=[self.pk])


class CollectionItem(models.Model):
    """A saved paper: a paper in one of a user's collections."""

    NOTE_MAX = 2000

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="saves")
    note = models.TextField(max_length=NOTE_MAX, blank=True)
    position = models.PositiveIntegerField(default=0)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "added_at"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "paper"], name="collectionitem_unique"),
        ]
        indexes = [
            models.Index(fields=["paper"], name="collectionitem_paper_idx"),
            models.Index(fields=["collection", "position"], name="collectionitem_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} in {self.collection_id}"
