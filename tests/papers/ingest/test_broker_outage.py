"""A broker outage loses no import and blocks no paper: adding a paper answers at once with
"try again", the job stays queued, and the next request for it, its page and a sweep every
minute hand it to the real broker (Redis) when it answers again.

The outage is real: the web side's broker address points at a closed port.
"""

import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from bzpeer.celery import app
from papers.ingest.jobs import import_job_retry, import_jobs_orphaned_redispatch
from papers.ingest.tasks import BrokerUnavailable, import_jobs_redispatch
from papers.models import ImportJob, JobStatus
from tests.support.broker import queued_tasks

pytestmark = pytest.mark.django_db

ADD_URL = "/papers/add/"
HTMX = {"HX-Request": "true"}
CLOSED_PORT = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker_down(monkeypatch):
    monkeypatch.setattr(app.conf, "broker_url", CLOSED_PORT)


@pytest.fixture
def user():
    return get_user_model().objects.create_user(username="ada", password="pw-ada-123456")


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def imports_in_broker() -> list[int]:
    return [args[0] for name, args, _eta in queued_tasks() if name == "papers.tasks.import_paper"]


def orphan(user=None, *, arxiv_id="2402.01234", age=timedelta(minutes=2), **fields) -> ImportJob:
    job = ImportJob.objects.create(arxiv_id=arxiv_id, requested_by=user, **fields)
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - age)
    job.refresh_from_db()
    return job


def test_adding_a_paper_while_the_broker_is_down_answers_at_once_and_keeps_the_job(
    signed_in, broker_down
):
    started = time.monotonic()
    response = signed_in.post(ADD_URL, {"arxiv_id": "2402.01234"})
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert elapsed < 3, f"the answer took {elapsed:.1f} s"
    html = response.content.decode()
    assert "The import queue is not answering just now" in html
    assert 'value="2402.01234"' in html  # what was typed is still there
    job = ImportJob.objects.get()
    assert (job.arxiv_id, job.status, job.dispatched_at) == ("2402.01234", JobStatus.QUEUED, None)
    assert imports_in_broker() == []


def test_htmx_gets_the_form_back_with_the_outage_explained(signed_in, broker_down):
    response = signed_in.post(ADD_URL, {"arxiv_id": "2402.01234"}, headers=HTMX)

    assert response.status_code == 200  # htmx swaps only 2xx answers
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="add-paper-form"')
    assert "try again in a moment" in html


def test_adding_the_paper_again_once_the_broker_is_back_hands_the_kept_job_over(
    signed_in, monkeypatch
):
    with monkeypatch.context() as outage:
        outage.setattr(app.conf, "broker_url", CLOSED_PORT)
        assert signed_in.post(ADD_URL, {"arxiv_id": "2402.01234"}).status_code == 503

    response = signed_in.post(ADD_URL, {"arxiv_id": "arXiv:2402.01234"})

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("papers:import-job", args=[job.pk])
    assert imports_in_broker() == [job.pk]
    assert job.dispatched_at is not None


def test_joining_a_job_the_broker_holds_does_not_queue_it_twice(signed_in, client, user):
    assert signed_in.post(ADD_URL, {"arxiv_id": "2402.01234"}).status_code == 302
    other = get_user_model().objects.create_user(username="bo", password="pw-bo-1234567")
    client.force_login(other)
    assert client.post(ADD_URL, {"arxiv_id": "2402.01234"}).status_code == 302

    assert imports_in_broker() == [ImportJob.objects.get().pk]


def test_the_job_page_hands_an_orphaned_job_over_and_says_when_it_cannot(
    signed_in, user, monkeypatch
):
    job = orphan(user)
    url = reverse("papers:import-job", args=[job.pk])

    with monkeypatch.context() as outage:
        outage.setattr(app.conf, "broker_url", CLOSED_PORT)
        html = signed_in.get(url, headers=HTMX).content.decode()
    assert "Waiting for the import queue, which is not answering just now." in html
    assert 'hx-trigger="every 1s"' in html  # it keeps trying

    html = signed_in.get(url, headers=HTMX).content.decode()
    assert "Waiting for its turn" in html
    assert imports_in_broker() == [job.pk]
    # Handed over once: the next poll does not queue it again.
    signed_in.get(url, headers=HTMX)
    assert imports_in_broker() == [job.pk]


def test_the_sweep_hands_over_orphaned_jobs_only(user, settings):
    settings.IMPORT_JOB_REDISPATCH_AFTER = 15 * 60
    never_handed = orphan(user, arxiv_id="2402.00001")
    lost = orphan(
        arxiv_id="2402.00002", age=timedelta(hours=1),
        dispatched_at=timezone.now() - timedelta(minutes=20),
    )  # fmt: skip
    being_handed = orphan(user, arxiv_id="2402.00003", age=timedelta(seconds=2))
    waiting = orphan(
        arxiv_id="2402.00004", dispatched_at=timezone.now() - timedelta(minutes=1)
    )  # its task is in the queue
    running = orphan(arxiv_id="2402.00005", status=JobStatus.RUNNING)
    failed = orphan(arxiv_id="2402.00006", status=JobStatus.FAILED)

    assert import_jobs_redispatch.apply().get() == 2

    assert imports_in_broker() == [lost.pk, never_handed.pk]  # oldest first
    for job in (never_handed, lost):
        job.refresh_from_db()
        assert timezone.now() - job.dispatched_at < timedelta(seconds=10)
    for job in (being_handed, waiting, running, failed):
        assert ImportJob.objects.get(pk=job.pk).dispatched_at == job.dispatched_at
    # Once handed over, the next sweep leaves them alone.
    assert import_jobs_orphaned_redispatch() == 0


def test_the_sweep_waits_while_the_broker_is_down(user, broker_down):
    job = orphan(user)
    assert import_jobs_orphaned_redispatch() == 0
    assert ImportJob.objects.get(pk=job.pk).dispatched_at is None


def test_the_sweep_runs_every_minute():
    task = PeriodicTask.objects.get(task="papers.tasks.import_jobs_redispatch")
    assert task.enabled
    assert (task.interval.every, task.interval.period) == (1, "minutes")


def test_retrying_a_failed_job_while_the_broker_is_down_keeps_it_queued_for_the_sweep(
    user, broker_down
):
    job = orphan(
        user, status=JobStatus.FAILED, error="arXiv did not answer",
        dispatched_at=timezone.now() - timedelta(minutes=1),
    )  # fmt: skip
    with pytest.raises(BrokerUnavailable):
        import_job_retry(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.dispatched_at) == (JobStatus.QUEUED, None)


def test_the_admin_retry_says_when_the_queue_is_down(admin_client, user, broker_down):
    job = orphan(user, status=JobStatus.FAILED, error="arXiv did not answer")
    response = admin_client.post(
        reverse("admin:papers_importjob_changelist"),
        {"action": "retry_failed", "_selected_action": [job.pk]},
        follow=True,
    )
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert "The task queue is not answering: 1 job(s) are queued" in " ".join(messages)
    assert ImportJob.objects.get(pk=job.pk).status == JobStatus.QUEUED
