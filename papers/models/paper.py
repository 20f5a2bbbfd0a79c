from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse

from papers.arxiv.categories import category_name


class Topic(models.Model):
    """A subject a paper belongs to: an arXiv category now, OpenAlex topics later."""

    class Kind(models.TextChoices):
        ARXIV = "arxiv", "arXiv category"
        OPENALEX = "openalex", "OpenAlex topic"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ARXIV)
    code = models.CharField(max_length=64, help_text="cs.LG for arXiv; T10028 for OpenAlex.")
    name = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="topic_unique_kind_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.name})" if self.name and self.name != self.code else self.code

    @property
    def display_name(self) -> str:
        return self.name or category_name(self.code)


class PaperQuerySet(models.QuerySet):
    def latest_first(self) -> "PaperQuerySet":
        return self.order_by("-published", "-id")

    def in_category(self, code: str) -> "PaperQuerySet":
        return self.filter(topics__kind=Topic.Kind.ARXIV, topics__code=code).distinct()


class MetadataSource(models.TextChoices):
    ARXIV_API = "arxiv-api", "arXiv API"
    ARXIV_OAI = "arxiv-oai", "arXiv OAI-PMH"
    FILE = "file", "imported file"
    DEMO = "demo", "demo data"
    SYNTHETIC = "synthetic", "synthetic data"


class DatePrecision(models.TextChoices):
    SECOND = "second", "exact time"
    # A day of arXiv's calendar (US Eastern), stored as its midnight there.
    DAY = "day", "day only (US Eastern)"


