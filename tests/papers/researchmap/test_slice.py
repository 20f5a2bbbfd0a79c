"""The research-map slice of the paper page: loaded apart, read not computed, corrected by
curators through pins and hides."""

import pytest
from django.test import Client

from papers.catalogue.page_cache import local_pages
from papers.models import Citation, NeighbourChoice, Paper, PaperNeighbour
from papers.researchmap.neighbours import neighbours_recompute_all
from papers.researchmap.slice import map_slice_get
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

CENTRE = "2203.14101"


@pytest.fixture
def mapped():
    centre = make_paper(
        arxiv_id=CENTRE,
        authors=["Ada Lovelace", "Alan Turing", "Grace Hopper"],
        affiliations={0: ("Analytical Engine Society",), 1: ("Bletchley Park",)},
        categories=("physics.plasm-ph", "cs.LG"),
        title="Tokamak plasma turbulence",
        abstract="Sparse tokamak plasma turbulence measured with bolometer arrays.",
    )
    coauthored = make_paper(
        arxiv_id="2301.00001",
        authors=["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"],
        affiliations={3: ("Bletchley Park",)},
        categories=("cs.DS",),
        title="Sorting networks <b>revisited</b>",
        abstract="Comparator depth bounds for odd-even merges.",
    )
    citing = make_paper(
        arxiv_id="2401.00777",
        authors=["Citing Person"],
        categories=("hep-ex", "cs.LG"),
        title="Detector calibration",
        abstract="Calorimeter response.",
    )
    stranger = make_paper(
        arxiv_id="2402.00001",
        authors=["Total Stranger"],
        categories=("econ.GN",),
        title="Auction design",
        abstract="Revenue of second-price auctions.",
    )
    for i in range(4):
        make_paper(authors=[f"Filler {i}"], categories=("math.CO",), title=f"Identity {i}")
    Citation.objects.create(citing=citing, cited=centre)
    neighbours_recompute_all()
    return {"centre": centre, "coauthored": coauthored, "citing": citing, "stranger": stranger}


def slice_url(arxiv_id: str = CENTRE) -> str:
    return f"/papers/{arxiv_id}/map/slice/"


def choice_url(neighbour: str, action: str, arxiv_id: str = CENTRE) -> str:
    return f"/papers/{arxiv_id}/map/neighbours/{neighbour}/{action}"


def htmx(client, url: str, **data):
    return client.post(url, data, headers={"HX-Request": "true"})


# --- The block on the paper page ----------------------------------------------------------------


def test_the_page_holds_the_loading_state_and_asks_for_the_slice_when_revealed(client, mapped):
    html = client.get(f"/papers/{CENTRE}/").content.decode()

    assert 'id="research-map"' in html
    assert "Building this graph slice…" in html
    assert "BZPEER is loading the nearby papers, people, topics and institutions" in html
    assert f'hx-get="/papers/{CENTRE}/map/slice/"' in html
    assert 'hx-trigger="revealed, map-retry"' in html
    assert 'aria-busy="true"' in html
    assert f'href="/papers/{CENTRE}/map/">Open full explorer</a>' in html
    # The page does not compute or read the map: its neighbours' titles are not in it.
    assert "Sorting networks" not in html


# --- The slice -----------------------------------------------------------------------------------


def test_the_slice_shows_neighbours_with_reasons_people_institutions_and_topics(client, mapped):
    response = client.get(slice_url())
    html = response.content.decode()

    assert response.status_code == 200
    assert "<html" not in html  # a fragment
    # The strongest neighbour first, with its reasons; the stranger is not near.
    assert html.index("Sorting networks") < html.index("Detector calibration")
    assert "Auction design" not in html
    assert "shares 3 authors" in html
    assert "cites this" in html
    assert "Ada Lovelace et al. · " in html
    # Titles are escaped, never markup.
    assert "Sorting networks &lt;b&gt;revisited&lt;/b&gt;" in html
    # People: this paper's authors and the neighbours', with their paper counts here.
    ada = Paper.objects.get(arxiv_id=CENTRE).authorships.get(position=0).author
    assert f'href="/authors/{ada.pk}/">Ada Lovelace</a> <span class="muted">2 papers' in html
    assert 'Citing Person</a> <span class="muted">1 paper<' in html
    # Institutions and topics, with how many of the shown papers they cover.
    assert 'Bletchley Park</a> <span class="muted">2 of these papers' in html
    assert 'href="/topics/cs.LG/">cs.LG</a>' in html
    assert "2 of these papers" in html
    # Anonymous visitors get no buttons.
    assert "map-choice" not in html


