"""Request spacing: across processes through Redis, across threads without it."""

import itertools
import multiprocessing
import statistics
import threading
import time
import uuid

import httpx
import pytest
from django.conf import settings

from papers.ingest.clients.http import TransientFetchError
from papers.ingest.clients.ratelimit import SharedIntervalLimiter, arxiv_limiter, openalex_limiter

INTERVAL = 0.2
# Scheduling and loopback jitter between a reservation and the moment it is observed.
TOLERANCE = 0.015
PROCESSES = 4
ACQUISITIONS = 5


def spacings(times: list[float]) -> list[float]:
    ordered = sorted(times)
    return [later - earlier for earlier, later in itertools.pairwise(ordered)]


@pytest.fixture
def limiter_name():
    name = f"test-{uuid.uuid4().hex}"
    yield name
    if settings.REDIS_URL:
        SharedIntervalLimiter(name, INTERVAL).reset()
    SharedIntervalLimiter(name, INTERVAL, redis_url="").reset()


@pytest.fixture
def redis_url():
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    return settings.REDIS_URL


def acquire_and_send(name, redis_url, url, start, results) -> None:
    """One worker process: waits for the others, then sends through the shared limiter."""
    limiter = SharedIntervalLimiter(name, INTERVAL, redis_url=redis_url)
    acquired = []
    with httpx.Client(timeout=5) as client:
        # Connect first, so connection setup does not blur the measured arrival times.
        client.get(url.replace("/ping", "/warm-up"))
        start.wait(timeout=30)
        for _ in range(ACQUISITIONS):
            limiter.acquire()
            acquired.append(time.monotonic())
            client.get(url)
    results.put(acquired)


@pytest.mark.slow
def test_processes_sharing_redis_keep_the_interval(fake_arxiv, redis_url, limiter_name):
    fake_arxiv.script("/ping", (200, {}, b"pong"), repeat_last=True)
    fake_arxiv.script("/warm-up", (200, {}, b""), repeat_last=True)
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    workers = [
        context.Process(
            target=acquire_and_send,
            args=(limiter_name, redis_url, fake_arxiv.url + "/ping", start, results),
        )
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + 60
    while len(fake_arxiv.requests_to("/warm-up")) < PROCESSES and time.monotonic() < deadline:
        time.sleep(0.05)  # every process is connected and at the start line
    start.set()
    acquired = [moment for _ in workers for moment in results.get(timeout=60)]
    for worker in workers:
        worker.join(timeout=10)
        assert worker.exitcode == 0

    arrivals = [request.monotonic for request in fake_arxiv.requests_to("/ping")]
    assert len(arrivals) == len(acquired) == PROCESSES * ACQUISITIONS
    for label, moments in (("arrival", arrivals), ("acquire", acquired)):
        gaps = spacings(moments)
        print(
            f"\n{label} spacing over {len(moments)} requests from {PROCESSES} processes: "
            f"min {min(gaps) * 1000:.1f} ms, mean {statistics.mean(gaps) * 1000:.1f} ms, "
            f"max {max(gaps) * 1000:.1f} ms (interval {INTERVAL * 1000:.0f} ms)"
        )
        assert min(gaps) >= INTERVAL - TOLERANCE, (label, gaps)
    # Shared, not merely serialised: 20 slots take about 19 intervals, not 4 × 5 apart.
    assert max(arrivals) - min(arrivals) < (PROCESSES * ACQUISITIONS) * INTERVAL + 1.0


def test_acquire_returns_the_seconds_waited(redis_url, limiter_name):
    limiter = SharedIntervalLimiter(limiter_name, INTERVAL, redis_url=redis_url)
    first, second = limiter.acquire(), limiter.acquire()
    assert first == 0.0
    assert INTERVAL - TOLERANCE <= second <= INTERVAL + TOLERANCE


@pytest.mark.parametrize("shared", [True, False], ids=["redis", "in-process"])
def test_a_late_waker_does_not_squeeze_the_next_caller(shared, limiter_name):
    """One caller oversleeps its slot (a busy machine); the others still keep their distance."""
    if shared and not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    url = settings.REDIS_URL if shared else ""
    sent: list[float] = []
    lock = threading.Lock()

    def late_sleep(seconds: float) -> None:
        time.sleep(seconds + 0.08)

    def work(sleep) -> None:
        limiter = SharedIntervalLimiter(limiter_name, INTERVAL, redis_url=url, sleep=sleep)
        for _ in range(3):
            limiter.acquire()
            with lock:
                sent.append(time.monotonic())

    threads = [threading.Thread(target=work, args=(sleep,)) for sleep in (late_sleep, time.sleep)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(sent) == 6
    assert min(spacings(sent)) >= INTERVAL - TOLERANCE, spacings(sent)


def test_redis_key_expires_after_the_interval(redis_url, limiter_name):
    import redis

    limiter = SharedIntervalLimiter(limiter_name, INTERVAL, redis_url=redis_url)
    limiter.acquire()
    client = redis.Redis.from_url(redis_url)
    for key in (f"bzpeer:ratelimit:{limiter_name}", f"bzpeer:ratelimit:{limiter_name}:sent"):
        assert 0 < client.pttl(key) <= INTERVAL * 1000 + 1000


def test_threads_in_one_process_keep_the_interval_without_redis(limiter_name):
    acquired: list[float] = []
    lock = threading.Lock()

    def work():
        limiter = SharedIntervalLimiter(limiter_name, INTERVAL, redis_url="")
        for _ in range(ACQUISITIONS):
            limiter.acquire()
            with lock:
                acquired.append(time.monotonic())

    threads = [threading.Thread(target=work) for _ in range(PROCESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    gaps = spacings(acquired)
    assert len(acquired) == PROCESSES * ACQUISITIONS
    assert min(gaps) >= INTERVAL - TOLERANCE, gaps


def test_no_redis_url_setting_means_in_process(settings, limiter_name):
    settings.REDIS_URL = ""
    assert not SharedIntervalLimiter(limiter_name, INTERVAL).is_shared


def test_zero_interval_never_waits_nor_asks_redis(limiter_name):
    # Nothing listens on port 1: any Redis call would fail.
    limiter = SharedIntervalLimiter(limiter_name, 0, redis_url="redis://127.0.0.1:1/0")
    assert [limiter.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]


def test_unreachable_redis_is_transient_not_unlimited(limiter_name):
    limiter = SharedIntervalLimiter(limiter_name, INTERVAL, redis_url="redis://127.0.0.1:1/0")
    with pytest.raises(TransientFetchError, match="cannot reach Redis"):
        limiter.acquire()


def test_service_limiters_follow_the_settings(settings):
    settings.ARXIV_REQUEST_INTERVAL = 3.0
    settings.OPENALEX_REQUEST_INTERVAL = 0.1
    arxiv, openalex = arxiv_limiter(), openalex_limiter()
    assert (arxiv.name, arxiv.interval) == ("arxiv", 3.0)
    assert (openalex.name, openalex.interval) == ("openalex", 0.1)
    assert arxiv.redis_url == settings.REDIS_URL
