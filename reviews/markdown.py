"""User Markdown (reviews and comments) to safe HTML, with LaTeX math left for KaTeX.

markdown-it-py parses CommonMark with raw HTML switched off; ``$…$`` and ``$$…$$`` are
taken out of Markdown's hands first, so ``_`` and ``*`` inside formulas stay as written.
The result then goes through nh3 with a short allow-list, whatever the parser produced:
the sanitiser, not the parser, is what keeps pages safe. Links get
``rel="nofollow ugc noopener"``, since user links must not pass on ranking or ``opener``.
"""

import re
from functools import cache, lru_cache
from importlib.metadata import version
from typing import Any

import markdown_it
import mdit_py_plugins
import nh3
from django.db import models
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin

from papers.arxiv.ids import InvalidArxivId, parse_arxiv_id

# What produced a stored rendering: these rules (bump RULES when they change) and the parser
# and sanitiser versions. Rows rendered otherwise are rendered again by
# `manage.py render_markdown`, which `make run` and the production image run after migrating.
RULES = 2  # 2: arXiv identifiers link to their paper
RENDERER = (
    f"bzpeer-{RULES} markdown-it-py-{markdown_it.__version__} "
    f"mdit-py-plugins-{mdit_py_plugins.__version__} nh3-{version('nh3')}"
)

ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "del", "div", "em", "h3", "h4", "h5", "h6", "hr",
    "li", "ol", "p", "pre", "span", "strong", "table", "tbody", "td", "th", "thead", "tr",
    "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
# Only the math wrappers carry classes; math.js renders what is inside them.
ALLOWED_CLASSES = {"span": {"math", "inline"}, "div": {"math", "block"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"


def _math(content: str, options: dict[str, Any]) -> str:
    # KaTeX's auto-render finds these delimiters; the formula itself is plain escaped text.
    left, right = (r"\[", r"\]") if options.get("display_mode") else (r"\(", r"\)")
    return escape(f"{left}{content}{right}")


def _demote_headings(state) -> None:
    # A heading inside a review must not outrank the page's own (h1, h2): "#" becomes h3.
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 2, 6)}"


# An arXiv identifier in running text: "arXiv:2203.14101v2", "1706.03762", "hep-th/9901001".
# Candidates are checked by the identifier parser (months, number lengths, archives), so a
# figure such as 1234.5678 stays text.
_ARXIV_ID = re.compile(
    r"(?<![\w./:-])(?:arXiv:\s?)?(?:\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)?(?:\.[A-Z]{2})?/\d{7})"
    r"(?:v\d+)?(?![\w/-]|\.\d)",
    re.IGNORECASE,
)


def _link_arxiv_ids(state) -> None:
    """Text that names an arXiv paper links to its page here (never inside a link or code)."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children, in_link = [], 0
        for token in block.children:
            in_link += token.type == "link_open"
            in_link -= token.type == "link_close"
            if token.type != "text" or in_link or not _ARXIV_ID.search(token.content):
                children.append(token)
                continue
            children.extend(_linked(state, token.content))
        block.children = children


def _linked(state, text: str) -> list:
    tokens, position = [], 0
    for match in _ARXIV_ID.finditer(text):
        try:
            arxiv_id = parse_arxiv_id(match.group())
        except InvalidArxivId:
            continue
        if match.start() > position:
            tokens.append(_text_token(state, text[position : match.start()]))
        link = Token("link_open", "a", 1)
        link.attrs = {"href": reverse("papers:detail", kwargs={"arxiv_id": arxiv_id.id})}
        tokens += [link, _text_token(state, match.group()), Token("link_close", "a", -1)]
        position = match.end()
    if position < len(text):
        tokens.append(_text_token(state, text[position:]))
    return tokens


def _text_token(state, content: str):
    token = Token("text", "", 0)
    token.content = content
    return token


@cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable(["table", "strikethrough"])
    parser.core.ruler.push("demote_headings", _demote_headings)
    parser.core.ruler.push("link_arxiv_ids", _link_arxiv_ids)
    dollarmath_plugin(
        parser, allow_digits=False, allow_labels=False, double_inline=True, renderer=_math
    )
    return parser


def markdown_html(text: str) -> SafeString:
    """Safe HTML for a user's Markdown text (empty text gives an empty string)."""
    if not text or not text.strip():
        return mark_safe("")
    return _rendered(text)


def markdown_render(row: models.Model) -> None:
    """Render the row's Markdown fields (``row.MARKDOWN_FIELDS``) into their ``*_html``
    fields: texts are rendered once, when written, never when a page is shown."""
    for name in row.MARKDOWN_FIELDS:
        setattr(row, f"{name}_html", str(markdown_html(getattr(row, name))))
    row.rendered_with = RENDERER


def markdown_stored_fields(model: type[models.Model]) -> list[str]:
    """The fields ``markdown_render`` writes, for ``save(update_fields=…)``."""
    return [f"{name}_html" for name in model.MARKDOWN_FIELDS] + ["rendered_with"]


# Re-rendering many rows (a renderer upgrade) meets the same texts again: remember recent ones.
@lru_cache(maxsize=4096)
def _rendered(text: str) -> SafeString:
    html = _parser().render(text)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return mark_safe(cleaned)  # sanitised by nh3 just above
