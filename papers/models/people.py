from django.db import models
from django.db.models import Q


class Institution(models.Model):
    name = models.CharField(max_length=500)
    ror_id = models.CharField("ROR id", max_length=64, blank=True)
    country_code = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["ror_id"], condition=~Q(ror_id=""), name="institution_unique_ror"
            ),
            # arXiv gives affiliations as plain names: one row per name until ROR says more.
            models.UniqueConstraint(
                fields=["name"], condition=Q(ror_id=""), name="institution_unique_unresolved_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Author(models.Model):
    """A name as arXiv prints it. Variants ("A. Smith", "Alice Smith") stay separate until
    an admin merges them (papers.ingest.author_merge)."""

    name = models.CharField(max_length=300)
    orcid = models.CharField("ORCID iD", max_length=19, blank=True)
    openalex_id = models.CharField("OpenAlex id", max_length=32, blank=True)
    # Set on a merged-away row, always to an author that is not merged itself. The row keeps
    # its name and ids, so imports and enrichment that find it land on the survivor.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        db_index=False,  # author_merged_into_idx covers only the few merged rows
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            # Without an OpenAlex id the name is all we know, so one row per name.
            models.UniqueConstraint(
                fields=["name"], condition=Q(openalex_id=""), name="author_unique_unresolved_name"
            ),
            models.UniqueConstraint(
                fields=["openalex_id"], condition=~Q(openalex_id=""), name="author_unique_openalex"
            ),
        ]
        indexes = [
            # The authors merged into one (re-pointed when that one is merged in turn).
            models.Index(
                fields=["merged_into"],
                condition=Q(merged_into__isnull=False),
                name="author_merged_into_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Authorship(models.Model):
    """An author's place on a paper, with the institutions given for that paper."""

    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="authorships")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="authorships")
    position = models.PositiveSmallIntegerField(help_text="0 is the first author.")
    institutions = models.ManyToManyField(Institution, blank=True, related_name="authorships")

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "position"], name="authorship_unique_position"
            ),
        ]
        indexes = [
            # An author's papers.
            models.Index(fields=["author", "paper"], name="authorship_author_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.paper_id} (#{self.position + 1})"
