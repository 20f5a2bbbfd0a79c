"""Admin merges of author name variants: what moves, the log, undo, pages and permissions."""

import pytest
import respx
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from papers.ingest.author_merge import author_merge, author_merge_undo
from papers.ingest.clients.openalex import OpenAlexClient
from papers.ingest.enrichment import paper_enrich
from papers.models import Author, AuthorMerge, Authorship, Paper
from tests.papers.catalogue.test_browse_pages import AUTHOR_QUERIES
from tests.papers.ingest.test_enrichment import BASE, KEY, ROADMAP_URL, NoWaitLimiter, load
from tests.support.broker import queued_tasks
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/papers/author/"
MERGE_LOG = "/admin/papers/authormerge/"


def author(name: str) -> Author:
    return Author.objects.get(name=name)


def snapshot() -> dict:
    """Everything a merge may touch, to compare before and after an undo."""
    through = Authorship.institutions.through
    return {
        "authors": list(Author.objects.order_by("pk").values_list()),
        "authorships": list(Authorship.objects.order_by("pk").values_list()),
        "links": sorted(through.objects.values_list("authorship_id", "institution_id")),
    }


@pytest.fixture
def admin(admin_user):
    return admin_user


@pytest.fixture
def variants() -> dict[str, Paper]:
    """Alice under two names; on "both" she is listed twice, the short form first."""
    return {
        "short": make_paper(
            title="Short name paper",
            authors=["A. Smith", "Bob Jones"],
            affiliations={0: ("Alpha Lab",)},
        ),
        "long": make_paper(title="Long name paper", authors=["Alice Smith", "Carol White"]),
        "both": make_paper(
            title="Both names paper",
            authors=["Bob Jones", "A. Smith", "Alice Smith"],
            affiliations={1: ("Alpha Lab",), 2: ("Beta Institute",)},
        ),
    }


def merge_short_into_long(
    actor, reason: str = "Same person: ORCID on her homepage."
) -> AuthorMerge:
    return author_merge(
        survivor=author("Alice Smith"), merged=[author("A. Smith")], actor=actor, reason=reason
    )


# --- The service ---------------------------------------------------------------------------------


def test_merge_moves_authorships_and_keeps_one_place_per_paper(admin, variants):
    short, alice = author("A. Smith"), author("Alice Smith")
    duplicate = Authorship.objects.get(paper=variants["both"], position=2)
    beta = list(duplicate.institutions.values_list("pk", flat=True))
    assert len(beta) == 1

    merge = merge_short_into_long(admin)

    short.refresh_from_db()
    assert short.merged_into_id == alice.pk
    assert not short.authorships.exists()
    assert sorted(alice.authorships.values_list("paper__title", "position")) == [
        ("Both names paper", 1),  # the earlier place on the byline is kept
        ("Long name paper", 0),
        ("Short name paper", 0),
    ]
    assert not Authorship.objects.filter(pk=duplicate.pk).exists()
    assert merge.removed == [
        {
            "id": duplicate.pk,
            "paper_id": variants["both"].pk,
            "author_id": alice.pk,
            "position": 2,
            "institution_ids": beta,
        }
    ]
    assert (merge.survivor, list(merge.merged.all()), merge.actor) == (alice, [short], admin)
    assert merge.actor_repr == admin.username and merge.reason.startswith("Same person")
    assert merge.names == {str(short.pk): "A. Smith", str(alice.pk): "Alice Smith"}
    assert merge.created_at is not None and merge.undone_at is None


def test_undo_restores_rows_positions_and_institutions_exactly(admin, variants):
    before = snapshot()
    merge = merge_short_into_long(admin)
    assert snapshot() != before

    outcome = author_merge_undo(merge=merge, actor=admin, reason="Two different people.")

    assert snapshot() == before
    assert (outcome.restored, outcome.skipped) == (3, 0)
    merge.refresh_from_db()
    assert merge.undone_by == admin and merge.undone_by_repr == admin.username
    assert merge.undo_reason == "Two different people." and merge.undone_at is not None

    with pytest.raises(ValidationError, match=rf"Merge #{merge.pk} was already undone"):
        author_merge_undo(merge=merge, actor=admin, reason="Again.")


