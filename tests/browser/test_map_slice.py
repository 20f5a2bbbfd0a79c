"""The research-map slice in a real browser: loaded when scrolled into view, an error state
that can try again, and a curator hiding a wrong neighbour in place."""

import pytest
from playwright.sync_api import expect

from papers.models import Citation, NeighbourChoice
from papers.researchmap.neighbours import neighbours_recompute_all
from tests.browser.test_reviews_flow import sign_in
from tests.support.factories import make_paper

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CENTRE = "2203.14101"
SLICE = f"**/papers/{CENTRE}/map/slice/"


@pytest.fixture
def mapped(transactional_db):
    centre = make_paper(
        arxiv_id=CENTRE,
        authors=["Ada Lovelace", "Alan Turing", "Grace Hopper"],
        categories=("physics.plasm-ph", "cs.LG"),
        title="Tokamak plasma turbulence",
        # A long abstract keeps the map block below the first screen.
        abstract=" ".join(["Sparse tokamak plasma turbulence with bolometer arrays."] * 60),
    )
    make_paper(
        arxiv_id="2301.00001",
        authors=["Ada Lovelace", "Alan Turing", "Someone Else"],
        categories=("cs.DS",),
        title="Sorting networks revisited",
    )
    citing = make_paper(
        arxiv_id="2401.00777", authors=["Citing Person"], title="Detector calibration"
    )
    Citation.objects.create(citing=citing, cited=centre)
    neighbours_recompute_all()


def _slice_requests(page) -> list[str]:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/map/slice/" in r.url else None)
    return requests


def test_the_slice_loads_when_scrolled_into_view(desktop, live_server, mapped, screenshot):
    page = desktop
    requests = _slice_requests(page)
    page.goto(f"{live_server.url}/papers/{CENTRE}/")
    block = page.locator("#research-map")

    # Below the fold: still the loading state, and nothing asked for yet.
    expect(block.get_by_text("Building this graph slice…")).to_be_attached()
    page.wait_for_timeout(300)
    assert requests == []
    assert block.locator(".map-neighbour").count() == 0

    block.scroll_into_view_if_needed()
    neighbours = block.locator(".map-neighbour")
    expect(neighbours.first).to_contain_text("Sorting networks revisited")
    expect(neighbours.first).to_contain_text("shares 2 authors")
    expect(block.locator('.map-neighbour[data-arxiv-id="2401.00777"]')).to_contain_text(
        "cites this"
    )
    expect(block.get_by_role("link", name="Citing Person")).to_be_visible()
    expect(page.locator("#research-map-slice")).to_have_attribute("aria-busy", "false")
    assert len(requests) == 1
    screenshot(page, "map-slice")

    block.get_by_role("link", name="Sorting networks revisited").click()
    expect(page).to_have_url(f"{live_server.url}/papers/2301.00001/")


def test_a_failed_slice_shows_an_error_and_tries_again(desktop, live_server, mapped):
    page = desktop
    page.route(SLICE, lambda route: route.fulfill(status=500, body="Server Error"))
    page.goto(f"{live_server.url}/papers/{CENTRE}/")
    page.locator("#research-map").scroll_into_view_if_needed()

    error = page.locator(".map-slice__error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("The map slice could not be loaded.")
    expect(page.locator(".map-slice__loading")).to_be_hidden()

    page.unroute(SLICE)
    error.get_by_role("button", name="Try again").click()
    expect(page.locator(".map-neighbour").first).to_contain_text("Sorting networks revisited")


def test_a_curator_hides_a_wrong_neighbour_in_place(desktop, live_server, mapped):
    page = desktop
    curator = sign_in(page, live_server, "mapper")
    page.goto(f"{live_server.url}/papers/{CENTRE}/")
    page.evaluate("window.bzpeerNoReload = true")
    block = page.locator("#research-map")
    block.scroll_into_view_if_needed()
    wrong = block.locator('.map-neighbour[data-arxiv-id="2401.00777"]')

    wrong.get_by_role("button", name="Hide").click()

    expect(wrong).to_have_count(0)
    expect(block.locator(".map-hidden")).to_contain_text("Detector calibration")
    assert page.evaluate("window.bzpeerNoReload") is True  # swapped in place, no reload
    assert NeighbourChoice.objects.get(user=curator).action == "hide"

    block.get_by_label("Pin a paper as also relevant").fill("arXiv:2401.00777")
    block.get_by_role("button", name="Pin", exact=True).last.click()
    expect(wrong).to_contain_text("pinned by mapper")
