"""Recompute every paper's research-map neighbours, with a progress bar."""

import os
import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from papers.models import Paper
from papers.researchmap.neighbours import DEFAULT_BATCH_SIZE, neighbours_recompute_all


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


# Each worker holds a database connection and, as it touches them, its own copy of the
# corpus indexes (~0.8 GB at 100 000 papers): more need asking for.
DEFAULT_WORKERS_MAX = 4


class Command(BaseCommand):
    help = (
        "Recompute the neighbours of every paper (authors, institutions, topics, citations, "
        "co-saves, text). Each batch is its own transaction: pages keep reading the old "
        "neighbours of a batch until its new ones are stored."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=_positive,
            default=DEFAULT_BATCH_SIZE,
            help="Papers per transaction.",
        )
        parser.add_argument(
            "--workers",
            type=_positive,
            default=min(DEFAULT_WORKERS_MAX, os.cpu_count() or 1),
            help="Processes computing batches side by side (PostgreSQL; default: one per CPU, "
            f"at most {DEFAULT_WORKERS_MAX}).",
        )

    def handle(self, *args, batch_size: int, workers: int, **options):
        total = Paper.objects.count()
        self.stdout.write(f"Computing neighbours of {total} papers …")
        # The raw stream (call_command's stderr= or the terminal): the bar redraws in place.
        stream = options.get("stderr") or sys.stderr
        # tqdm's monitor is a thread; the workers are forked, and a fork should see none.
        tqdm.monitor_interval = 0
        with tqdm(total=total, unit="paper", disable=options["verbosity"] == 0, file=stream) as bar:
            summary = neighbours_recompute_all(
                batch_size=batch_size, workers=workers, progress=bar.update
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{summary.papers}/{total} papers: {summary.edges} neighbours stored "
                f"in {summary.seconds:.1f} s."
            )
        )
