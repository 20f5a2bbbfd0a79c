"""User Markdown renders to sanitised HTML; formulas are kept intact for KaTeX."""

import re
from html.parser import HTMLParser

import pytest

from reviews.markdown import markdown_html
from tests.support.xss_payloads import XSS_PAYLOADS

SAFE_TAGS = {
    "a", "blockquote", "br", "code", "del", "div", "em", "h3", "h4", "h5", "h6", "hr", "li",
    "ol", "p", "pre", "span", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip


class _Elements(HTMLParser):
    """The elements and attributes a browser would build from the HTML (text stays text)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    """No executable element, no event handler, no link or source outside http(s)/mailto."""
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.found:
        assert tag in SAFE_TAGS, (tag, html)
        for name, value in attrs.items():
            assert not name.startswith("on"), (name, html)
            assert name in {"href", "title", "class", "rel", "start", "align"}, (name, html)
            if name == "href":
                assert re.match(r"^(https?:|mailto:)", value or ""), (value, html)


def test_there_are_enough_payloads():
    assert len(set(XSS_PAYLOADS)) >= 50


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_every_payload_comes_out_inert(payload):
    assert_inert(str(markdown_html(f"Before {payload} after")))


def test_markdown_basics():
    html = markdown_html("**bold** _em_ `code`\n\n- one\n- two\n\n> quoted")
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html
    assert "<code>code</code>" in html and "<li>one</li>" in html
    assert "<blockquote>" in html


def test_links_get_nofollow_ugc_noopener():
    html = markdown_html("[code](https://github.com/example/repo)")
    assert html == (
        '<p><a href="https://github.com/example/repo" rel="nofollow ugc noopener">code</a></p>\n'
    )


def test_math_is_kept_for_katex_untouched_by_markdown():
    html = markdown_html("Bound $a_1 * b_2 \\le c_3 * d$ and\n\n$$\\sum_{i=1}^n x_i$$")
    assert '<span class="math inline">\\(a_1 * b_2 \\le c_3 * d\\)</span>' in html
    assert "\\[\\sum_{i=1}^n x_i\\]" in html
    assert "<em>" not in html


def test_prices_are_not_math():
    html = markdown_html("It costs $5 and $10.")
    assert "math" not in html and "$5 and $10" in html


def test_headings_do_not_outrank_the_page():
    html = markdown_html("# Top\n\n## Next")
    assert "<h3>Top</h3>" in html and "<h4>Next</h4>" in html
    assert "<h1" not in html and "<h2" not in html


@pytest.mark.parametrize("text", ["", "   ", "\n\n"])
def test_empty_text_is_empty(text):
    assert markdown_html(text) == ""


@pytest.mark.parametrize(
    "live",
    [
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "<p onclick=alert(1)>x</p>",
        "<script>alert(1)</script>",
    ],
)
def test_the_check_catches_live_markup(live):
    # The corpus test above is only as good as this check: it must reject real markup.
    with pytest.raises(AssertionError):
        assert_inert(live)
