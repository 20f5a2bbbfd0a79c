"""Add a paper in a real browser: log in, ask for a paper BZPEER does not hold, watch the
import run in a real Celery worker against a stand-in arXiv API, and land on the paper."""

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from papers.models import ImportJob, JobStatus
from tests.browser.conftest import atom_entry, atom_feed
from tests.support.fake_arxiv import (
    API_PATH,
    ApiFromFeeds,
    FakeArxivServer,
    FakeResponse,
    RecordedRequest,
)
from tests.support.worker import celery_worker

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

NEW_ID = "2405.06789"
NEW_TITLE = "Curating Papers with Shared Import Jobs"
MISSING_ID = "2405.99999"  # well formed, but arXiv has no such paper
PASSWORD = "correct horse battery staple"
# Long enough for a worker that is slow to start; the test releases the answer far sooner.
HOLD_TIMEOUT = 25


class HeldApi:
    """The fake arXiv API's answers, each held until the test releases it.

    Holding them lets the test see the progress page while the worker is mid-request.
    """

    def __init__(self, server: FakeArxivServer):
        self.server = server
        self.release = threading.Event()
        self.asked = threading.Event()
        self._answer = ApiFromFeeds((atom_feed([_entry()]),))
        server.route(API_PATH, self)

    def __call__(self, request: RecordedRequest) -> FakeResponse:
        self.asked.set()
        self.release.wait(HOLD_TIMEOUT)
        return self._answer(request)


def _entry() -> str:
    return atom_entry(
        arxiv_id=NEW_ID,
        version=2,
        title=NEW_TITLE,
        abstract="We show how a curation site imports papers on request.",
        authors=[("Ada Lovelace", ("Analytical Engines Ltd",)), ("Alan Turing", ())],
        categories=("cs.DL", "cs.IR"),
        published=datetime(2024, 5, 10, 9, 0, tzinfo=UTC),
        updated=datetime(2024, 5, 20, 9, 0, tzinfo=UTC),
    )


@pytest.fixture
def arxiv_and_worker(fake_arxiv) -> Iterator[HeldApi]:
    api = HeldApi(fake_arxiv)
    try:
        with celery_worker(
            ARXIV_API_URL=fake_arxiv.api_url, ARXIV_REQUEST_INTERVAL="0", OPENALEX_API_KEY=""
        ):
            yield api
    finally:
        # A held answer would keep the server from stopping.
        api.release.set()


@pytest.fixture
def curator(transactional_db):
    from accounts.services import add_verified_email

    user = get_user_model().objects.create_user(username="ada", password=PASSWORD)
    # Logging in needs a verified email address.
    add_verified_email(user, "ada@example.org")
    return user


def log_in(page, live_server, screenshot=None) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Log in").click()
    if screenshot:
        screenshot(page, "add-login")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_adding_a_new_paper_shows_progress_and_opens_it(
    live_server, curator, arxiv_and_worker, desktop, screenshot
):
    page = desktop
    log_in(page, live_server, screenshot)
    page.get_by_role("link", name="Add a paper").click()
    expect(page).to_have_url(f"{live_server.url}/papers/add/")
    screenshot(page, "add-form")

    # A mistake comes back in place, in the form, without leaving the page.
    field = page.get_by_label("arXiv id or link")
    field.fill("0613.1234")
    page.get_by_role("button", name="Add paper").click()
    error = page.locator(".field__error")
    expect(error).to_contain_text("month 13 is not 01–12")
    expect(page).to_have_url(f"{live_server.url}/papers/add/")
    expect(field).to_have_attribute("aria-invalid", "true")
    screenshot(page, "add-invalid")
    assert not ImportJob.objects.exists()

    field.fill(f"https://arxiv.org/abs/{NEW_ID}v2")
    page.get_by_role("button", name="Add paper").click()

    expect(page).to_have_url(re.compile(rf"{re.escape(live_server.url)}/imports/\d+/$"))
    expect(page.locator("h1")).to_have_text(f"arXiv:{NEW_ID}")
    # The worker has taken the job and waits for arXiv's answer.
    assert arxiv_and_worker.asked.wait(30), "the worker never asked arXiv"
    expect(page.locator('.job-step[aria-current="step"]')).to_have_text("Fetching from arXiv")
    expect(page.get_by_role("status")).to_contain_text("Fetching the metadata from arXiv")
    screenshot(page, "add-progress")

    arxiv_and_worker.release.set()

    expect(page).to_have_url(f"{live_server.url}/papers/{NEW_ID}/", timeout=30_000)
    expect(page.locator("h1")).to_have_text(NEW_TITLE)
    screenshot(page, "add-landed")

    job = ImportJob.objects.get()
    assert (job.status, job.requested_by, job.paper.arxiv_id) == (
        JobStatus.SUCCEEDED,
        curator,
        NEW_ID,
    )
    assert [r.param("id_list") for r in arxiv_and_worker.server.requests] == [NEW_ID]


def test_adding_a_paper_works_without_javascript(
    browser, live_server, curator, arxiv_and_worker, screenshot
):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        log_in(page, live_server)
        page.get_by_role("link", name="Add a paper").click()

        field = page.get_by_label("arXiv id or link")
        field.fill("hello")
        page.get_by_role("button", name="Add paper").click()
        expect(page.locator(".field__error")).to_contain_text("is not an arXiv identifier")

        field = page.get_by_label("arXiv id or link")
        field.fill(f"arXiv:{NEW_ID}")
        page.get_by_role("button", name="Add paper").click()
        expect(page).to_have_url(re.compile(rf"{re.escape(live_server.url)}/imports/\d+/$"))
        expect(page.get_by_role("link", name="Refresh")).to_be_visible()
        screenshot(page, "add-progress-nojs-phone")

        arxiv_and_worker.release.set()

        # The page reloads itself (meta refresh) and is sent on to the paper.
        expect(page).to_have_url(f"{live_server.url}/papers/{NEW_ID}/", timeout=30_000)
        expect(page.locator("h1")).to_have_text(NEW_TITLE)
    finally:
        context.close()


def test_a_paper_arxiv_does_not_have_ends_in_an_error_with_a_way_back(
    live_server, curator, arxiv_and_worker, desktop, screenshot
):
    arxiv_and_worker.release.set()
    page = desktop
    log_in(page, live_server)
    page.get_by_role("link", name="Add a paper").click()
    page.get_by_label("arXiv id or link").fill(MISSING_ID)
    page.get_by_role("button", name="Add paper").click()

    status = page.locator("#job-status")
    expect(status).to_contain_text(f"arXiv has no paper {MISSING_ID}.", timeout=30_000)
    expect(page.locator('.job-step[aria-current="step"]')).to_have_text("Failed")
    # Polling has stopped: the finished fragment carries no trigger.
    expect(status).not_to_have_attribute("hx-trigger", re.compile(".*"))
    screenshot(page, "add-failed")

    page.get_by_role("link", name="Back to Add a paper").click()
    expect(page).to_have_url(f"{live_server.url}/papers/add/?arxiv_id={MISSING_ID}")
    expect(page.get_by_label("arXiv id or link")).to_have_value(MISSING_ID)
