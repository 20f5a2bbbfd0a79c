"""Every script-injection payload, in every text field of reviews, comments and reports,
comes out inert on the paper page (anonymous, author, other curator), in the HTMX
fragments and form errors, and in the reviews feed."""

import re
from html import unescape
from html.parser import HTMLParser
from xml.etree import ElementTree

import lxml.html
import pytest
from django.urls import reverse

from reviews.discussion.services import comment_create
from reviews.models import Comment, Review
from reviews.reviews.services import ReviewText, review_create
from tests.reviews.test_markdown import assert_inert
from tests.support.factories import make_paper
from tests.support.xss_payloads import XSS_PAYLOADS

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
ATOM = "{http://www.w3.org/2005/Atom}"
# What the page's own templates may load: its vendored scripts and styles, the feed link.
OWN_SCRIPT = re.compile(r"^/static/")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
FORBIDDEN_TAGS = {"iframe", "object", "embed", "svg", "math", "img", "style", "base", "frame"}


class _PageElements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict]] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


def assert_page_inert(html: str) -> None:
    """Whatever users wrote, the page builds only the elements its templates build: no
    handler attributes, no foreign scripts, frames or styles, no script URLs anywhere."""
    parser = _PageElements()
    parser.feed(html)
    assert not parser.inline_scripts, parser.inline_scripts[:1]
    for tag, attrs in parser.found:
        assert tag not in FORBIDDEN_TAGS, (tag, attrs)
        if tag == "script":
            assert OWN_SCRIPT.match(attrs.get("src") or ""), attrs
        if tag == "link":
            assert (attrs.get("href") or "").startswith("/"), attrs
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            assert name != "style", (tag, value)
            if name in URL_ATTRIBUTES:
                scheme = re.sub(r"[\s\x00-\x1f]", "", unescape(value or "")).lower()
                assert not scheme.startswith(("javascript:", "data:", "vbscript:")), (tag, value)


def _payload_text(payload: str) -> ReviewText:
    return ReviewText(
        recommendation="skim",
        confidence=3,
        claims=f"Claims {payload}",
        strengths=f"Strengths {payload}",
        concerns=[f"Concern {payload}", payload],
        method_questions=f"Questions {payload}",
        reproducibility_notes=f"Notes {payload}",
    )


@pytest.fixture
def loaded_paper(django_user_model):
    """A paper with one review per payload (every field) and a thread of comments per payload
    (a note, a reply, and a replication pointer), some hidden."""
    paper = make_paper()
    for i, payload in enumerate(XSS_PAYLOADS):
        author = django_user_model.objects.create_user(
            f"writer{i}", password="x" * 12, display_name=payload[:150]
        )
        review_create(author=author, paper=paper, text=_payload_text(payload))
        top = comment_create(author=author, paper=paper, kind="caveat", body=payload)
        comment_create(author=author, paper=paper, body=f"Re: {payload}", parent=top)
        comment_create(
            author=author,
            paper=paper,
            kind="replication",
            body=payload,
            link="https://example.org/run?x=" + str(i),
            replication_status="failed",
        )
    Review.objects.filter(author__username="writer1").update(is_hidden=True)
    Comment.objects.filter(author__username="writer1").update(is_hidden=True)
    return paper


def test_there_are_enough_payloads():
    assert len(set(XSS_PAYLOADS)) >= 50


def test_the_paper_page_is_inert_for_everyone(client, loaded_paper, django_user_model):
    paper = loaded_paper
    html = client.get(paper.get_absolute_url(), {"show": "all"}).content.decode()
    assert html.count('class="review"') == len(XSS_PAYLOADS) - 1
    assert_page_inert(html)
    # The author of hidden items sees them (marked); another curator sees the rest.
    client.force_login(django_user_model.objects.get(username="writer1"))
    html = client.get(paper.get_absolute_url(), {"show": "all"}).content.decode()
    assert "Hidden by a moderator." in html
    assert_page_inert(html)
    client.force_login(django_user_model.objects.create_user("reader", password="x" * 12))
    assert_page_inert(client.get(paper.get_absolute_url(), {"show": "all"}).content.decode())
    for sort in ("newest", "kind"):
        url = reverse("reviews:discussion", args=[paper.arxiv_id])
        assert_page_inert(client.get(url, {"sort": sort}, headers=HX).content.decode())


def test_each_rendered_text_is_inert_on_its_own(client, loaded_paper):
    """The user's Markdown parts of the page, one by one, against the strict allow-list."""
    html = client.get(loaded_paper.get_absolute_url(), {"show": "all"}).content.decode()
    parts = lxml.html.fromstring(html).find_class("md")
    # Claims, strengths, two concerns, questions and notes; three comments.
    assert len(parts) == (len(XSS_PAYLOADS) - 1) * 9
    for part in parts:
        inner = (part.text or "") + "".join(
            lxml.html.tostring(child, encoding=str) for child in part
        )
        assert_inert(inner)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_fragments_and_form_errors_are_inert(client, curator, payload):
    paper = make_paper()
    client.force_login(curator)
    create = reverse("reviews:create", args=[paper.arxiv_id])
    # Refused (no recommendation): the form comes back with the text in its boxes.
    data = {
        "claims": payload,
        "strengths": payload,
        "concern": [payload],
        "method_questions": payload,
        "reproducibility": "partly",
        "reproducibility_notes": payload,
        "confidence": "3",
    }
    assert_page_inert(client.post(create, data, headers=HX).content.decode())
    published = client.post(create, data | {"recommendation": "skip"}, headers=HX)
    assert_page_inert(published.content.decode())
    comments = reverse("reviews:comment-create", args=[paper.arxiv_id])
    bad = {"kind": "replication", "body": payload, "link": payload[:500]}
    assert_page_inert(client.post(comments, bad, headers=HX).content.decode())
    good = {"kind": "note", "body": payload}
    assert_page_inert(client.post(comments, good, headers=HX).content.decode())
    assert Comment.objects.get(paper=paper).body == payload.strip()


@pytest.mark.parametrize("payload", XSS_PAYLOADS[:12])
def test_report_details_are_inert_when_sent_back(client, curator, other_curator, payload):
    paper = make_paper()
    comment = comment_create(author=curator, paper=paper, body="Fine words")
    client.force_login(other_curator)
    url = reverse("reviews:report-comment", args=[paper.arxiv_id, comment.pk])
    # "Other" with details over the limit is refused and sent back with the details.
    response = client.post(url, {"reason": "bogus", "details": payload}, headers=HX)
    assert_page_inert(response.content.decode())


def test_link_fields_refuse_script_urls(client, curator):
    paper = make_paper()
    client.force_login(curator)
    url = reverse("reviews:comment-create", args=[paper.arxiv_id])
    for link in ("javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "//x.y"):
        data = {
            "kind": "replication",
            "body": "Ran it",
            "link": link,
            "replication_status": "failed",
        }
        html = client.post(url, data, headers=HX).content.decode()
        assert "Give the http(s) address" in html
    assert not Comment.objects.exists()


def test_the_feed_is_inert(client, loaded_paper):
    response = client.get(reverse("reviews:feed", args=[loaded_paper.arxiv_id]))
    root = ElementTree.fromstring(response.content)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == min(50, len(XSS_PAYLOADS) - 1)
    for entry in entries:
        # Entry content is HTML carried as text: what a feed reader would render.
        assert_inert(entry.find(f"{ATOM}summary").text or "")
        # Titles (the author's display name) are plain text, never read as HTML.
        assert entry.find(f"{ATOM}title").get("type", "text") == "text"
