"""Every field of every feed carries hostile text inertly: what readers render as HTML (RSS
descriptions, Atom summaries) holds no markup of the user's, and what they show as text
(titles, names, Atom subtitles) is declared text. Payloads sit in every field a user or an
arXiv record fills: paper titles and abstracts, author names, topic names, collection names,
descriptions and notes, the owner's display name, reviews."""

from xml.etree import ElementTree

import pytest
from django.contrib.auth import get_user_model

from papers.curation.collections import collection_create
from papers.curation.saves import paper_save
from papers.models import CollectionItem, Topic
from reviews.reviews.services import ReviewText, review_create
from tests.reviews.test_markdown import assert_inert
from tests.support.factories import make_paper
from tests.support.xss_payloads import XSS_PAYLOADS

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
PAYLOADS = XSS_PAYLOADS[:20]
# Where a reader renders HTML: RSS descriptions and Atom summaries or contents of type html.
RSS_HTML = {"description"}
ATOM_TYPED = {f"{ATOM}summary", f"{ATOM}content", f"{ATOM}title", f"{ATOM}subtitle"}


@pytest.fixture
def hostile(django_user_model):
    owner = get_user_model().objects.create_user(
        "owner", password="x" * 12, display_name=PAYLOADS[0][:150]
    )
    collection = collection_create(
        owner=owner, name=PAYLOADS[1][:120], description=" ".join(PAYLOADS), is_public=True
    )
    papers = []
    for payload in PAYLOADS:
        paper = make_paper(
            title=f"Title {payload}",
            abstract=f"Abstract {payload}",
            authors=[f"Author {payload}"[:200], "Plain Author"],
            categories=("cs.CR",),
        )
        paper_save(user=owner, paper=paper, collection=collection)
        review_create(
            author=owner,
            paper=paper,
            text=ReviewText(recommendation="skim", confidence=3, strengths=payload),
        )
        papers.append(paper)
    for item, payload in zip(
        CollectionItem.objects.filter(collection=collection), PAYLOADS, strict=True
    ):
        item.note = f"Note {payload}"
        item.save()
    Topic.objects.filter(code="cs.CR").update(name=PAYLOADS[2])
    return collection, papers


def _feeds(collection, papers) -> list[str]:
    return [
        f"/collections/{collection.pk}/feed.atom",
        f"/collections/{collection.pk}/feed.rss",
        "/topics/cs.CR/feed.atom",
        "/topics/cs.CR/feed.rss",
        f"/papers/{papers[0].arxiv_id}/reviews/feed/",
    ]


def _check(element) -> int:
    """Checks the element and its children; returns how many HTML fields it checked."""
    checked = 0
    if element.tag in RSS_HTML or (
        element.tag in ATOM_TYPED and element.get("type") in ("html", "xhtml")
    ):
        assert_inert(element.text or "")
        checked += 1
    elif element.tag in ATOM_TYPED:
        assert element.get("type", "text") == "text", (element.tag, element.get("type"))
    for child in element:
        assert child.tag is not None
        checked += _check(child)
    return checked


def test_every_feed_field_is_inert(client, hostile):
    collection, papers = hostile
    for url in _feeds(collection, papers):
        response = client.get(url)
        assert response.status_code == 200, url
        root = ElementTree.fromstring(response.content)  # well-formed whatever the payloads
        assert _check(root) >= 1, url


def test_rss_channel_and_item_descriptions_show_markup_as_text(client, hostile):
    collection, _papers = hostile
    root = ElementTree.fromstring(client.get(f"/collections/{collection.pk}/feed.rss").content)
    channel = root.find("channel")
    # What a reader renders: the user's markup comes out as text, never as elements.
    assert "&lt;script" in channel.find("description").text
    notes = [item.find("description").text for item in channel.findall("item")]
    assert any("&lt;" in note for note in notes)
