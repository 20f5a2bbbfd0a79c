"""Harvest runs against a local OAI-PMH stand-in: pages, cursors, failures and resuming."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from papers.ingest.clients.http import TransientFetchError
from papers.ingest.clients.oai import ArxivOaiClient
from papers.ingest.harvest import (
    harvest_run_continue,
    harvest_run_create,
    harvest_runs_schedule,
)
from papers.models import HarvestRun, JobStatus, MetadataSource, Paper
from tests.support.factories import make_paper
from tests.support.fake_arxiv import FakeResponse, OaiPages, oai_error
from tests.support.oai_pages import arxiv_id_at, arxiv_raw_pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def oai(fake_arxiv, settings):
    settings.ARXIV_OAI_URL = fake_arxiv.oai_url
    settings.ARXIV_REQUEST_INTERVAL = 0
    settings.HTTP_MAX_ATTEMPTS = 2
    return fake_arxiv


def _client() -> ArxivOaiClient:
    return ArxivOaiClient(sleep=lambda seconds: None)


def _run(**kwargs) -> HarvestRun:
    return harvest_run_create(set_spec="cs", from_date=date(2025, 1, 1), **kwargs)


def test_a_run_walks_every_page_and_counts_what_it_stored(oai):
    make_paper(arxiv_id=arxiv_id_at(5), title="Held before", version=1)
    oai.serve_oai_pages(*arxiv_raw_pages(records=60, per_page=25, deleted_every=17))
    run = harvest_run_continue(run_id=_run(until_date=date(2025, 1, 31)).pk, client=_client())

    assert run.status == JobStatus.SUCCEEDED
    assert run.pages == 3
    assert run.records_deleted == 4  # 0, 17, 34, 51
    assert run.records_updated == 1  # the held paper had version 1; the page has 3
    assert run.records_created == 60 - 4 - 1
    assert run.records_unchanged == 0
    assert run.cursor == 50 and run.complete_list_size == 60
    assert run.resumption_token == "" and run.finished_at is not None
    first = oai.requests_to("/oai")[0]
    assert first.param("set") == "cs" and first.param("metadataPrefix") == "arXivRaw"
    assert first.param("from") == "2025-01-01" and first.param("until") == "2025-01-31"
    paper = Paper.objects.get(arxiv_id=arxiv_id_at(2))
    assert paper.metadata_source == MetadataSource.ARXIV_OAI
    assert [a.author.name for a in paper.authorships.all()][-1] == "Balázs Tester2"
    assert list(paper.versions.values_list("number", flat=True)) == [1, 2, 3]


def test_deleted_records_mark_held_papers_withdrawn_and_keep_them(oai):
    make_paper(arxiv_id=arxiv_id_at(17))
    oai.serve_oai_pages(*arxiv_raw_pages(records=20, per_page=25, deleted_every=17))
    harvest_run_continue(run_id=_run().pk, client=_client())
    assert Paper.objects.get(arxiv_id=arxiv_id_at(17)).withdrawn is True


def test_a_transient_failure_leaves_the_run_resumable_without_duplicates(oai):
    pages = arxiv_raw_pages(records=75, per_page=25)
    handler = OaiPages(tuple(pages))
    failures = {"left": 2}

    def flaky(request):
        # The third page fails twice in a row (more than the client's own retries).
        if request.param("resumptionToken") == "tok-2501-50" and failures["left"]:
            failures["left"] -= 1
            return FakeResponse(500, b"busy")
        return handler(request)

    oai.route("/oai", flaky)
    run = _run()
    with pytest.raises(TransientFetchError):
        harvest_run_continue(run_id=run.pk, client=_client())
    run.refresh_from_db()
    assert run.status == JobStatus.RUNNING
    assert run.pages == 2 and run.resumption_token == "tok-2501-50"
    assert Paper.objects.count() == 50

    run = harvest_run_continue(run_id=run.pk, client=_client())
    assert run.status == JobStatus.SUCCEEDED
    assert run.pages == 3 and run.records_created == 75
    assert Paper.objects.count() == 75
    starts = [r for r in oai.requests_to("/oai") if r.param("resumptionToken") is None]
    assert len(starts) == 1


def test_an_expired_token_restarts_the_list_and_changes_nothing_twice(oai):
    pages = arxiv_raw_pages(records=50, per_page=25)
    oai.serve_oai_pages(*pages)
    run = _run()
    harvest_run_continue(run_id=run.pk, client=_client(), max_pages=1)
    HarvestRun.objects.filter(pk=run.pk).update(resumption_token="expired-token")
    run = harvest_run_continue(run_id=run.pk, client=_client())
    assert run.status == JobStatus.SUCCEEDED
    assert "badResumptionToken" in run.errors[0]["error"]
    assert run.records_created == 50 and run.records_unchanged == 25
    assert Paper.objects.count() == 50


def test_a_protocol_error_fails_the_run_with_the_reason(oai):
    oai.script("/oai", FakeResponse(200, oai_error("badArgument", "from is not a date")))
    run = harvest_run_continue(run_id=_run().pk, client=_client())
    assert run.status == JobStatus.FAILED
    assert "from is not a date" in run.errors[-1]["error"]
    assert Paper.objects.count() == 0


def test_a_finished_run_is_not_harvested_again(oai):
    oai.serve_oai_pages(*arxiv_raw_pages(records=10, per_page=25))
    run = _run()
    harvest_run_continue(run_id=run.pk, client=_client())
    requests = len(oai.requests)
    assert harvest_run_continue(run_id=run.pk, client=_client()) is None
    assert len(oai.requests) == requests


def test_the_command_harvests_and_summarises(oai):
    oai.serve_oai_pages(*arxiv_raw_pages(records=30, per_page=25))
    out = StringIO()
    call_command(
        "harvest_arxiv", "--set", "cs", "--from", "2025-01-01", stdout=out, stderr=StringIO()
    )
    assert "succeeded: 2 pages, 30 created, 0 updated, 0 unchanged, 0 deleted" in out.getvalue()


def test_the_command_resumes_a_stopped_run(oai):
    oai.serve_oai_pages(*arxiv_raw_pages(records=50, per_page=25))
    run = _run()
    harvest_run_continue(run_id=run.pk, client=_client(), max_pages=1)
    out = StringIO()
    call_command("harvest_arxiv", "--resume", str(run.pk), stdout=out, stderr=StringIO())
    assert "2 pages, 50 created" in out.getvalue()
    assert len(oai.requests_to("/oai")) == 2


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "Give --set and --from"),
        (["--set", "cs", "--from", "yesterday"], "is not a date"),
        (["--set", "cs", "--from", "2025-02-01", "--until", "2025-01-01"], "is before --from"),
        (["--resume", "999999"], "no harvest run 999999"),
    ],
)
def test_the_command_refuses_bad_arguments(arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("harvest_arxiv", *arguments)


def test_the_daily_schedule_continues_from_the_last_finished_run():
    HarvestRun.objects.create(
        set_spec="cs",
        from_date=date(2026, 11, 1),
        until_date=date(2026, 11, 20),
        status=JobStatus.SUCCEEDED,
    )
    HarvestRun.objects.create(set_spec="math", from_date=date(2026, 11, 27))  # still queued
    runs = harvest_runs_schedule(set_specs=["cs", "math", "physics"], today=date(2026, 11, 28))
    assert [(r.set_spec, r.from_date, r.until_date) for r in runs] == [
        ("cs", date(2026, 11, 20), date(2026, 11, 28)),
        ("physics", date(2026, 11, 27), date(2026, 11, 28)),
    ]


def test_the_schedule_is_in_the_database_for_admins_to_change():
    from django_celery_beat.models import PeriodicTask

    tasks = dict(PeriodicTask.objects.values_list("task", "enabled"))
    assert tasks["papers.tasks.harvest_configured_sets"] is True
    assert tasks["papers.tasks.refresh_citation_counts"] is True
