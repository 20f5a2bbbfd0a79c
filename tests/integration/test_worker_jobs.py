"""End to end through the queue: a real Celery worker, the real Redis and PostgreSQL, and a
local stand-in for arXiv on a real socket."""

import dataclasses
import signal
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from bzpeer.celery import app
from papers.ingest.harvest import harvest_run_create
from papers.ingest.jobs import import_jobs_orphaned_redispatch, import_request
from papers.ingest.tasks import BrokerUnavailable, harvest_run_enqueue
from papers.models import HarvestRun, ImportJob, JobStatus, MetadataSource, Paper
from tests.support.fake_arxiv import FakeResponse, OaiPages, load_fixture
from tests.support.oai_pages import arxiv_id_at, arxiv_raw_pages
from tests.support.worker import celery_worker, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
FAST = {"ARXIV_REQUEST_INTERVAL": "0.05", "HTTP_MAX_ATTEMPTS": "2", "HTTP_TIMEOUT": "5"}


def _job(job_id: int) -> ImportJob:
    return ImportJob.objects.get(pk=job_id)


def test_papers_are_imported_through_the_queue(fake_arxiv):
    fake_arxiv.serve_api(load_fixture("api_new_format.xml"))
    with celery_worker(ARXIV_API_URL=fake_arxiv.api_url, **FAST):
        first = import_request(raw="https://arxiv.org/abs/1706.03762v7").job
        # Asked for again while queued or running: the same job, not a second fetch.
        again = import_request(raw="arXiv:1706.03762").job
        unknown = import_request(raw="2301.99999").job
        assert first.pk == again.pk
        wait_for(lambda: _job(first.pk).is_finished, what="the import job")
        wait_for(lambda: _job(unknown.pk).is_finished, what="the unknown-id job")

    job = _job(first.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.outcome == "created"
    paper = Paper.objects.get(arxiv_id="1706.03762")
    assert job.paper == paper
    assert paper.version == 7
    assert paper.metadata_source == MetadataSource.ARXIV_API
    assert paper.metadata_fetched_at is not None
    assert paper.authorships.count() == 5
    assert _job(unknown.pk).status == JobStatus.FAILED
    assert "arXiv has no paper 2301.99999" in _job(unknown.pk).error
    assert Paper.objects.filter(arxiv_id="2301.99999").count() == 0
    fetched = [r.param("id_list") for r in fake_arxiv.requests_to("/api/query")]
    assert sorted(fetched) == ["1706.03762", "2301.99999"]


def test_an_import_the_broker_refused_is_imported_once_the_sweep_hands_it_over(
    fake_arxiv, monkeypatch
):
    fake_arxiv.serve_api(load_fixture("api_new_format.xml"))
    with monkeypatch.context() as outage:
        outage.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")  # a closed port
        with pytest.raises(BrokerUnavailable):
            import_request(raw="1706.03762")
    job = ImportJob.objects.get(arxiv_id="1706.03762")
    assert (job.status, job.dispatched_at) == (JobStatus.QUEUED, None)
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=1))

    with celery_worker(ARXIV_API_URL=fake_arxiv.api_url, **FAST):
        assert import_jobs_orphaned_redispatch() == 1
        wait_for(lambda: _job(job.pk).is_finished, what="the import job")

    assert _job(job.pk).status == JobStatus.SUCCEEDED
    assert Paper.objects.filter(arxiv_id="1706.03762").exists()


def test_a_harvest_resumes_after_its_worker_is_killed(fake_arxiv):
    records, per_page = 150, 25
    pages = OaiPages(tuple(arxiv_raw_pages(records=records, per_page=per_page)))
    # Slow pages, so the worker is surely killed in the middle of the list.
    fake_arxiv.route("/oai", lambda request: dataclasses.replace(pages(request), delay=0.5))
    env = {
        "ARXIV_OAI_URL": fake_arxiv.oai_url,
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        **FAST,
    }

    run = harvest_run_create(set_spec="cs", from_date="2025-01-01")
    with celery_worker(**env) as worker:
        harvest_run_enqueue(run.pk)
        wait_for(lambda: HarvestRun.objects.get(pk=run.pk).pages >= 2, what="two pages")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    stopped = HarvestRun.objects.get(pk=run.pk)
    assert stopped.status == JobStatus.RUNNING
    assert 2 <= stopped.pages < len(pages.by_token) + 1

    # A new worker gets the unacknowledged task again and goes on from the stored cursor.
    with celery_worker(**env):
        wait_for(
            lambda: HarvestRun.objects.get(pk=run.pk).status == JobStatus.SUCCEEDED,
            timeout=90,
            what="the resumed harvest to finish",
        )
    finished = HarvestRun.objects.get(pk=run.pk)
    # Resumed from the stored token: the list was started once, never again.
    starts = [r for r in fake_arxiv.requests_to("/oai") if r.param("resumptionToken") is None]
    assert len(starts) == 1
    assert finished.pages == records // per_page
    assert finished.records_created == records
    assert finished.records_updated == finished.records_deleted == 0
    assert Paper.objects.count() == records
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == {
        arxiv_id_at(i) for i in range(records)
    }
    assert all(
        p.versions.count() == 1 + i % 3 for i, p in enumerate(Paper.objects.order_by("arxiv_id"))
    )


def test_an_imported_paper_is_enriched_from_openalex_through_the_queue(fake_arxiv, settings):
    fake_arxiv.serve_api(load_fixture("api_new_format.xml"))
    work = (ROOT / "tests/fixtures/openalex/work_1706.03762.json").read_bytes()
    fake_arxiv.route(
        "/openalex/works/doi:10.48550/arxiv.1706.03762",
        lambda request: FakeResponse(200, work, {"Content-Type": "application/json"}),
    )
    # The request that queues the import also queues enrichment once the paper is stored:
    # both sides need the key.
    settings.OPENALEX_API_KEY = "test-key"
    env = {
        "ARXIV_API_URL": fake_arxiv.api_url,
        "OPENALEX_URL": f"{fake_arxiv.url}/openalex",
        "OPENALEX_API_KEY": "test-key",
        "OPENALEX_REQUEST_INTERVAL": "0",
        **FAST,
    }
    with celery_worker(**env):
        job = import_request(raw="1706.03762").job
        wait_for(
            lambda: Paper.objects.filter(arxiv_id="1706.03762", enriched_at__isnull=False).exists(),
            what="the paper to be imported and enriched",
        )
    assert _job(job.pk).status == JobStatus.SUCCEEDED
    paper = Paper.objects.get(arxiv_id="1706.03762")
    assert paper.citation_count == 61234
    assert paper.openalex_id == "W2963403868"
    looked_up = fake_arxiv.requests_to("/openalex/works/doi:10.48550/arxiv.1706.03762")
    assert len(looked_up) == 1 and looked_up[0].param("api_key") == "test-key"
