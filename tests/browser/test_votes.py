"""Voting in a real browser: HTMX swaps the "Next steps" block in place, without a reload."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import expect

from papers.models import Vote
from tests.browser.conftest import BIG_ID

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server) -> None:
    """Carry a force-logged-in session into the browser, so no log-in form is involved."""
    user = get_user_model().objects.create_user("curator", password="x" * 12)
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def test_like_then_dislike_updates_counts_in_place(desktop, live_server, papers, screenshot):
    page = desktop
    _sign_in(page, live_server)
    url = f"{live_server.url}/papers/{BIG_ID}/"
    page.goto(url)
    block = page.locator("#next-steps")
    likes, dislikes = (
        block.locator('[data-count="likes"]'),
        block.locator('[data-count="dislikes"]'),
    )
    expect(likes).to_have_text("0")
    # A marker on the window survives only if the page is never reloaded.
    page.evaluate("window.bzpeerNoReload = true")

    like = block.get_by_role("button", name="Like", exact=True)
    expect(like).to_have_attribute("aria-pressed", "false")
    like.click()
    expect(likes).to_have_text("1")
    expect(block.get_by_role("button", name="Like", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )

    block.get_by_role("button", name="Dislike", exact=True).click()
    expect(dislikes).to_have_text("1")
    expect(likes).to_have_text("0")
    expect(block.get_by_role("button", name="Dislike", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(block.get_by_role("button", name="Like", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )
    screenshot(page, "votes-signed-in")

    assert page.url == url
    assert page.evaluate("window.bzpeerNoReload") is True
    assert list(Vote.objects.values_list("value", flat=True)) == [Vote.Value.DISLIKE]


def test_anonymous_visitor_is_offered_log_in_with_next(desktop, live_server, papers):
    page = desktop
    page.goto(f"{live_server.url}/papers/{BIG_ID}/")
    block = page.locator("#next-steps")
    expect(block.get_by_role("heading", name="Next steps")).to_be_visible()
    expect(block.get_by_role("button", name="Like", exact=True)).to_have_count(0)
    link = block.get_by_role("link", name="Log in to curate")
    expect(link).to_be_visible()
    expect(link).to_have_attribute(
        "href", re.compile(rf"^{re.escape(settings.LOGIN_URL)}\?next=/papers/{BIG_ID}/$")
    )
