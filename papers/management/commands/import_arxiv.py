"""Import arXiv API (Atom) or OAI-PMH ListRecords responses saved to disk."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DataError

from papers.arxiv.parser import ArxivParseError
from papers.services.imports import ImportSummary, import_feed_file


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _describe(summary: ImportSummary) -> str:
    if not summary.total and not summary.deleted:
        return "no papers"
    text = f"{summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged"
    if summary.deleted:
        text += f", {summary.deleted} marked withdrawn (deleted at arXiv)"
    return text


class Command(BaseCommand):
    help = (
        "Import arXiv API (Atom) or OAI-PMH ListRecords responses saved to disk, with the same "
        "parser and upsert as the live jobs. Each file is imported in its own transaction, in "
        "the order given: a file that cannot be read or parsed stops the run with a non-zero "
        "exit and changes nothing, while the files before it stay imported and the files after "
        "it are not read."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            dest="files",
            nargs="+",
            required=True,
            metavar="PATH",
            help="An arXiv API or OAI-PMH response (XML). Several may follow one --file.",
        )

    def handle(self, *args, files: list[str], **options):
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

        self.stdout.write(self.style.SUCCESS(f"{_plural(len(paths), 'file')}: {_describe(total)}"))
