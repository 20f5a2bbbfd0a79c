"""The research-map explorer in a real browser: drawing, filters, recentring, list view, phone."""

import re

import pytest
from playwright.sync_api import expect

from papers.models import Citation
from papers.researchmap.neighbours import neighbours_recompute_all
from tests.support.factories import make_paper

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CENTRE = "2203.14101"
CITING = "2401.00777"


@pytest.fixture
def mapped(transactional_db):
    centre = make_paper(
        arxiv_id=CENTRE,
        authors=["Ada Lovelace", "Alan Turing", "Grace Hopper"],
        affiliations={0: ("Analytical Engine Society",)},
        categories=("physics.plasm-ph", "cs.LG"),
        title="Tokamak plasma turbulence",
        abstract="Sparse tokamak plasma turbulence measured with bolometer arrays.",
    )
    citing = make_paper(
        arxiv_id=CITING,
        authors=["Citing Person", "Second Citer"],
        categories=("hep-ex",),
        title="Detector calibration for plasma",
        abstract="Calorimeter response.",
    )
    make_paper(
        authors=["Ada Lovelace", "Alan Turing", "Someone Else"],
        categories=("cs.DS",),
        title="Sorting networks revisited",
        abstract="Comparator depth bounds for odd-even merges.",
    )
    for i in range(4):
        make_paper(
            authors=[f"Filler {i}"],
            categories=("math.CO",),
            title=f"Combinatorial identity {i}",
            abstract=f"Enumerative bijection for lattice family {i}.",
        )
    Citation.objects.create(citing=citing, cited=centre)
    neighbours_recompute_all()


def _open(page, live_server, arxiv_id: str = CENTRE):
    page.goto(f"{live_server.url}/papers/{arxiv_id}/map/")
    expect(page.locator("#map-explorer")).to_have_attribute("data-map-state", "ready")


_VISIBLE = 'k => window.bzpeerMap.nodes(`[kind = "${k}"]`).filter(n => n.visible()).length'


def _visible_ids(page, kind: str) -> int:
    return page.evaluate(_VISIBLE, kind)


def _wait_visible(page, kind: str, test: str) -> int:
    """The count once ``test`` (a JS expression of ``n``) holds: a loaded CI machine may
    draw the filter's effect a moment after the click."""
    page.wait_for_function(f"k => (n => {test})(({_VISIBLE})(k))", arg=kind)
    return _visible_ids(page, kind)


def test_explorer_draws_filters_and_recentres(desktop, live_server, mapped, screenshot):
    page = desktop
    _open(page, live_server)

    assert page.evaluate("window.bzpeerMap.nodes().length") > 8
    assert page.evaluate("window.bzpeerMap.edges('[kind = \"neighbour\"]').length") == 2
    # Drawn on the canvas, with a real size.
    box = page.locator("#map-canvas canvas").first.bounding_box()
    assert box["width"] > 300 and box["height"] > 200
    buttons = page.locator("#map-node-list button[data-node-id]")
    assert buttons.count() == page.evaluate("window.bzpeerMap.nodes().length")
    expect(page.locator('#map-node-list [data-kind="author"]').first).to_be_visible()
    screenshot(page, "map-desktop")

    # Unticking "People" hides every author, in the graph and in the list of nodes.
    assert _visible_ids(page, "author") > 0
    page.get_by_role("checkbox", name="People", exact=True).uncheck()
    assert _wait_visible(page, "author", "n === 0") == 0
    assert _visible_ids(page, "paper") == 3
    expect(page.locator('#map-node-list [data-kind="author"]').first).to_be_hidden()
    assert "kinds=paper%2Cinstitution%2Ctopic" in page.url or "kinds=paper,institution,topic" in (
        page.url
    )
    page.get_by_role("checkbox", name="People", exact=True).check()
    assert _wait_visible(page, "author", "n > 0") > 0

    # From the keyboard: the citing paper's entry, then "Recentre here" in the panel.
    entry = page.locator(f'#map-node-list button[data-node-id="paper:{CITING}"]')
    entry.focus()
    page.keyboard.press("Enter")
    expect(entry).to_have_attribute("aria-pressed", "true")
    details = page.locator("#map-details")
    expect(details.locator("h3")).to_have_text("Detector calibration for plasma")
    expect(details.get_by_text("cites this")).to_be_visible()
    expect(details.get_by_role("link", name="Open its page")).to_have_attribute(
        "href", f"/papers/{CITING}/"
    )
    assert page.evaluate("window.bzpeerMap.$(':selected').id()") == f"paper:{CITING}"
    page.evaluate("window.bzpeerNoReload = true")

    details.get_by_role("button", name="Recentre here").click()
    expect(page).to_have_url(re.compile(rf"/papers/{CITING}/map/$"))
    expect(page.locator("#map-explorer")).to_have_attribute("data-centre", f"paper:{CITING}")
    expect(page.locator("#map-explorer")).to_have_attribute("data-map-state", "ready")
    assert page.evaluate("window.bzpeerMap.nodes('[?centre]').id()") == f"paper:{CITING}"
    expect(page.locator("#map-title")).to_have_text("Detector calibration for plasma")
    expect(page.locator("#map-title")).to_be_focused()
    assert page.evaluate("window.bzpeerNoReload") is True
    # The list view came along: the old centre is now a nearby paper there.
    expect(page.locator(f'#map-list-view [data-node-id="paper:{CENTRE}"]')).to_have_count(1)
    screenshot(page, "map-desktop-recentred")

    page.go_back()
    expect(page.locator("#map-explorer")).to_have_attribute("data-centre", f"paper:{CENTRE}")
    expect(page.locator("#map-explorer")).to_have_attribute("data-map-state", "ready")
    assert page.evaluate("window.bzpeerMap.nodes('[?centre]').id()") == f"paper:{CENTRE}"


