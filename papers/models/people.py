from django.db import models
from django.db.models import Q

from papers.ror import ROR_URL_PATTERN, ror_short


class Institution(models.Model):
    name = models.CharField(max_length=500)
    ror_id = models.CharField(
        "ROR id", max_length=64, blank=True, help_text="As a URL: https://ror.org/0abcdef12."
    )
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
            # One stored form (papers.ror), so that pages can link the value as it is.
            models.CheckConstraint(
                condition=Q(ror_id="") | Q(ror_id__regex=ROR_URL_PATTERN),
                name="institution_ror_id_canonical",
            ),
            models.CheckConstraint(
                condition=Q(country_code="") | Q(country_code__regex=r"^[A-Z]{2}$"),
                name="institution_country_code_alpha2",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def ror_short(self) -> str:
        return ror_short(self.ror_id)


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


class OpenAlexMatch(models.TextChoices):
    """How enrichment tied an authorship to OpenAlex's author (papers.ingest.author_match)."""

    NOT_CHECKED = "", "not checked"
    EXACT = "exact", "exact name"
    NORMALISED = "normalised", "same name, written differently"
    PARTIAL = "partial", "same given name, a middle name on one side only"
    INITIALS = "initials", "initials consistent with the full name"
    UNMATCHED = "unmatched", "no OpenAlex author fits"
    AMBIGUOUS = "ambiguous", "several OpenAlex authors fit"

    @classmethod
    def matched(cls) -> list[str]:
        return [cls.EXACT, cls.NORMALISED, cls.PARTIAL, cls.INITIALS]

    @classmethod
    def needs_review(cls) -> list[str]:
        return [cls.UNMATCHED, cls.AMBIGUOUS]


class Authorship(models.Model):
    """An author's place on a paper, with the institutions given for that paper."""

    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="authorships")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="authorships")
    position = models.PositiveSmallIntegerField(help_text="0 is the first author.")
    institutions = models.ManyToManyField(
        Institution, blank=True, related_name="authorships", through="AuthorshipInstitution"
    )
    openalex_match = models.CharField(
        "OpenAlex match",
        max_length=16,
        blank=True,
        choices=OpenAlexMatch.choices,
        default=OpenAlexMatch.NOT_CHECKED,
        db_default=OpenAlexMatch.NOT_CHECKED,
    )
    openalex_match_reason = models.CharField(
        "why", max_length=300, blank=True, default="", db_default=""
    )
    # The OpenAlex names this authorship was weighed against, for staff reviewing a match.
    # Database defaults too: imports COPY authorships without these columns.
    openalex_candidates = models.JSONField(
        "OpenAlex candidates",
        default=list,
        blank=True,
        db_default=models.Value([], models.JSONField()),
    )

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
            # Staff's list of matches to review (admin), a few rows among many.
            models.Index(
                fields=["openalex_match"],
                condition=Q(openalex_match__in=OpenAlexMatch.needs_review()),
                name="authorship_review_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.paper_id} (#{self.position + 1})"

    @property
    def affiliations(self) -> list[Institution]:
        """Its institutions in the paper's order, the primary one first. Reads the
        ``institution_links`` prefetch (papers.catalogue.selectors) when there is one."""
        return [link.institution for link in self.institution_links.all()]


def institution_links_prefetch() -> models.Prefetch:
    """An authorship's institutions in the paper's order, primary first, for
    ``Authorship.affiliations`` (a plain prefetch of the many-to-many sorts them by name)."""
    return models.Prefetch(
        "institution_links",
        queryset=AuthorshipInstitution.objects.select_related("institution").order_by("position"),
    )


class AuthorshipInstitution(models.Model):
    """An institution an author gave on a paper, in the order given: position 0 is primary."""

    class Source(models.TextChoices):
        ARXIV = "arxiv", "arXiv"
        OPENALEX = "openalex", "OpenAlex"

    authorship = models.ForeignKey(
        Authorship, on_delete=models.CASCADE, related_name="institution_links"
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="authorship_links"
    )
    position = models.PositiveSmallIntegerField(help_text="0 is the primary affiliation.")
    # Enrichment replaces what OpenAlex said and keeps what arXiv said.
    source = models.CharField(
        max_length=16, choices=Source.choices, default=Source.ARXIV, db_default=Source.ARXIV
    )

    class Meta:
        db_table = "papers_authorship_institutions"  # the table of the former plain m2m
        ordering = ["position"]
        unique_together = [("authorship", "institution")]
        constraints = [
            # Deferred, so that a list is reordered in one transaction without clashes.
            models.UniqueConstraint(
                fields=["authorship", "position"],
                name="authorshipinstitution_unique_position",
                deferrable=models.Deferrable.DEFERRED,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} for {self.authorship_id} (#{self.position + 1})"

    @property
    def is_primary(self) -> bool:
        return self.position == 0
