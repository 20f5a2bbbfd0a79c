"""One rendering shared by every signed-in viewer, with holes for each viewer's own state.

The paper page a curator sees differs from the one every other curator sees in a few places
only: the navigation, the curation block, and per review or comment the helpful toggle, the
report control and the author's own controls. The page is rendered once per version of the
paper with those places marked (``{% slot %}`` in templates, papers/templatetags) and cached
like the anonymous page; each request fills the marks with the viewer's own HTML before the
page is sent, so the page is whole on arrival (no flash of someone else's state, nothing
left for JavaScript to do) and nothing of one viewer is ever stored for another.

A mark is an HTML comment carrying a key derived from SECRET_KEY, so text that users write
(escaped or sanitised, never a raw comment) cannot pose as one. The CSRF token, different
for every request, is a slot too: templates rendering a skeleton get ``csrf_token`` set to
a mark.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from types import SimpleNamespace

from django.utils.crypto import salted_hmac

CSRF_SLOT = "csrf"
# Who a shared rendering is for: someone signed in, with nothing of their own on the page.
SOMEONE_SIGNED_IN = SimpleNamespace(is_authenticated=True, pk=None)


@cache
def _nonce() -> str:
    return salted_hmac("bzpeer.page-slots", "marks", algorithm="sha256").hexdigest()[:20]


def slot_open(name: str) -> str:
    return f"<!--slot-{_nonce()}:{name}-->"


def slot_close() -> str:
    return f"<!--/slot-{_nonce()}-->"


def csrf_mark() -> str:
    """What a skeleton's ``{% csrf_token %}`` prints instead of a token."""
    return f"slot{_nonce()}csrf"


@cache
def _mark_pattern() -> re.Pattern:
    nonce = _nonce()
    return re.compile(
        f"<!--slot-{nonce}:(?P<name>[^>]*?)-->|(?P<close><!--/slot-{nonce}-->)"
        f"|(?P<csrf>slot{nonce}csrf)"
    )


@dataclass(frozen=True, slots=True)
class Slot:
    name: str
    default: tuple  # the shared rendering between the marks: text and nested slots


# A filled value: the HTML to put in place of the slot, or a function of the slot's own
# shared rendering (filled as a string) that returns it.
Fill = str | Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Skeleton:
    parts: tuple
    names: frozenset[str]  # every slot it has


def skeleton_parse(html: str) -> Skeleton:
    """The rendering as a tree of text and slots (done once per rendering and process)."""
    stack: list[tuple[str, list]] = [("", [])]
    names: set[str] = set()
    position = 0
    for match in _mark_pattern().finditer(html):
        if match.start() > position:
            stack[-1][1].append(html[position : match.start()])
        position = match.end()
        if match.group("csrf"):
            stack[-1][1].append(Slot(CSRF_SLOT, ()))
        elif match.group("close"):
            if len(stack) == 1:
                raise ValueError("a slot closes that was never opened")
            name, children = stack.pop()
            stack[-1][1].append(Slot(name, tuple(children)))
            names.add(name)
        else:
            stack.append((match.group("name"), []))
    if len(stack) != 1:
        raise ValueError(f"slot {stack[-1][0]!r} is never closed")
    if position < len(html):
        stack[0][1].append(html[position:])
    return Skeleton(tuple(stack[0][1]), frozenset(names))


def skeleton_fill(skeleton: Skeleton, fills: Mapping[str, Fill]) -> str:
    """The page for one viewer: each slot named in ``fills`` replaced, the others as shared."""
    out: list[str] = []
    _fill(skeleton.parts, fills, out)
    return "".join(out)


def _fill(parts: tuple, fills: Mapping[str, Fill], out: list[str]) -> None:
    for part in parts:
        if part.__class__ is str:
            out.append(part)
            continue
        value = fills.get(part.name)
        if value is None:
            _fill(part.default, fills, out)
        elif isinstance(value, str):
            out.append(value)
        else:
            inner: list[str] = []
            _fill(part.default, fills, inner)
            out.append(value("".join(inner)))
