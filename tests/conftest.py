import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from papers.catalogue import page_cache, viewer_cache, viewer_nav
from papers.catalogue.page_cache import local_pages
from papers.ingest import jobs as import_jobs
from tests.support.fake_arxiv import fake_arxiv  # noqa: F401  (a fixture for every test module)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache (the tests use their own Redis database)."""
    cache.clear()
    local_pages.clear()
    page_cache.local_cards.clear()
    viewer_cache.local_viewer_pages.clear()
    viewer_nav.shared_renderings.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _page_tokens_follow_changes(request, monkeypatch):
    """A test wrapped in one transaction never commits, so the page caches' on-commit
    invalidation and the hand-over of import jobs to the broker would never run: there they
    run as soon as a change asks for them, as if each change committed. Transactional tests
    keep the real on-commit behaviour."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if not transactional:
        monkeypatch.setattr(page_cache, "on_commit", lambda callback: callback())
        monkeypatch.setattr(import_jobs, "on_commit", lambda callback: callback())
        monkeypatch.setattr(viewer_cache, "on_commit", lambda callback: callback())


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashers take around a second per password on small machines.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def curator(django_user_model):
    """A signed-up curator (any logged-in user curates)."""
    return django_user_model.objects.create_user(
        "curator", email="curator@example.org", password="x" * 12
    )


@pytest.fixture
def other_curator(django_user_model):
    return django_user_model.objects.create_user(
        "other", email="other@example.org", password="y" * 12
    )


@pytest.fixture
def api(curator) -> APIClient:
    """An API client signed in as ``curator``."""
    client = APIClient()
    client.force_login(curator)
    return client


@pytest.fixture
def other_api(other_curator) -> APIClient:
    client = APIClient()
    client.force_login(other_curator)
    return client
