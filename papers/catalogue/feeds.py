"""Atom and RSS feeds of a topic: its newest published papers.

Descriptions are HTML (as both formats expect): the abstract and the topic's name (from
OpenAlex) are escaped before they go in, so markup in them shows as text in the reader;
Atom's subtitle is text and goes in as written. Entry ids are per paper, not per
topic, so a reader following two topics sees a paper in both as the same entry.
"""

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.http.request import split_domain_port
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, linebreaks
from django.utils.text import Truncator

from papers.catalogue import browse
from papers.catalogue.selectors import AUTHORS_IN_LISTS
from papers.models import Paper, Topic

FEED_ITEMS = 50
ABSTRACT_WORDS = 80


class TopicRssFeed(Feed):
    def get_object(self, request: HttpRequest, code: str) -> Topic:
        topic = browse.topic_get(code=code)
        if topic is None:
            raise Http404("No such topic.")
        # Entry ids need the host; kept on this request's object, not on the shared feed.
        topic.feed_host = split_domain_port(request.get_host())[0] or "localhost"
        return topic

    def title(self, topic: Topic) -> str:
        return f"{topic.display_name} ({topic.code}) · BZPEER"

    def link(self, topic: Topic) -> str:
        return reverse("papers:topic", kwargs={"code": topic.code})

    @staticmethod
    def summary(topic: Topic) -> str:
        return f"The newest papers in {topic.display_name} on BZPEER."

    def description(self, topic: Topic) -> str:
        # Readers render an RSS description as HTML, like the items': escaped the same way.
        return escape(self.summary(topic))

    def items(self, topic: Topic) -> list[Paper]:
        papers = browse.topic_feed_papers(topic=topic, limit=FEED_ITEMS)
        for paper in papers:
            paper.feed_host = topic.feed_host
        return papers

    def item_title(self, paper: Paper) -> str:
        return paper.title

    def item_link(self, paper: Paper) -> str:
        return paper.get_absolute_url()

    def item_description(self, paper: Paper) -> str:
        return linebreaks(Truncator(paper.abstract).words(ABSTRACT_WORDS), autoescape=True)

    def item_pubdate(self, paper: Paper):
        return paper.published

    def item_updateddate(self, paper: Paper):
        return paper.updated

    def item_guid(self, paper: Paper) -> str:
        # A tag URI (RFC 4151): one id per paper, dated by its first version.
        day = paper.published.strftime("%Y-%m-%d")
        return f"tag:{paper.feed_host},{day}:paper/{paper.arxiv_id}"

    item_guid_is_permalink = False

    def item_author_name(self, paper: Paper) -> str:
        names = [a.author.name for a in paper.lead_authorships]
        more = " et al." if paper.author_count > AUTHORS_IN_LISTS else ""
        return ", ".join(names) + more


class TopicAtomFeed(TopicRssFeed):
    feed_type = Atom1Feed

    def subtitle(self, topic: Topic) -> str:
        # Atom's subtitle is text (no type given): the reader shows it as written.
        return self.summary(topic)
