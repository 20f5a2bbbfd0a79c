"""Browser test: sign up, confirm the address from the mail, log in and out, in Chromium."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

PASSWORD = "correct horse battery staple"


def confirmation_path() -> str:
    """The path of the confirmation link in the last mail (the live server shares the outbox)."""
    assert mail.outbox, "no mail was sent"
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[-1].body).group(0)
    return urlsplit(link).path


@pytest.mark.django_db(transaction=True)
def test_sign_up_confirm_log_in_and_out(live_server, desktop, screenshot):
    page = desktop
    mail.outbox.clear()

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Sign up").click()
    expect(page).to_have_title("Sign up · BZPEER")
    screenshot(page, "accounts-signup")
    page.get_by_label("Email").fill("grace@example.org")
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    # Not signed in yet: the address must be confirmed first.
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    screenshot(page, "accounts-verification-sent")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["grace@example.org"]

    page.goto(f"{live_server.url}{confirmation_path()}")
    expect(page.get_by_text("grace@example.org")).to_be_visible()
    screenshot(page, "accounts-confirm")
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username or email").fill("grace@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(f"{live_server.url}/")
    header = page.get_by_role("banner")
    expect(header.get_by_role("link", name="grace")).to_have_attribute(
        "href", "/accounts/profile/grace/"
    )
    expect(header.get_by_role("link", name="Log in")).to_have_count(0)
    screenshot(page, "accounts-signed-in")

    header.get_by_role("button", name="Log out").click()
    expect(header.get_by_role("link", name="Log in")).to_be_visible()
    expect(header.get_by_role("button", name="Log out")).to_have_count(0)


@pytest.mark.django_db(transaction=True)
def test_a_wrong_password_is_reported_in_the_form(live_server, desktop):
    from django.contrib.auth import get_user_model

    from accounts.services import add_verified_email

    user = get_user_model().objects.create_user(username="ada", password=PASSWORD)
    add_verified_email(user, "ada@example.org")
    page = desktop
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username or email").fill("ada")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
