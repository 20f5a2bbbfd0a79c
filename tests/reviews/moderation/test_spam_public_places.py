"""A spam account's public collections and map pins leave every public place when it is
marked as spam, and come back when it is reactivated."""

import pytest
from django.contrib.auth.models import Group

from accounts.services import MODERATORS_GROUP
from papers.curation.collections import collection_create
from papers.curation.saves import paper_save
from papers.researchmap.pins import neighbour_pin
from reviews.moderation.services import user_mark_spam
from tests.support.factories import make_paper
from tests.support.pages import page_as

# Real commits: cached pages are refreshed when a change commits, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def spam_world(django_user_model):
    spammer = django_user_model.objects.create_user("spammer", password="x" * 12)
    moderator = django_user_model.objects.create_user("mod", password="x" * 12)
    moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    paper, neighbour = make_paper(title="Target paper"), make_paper(title="Pinned neighbour")
    picks = collection_create(owner=spammer, name="Spam picks", is_public=True)
    paper_save(user=spammer, paper=paper, collection=picks)
    neighbour_pin(user=spammer, paper=paper, neighbour=neighbour)
    return spammer, moderator, paper, picks


def _public_traces(client, paper, picks) -> dict[str, bool]:
    client.logout()
    neighbours = client.get(f"/api/papers/{paper.arxiv_id}/neighbours/").json()
    return {
        "collection list": "Spam picks" in client.get("/collections/").content.decode(),
        "collection page": client.get(picks.get_absolute_url()).status_code == 200,
        "atom feed": client.get(f"/collections/{picks.pk}/feed.atom").status_code == 200,
        "rss feed": client.get(f"/collections/{picks.pk}/feed.rss").status_code == 200,
        "api": any(
            c["name"] == "Spam picks"
            for c in client.get("/api/collections/", {"public": 1}).json()["results"]
        ),
        "paper page": "Spam picks" in page_as(client, paper),
        "pin": any("spammer" in view["pinned_by"] for view in neighbours),
    }


def test_marking_as_spam_removes_collections_and_pins_and_reactivating_restores_them(
    client, spam_world
):
    spammer, moderator, paper, picks = spam_world
    assert all(_public_traces(client, paper, picks).values())

    user_mark_spam(moderator=moderator, user=spammer, reason="spam")
    assert not any(_public_traces(client, paper, picks).values())

    spammer.is_active = True
    spammer.save()
    assert all(_public_traces(client, paper, picks).values())
