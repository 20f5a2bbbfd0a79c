"""Reviews and comments keep their Markdown rendered: written once, with the services' write;
pages and the API read the stored HTML; a renderer change is caught up by a command."""

from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from papers.catalogue.page_cache import local_pages
from reviews import markdown
from reviews.discussion.services import comment_create, comment_delete, comment_edit
from reviews.models import Comment, Review, ReviewConcern
from reviews.reviews.services import ReviewText, review_create, review_update
from tests.reviews.test_markdown import assert_inert
from tests.support.factories import make_paper
from tests.support.xss_payloads import XSS_PAYLOADS

pytestmark = pytest.mark.django_db


def _text(**overrides) -> ReviewText:
    values = {
        "claims": "Claims with a [link](https://example.org/a_b) and $x_1 + y_2$.",
        "strengths": "**Broad** coverage",
        "concerns": ["Only *one* model family.", "No $$\\sum_i x_i$$ ablation."],
        "method_questions": "",
        "reproducibility": "not_assessed",
        "reproducibility_notes": "",
        "recommendation": "skim",
        "confidence": 3,
    }
    return ReviewText(**(values | overrides))


@pytest.fixture
def no_renderer(monkeypatch):
    """Fails any Markdown rendering from here on: what reads must use the stored HTML."""

    def refuse(*args, **kwargs):
        raise AssertionError("Markdown rendered while reading")

    markdown._rendered.cache_clear()
    monkeypatch.setattr(markdown, "_parser", refuse)


def test_a_review_and_its_concerns_are_rendered_when_written(curator):
    review = review_create(author=curator, paper=make_paper(), text=_text())
    review.refresh_from_db()
    assert review.strengths_html == "<p><strong>Broad</strong> coverage</p>\n"
    assert 'rel="nofollow ugc noopener"' in review.claims_html
    assert r"\(x_1 + y_2\)" in review.claims_html  # math kept for KaTeX, untouched
    assert review.method_questions_html == ""
    assert review.rendered_with == markdown.RENDERER
    concerns = list(review.concerns.values_list("text_html", "rendered_with"))
    assert concerns[0] == ("<p>Only <em>one</em> model family.</p>\n", markdown.RENDERER)

    review_update(review=review, text=_text(strengths="Now _clearer_.", concerns=["New one."]))
    review.refresh_from_db()
    assert review.strengths_html == "<p>Now <em>clearer</em>.</p>\n"
    assert list(review.concerns.values_list("text_html", flat=True)) == ["<p>New one.</p>\n"]


def test_a_comment_is_rendered_when_written_edited_and_deleted(curator, other_curator):
    paper = make_paper()
    comment = comment_create(author=curator, paper=paper, body="First *take*.")
    assert Comment.objects.get(pk=comment.pk).body_html == "<p>First <em>take</em>.</p>\n"
    comment_edit(comment=comment, editor=curator, body="Second **take**.")
    assert Comment.objects.get(pk=comment.pk).body_html == "<p>Second <strong>take</strong>.</p>\n"
    comment_create(author=other_curator, paper=paper, body="A reply.", parent=comment)
    comment_delete(comment=comment, actor=curator)
    kept = Comment.objects.get(pk=comment.pk)
    assert kept.is_deleted and (kept.body, kept.body_html) == ("", "")


@pytest.mark.parametrize("payload", XSS_PAYLOADS[:40])
def test_stored_html_is_sanitised(curator, payload):
    comment = comment_create(author=curator, paper=make_paper(), body=f"Look: {payload}")
    assert_inert(Comment.objects.get(pk=comment.pk).body_html)


def test_pages_feeds_and_the_api_read_the_stored_html(client, curator, other_curator, no_renderer):
    paper = make_paper()
    # Written before the renderer was taken away (the fixture runs first: render by hand).
    review = Review.objects.create(
        paper=paper,
        author=other_curator,
        paper_version=1,
        strengths="ignored source",
        strengths_html="<p>Stored <strong>strengths</strong></p>",
        recommendation="skim",
        confidence=3,
        rendered_with=markdown.RENDERER,
    )
    ReviewConcern.objects.create(
        review=review, position=0, text="ignored", text_html="<p>Stored concern</p>"
    )
    Comment.objects.create(
        paper=paper, author=curator, body="ignored", body_html="<p>Stored comment</p>"
    )
    paper.review_count, paper.comment_count = 1, 1
    paper.save(update_fields=["review_count", "comment_count"])
    cache.clear(), local_pages.clear()

    for signed_in in (False, True):
        if signed_in:
            client.force_login(curator)
        html = client.get(paper.get_absolute_url()).content.decode()
        assert "<p>Stored <strong>strengths</strong></p>" in html
        assert "<p>Stored concern</p>" in html and "<p>Stored comment</p>" in html
    feed = client.get(f"/papers/{paper.arxiv_id}/reviews/feed/").content.decode()
    assert "Stored &lt;strong&gt;strengths" in feed or "Stored <strong>strengths" in feed
    data = APIClient().get(f"/api/papers/{paper.arxiv_id}/reviews/").json()
    assert data["results"][0]["strengths_html"] == "<p>Stored <strong>strengths</strong></p>"


def test_the_command_renders_again_what_another_renderer_made(curator, client):
    paper = make_paper()
    review = review_create(author=curator, paper=paper, text=_text())
    comment = comment_create(author=curator, paper=paper, body="Plain *note*.")
    untouched = comment_create(author=curator, paper=paper, body="Current.")
    client.get(paper.get_absolute_url())  # the anonymous page is cached now
    # As if written by an older renderer that produced something else.
    Review.objects.filter(pk=review.pk).update(strengths_html="old", rendered_with="old")
    ReviewConcern.objects.filter(review=review).update(text_html="old", rendered_with="old")
    Comment.objects.filter(pk=comment.pk).update(body_html="old", rendered_with="old")

    out = StringIO()
    call_command("render_markdown", stdout=out)
    assert out.getvalue().startswith("Rendered 1 reviews, 2 concerns and 1 comments with ")
    assert (
        Review.objects.get(pk=review.pk).strengths_html
        == "<p><strong>Broad</strong> coverage</p>\n"
    )
    assert Comment.objects.get(pk=comment.pk).body_html == "<p>Plain <em>note</em>.</p>\n"
    assert Comment.objects.get(pk=untouched.pk).rendered_with == markdown.RENDERER
    # The cached page shows the new rendering at once.
    assert "<p>Plain <em>note</em>.</p>" in client.get(paper.get_absolute_url()).content.decode()

    out = StringIO()
    call_command("render_markdown", stdout=out)
    assert out.getvalue().startswith("Rendered 0 reviews, 0 concerns and 0 comments")
    call_command("render_markdown", "--all", stdout=out)
    assert "Rendered 1 reviews, 2 concerns and 2 comments" in out.getvalue()


def test_the_renderer_names_its_rules_and_libraries():
    assert markdown.RENDERER.startswith(f"bzpeer-{markdown.RULES} markdown-it-py-")
    assert "nh3-" in markdown.RENDERER and "mdit-py-plugins-" in markdown.RENDERER