def test_several_variants_merge_at_once_and_undo_together(admin, variants):
    make_paper(title="Third form", authors=["Smith, Alice"])
    before = snapshot()
    merge = author_merge(
        survivor=author("Alice Smith"),
        merged=[author("A. Smith"), author("Smith, Alice")],
        actor=admin,
        reason="All three are her.",
    )
    assert author("Alice Smith").authorships.count() == 4
    assert Author.objects.filter(merged_into=author("Alice Smith")).count() == 2

    author_merge_undo(merge=merge, actor=admin, reason="Undo.")
    assert snapshot() == before


def test_undo_is_refused_once_a_merged_author_was_deleted(admin, variants):
    merge = merge_short_into_long(admin)
    short = author("A. Smith")
    Author.objects.filter(pk=short.pk).delete()
    with pytest.raises(ValidationError, match=rf"A. Smith \(#{short.pk}\) was deleted"):
        author_merge_undo(merge=merge, actor=admin, reason="Undo.")
    assert merge.moved and author("Alice Smith").authorships.count() == 3


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("itself", "cannot be merged into itself"),
        ("merged", "A. Smith .* is already merged into Alice Smith"),
        ("survivor merged", "A. Smith .* is already merged into Alice Smith"),
        ("nobody", "at least one author"),
        ("no reason", "Say why"),
    ],
)
def test_impossible_merges_are_refused_with_a_sentence(admin, variants, case, message):
    merge_short_into_long(admin)
    short, alice, bob = author("A. Smith"), author("Alice Smith"), author("Bob Jones")
    survivor, merged, reason = {
        "itself": (bob, [bob], "x"),
        "merged": (bob, [short], "x"),
        "survivor merged": (short, [bob], "x"),
        "nobody": (alice, [], "x"),
        "no reason": (alice, [bob], "  "),
    }[case]
    before = snapshot()
    with pytest.raises(ValidationError, match=message):
        author_merge(survivor=survivor, merged=merged, actor=admin, reason=reason)
    assert snapshot() == before and AuthorMerge.objects.count() == 1


def test_a_chain_of_merges_is_undone_newest_first(admin, variants):
    before = snapshot()
    first = merge_short_into_long(admin)
    second = author_merge(
        survivor=author("Bob Jones"), merged=[author("Alice Smith")], actor=admin, reason="Test."
    )
    # Flat: what was merged into Alice now points where Alice went.
    assert author("A. Smith").merged_into == author("Bob Jones")

    with pytest.raises(ValidationError, match=rf"Merge #{second.pk} changed the same authors"):
        author_merge_undo(merge=first, actor=admin, reason="Too early.")

    author_merge_undo(merge=second, actor=admin, reason="Wrong.")
    assert author("A. Smith").merged_into == author("Alice Smith")
    author_merge_undo(merge=first, actor=admin, reason="Wrong too.")
    assert snapshot() == before


def test_only_active_staff_with_the_change_author_right_may_merge(
    admin, variants, django_user_model
):
    outsider = django_user_model.objects.create_user("outsider", password="x")
    outsider.user_permissions.add(Permission.objects.get(codename="change_author"))
    staff = django_user_model.objects.create_user("staff", password="x", is_staff=True)
    for user in (outsider, staff):
        user = django_user_model.objects.get(pk=user.pk)  # fresh permission cache
        with pytest.raises(PermissionDenied):
            merge_short_into_long(user)
    assert not AuthorMerge.objects.exists()

    staff.user_permissions.add(Permission.objects.get(codename="change_author"))
    staff = django_user_model.objects.get(pk=staff.pk)
    merge = merge_short_into_long(staff)
    with pytest.raises(PermissionDenied):
        author_merge_undo(merge=merge, actor=outsider, reason="No.")


