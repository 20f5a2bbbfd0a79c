"""A profile lists the person's public reviews and comments, newest first, each opening the
paper at the item; what a moderator hid or its author deleted leaves at once, kept page or
not."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts.services import MODERATORS_GROUP
from reviews.discussion.services import comment_create
from reviews.moderation.services import items_hide
from reviews.reviews.services import ReviewText, review_create
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_user(django_user_model):
    user = django_user_model.objects.create_user("mod", password="x" * 12)
    user.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return user


@pytest.fixture
def writer(django_user_model):
    return django_user_model.objects.create_user("writer", password="x" * 12)


def test_a_profile_lists_public_reviews_and_comments(client, writer, moderator_user):
    first, second = make_paper(title="First paper"), make_paper(title="Second paper")
    text = ReviewText(strengths="Clear.", recommendation="skim", confidence=3)
    review = review_create(author=writer, paper=first, text=text)
    comment = comment_create(author=writer, paper=second, body="A <b>note</b> on 1706.03762")
    url = f"/accounts/profile/{writer.username}/"
    viewer = Client()
    viewer.force_login(moderator_user)
    for who in (client, viewer):
        html = who.get(url).content.decode()
        assert first.get_item_url(f"review-{review.pk}").replace("&", "&amp;") in html
        assert second.get_item_url(f"comment-{comment.pk}").replace("&", "&amp;") in html
        assert "A &lt;b&gt;note&lt;/b&gt; on 1706.03762" in html  # the source, escaped
        assert "No public activity yet." not in html
    viewer.get(url)  # kept for the viewer now
    items_hide(moderator=moderator_user, items=[review], reason="spam")
    for who in (client, viewer):
        html = who.get(url).content.decode()
        assert f"review-{review.pk}" not in html and f"comment-{comment.pk}" in html


def test_a_profile_without_activity_says_so(client, writer):
    html = client.get(f"/accounts/profile/{writer.username}/").content.decode()
    assert "No public activity yet." in html
