"""Celery tasks of the research map: placing new papers, and the nightly full recompute.

Services queue work through ``neighbours_enqueue`` (after their transaction commits); the
tasks import the recompute inside their bodies. Task names stay those of the former
``papers.tasks`` module: the beat schedule stores them.
"""

from celery import shared_task
from django.db import transaction

# Retries of a recompute that lost its connection or met a deadlock.
TASK_MAX_RETRIES = 5


@shared_task(name="papers.tasks.neighbours_compute", bind=True, max_retries=TASK_MAX_RETRIES)
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
        # Robust: a broker outage must not fail the write; the nightly recompute catches up.
        transaction.on_commit(lambda: neighbours_compute.delay(ids), robust=True)


@shared_task(name="papers.tasks.neighbours_recompute_all")
def neighbours_recompute_all() -> str:
    """Nightly: every paper's neighbours again, so co-saves and word weights stay current."""
    from papers.researchmap.neighbours import neighbours_recompute_all as recompute

    summary = recompute()
    return f"{summary.papers} papers, {summary.edges} neighbours in {summary.seconds:.0f} s"
