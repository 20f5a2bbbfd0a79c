#!/usr/bin/env python
"""``make bench``: throughput of the anonymous paper page against a constant response.

On PostgreSQL (created when missing) with synthetic papers around the demo data, the site
runs under gunicorn as in production; the load generator then alternates between
GET /papers/2203.14101/ and GET /_bench/constant (same middleware, no work) for several
rounds. Machines differ, so the figure that matters is the ratio of the two measured in
the same run, not either figure alone. The query count of one uncached render of the page
is measured separately. Results go to bench-results/latest.json.

Usage: .venv/bin/python scripts/bench.py [--papers N] [--rounds R] [--duration S] ...
"""

import argparse
import json
import multiprocessing
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from ensure_database import DatabaseUnavailable, database_ensure

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
PAGE_ID = "2203.14101"
PAGE_PATH = f"/papers/{PAGE_ID}/"
PAGE_TITLE = "A Roadmap for Big Model"
CONSTANT_PATH = "/_bench/constant"
RATIO_TARGET = 0.5

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bzpeer_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"

# Run inside `manage.py shell`: queries of one uncached and one cached anonymous request.
QUERY_COUNT_CODE = f"""
import json, time
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from papers.cache import paper_pages_invalidate

paper_pages_invalidate([{PAGE_ID!r}])  # outside a transaction: the token changes now
client = Client()
with CaptureQueriesContext(connection) as uncached:
    started = time.perf_counter()
    response = client.get({PAGE_PATH!r}, HTTP_HOST="127.0.0.1")
    render_ms = (time.perf_counter() - started) * 1000
assert response.status_code == 200, response.status_code
with CaptureQueriesContext(connection) as cached:
    again = client.get({PAGE_PATH!r}, HTTP_HOST="127.0.0.1")
assert again.content == response.content
print("BENCH-QUERIES " + json.dumps({{
    "uncached": len(uncached.captured_queries),
    "cached": len(cached.captured_queries),
    "uncached_render_ms": round(render_ms, 1),
    "page_bytes": len(response.content),
    "sql": [q["sql"][:160] for q in uncached.captured_queries],
}}))
"""


class BenchError(Exception):
    """A step failed; the message says which and why."""


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument(
        "--papers",
        type=int,
        default=100_000,
        help="Papers the database should hold at least; synthetic ones fill the gap.",
    )
    parser.add_argument("--seed", type=int, default=0, help="Seed of the synthetic papers.")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10, help="Seconds per measurement.")
    parser.add_argument("--warmup", type=int, default=3, help="Seconds of warm-up per URL.")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes.")
    parser.add_argument("--threads", type=int, default=4, help="Threads per gunicorn worker.")
    parser.add_argument(
        "--app",
        default="bzpeer.wsgi",
        help="WSGI application gunicorn serves (to compare a variant against bzpeer.wsgi).",
    )
    parser.add_argument(
        "--load-generator",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="auto: wrk when installed, else the (slower) Python client.",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "bench-results" / "latest.json")
    return parser.parse_args(argv)


# --- Preparation -----------------------------------------------------------------------------


def server_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        DEBUG="0",
        SECRET_KEY="bzpeer-bench-only-secret-key-" + "x" * 40,
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1",
        BENCH_ENDPOINTS="1",
        CACHE_KEY_PREFIX="bzpeer-bench",
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env: dict[str, str], *arguments: str, capture: bool = False) -> str:
    command = [str(PYTHON), "manage.py", *arguments]
    result = subprocess.run(
        command, cwd=ROOT, env=env, text=True, capture_output=capture, check=False
    )
    if result.returncode != 0:
        detail = (result.stderr or "").strip().splitlines()[-5:] if capture else []
        raise BenchError(
            f"manage.py {arguments[0]} failed (exit {result.returncode})"
            + (":\n  " + "\n  ".join(detail) if detail else "")
        )
    return result.stdout if capture else ""


def paper_count(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url, connect_timeout=5) as conn:
        return conn.execute("SELECT count(*) FROM papers_paper").fetchone()[0]


def prepare(args: argparse.Namespace, env: dict[str, str]) -> dict:
    created = database_ensure(args.database_url)
    print(f"Database {'created' if created else 'exists'}: {args.database_url}")
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    existing = paper_count(args.database_url)
    missing = args.papers - existing
    seed_seconds = None
    if missing > 0:
        print(f"Seeding {missing} synthetic papers ({existing} present)…")
        started = time.monotonic()
        manage(env, "seed_synthetic", "--papers", str(missing), "--seed", str(args.seed))
        seed_seconds = round(time.monotonic() - started, 1)
    else:
        print(f"{existing} papers present: no synthetic papers added.")
    manage(env, "seed_demo", "--no-passwords", "--verbosity", "0")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    return {"papers": paper_count(args.database_url), "seed_seconds": seed_seconds}


