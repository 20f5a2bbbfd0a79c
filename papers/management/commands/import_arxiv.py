"""Import papers by arXiv id from the arXiv API, or from API/OAI-PMH responses saved to disk."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DataError

from papers.arxiv.ids import InvalidArxivId, parse_arxiv_id
from papers.arxiv.parser import ArxivParseError
from papers.ingest.imports import ImportSummary, import_feed_file
from papers.ingest.jobs import import_job_for_command
from papers.ingest.tasks import import_paper
from papers.models import JobStatus


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _describe(summary: ImportSummary) -> str:
    skipped = f"{len(summary.skipped)} skipped (unreadable)" if summary.skipped else ""
    if not summary.total and not summary.deleted:
        return skipped or "no papers"
    text = f"{summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged"
    if summary.deleted:
        text += f", {summary.deleted} marked withdrawn (deleted at arXiv)"
    return f"{text}, {skipped}" if skipped else text


class Command(BaseCommand):
    help = (
        "Import papers by arXiv id or URL from the arXiv API (the same job as 'Add a paper', "
        "run here rather than on a worker), or with --file import arXiv API (Atom) or OAI-PMH "
        "ListRecords or GetRecord responses (arXivRaw, arXiv or oai_dc) saved to disk, with the "
        "same parser and upsert as the live jobs. Each file is imported in its own transaction, "
        "in the order given: a record that cannot be read is skipped and named, the rest of its "
        "file imported; a file that cannot be read or parsed at all stops the run with a "
        "non-zero exit and changes nothing, while the files before it stay imported and the "
        "files after it are not read."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "ids", nargs="*", metavar="ID", help="arXiv ids or URLs (2203.14101, hep-th/9901001)"
        )
        parser.add_argument(
            "--refresh",
            action="store_true",
            help="Fetch papers we already hold again (otherwise they are left as they are).",
        )
        parser.add_argument(
            "--file",
            dest="files",
            nargs="+",
            default=[],
            metavar="PATH",
            help="An arXiv API or OAI-PMH (ListRecords, GetRecord) response (XML). Several may "
            "follow one --file.",
        )

    def handle(self, *args, ids: list[str], files: list[str], refresh: bool, **options):
        if bool(ids) == bool(files):
            raise CommandError("Give arXiv ids, or --file with saved responses (not both).")
        if ids:
            self._import_ids(ids, refresh=refresh)
        else:
            self._import_files(files)

    def _import_ids(self, raw_ids: list[str], *, refresh: bool) -> None:
        # Validated up front: a typo stops the run before anything is fetched.
        try:
            arxiv_ids = list(dict.fromkeys(parse_arxiv_id(raw).id for raw in raw_ids))
        except InvalidArxivId as exc:
            raise CommandError(str(exc)) from None
        failed = 0
        for arxiv_id in arxiv_ids:
            job = import_job_for_command(arxiv_id=arxiv_id, refresh=refresh)
            if job is None:
                self.stdout.write(f"{arxiv_id}: held already (use --refresh to fetch it again)")
                continue
            # The task's own code, retries included, run here instead of on a worker.
            import_paper.apply(args=[job.pk], throw=False)
            job.refresh_from_db()
            if job.status == JobStatus.SUCCEEDED:
                self.stdout.write(f"{arxiv_id}: {job.outcome} (version {job.paper.version})")
            else:
                failed += 1
                self.stderr.write(f"{arxiv_id}: failed: {job.error}")
        if failed:
            raise CommandError(f"{failed} of {len(arxiv_ids)} papers could not be imported.")

    def _import_files(self, files: list[str]) -> None:
        paths = [Path(name) for name in files]
        # Checked up front, so a mistyped name does not leave a half-done run.
        for path in paths:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")

        total = ImportSummary()
        for path in paths:
            try:
                summary = import_feed_file(path)
            # DataError: a value the database refuses (too long for its column, say).
            except (ArxivParseError, ValueError, OSError, DataError) as exc:
                reason = " ".join(str(exc).split()) or type(exc).__name__
                raise CommandError(f"{path}: {reason} (nothing imported from this file)") from exc
            total.add(summary)
            self.stdout.write(f"{path}: {_describe(summary)}")
            for item in summary.skipped:
                self.stderr.write(f"{path}: skipped {item.identifier or '(no id)'}: {item.reason}")

        self.stdout.write(self.style.SUCCESS(f"{_plural(len(paths), 'file')}: {_describe(total)}"))
