"""Reviews and discussion in Chromium: the review form opens in place, shows its errors next
to the fields, and the new review and the page's counts appear without a reload; a reply
goes under its comment."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from playwright.sync_api import expect

from papers.models import Paper
from reviews.discussion.services import comment_create
from reviews.models import Comment, Review
from tests.browser.conftest import BIG_ID

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username: str):
    """Carry a force-logged-in session into the browser (no log-in form involved)."""
    user = get_user_model().objects.filter(username=username).first()
    user = user or get_user_model().objects.create_user(username, password="x" * 12)
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    return user


def test_write_a_review_in_place(desktop, live_server, papers, screenshot):
    page = desktop
    sign_in(page, live_server, "reviewer")
    page.goto(f"{live_server.url}/papers/{BIG_ID}/")
    page.evaluate("window.bzpeerNoReload = true")
    reviews = page.locator("#reviews")
    expect(reviews.locator('[data-count="reviews"]')).to_have_text("0")

    reviews.get_by_role("link", name="Open review form").click()
    form = page.locator("#review-form")
    expect(form).to_be_visible()
    form.get_by_label("Summary of the claims").fill("A survey of *big models*.")
    form.get_by_role("button", name="Publish review").click()
    # Server-side validation: the messages sit next to their fields, the text is kept.
    expect(page.locator("#field-strengths .field__error")).to_contain_text(
        "Give at least one concrete strength"
    )
    expect(page.locator("#field-recommendation .field__error")).to_be_visible()
    expect(form.get_by_label("Summary of the claims")).to_have_value("A survey of *big models*.")
    screenshot(page, "review-form-errors")

    form.get_by_label("Strengths").fill("Broad coverage; $O(n^2)$ attention explained.")
    form.get_by_label("Concern 1").fill("No quantitative comparison.")
    form.get_by_label("Worth reading").check()
    form.get_by_label("4 · I work on this").check()
    form.get_by_role("button", name="Publish review").click()

    review = page.locator("article.review")
    expect(review).to_contain_text("Broad coverage")
    expect(review).to_contain_text("No quantitative comparison.")
    expect(review.locator("em")).to_have_text("big models")
    expect(review.locator(".katex").first).to_be_visible()  # math rendered by KaTeX
    expect(reviews.locator('[data-count="reviews"]')).to_have_text("1")
    expect(page.locator("#paper-reviews .count__value")).to_have_text("1")
    expect(page.locator("#frame-reviews")).to_contain_text("1 review")
    assert page.evaluate("window.bzpeerNoReload") is True
    assert Review.objects.get().concerns.count() == 1
    screenshot(page, "review-published")


def test_reply_to_a_comment(desktop, live_server, papers, screenshot):
    page = desktop
    author = get_user_model().objects.create_user("author", password="x" * 12)
    paper = Paper.objects.get(arxiv_id=BIG_ID)
    first = comment_create(author=author, paper=paper, kind="question", body="Which data?")
    sign_in(page, live_server, "replier")
    page.goto(f"{live_server.url}/papers/{BIG_ID}/#discussion")
    page.evaluate("window.bzpeerNoReload = true")
    discussion = page.locator("#discussion")
    expect(discussion.locator('[data-count="comments"]')).to_have_text("1")

    page.locator(f"#reply-{first.pk}").click()
    reply_form = page.locator(f"#comment-form-{first.pk}")
    expect(reply_form).to_be_visible()
    reply_form.get_by_label("Your reply").fill("The **C4** corpus, section 3.")
    reply_form.get_by_role("button", name="Post reply").click()

    reply = Comment.objects.filter(parent=first)
    expect(discussion.locator('[data-count="comments"]')).to_have_text("2")
    replies = page.locator(f"#comment-{first.pk} ol.replies")
    expect(replies).to_contain_text("section 3.")
    expect(replies.locator("strong")).to_have_text("C4")
    assert reply.get().author.username == "replier"
    assert page.evaluate("window.bzpeerNoReload") is True
    screenshot(page, "reply-posted")


def test_report_a_comment_and_hide_it_from_the_admin(desktop, live_server, papers, screenshot):
    page = desktop
    paper = Paper.objects.get(arxiv_id=BIG_ID)
    author = get_user_model().objects.create_user("spammer", password="x" * 12)
    comment = comment_create(author=author, paper=paper, body="Buy cheap GPUs at example.com")
    paper_url = f"{live_server.url}/papers/{BIG_ID}/"

    # A curator reports it from the page.
    sign_in(page, live_server, "reporter")
    page.goto(paper_url)
    control = page.locator(f"#report-comment-{comment.pk}")
    control.get_by_text("Report", exact=True).click()
    control.get_by_label("Why should moderators look at this?").select_option("spam")
    control.get_by_role("button", name="Send report").click()
    expect(page.locator(f"#report-comment-{comment.pk}")).to_contain_text("Reported.")

    # A moderator (not staff) logs in to the admin and hides it from the report queue.
    moderator = get_user_model().objects.create_user("mod", password="moderate-it-1")
    # Transactional tests start from an empty database: the group is made again.
    moderator.groups.add(Group.objects.get_or_create(name="Moderators")[0])
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/admin/login/?next=/admin/reviews/report/")
    page.get_by_label("Username").fill("mod")
    page.get_by_label("Password").fill("moderate-it-1")
    page.get_by_role("button", name="Log in").click()
    row = page.locator("#result_list tbody tr", has_text="Buy cheap GPUs")
    expect(row).to_have_count(1)
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label="Hide the reported items")
    page.get_by_role("button", name="Run").click()
    page.locator("#id_reason").fill("Advertising, reported by a curator.")
    page.locator("#moderation-confirm").click()
    expect(page.locator(".messagelist")).to_contain_text("Hid 1 item")
    screenshot(page, "admin-report-hidden")

    # Gone for everyone else, anonymous visitors included; marked for its author.
    sign_in(page, live_server, "reporter")
    page.goto(paper_url)
    expect(page.locator("#discussion")).not_to_contain_text("Buy cheap GPUs")
    page.context.clear_cookies()
    page.goto(paper_url)
    expect(page.locator("#discussion")).not_to_contain_text("Buy cheap GPUs")
    sign_in(page, live_server, "spammer")
    page.goto(paper_url)
    hidden = page.locator(f"#comment-{comment.pk}")
    expect(hidden).to_contain_text("Buy cheap GPUs")
    expect(hidden).to_contain_text("Hidden by a moderator.")
    screenshot(page, "hidden-comment-for-its-author")


def test_a_long_discussion_shows_more_in_place_and_anchors_find_their_item(
    desktop, live_server, papers
):
    """45 comments: the page lists the first threads; Show more loads the rest in place, and
    a link to a comment beyond them (a bare #comment-… anchor) still opens that comment."""
    page = desktop
    paper = Paper.objects.get(arxiv_id=BIG_ID)
    writer = get_user_model().objects.create_user("writer", password="x" * 12)
    comments = [
        comment_create(author=writer, paper=paper, body=f"Long thread note {i}") for i in range(45)
    ]
    last = comments[-1]
    sign_in(page, live_server, "reader")
    page.goto(f"{live_server.url}/papers/{BIG_ID}/")
    page.evaluate("window.bzpeerNoReload = true")
    discussion = page.locator("#discussion")
    expect(discussion.locator(f"#comment-{last.pk}")).to_have_count(0)
    discussion.get_by_role("link", name="Show 15 more comments").click()
    expect(discussion.locator(f"#comment-{last.pk}")).to_contain_text("Long thread note 44")
    assert page.evaluate("window.bzpeerNoReload") is True  # in place, not a new page

    # A bare anchor to an item the first threads leave out reopens the page with all items.
    page.goto("about:blank")
    page.goto(f"{live_server.url}/papers/{BIG_ID}/#comment-{last.pk}")
    expect(page.locator(f"#comment-{last.pk}")).to_contain_text("Long thread note 44")
    assert page.url.endswith(f"?show=all#comment-{last.pk}")
