"""The paper page's curation blocks: one-click save, the collection chooser, reactions, the
reading frame, anonymous intents, and what the shared anonymous page may show."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from papers.curation.collections import collection_create
from papers.curation.reactions import reaction_add
from papers.curation.saves import paper_save
from papers.curation.votes import vote_toggle
from papers.models import Collection, CollectionItem, Reaction, Vote
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def _save(paper) -> str:
    return f"/papers/{paper.arxiv_id}/save"


def _react(paper) -> str:
    return f"/papers/{paper.arxiv_id}/react"


def _saves(paper) -> int:
    paper.refresh_from_db(fields=["save_count"])
    return paper.save_count


# --- One-click save and the chooser ---------------------------------------------------------


def test_one_click_save_and_unsave_with_htmx(client, curator):
    paper = make_paper()
    client.force_login(curator)
    response = client.post(_save(paper), headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="curation" id="curation">')
    assert 'id="save-toggle" class="button save-button" aria-pressed="true">Saved<' in html
    # The page's own save count is swapped out of band.
    assert '<li class="count" id="paper-saves" hx-swap-oob="true">' in html
    assert "Saved in <a" in html
    default = Collection.objects.get(owner=curator, is_default=True)
    assert list(default.items.values_list("paper_id", flat=True)) == [paper.pk]
    assert _saves(paper) == 1

    html = client.post(_save(paper), headers=HX).content.decode()
    assert 'aria-pressed="false">Save<' in html
    assert "Not saved" in html
    assert _saves(paper) == 0


def test_plain_form_save_redirects_back_with_303(client, curator):
    paper = make_paper()
    client.force_login(curator)
    response = client.post(_save(paper))
    assert response.status_code == 303
    assert response["Location"] == paper.get_absolute_url()
    html = client.get(paper.get_absolute_url()).content.decode()
    assert 'aria-pressed="true">Saved<' in html


def test_save_into_a_chosen_collection_and_out_again(client, curator):
    paper = make_paper()
    reading = collection_create(owner=curator, name="Reading group")
    client.force_login(curator)
    html = client.post(
        _save(paper), {"collection": reading.pk, "action": "add"}, headers=HX
    ).content.decode()
    assert f'id="save-in-{reading.pk}" class="collection-choice" aria-pressed="true"' in html
    assert '<details class="save-control__collections" open>' in html
    # Not in the default collection: the one-click button stays "Save".
    assert 'aria-pressed="false">Save<' in html
    assert _saves(paper) == 1
    client.post(_save(paper), {"collection": reading.pk, "action": "remove"}, headers=HX)
    assert not CollectionItem.objects.exists()
    assert _saves(paper) == 0


def test_create_a_collection_and_save_into_it(client, curator):
    paper = make_paper()
    client.force_login(curator)
    response = client.post(
        _save(paper), {"new_collection": "  Big   models ", "public": "on"}, headers=HX
    )
    assert response.status_code == 200
    created = Collection.objects.get(owner=curator, name="Big models")
    assert created.is_public
    assert created.items.get().paper_id == paper.pk
    html = response.content.decode()
    # It is listed as a public collection of this paper, with a link.
    assert f'href="/collections/{created.pk}/">Big models</a>' in html
    assert "In 1 public collection:" in html


def test_bad_new_collection_names_come_back_with_the_message(client, curator):
    paper = make_paper()
    collection_create(owner=curator, name="Taken")
    client.force_login(curator)
    html = client.post(_save(paper), {"new_collection": "Taken"}, headers=HX).content.decode()
    assert "You already have a collection named “Taken”." in html
    assert 'value="Taken"' in html  # what was typed is kept
    html = client.post(_save(paper), {"new_collection": "x" * 121}, headers=HX).content.decode()
    assert "within 120 characters" in html
    # Without JavaScript: the whole page, 400, the message beside the field.
    response = client.post(_save(paper), {"new_collection": "   "})
    assert response.status_code == 400
    assert "Give the collection a name." in response.content.decode()
    assert list(Collection.objects.values_list("name", flat=True)) == ["Taken"]
    assert _saves(paper) == 0


def test_someone_elses_collection_is_not_found(client, curator, other_curator):
    paper = make_paper()
    theirs = collection_create(owner=other_curator, name="Theirs", is_public=True)
    client.force_login(curator)
    for action in ("add", "remove"):
        response = client.post(_save(paper), {"collection": theirs.pk, "action": action})
        assert response.status_code == 404
    assert client.post(_save(paper), {"collection": "abc", "action": "add"}).status_code == 404
    mine = collection_create(owner=curator, name="Mine")
    assert client.post(_save(paper), {"collection": mine.pk, "action": "x"}).status_code == 400
    assert not CollectionItem.objects.exists()


def test_names_and_notes_are_escaped_on_the_paper_page(client, curator, other_curator):
    paper = make_paper()
    evil = collection_create(owner=other_curator, name="<script>alert(1)</script>", is_public=True)
    paper_save(user=other_curator, paper=paper, collection=evil)
    client.force_login(curator)
    for html in (
        client.get(paper.get_absolute_url()).content.decode(),
        Client().get(paper.get_absolute_url()).content.decode(),
    ):
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- Reactions --------------------------------------------------------------------------------


def test_reactions_toggle_with_counts_and_mine(client, curator, other_curator):
    paper = make_paper()
    reaction_add(user=other_curator, paper=paper, kind="novel_method")
    client.force_login(curator)
    html = client.post(_react(paper), {"kind": "novel_method"}, headers=HX).content.decode()
    assert 'id="react-novel_method"' in html
    assert 'data-reaction-count="novel_method">2<' in html
    assert 'reaction--praise" aria-pressed="true"' in html
    assert "<dt>Your reactions</dt><dd>Novel method</dd>" in html
    html = client.post(_react(paper), {"kind": "novel_method"}, headers=HX).content.decode()
    assert 'data-reaction-count="novel_method">1<' in html
    assert 'aria-pressed="true"' not in html.split('class="reaction-list"')[1]
    assert Reaction.objects.filter(user=curator).count() == 0


@pytest.mark.parametrize("kind", ["", "love", "novel method"])
def test_unknown_reactions_are_400(client, curator, kind):
    paper = make_paper()
    client.force_login(curator)
    response = client.post(_react(paper), {"kind": kind})
    assert response.status_code == 400
    assert "reaction" in response.content.decode()
    assert not Reaction.objects.exists()


def test_plain_form_reaction_redirects_back(client, curator):
    paper = make_paper()
    client.force_login(curator)
    assert client.post(_react(paper), {"kind": "overclaimed"}).status_code == 303
    html = client.get(paper.get_absolute_url()).content.decode()
    assert 'reaction--caution" aria-pressed="true"' in html


# --- Anonymous visitors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "data", "intent"),
    [
        (_save, {}, "save"),
        (_react, {"kind": "reproducible"}, "reproducible"),
        (_react, {"kind": "<b>"}, None),
    ],
)
def test_anonymous_writes_go_to_log_in_with_the_intent(client, settings, url, data, intent):
    paper = make_paper()
    response = client.post(url(paper), data)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == settings.LOGIN_URL
    # Back at the curation block (where the intended button is marked) after logging in.
    expected = paper.get_absolute_url() + (f"?intent={intent}#curation" if intent else "")
    assert parse_qs(location.query)["next"] == [expected]
    assert not CollectionItem.objects.exists() and not Reaction.objects.exists()


def test_arriving_with_an_intent_names_it_and_does_nothing(client, curator):
    paper = make_paper()
    client.force_login(curator)
    html = client.get(paper.get_absolute_url() + "?intent=save").content.decode()
    assert "You wanted to save this paper. Use the Save button below" in html
    assert 'class="button save-button vote-button--intended"' in html
    html = client.get(paper.get_absolute_url() + "?intent=well_written").content.decode()
    assert "You wanted to react “Well written” to this paper" in html
    assert not CollectionItem.objects.exists() and not Reaction.objects.exists()


def test_anonymous_page_shows_shared_facts_only(client, curator):
    paper = make_paper()
    public = collection_create(owner=curator, name="Public picks", is_public=True)
    private = collection_create(owner=curator, name="Private stash")
    paper_save(user=curator, paper=paper, collection=public)
    paper_save(user=curator, paper=paper, collection=private)
    reaction_add(user=curator, paper=paper, kind="strong_evidence")
    vote_toggle(user=curator, paper=paper, value=Vote.Value.LIKE)
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "Public picks" in html and "Private stash" not in html
    assert 'data-reaction-count="strong_evidence">1<' in html
    assert "Log in to keep your vote, saves and reactions here." in html
    for private_bit in ("aria-pressed", "csrfmiddlewaretoken", "Your vote", "Saved in"):
        assert private_bit not in html


def test_reading_frame_keeps_everything_in_one_place(client, curator):
    paper = make_paper(version=3, doi="10.1000/xyz")
    reading = collection_create(owner=curator, name="Reading group", is_public=True)
    paper_save(user=curator, paper=paper)
    paper_save(user=curator, paper=paper, collection=reading)
    reaction_add(user=curator, paper=paper, kind="important_result")
    reaction_add(user=curator, paper=paper, kind="hard_to_follow")
    vote_toggle(user=curator, paper=paper, value=Vote.Value.DISLIKE)
    client.force_login(curator)
    html = client.get(paper.get_absolute_url()).content.decode()
    frame = html.split('id="reading-frame"')[1].split("</section>")[0]
    assert "<dt>Your vote</dt><dd>Disliked</dd>" in frame
    assert 'Saved in <a href="' in frame and ">Saved</a>, <a" in frame and "Reading group" in frame
    assert "Important result, Hard to follow" in frame
    assert "0 likes · 1 dislike · <span" in frame
    assert "In 1 public collection:" in frame
    assert "0 reviews" in frame
    assert f"arXiv:{paper.arxiv_id} v3" in frame and "cs.LG" in frame


def test_public_collections_beyond_the_first_few_are_counted(client, django_user_model):
    paper = make_paper()
    for i in range(7):
        owner = django_user_model.objects.create_user(f"owner{i}", password="x" * 12)
        paper_save(
            user=owner,
            paper=paper,
            collection=collection_create(owner=owner, name=f"List {i}", is_public=True),
        )
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "In 7 public collections:" in html
    assert "and 2 more" in html


def test_curation_writes_are_rate_limited_and_csrf_checked(client, curator, settings):
    settings.WRITE_RATE_LIMIT = "2/m"
    paper = make_paper()
    client.force_login(curator)
    codes = [client.post(_react(paper), {"kind": "reproducible"}).status_code for _ in range(2)]
    assert codes == [303, 303]
    assert client.post(_save(paper)).status_code == 429
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(curator)
    assert strict.post(_save(paper)).status_code == 403
    assert strict.post(_react(paper), {"kind": "reproducible"}).status_code == 403


def test_anonymous_buttons_are_log_in_links_carrying_the_intent(client, settings):
    paper = make_paper()
    html = client.get(paper.get_absolute_url()).content.decode()
    page = paper.get_absolute_url()
    for intent in ("like", "dislike", "save", "needs_replication"):
        # Back at the curation block, where the button is marked, after logging in.
        encoded = f"{page}%3Fintent%3D{intent}%23curation"
        assert f'href="{settings.LOGIN_URL}?next={encoded}"' in html
    # Following one after logging in names the action and does nothing by itself.
    response = client.get(f"{page}?intent=needs_replication")
    assert "You wanted to" not in response.content.decode()  # still anonymous
