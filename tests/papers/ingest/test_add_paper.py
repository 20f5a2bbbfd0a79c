"""Add a paper: validation, opening held papers, queueing imports and following a job."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from papers.arxiv.ids import InvalidArxivId, parse_arxiv_id
from papers.models import ImportJob, JobStatus
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

ADD_URL = "/papers/add/"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """Jobs handed to the broker, recorded instead of sent."""
    calls: list[int] = []
    monkeypatch.setattr("papers.ingest.jobs.import_paper_publish", calls.append)
    return calls


@pytest.fixture
def user():
    return get_user_model().objects.create_user(username="ada", password="pw-ada-123456")


@pytest.fixture
def stranger():
    return get_user_model().objects.create_user(username="eve", password="pw-eve-123456")


@pytest.fixture
def staff():
    return get_user_model().objects.create_user(
        username="grace", password="pw-grace-123456", is_staff=True
    )


@pytest.fixture
def signed_in(client, user) -> Client:
    client.force_login(user)
    return client


def job_url(job: ImportJob) -> str:
    return reverse("papers:import-job", args=[job.pk])


def make_job(user, *, status=JobStatus.QUEUED, **fields) -> ImportJob:
    return ImportJob.objects.create(
        arxiv_id="2402.01234", requested_by=user, status=status, **fields
    )


# --- The form -------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in_and_back(client, queued):
    response = client.get(ADD_URL)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/papers/add/"

    response = client.post(ADD_URL, {"arxiv_id": "2402.01234"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not ImportJob.objects.exists()
    assert queued == []


def test_anonymous_htmx_requests_load_the_log_in_page_as_a_whole_page(client):
    response = client.post(
        ADD_URL, {"arxiv_id": "2402.01234"}, headers={**HTMX, "HX-Current-URL": "/papers/add/"}
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=/papers/add/"


def test_the_form_page(signed_in, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = signed_in.get(ADD_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Add a paper · BZPEER</title>" in html
    assert 'name="arxiv_id"' in html
    assert 'hx-post="/papers/add/"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'aria-current="page">Add a paper</a>' in html


def test_the_form_can_be_prefilled(signed_in):
    html = signed_in.get(ADD_URL, {"arxiv_id": "2402.01234"}).content.decode()
    assert 'value="2402.01234"' in html


@pytest.mark.parametrize("raw", ["hello", "1234.567", "0613.1234", "hep-xx/9901001"])
def test_invalid_input_is_a_field_error_and_queues_nothing(signed_in, queued, raw):
    with pytest.raises(InvalidArxivId) as expected:
        parse_arxiv_id(raw)

    response = signed_in.post(ADD_URL, {"arxiv_id": raw})

    assert response.status_code == 400
    html = response.content.decode()
    assert escape(str(expected.value)) in html
    assert 'aria-invalid="true"' in html
    assert f'value="{escape(raw)}"' in html  # what was typed stays there to be corrected
    assert "<html" in html
    assert not ImportJob.objects.exists()
    assert queued == []


def test_empty_input_asks_for_an_identifier(signed_in, queued):
    response = signed_in.post(ADD_URL, {"arxiv_id": "   "})
    assert response.status_code == 400
    assert "Enter an arXiv identifier or an arxiv.org link." in response.content.decode()
    assert queued == []


def test_htmx_gets_the_form_fragment_back_with_the_error(signed_in, queued):
    response = signed_in.post(ADD_URL, {"arxiv_id": "0613.1234"}, headers=HTMX)

    # htmx swaps only 2xx answers by default.
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="add-paper-form"')
    assert "<html" not in html and "site-header" not in html
    assert "month 13 is not 01–12" in html
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        "https://arxiv.org/abs/2203.14101",
        "https://arxiv.org/pdf/2203.14101v2",
        "http://export.arxiv.org/abs/2203.14101v1",
        "2203.14101v2",
        "arXiv:2203.14101",
        "  2203.14101  ",
    ],
)
def test_a_held_paper_opens_at_once(signed_in, queued, raw):
    paper = make_paper(arxiv_id="2203.14101", version=2)

    response = signed_in.post(ADD_URL, {"arxiv_id": raw})

    assert response.status_code == 302
    assert response["Location"] == paper.get_absolute_url() == "/papers/2203.14101/"
    assert not ImportJob.objects.exists()
    assert queued == []


def test_a_held_old_style_paper_opens_at_once(signed_in):
    paper = make_paper(arxiv_id="math/0309136", categories=("math.GT",))
    response = signed_in.post(ADD_URL, {"arxiv_id": "https://arxiv.org/abs/math.GT/0309136v1"})
    assert response["Location"] == paper.get_absolute_url()


def test_htmx_is_sent_to_a_held_paper_by_hx_redirect(signed_in, queued):
    paper = make_paper(arxiv_id="2203.14101")
    response = signed_in.post(ADD_URL, {"arxiv_id": "2203.14101"}, headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == paper.get_absolute_url()


def test_a_new_id_queues_an_import_and_opens_its_page(signed_in, user, queued):
    response = signed_in.post(ADD_URL, {"arxiv_id": "https://arxiv.org/abs/2402.01234v3"})

    job = ImportJob.objects.get()
    assert (job.arxiv_id, job.status, job.source) == ("2402.01234", "queued", "ui")
    assert job.requested_by == user
    assert queued == [job.pk]
    assert response.status_code == 302
    assert response["Location"] == job_url(job) == f"/imports/{job.pk}/"


def test_htmx_is_sent_to_the_job_page_by_hx_redirect(signed_in, queued):
    response = signed_in.post(ADD_URL, {"arxiv_id": "2402.01234"}, headers=HTMX)
    job = ImportJob.objects.get()
    assert response.status_code == 200
    assert response["HX-Redirect"] == job_url(job)


def test_two_people_asking_for_one_id_share_the_job_and_may_both_follow_it(
    signed_in, stranger, queued
):
    signed_in.post(ADD_URL, {"arxiv_id": "2402.01234"})
    other = Client()
    other.force_login(stranger)

    response = other.post(ADD_URL, {"arxiv_id": "arXiv:2402.01234"})

    job = ImportJob.objects.get()
    assert queued == [job.pk]
    assert response["Location"] == job_url(job)
    assert other.get(job_url(job)).status_code == 200


def test_only_get_and_post(signed_in):
    assert signed_in.put(ADD_URL).status_code == 405


# --- CSRF --------------------------------------------------------------------------------------


def test_posting_without_the_csrf_token_is_refused(user, queued):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    assert client.post(ADD_URL, {"arxiv_id": "2402.01234"}).status_code == 403
    assert client.post(ADD_URL, {"arxiv_id": "2402.01234"}, headers=HTMX).status_code == 403
    assert not ImportJob.objects.exists()


def test_posting_with_the_csrf_token_of_the_page_works(user, queued):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    html = client.get(ADD_URL).content.decode()
    form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    # base.html hands htmx the token in hx-headers for signed-in users.
    header_token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', html)[1]

    response = client.post(ADD_URL, {"arxiv_id": "2402.01234", "csrfmiddlewaretoken": form_token})
    assert response.status_code == 302

    response = client.post(
        ADD_URL, {"arxiv_id": "2402.05678"}, headers={**HTMX, "X-CSRFToken": header_token}
    )
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/imports/")
    assert ImportJob.objects.count() == 2


# --- The job page --------------------------------------------------------------------------------


def test_the_owner_follows_a_queued_job(signed_in, user, django_assert_max_num_queries):
    job = make_job(user)

    # Session, user, the job, and the unread notifications in the navigation.
    with django_assert_max_num_queries(4):
        response = signed_in.get(job_url(job))

    assert response.status_code == 200
    html = response.content.decode()
    assert "arXiv:2402.01234" in html
    assert "Waiting for its turn" in html
    assert f'hx-get="{job_url(job)}" hx-trigger="every 1s"' in html
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert f'href="{job_url(job)}">Refresh</a>' in html
    assert "no-cache" in response["Cache-Control"]
    assert "HX-Request" in response["Vary"]


def test_staff_may_follow_anyones_job(client, user, staff):
    job = make_job(user)
    client.force_login(staff)
    assert client.get(job_url(job)).status_code == 200


def test_strangers_do_not_learn_that_a_job_exists(client, user, stranger):
    job = make_job(user)
    client.force_login(stranger)
    assert client.get(job_url(job)).status_code == 404
    assert client.get(job_url(job), headers=HTMX).status_code == 404
    assert client.get("/imports/999999/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, user):
    job = make_job(user)
    response = client.get(job_url(job))
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/imports/{job.pk}/"


def test_polling_a_running_job_returns_the_status_fragment(
    signed_in, user, django_assert_max_num_queries
):
    job = make_job(user, status=JobStatus.RUNNING)

    with django_assert_max_num_queries(3):
        response = signed_in.get(job_url(job), headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="job-status"')
    assert "<html" not in html and "site-header" not in html
    assert 'hx-trigger="every 1s"' in html
    assert "Fetching the metadata from arXiv" in html
    assert 'aria-current="step">Fetching from arXiv' in html


def test_a_job_waiting_to_retry_says_so(signed_in, user):
    job = make_job(user, status=JobStatus.RUNNING, error="retrying: arXiv answered 503")
    html = signed_in.get(job_url(job), headers=HTMX).content.decode()
    assert "arXiv is busy" in html
    assert 'hx-trigger="every 1s"' in html


def test_a_succeeded_job_sends_the_browser_to_the_paper(signed_in, user):
    paper = make_paper(arxiv_id="2402.01234")
    job = make_job(user, status=JobStatus.SUCCEEDED, paper=paper)

    response = signed_in.get(job_url(job), headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == paper.get_absolute_url()

    response = signed_in.get(job_url(job))
    assert response.status_code == 302
    assert response["Location"] == paper.get_absolute_url()


def test_a_failed_job_shows_the_error_and_stops_polling(signed_in, user):
    job = make_job(user, status=JobStatus.FAILED, error="arXiv has no paper 2402.01234.")

    response = signed_in.get(job_url(job), headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "arXiv has no paper 2402.01234." in html
    assert "hx-trigger" not in html and "hx-get" not in html
    assert 'href="/papers/add/?arxiv_id=2402.01234"' in html

    page = signed_in.get(job_url(job)).content.decode()
    assert "arXiv has no paper 2402.01234." in page
    assert 'http-equiv="refresh"' not in page


def test_a_succeeded_job_whose_paper_is_gone_stops_polling(signed_in, user):
    job = make_job(user, status=JobStatus.SUCCEEDED, paper=None)
    html = signed_in.get(job_url(job), headers=HTMX).content.decode()
    assert "no longer held" in html
    assert "hx-trigger" not in html


# --- Limits ---------------------------------------------------------------------------------


def test_a_person_has_at_most_a_few_imports_in_flight(signed_in, user, queued, settings):
    settings.IMPORTS_IN_FLIGHT_MAX = 3
    for number in range(3):
        assert signed_in.post(ADD_URL, {"arxiv_id": f"2402.0100{number}"}).status_code == 302
    response = signed_in.post(ADD_URL, {"arxiv_id": "2402.01009"})
    assert response.status_code == 400
    assert "You have 3 papers being added already" in response.content.decode()
    assert ImportJob.objects.filter(requested_by=user).count() == 3 and len(queued) == 3
    # Joining an import someone else started is always allowed; so is a new one once one ends.
    other = get_user_model().objects.create_user(username="bob", password="pw-bob-123456")
    ImportJob.objects.create(arxiv_id="2402.02000", requested_by=other)
    assert signed_in.post(ADD_URL, {"arxiv_id": "2402.02000"}).status_code == 302
    ImportJob.objects.filter(arxiv_id="2402.01000").update(status=JobStatus.FAILED)
    assert signed_in.post(ADD_URL, {"arxiv_id": "2402.01009"}).status_code == 302


def test_adding_papers_counts_against_the_write_limit(signed_in, queued, settings):
    settings.WRITE_RATE_LIMIT = "2/m"
    settings.IMPORTS_IN_FLIGHT_MAX = 10
    codes = [signed_in.post(ADD_URL, {"arxiv_id": f"2402.0300{n}"}).status_code for n in range(3)]
    assert codes == [302, 302, 429]
