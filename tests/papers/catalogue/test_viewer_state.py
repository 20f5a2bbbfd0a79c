"""One paper page, many viewers: each sees only their own state, whatever was served before.

Two curators, a moderator and an anonymous visitor fetch the same page in turn (so any
cache a request warms is there for the next); every change then shows at once for all.
This guards the page caches: the anonymous one today, shared blocks tomorrow.
"""

import re

import pytest
from django.contrib.auth.models import Group

from accounts.services import MODERATORS_GROUP
from papers.curation.collections import collection_create
from papers.curation.reactions import reaction_add
from papers.curation.saves import paper_save
from papers.curation.votes import vote_toggle
from papers.models import Vote
from reviews.discussion.services import comment_create, comment_edit
from reviews.moderation.reports import report_create
from reviews.moderation.services import items_hide
from tests.support.factories import make_paper
from tests.support.pages import page_as

# Real commits: caches are refreshed when a change commits, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(django_user_model):
    make = django_user_model.objects.create_user
    ada, bob = make("ada", password="x" * 12), make("bob", password="x" * 12)
    moderator = make("mod", password="x" * 12)
    # Transactional tests start from an empty database: the group is made again.
    moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return {"ada": ada, "bob": bob, "mod": moderator}


def _pressed(html: str, element_id: str) -> str:
    tag = re.search(rf'<button[^>]*id="{element_id}"[^>]*>', html, re.S).group(0)
    return re.search(r'aria-pressed="(\w+)"', tag).group(1)


def test_each_viewer_sees_only_their_own_state(client, people):
    ada, bob, mod = people["ada"], people["bob"], people["mod"]
    paper = make_paper(title="Shared page")
    vote_toggle(user=ada, paper=paper, value=Vote.Value.LIKE)
    paper_save(user=ada, paper=paper, collection=collection_create(owner=ada, name="Shelf of Ada"))
    reaction_add(user=ada, paper=paper, kind="well_written")
    hidden = comment_create(author=ada, paper=paper, body="Hidden aside by Ada")
    items_hide(moderator=mod, items=[hidden], reason="test")
    bobs = comment_create(author=bob, paper=paper, body="Visible note by Bob")
    report_create(reporter=ada, target=bobs, reason="spam")

    for _ in range(2):  # in turn, twice: whatever the first round cached
        anonymous = page_as(client, paper)
        as_ada = page_as(client, paper, ada)
        as_bob = page_as(client, paper, bob)
        as_mod = page_as(client, paper, mod)

        assert _pressed(as_ada, "vote-like") == "true"
        for html in (as_bob, as_mod):
            assert _pressed(html, "vote-like") == "false"
        assert "Shelf of Ada" in as_ada
        assert all("Shelf of Ada" not in html for html in (anonymous, as_bob, as_mod))

        # Hidden: its author sees it marked; the public sees a placeholder, not the text.
        assert "Hidden aside by Ada" in as_ada and "Only you can see this comment." in as_ada
        assert all("Hidden aside by Ada" not in html for html in (anonymous, as_bob))
        # The report is Ada's alone.
        assert "Reported. Moderators will look at it." in as_ada
        assert all("Reported. Moderators" not in html for html in (anonymous, as_bob, as_mod))
        # Only the signed-in get write controls, each for their own items.
        assert 'aria-pressed="true"' not in anonymous  # nothing is anyone's there
        assert f'id="delete-comment-{bobs.pk}"' in as_bob
        assert all(f'id="delete-comment-{bobs.pk}"' not in h for h in (anonymous, as_ada, as_mod))


def test_changes_show_at_once_for_everyone(client, people):
    ada, bob, mod = people["ada"], people["bob"], people["mod"]
    paper = make_paper(title="Changing page")
    note = comment_create(author=bob, paper=paper, body="First wording")
    viewers = (None, ada, bob, mod)
    for viewer in viewers:
        assert "First wording" in page_as(client, paper, viewer)

    comment_edit(comment=note, editor=bob, body="Second wording")
    for viewer in viewers:
        html = page_as(client, paper, viewer)
        assert "Second wording" in html and "First wording" not in html

    comment_create(author=ada, paper=paper, body="A new voice")
    for viewer in viewers:
        assert "A new voice" in page_as(client, paper, viewer)

    items_hide(moderator=mod, items=[note], reason="test")
    for viewer in (None, ada):
        assert "Second wording" not in page_as(client, paper, viewer)
    assert "Only you can see this comment." in page_as(client, paper, bob)


def test_deletes_and_a_new_name_show_at_once_for_everyone(client, people):
    from accounts.services import update_profile
    from reviews.discussion.services import comment_delete
    from reviews.reviews.services import ReviewText, review_create, review_delete

    ada, bob, mod = people["ada"], people["bob"], people["mod"]
    paper = make_paper(title="Deleting page")
    text = ReviewText(
        claims="Claims by Bob", strengths="Clear.", recommendation="skim", confidence=3
    )
    review = review_create(author=bob, paper=paper, text=text)
    note = comment_create(author=ada, paper=paper, body="Soon gone")
    viewers = (None, ada, bob, mod)
    for viewer in viewers:
        html = page_as(client, paper, viewer)
        assert "Claims by Bob" in html and "Soon gone" in html

    update_profile(bob, {"display_name": "Robert Renamed"})
    for viewer in viewers:
        assert "Robert Renamed" in page_as(client, paper, viewer)

    review_delete(review=review)
    comment_delete(comment=note, actor=ada)
    for viewer in viewers:
        html = page_as(client, paper, viewer)
        assert "Claims by Bob" not in html and "Soon gone" not in html
