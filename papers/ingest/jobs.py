"""Importing single papers by id: the request (from the UI, a command or the API) and the job."""

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from papers.arxiv.ids import parse_arxiv_id
from papers.ingest.tasks import import_job_enqueue
from papers.ingest.upsert import paper_upsert
from papers.models import ImportJob, JobStatus, MetadataSource, Paper


@dataclass(frozen=True)
class ImportRequest:
    paper: Paper | None = None  # held already: open it at once
    job: ImportJob | None = None  # queued, or the active job someone else started


def import_request(*, raw: str, user=None, source: str = ImportJob.Source.UI) -> ImportRequest:
    """Validate an id or URL; open the paper if we hold it, else queue (or join) its import.

    Raises ``InvalidArxivId`` with a message for the person who typed it.
    """
    arxiv_id = parse_arxiv_id(raw).id
    paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
    if paper is not None:
        return ImportRequest(paper=paper)
    return ImportRequest(job=import_job_create(arxiv_id=arxiv_id, user=user, source=source))


def import_job_for_command(*, arxiv_id: str, refresh: bool) -> ImportJob | None:
    """A job the command runs itself (not queued); None when the paper is held and not refreshed."""
    if not refresh and Paper.objects.filter(arxiv_id=arxiv_id).exists():
        return None
    return import_job_create(arxiv_id=arxiv_id, source=ImportJob.Source.COMMAND, enqueue=False)


class TooManyImports(Exception):
    """The person has as many imports queued or running as one may; the message says so."""


def import_job_create(*, arxiv_id: str, user=None, source: str, enqueue: bool = True) -> ImportJob:
    """A queued job for the id, or the one already queued or running for it. A person may
    start at most ``IMPORTS_IN_FLIGHT_MAX`` jobs at a time (joining one is always allowed):
    imports share the site's request budget at arXiv."""
    requested_by = user if user is not None and user.is_authenticated else None
    active = ImportJob.objects.filter(arxiv_id=arxiv_id, status__in=JobStatus.active()).first()
    if active is not None:
        return active
    if requested_by is not None:
        limit = settings.IMPORTS_IN_FLIGHT_MAX
        mine = ImportJob.objects.filter(requested_by=requested_by, status__in=JobStatus.active())
        if mine.count() >= limit:
            raise TooManyImports(
                f"You have {limit} papers being added already: wait for one to finish, "
                "then add this one."
            )
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                arxiv_id=arxiv_id, requested_by=requested_by, source=source
            )
    except IntegrityError:
        # Someone queued the same id a moment ago: share their job.
        return ImportJob.objects.get(arxiv_id=arxiv_id, status__in=JobStatus.active())
    if enqueue:
        import_job_enqueue(job.pk)
    return job


def import_job_get(*, job_id: int) -> ImportJob:
    return ImportJob.objects.select_related("paper", "requested_by").get(pk=job_id)


def import_job_start(*, job_id: int) -> ImportJob | None:
    """Claim the job for this worker; None when it is finished already (a redelivered task)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return None
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or timezone.now()
        job.save(update_fields=["status", "attempts", "started_at"])
    return job


def import_job_run(*, job: ImportJob, client) -> ImportJob:
    """Fetch the paper from the arXiv API and store it; the fetch errors propagate.

    ``FetchError`` (permanent) and ``TransientFetchError`` are left to the caller, which
    records the first and retries the second.
    """
    record = client.fetch_one(job.arxiv_id)
    if record is None:
        return import_job_fail(job=job, error=f"arXiv has no paper {job.arxiv_id}.")
    with transaction.atomic():
        result = paper_upsert(record=record, source=MetadataSource.ARXIV_API)
        job.status = JobStatus.SUCCEEDED
        job.paper = result.paper
        job.outcome = str(result.outcome)
        job.error = ""
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "paper", "outcome", "error", "finished_at"])
    return job


def import_job_fail(*, job: ImportJob, error: str) -> ImportJob:
    job.status = JobStatus.FAILED
    job.error = error
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    return job


def import_job_retry(*, job_id: int) -> ImportJob | None:
    """Queue a failed job again (admin action); None when another job for the id is active."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status != JobStatus.FAILED:
        return None
    try:
        with transaction.atomic():
            job.status, job.error, job.finished_at = JobStatus.QUEUED, "", None
            job.save(update_fields=["status", "error", "finished_at"])
    except IntegrityError:
        return None
    import_job_enqueue(job.pk)
    return job
