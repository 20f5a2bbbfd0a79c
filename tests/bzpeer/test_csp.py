"""The Content-Security-Policy header: on every page, cached or not, with the directives the
README describes; the API's Swagger page needs no exception to it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    policy = {}
    for part in header.split(";"):
        name, *values = part.split()
        assert name not in policy, f"{name} twice in {header}"
        policy[name] = values
    return policy


def test_an_html_page_has_the_strict_policy(client):
    paper = make_paper()
    first = client.get(f"/papers/{paper.arxiv_id}/")
    again = client.get(f"/papers/{paper.arxiv_id}/")  # from the anonymous page cache

    for response in (first, again):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert directives(response) == EXPECTED
    assert "Content-Security-Policy-Report-Only" not in first
    header = first["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    assert "nonce-" not in header  # shared cached pages cannot carry a per-response nonce


def test_signed_in_pages_and_errors_have_it_too(client, curator):
    client.force_login(curator)
    assert directives(client.get("/papers/add/")) == EXPECTED
    assert directives(client.get("/collections/")) == EXPECTED
    not_found = client.get("/papers/2401.99999/")
    assert not_found.status_code == 404
    assert directives(not_found) == EXPECTED


def test_the_api_docs_page_loads_its_script_from_the_site(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert directives(page) == EXPECTED
    html = page.content.decode()
    assert "<script>" not in html and "<style>" not in html
    assert 'src="/api/docs/?script="' in html

    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    assert '"validatorUrl": null' in script.content.decode()


def test_social_log_in_providers_may_receive_the_log_in_form():
    """A provider's log-in form is redirected to the provider: form-action allows it."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/"),
        "DEBUG": "1",
        "GITHUB_CLIENT_ID": "id",
        "GITHUB_SECRET": "secret",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import bzpeer.settings as s; print(' '.join(s.SECURE_CSP['form-action']))",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["'self'", "https://github.com"]
