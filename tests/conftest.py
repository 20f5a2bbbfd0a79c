import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache (the tests use their own Redis database)."""
    cache.clear()
    yield
    cache.clear()
