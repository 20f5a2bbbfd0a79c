"""An Atom feed of a paper's reviews, newest first.

Feed readers fetch anonymously: only reviews the public sees (not hidden by a moderator)
are in it. Each entry's content is the review rendered through the same sanitised Markdown
as the page, so nothing a reviewer writes can run in a reader.
"""

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.http.request import split_domain_port
from django.template.loader import render_to_string
from django.utils.feedgenerator import Atom1Feed

from papers.catalogue.selectors import paper_by_id_or_404
from papers.models import Paper
from reviews.models import Review, ReviewConcern

FEED_ITEMS = 50


class PaperReviewsFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, arxiv_id: str) -> Paper:
        paper = paper_by_id_or_404(arxiv_id, Paper.objects.only("pk", "arxiv_id", "title"))
        paper.feed_host = split_domain_port(request.get_host())[0] or "localhost"
        return paper

    def title(self, paper: Paper) -> str:
        return f"Reviews of “{paper.title}” · BZPEER"

    def link(self, paper: Paper) -> str:
        return f"{paper.get_absolute_url()}#reviews"

    def subtitle(self, paper: Paper) -> str:
        return f"Structured reviews of arXiv:{paper.arxiv_id} on BZPEER."

    def items(self, paper: Paper) -> list[Review]:
        reviews = list(
            Review.objects.filter(paper=paper, is_hidden=False)
            .select_related("author")
            .prefetch_related("concerns")
            .order_by("-created_at", "-pk")[:FEED_ITEMS]
        )
        for review in reviews:
            review.feed_paper = paper
        return reviews

    def item_title(self, review: Review) -> str:
        return f"{review.author}: {review.get_recommendation_display()}"

    def item_link(self, review: Review) -> str:
        return review.feed_paper.get_item_url(f"review-{review.pk}")

    def item_description(self, review: Review) -> str:
        concerns: list[ReviewConcern] = list(review.concerns.all())
        return render_to_string("reviews/feed_entry.html", {"review": review, "concerns": concerns})

    def item_author_name(self, review: Review) -> str:
        return str(review.author)

    def item_pubdate(self, review: Review):
        return review.created_at

    def item_updateddate(self, review: Review):
        return review.edited_at or review.created_at

    def item_guid(self, review: Review) -> str:
        day = review.created_at.strftime("%Y-%m-%d")
        return f"tag:{review.feed_paper.feed_host},{day}:review/{review.pk}"

    item_guid_is_permalink = False
