#!/usr/bin/env python
"""``make bench``: throughput of the paper page (anonymous, and signed in as a curator and a
moderator), search and the map slice against a constant response, and the time of a full
neighbour recompute.

On PostgreSQL (created when missing) with synthetic papers around the demo data, the
research-map neighbours of every paper are first recomputed (``compute_neighbours``,
timed; ``--skip-recompute`` keeps the stored ones). The site then runs under gunicorn as
in production, and the load generator measures in turn, for several rounds,
GET /papers/2203.14101/ (anonymous, and signed in as a curator who voted, saved into
collections and reacted, and as a moderator; the paper carries 50 reviews and 200 comments
written through the services), a search (GET /search/?q=diffusion, and the same word
filtered by topic and code), the paper's map slice as htmx asks for it (HX-Request: true),
and GET /_bench/constant (same middleware, no work). Machines differ, so the figures that
matter are each URL's ratio to the constant response measured right next to it in the same
round (machine speed drifts within a round), not any figure alone. The queries of one
request of each are counted separately. Results go to bench-results/latest.json.

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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from services import SetupError, database_ensure, database_url_named

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
PAGE_ID = "2203.14101"
PAGE_PATH = f"/papers/{PAGE_ID}/"
PAGE_TITLE = "A Roadmap for Big Model"
CONSTANT_PATH = "/_bench/constant"
# A word of many synthetic titles ("... Diffusion for ..."): thousands of papers to rank.
SEARCH_WORD = "diffusion"
SEARCH_PATH = f"/search/?q={SEARCH_WORD}"
SEARCH_FILTERED_PATH = f"/search/?q={SEARCH_WORD}&topic=cs.LG&has_code=1"
SLICE_PATH = f"/papers/{PAGE_ID}/map/slice/"
HTMX_HEADERS = {"HX-Request": "true"}
# Seconds a request may take, queueing included: a slow search must not count as an error.
REQUEST_TIMEOUT = 60


@dataclass(frozen=True)
class Target:
    """One URL measured against the constant response."""

    name: str
    path: str
    ratio_target: float | None  # None: measured for the record, without a target
    headers: dict[str, str] = field(default_factory=dict)
    who: str = ""  # who is signed in, when someone is
    # Requests go round these paths in turn when given (``path`` names the mix).
    paths: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        notes = ["htmx"] if "HX-Request" in self.headers else []
        if "Cookie" in self.headers:
            notes.append(f"signed in as the {self.who}")
        if self.paths:
            notes.append(f"{len(self.paths)} different URLs in turn")
        return f"GET {self.path}" + (f" ({', '.join(notes)})" if notes else "")


TARGETS = (
    Target("page", PAGE_PATH, 0.5),
    Target("search", SEARCH_PATH, 0.3),
    Target("search_filtered", SEARCH_FILTERED_PATH, 0.3),
    Target("map_slice", SLICE_PATH, 0.3, HTMX_HEADERS),
)

# Search as a signed-in curator sees it: never from the anonymous result cache, so every
# request ranks afresh. The session is made by SESSION_CODE for this user.
SIGNED_IN_SEARCH = "search_signed_in"
# A mix of searches curators type: words and pairs of the synthetic titles, topics, filters;
# signed in, so none comes from the result cache.
_SEARCH_WORDS = (
    "sparse attention",
    "causal inference",
    "graph networks",
    "quantum codes",
    "protein folding",
    "federated learning",
    "contrastive representations",
    "diffusion models",
    "variational priors",
    "bayesian optimization",
    "spectral operators",
    "robust estimation",
    "latent dynamics",
    "machine translation",
    "speech recognition",
    "drug discovery",
    "medical imaging",
    "anomaly detection",
    "weather forecasting",
    "code generation",
    "dark matter searches",
    "galaxy classification",
    "question answering",
    "summarization",
    "tokenization",
    "distillation",
    "compression",
    "segmentation",
    "retrieval",
    "reasoning",
    "planning",
    "alignment",
    "manifolds",
    "entanglement",
    "kernels",
    "policies",
    "agents",
    "flows",
    "equivariant",
    "interpretable",
    "lightweight",
    "self-supervised",
    "hierarchical",
    "stochastic sampling",
    "low-rank",
    "multimodal",
    "topological",
    "geometric",
    "continual",
    "big model",
    "roadmap",
)
SEARCH_MIX = tuple(
    f"/search/?q={urllib.parse.quote_plus(word)}"
    + ("&topic=cs.LG" if i % 4 == 1 else "&has_code=1" if i % 4 == 2 else "")
    for i, word in enumerate(_SEARCH_WORDS)
)
BENCH_USERNAME = "bench-reader"
BENCH_MODERATOR = "bench-moderator"
# A curator who wrote one of the seed paper's reviews and some of its comments.
BENCH_AUTHOR = "bench-reviewer-9"
# The paper page as a signed-in curator and a moderator see it (their own state on it).
SIGNED_IN_PAGE_TARGET = 0.3
# Uncached search, as the mix of queries above.
SEARCH_MIX_TARGET = 0.1

# The bench database sits on the server DATABASE_URL names (`make bench` sets it up).
DEFAULT_DATABASE_URL = database_url_named(os.environ.get("DATABASE_URL", ""), "bzpeer_bench")
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"

# Run inside `manage.py shell`: queries of one uncached and one cached anonymous request of
# the page, then of one search of each kind and of the map slice (each twice, as the second
# request may hit a cache).
QUERY_COUNT_CODE = f"""
import json, time
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.core.cache import cache
from papers.catalogue.page_cache import paper_pages_invalidate

