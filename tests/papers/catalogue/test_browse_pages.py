"""Author, institution and topic pages, the topic feeds, and the paper page's links to them."""

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from papers.models import Author, Institution, Paper, Topic
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

DAY = datetime(2025, 3, 1, tzinfo=UTC)
# the object, the paper count, the page of papers, their lead authors, their categories,
# and the side lists (co-authors and institutions; authors and their count; most discussed)
AUTHOR_QUERIES = 7
# The author count is a query of its own only when there are more authors than shown.
INSTITUTION_QUERIES = 7
TOPIC_QUERIES = 6


def _alice_papers(count: int) -> list[Paper]:
    return [
        make_paper(
            title=f"Alice paper {i:02d}",
            authors=["Alice Smith", f"Coauthor {i % 4}", "Bob Jones"],
            affiliations={0: ("Alpha Lab",), 2: ("Beta Institute",)},
            categories=("cs.LG", "cs.AI"),
            published=DAY + timedelta(days=i),
        )
        for i in range(count)
    ]


def _queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


# --- Authors ---------------------------------------------------------------------------------


def test_author_page_lists_papers_coauthors_and_institutions(client):
    _alice_papers(5)
    alice = Author.objects.get(name="Alice Smith")
    count, html = _queries(client, f"/authors/{alice.pk}/")
    assert count == AUTHOR_QUERIES
    assert "<h1>Alice Smith</h1>" in html and "5 papers on BZPEER" in html
    assert html.index("Alice paper 04") < html.index("Alice paper 00")
    bob = Author.objects.get(name="Bob Jones")
    # Bob wrote all five with her, each numbered co-author one or two.
    assert f'href="/authors/{bob.pk}/">Bob Jones</a> <span class="muted">5 papers together' in html
    assert "2 papers together" in html and "1 paper together" in html
    alpha = Institution.objects.get(name="Alpha Lab")
    assert f'href="/institutions/{alpha.pk}/">Alpha Lab</a>' in html
    assert "Beta Institute" not in html  # Bob's affiliation, not hers


@pytest.mark.parametrize("papers", [3, 30])
def test_author_page_costs_the_same_however_many_papers(client, papers):
    _alice_papers(papers)
    alice = Author.objects.get(name="Alice Smith")
    count, html = _queries(client, f"/authors/{alice.pk}/")
    assert count == AUTHOR_QUERIES
    assert ("Page 1 of 2" in html) is (papers == 30)


def test_author_papers_paginate_by_twenty(client):
    _alice_papers(30)
    alice = Author.objects.get(name="Alice Smith")
    first = client.get(f"/authors/{alice.pk}/").content.decode()
    assert first.count('class="paper-card"') == 20 and "Alice paper 10" in first
    second = client.get(f"/authors/{alice.pk}/?page=2").content.decode()
    assert second.count('class="paper-card"') == 10 and "Alice paper 09" in second
    assert "Alice paper 10" not in second
    assert client.get(f"/authors/{alice.pk}/?page=banana").status_code == 200


