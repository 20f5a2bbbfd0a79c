"""Sessions are read from the cache and kept in the database; a cache that fails never
signs anyone out or fails a page."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from redis.exceptions import ConnectionError as RedisConnectionError

from accounts import sessions

pytestmark = pytest.mark.django_db


def _session_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/accounts/profile/edit/").status_code == 200
    return sum("django_session" in query["sql"] for query in queries.captured_queries)


@pytest.fixture
def broken_cache(monkeypatch):
    def fail(*args, **kwargs):
        raise RedisConnectionError("the cache is down")

    for name in ("get", "set", "delete", "has_key"):
        monkeypatch.setattr(cache, name, fail)


def test_a_signed_in_request_reads_its_session_from_the_cache(client, curator):
    client.force_login(curator)
    assert _session_queries(client) == 0
    # Once dropped from the cache, it comes from the database and is cached again.
    cache.clear()
    assert _session_queries(client) == 1
    assert _session_queries(client) == 0


def test_the_cached_copy_is_kept_a_few_minutes_at_most(client, curator):
    client.force_login(curator)
    key = cache.make_and_validate_key(
        sessions.SessionStore.cache_key_prefix + client.session.session_key
    )
    seconds = cache._cache.get_client(key).ttl(key)
    assert 0 < seconds <= sessions.CACHE_SECONDS


def test_with_the_cache_down_pages_log_in_and_log_out_still_work(client, curator, broken_cache):
    client.force_login(curator)
    assert _session_queries(client) == 1
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/accounts/profile/edit/").status_code == 302  # to log in
