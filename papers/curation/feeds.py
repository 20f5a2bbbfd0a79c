"""Atom and RSS feeds of public collections: the papers most recently added first.

Feed readers fetch anonymously, so only public collections have feeds, for everyone,
their owner included. Descriptions are HTML (as both formats expect): the owner's note and
the collection's description are escaped before they go in, so markup shows as text in the
reader; Atom's subtitle is text and goes in as written.
"""

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.http.request import split_domain_port
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, linebreaks
from django.utils.text import Truncator

from papers.catalogue.selectors import AUTHORS_IN_LISTS
from papers.curation.collections import CollectionNotFound, collection_for_viewer, collection_items
from papers.models import Collection, CollectionItem

FEED_ITEMS = 50
ABSTRACT_WORDS = 80


class CollectionRssFeed(Feed):
    def get_object(self, request: HttpRequest, pk: int) -> Collection:
        try:
            collection = collection_for_viewer(None, pk)
        except CollectionNotFound:
            raise Http404("No such public collection.") from None
        # Entry ids need the host; kept on this request's object, not on the shared feed.
        collection.feed_host = split_domain_port(request.get_host())[0] or "localhost"
        return collection

    def title(self, collection: Collection) -> str:
        return f"{collection.name} · BZPEER"

    def link(self, collection: Collection) -> str:
        return collection.get_absolute_url()

    @staticmethod
    def summary(collection: Collection) -> str:
        return collection.description or f"Papers collected by {collection.owner} on BZPEER."

    def description(self, collection: Collection) -> str:
        # Readers render an RSS description as HTML, like the items': escaped the same way.
        return escape(self.summary(collection))

    def author_name(self, collection: Collection) -> str:
        return str(collection.owner)

    def items(self, collection: Collection) -> list[CollectionItem]:
        newest = collection_items(collection).order_by("-added_at", "-pk")[:FEED_ITEMS]
        items = list(newest)
        for item in items:
            item.feed_host = collection.feed_host
        return items

    def item_title(self, item: CollectionItem) -> str:
        return item.paper.title

    def item_link(self, item: CollectionItem) -> str:
        return item.paper.get_absolute_url()

    def item_description(self, item: CollectionItem) -> str:
        text = item.note or Truncator(item.paper.abstract).words(ABSTRACT_WORDS)
        return linebreaks(text, autoescape=True)

    def item_pubdate(self, item: CollectionItem):
        return item.added_at

    def item_guid(self, item: CollectionItem) -> str:
        # A tag URI (RFC 4151): one id per paper per collection, new if it is added again.
        day = item.added_at.strftime("%Y-%m-%d")
        return f"tag:{item.feed_host},{day}:collection/{item.collection_id}/{item.paper.arxiv_id}"

    item_guid_is_permalink = False

    def item_author_name(self, item: CollectionItem) -> str:
        names = [a.author.name for a in item.paper.lead_authorships]
        more = " et al." if item.author_count > AUTHORS_IN_LISTS else ""
        return ", ".join(names) + more


class CollectionAtomFeed(CollectionRssFeed):
    feed_type = Atom1Feed

    def subtitle(self, collection: Collection) -> str:
        # Atom's subtitle is text (no type given): the reader shows it as written.
        return self.summary(collection)
