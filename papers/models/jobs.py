"""Records of metadata work: imports by id, OAI-PMH harvest runs."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"

    @classmethod
    def active(cls) -> list[str]:
        return [cls.QUEUED, cls.RUNNING]


class ImportJob(models.Model):
    """Fetching one paper from the arXiv API, asked for in the UI, a command or the API."""

    class Source(models.TextChoices):
        UI = "ui", "Add a paper"
        COMMAND = "command", "Command line"
        API = "api", "API"

    arxiv_id = models.CharField(max_length=40, help_text="Versionless, canonical.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.UI)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    outcome = models.CharField(max_length=16, blank=True, help_text="created/updated/unchanged")
    paper = models.ForeignKey(
        "papers.Paper", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the broker took the job's task: a queued job without it (the broker was down) or
    # with it long ago (the message was lost) is handed to the workers again.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Two people adding the same paper share one job instead of fetching it twice.
            models.UniqueConstraint(
                fields=["arxiv_id"],
                condition=Q(status__in=["queued", "running"]),
                name="importjob_one_active_per_paper",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="importjob_status_idx")]

    def __str__(self) -> str:
        return f"import {self.arxiv_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {JobStatus.SUCCEEDED, JobStatus.FAILED}


class HarvestRun(models.Model):
    """One OAI-PMH ListRecords harvest of a set over a date range, resumable page by page."""

    class MetadataFormat(models.TextChoices):
        ARXIV_RAW = "arXivRaw", "arXivRaw (all versions)"
        ARXIV = "arXiv", "arXiv"

    set_spec = models.CharField("set", max_length=64, help_text="cs, physics:hep-th, cs:cs:AI")
    metadata_prefix = models.CharField(
        max_length=16, choices=MetadataFormat.choices, default=MetadataFormat.ARXIV_RAW
    )
    from_date = models.DateField()
    until_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    # Where to go on: the token of the next page ("" before the first page).
    resumption_token = models.TextField(blank=True)
    cursor = models.PositiveIntegerField(null=True, blank=True)
    complete_list_size = models.PositiveIntegerField(null=True, blank=True)
    pages = models.PositiveIntegerField(default=0)
    records_created = models.PositiveIntegerField(default=0)
    records_updated = models.PositiveIntegerField(default=0)
    records_unchanged = models.PositiveIntegerField(default=0)
    records_deleted = models.PositiveIntegerField(default=0)
    records_skipped = models.PositiveIntegerField(
        default=0, help_text="Records that could not be read; the rest of their page was stored."
    )
    skipped = models.JSONField(
        default=list,
        blank=True,
        help_text="The latest skipped records: [{page, identifier, reason}] (at most 200).",
    )
    errors = models.JSONField(default=list, blank=True, help_text="[{at, page, error}]")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(until_date__isnull=True) | Q(until_date__gte=models.F("from_date")),
                name="harvestrun_range_ordered",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="harvestrun_status_idx")]

    def __str__(self) -> str:
        until = self.until_date or "now"
        return f"harvest {self.set_spec} {self.from_date}–{until} ({self.status})"

    @property
    def records_seen(self) -> int:
        return (
            self.records_created
            + self.records_updated
            + self.records_unchanged
            + self.records_deleted
            + self.records_skipped
        )
