"""Importing single papers by id: the request (from the UI, a command or the API) and the job.

A job is committed before its task is handed to the broker, and records when the broker
took it (``dispatched_at``). A job the broker never took, or whose task no worker started
long after, is handed over again: by the next request for that paper or its job page, and by
a sweep every minute. So a broker outage loses no import and blocks no paper.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.transaction import on_commit
from django.utils import timezone

from papers.arxiv.ids import parse_arxiv_id
from papers.ingest.tasks import BrokerUnavailable, import_paper_publish
from papers.ingest.upsert import paper_upsert
from papers.models import ImportJob, JobStatus, MetadataSource, Paper

logger = logging.getLogger(__name__)

# The sweep leaves a job this young alone: the request that created it is handing it over.
SWEEP_GRACE = timedelta(seconds=30)


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
        if import_job_is_orphaned(active):
            import_job_enqueue(active.pk)
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


def import_job_enqueue(job_id: int) -> None:
    """Hand the job's task to the broker once the job row is committed (a worker must read
    it). Outside a transaction that is at once, and ``BrokerUnavailable`` reaches the caller;
    the job stays queued either way, for a later request or the sweep to hand over."""
    on_commit(lambda: import_job_dispatch(job_id=job_id))


def import_job_dispatch(*, job_id: int) -> None:
    """Publish the job's task now and record when the broker took it."""
    import_paper_publish(job_id)
    ImportJob.objects.filter(pk=job_id).update(dispatched_at=timezone.now())


def _lost_before(now):
    return now - timedelta(seconds=settings.IMPORT_JOB_REDISPATCH_AFTER)


def _orphaned(now) -> Q:
    return Q(status=JobStatus.QUEUED) & (
        Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=_lost_before(now))
    )


def import_job_is_orphaned(job: ImportJob) -> bool:
    """Queued, and its task never reached the broker or no worker started it in time."""
    if job.status != JobStatus.QUEUED:
        return False
    return job.dispatched_at is None or job.dispatched_at < _lost_before(timezone.now())


def import_job_follow(*, job: ImportJob) -> bool:
    """Someone watches the job: hand it over again if it is orphaned. False when the broker
    still does not take it (the page says so and keeps trying)."""
    if not import_job_is_orphaned(job):
        return True
    try:
        import_job_dispatch(job_id=job.pk)
    except BrokerUnavailable:
        return False
    return True


def import_jobs_orphaned_redispatch() -> int:
    """Hand every orphaned job (older than a moment) to the broker; how many were handed."""
    now = timezone.now()
    orphans = ImportJob.objects.filter(_orphaned(now), created_at__lt=now - SWEEP_GRACE)
    handed = 0
    for job_id in orphans.order_by("created_at").values_list("pk", flat=True):
        try:
            import_job_dispatch(job_id=job_id)
        except BrokerUnavailable:
            break  # the broker is down again: the next sweep goes on
        handed += 1
    if handed:
        logger.info("Handed %s orphaned import job(s) to the workers again.", handed)
    return handed


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
            job.dispatched_at = None
            job.save(update_fields=["status", "error", "finished_at", "dispatched_at"])
    except IntegrityError:
        return None
    import_job_enqueue(job.pk)
    return job
