"""Who may do what with a collection, in each state it can be in: public, hidden by a
moderator, and public but of an account marked as spam. Pages, feeds, the API and writes,
for an anonymous visitor, its owner, another curator, a moderator and a staff member; a
refused write leaves the collection as it was.
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.services import MODERATORS_GROUP
from papers.curation.collections import collection_create
from papers.curation.saves import paper_save
from papers.models import Collection, CollectionItem
from reviews.models import Report
from reviews.moderation.services import collections_hide, user_mark_spam
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "owner", "other", "moderator", "staff")
STATES = ("public", "hidden", "spam")
OK, SEE_OTHER, LOGIN, REFUSED, NOT_FOUND = 200, 303, 302, 400, 404


@pytest.fixture
def world(django_user_model, request):
    users = {
        role: django_user_model.objects.create_user(role, password="x" * 12) for role in ROLES[1:]
    }
    users["staff"].is_staff = True
    users["staff"].save()
    users["moderator"].groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    paper = make_paper()
    collection = collection_create(owner=users["owner"], name="Owl reading list", is_public=True)
    paper_save(user=users["owner"], paper=paper, collection=collection)
    return users, paper, collection


def _into_state(state: str, users: dict, collection: Collection) -> None:
    if state == "hidden":
        collections_hide(moderator=users["moderator"], collections=[collection], reason="Spam")
    elif state == "spam":
        user_mark_spam(moderator=users["moderator"], user=users["owner"], reason="Spam")


def _snapshot(collection: Collection) -> tuple:
    return (
        list(Collection.objects.filter(pk=collection.pk).values_list("name", "is_hidden")),
        list(CollectionItem.objects.filter(collection_id=collection.pk).values_list("note")),
        Report.objects.count(),
    )


def _everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def _owner_only(owner: int, others: int = NOT_FOUND, anonymous: int = NOT_FOUND) -> dict:
    return {**_everyone(others), "owner": owner, "anonymous": anonymous}


# The owner of a spam account is signed out (deactivated): they get what anonymous gets.
GONE = _everyone(NOT_FOUND)
CASES = {
    # name: (method, url(collection, paper), data, changes data, {state: {role: status}})
    "read page": (
        "get", lambda c, p: c.get_absolute_url(), None, False,
        {"public": _everyone(OK), "hidden": _owner_only(OK), "spam": GONE},
    ),
    "read Atom feed": (
        "get", lambda c, p: f"/collections/{c.pk}/feed.atom", None, False,
        {"public": _everyone(OK), "hidden": GONE, "spam": GONE},
    ),
    "read RSS feed": (
        "get", lambda c, p: f"/collections/{c.pk}/feed.rss", None, False,
        {"public": _everyone(OK), "hidden": GONE, "spam": GONE},
    ),
    "read in the API": (
        "get", lambda c, p: f"/api/collections/{c.pk}/", None, False,
        {"public": _everyone(OK), "hidden": _owner_only(OK), "spam": GONE},
    ),
    "open the edit form": (
        "get", lambda c, p: reverse("collections:edit", args=[c.pk]), None, False,
        {
            "public": _owner_only(OK, anonymous=LOGIN),
            "hidden": _owner_only(OK, anonymous=LOGIN),
            "spam": {**GONE, "owner": LOGIN, "anonymous": LOGIN},
        },
    ),
    "rename": (
        "post", lambda c, p: reverse("collections:edit", args=[c.pk]),
        {"name": "Renamed", "description": "", "is_public": "on"}, True,
        {
            "public": _owner_only(SEE_OTHER, anonymous=LOGIN),
            "hidden": _owner_only(SEE_OTHER, anonymous=LOGIN),
            "spam": {**GONE, "owner": LOGIN, "anonymous": LOGIN},
        },
    ),
    "write a note": (
        "post", lambda c, p: reverse("collections:item-note", args=[c.pk, p.arxiv_id]),
        {"note": "Mine."}, True,
        {
            "public": _owner_only(SEE_OTHER, anonymous=LOGIN),
            "hidden": _owner_only(SEE_OTHER, anonymous=LOGIN),
            "spam": {**GONE, "owner": LOGIN, "anonymous": LOGIN},
        },
    ),
    "report": (
        "post", lambda c, p: reverse("collections:report", args=[c.pk]), {"reason": "spam"}, True,
        {
            "public": {**_everyone(SEE_OTHER), "owner": REFUSED, "anonymous": LOGIN},
            "hidden": {**GONE, "anonymous": LOGIN},
            "spam": {**GONE, "owner": LOGIN, "anonymous": LOGIN},
        },
    ),
    "delete": (
        "post", lambda c, p: reverse("collections:delete", args=[c.pk]), {}, True,
        {
            "public": _owner_only(SEE_OTHER, anonymous=LOGIN),
            "hidden": _owner_only(SEE_OTHER, anonymous=LOGIN),
            "spam": {**GONE, "owner": LOGIN, "anonymous": LOGIN},
        },
    ),
}  # fmt: skip


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES)
def test_collections(client, world, case, role, state):
    users, paper, collection = world
    method, url, data, changes, expected = CASES[case]
    _into_state(state, users, collection)
    if role != "anonymous":
        client.force_login(users[role])
    before = _snapshot(collection)

    response = getattr(client, method)(url(collection, paper), data or {})

    assert response.status_code == expected[state][role], response.content[:300]
    if not changes or response.status_code not in (OK, SEE_OTHER):
        assert _snapshot(collection) == before


@pytest.mark.parametrize("state", ("hidden", "spam"))
def test_gone_collections_are_in_no_public_list(client, world, state):
    users, paper, collection = world
    _into_state(state, users, collection)
    assert "Owl reading list" not in client.get("/collections/").content.decode()
    listed = client.get("/api/collections/", {"public": 1}).json()["results"]
    assert collection.pk not in [c["id"] for c in listed]
    assert "Owl reading list" not in client.get(paper.get_absolute_url()).content.decode()
