from django.core.management.base import BaseCommand, CommandError

from devdata.demo import DEMO_PASSWORD, DemoDataError, demo_seed
from papers.arxiv.parser import ArxivParseError


class Command(BaseCommand):
    help = (
        "Load the offline demo data: real arXiv papers around big models, stored as arXiv API "
        "responses under papers/demo/, through the usual parser and upsert; then the demo "
        "curators ada, grace, alan and barbara with their votes and saves. New demo users get "
        f"the password '{DEMO_PASSWORD}' (or none with --no-passwords). Running it again "
        "changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-passwords",
            action="store_true",
            help="Create the demo users with unusable passwords (they cannot log in).",
        )

    def handle(self, *args, no_passwords: bool, **options):
        try:
            summary = demo_seed(password=None if no_passwords else DEMO_PASSWORD)
        except (ArxivParseError, DemoDataError) as exc:
            raise CommandError(f"Demo data not loaded: {exc}") from None
        papers = summary.papers
        self.stdout.write(
            f"Demo data: papers {papers.created} created, {papers.updated} updated, "
            f"{papers.unchanged} unchanged; users {summary.users.total} "
            f"({summary.users.created} new); votes {summary.votes.total} "
            f"({summary.votes.created} new); saves {summary.saves.total} "
            f"({summary.saves.created} new); collections {summary.collections.total} "
            f"({summary.collections.created} new); reactions {summary.reactions.total} "
            f"({summary.reactions.created} new); reviews {summary.reviews.total} "
            f"({summary.reviews.created} new); comments {summary.comments.total} "
            f"({summary.comments.created} new); research map: {summary.neighbours} neighbours."
        )
