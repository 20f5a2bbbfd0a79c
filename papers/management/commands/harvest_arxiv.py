"""Harvest an arXiv OAI-PMH set over a date range, here and now, resumable."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from papers.ingest.clients.http import TransientFetchError
from papers.ingest.clients.oai import ArxivOaiClient
from papers.ingest.harvest import harvest_run_continue, harvest_run_create
from papers.models import HarvestRun, JobStatus


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"“{value}” is not a date (use YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = (
        "Harvest arXiv metadata with OAI-PMH ListRecords (one transaction per page) and print a "
        "summary. An interrupted run is resumed with --resume RUN_ID from its last page."
    )

    def add_arguments(self, parser):
        parser.add_argument("--set", dest="set_spec", help="OAI set: cs, physics:hep-th, cs:cs:AI")
        parser.add_argument("--from", dest="from_date", help="First datestamp, YYYY-MM-DD")
        parser.add_argument("--until", dest="until_date", help="Last datestamp, YYYY-MM-DD")
        parser.add_argument(
            "--format",
            dest="metadata_prefix",
            choices=HarvestRun.MetadataFormat.values,
            default=HarvestRun.MetadataFormat.ARXIV_RAW,
        )
        parser.add_argument("--resume", type=int, metavar="RUN_ID", help="Resume a stopped run")

    def handle(self, *args, set_spec, from_date, until_date, metadata_prefix, resume, **options):
        if resume is not None:
            run = HarvestRun.objects.filter(pk=resume).first()
            if run is None:
                raise CommandError(f"There is no harvest run {resume}.")
            if run.status == JobStatus.SUCCEEDED:
                raise CommandError(f"Harvest run {resume} has finished already.")
        else:
            if not set_spec or not from_date:
                raise CommandError("Give --set and --from (or --resume RUN_ID).")
            start, end = _date(from_date), _date(until_date) if until_date else None
            if end is not None and end < start:
                raise CommandError(f"--until {end} is before --from {start}.")
            run = harvest_run_create(
                set_spec=set_spec, from_date=start, until_date=end, metadata_prefix=metadata_prefix
            )
        self.stdout.write(f"Harvest run {run.pk}: {run}")

        progress = tqdm(
            total=run.complete_list_size,
            initial=run.records_seen,
            unit="records",
            disable=options["verbosity"] == 0,
        )

        def on_page(current: HarvestRun, feed) -> None:
            if current.complete_list_size and progress.total != current.complete_list_size:
                progress.total = current.complete_list_size
            progress.update(len(feed.records) + len(feed.deleted_ids))

        try:
            with ArxivOaiClient() as client:
                run = harvest_run_continue(run_id=run.pk, client=client, on_page=on_page)
        except TransientFetchError as exc:
            raise CommandError(
                f"arXiv did not answer ({exc}); resume with --resume {run.pk}"
            ) from None
        finally:
            progress.close()
        run.refresh_from_db()
        summary = (
            f"Harvest run {run.pk} {run.status}: {run.pages} pages, "
            f"{run.records_created} created, {run.records_updated} updated, "
            f"{run.records_unchanged} unchanged, {run.records_deleted} deleted, "
            f"{run.records_skipped} skipped (unreadable; listed on the run in admin)"
        )
        if run.status == JobStatus.FAILED:
            raise CommandError(f"{summary}. {run.errors[-1]['error'] if run.errors else ''}")
        self.stdout.write(self.style.SUCCESS(summary))