# The bench's own Redis database: counted from cold, not from a cache an earlier run filled
# (anonymous search pages are cached for minutes).
cache.clear()
client = Client()

def measured(path, **headers):
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(path, HTTP_HOST="127.0.0.1", **headers)
        render_ms = (time.perf_counter() - started) * 1000
    return response, queries, round(render_ms, 1)

def counted(path, **headers):
    response, queries, render_ms = measured(path, **headers)
    _, again, _ = measured(path, **headers)
    return {{
        "status": response.status_code,
        "queries": len(queries.captured_queries),
        "repeat_queries": len(again.captured_queries),
        "render_ms": render_ms,
        "bytes": len(response.content),
        "sql": [q["sql"][:160] for q in queries.captured_queries],
    }}

paper_pages_invalidate([{PAGE_ID!r}])  # outside a transaction: the token changes now
response, uncached, render_ms = measured({PAGE_PATH!r})
assert response.status_code == 200, response.status_code
again, cached, _ = measured({PAGE_PATH!r})
assert again.content == response.content
result = {{
    "uncached": len(uncached.captured_queries),
    "cached": len(cached.captured_queries),
    "uncached_render_ms": render_ms,
    "page_bytes": len(response.content),
    "sql": [q["sql"][:160] for q in uncached.captured_queries],
    "search": counted({SEARCH_PATH!r}),
    "search_filtered": counted({SEARCH_FILTERED_PATH!r}),
}}
paper_pages_invalidate([{PAGE_ID!r}])
result["map_slice"] = counted({SLICE_PATH!r}, HTTP_HX_REQUEST="true")

# The page as the bench curator and moderator see it: queries, and the median server time
# of a render (nothing of it is cached for them yet).
from django.contrib.auth import get_user_model
import statistics
ROLES = (
    ("curator", {BENCH_USERNAME!r}),
    ("moderator", {BENCH_MODERATOR!r}),
    ("author", {BENCH_AUTHOR!r}),
)
for role, username in ROLES:
    client.force_login(get_user_model().objects.get(username=username))
    # First after a change to the paper: the shared signed-in page is rendered too.
    paper_pages_invalidate([{PAGE_ID!r}])
    _, cold_queries, cold_ms = measured({PAGE_PATH!r})
    runs = [measured({PAGE_PATH!r}) for _ in range(5)]
    response, queries, _ = runs[-1]
    result["page_" + role] = {{
        "status": response.status_code,
        "queries": len(queries.captured_queries),
        "render_ms": statistics.median(ms for _, _, ms in runs),
        "cold_queries": len(cold_queries.captured_queries),
        "cold_render_ms": cold_ms,
        "bytes": len(response.content),
    }}
    client.logout()

