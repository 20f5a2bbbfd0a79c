"""Slots of a shared rendering: marked in templates, parsed once, filled per request."""

import pytest
from django.template import Context, Template

from papers.catalogue.page_slots import (
    CSRF_SLOT,
    csrf_mark,
    skeleton_fill,
    skeleton_parse,
    slot_close,
    slot_open,
)

TEMPLATE = Template(
    "{% load page_slots %}<p>{% slot 'greeting' %}Hello {{ name }}{% endslot %}</p>"
    "{% for pk in items %}<i>{% slot 'item' pk %}#{{ pk }}"
    "<b aria-pressed=\"{% slot 'pressed' pk %}false{% endslot %}\"></b>"
    "{% endslot %}</i>{% endfor %}"
    "<form>{% csrf_token %}</form>{% slot 'nav' filled %}{{ secret }}{% endslot %}"
)


def _render(**context) -> str:
    return TEMPLATE.render(Context(context))


def test_rendered_for_one_viewer_a_slot_is_just_its_content():
    html = _render(name="Ada", items=[1], csrf_token="tok", secret="ada's nav")
    assert html == (
        '<p>Hello Ada</p><i>#1<b aria-pressed="false"></b></i>'
        '<form><input type="hidden" name="csrfmiddlewaretoken" value="tok"></form>ada&#x27;s nav'
    )


def test_a_skeleton_is_filled_per_viewer_and_keeps_what_is_shared():
    html = _render(
        name="someone", items=[1, 2], csrf_token=csrf_mark(), secret="x", page_skeleton=True
    )
    skeleton = skeleton_parse(html)
    assert skeleton.names == {"greeting", "item:1", "item:2", "pressed:1", "pressed:2", "nav"}
    assert "x" not in skeleton_fill(skeleton, {})  # a filled slot is not rendered at all
    page = skeleton_fill(
        skeleton,
        {
            CSRF_SLOT: "T0KEN",
            "pressed:2": "true",
            "item:1": "mine",
            "nav": "<nav>Bob</nav>",
            "greeting": lambda shared: shared.upper(),
        },
    )
    assert page == (
        '<p>HELLO SOMEONE</p><i>mine</i><i>#2<b aria-pressed="true"></b></i>'
        '<form><input type="hidden" name="csrfmiddlewaretoken" value="T0KEN"></form>'
        "<nav>Bob</nav>"
    )


def test_text_that_looks_like_a_mark_is_left_alone():
    guessed = "<!--slot-0123456789abcdef0123:csrf-->slot0123csrf"
    html = _render(name=guessed, items=[], csrf_token="tok", secret="")
    assert skeleton_fill(skeleton_parse(html), {CSRF_SLOT: "X"}) == html
    # Escaped by the template as any user text is: never a comment.
    assert "&lt;!--slot-" in html


def test_unbalanced_marks_are_refused():
    with pytest.raises(ValueError, match="never closed"):
        skeleton_parse(slot_open("a") + "text")
    with pytest.raises(ValueError, match="never opened"):
        skeleton_parse("text" + slot_close())
