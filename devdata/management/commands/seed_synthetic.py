"""Add realistic synthetic papers for scale benchmarks."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from devdata.synthetic import (
    DEFAULT_BATCH_SIZE,
    SYNTHETIC_NUMBER_OFFSET,
    synthetic_papers_create,
)


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Add N synthetic papers (authors, institutions, arXiv categories, versions, OpenAlex "
        "references and the citations among them, saves by synthetic curators) for scale "
        f"benchmarks. Their ids are YYMM.NNNNN with NNNNN from {SYNTHETIC_NUMBER_OFFSET} up, "
        "a range no real arXiv paper uses; ids already taken are skipped, so each run adds N "
        "more. The same --seed on the same database gives the same papers. All papers go in "
        "one transaction: an interrupted run adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--papers", type=_positive, required=True, metavar="N")
        parser.add_argument("--seed", type=int, default=0, metavar="S")
        parser.add_argument(
            "--batch-size", type=_positive, default=DEFAULT_BATCH_SIZE, help="Papers per insert."
        )

    def handle(self, *args, papers: int, seed: int, batch_size: int, **options):
        started = time.monotonic()
        show_bar = options["verbosity"] > 0
        with tqdm(total=papers, unit="paper", disable=not show_bar, file=sys.stderr) as bar:
            try:
                summary = synthetic_papers_create(
                    count=papers, seed=seed, batch_size=batch_size, progress=bar.update
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"{summary.papers} synthetic papers ({summary.first_id} … {summary.last_id}) "
                f"with {summary.authorships} authorships ({summary.new_authors} new authors), "
                f"{summary.versions} versions, {summary.topics} categories, "
                f"{summary.references} references ({summary.citations} citations among the "
                f"papers) and {summary.saves} saves by {summary.curators} curators "
                f"in {elapsed:.1f} s."
            )
        )
