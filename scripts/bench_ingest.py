#!/usr/bin/env python
"""``make bench`` (ingest part): harvest ingest rate against COPY of the same rows.

Recorded-format OAI-PMH ListRecords pages (arXivRaw, 2 500 records a page, as arXiv serves
them) are written to disk, then loaded twice into a fresh PostgreSQL database, each time in
its own process:

1. through the harvest path itself (parse, batch upsert, run bookkeeping; one transaction
   per page), noting the process's memory after every page;
2. as plain rows with COPY (the same papers, authors, authorships, categories, versions),
   the fastest way rows get into PostgreSQL; parsing is not timed there, the commit is.

Machines differ, so the figure that matters is the ratio of the two rates measured in the
same run. Results go to bench-results/ingest.json.

Usage: .venv/bin/python scripts/bench_ingest.py [--records N] [--database-url URL]
"""

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services import database_url_named  # noqa: E402

# A fresh database on the server DATABASE_URL names (`make bench` sets it up).
DEFAULT_DATABASE = database_url_named(os.environ.get("DATABASE_URL", ""), "bzpeer_bench_ingest")
PAGE_SIZE = 2500


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _peak_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")
    import django

    django.setup()


def phase_ingest(pages_dir: Path) -> dict:
    """Harvest the recorded pages through the real harvest service."""
    _django()
    from datetime import date

    from papers.arxiv.parser import parse_document
    from papers.ingest.harvest import harvest_run_continue, harvest_run_create

    pages = sorted(pages_dir.glob("page-*.xml"))
    by_token = {}
    for page, following in itertools.pairwise(pages):
        by_token[parse_document(page.read_bytes()).resumption_token] = following

    class RecordedPages:
        """Stands in for the OAI-PMH client: the same pages, read from disk."""

        def list_records(self, *, resumption_token=None, **query):
            path = by_token[resumption_token] if resumption_token else pages[0]
            return parse_document(path.read_bytes())

    memory = []
    run = harvest_run_create(set_spec="cs", from_date=date(2025, 1, 1))
    started = time.perf_counter()
    run = harvest_run_continue(
        run_id=run.pk,
        client=RecordedPages(),
        on_page=lambda current, feed: memory.append(round(_rss_mib(), 1)),
    )
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "records": run.records_created + run.records_updated + run.records_unchanged,
        "pages": run.pages,
        "rss_mib_after_each_page": memory,
        "peak_rss_mib": round(_peak_mib(), 1),
    }


def phase_copy(pages_dir: Path) -> dict:
    """COPY the same rows; the COPY and the commit (which checks the foreign keys) are timed."""
    _django()
    from django.db import transaction

    from devdata.synthetic import CopyWriter
    from papers.arxiv.categories import category_name
    from papers.arxiv.parser import parse_document
    from papers.models import Author, Authorship, Paper, PaperTopic, PaperVersion, Topic

    records = [
        record
        for page in sorted(pages_dir.glob("page-*.xml"))
        for record in parse_document(page.read_bytes()).records
    ]
    with transaction.atomic():
        writer = CopyWriter()
        codes = sorted({code for r in records for code in r.categories})
        Topic.objects.bulk_create(
            [Topic(kind=Topic.Kind.ARXIV, code=c, name=category_name(c)) for c in codes],
            ignore_conflicts=True,
        )
        topic_ids = dict(Topic.objects.filter(code__in=codes).values_list("code", "id"))
        names = sorted({a.name for r in records for a in r.authors})
        author_ids = dict(zip(names, writer.reserve_ids(Author, len(names)), strict=True))
        paper_ids = writer.reserve_ids(Paper, len(records))
        now = time.time()
        from datetime import UTC, datetime

        stamp = datetime.fromtimestamp(now, UTC)
        papers = [
            {
                "id": pid, "arxiv_id": r.arxiv_id, "version": r.version, "title": r.title,
                "abstract": r.abstract, "published": r.published, "updated": r.updated,
                "primary_category": r.primary_category, "comment": r.comment,
                "license": r.license, "created_at": stamp, "modified_at": stamp,
                "metadata_source": "arxiv-oai", "metadata_fetched_at": stamp,
            }
            for pid, r in zip(paper_ids, records, strict=True)
        ]  # fmt: skip
        authors = [{"id": author_ids[n], "name": n} for n in names]
        authorships = [
            {"paper_id": pid, "author_id": author_ids[a.name], "position": position}
            for pid, r in zip(paper_ids, records, strict=True)
            for position, a in enumerate(r.authors)
        ]
        topics = [
            {"paper_id": pid, "topic_id": topic_ids[code], "position": position}
            for pid, r in zip(paper_ids, records, strict=True)
            for position, code in enumerate(r.categories)
        ]
        versions = [
            {"paper_id": pid, "number": v.number, "submitted": v.submitted, "size": v.size}
            for pid, r in zip(paper_ids, records, strict=True)
            for v in r.versions
        ]
        started = time.perf_counter()
        writer.insert(Author, authors, with_id=True)
        writer.insert(Paper, papers, with_id=True)
        writer.insert(Authorship, authorships, with_id=False)
        writer.insert(PaperTopic, topics, with_id=False)
        writer.insert(PaperVersion, versions, with_id=False)
    # Django's foreign keys are checked at commit: loading ends when the commit does.
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "records": len(records), "peak_rss_mib": round(_peak_mib(), 1)}


def _fresh_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _run_phase(phase: str, pages_dir: Path, env: dict) -> dict:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--pages", str(pages_dir)],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--phase", choices=["ingest", "copy"], help=argparse.SUPPRESS)
    parser.add_argument("--pages", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, default=ROOT / "bench-results" / "ingest.json")
    args = parser.parse_args(argv)

    if args.phase:
        result = (phase_ingest if args.phase == "ingest" else phase_copy)(args.pages)
        print(json.dumps(result))
        return 0

    from tests.support.oai_pages import arxiv_raw_pages

    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-" + "x" * 60),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
        "OPENALEX_API_KEY": "",
    }
    with tempfile.TemporaryDirectory(prefix="bzpeer-oai-") as tmp:
        pages_dir = Path(tmp)
        pages = arxiv_raw_pages(records=args.records, per_page=PAGE_SIZE)
        for number, page in enumerate(pages):
            (pages_dir / f"page-{number:04d}.xml").write_bytes(page)
        size_mib = sum(len(p) for p in pages) / 2**20
        print(f"{args.records} records in {len(pages)} recorded pages ({size_mib:.1f} MiB)")

        _fresh_database(args.database_url)
        ingest = _run_phase("ingest", pages_dir, env)
        _fresh_database(args.database_url)
        copy = _run_phase("copy", pages_dir, env)

    ingest_rate = ingest["records"] / ingest["seconds"]
    copy_rate = copy["records"] / copy["seconds"]
    ratio = ingest_rate / copy_rate
    memory = ingest["rss_mib_after_each_page"]
    print(f"Harvest ingest: {ingest_rate:,.0f} records/s ({ingest['seconds']:.1f} s)")
    print(f"COPY of the same rows: {copy_rate:,.0f} records/s ({copy['seconds']:.1f} s)")
    print(f"Ratio ingest/COPY: {ratio:.3f} (target at least 0.25)")
    print(
        f"Memory of the ingest process: {memory[0]:.0f} MiB after the first page, "
        f"{memory[-1]:.0f} MiB after the last, peak {ingest['peak_rss_mib']:.0f} MiB"
    )
    args.output.parent.mkdir(exist_ok=True)
    args.output.write_text(
        json.dumps({"ingest": ingest, "copy": copy, "ratio": ratio}, indent=2) + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
