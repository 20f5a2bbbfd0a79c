"""Render the stored HTML of reviews and comments again after a renderer change."""

from django.core.management.base import BaseCommand

from reviews.markdown import RENDERER
from reviews.rendering import markdown_rerender


class Command(BaseCommand):
    help = (
        "Render reviews, their concerns and comments again where their stored HTML came from "
        "another Markdown renderer (or sanitiser) than the current one. Safe to run any time; "
        "`make run` and the production image run it after migrating."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="Render every row, not only out-of-date ones."
        )

    def handle(self, *args, **options):
        summary = markdown_rerender(everything=options["all"])
        if options["verbosity"]:
            self.stdout.write(
                f"Rendered {summary.reviews} reviews, {summary.concerns} concerns and "
                f"{summary.comments} comments with {RENDERER}."
            )