@pytest.mark.parametrize("raw", ["999999", "abc", "0", "12345678901234567890"])
def test_unknown_author_gets_a_clear_404(client, raw):
    response = client.get(f"/authors/{raw}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "No such author" in html and "Browse the latest papers" in html


def test_names_are_escaped_everywhere(client):
    paper = make_paper(
        authors=["<script>alert(1)</script>", "Eve &amp; Co"],
        affiliations={0: ('<img src=x onerror="alert(2)">',)},
        title="<i>Title</i>",
    )
    author = Author.objects.get(name="<script>alert(1)</script>")
    institution = Institution.objects.get()
    pages = [
        client.get(f"/authors/{author.pk}/").content.decode(),
        client.get(f"/institutions/{institution.pk}/").content.decode(),
        client.get("/topics/cs.LG/").content.decode(),
        client.get(paper.get_absolute_url()).content.decode(),
    ]
    for html in pages:
        assert "<script>alert(1)</script>" not in html
        assert "<img src=x" not in html and "<i>Title</i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0]
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in pages[1]
    assert "Eve &amp;amp; Co" in pages[3]
    missing = client.get("/topics/%3Cb%3Ex/").content.decode()
    assert "<b>x" not in missing and "&lt;b&gt;x" in missing


# --- Institutions ------------------------------------------------------------------------------


@pytest.mark.parametrize("papers", [3, 30])
def test_institution_page_lists_authors_and_papers_in_bounded_queries(client, papers):
    _alice_papers(papers)
    make_paper(title="Elsewhere", authors=["Carol"], affiliations={0: ("Gamma",)})
    alpha = Institution.objects.get(name="Alpha Lab")
    count, html = _queries(client, f"/institutions/{alpha.pk}/")
    assert count <= INSTITUTION_QUERIES
    assert "<h1>Alpha Lab</h1>" in html and f"{papers} papers on BZPEER" in html
    alice = Author.objects.get(name="Alice Smith")
    assert (
        f'href="/authors/{alice.pk}/">Alice Smith</a> <span class="muted">{papers} papers' in html
    )
    assert "Bob Jones" not in html.split('id="authors-heading"')[1]  # Bob is at Beta
    assert "Elsewhere" not in html
    assert ("Page 1 of 2" in html) is (papers == 30)


def test_institution_with_many_authors_names_the_busiest_and_counts_the_rest(client):
    for i in range(45):
        make_paper(authors=[f"Member {i:02d}"], affiliations={0: ("Big Lab",)})
    make_paper(authors=["Member 07", "Member 08"], affiliations={0: ("Big Lab",), 1: ("Big Lab",)})
    big = Institution.objects.get(name="Big Lab")
    html = client.get(f"/institutions/{big.pk}/").content.decode()
    assert "and 5 more" in html
    authors = html.split('id="authors-heading"')[1]
    assert authors.index("Member 07") < authors.index("Member 00")


def test_unknown_institution_gets_a_clear_404(client):
    response = client.get("/institutions/424242/")
    assert response.status_code == 404
    assert "No such institution" in response.content.decode()


# --- Topics --------------------------------------------------------------------------------------


@pytest.mark.parametrize("papers", [3, 30])
def test_topic_page_shows_latest_and_most_discussed_in_bounded_queries(client, papers):
    made = _alice_papers(papers)
    make_paper(title="Other topic", categories=("math.GT",))
    Paper.objects.filter(pk=made[0].pk).update(review_count=2, comment_count=1)
    Paper.objects.filter(pk=made[1].pk).update(comment_count=5)
    count, html = _queries(client, "/topics/cs.LG/")
    assert count == TOPIC_QUERIES
    assert "Machine Learning" in html and f"{papers} papers on BZPEER" in html
    assert "Other topic" not in html
    discussed = html.split('id="most-discussed"')[1]
    assert discussed.index("Alice paper 01") < discussed.index("Alice paper 00")
    latest = html.split('id="latest-heading"')[1]
    assert latest.index(f"Alice paper {papers - 1:02d}") < latest.index(
        f"Alice paper {papers - 2:02d}"
    )
    assert 'href="/topics/cs.LG/feed.atom"' in html and 'href="/topics/cs.LG/feed.rss"' in html


def test_topic_without_discussion_says_so(client):
    make_paper(categories=("hep-th",))
    html = client.get("/topics/hep-th/").content.decode()
    assert "No reviews or comments in this topic yet" in html


@pytest.mark.parametrize("code", ["cs.NOPE", "x" * 100])
def test_unknown_topic_gets_a_clear_404(client, code):
    response = client.get(f"/topics/{code}/")
    assert response.status_code == 404
    assert "No such topic" in response.content.decode()


def test_openalex_topic_has_a_page_too(client):
    paper = make_paper(title="Enriched paper")
    topic = Topic.objects.create(kind=Topic.Kind.OPENALEX, code="T10028", name="Topic modeling")
    paper.paper_topics.create(topic=topic, position=5, source="openalex")
    html = client.get("/topics/T10028/").content.decode()
    assert "Topic modeling" in html and "Enriched paper" in html


# --- Topic feeds -------------------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"


def test_atom_feed_has_the_newest_fifty_published_papers_escaped():
    from django.test import Client

    now = timezone.now()
    for i in range(55):
        make_paper(title=f"Feed paper {i:02d}", published=now - timedelta(days=60 - i))
    make_paper(
        title="Markup paper",
        abstract="<script>alert(1)</script> & more",
        authors=["Ann", "Ben", "Cy", "Dee"],
        published=now - timedelta(hours=1),
    )
    make_paper(title="Future paper", published=now + timedelta(days=2))
    response = Client().get("/topics/cs.LG/feed.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 50
    titles = [entry.findtext(f"{ATOM}title") for entry in entries]
    assert titles[0] == "Markup paper" and titles[1] == "Feed paper 54"
    assert "Future paper" not in titles and "Feed paper 05" not in titles
    first = entries[0]
    summary = first.findtext(f"{ATOM}summary")
    assert "&lt;script&gt;" in summary and "<script>" not in summary
    assert first.findtext(f"{ATOM}id").startswith("tag:testserver,")
    assert ":paper/" in first.findtext(f"{ATOM}id")
    assert first.find(f"{ATOM}author").findtext(f"{ATOM}name") == "Ann, Ben, Cy et al."


def test_rss_feed_and_unknown_topic(client):
    paper = make_paper(title="RSS paper", categories=("astro-ph.GA",))
    response = client.get("/topics/astro-ph.GA/feed.rss")
    assert response.status_code == 200
    channel = ElementTree.fromstring(response.content).find("channel")
    item = channel.find("item")
    assert item.findtext("title") == "RSS paper"
    assert item.findtext("link").endswith(paper.get_absolute_url())
    assert item.find("guid").get("isPermaLink") == "false"
    assert client.get("/topics/nope.XX/feed.rss").status_code == 404
    assert client.get("/topics/nope.XX/feed.atom").status_code == 404


# --- Links from the paper page ------------------------------------------------------------------


def test_paper_page_links_authors_institutions_and_categories(client):
    paper = make_paper(
        authors=["Sha Yuan", "Hanyu Zhao"],
        affiliations={1: ("BAAI",)},
        categories=("cs.LG", "cs.CL"),
    )
    html = client.get(paper.get_absolute_url()).content.decode()
    for name in ("Sha Yuan", "Hanyu Zhao"):
        assert f'href="/authors/{Author.objects.get(name=name).pk}/">{name}</a>' in html
    baai = Institution.objects.get(name="BAAI")
    assert f'href="/institutions/{baai.pk}/">BAAI</a>' in html
    assert 'href="/topics/cs.CL/">cs.CL</a>' in html
    # Every link leads to a page.
    for url in (
        f"/authors/{Author.objects.get(name='Sha Yuan').pk}/",
        f"/institutions/{baai.pk}/",
        "/topics/cs.CL/",
    ):
        assert client.get(url).status_code == 200