def test_clicking_a_node_in_the_graph_shows_it(desktop, live_server, mapped):
    page = desktop
    _open(page, live_server)
    position = page.evaluate(
        f"""() => {{
            const node = window.bzpeerMap.getElementById("paper:{CITING}");
            const box = document.getElementById("map-canvas").getBoundingClientRect();
            const p = node.renderedPosition();
            return {{x: box.left + p.x, y: box.top + p.y}};
        }}"""
    )
    page.mouse.click(position["x"], position["y"])
    expect(page.locator("#map-details h3")).to_have_text("Detector calibration for plasma")


def test_list_view_toggle(desktop, live_server, mapped):
    page = desktop
    _open(page, live_server)
    toggle = page.locator("#map-view-toggle")
    expect(page.locator("#map-list-view")).to_be_hidden()
    expect(toggle).to_have_text("Show as a list")
    # The filters act at once: the button for browsers without JavaScript is gone.
    expect(page.get_by_role("button", name="Apply filters")).to_be_hidden()

    toggle.click()
    expect(page.locator("#map-list-view")).to_be_visible()
    expect(page.locator("#map-graph-view")).to_be_hidden()
    expect(toggle).to_have_text("Show as a graph")
    expect(page.locator("#map-list-view").get_by_text("Sorting networks revisited")).to_be_visible()

    # The filters act on the list view too.
    page.get_by_role("checkbox", name="Topics", exact=True).uncheck()
    expect(page.locator('#map-list-view [data-kind="topic"]').first).to_be_hidden()

    # The choice is remembered on the next visit.
    _open(page, live_server)
    expect(page.locator("#map-list-view")).to_be_visible()
    page.locator("#map-view-toggle").click()
    expect(page.locator("#map-graph-view")).to_be_visible()
    assert page.evaluate("window.bzpeerMap.nodes().length") > 8


def test_without_javascript_the_list_is_the_page(browser, live_server, mapped):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/papers/{CENTRE}/map/")
        listed = page.locator("#map-list-view").get_by_text("Detector calibration for plasma")
        expect(listed).to_be_visible()
        expect(page.locator("#map-graph-view")).to_be_hidden()
        expect(page.locator("#map-view-toggle")).to_be_hidden()
        page.get_by_role("checkbox", name="People", exact=True).uncheck()
        page.get_by_role("button", name="Apply filters").click()
        expect(page.locator('#map-list-view [data-kind="author"]').first).to_be_hidden()
        expect(page.locator('#map-list-view [data-kind="paper"]').first).to_be_visible()
    finally:
        context.close()


def test_phone_stacks_graph_above_panel_and_taps_work(phone, live_server, mapped, screenshot):
    page = phone
    _open(page, live_server)
    canvas = page.locator("#map-canvas").bounding_box()
    panel = page.locator("#map-details").bounding_box()
    assert canvas["width"] <= 390 and panel["y"] >= canvas["y"] + canvas["height"]
    # Nothing widens the page past the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("#map-canvas").scroll_into_view_if_needed()
    position = page.evaluate(
        """() => {
            const node = window.bzpeerMap.nodes('[?centre]');
            const box = document.getElementById("map-canvas").getBoundingClientRect();
            const p = node.renderedPosition();
            return {x: box.left + p.x, y: box.top + p.y};
        }"""
    )
    page.touchscreen.tap(position["x"], position["y"])
    expect(page.locator("#map-details h3")).to_have_text("Tokamak plasma turbulence")
    screenshot(page, "map-phone")
