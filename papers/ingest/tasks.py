"""Celery tasks of the ingest: ids in, a service call, idempotent under at-least-once delivery.

Settings make every task ``acks_late`` with ``reject_on_worker_lost``: a task whose worker
dies is delivered again, so each task checks its record first and does nothing twice.
Services queue work through the ``*_enqueue`` helpers here (after their transaction commits);
the tasks import the services inside their bodies, so this module imports no service.
Task names stay those of the former ``papers.tasks`` module: the beat schedule stores them.
"""

import logging

from celery import current_app, shared_task
from django.conf import settings
from django.db import transaction
from kombu.exceptions import KombuError

from papers.ingest.clients.http import FetchError, TransientFetchError

logger = logging.getLogger(__name__)

# Retries of a task after the client's own bounded retries gave up.
TASK_MAX_RETRIES = 5


def task_countdown(error: TransientFetchError, retries: int) -> float:
    """Seconds before a retry: what the server asked for, else an exponential backoff."""
    return error.retry_after or min(600.0, 30.0 * 2**retries)


@shared_task(name="papers.tasks.import_paper", bind=True, max_retries=TASK_MAX_RETRIES)
def import_paper(self, job_id: int) -> str:
    """Fetch one paper from the arXiv API for an ImportJob."""
    from papers.ingest.clients.arxiv import ArxivApiClient
    from papers.ingest.jobs import import_job_fail, import_job_run, import_job_start

    job = import_job_start(job_id=job_id)
    if job is None:
        return "already finished"
    try:
        with ArxivApiClient() as client:
            import_job_run(job=job, client=client)
    except FetchError as exc:
        import_job_fail(job=job, error=str(exc))
    except TransientFetchError as exc:
        # In-process (the command, eager mode) nobody would wait for a later retry.
        if self.request.is_eager or self.request.retries >= self.max_retries:
            import_job_fail(job=job, error=f"arXiv did not answer after retries: {exc}")
        else:
            job.error = f"retrying: {exc}"
            job.save(update_fields=["error"])
            raise self.retry(exc=exc, countdown=task_countdown(exc, self.request.retries)) from exc
    return job.status


@shared_task(name="papers.tasks.harvest", bind=True, max_retries=TASK_MAX_RETRIES)
def harvest(self, run_id: int) -> str:
    """Harvest some pages of an OAI-PMH run from its stored cursor, then queue the rest.

    Short tasks keep a long harvest well inside the broker's redelivery timeout and let other
    work through between its pages.
    """
    from papers.ingest.clients.oai import ArxivOaiClient
    from papers.ingest.harvest import harvest_run_continue
    from papers.models import JobStatus

    try:
        with ArxivOaiClient() as client:
            run = harvest_run_continue(
                run_id=run_id, client=client, max_pages=settings.HARVEST_PAGES_PER_TASK
            )
    except TransientFetchError as exc:
        raise self.retry(exc=exc, countdown=task_countdown(exc, self.request.retries)) from exc
    if run is None:
        return "already finished"
    if run.status == JobStatus.RUNNING:
        harvest.delay(run_id)
    return run.status


@shared_task(name="papers.tasks.harvest_configured_sets")
def harvest_configured_sets() -> list[int]:
    """Daily: one harvest run per configured set, from where the last one ended."""
    from papers.ingest.harvest import harvest_runs_schedule

    return [run.pk for run in harvest_runs_schedule(set_specs=settings.HARVEST_SETS)]


@shared_task(name="papers.tasks.enrich_paper", bind=True, max_retries=TASK_MAX_RETRIES)
def enrich_paper(self, paper_id: int) -> str:
    from papers.ingest.enrichment import paper_enrich

    try:
        result = paper_enrich(paper_id=paper_id)
    except TransientFetchError as exc:
        raise self.retry(exc=exc, countdown=task_countdown(exc, self.request.retries)) from exc
    return str(result.status)


@shared_task(name="papers.tasks.refresh_citation_counts")
def refresh_citation_counts(limit: int = 500) -> int:
    """Periodic: re-enrich the papers enriched longest ago, within OpenAlex's rate limit."""
    from papers.ingest.clients.openalex import openalex_enabled
    from papers.ingest.enrichment import papers_due_for_refresh

    if not openalex_enabled():
        return 0
    paper_ids = papers_due_for_refresh(limit=limit)
    for paper_id in paper_ids:
        enrich_paper.delay(paper_id)
    return len(paper_ids)


def enrichment_enqueue(*, paper_id: int) -> None:
    """Queue OpenAlex enrichment of a new or updated paper once its transaction commits."""
    if not settings.OPENALEX_API_KEY:
        return  # switched off; openalex_enabled() logs why
    # Robust: a broker outage must not fail the import; the hourly refresh catches up.
    transaction.on_commit(lambda: enrich_paper.delay(paper_id), robust=True)


class BrokerUnavailable(Exception):
    """The broker did not take a task: the work stays recorded and is handed over later."""


def import_paper_publish(job_id: int) -> None:
    """Hand an import job's task to the broker now; raises ``BrokerUnavailable``.

    A connection of its own (not the app's pool) reads the broker address at each call and
    leaves no half-open pooled connection behind after an outage.
    """
    try:
        with current_app.connection_for_write() as connection:
            # Gives up within about a second (CELERY_TASK_PUBLISH_RETRY_POLICY).
            import_paper.apply_async((job_id,), connection=connection)
    except (KombuError, OSError) as exc:
        logger.warning("The broker did not take import job %s: %s", job_id, exc)
        raise BrokerUnavailable(str(exc)) from exc


@shared_task(name="papers.tasks.import_jobs_redispatch")
def import_jobs_redispatch() -> int:
    """Every minute: hand queued jobs whose task never reached a worker to the workers."""
    from papers.ingest.jobs import import_jobs_orphaned_redispatch

    return import_jobs_orphaned_redispatch()


def harvest_run_enqueue(run_id: int) -> None:
    """Queue the next pages of a harvest run once the run row is committed."""
    transaction.on_commit(lambda: harvest.delay(run_id))
