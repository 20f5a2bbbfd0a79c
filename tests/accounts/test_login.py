"""Logging in and out through django-allauth, styled like the rest of BZPEER."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
LOGOUT_URL = "/accounts/logout/"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def user():
    user = get_user_model().objects.create_user(
        username="ada", email="ada@example.org", password=PASSWORD
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_the_log_in_page_renders(client):
    response = client.get(LOGIN_URL, {"next": "/papers/add/"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Log in · BZPEER</title>" in html
    assert 'name="login"' in html and 'name="password"' in html
    assert 'autocomplete="current-password"' in html
    assert 'name="next" value="/papers/add/"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'href="/accounts/signup/' in html
    assert 'href="/accounts/password/reset/"' in html
    assert '<label class="field__label" for="id_login">Username or email</label>' in html


def test_a_wrong_password_is_an_error_on_the_page(client, user):
    response = client.post(LOGIN_URL, {"login": "ada", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "The username and/or password you specified are not correct." in html
    assert 'role="alert"' in html
    assert 'value="ada"' in html
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("login", ["ada", "ada@example.org", "ADA@example.org"])
def test_logging_in_by_username_or_email_returns_to_next(client, user, login):
    response = client.post(
        LOGIN_URL, {"login": login, "password": PASSWORD, "next": "/papers/add/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/papers/add/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_next_may_not_leave_the_site(client, user):
    response = client.post(
        LOGIN_URL, {"login": "ada", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signed_in_visitors_skip_the_log_in_page(client, user):
    client.force_login(user)
    response = client.get(LOGIN_URL, {"next": "/papers/add/"})
    assert response.status_code == 302
    assert response["Location"] == "/papers/add/"


def test_logging_in_fails_clearly_after_too_many_wrong_passwords(client, user, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/key"}
    for _ in range(3):
        response = client.post(LOGIN_URL, {"login": "ada", "password": "wrong"})
        assert "Too many failed login attempts" not in response.content.decode()

    # Even the right password is refused until the limit's window has passed.
    response = client.post(LOGIN_URL, {"login": "ada", "password": PASSWORD})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Too many failed login attempts. Try again later." in html
    assert 'role="alert"' in html
    assert "_auth_user_id" not in client.session


def test_logging_out_takes_a_post(client, user):
    client.force_login(user)

    # A GET only asks for confirmation: a link or an image cannot sign anyone out.
    response = client.get(LOGOUT_URL)
    assert response.status_code == 200
    assert 'method="post"' in response.content.decode()
    assert client.session.get("_auth_user_id") == str(user.pk)

    response = client.post(LOGOUT_URL)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session


def test_django_url_names_still_lead_to_the_allauth_pages():
    from django.urls import reverse

    assert reverse("login") == LOGIN_URL
    assert reverse("logout") == LOGOUT_URL


def test_the_header_links_to_profile_and_log_out_when_signed_in(client, user):
    user.display_name = "Ada Lovelace"
    user.save()
    client.force_login(user)
    html = client.get("/").content.decode()
    assert 'href="/papers/add/"' in html
    assert f'action="{LOGOUT_URL}"' in html
    assert 'href="/accounts/profile/ada/"' in html
    assert "Ada Lovelace</a>" in html
    assert "Log in</a>" not in html
    assert "Sign up</a>" not in html


def test_anonymous_pages_carry_nothing_personal(client, user):
    """Anonymous paper pages are cached and shared: only plain account links may be there."""
    paper = make_paper(arxiv_id="2203.14101")
    html = client.get(paper.get_absolute_url()).content.decode()
    assert 'href="/accounts/login/?next=/papers/2203.14101/">Log in</a>' in html
    assert 'href="/accounts/signup/">Sign up</a>' in html
    assert "csrfmiddlewaretoken" not in html
    assert "X-CSRFToken" not in html
    assert "/papers/add/" not in html
    assert LOGOUT_URL not in html
    assert "/accounts/profile/" not in html


def test_wrong_passwords_for_one_account_do_not_lock_out_the_others(client, user):
    other = get_user_model().objects.create_user(
        username="bob", email="bob@example.org", password=PASSWORD
    )
    EmailAddress.objects.create(user=other, email=other.email, verified=True, primary=True)
    for _ in range(12):
        client.post(LOGIN_URL, {"login": "ada", "password": "wrong"})
    # Ada's account is locked for a while (5 failures in 5 minutes)...
    response = client.post(LOGIN_URL, {"login": "ada", "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    # ...but not everyone else who shares her address.
    response = client.post(LOGIN_URL, {"login": "bob", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)


@pytest.mark.parametrize("proxies", [0, 1])
def test_the_address_limit_trusts_forwarded_addresses_only_behind_our_proxies(
    client, user, settings, proxies
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "2/m/ip"}

    def fail(address: str) -> str:
        headers = {"X-Forwarded-For": address}
        data = {"login": "nobody", "password": "wrong"}
        return client.post(LOGIN_URL, data, headers=headers).content.decode()

    for _ in range(2):
        fail("203.0.113.1")
    # Another client behind the proxy has its own budget; without a trusted proxy the header
    # is the client's to forge, so every request counts against the connecting address.
    refused = "Too many failed login attempts" in fail("203.0.113.2")
    assert refused is (proxies == 0)