class Paper(models.Model):
    """One arXiv paper, keyed by its versionless id; the fields follow its latest version."""

    arxiv_id = models.CharField(max_length=40, unique=True, help_text="Versionless, canonical.")
    version = models.PositiveSmallIntegerField(
        default=1, help_text="Latest version we know of (at least this one when not known)."
    )
    version_known = models.BooleanField(
        default=True,
        help_text="Whether the latest version's number is known; a source giving only dates "
        "says there is at least ``version``.",
    )
    title = models.TextField()
    abstract = models.TextField(blank=True, help_text="Paragraphs apart by a blank line.")
    published = models.DateTimeField(help_text="Date of version 1.")
    published_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.SECOND
    )
    updated = models.DateTimeField(help_text="Date of the latest version.")
    updated_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.SECOND
    )
    # Which record gave each group of fields, as papers/ingest/precedence.py weighs them.
    provenance = models.JSONField(default=dict, blank=True, editable=False)
    primary_category = models.CharField(max_length=32, blank=True)
    topics = models.ManyToManyField(Topic, through="PaperTopic", related_name="papers")
    doi = models.CharField("DOI", max_length=255, blank=True)
    journal_ref = models.TextField("journal reference", blank=True)
    comment = models.TextField(blank=True)
    license = models.URLField(max_length=255, blank=True)
    is_open_access = models.BooleanField(default=True, help_text="arXiv papers are free to read.")
    withdrawn = models.BooleanField(default=False, help_text="The latest version is a withdrawal.")
    code_url = models.URLField("code URL", max_length=500, blank=True)
    dataset_url = models.URLField("dataset URL", max_length=500, blank=True)
    citation_count = models.PositiveIntegerField(default=0)

    # Where the metadata came from, and OpenAlex enrichment (stored; pages never call out).
    metadata_source = models.CharField(
        max_length=16, choices=MetadataSource.choices, default=MetadataSource.FILE
    )
    metadata_fetched_at = models.DateTimeField(null=True, blank=True)
    openalex_id = models.CharField("OpenAlex id", max_length=32, blank=True)
    referenced_works_count = models.PositiveIntegerField(
        default=0, help_text="References OpenAlex lists, held here or not."
    )
    referenced_openalex_ids = models.JSONField(
        default=list,
        blank=True,
        help_text="OpenAlex ids of the works this paper references, held here or not yet.",
    )
    enriched_at = models.DateTimeField(null=True, blank=True)
    enrichment_error = models.TextField(blank=True)
    # Title (A), authors' names (B) and abstract (C) as one weighted tsvector, kept by
    # papers/search.py (search_documents_refresh) so a search reads it instead of building
    # it for every match. PostgreSQL only; stays empty elsewhere.
    search_document = SearchVectorField(null=True, editable=False)

    # Denormalised counters, kept by the curation services; paper_counts_refresh repairs them.
    like_count = models.PositiveIntegerField(default=0)
    dislike_count = models.PositiveIntegerField(default=0)
    save_count = models.PositiveIntegerField(default=0)
    review_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = PaperQuerySet.as_manager()

    class Meta:
        ordering = ["-published", "-id"]
        indexes = [
            # Home page and API list: latest first.
            models.Index(fields=["-published", "-id"], name="paper_latest_idx"),
            # API filter by primary category, latest first.
            models.Index(fields=["primary_category", "-published"], name="paper_category_idx"),
            # Look-ups by DOI (OpenAlex enrichment), only for papers that have one.
            models.Index(Lower("doi"), condition=~Q(doi=""), name="paper_doi_idx"),
            # Matching OpenAlex references to papers we hold.
            models.Index(
                fields=["openalex_id"], condition=~Q(openalex_id=""), name="paper_openalex_idx"
            ),
            # Citation refresh: least recently enriched first.
            models.Index(fields=["enriched_at", "id"], name="paper_enriched_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(version__gte=1), name="paper_version_positive"),
            models.CheckConstraint(condition=~Q(arxiv_id=""), name="paper_arxiv_id_not_empty"),
            models.CheckConstraint(
                condition=Q(updated__gte=models.F("published")),
                name="paper_updated_after_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.arxiv_id}: {self.title[:80]}"

    def get_absolute_url(self) -> str:
        return reverse("papers:detail", kwargs={"arxiv_id": self.arxiv_id})

    def get_item_url(self, anchor: str) -> str:
        """The page opened at one review or comment (``anchor`` "review-45", "comment-123"):
        with every item listed, as a plain visit lists only the first of a long discussion."""
        return f"{self.get_absolute_url()}?show=all#{anchor}"

    @property
    def version_label(self) -> str:
        """ "v7", or "v3 or later" when only a lower bound is known."""
        return f"v{self.version}" if self.version_known else f"v{self.version} or later"

    @property
    def _version_suffix(self) -> str:
        # An unknown latest version: arXiv's versionless address is always the latest.
        return f"v{self.version}" if self.version_known else ""

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}{self._version_suffix}"

    @property
    def pdf_url(self) -> str | None:
        # A withdrawal has no PDF; earlier versions stay reachable from the abstract page.
        return (
            None
            if self.withdrawn
            else f"https://arxiv.org/pdf/{self.arxiv_id}{self._version_suffix}"
        )

    @property
    def is_journal_article(self) -> bool:
        return bool(self.journal_ref)

    @property
    def kind_label(self) -> str:
        return "journal article" if self.is_journal_article else "preprint"


class PaperTopic(models.Model):
    class Source(models.TextChoices):
        ARXIV = "arxiv", "arXiv"
        OPENALEX = "openalex", "OpenAlex"

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="paper_topics")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="paper_topics")
    position = models.PositiveSmallIntegerField(help_text="0 is the primary category.")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.ARXIV)
    score = models.FloatField(null=True, blank=True, help_text="OpenAlex topic score.")
    is_primary = models.BooleanField(
        default=False, db_default=False, help_text="OpenAlex's primary topic of the work."
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "topic"], name="papertopic_unique_pair"),
        ]
        indexes = [
            # Papers in a topic (category filter, topic pages).
            models.Index(fields=["topic", "paper"], name="papertopic_topic_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} → {self.topic_id}"


class PaperVersion(models.Model):
    """One arXiv version of a paper: its number and submission date."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    submitted = models.DateTimeField()
    size = models.CharField(max_length=32, blank=True)
    withdrawn = models.BooleanField(default=False)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "number"], name="paperversion_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="paperversion_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.paper_id}v{self.number}"