def test_a_paper_without_computed_neighbours_says_so(client):
    make_paper(arxiv_id="2501.00001", authors=["Lonely Author"], categories=("cs.LG",))

    html = client.get(slice_url("2501.00001")).content.decode()

    assert "No nearby papers yet: the map is computed after import." in html
    assert "Lonely Author" in html  # its own people and topics still show


def test_unknown_malformed_and_versioned_ids(client, mapped):
    assert client.get(slice_url("2999.99999")).status_code == 404
    assert client.get("/papers/not-an-id/map/slice/").status_code == 404
    response = client.get(slice_url(f"{CENTRE}v2"))
    assert response.status_code == 301
    assert response["Location"] == slice_url()


def _more_neighbours(centre: Paper, count: int) -> None:
    for i in range(count):
        other = make_paper(
            authors=["Ada Lovelace", f"Helper {i} A", f"Helper {i} B"],
            affiliations={1: (f"Institute {i}",)},
            categories=("cs.LG", f"math.{['CO', 'GT', 'AG', 'NT', 'PR'][i % 5]}"),
        )
        PaperNeighbour.objects.create(
            paper=centre, neighbour=other, score=1.0, reasons=[], computed_at=centre.updated
        )


def test_the_slice_costs_the_same_queries_for_one_or_many_neighbours(
    client, mapped, django_assert_num_queries
):
    centre = mapped["centre"]
    PaperNeighbour.objects.filter(paper=centre).exclude(neighbour=mapped["coauthored"]).delete()
    with django_assert_num_queries(6):
        one = map_slice_get(paper=centre)
    _more_neighbours(centre, 10)
    with django_assert_num_queries(6):
        many = map_slice_get(paper=centre)
    assert len(one.neighbours) == 1
    assert len(many.neighbours) == 8
    assert len(many.institutions) > 3


def test_signed_in_the_slice_adds_a_fixed_number_of_queries(
    client, curator, mapped, django_assert_num_queries
):
    client.force_login(curator)
    # User, unread notifications (the session is read from the cache), then the slice's own
    # and this curator's hides.
    with django_assert_num_queries(9):
        client.get(slice_url())
    _more_neighbours(mapped["centre"], 10)
    with django_assert_num_queries(9):
        client.get(slice_url())


def test_anonymous_slices_are_cached_until_the_map_changes(
    client, curator, mapped, django_assert_num_queries, django_capture_on_commit_callbacks
):
    client.get(slice_url())
    with django_assert_num_queries(0):  # from the cache, without reading a table
        cached = client.get(slice_url()).content.decode()
    assert "Sorting networks" in cached

    from papers.researchmap.pins import neighbour_hide

    with django_capture_on_commit_callbacks(execute=True):
        neighbour_hide(user=curator, paper=mapped["centre"], neighbour=mapped["coauthored"])
    local_pages.clear()
    assert "Sorting networks" not in client.get(slice_url()).content.decode()


def test_a_recompute_replaces_the_cached_slice(client, mapped, django_capture_on_commit_callbacks):
    assert "Detector calibration" in client.get(slice_url()).content.decode()
    Citation.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        neighbours_recompute_all()

    assert "Detector calibration" not in client.get(slice_url()).content.decode()


# --- Pins and hides ------------------------------------------------------------------------------


