"""The whole curation loop in Chromium: a new curator signs up, confirms the address, logs in,
votes, saves into a new public collection, reacts, opens the collection and exports it; and
an anonymous visitor's click goes through log-in and back to the same paper."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from papers.models import Collection, Reaction, Vote
from tests.browser.conftest import BIG_ID

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


def _sign_up_and_confirm(page, live_server) -> None:
    mail.outbox.clear()
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Email").fill("lin@example.org")
    page.get_by_label("Username").fill("lin")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    # The confirmation link, read from the message the email backend was handed.
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[-1].body).group(0)
    page.goto(f"{live_server.url}{urlsplit(link).path}")
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")


def _log_in(page) -> None:
    page.get_by_label("Username or email").fill("lin@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_sign_up_vote_save_react_and_export(desktop, live_server, papers, screenshot):
    page = desktop
    _sign_up_and_confirm(page, live_server)
    _log_in(page)
    expect(page.get_by_role("banner").get_by_role("link", name="lin")).to_be_visible()

    paper_url = f"{live_server.url}/papers/{BIG_ID}/"
    page.goto(paper_url)
    page.evaluate("window.bzpeerNoReload = true")
    curation = page.locator("#curation")
    likes = curation.locator('[data-count="likes"]')

    curation.get_by_role("button", name="Like", exact=True).click()
    expect(likes).to_have_text("1")
    curation.get_by_role("button", name="Dislike", exact=True).click()
    expect(curation.locator('[data-count="dislikes"]')).to_have_text("1")
    expect(likes).to_have_text("0")
    frame = page.locator("#reading-frame")
    expect(frame.locator('[data-frame="vote"] dd')).to_have_text("Disliked")

    # Save into a new public collection from the same control.
    page.locator(".save-control__collections > summary").click()
    page.get_by_label("New collection").fill("Roadmaps worth reading")
    page.get_by_role("checkbox", name=re.compile("Public")).check()
    page.get_by_role("button", name="Create and save").click()
    chosen = page.get_by_role("button", name=re.compile("^Roadmaps worth reading"))
    expect(chosen).to_have_attribute("aria-pressed", "true")
    expect(frame.locator('[data-frame="saved"] dd')).to_have_text("Saved in Roadmaps worth reading")
    expect(page.locator("#paper-saves .count__value")).to_have_text("1")

    novel = page.get_by_role("button", name=re.compile("^Novel method"))
    novel.click()
    expect(page.get_by_role("button", name=re.compile("^Novel method"))).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator('[data-reaction-count="novel_method"]')).to_have_text("1")
    expect(frame.locator('[data-frame="reactions"] dd')).to_have_text("Novel method")
    screenshot(page, "curation-paper-page")
    assert page.evaluate("window.bzpeerNoReload") is True

    # The public collection page, reached from the reading frame.
    frame.locator('[data-frame="collections"]').get_by_role(
        "link", name="Roadmaps worth reading"
    ).click()
    expect(page.get_by_role("heading", name="Roadmaps worth reading", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="A Roadmap for Big Model")).to_be_visible()
    screenshot(page, "curation-collection-page")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="BibTeX").click()
    bibtex = Path(download_info.value.path()).read_text(encoding="utf-8")
    assert bibtex.count("@misc{") == 1
    assert f"eprint = {{{BIG_ID}}}" in bibtex
    assert "title = {{A Roadmap for Big Model}}" in bibtex

    collection = Collection.objects.get(name="Roadmaps worth reading")
    assert collection.is_public and collection.owner.username == "lin"
    assert list(Vote.objects.values_list("value", flat=True)) == [Vote.Value.DISLIKE]
    assert list(Reaction.objects.values_list("kind", flat=True)) == ["novel_method"]


def test_anonymous_click_goes_through_log_in_and_back(desktop, live_server, papers):
    page = desktop
    _sign_up_and_confirm(page, live_server)
    page.context.clear_cookies()

    paper_url = f"{live_server.url}/papers/{BIG_ID}/"
    page.goto(paper_url)
    curation = page.locator("#curation")
    expect(curation.get_by_role("link", name="Log in to curate")).to_be_visible()
    curation.get_by_role("link", name="Like", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    _log_in(page)

    # Back on the same paper at its curation block, with the action named and its button
    # marked (and in view), not yet done.
    expect(page).to_have_url(f"{paper_url}?intent=like#curation")
    expect(page.locator("#next-steps").get_by_role("status")).to_contain_text(
        "You wanted to like this paper"
    )
    like = page.locator("#curation").get_by_role("button", name="Like", exact=True)
    expect(like).to_have_class(re.compile("vote-button--intended"))
    expect(like).to_be_in_viewport()
    assert not Vote.objects.exists()
    like.click()
    expect(page.locator('[data-count="likes"]')).to_have_text("1")
    assert list(Vote.objects.values_list("value", flat=True)) == [Vote.Value.LIKE]

    # The plain "Log in to curate" link returns to the paper too.
    page.context.clear_cookies()
    page.goto(paper_url)
    page.get_by_role("link", name="Log in to curate").click()
    _log_in(page)
    expect(page).to_have_url(paper_url)