def test_merge_and_undo_queue_the_affected_papers_neighbours(
    admin, variants, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        merge = merge_short_into_long(admin)
    # Only papers where a merged author stood: "long" had Alice alone already.
    expected = [variants["both"].pk, variants["short"].pk]
    assert queued_tasks() == [("papers.tasks.neighbours_compute", [sorted(expected)], None)]

    with django_capture_on_commit_callbacks(execute=True):
        author_merge_undo(merge=merge, actor=admin, reason="Undo.")
    assert queued_tasks()[-1] == ("papers.tasks.neighbours_compute", [sorted(expected)], None)


# --- Pages ---------------------------------------------------------------------------------------


def test_pages_show_the_survivor_and_the_old_address_redirects(client, admin, variants):
    short, alice, bob = author("A. Smith"), author("Alice Smith"), author("Bob Jones")
    merge_short_into_long(admin)

    response = client.get(f"/authors/{short.pk}/")
    assert response.status_code == 301 and response["Location"] == f"/authors/{alice.pk}/"

    with CaptureQueriesContext(connection) as queries:
        html = client.get(f"/authors/{alice.pk}/").content.decode()
    assert len(queries) == AUTHOR_QUERIES
    assert "3 papers on BZPEER" in html and "Short name paper" in html
    # Bob wrote two papers with her, under either name: one co-author, counted once.
    bob_page = client.get(f"/authors/{bob.pk}/").content.decode()
    assert f'href="/authors/{alice.pk}/">Alice Smith</a> <span class="muted">2 papers' in bob_page
    assert "A. Smith" not in bob_page

    paper = client.get(f"/papers/{variants['short'].arxiv_id}/").content.decode()
    assert f'href="/authors/{alice.pk}/">Alice Smith</a>' in paper and "A. Smith" not in paper
    api = client.get(f"/api/papers/{variants['both'].arxiv_id}/").json()
    assert [a["name"] for a in api["authors"]] == ["Bob Jones", "Alice Smith"]


def test_a_new_version_listing_the_merged_name_goes_to_the_survivor(admin, variants):
    merge_short_into_long(admin)
    short = variants["short"]
    make_paper(arxiv_id=short.arxiv_id, version=2, authors=["A. Smith", "Bob Jones"])

    assert Authorship.objects.get(paper=short, position=0).author == author("Alice Smith")
    assert not author("A. Smith").authorships.exists()


@respx.mock
def test_re_enrichment_keeps_the_merge(settings, admin):
    settings.OPENALEX_URL, settings.OPENALEX_API_KEY = BASE, KEY
    roadmap = make_paper(
        arxiv_id="2203.14101", authors=["Sha Yuan", "Hanyu Zhao", "Zhengxiao Du", "Wei Zhang"]
    )
    make_paper(authors=["S. Yuan"])
    # The short form was resolved to her OpenAlex id before an admin merged it into the long one.
    Author.objects.filter(name="S. Yuan").update(openalex_id="A5023888391")
    sha = author("Sha Yuan")
    author_merge(survivor=sha, merged=[author("S. Yuan")], actor=admin, reason="Same person.")
    respx.get(ROADMAP_URL).respond(200, json=load("work_2203.14101.json"))

    with OpenAlexClient(limiter=NoWaitLimiter(), sleep=lambda _: None) as client:
        paper_enrich(paper_id=roadmap.pk, client=client)

    # OpenAlex names the merged-away row's id: the paper stays with the survivor.
    assert Authorship.objects.get(paper=roadmap, position=0).author_id == sha.pk
    assert author("S. Yuan").merged_into_id == sha.pk
    assert not author("S. Yuan").authorships.exists()


# --- The admin -----------------------------------------------------------------------------------


def test_admin_merges_through_the_confirmation_page(admin_client, admin, variants):
    short, alice = author("A. Smith"), author("Alice Smith")
    chosen = {"action": "merge_authors", "_selected_action": [short.pk, alice.pk]}

    page = admin_client.post(CHANGELIST, chosen)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="author-merge-form"' in html and "A. Smith" in html and "Alice Smith" in html

    # No reason: the page again, with the error, and nothing merged.
    again = admin_client.post(CHANGELIST, {**chosen, "post": "yes", "survivor": alice.pk})
    assert "Say why" in again.content.decode() and not AuthorMerge.objects.exists()

    done = admin_client.post(
        CHANGELIST, {**chosen, "post": "yes", "survivor": alice.pk, "reason": "Her ORCID."}
    )
    assert done.status_code == 302
    merge = AuthorMerge.objects.get()
    assert (merge.survivor, merge.actor, merge.reason) == (alice, admin, "Her ORCID.")
    assert admin_client.get(CHANGELIST).status_code == 200

    # The merged author cannot be merged again: the page says so.
    refused = admin_client.post(
        CHANGELIST,
        {
            "action": "merge_authors",
            "_selected_action": [short.pk, author("Bob Jones").pk],
            "post": "yes",
            "survivor": author("Bob Jones").pk,
            "reason": "x",
        },
    )
    assert "is already merged into Alice Smith" in refused.content.decode()
    assert AuthorMerge.objects.count() == 1


def test_the_merge_log_is_read_only_and_undoes_through_an_action(admin_client, admin, variants):
    before = snapshot()
    merge = merge_short_into_long(admin)
    change = f"{MERGE_LOG}{merge.pk}/change/"

    page = admin_client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert admin_client.post(change, {"reason": "edited"}).status_code == 403
    assert admin_client.get(f"{MERGE_LOG}{merge.pk}/delete/").status_code == 403
    assert admin_client.get(f"{MERGE_LOG}add/").status_code == 403
    listing = admin_client.get(MERGE_LOG).content.decode()
    assert "delete_selected" not in listing and "undo_merges" in listing

    chosen = {"action": "undo_merges", "_selected_action": [merge.pk]}
    assert "Why?" in admin_client.post(MERGE_LOG, chosen).content.decode()
    done = admin_client.post(MERGE_LOG, {**chosen, "post": "yes", "reason": "Not her."})
    assert done.status_code == 302
    assert snapshot() == before
    merge.refresh_from_db()
    assert (merge.undone_by, merge.undo_reason) == (admin, "Not her.")

    twice = admin_client.post(MERGE_LOG, {**chosen, "post": "yes", "reason": "Again."})
    assert "already undone" in twice.content.decode()


def test_staff_without_the_right_cannot_merge_in_the_admin(client, variants, django_user_model):
    staff = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_author"))
    client.force_login(staff)
    listing = client.get(CHANGELIST).content.decode()
    assert "merge_authors" not in listing

    ids = [author("A. Smith").pk, author("Alice Smith").pk]
    client.post(
        CHANGELIST,
        {
            "action": "merge_authors",
            "_selected_action": ids,
            "post": "yes",
            "survivor": ids[1],
            "reason": "x",
        },
    )
    assert not AuthorMerge.objects.exists()
    assert author("A. Smith").merged_into is None


def test_search_finds_the_survivor_by_a_merged_name_until_the_undo(admin):
    from papers.catalogue.search import SearchParams, paper_search

    def found(q: str) -> set[str]:
        return {p.title for p in Paper.objects.filter(pk__in=paper_search(SearchParams(q=q)))}

    make_paper(title="Tidal heating", authors=["Alicia Smyth"])
    make_paper(title="Orbital decay", authors=["Alice Smith", "Bob Jones"])
    assert found("smyth") == {"Tidal heating"}

    merge = author_merge(
        survivor=author("Alice Smith"),
        merged=[author("Alicia Smyth")],
        actor=admin,
        reason="One person, two spellings.",
    )

    assert found("smyth") == {"Tidal heating", "Orbital decay"}
    assert found("alice") == {"Tidal heating", "Orbital decay"}

    author_merge_undo(merge=merge, actor=admin, reason="Two people after all.")

    assert found("smyth") == {"Tidal heating"}
    assert found("alice") == {"Orbital decay"}
