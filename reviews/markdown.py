"""User Markdown (reviews and comments) to safe HTML, with LaTeX math left for KaTeX.

markdown-it-py parses CommonMark with raw HTML switched off; ``$…$`` and ``$$…$$`` are
taken out of Markdown's hands first, so ``_`` and ``*`` inside formulas stay as written.
The result then goes through nh3 with a short allow-list, whatever the parser produced:
the sanitiser, not the parser, is what keeps pages safe. Links get
``rel="nofollow ugc noopener"``, since user links must not pass on ranking or ``opener``.
"""

from functools import cache, lru_cache
from importlib.metadata import version
from typing import Any

import markdown_it
import mdit_py_plugins
import nh3
from django.db import models
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

# What produced a stored rendering: these rules (bump RULES when they change) and the parser
# and sanitiser versions. Rows rendered otherwise are rendered again by
# `manage.py render_markdown`, which `make run` and the production image run after migrating.
RULES = 1
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


@cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable(["table", "strikethrough"])
    parser.core.ruler.push("demote_headings", _demote_headings)
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
