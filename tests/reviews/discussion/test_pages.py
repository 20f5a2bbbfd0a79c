"""Work discussion and reports on the paper page: comments, replies, threads collapsed past
three levels, replication pointers and their badge, edits, deletion, sort and filter,
hidden comments, and reports."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.discussion.services import comment_counts_refresh, comment_create
from reviews.models import Comment, Report
from reviews.reviews.services import ReviewText, review_create
from tests.support.factories import make_paper

REVIEW_TEXT = ReviewText(
    claims="",
    strengths="Clear.",
    concerns=[],
    method_questions="",
    reproducibility="not_assessed",
    reproducibility_notes="",
    recommendation="skim",
    confidence=3,
)

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def _post_url(paper):
    return reverse("reviews:comment-create", args=[paper.arxiv_id])


def _ids_in_order(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li class="comment-node" id="comment-(\d+)"', html)]


def test_a_comment_appears_with_the_count(client, curator):
    paper = make_paper()
    client.force_login(curator)
    data = {"kind": "caveat", "body": "Only holds for *small* batches."}
    response = client.post(_post_url(paper), data, headers=HX)
    html = response.content.decode()
    comment = Comment.objects.get()
    assert comment.kind == "caveat" and comment.author == curator
    assert f'id="comment-{comment.pk}"' in html and "<em>small</em>" in html
    assert '<span data-count="comments">1</span> comment<' in html
    assert 'id="frame-reviews" hx-swap-oob="true"' in html
    paper.refresh_from_db()
    assert paper.comment_count == 1


def test_errors_come_back_in_place(client, curator):
    paper = make_paper()
    client.force_login(curator)
    data = {"kind": "replication", "body": "We ran it <again>.", "link": "ftp://x"}
    html = client.post(_post_url(paper), data, headers=HX).content.decode()
    assert "Give the http(s) address of the code, data or report." in html
    assert "Say whether it was attempted, reproduced or failed." in html
    assert "We ran it &lt;again&gt;." in html
    assert not Comment.objects.exists()
    assert client.post(_post_url(paper), {"kind": "note", "body": "x"}).status_code == 303
    assert client.post(_post_url(paper), {"kind": "note", "body": ""}).status_code == 400


def test_replication_pointers_roll_up_into_a_badge(client, curator, other_curator):
    paper = make_paper()
    for status in ("reproduced", "reproduced", "failed"):
        comment_create(
            author=curator,
            paper=paper,
            kind="replication",
            body="Ran it.",
            link="https://github.com/example/repro",
            replication_status=status,
        )
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "Replication: 2 reproduced, 1 failed" in html
    assert 'href="https://github.com/example/repro" rel="nofollow ugc noopener"' in html


def test_replies_nest_and_deep_ones_are_collapsed(client, curator, other_curator):
    paper = make_paper()
    parent = comment_create(author=curator, paper=paper, body="Level 0")
    chain = [parent]
    for depth in range(1, 5):
        author = other_curator if depth % 2 else curator
        chain.append(
            comment_create(author=author, paper=paper, body=f"Level {depth}", parent=chain[-1])
        )
    client.force_login(other_curator)
    url = _post_url(paper)
    html = client.post(url, {"kind": "note", "body": "Reply", "parent": chain[1].pk}, headers=HX)
    html = html.content.decode()
    reply = Comment.objects.get(body="Reply")
    assert reply.parent == chain[1] and reply.depth == 2
    # Levels 0-2 are open; level 3 and deeper sit inside a collapsed <details>.
    collapsed = html.index('<details class="replies-collapsed">')
    assert html.index("Level 2") < collapsed < html.index("Level 3")
    assert "Show 2 more replies" in html


def test_reply_form_loads_under_its_comment(client, curator, other_curator):
    paper = make_paper()
    comment = comment_create(author=curator, paper=paper, body="Question?")
    client.force_login(other_curator)
    url = reverse("reviews:reply-form", args=[paper.arxiv_id, comment.pk])
    html = client.get(url, headers=HX).content.decode()
    assert f'name="parent" value="{comment.pk}"' in html and "Post reply" in html
    assert client.get(url).status_code == 303  # without htmx: the page with the form open
    page = client.get(reverse("reviews:discussion", args=[paper.arxiv_id]) + f"?reply={comment.pk}")
    assert f'name="parent" value="{comment.pk}"' in page.content.decode()


def test_a_reply_with_an_error_keeps_its_form_open(client, curator, other_curator):
    paper = make_paper()
    comment = comment_create(author=curator, paper=paper, body="Question?")
    client.force_login(other_curator)
    html = client.post(
        _post_url(paper), {"kind": "note", "body": " ", "parent": comment.pk}, headers=HX
    ).content.decode()
    slot = html[html.index(f'id="reply-slot-{comment.pk}"') :]
    assert f'name="parent" value="{comment.pk}"' in slot and "Write something first." in slot


def test_edit_within_the_grace_period_only(client, curator, settings):
    paper = make_paper()
    comment = comment_create(author=curator, paper=paper, body="Frist")
    client.force_login(curator)
    url = reverse("reviews:comment-edit", args=[paper.arxiv_id, comment.pk])
    assert "Frist" in client.get(url, headers=HX).content.decode()
    html = client.post(url, {"body": "First"}, headers=HX).content.decode()
    assert "First" in html and ">edited<" in html
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(hours=1))
    html = client.post(url, {"body": "Late"}, headers=HX).content.decode()
    assert "can be edited for 15 minutes" in html
    comment.refresh_from_db()
    assert comment.body == "First"
    # The Edit link is gone once the grace period is over.
    assert (
        f'id="edit-comment-{comment.pk}"'
        not in client.get(paper.get_absolute_url()).content.decode()
    )


def test_only_the_author_edits_or_deletes(client, curator, other_curator):
    paper = make_paper()
    comment = comment_create(author=curator, paper=paper, body="Mine")
    client.force_login(other_curator)
    edit = reverse("reviews:comment-edit", args=[paper.arxiv_id, comment.pk])
    delete = reverse("reviews:comment-delete", args=[paper.arxiv_id, comment.pk])
    assert client.post(edit, {"body": "Theirs"}, headers=HX).status_code == 404
    assert client.post(delete, headers=HX).status_code == 404
    assert Comment.objects.get().body == "Mine"


def test_a_deleted_comment_with_replies_keeps_the_thread(client, curator, other_curator):
    paper = make_paper()
    parent = comment_create(author=curator, paper=paper, body="Parent words")
    comment_create(author=other_curator, paper=paper, body="Child words", parent=parent)
    client.force_login(curator)
    url = reverse("reviews:comment-delete", args=[paper.arxiv_id, parent.pk])
    html = client.post(url, headers=HX).content.decode()
    assert "[deleted]" in html and "Parent words" not in html and "Child words" in html
    assert '<span data-count="comments">1</span> comment<' in html


def test_sort_and_filter(client, curator):
    paper = make_paper()
    note = comment_create(author=curator, paper=paper, body="A note", kind="note")
    question = comment_create(author=curator, paper=paper, body="A question?", kind="question")
    caveat = comment_create(author=curator, paper=paper, body="A caveat", kind="caveat")
    url = reverse("reviews:discussion", args=[paper.arxiv_id])
    assert _ids_in_order(client.get(url, headers=HX).content.decode()) == [
        note.pk,
        question.pk,
        caveat.pk,
    ]
    newest = client.get(url, {"sort": "newest"}, headers=HX).content.decode()
    assert _ids_in_order(newest) == [caveat.pk, question.pk, note.pk]
    by_kind = client.get(url, {"sort": "kind"}, headers=HX).content.decode()
    assert _ids_in_order(by_kind) == [note.pk, caveat.pk, question.pk]
    only = client.get(url, {"kind": "question"}, headers=HX).content.decode()
    assert _ids_in_order(only) == [question.pk]
    assert client.get(url, {"sort": "sideways"}).status_code == 400
    assert client.get(url, {"kind": "rant"}).status_code == 400
    # Without htmx: the whole page, sorted.
    page = client.get(url, {"sort": "newest"}).content.decode()
    assert "<h1" in page and _ids_in_order(page) == [caveat.pk, question.pk, note.pk]


def test_hidden_comments(client, curator, other_curator, django_user_model):
    paper = make_paper()
    hidden = comment_create(author=curator, paper=paper, body="Spam words")
    reply = comment_create(author=other_curator, paper=paper, body="Reply words", parent=hidden)
    lone = comment_create(author=curator, paper=paper, body="Lone spam")
    Comment.objects.filter(pk__in=[hidden.pk, lone.pk]).update(is_hidden=True)
    comment_counts_refresh([paper.pk])

    html = client.get(paper.get_absolute_url()).content.decode()
    assert "Spam words" not in html and "Lone spam" not in html
    # The hidden parent stays as a placeholder for the reply that hangs on it.
    assert "[hidden by a moderator]" in html and "Reply words" in html
    assert '<span data-count="comments">1</span> comment<' in html

    client.force_login(other_curator)
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "Spam words" not in html and f'id="comment-{lone.pk}"' not in html

    client.force_login(curator)
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "Spam words" in html and "Lone spam" in html
    assert html.count("Hidden by a moderator.") == 2
    assert reply.pk in _ids_in_order(html)


def test_reporting_a_comment(client, curator, other_curator):
    paper = make_paper()
    comment = comment_create(author=curator, paper=paper, body="Dubious")
    url = reverse("reviews:report-comment", args=[paper.arxiv_id, comment.pk])
    assert client.post(url, {"reason": "spam"}).status_code == 302  # anonymous: log in first
    client.force_login(other_curator)
    page = client.get(paper.get_absolute_url()).content.decode()
    assert f'id="report-comment-{comment.pk}"' in page
    html = client.post(url, {"reason": "spam"}, headers=HX).content.decode()
    assert "Reported. Moderators will look at it." in html
    report = Report.objects.get()
    assert report.comment == comment and report.reporter == other_curator
    again = client.post(url, {"reason": "abuse"}, headers=HX).content.decode()
    assert "You have reported this already" in again
    assert Report.objects.count() == 1
    page = client.get(paper.get_absolute_url()).content.decode()
    assert "Reported. Moderators will look at it." in page


def test_the_report_form_comes_when_asked_for(client, curator, other_curator):
    """The page carries a "Report" link per item, not a form: the form is fetched in place
    (htmx) or opens as a page of its own (no JavaScript)."""
    paper = make_paper()
    comment = comment_create(author=curator, paper=paper, body="Dubious")
    review = review_create(author=curator, paper=paper, text=REVIEW_TEXT)
    url = reverse("reviews:report-comment", args=[paper.arxiv_id, comment.pk])
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    client.force_login(other_curator)
    page = client.get(paper.get_absolute_url()).content.decode()
    assert f'href="{url}" hx-get="{url}"' in page
    assert 'name="reason"' not in page  # no form per item
    review_url = reverse("reviews:report-review", args=[paper.arxiv_id, review.pk])
    assert f'hx-get="{review_url}"' in page

    fragment = client.get(url, headers=HX).content.decode()
    assert f'id="report-comment-{comment.pk}"' in fragment and "<html" not in fragment
    assert 'name="reason"' in fragment and '<details class="report__control" open>' in fragment
    whole = client.get(url)
    assert whole.status_code == 200
    assert "<html" in whole.content.decode() and 'name="reason"' in whole.content.decode()

    client.post(url, {"reason": "spam"}, headers=HX)
    assert "Reported. Moderators will look at it." in client.get(url, headers=HX).content.decode()
    assert Report.objects.count() == 1  # asking for the form again reports nothing


def test_a_report_needs_a_reason_and_details_for_other(client, curator, other_curator):
    paper = make_paper()
    comment = comment_create(author=curator, paper=paper, body="Dubious")
    url = reverse("reviews:report-comment", args=[paper.arxiv_id, comment.pk])
    client.force_login(other_curator)
    assert "Choose a reason." in client.post(url, {}, headers=HX).content.decode()
    assert (
        "Say what is wrong." in client.post(url, {"reason": "other"}, headers=HX).content.decode()
    )
    assert client.post(url, {"reason": "other"}).status_code == 400
    assert not Report.objects.exists()


def test_authors_cannot_report_their_own_items(client, curator):
    paper = make_paper()
    comment = comment_create(author=curator, paper=paper, body="Mine")
    client.force_login(curator)
    page = client.get(paper.get_absolute_url()).content.decode()
    assert f'id="report-comment-{comment.pk}"' not in page
    url = reverse("reviews:report-comment", args=[paper.arxiv_id, comment.pk])
    html = client.post(url, {"reason": "spam"}, headers=HX).content.decode()
    assert "You cannot report what you wrote yourself." in html
    assert not Report.objects.exists()


def test_hidden_items_cannot_be_reported_or_replied_to(client, curator, other_curator):
    paper = make_paper()
    comment = comment_create(author=curator, paper=paper, body="Hidden")
    Comment.objects.filter(pk=comment.pk).update(is_hidden=True)
    client.force_login(other_curator)
    url = reverse("reviews:report-comment", args=[paper.arxiv_id, comment.pk])
    assert client.post(url, {"reason": "spam"}, headers=HX).status_code == 404
    reply = {"kind": "note", "body": "Hi", "parent": comment.pk}
    html = client.post(_post_url(paper), reply, headers=HX).content.decode()
    assert "That comment cannot be replied to." in html
    assert Comment.objects.count() == 1


def test_page_writes_share_the_write_limit(client, curator, other_curator, settings):
    settings.WRITE_RATE_LIMIT = "3/m"
    paper = make_paper()
    target = comment_create(author=other_curator, paper=paper, body="Theirs")
    client.force_login(curator)
    assert client.post(_post_url(paper), {"kind": "note", "body": "One"}).status_code == 303
    helpful = reverse("reviews:helpful-comment", args=[paper.arxiv_id, target.pk])
    assert client.post(helpful).status_code == 303
    report = reverse("reviews:report-comment", args=[paper.arxiv_id, target.pk])
    assert client.post(report, {"reason": "spam"}).status_code == 303
    # Reviews, comments, marks and reports draw on one budget: the fourth write is refused.
    assert client.post(_post_url(paper), {"kind": "note", "body": "Four"}).status_code == 429
    assert Comment.objects.filter(author=curator).count() == 1
    # Reading is not limited.
    assert client.get(paper.get_absolute_url()).status_code == 200
