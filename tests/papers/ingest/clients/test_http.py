"""The shared retry policy: what is retried, how long it waits, what it raises."""

import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import respx

from papers.ingest.clients.http import (
    FetchError,
    TransientFetchError,
    build_client,
    get_with_retries,
    parse_retry_after,
    user_agent,
)

URL = "https://service.test/resource"


def get(client, limiter, slept, **kwargs):
    kwargs.setdefault("max_attempts", 5)
    return get_with_retries(client, URL, limiter=limiter, sleep=slept.append, **kwargs)


@respx.mock
def test_success_acquires_the_limiter_once(http_client, limiter, slept):
    route = respx.get(URL).respond(200, text="ok")
    response = get(http_client, limiter, slept, params={"a": "1"})
    assert response.text == "ok"
    assert route.call_count == 1
    assert route.calls.last.request.url.params["a"] == "1"
    assert (limiter.acquired, slept) == (1, [])


@respx.mock
def test_503_with_retry_after_seconds_waits_that_long(http_client, limiter, slept):
    route = respx.get(URL)
    route.side_effect = [httpx.Response(503, headers={"Retry-After": "2"}), httpx.Response(200)]
    assert get(http_client, limiter, slept).status_code == 200
    assert slept == [2.0]
    assert route.call_count == 2
    # The limiter is asked before every attempt, retries included.
    assert limiter.acquired == 2


@respx.mock
def test_retry_after_as_http_date(http_client, limiter, slept):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    respx.get(URL).side_effect = [
        httpx.Response(429, headers={"Retry-After": when}),
        httpx.Response(200),
    ]
    get(http_client, limiter, slept)
    assert len(slept) == 1 and 27 <= slept[0] <= 30


@respx.mock
def test_retry_after_beyond_the_cap_is_handed_to_the_caller(http_client, limiter, slept):
    route = respx.get(URL).respond(503, headers={"Retry-After": "3600"})
    with pytest.raises(TransientFetchError) as caught:
        get(http_client, limiter, slept)
    assert caught.value.retry_after == 3600
    assert caught.value.url == URL
    assert route.call_count == 1 and slept == []


@respx.mock
def test_429_without_retry_after_backs_off_with_jitter(http_client, limiter, slept):
    respx.get(URL).side_effect = [
        httpx.Response(429, text="Rate exceeded."),
        httpx.Response(429, text="Rate exceeded."),
        httpx.Response(200),
    ]
    get(http_client, limiter, slept, rng=lambda: 0.5)
    # Full jitter: uniform share (0.5 here) of 2 s, then of 4 s.
    assert slept == [1.0, 2.0]


@respx.mock
def test_500_every_time_gives_up_after_exactly_max_attempts(http_client, limiter, slept):
    route = respx.get(URL).respond(500)
    with pytest.raises(TransientFetchError) as caught:
        get(http_client, limiter, slept, max_attempts=5, rng=lambda: 1.0)
    assert route.call_count == 5
    assert limiter.acquired == 5
    # Exponential, and no wait after the last attempt.
    assert slept == [2.0, 4.0, 8.0, 16.0]
    assert "HTTP 500 after 5 attempts" in str(caught.value)
    assert caught.value.retry_after is None


@respx.mock
def test_backoff_is_capped(http_client, limiter, slept):
    respx.get(URL).respond(502)
    with pytest.raises(TransientFetchError):
        get(http_client, limiter, slept, max_attempts=8, rng=lambda: 1.0)
    assert max(slept) == 60.0


@respx.mock
def test_max_attempts_defaults_to_the_setting(http_client, limiter, slept, settings):
    settings.HTTP_MAX_ATTEMPTS = 3
    route = respx.get(URL).respond(503)
    with pytest.raises(TransientFetchError):
        get_with_retries(http_client, URL, limiter=limiter, sleep=slept.append)
    assert route.call_count == 3


@respx.mock
def test_last_retry_after_is_passed_on(http_client, limiter, slept):
    respx.get(URL).respond(503, headers={"Retry-After": "7"})
    with pytest.raises(TransientFetchError) as caught:
        get(http_client, limiter, slept, max_attempts=2)
    assert caught.value.retry_after == 7.0
    assert slept == [7.0]


@respx.mock
def test_timeout_then_success(http_client, limiter, slept):
    route = respx.get(URL)
    route.side_effect = [httpx.ReadTimeout("slow"), httpx.Response(200, text="late but fine")]
    assert get(http_client, limiter, slept, rng=lambda: 0.25).text == "late but fine"
    assert route.call_count == 2 and slept == [0.5]


@respx.mock
def test_connection_errors_are_transient(http_client, limiter, slept):
    respx.get(URL).side_effect = httpx.ConnectError("refused")
    with pytest.raises(TransientFetchError, match="ConnectError"):
        get(http_client, limiter, slept, max_attempts=2)


@respx.mock
@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_other_client_errors_are_returned_at_once(http_client, limiter, slept, status):
    route = respx.get(URL).respond(status, text="no")
    assert get(http_client, limiter, slept).status_code == status
    assert route.call_count == 1 and slept == []


@respx.mock
def test_too_many_redirects_is_permanent(http_client, limiter, slept):
    respx.get(URL).respond(302, headers={"Location": URL})
    with pytest.raises(FetchError, match="redirects"):
        get(http_client, limiter, slept)


@respx.mock
def test_each_retry_is_logged_with_url_status_and_wait(http_client, limiter, slept, caplog):
    respx.get(URL).side_effect = [
        httpx.Response(503, headers={"Retry-After": "2"}),
        httpx.Response(200),
    ]
    with caplog.at_level(logging.WARNING, logger="papers.ingest.clients.http"):
        get(http_client, limiter, slept)
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert URL in record.getMessage()
    assert "HTTP 503" in record.getMessage() and "2.0 s" in record.getMessage()


@respx.mock
def test_user_agent_names_bzpeer_and_the_contact_address(settings):
    settings.CONTACT_EMAIL = "curators@example.org"
    route = respx.get(URL).respond(200)
    with build_client() as client:
        get_with_retries(client, URL)
    agent = route.calls.last.request.headers["User-Agent"]
    assert agent == user_agent()
    assert agent.startswith("BZPEER/") and "mailto:curators@example.org" in agent


def test_build_client_uses_the_timeout_setting(settings):
    settings.HTTP_TIMEOUT = 12.5
    with build_client() as client:
        assert client.timeout.read == 12.5 and client.follow_redirects
    with build_client(timeout=2) as client:
        assert client.timeout.connect == 2


@pytest.mark.parametrize(
    ("header", "expected"),
    [("2", 2.0), (" 0 ", 0.0), ("-5", 0.0), ("soon", None), ("", None), (None, None)],
)
def test_parse_retry_after(header, expected):
    assert parse_retry_after(header) == expected


def test_parse_retry_after_date_in_the_past_is_zero():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