def test_hide_pin_unpin_and_unhide_through_htmx(client, curator, mapped):
    client.force_login(curator)

    html = htmx(client, choice_url("2301.00001", "hide")).content.decode()
    assert "Hidden by you:" in html
    assert html.count("Sorting networks") == 1  # only in the "hidden by you" list
    assert 'class="map-neighbour' not in html.split("Sorting networks")[0].rsplit("<li", 1)[-1]
    assert NeighbourChoice.objects.get(user=curator).action == "hide"

    html = htmx(client, choice_url("2301.00001", "unhide")).content.decode()
    assert "Hidden by you:" not in html
    assert not NeighbourChoice.objects.exists()

    html = htmx(client, choice_url("2402.00001", "pin")).content.decode()
    assert "Auction design" in html
    assert f"pinned by {curator}" in html
    assert ">Unpin</button>" in html
    # A pin is shown first.
    assert html.index("Auction design") < html.index("Sorting networks")

    html = htmx(client, choice_url("2402.00001", "unpin")).content.decode()
    assert "Auction design" not in html


def test_pinned_by_someone_else_is_shown_as_theirs(client, curator, other_curator, mapped):
    client.force_login(other_curator)
    htmx(client, choice_url("2402.00001", "pin"))
    client.force_login(curator)

    html = client.get(slice_url()).content.decode()

    assert f"pinned by {other_curator}" in html
    # Another's pin can be neither withdrawn nor hidden from here.
    entry = html.split('data-arxiv-id="2402.00001"')[1].split("</li>\n      \n")[0]
    assert "Unpin" not in entry and ">Hide<" not in entry


def test_the_pin_form_takes_an_id_or_url_and_explains_bad_input(client, curator, mapped):
    client.force_login(curator)
    url = f"/papers/{CENTRE}/map/pin"

    html = htmx(client, url, neighbour="https://arxiv.org/abs/2402.00001v1").content.decode()
    assert f"pinned by {curator}" in html

    response = htmx(client, url, neighbour="not an id")
    assert response.status_code == 200  # swapped in by htmx, with the message
    assert "is not an arXiv identifier" in response.content.decode()
    assert 'value="not an id"' in response.content.decode()  # what was typed is kept

    html = htmx(client, url, neighbour="2312.09999").content.decode()
    assert "No paper arXiv:2312.09999 here yet: add it first, then pin it." in html

    html = htmx(client, url, neighbour=CENTRE).content.decode()
    assert "A paper cannot be its own neighbour." in html
    assert NeighbourChoice.objects.count() == 1

    plain = client.post(url, {"neighbour": "nonsense"})
    assert plain.status_code == 400
    assert "is not an arXiv identifier" in plain.content.decode()


def test_plain_forms_go_back_to_the_map_block(client, curator, mapped):
    client.force_login(curator)

    response = client.post(choice_url("2301.00001", "hide"))

    assert response.status_code == 303
    assert response["Location"] == f"/papers/{CENTRE}/#research-map"


def test_anonymous_visitors_are_sent_to_log_in_and_back(client, mapped):
    response = client.post(choice_url("2301.00001", "pin"))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert "research-map" in response["Location"]
    assert not NeighbourChoice.objects.exists()


def test_writes_need_post_csrf_and_a_known_action(curator, mapped):
    client = Client(enforce_csrf_checks=True)
    client.force_login(curator)

    assert client.post(choice_url("2301.00001", "hide")).status_code == 403
    assert client.get(choice_url("2301.00001", "hide")).status_code == 405
    assert not NeighbourChoice.objects.exists()

    client = Client()
    client.force_login(curator)
    assert client.post(choice_url("2301.00001", "explode")).status_code == 404
    assert client.post(choice_url("2301.00001", "hide", arxiv_id="2999.99999")).status_code == 404


def test_writes_count_against_the_write_limit(client, curator, mapped, settings):
    settings.WRITE_RATE_LIMIT = "2/m"
    client.force_login(curator)

    assert htmx(client, choice_url("2301.00001", "hide")).status_code == 200
    assert htmx(client, choice_url("2301.00001", "unhide")).status_code == 200
    assert htmx(client, choice_url("2301.00001", "hide")).status_code == 429
