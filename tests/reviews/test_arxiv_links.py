"""arXiv identifiers in reviews and comments link to their paper here."""

import pytest

from reviews.markdown import RENDERER, markdown_html
from reviews.rendering import markdown_rerender
from tests.support.factories import make_paper

HREF = 'href="/papers/{}/" rel="nofollow ugc noopener"'


@pytest.mark.parametrize(
    ("text", "linked"),
    [
        ("See arXiv:2203.14101v2.", [("2203.14101", "arXiv:2203.14101v2")]),
        (
            "Compare 1706.03762 and 0811.3654",
            [("1706.03762", "1706.03762"), ("0811.3654", "0811.3654")],
        ),
        ("As in hep-th/9901001v3, roughly", [("hep-th/9901001", "hep-th/9901001v3")]),
        ("math.GT/0309136 shows it", [("math/0309136", "math.GT/0309136")]),  # canonical
    ],
)
def test_identifiers_in_text_link_to_their_paper(text, linked):
    html = str(markdown_html(text))
    for arxiv_id, shown in linked:
        assert f"<a {HREF.format(arxiv_id)}>{shown}</a>" in html


@pytest.mark.parametrize(
    "text",
    [
        "Accuracy went from 1234.5678 to 3.14159",  # no month 34; not an identifier at all
        "Version 2203.14101.5 of the table",  # a longer number
        "`2203.14101` in code",
        "```\n2203.14101\n```",
        "$2203.14101$ in math",
        "[the paper 2203.14101](https://example.org/x)",  # inside a link already
        "https://arxiv.org/abs/2203.14101 as a bare address",
        "foo/2203141 (unknown archive)",
    ],
)
def test_what_is_not_an_identifier_in_running_text_stays_text(text):
    assert "/papers/" not in str(markdown_html(text))


@pytest.mark.django_db
def test_texts_rendered_before_are_linked_again_by_render_markdown(curator):
    from reviews.discussion.services import comment_create
    from reviews.models import Comment

    paper = make_paper()
    comment = comment_create(author=curator, paper=paper, body="Builds on 1706.03762.")
    Comment.objects.filter(pk=comment.pk).update(
        body_html="<p>Builds on 1706.03762.</p>", rendered_with="an older renderer"
    )
    assert markdown_rerender().comments == 1
    comment.refresh_from_db()
    assert HREF.format("1706.03762") in comment.body_html and comment.rendered_with == RENDERER