def query_count(env: dict[str, str]) -> dict:
    output = manage(env, "shell", "--no-imports", "-c", QUERY_COUNT_CODE, capture=True)
    for line in output.splitlines():
        if line.startswith("BENCH-QUERIES "):
            return json.loads(line.removeprefix("BENCH-QUERIES "))
    raise BenchError("the query-count step printed no result")


# --- Server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(args: argparse.Namespace, env: dict[str, str], port: int) -> subprocess.Popen:
    command = [
        str(GUNICORN),
        args.app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(args.threads),
        "--worker-tmp-dir",
        "/dev/shm" if Path("/dev/shm").is_dir() else "/tmp",
        "--log-level",
        "warning",
    ]
    # A session of its own, so stopping it stops its workers too and nothing else.
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def stop_server(server: subprocess.Popen | None) -> None:
    if server is None or server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def fetch(url: str, timeout: float = 10) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_ready(base: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"gunicorn exited with code {server.returncode} while starting")
        try:
            if fetch(base + "/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise BenchError(f"gunicorn did not answer /healthz within {timeout:.0f} s")


def check_responses(base: str) -> None:
    status, body = fetch(base + PAGE_PATH)
    if status != 200 or PAGE_TITLE.encode() not in body:
        raise BenchError(f"GET {PAGE_PATH} answered {status} without the paper's title")
    status, body = fetch(base + CONSTANT_PATH)
    if status != 200 or body != b"ok":
        raise BenchError(f"GET {CONSTANT_PATH} answered {status}: is BENCH_ENDPOINTS on?")


# --- Load generators -------------------------------------------------------------------------


def run_wrk(url: str, *, duration: int, connections: int) -> tuple[float, int]:
    """Requests per second and number of requests."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", url]
    result = subprocess.run(command, text=True, capture_output=True, check=False)
    if result.returncode != 0:
        raise BenchError(f"wrk failed: {result.stderr.strip() or result.stdout.strip()}")
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout):
        raise BenchError(f"{url}: {match[1]} responses were errors during the run")
    match = re.search(r"Socket errors: (.*)", result.stdout)
    if match and re.search(r"timeout [1-9]|connect [1-9]", match[1]):
        raise BenchError(f"{url}: socket errors during the run ({match[1]})")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    count = re.search(r"(\d+) requests in", result.stdout)
    if not rate or not count:
        raise BenchError(f"could not read wrk's output:\n{result.stdout}")
    return float(rate[1]), int(count[1])


def _python_client(url: str, deadline: float, results) -> None:
    import http.client

    parts = urllib.parse.urlsplit(url)
    count = errors = 0
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    while time.monotonic() < deadline:
        try:
            conn.request("GET", parts.path)
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                count += 1
            else:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.close()
    results.put((count, errors))


def run_python(url: str, *, duration: int, connections: int) -> tuple[float, int]:
    """Keep-alive clients in separate processes; they share the CPUs with the server."""
    processes = max(1, min(connections, os.cpu_count() or 1))
    results = multiprocessing.Queue()
    started = time.monotonic()
    deadline = started + duration
    workers = [
        multiprocessing.Process(target=_python_client, args=(url, deadline, results))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    counts = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    errors = sum(e for _, e in counts)
    if errors:
        raise BenchError(f"{url}: {errors} requests failed during the run")
    requests = sum(c for c, _ in counts)
    return requests / elapsed, requests


# --- Main ----------------------------------------------------------------------------------


def server_cpu_seconds(server: subprocess.Popen) -> float:
    """CPU time used so far by gunicorn and its workers (Linux /proc; 0 elsewhere)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # Fields after the command name, which may itself hold spaces and parentheses.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if server.pid in (pid, ppid):
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / ticks


def measure(
    args: argparse.Namespace, base: str, generator: str, server: subprocess.Popen
) -> list[dict]:
    run = run_wrk if generator == "wrk" else run_python
    urls = {"page": base + PAGE_PATH, "constant": base + CONSTANT_PATH}
    for url in urls.values():
        run(url, duration=args.warmup, connections=args.connections)
    rounds = []
    for number in range(1, args.rounds + 1):
        # Alternate the order, so neither side always runs on a warmer or cooler machine.
        order = ["page", "constant"] if number % 2 else ["constant", "page"]
        figures: dict[str, float] = {}
        for name in order:
            cpu_before = server_cpu_seconds(server)
            rate, requests = run(urls[name], duration=args.duration, connections=args.connections)
            cpu = server_cpu_seconds(server) - cpu_before
            figures[name] = rate
            # Less sensitive than req/s to other load on the machine: a diagnostic figure.
            figures[f"{name}_server_cpu_ms"] = round(1000 * cpu / max(requests, 1), 3)
        figures["ratio"] = round(figures["page"] / figures["constant"], 3)
        rounds.append(figures)
        print(
            f"  round {number}: page {figures['page']:8.1f} req/s   "
            f"constant {figures['constant']:8.1f} req/s   ratio {figures['ratio']:.3f}   "
            f"(server CPU per request: page {figures['page_server_cpu_ms']:.2f} ms, "
            f"constant {figures['constant_server_cpu_ms']:.2f} ms)"
        )
    return rounds


def git_commit() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return result.stdout.strip() if result.returncode == 0 else ""


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.load_generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "python"
    else:
        generator = args.load_generator
    if generator == "wrk" and not shutil.which("wrk"):
        raise BenchError(
            "wrk is not installed (apt-get install wrk), or use --load-generator python"
        )
    if generator == "python":
        reason = "wrk not found, " if args.load_generator == "auto" else ""
        print(
            f"NOTE: {reason}using the Python client. It shares the CPUs with the server "
            "and tops out early, so absolute figures are low and the ratio is flattened; "
            "install wrk (apt-get install wrk) for figures worth comparing."
        )

    env = server_env(args)
    data = prepare(args, env)
    queries = query_count(env)
    print(
        f"Queries of one uncached render of {PAGE_PATH}: {queries['uncached']} "
        f"(cached: {queries['cached']}); page {queries['page_bytes']} bytes"
    )

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = None
    try:
        server = start_server(args, env, port)
        wait_ready(base, server)
        check_responses(base)
        print(
            f"gunicorn {args.workers} workers x {args.threads} threads on {base}; "
            f"{generator}, {args.connections} connections, {args.rounds} rounds "
            f"of {args.duration} s per URL"
        )
        rounds = measure(args, base, generator, server)
    finally:
        stop_server(server)

    keys = ("page", "constant", "page_server_cpu_ms", "constant_server_cpu_ms")
    median = {key: statistics.median(r[key] for r in rounds) for key in keys}
    median_ratio = statistics.median(r["ratio"] for r in rounds)
    result = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "papers": data["papers"],
        "seed_seconds": data["seed_seconds"],
        "server": {
            "app": args.app,
            "workers": args.workers,
            "threads": args.threads,
            "worker_class": "gthread",
        },
        "load_generator": generator,
        "connections": args.connections,
        "duration_s": args.duration,
        "rounds": rounds,
        "median": {
            "page_rps": round(median["page"], 1),
            "constant_rps": round(median["constant"], 1),
            "ratio": round(median_ratio, 3),
            "page_server_cpu_ms": median["page_server_cpu_ms"],
            "constant_server_cpu_ms": median["constant_server_cpu_ms"],
        },
        "ratio_target": RATIO_TARGET,
        "queries": queries,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")

    verdict = "meets" if median_ratio >= RATIO_TARGET else "BELOW"
    print(
        f"\nPapers: {data['papers']}\n"
        f"GET {PAGE_PATH}: {median['page']:.1f} req/s (median of {len(rounds)})\n"
        f"GET {CONSTANT_PATH}: {median['constant']:.1f} req/s (median of {len(rounds)})\n"
        f"Ratio page/constant: {median_ratio:.3f} (median; {verdict} the target "
        f"{RATIO_TARGET})\n"
        f"Server CPU per request: page {median['page_server_cpu_ms']:.2f} ms, "
        f"constant {median['constant_server_cpu_ms']:.2f} ms (medians)\n"
        f"SQL queries, one uncached render: {queries['uncached']}\n"
        f"Written to {args.output}"
    )
    return 0


def _stop_on_signal(signum, frame):
    # Turn SIGTERM into an exception, so the finally block stops gunicorn.
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _stop_on_signal)
    try:
        sys.exit(main(sys.argv[1:]))
    except (BenchError, DatabaseUnavailable) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
