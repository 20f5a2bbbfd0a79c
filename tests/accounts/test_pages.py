"""Every account page renders inside the site's layout; social log-in shows only with keys."""

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db

ANONYMOUS_PAGES = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/confirm-email/",
]
SIGNED_IN_PAGES = [
    "/accounts/logout/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/profile/edit/",
    "/accounts/profile/ada/",
]
KEYS = {
    "orcid": {"APPS": [{"client_id": "orcid-id", "secret": "orcid-secret"}]},
    "github": {"APPS": [{"client_id": "github-id", "secret": "github-secret"}]},
}


def assert_site_page(html: str) -> None:
    assert 'class="site-header"' in html
    assert 'class="site-footer"' in html
    assert "/static/css/site." in html
    assert html.count("<html") == 1


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_anonymous_account_pages_use_the_site_layout(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    assert_site_page(response.content.decode())


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_account_pages_use_the_site_layout(client, path):
    user = get_user_model().objects.create_user(
        username="ada", email="ada@example.org", password="a password 123"
    )
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, path
    assert_site_page(response.content.decode())


def test_an_invalid_confirmation_link_says_so(client):
    response = client.get("/accounts/confirm-email/not-a-real-key/")
    assert response.status_code == 200
    assert "expired or is invalid" in response.content.decode()


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/"])
def test_no_social_buttons_without_keys(client, settings, path):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    html = client.get(path).content.decode()
    assert "Continue with" not in html
    assert "/accounts/orcid/" not in html
    assert "/accounts/github/" not in html


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/"])
def test_social_buttons_appear_for_providers_with_keys(client, settings, path):
    settings.SOCIALACCOUNT_PROVIDERS = KEYS
    html = client.get(path).content.decode()
    assert "Continue with ORCID" in html
    assert "Continue with GitHub" in html
    assert 'href="/accounts/orcid/login/?process=login' in html


def test_only_the_provider_with_keys_appears(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"orcid": KEYS["orcid"]}
    html = client.get("/accounts/login/").content.decode()
    assert "Continue with ORCID" in html
    assert "GitHub" not in html
