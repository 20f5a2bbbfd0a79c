"""Curators report public collections; moderators hide them from every public place (and
restore them), from the report queue or the collections' admin, with the log kept."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.services import MODERATORS_GROUP
from papers.curation.collections import collection_create
from papers.curation.saves import paper_save
from reviews.models import ModerationAction, Report, ReportStatus
from reviews.moderation.reports import report_create
from reviews.moderation.services import collections_hide, collections_restore
from tests.support.factories import make_paper
from tests.support.pages import page_as

REASON = "Advertising dressed as a reading list."


@pytest.fixture
def world(django_user_model):
    owner = django_user_model.objects.create_user("owner", password="x" * 12)
    reader = django_user_model.objects.create_user("reader", password="x" * 12)
    moderator = django_user_model.objects.create_user("mod", password="x" * 12)
    moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    paper = make_paper(title="Target paper")
    picks = collection_create(owner=owner, name="Cheap pills <b>now</b>", is_public=True)
    paper_save(user=owner, paper=paper, collection=picks)
    return owner, reader, moderator, paper, picks


def _public_traces(client, paper, picks) -> dict[str, bool]:
    client.logout()
    name = "Cheap pills &lt;b&gt;now&lt;/b&gt;"
    return {
        "collection list": name in client.get("/collections/").content.decode(),
        "collection page": client.get(picks.get_absolute_url()).status_code == 200,
        "atom feed": client.get(f"/collections/{picks.pk}/feed.atom").status_code == 200,
        "rss feed": client.get(f"/collections/{picks.pk}/feed.rss").status_code == 200,
        "api list": any(
            c["id"] == picks.pk
            for c in client.get("/api/collections/", {"public": 1}).json()["results"]
        ),
        "api detail": client.get(f"/api/collections/{picks.pk}/").status_code == 200,
        "paper page": name in page_as(client, paper),
    }


@pytest.mark.django_db(transaction=True)  # real commits: cached pages refresh on commit
def test_a_hidden_collection_leaves_every_public_place_and_comes_back_when_restored(client, world):
    owner, _reader, moderator, paper, picks = world
    assert all(_public_traces(client, paper, picks).values())

    outcome = collections_hide(moderator=moderator, collections=[picks], reason=REASON)
    assert outcome.hidden == 1
    traces = _public_traces(client, paper, picks)
    assert not any(traces.values()), traces

    # Its owner still sees it, and is told why others do not.
    client.force_login(owner)
    html = client.get(picks.get_absolute_url()).content.decode()
    assert "A moderator hid this collection" in html

    assert collections_restore(moderator=moderator, collections=[picks], reason="Appeal") == 1
    assert all(_public_traces(client, paper, picks).values())
    assert list(
        ModerationAction.objects.filter(collection=picks).values_list("action", flat=True)
    ) == ["restore", "hide"]


@pytest.mark.django_db
def test_a_curator_reports_a_public_collection_once_and_never_their_own(client, world):
    owner, reader, _moderator, _paper, picks = world
    url = reverse("collections:report", args=[picks.pk])

    client.force_login(reader)
    assert "Report this collection" in client.get(picks.get_absolute_url()).content.decode()
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "spam", "details": "Pills. Ünïcödé détails."})
    assert response.status_code == 303
    report = Report.objects.get()
    assert (report.collection, report.reporter, report.status) == (picks, reader, "open")
    assert report.details == "Pills. Ünïcödé détails."
    # Again: said once, nothing added.
    assert "Reported. Moderators will look at it." in client.get(url).content.decode()
    client.post(url, {"reason": "spam"})
    assert Report.objects.count() == 1

    with pytest.raises(ValidationError, match="what you wrote yourself"):
        report_create(reporter=owner, target=picks, reason="spam")
    client.force_login(owner)
    assert "Report this collection" not in client.get(picks.get_absolute_url()).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("public", [False, True])
def test_private_and_hidden_collections_cannot_be_reported(client, world, public):
    _owner, reader, moderator, _paper, picks = world
    if public:
        collections_hide(moderator=moderator, collections=[picks], reason=REASON)
    else:
        picks.is_public = False
        picks.save()
    client.force_login(reader)
    url = reverse("collections:report", args=[picks.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "spam"}).status_code == 404
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client, world):
    *_, picks = world
    response = client.post(reverse("collections:report", args=[picks.pk]), {"reason": "spam"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_only_moderators_hide_collections(world):
    owner, reader, _moderator, _paper, picks = world
    for user in (owner, reader):
        with pytest.raises(PermissionDenied):
            collections_hide(moderator=user, collections=[picks], reason=REASON)
    picks.refresh_from_db()
    assert not picks.is_hidden


@pytest.mark.django_db
def test_the_report_queue_hides_a_reported_collection_and_closes_its_reports(client, world):
    owner, reader, moderator, _paper, picks = world
    report = report_create(reporter=reader, target=picks, reason="spam")
    client.force_login(moderator)
    changelist = reverse("admin:reviews_report_changelist")

    html = client.get(changelist).content.decode()
    assert "Collection" in html and "Cheap pills &lt;b&gt;now&lt;/b&gt;" in html
    assert client.get(changelist, {"kind": "collection"}).status_code == 200

    response = client.post(
        changelist,
        {"action": "hide_items", "_selected_action": [report.pk], "post": "yes", "reason": REASON},
        follow=True,
    )
    assert response.status_code == 200
    picks.refresh_from_db()
    report.refresh_from_db()
    assert picks.is_hidden and report.status == ReportStatus.ACTIONED
    entry = ModerationAction.objects.get(collection=picks)
    assert (entry.action, entry.target_user, entry.reason) == ("hide", owner, REASON)
    assert entry.details["reports_actioned"] == [report.pk]


@pytest.mark.django_db
def test_the_collections_admin_hides_and_restores_with_a_reason(admin_client, world):
    *_, picks = world
    changelist = reverse("admin:papers_collection_changelist")
    asked = admin_client.post(
        changelist, {"action": "hide_collections", "_selected_action": [picks.pk]}
    )
    assert "Say why" in asked.content.decode() or "Why?" in asked.content.decode()
    picks.refresh_from_db()
    assert not picks.is_hidden  # nothing happens before a reason is given

    admin_client.post(
        changelist,
        {
            "action": "hide_collections",
            "_selected_action": [picks.pk],
            "post": "yes",
            "reason": REASON,
        },
    )
    picks.refresh_from_db()
    assert picks.is_hidden
    admin_client.post(
        changelist,
        {
            "action": "restore_collections",
            "_selected_action": [picks.pk],
            "post": "yes",
            "reason": "Appeal",
        },
    )
    picks.refresh_from_db()
    assert not picks.is_hidden
