"""Signing up, verifying the email address, and resetting or changing the password."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
LINK = re.compile(r"https?://[^\s]+/accounts/[^\s]+")


def sign_up(client, **overrides):
    data = {
        "email": "grace@example.org",
        "username": "grace",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }
    return client.post("/accounts/signup/", data)


def link_in(message) -> str:
    return LINK.search(message.body).group(0).split("://", 1)[1].split("/", 1)[1]


def test_signing_up_sends_a_verification_mail_and_does_not_log_in(client):
    response = sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = get_user_model().objects.get(username="grace")
    address = EmailAddress.objects.get(user=user)
    assert address.email == "grace@example.org"
    assert not address.verified
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["grace@example.org"]
    assert mail.outbox[0].subject.startswith("[BZPEER] ")
    assert "/accounts/confirm-email/" in mail.outbox[0].body

    page = client.get(response["Location"]).content.decode()
    assert "Verify Your Email Address" in page


def test_an_unverified_account_cannot_log_in(client):
    sign_up(client)
    mail.outbox.clear()
    response = client.post("/accounts/login/", {"login": "grace", "password": PASSWORD})
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session
    # The verification mail is not sent again within ACCOUNT_RATE_LIMITS["confirm_email"].
    assert not mail.outbox


def test_the_confirmation_link_verifies_and_allows_logging_in(client):
    sign_up(client)
    confirm_path = "/" + link_in(mail.outbox[0])

    page = client.get(confirm_path)
    assert page.status_code == 200
    assert "grace@example.org" in page.content.decode()
    response = client.post(confirm_path)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="grace@example.org").verified

    response = client.post("/accounts/login/", {"login": "grace@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(get_user_model().objects.get(username="grace").pk)


def test_sign_up_errors_are_shown_on_the_form(client):
    get_user_model().objects.create_user(username="grace", email="g@example.org")
    response = sign_up(client, email="not-an-email", password2="something else")
    html = response.content.decode()
    assert response.status_code == 200
    assert "field--invalid" in html
    assert "A user with that username already exists." in html
    assert "Enter a valid email address." in html
    assert not mail.outbox


def test_a_password_reset_sends_a_mail_with_a_working_link(client):
    user = get_user_model().objects.create_user(
        username="ada", email="ada@example.org", password="old password 123"
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    response = client.post("/accounts/password/reset/", {"email": "ada@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@example.org"]

    key_path = "/" + link_in(mail.outbox[0])
    response = client.get(key_path, follow=True)
    form_path = response.redirect_chain[-1][0] if response.redirect_chain else key_path
    response = client.post(form_path, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_changing_the_password_needs_the_old_one(client):
    user = get_user_model().objects.create_user(
        username="ada", email="ada@example.org", password="old password 123"
    )
    client.force_login(user)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": "wrong", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 200
    assert "field--invalid" in response.content.decode()

    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": "old password 123", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
