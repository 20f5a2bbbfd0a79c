"""Logging in and out with Django's own views, styled like the rest of BZPEER."""

import pytest
from django.contrib.auth import get_user_model

from tests.factories import make_paper

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
LOGOUT_URL = "/accounts/logout/"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def user():
    return get_user_model().objects.create_user(username="ada", password=PASSWORD)


def test_the_log_in_page_renders(client):
    response = client.get(LOGIN_URL, {"next": "/papers/add/"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Log in · BZPEER</title>" in html
    assert 'name="username"' in html and 'name="password"' in html
    assert 'autocomplete="current-password"' in html
    assert '<input type="hidden" name="next" value="/papers/add/">' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_a_wrong_password_is_an_error_on_the_page(client, user):
    response = client.post(LOGIN_URL, {"username": "ada", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please enter a correct username and password." in html
    assert 'role="alert"' in html
    assert 'value="ada"' in html
    assert "_auth_user_id" not in client.session


def test_logging_in_returns_to_next(client, user):
    response = client.post(
        LOGIN_URL, {"username": "ada", "password": PASSWORD, "next": "/papers/add/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/papers/add/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_next_may_not_leave_the_site(client, user):
    response = client.post(
        LOGIN_URL, {"username": "ada", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_signed_in_visitors_skip_the_log_in_page(client, user):
    client.force_login(user)
    response = client.get(LOGIN_URL, {"next": "/papers/add/"})
    assert response.status_code == 302
    assert response["Location"] == "/papers/add/"


def test_logging_out_takes_a_post(client, user):
    client.force_login(user)

    assert client.get(LOGOUT_URL).status_code == 405
    assert client.session.get("_auth_user_id") == str(user.pk)

    response = client.post(LOGOUT_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "You have logged out" in html
    assert "_auth_user_id" not in client.session
    assert 'href="/accounts/login/">Log in</a>' in html


def test_the_header_links_to_add_a_paper_and_log_out_when_signed_in(client, user):
    client.force_login(user)
    html = client.get("/").content.decode()
    assert 'href="/papers/add/"' in html
    assert f'action="{LOGOUT_URL}"' in html
    assert "Log in</a>" not in html


def test_anonymous_pages_carry_nothing_personal(client, user):
    """Anonymous paper pages are cached and shared: only a plain log-in link may be there."""
    paper = make_paper(arxiv_id="2203.14101")
    html = client.get(paper.get_absolute_url()).content.decode()
    assert 'href="/accounts/login/?next=/papers/2203.14101/">Log in</a>' in html
    assert "csrfmiddlewaretoken" not in html
    assert "X-CSRFToken" not in html
    assert "/papers/add/" not in html
    assert LOGOUT_URL not in html
