"""OAI-PMH harvests: a run walks a set's ListRecords pages, one transaction per page.

Each page's records and the run's new cursor commit together, so a run stopped anywhere
(crash, killed worker, deploy) resumes from the last committed page: nothing is lost and
nothing counted twice. Two workers on the same run cannot both commit a page: the run row
is locked and its cursor compared before a page is stored.
"""

import logging
from collections.abc import Callable, Iterable
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from papers.arxiv.parser import OaiError
from papers.arxiv.records import ParsedFeed
from papers.ingest.clients.http import FetchError
from papers.ingest.tasks import harvest_run_enqueue
from papers.ingest.upsert import Outcome, paper_mark_deleted, papers_upsert
from papers.models import HarvestRun, JobStatus, MetadataSource

logger = logging.getLogger(__name__)

PageCallback = Callable[[HarvestRun, ParsedFeed], None]
# Skipped records a run lists (the count covers all of them).
SKIPPED_LISTED = 200


def harvest_run_create(
    *,
    set_spec: str,
    from_date: date,
    until_date: date | None = None,
    metadata_prefix: str = HarvestRun.MetadataFormat.ARXIV_RAW,
    user=None,
) -> HarvestRun:
    if until_date is not None and until_date < from_date:
        raise ValueError(f"the range ends ({until_date}) before it starts ({from_date})")
    return HarvestRun.objects.create(
        set_spec=set_spec,
        from_date=from_date,
        until_date=until_date,
        metadata_prefix=metadata_prefix,
        requested_by=user if user is not None and user.is_authenticated else None,
    )


def _claim(run_id: int) -> HarvestRun | None:
    with transaction.atomic():
        run = HarvestRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status in {JobStatus.SUCCEEDED}:
            return None
        now = timezone.now()
        run.status = JobStatus.RUNNING
        run.started_at = run.started_at or now
        run.heartbeat_at = now
        run.finished_at = None
        run.save(update_fields=["status", "started_at", "heartbeat_at", "finished_at"])
    return run


def _record_error(run: HarvestRun, error: str, *, fail: bool) -> None:
    with transaction.atomic():
        locked = HarvestRun.objects.select_for_update().get(pk=run.pk)
        locked.errors = [
            *locked.errors,
            {"at": timezone.now().isoformat(), "page": locked.pages + 1, "error": error},
        ]
        fields = ["errors"]
        if fail:
            locked.status, locked.finished_at = JobStatus.FAILED, timezone.now()
            fields += ["status", "finished_at"]
        locked.save(update_fields=fields)
    run.refresh_from_db()


def harvest_run_continue(
    *, run_id: int, client, max_pages: int | None = None, on_page: PageCallback | None = None
) -> HarvestRun | None:
    """Harvest pages from the run's cursor until the list ends (or ``max_pages`` pages).

    ``TransientFetchError`` propagates with the run left resumable; a permanent fetch error
    marks the run failed with the reason. Returns None when the run had already finished.
    """
    run = _claim(run_id)
    if run is None:
        return None
    pages_done = 0
    while run.status == JobStatus.RUNNING and (max_pages is None or pages_done < max_pages):
        token = run.resumption_token
        try:
            feed = _fetch_page(client, run, token)
        except (OaiError, FetchError) as exc:
            if _oai_code(exc) == "badResumptionToken" and token:
                # Tokens expire: start the list again; stored pages come back unchanged.
                _record_error(run, f"{exc}; restarting the list", fail=False)
                HarvestRun.objects.filter(pk=run.pk).update(resumption_token="")
                run.resumption_token = ""
                continue
            _record_error(run, str(exc), fail=True)
            return run
        run = _store_page(run, token, feed)
        pages_done += 1
        if on_page is not None:
            on_page(run, feed)
    return run


def _oai_code(exc: Exception) -> str | None:
    return getattr(exc, "code", None) or getattr(exc.__cause__, "code", None)


def _fetch_page(client, run: HarvestRun, token: str) -> ParsedFeed:
    if token:
        return client.list_records(resumption_token=token)
    return client.list_records(
        set_spec=run.set_spec,
        from_date=run.from_date,
        until_date=run.until_date,
        metadata_prefix=run.metadata_prefix,
    )


def _store_page(run: HarvestRun, token: str, feed: ParsedFeed) -> HarvestRun:
    with transaction.atomic():
        locked = HarvestRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != JobStatus.RUNNING or locked.resumption_token != token:
            # Another worker stored this page first; carry on from where it is.
            return locked
        for result in papers_upsert(records=feed.records, source=MetadataSource.ARXIV_OAI):
            outcome = result.outcome
            if outcome == Outcome.CREATED:
                locked.records_created += 1
            elif outcome == Outcome.UPDATED:
                locked.records_updated += 1
            else:
                locked.records_unchanged += 1
        for arxiv_id in feed.deleted_ids:
            paper_mark_deleted(arxiv_id=arxiv_id)
            locked.records_deleted += 1
        if feed.skipped:
            # Unreadable records cost themselves only; the latest are listed in admin.
            locked.records_skipped += len(feed.skipped)
            page = locked.pages + 1
            entries = [
                {"page": page, "identifier": item.identifier, "reason": item.reason}
                for item in feed.skipped
            ]
            locked.skipped = [*locked.skipped, *entries][-SKIPPED_LISTED:]
        now = timezone.now()
        locked.pages += 1
        locked.resumption_token = feed.resumption_token or ""
        locked.cursor = feed.cursor
        locked.complete_list_size = feed.complete_list_size or locked.complete_list_size
        locked.heartbeat_at = now
        if not feed.resumption_token:
            locked.status, locked.finished_at = JobStatus.SUCCEEDED, now
        locked.save()
    return locked


def harvest_runs_schedule(
    *, set_specs: Iterable[str], today: date | None = None
) -> list[HarvestRun]:
    """Queue a run per set from where its last successful run ended (or from yesterday)."""
    today = today or timezone.now().date()
    runs = []
    for set_spec in set_specs:
        if HarvestRun.objects.filter(set_spec=set_spec, status__in=JobStatus.active()).exists():
            continue  # still busy with the previous one
        last = (
            HarvestRun.objects.filter(set_spec=set_spec, status=JobStatus.SUCCEEDED)
            .order_by("-until_date", "-finished_at")
            .first()
        )
        # Datestamps are days: overlapping by the last day costs only unchanged records.
        from_date = last.until_date if last and last.until_date else today - timedelta(days=1)
        run = harvest_run_create(set_spec=set_spec, from_date=from_date, until_date=today)
        harvest_run_enqueue(run.pk)
        runs.append(run)
    return runs
