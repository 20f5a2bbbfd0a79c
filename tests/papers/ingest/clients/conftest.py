import pytest

from tests.support.fake_arxiv import fake_arxiv  # noqa: F401  (the fixture, for the tests here)
from tests.support.limiters import NoWaitLimiter


@pytest.fixture
def limiter() -> NoWaitLimiter:
    return NoWaitLimiter()


@pytest.fixture
def slept() -> list[float]:
    """Pass ``slept.append`` as ``sleep``: records each wait instead of waiting."""
    return []


@pytest.fixture
def http_client():
    from papers.ingest.clients.http import build_client

    with build_client(timeout=5) as client:
        yield client
