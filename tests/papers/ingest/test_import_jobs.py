"""Import jobs run in-process (the worker path has its own integration test)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from papers.ingest.jobs import import_job_retry, import_request
from papers.ingest.tasks import import_paper
from papers.models import ImportJob, JobStatus, MetadataSource, Paper
from tests.support.factories import make_paper
from tests.support.fake_arxiv import FakeResponse, load_fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(fake_arxiv, settings):
    settings.ARXIV_API_URL = fake_arxiv.api_url
    settings.ARXIV_REQUEST_INTERVAL = 0
    settings.HTTP_MAX_ATTEMPTS = 2
    fake_arxiv.serve_api(load_fixture("api_new_format.xml"), load_fixture("api_old_format.xml"))
    return fake_arxiv


@pytest.fixture
def no_queue(monkeypatch):
    queued = []
    monkeypatch.setattr("papers.ingest.jobs.import_paper_publish", queued.append)
    return queued


def test_a_held_paper_opens_at_once_and_queues_nothing(no_queue):
    paper = make_paper(arxiv_id="hep-th/9901001", categories=("hep-th",))
    request = import_request(raw="https://arxiv.org/pdf/hep-th/9901001v2.pdf")
    assert request.paper == paper and request.job is None
    assert no_queue == [] and ImportJob.objects.count() == 0


def test_one_active_job_per_paper(no_queue, django_user_model):
    someone = django_user_model.objects.create_user("someone")
    first = import_request(raw="2203.14101", user=someone).job
    second = import_request(raw="https://arxiv.org/abs/2203.14101v3").job
    assert first.pk == second.pk
    assert first.requested_by == someone
    assert no_queue == [first.pk]


def test_the_task_stores_the_paper_and_finishes_the_job(api, no_queue):
    job = import_request(raw="1706.03762").job
    import_paper.apply(args=[job.pk], throw=False)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.outcome == "created"
    assert job.attempts == 1 and job.finished_at is not None
    assert job.paper.metadata_source == MetadataSource.ARXIV_API
    # Delivered again (at-least-once): nothing is fetched or written twice.
    requests = len(api.requests)
    assert import_paper.apply(args=[job.pk]).get() == "already finished"
    assert len(api.requests) == requests


def test_an_unknown_id_fails_clearly_without_retrying(api, no_queue):
    job = import_request(raw="2301.99999").job
    import_paper.apply(args=[job.pk], throw=False)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "arXiv has no paper 2301.99999."
    assert len(api.requests_to("/api/query")) == 1


def test_a_malformed_answer_fails_without_retrying(fake_arxiv, settings, no_queue):
    settings.ARXIV_API_URL, settings.ARXIV_REQUEST_INTERVAL = fake_arxiv.api_url, 0
    fake_arxiv.script("/api/query", FakeResponse(200, load_fixture("api_truncated.xml")))
    job = import_request(raw="2203.14101").job
    import_paper.apply(args=[job.pk], throw=False)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "truncated" in job.error
    assert Paper.objects.count() == 0


def test_a_busy_arxiv_is_retried_then_the_job_fails(fake_arxiv, settings, no_queue):
    settings.ARXIV_API_URL, settings.ARXIV_REQUEST_INTERVAL = fake_arxiv.api_url, 0
    settings.HTTP_MAX_ATTEMPTS = 3
    fake_arxiv.script("/api/query", FakeResponse(503, b"Rate exceeded."), repeat_last=True)
    job = import_request(raw="2203.14101").job
    import_paper.apply(args=[job.pk], throw=False)
    job.refresh_from_db()
    # Run in-process, the client's own retries are all there is; then a clear failure.
    assert job.status == JobStatus.FAILED
    assert "did not answer after retries" in job.error
    assert len(fake_arxiv.requests) == 3


def test_a_failed_job_can_be_retried(api, no_queue):
    job = ImportJob.objects.create(arxiv_id="1706.03762", status=JobStatus.FAILED, error="x")
    assert import_job_retry(job_id=job.pk).status == JobStatus.QUEUED
    assert no_queue == [job.pk]


def test_the_command_imports_by_id_and_url(api):
    out = StringIO()
    call_command("import_arxiv", "1706.03762", "https://arxiv.org/abs/hep-th/9901001v2", stdout=out)
    text = out.getvalue()
    assert "1706.03762: created (version 7)" in text
    assert "hep-th/9901001: created (version 2)" in text
    assert Paper.objects.count() == 2
    out = StringIO()
    call_command("import_arxiv", "1706.03762", stdout=out)
    assert "held already" in out.getvalue()
    out = StringIO()
    call_command("import_arxiv", "1706.03762", "--refresh", stdout=out)
    assert "1706.03762: unchanged" in out.getvalue()


def test_the_command_reports_papers_it_could_not_import(api):
    err = StringIO()
    with pytest.raises(CommandError, match="1 of 1 papers could not be imported"):
        call_command("import_arxiv", "2301.99999", stdout=StringIO(), stderr=err)
    assert "arXiv has no paper 2301.99999" in err.getvalue()


def test_admin_lists_jobs_and_runs_and_warns_when_openalex_is_off(admin_client, settings):
    settings.OPENALEX_API_KEY = ""
    ImportJob.objects.create(arxiv_id="2203.14101", status=JobStatus.FAILED, error="boom")
    assert "boom" in admin_client.get("/admin/papers/importjob/").content.decode()
    assert admin_client.get("/admin/papers/harvestrun/").status_code == 200
    assert admin_client.get("/admin/papers/harvestrun/add/").status_code == 200
    page = admin_client.get("/admin/papers/paper/").content.decode()
    assert "OpenAlex enrichment is switched off" in page