# The other pages a curator uses every day: queries of one request each.
from papers.models import Collection
curator = get_user_model().objects.get(username={BENCH_USERNAME!r})
client.force_login(curator)
shelf = Collection.objects.get(owner=curator, name="Two hundred papers")
for name, path, headers in (
    ("home_curator", "/", {{}}),
    ("for_you_curator", "/", {{"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "home-for-you"}}),
    ("collection_curator", shelf.get_absolute_url(), {{}}),
    ("profile_curator", "/accounts/profile/{BENCH_USERNAME}/", {{}}),
    ("notifications_curator", "/accounts/notifications/", {{}}),
):
    result[name] = counted(path, **headers)
client.logout()
print("BENCH-QUERIES " + json.dumps(result))
"""


# The seed paper's discussion at the size curators meet on a busy paper: REVIEWS reviews and
# COMMENTS comments written through the services (Markdown with links and math, threads three
# levels deep), a few hidden by a moderator and a few reported. Written once per database.
REVIEWS, COMMENTS = 50, 200
DISCUSSION_CODE = (
    """
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from accounts.services import MODERATORS_GROUP
from papers.models import Paper
from reviews.discussion.services import comment_create
from reviews.moderation.reports import report_create
from reviews.moderation.services import items_hide
from reviews.models import Comment, Review
from reviews.reviews.services import ReviewText, review_create

User = get_user_model()
paper = Paper.objects.get(arxiv_id=PAGE_ID)
moderator, _ = User.objects.get_or_create(username=BENCH_MODERATOR, defaults={"is_staff": True})
moderator.groups.add(Group.objects.get(name=MODERATORS_GROUP))
people = [User.objects.get_or_create(username=f"bench-reviewer-{i}")[0] for i in range(60)]
reviews = list(Review.objects.filter(paper=paper, author__in=people))
for i, person in enumerate(people[len(reviews):REVIEWS], start=len(reviews)):
    text = ReviewText(
        claims=f"Claim {i}: scaling holds to $N = 10^{{{i % 9}}}$; see "
        f"[the appendix](https://example.org/appendix/{i}).",
        strengths=f"**Broad** survey, _clear_ figures, $$\\sum_{{k=1}}^{{n}} k^2$$ ({i}).",
        concerns=[f"Concern {i}.{j}: no ablation of `layer_{j}`." for j in range(3)],
        method_questions="How were the *hyper-parameters* chosen?",
        reproducibility="partly",
        reproducibility_notes=f"Code at https://github.com/example/roadmap-{i}",
        recommendation="worth_reading",
        confidence=1 + i % 5,
    )
    reviews.append(review_create(author=person, paper=paper, text=text))
comments = list(Comment.objects.filter(paper=paper, author__in=people).order_by("pk"))
for i in range(len(comments), COMMENTS):
    parent = comments[i // 3] if i % 2 and comments and comments[i // 3].depth < 3 else None
    body = f"Note {i} on **section {i % 7}**: see https://arxiv.org/abs/1706.03762, $O(n^2)$."
    author = people[i % len(people)]
    comments.append(comment_create(author=author, paper=paper, parent=parent, body=body))
if not Review.objects.filter(paper=paper, author__in=people, is_hidden=True).exists():
    items_hide(moderator=moderator, items=[reviews[7], *comments[10:15]], reason="bench")
    for item in (reviews[3], comments[20], comments[21]):
        report_create(reporter=people[-1], target=item, reason="spam")
print("BENCH-DISCUSSION", len(reviews), len(comments))
""".replace("PAGE_ID", repr(PAGE_ID))
    .replace("BENCH_MODERATOR", repr(BENCH_MODERATOR))
    .replace("REVIEWS", str(REVIEWS))
    .replace("COMMENTS", str(COMMENTS))
)

# Sessions of a curator who voted, saved into collections and reacted, and of a moderator.
SESSION_CODE = f"""
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from papers.curation.collections import collection_create
from papers.curation.reactions import reaction_add
from papers.curation.saves import paper_save
from papers.curation.votes import vote_toggle
from papers.models import Collection, Paper, Vote

User = get_user_model()
paper = Paper.objects.get(arxiv_id={PAGE_ID!r})
user, _ = User.objects.get_or_create(username={BENCH_USERNAME!r})
if not Vote.objects.filter(user=user, paper=paper).exists():
    vote_toggle(user=user, paper=paper, value=Vote.Value.LIKE)
    paper_save(user=user, paper=paper)
    for name in ("Big-model surveys", "Read this week"):
        paper_save(user=user, paper=paper, collection=collection_create(owner=user, name=name))
    reaction_add(user=user, paper=paper, kind="well_written")
# Helpful marks and a report on the discussion, as a reader leaves them.
from reviews.helpful.services import helpful_toggle
from reviews.models import Comment, HelpfulMark, Review
from reviews.moderation.reports import report_create
if not HelpfulMark.objects.filter(user=user).exists():
    for item in [*Review.objects.filter(paper=paper, is_hidden=False)[:3],
                 *Comment.objects.filter(paper=paper, is_hidden=False, parent=None)[:3]]:
        helpful_toggle(user=user, target=item)
    report_create(reporter=user, target=Comment.objects.filter(paper=paper)[5], reason="spam")
# A collection of 200 papers, and notifications of the seed paper's reviews (it is saved).
from accounts.notifications.services import notifications_for_review
from reviews.models import Review
if not Collection.objects.filter(owner=user, name="Two hundred papers").exists():
    big = collection_create(owner=user, name="Two hundred papers")
    for other in Paper.objects.exclude(pk=paper.pk).order_by("pk")[:200]:
        paper_save(user=user, paper=other, collection=big)
    for review_id in Review.objects.filter(paper=paper).values_list("pk", flat=True):
        notifications_for_review(review_id=review_id)
print("BENCH-COLLECTION", Collection.objects.get(owner=user, name="Two hundred papers").pk)
name = settings.SESSION_COOKIE_NAME
people = [User.objects.get(username=n) for n in ({BENCH_MODERATOR!r}, {BENCH_AUTHOR!r})]
for who in (user, *people):
    client = Client()
    client.force_login(who)
    print("BENCH-SESSION " + who.get_username() + " " + name + "=" + client.cookies[name].value)
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
    parser.add_argument(
        "--skip-recompute",
        action="store_true",
        help="Keep the stored neighbours instead of timing a full recompute (quick runs; "
        "the recompute still runs when no neighbours are stored, as the map slice needs them).",
    )
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
    parser.add_argument(
        "--only",
        default="",
        help="Comma-separated names of the URLs to measure besides the page "
        "(search_mix_signed_in, ...); all when empty. For quick comparisons while working on "
        "one page.",
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


def _count(database_url: str, table: str) -> int:
    import psycopg
    from psycopg import sql

    with psycopg.connect(database_url, connect_timeout=5) as conn:
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        return conn.execute(query).fetchone()[0]


def paper_count(database_url: str) -> int:
    return _count(database_url, "papers_paper")


def _demo_present(database_url: str) -> bool:
    import psycopg

    with psycopg.connect(database_url, connect_timeout=5) as conn:
        query = "SELECT 1 FROM papers_paper WHERE arxiv_id = %s"
        return conn.execute(query, [PAGE_ID]).fetchone() is not None


def prepare(args: argparse.Namespace, env: dict[str, str]) -> dict:
    created = database_ensure(args.database_url)
    print(f"Database {'created' if created else 'exists'}: {args.database_url}")
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    # seed_demo ends with a full neighbour recompute, which the timed one repeats: run it
    # before the synthetic papers exist, and only when the demo paper is missing.
    if _demo_present(args.database_url):
        print(f"Demo data present ({PAGE_ID}): seed_demo not run again.")
    else:
        manage(env, "seed_demo", "--no-passwords", "--verbosity", "0")
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
    output = manage(env, "shell", "--no-imports", "-c", DISCUSSION_CODE, capture=True)
    if "BENCH-DISCUSSION" not in output:
        raise BenchError("the discussion step printed nothing")
    print(f"Seed paper discussion: {REVIEWS} reviews, {COMMENTS} comments.")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    return {"papers": paper_count(args.database_url), "seed_seconds": seed_seconds}


def recompute(args: argparse.Namespace, env: dict[str, str], papers: int) -> dict:
    """Time ``compute_neighbours`` over every paper, once per run."""
    stored = _count(args.database_url, "papers_paperneighbour")
    if args.skip_recompute and stored:
        print(f"Neighbour recompute skipped: {stored} neighbours stored.")
        return {"skipped": True, "neighbours": stored}
    if args.skip_recompute:
        print("No neighbours stored: the map slice needs them, so they are computed anyway.")
    print(f"Recomputing the neighbours of {papers} papers…")
    started = time.monotonic()
    manage(env, "compute_neighbours")
    seconds = time.monotonic() - started
    neighbours = _count(args.database_url, "papers_paperneighbour")
    print(
        f"Neighbour recompute: {seconds:.1f} s for {papers} papers "
        f"({papers / seconds:.0f} papers/s), {neighbours} neighbours stored"
    )
    return {
        "skipped": False,
        "seconds": round(seconds, 1),
        "papers_per_s": round(papers / seconds, 1),
        "neighbours": neighbours,
    }


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


def fetch(
    url: str, timeout: float = 10, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
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


def signed_in_targets(env: dict[str, str]) -> list[Target]:
    """Search and the paper page as the bench curator, and the page as the moderator."""
    output = manage(env, "shell", "--no-imports", "-c", SESSION_CODE, capture=True)
    cookies = dict(
        line.removeprefix("BENCH-SESSION ").split(" ", 1)
        for line in output.splitlines()
        if line.startswith("BENCH-SESSION ")
    )
    collection = re.search(r"^BENCH-COLLECTION (\d+)$", output, re.MULTILINE)
    if set(cookies) != {BENCH_USERNAME, BENCH_MODERATOR, BENCH_AUTHOR} or not collection:
        raise BenchError("the session step printed no cookies or no collection")
    curator, moderator = {"Cookie": cookies[BENCH_USERNAME]}, {"Cookie": cookies[BENCH_MODERATOR]}
    author = {"Cookie": cookies[BENCH_AUTHOR]}
    for_you = curator | {"HX-Request": "true", "HX-Target": "home-for-you"}
    target = SIGNED_IN_PAGE_TARGET
    mix = Target(
        "search_mix_signed_in", SEARCH_MIX[0], SEARCH_MIX_TARGET, curator, "curator", SEARCH_MIX
    )
    return [
        Target(SIGNED_IN_SEARCH, SEARCH_PATH, None, curator, "curator"),
        mix,
        Target("page_curator", PAGE_PATH, target, curator, "curator"),
        Target("page_moderator", PAGE_PATH, target, moderator, "moderator"),
        # For the record: an author's own items are rendered for them on each request.
        Target("page_author", PAGE_PATH, None, author, "author"),
        Target("home_curator", "/", target, curator, "curator"),
        Target("for_you_curator", "/", target, for_you, "curator"),
        Target("collection_curator", f"/collections/{collection[1]}/", target, curator, "curator"),
        Target(
            "profile_curator", f"/accounts/profile/{BENCH_USERNAME}/", target, curator, "curator"
        ),
        Target("notifications_curator", "/accounts/notifications/", target, curator, "curator"),
    ]


def check_responses(base: str, signed_in: list[Target]) -> tuple[list[Target], dict[str, str]]:
    """The targets to measure, and why any was left out."""
    status, body = fetch(base + PAGE_PATH)
    if status != 200 or PAGE_TITLE.encode() not in body:
        raise BenchError(f"GET {PAGE_PATH} answered {status} without the paper's title")
    status, body = fetch(base + CONSTANT_PATH)
    if status != 200 or body != b"ok":
        raise BenchError(f"GET {CONSTANT_PATH} answered {status}: is BENCH_ENDPOINTS on?")
    for path in (SEARCH_PATH, SEARCH_FILTERED_PATH):
        status, body = fetch(base + path)
        found = re.search(rb'search-results__count">(\d+) paper', body)
        if status != 200 or not found or int(found[1]) == 0:
            raise BenchError(f"GET {path} answered {status} without any paper found")
    for target in signed_in:
        who = {"moderator": BENCH_MODERATOR, "author": BENCH_AUTHOR}.get(target.who, BENCH_USERNAME)
        status, body = fetch(base + target.path, headers=target.headers)
        # Whole pages name who is signed in in their header; an htmx fragment has none.
        if status != 200 or ("HX-Request" not in target.headers and who.encode() not in body):
            raise BenchError(f"GET {target.path} signed in answered {status} without {who}")
    skipped = {}
    status, body = fetch(base + SLICE_PATH, headers=HTMX_HEADERS)
    if status == 404:
        # The slice is measured once it exists; until then the run reports it as missing.
        skipped["map_slice"] = f"GET {SLICE_PATH} answered 404"
    elif status != 200 or b"<html" in body[:500].lower():
        raise BenchError(f"GET {SLICE_PATH} (htmx) answered {status} or a whole page")
    return [t for t in (*TARGETS, *signed_in) if t.name not in skipped], skipped


# --- Load generators -------------------------------------------------------------------------


def _wrk_script(paths: tuple[str, ...]) -> str:
    """A wrk script sending ``paths`` in turn (the -H headers still apply)."""
    listed = ",\n".join(json.dumps(path) for path in paths)  # JSON strings are Lua strings
    return (
        f"local paths = {{\n{listed}\n}}\nlocal i = 0\n"
        "request = function()\n  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i])\nend\n'
    )


def run_wrk(
    url: str, *, duration: int, connections: int, headers: dict[str, str], paths=()
) -> tuple[float, int]:
    """Requests per second and number of requests."""
    timeout = f"{REQUEST_TIMEOUT}s"
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", timeout]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if paths:
        script = ROOT / "bench-results" / "mix.lua"
        script.parent.mkdir(parents=True, exist_ok=True)
        script.write_text(_wrk_script(paths))
        command += ["-s", str(script)]
    result = subprocess.run([*command, url], text=True, capture_output=True, check=False)
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


def _python_client(url: str, headers: dict[str, str], deadline: float, results, paths) -> None:
    import http.client
    import itertools

    parts = urllib.parse.urlsplit(url)
    targets = itertools.cycle(paths or [parts.path + (f"?{parts.query}" if parts.query else "")])
    count = errors = 0
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=REQUEST_TIMEOUT)
    while time.monotonic() < deadline:
        try:
            conn.request("GET", next(targets), headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                count += 1
            else:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=REQUEST_TIMEOUT)
    conn.close()
    results.put((count, errors))


def run_python(
    url: str, *, duration: int, connections: int, headers: dict[str, str], paths=()
) -> tuple[float, int]:
    """Keep-alive clients in separate processes; they share the CPUs with the server."""
    processes = max(1, min(connections, os.cpu_count() or 1))
    results = multiprocessing.Queue()
    started = time.monotonic()
    deadline = started + duration
    workers = [
        multiprocessing.Process(
            target=_python_client, args=(url, headers, deadline, results, paths)
        )
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
    args: argparse.Namespace,
    base: str,
    generator: str,
    server: subprocess.Popen,
    targets: list[Target],
) -> list[dict]:
    run = run_wrk if generator == "wrk" else run_python
    constant = Target("constant", CONSTANT_PATH, 0.0)
    for target in [*targets, constant]:
        run(
            base + target.path,
            duration=args.warmup,
            connections=args.connections,
            headers=target.headers,
            paths=target.paths,
        )
    rounds = []

    def measured(target: Target) -> tuple[float, float]:
        cpu_before = server_cpu_seconds(server)
        rate, requests = run(
            base + target.path,
            duration=args.duration,
            connections=args.connections,
            headers=target.headers,
            paths=target.paths,
        )
        cpu = server_cpu_seconds(server) - cpu_before
        # Less sensitive than req/s to other load on the machine: a diagnostic figure.
        return rate, round(1000 * cpu / max(requests, 1), 3)

    for number in range(1, args.rounds + 1):
        # Each URL is measured next to a constant response of its own: this machine's speed
        # drifts two- to threefold within a minute, so a constant measured at another moment
        # of the round would say more about the drift than about the URL. The order
        # alternates, so no URL always runs on a warmer or cooler machine.
        order = targets if number % 2 else list(reversed(targets))
        figures: dict[str, float] = {}
        constants, constant_cpu = [], []
        for target in order:
            pair = (constant, target) if number % 2 else (target, constant)
            for measuring in pair:
                rate, cpu_ms = measured(measuring)
                if measuring is constant:
                    figures[f"{target.name}_constant"] = rate
                    constants.append(rate)
                    constant_cpu.append(cpu_ms)
                else:
                    figures[target.name] = rate
                    figures[f"{target.name}_server_cpu_ms"] = cpu_ms
        figures["constant"] = statistics.median(constants)
        figures["constant_server_cpu_ms"] = statistics.median(constant_cpu)
        for target in targets:
            # Four decimals: a slow URL's ratio would otherwise print as 0.000.
            ratio = figures[target.name] / figures[f"{target.name}_constant"]
            figures[f"{target.name}_ratio"] = round(ratio, 4)
        figures["ratio"] = figures["page_ratio"]  # the page's, as before search and the map
        rounds.append(figures)
        line = "   ".join(
            f"{t.name} {figures[t.name]:7.1f} req/s (ratio {figures[f'{t.name}_ratio']:.4f})"
            for t in targets
        )
        cpu = ", ".join(
            f"{t.name} {figures[f'{t.name}_server_cpu_ms']:.2f} ms" for t in [*targets, constant]
        )
        print(
            f"  round {number}: constant (median) {figures['constant']:7.1f} req/s   {line}\n"
            f"           server CPU per request: {cpu}"
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
    neighbours = recompute(args, env, data["papers"])
    signed_in = signed_in_targets(env)
    queries = query_count(env)
    print(
        f"Queries of one uncached render of {PAGE_PATH}: {queries['uncached']} "
        f"(cached: {queries['cached']}); page {queries['page_bytes']} bytes"
    )
    for role in ("curator", "moderator", "author"):
        page = queries[f"page_{role}"]
        print(
            f"Signed in as the bench {role}: {page['queries']} queries, {page['render_ms']:.1f} ms "
            f"of server time per request (median of 5), {page['bytes']} bytes; first request "
            f"after a change (renders the shared page): {page['cold_queries']} queries, "
            f"{page['cold_render_ms']:.1f} ms"
        )
    for name in (
        "search",
        "search_filtered",
        "map_slice",
        "home_curator",
        "for_you_curator",
        "collection_curator",
        "profile_curator",
        "notifications_curator",
    ):
        counted = queries[name]
        print(
            f"Queries of one request, {name}: {counted['queries']} "
            f"(again: {counted['repeat_queries']}; HTTP {counted['status']}, "
            f"{counted['render_ms']:.0f} ms)"
        )

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = None
    try:
        server = start_server(args, env, port)
        wait_ready(base, server)
        targets, skipped = check_responses(base, signed_in)
        if args.only:
            wanted = {"page", *args.only.split(",")}  # the page's ratio heads every report
            targets = [target for target in targets if target.name in wanted]
            skipped = {name: reason for name, reason in skipped.items() if name in wanted}
        for name, reason in skipped.items():
            print(f"NOTE: {name} not measured: {reason}")
        print(
            f"gunicorn {args.workers} workers x {args.threads} threads on {base}; "
            f"{generator}, {args.connections} connections, {args.rounds} rounds "
            f"of {args.duration} s per URL"
        )
        rounds = measure(args, base, generator, server, targets)
    finally:
        stop_server(server)

    def median(key: str) -> float:
        return statistics.median(r[key] for r in rounds)

    measured = {}
    paths = {t.name: t.path for t in TARGETS}
    for name, reason in skipped.items():
        measured[name] = {"path": paths[name], "skipped": reason}
    for target in targets:
        ratio = median(f"{target.name}_ratio")
        measured[target.name] = {
            "path": target.path,
            "headers": target.headers,
            "rps": round(median(target.name), 1),
            "ratio": round(ratio, 4),
            "ratio_target": target.ratio_target,
            "met": None if target.ratio_target is None else ratio >= target.ratio_target,
            "server_cpu_ms": median(f"{target.name}_server_cpu_ms"),
        }
    page = measured["page"]
    result = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "papers": data["papers"],
        "seed_seconds": data["seed_seconds"],
        "recompute": neighbours,
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
        # The paper page against the constant, as before search and the map were measured.
        "median": {
            "page_rps": page["rps"],
            "constant_rps": round(median("constant"), 1),
            "ratio": page["ratio"],
            "page_server_cpu_ms": page["server_cpu_ms"],
            "constant_server_cpu_ms": median("constant_server_cpu_ms"),
        },
        "ratio_target": page["ratio_target"],
        "targets": measured,
        "queries": queries,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")

    lines = [f"\nPapers: {data['papers']}"]
    if neighbours["skipped"]:
        lines.append(f"Neighbour recompute: skipped ({neighbours['neighbours']} stored)")
    else:
        lines.append(
            f"Neighbour recompute: {neighbours['seconds']:.1f} s "
            f"({neighbours['papers_per_s']:.0f} papers/s, {neighbours['neighbours']} neighbours)"
        )
    lines.append(f"GET {CONSTANT_PATH}: {median('constant'):.1f} req/s (median of {len(rounds)})")
    for name, reason in skipped.items():
        lines.append(f"{name}: not measured ({reason})")
    for target in targets:
        figures = measured[target.name]
        if target.ratio_target is None:
            verdict = "no target, for the record"
        else:
            verdict = f"{'meets' if figures['met'] else 'BELOW'} the target {target.ratio_target}"
        lines.append(
            f"{target.label}: {figures['rps']:.1f} req/s, "
            f"ratio to constant {figures['ratio']:.4f} (median; {verdict})"
        )
    cpu = ", ".join(
        f"{name} {figures['server_cpu_ms']:.2f} ms"
        for name, figures in measured.items()
        if "skipped" not in figures
    )
    lines.append(
        f"Server CPU per request (medians): {cpu}, "
        f"constant {median('constant_server_cpu_ms'):.2f} ms"
    )
    lines.append(
        f"SQL queries of one request: page {queries['uncached']} (uncached), "
        f"search {queries['search']['queries']}, "
        f"filtered search {queries['search_filtered']['queries']}, "
        f"map slice {queries['map_slice']['queries']} "
        f"(HTTP {queries['map_slice']['status']})"
    )
    lines.append(f"Written to {args.output}")
    print("\n".join(lines))
    return 0


def _stop_on_signal(signum, frame):
    # Turn SIGTERM into an exception, so the finally block stops gunicorn.
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _stop_on_signal)
    try:
        sys.exit(main(sys.argv[1:]))
    except (BenchError, SetupError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
