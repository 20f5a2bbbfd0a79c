"""Celery tasks: ids in, a service call, idempotent under at-least-once delivery.

Settings make every task ``acks_late`` with ``reject_on_worker_lost``: a task whose worker
dies is delivered again, so each task checks its record first and does nothing twice.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction

from papers.ingest.clients.http import FetchError, TransientFetchError

logger = logging.getLogger(__name__)

# Retries of a task after the client's own bounded retries gave up.
TASK_MAX_RETRIES = 5


def _countdown(error: TransientFetchError, retries: int) -> float:
    return error.retry_after or min(600.0, 30.0 * 2**retries)


@shared_task(bind=True, max_retries=TASK_MAX_RETRIES)
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
            raise self.retry(exc=exc, countdown=_countdown(exc, self.request.retries)) from exc
    return job.status


@shared_task(bind=True, max_retries=TASK_MAX_RETRIES)
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
        raise self.retry(exc=exc, countdown=_countdown(exc, self.request.retries)) from exc
    if run is None:
        return "already finished"
    if run.status == JobStatus.RUNNING:
        harvest.delay(run_id)
    return run.status


@shared_task
def harvest_configured_sets() -> list[int]:
    """Daily: one harvest run per configured set, from where the last one ended."""
    from papers.ingest.harvest import harvest_runs_schedule

    return [run.pk for run in harvest_runs_schedule(set_specs=settings.HARVEST_SETS)]


@shared_task(bind=True, max_retries=TASK_MAX_RETRIES)
def enrich_paper(self, paper_id: int) -> str:
    from papers.ingest.enrichment import paper_enrich

    try:
        result = paper_enrich(paper_id=paper_id)
    except TransientFetchError as exc:
        raise self.retry(exc=exc, countdown=_countdown(exc, self.request.retries)) from exc
    return str(result.status)


@shared_task
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
    transaction.on_commit(lambda: enrich_paper.delay(paper_id))


@shared_task(bind=True, max_retries=TASK_MAX_RETRIES)
def neighbours_compute(self, paper_ids: list[int]) -> int:
    """Recompute the map neighbours of new or updated papers; rerunning gives the same rows."""
    from django.db import OperationalError

    from papers.researchmap.neighbours import neighbours_refresh

    try:
        return neighbours_refresh(paper_ids=paper_ids)
    except OperationalError as exc:
        # A lost connection or a deadlock with a concurrent recompute: try again later.
        raise self.retry(exc=exc, countdown=min(600.0, 30.0 * 2**self.request.retries)) from exc


def neighbours_enqueue(*, paper_ids: list[int]) -> None:
    """After the current transaction commits, place these papers on the research map."""
    if paper_ids:
        ids = sorted(set(paper_ids))
        transaction.on_commit(lambda: neighbours_compute.delay(ids))


@shared_task
def neighbours_recompute_all() -> str:
    """Nightly: every paper's neighbours again, so co-saves and word weights stay current."""
    from papers.researchmap.neighbours import neighbours_recompute_all as recompute

    summary = recompute()
    return f"{summary.papers} papers, {summary.edges} neighbours in {summary.seconds:.0f} s"
