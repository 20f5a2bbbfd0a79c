"""The paper page and the home page in a real browser: authors, math, phones, vendoring."""

import pytest

from tests.browser.conftest import BIG_AUTHORS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def detail_url(live_server, arxiv_id: str) -> str:
    return f"{live_server.url}/papers/{arxiv_id}/"


def test_author_list_collapses_after_ten_and_expands_in_place(
    live_server, papers, desktop, screenshot
):
    url = detail_url(live_server, papers["big"])
    desktop.goto(url)

    assert desktop.locator("h1").inner_text() == "A Roadmap for Big Model"
    authors = desktop.locator("#paper-authors .author")
    visible = [name for name in authors.all_inner_texts() if name]
    assert visible[:10] == BIG_AUTHORS[:10]
    for name in BIG_AUTHORS[:10]:
        assert desktop.get_by_text(name, exact=True).is_visible()

    more = desktop.locator("#paper-authors details")
    summary = more.locator("summary")
    assert summary.inner_text().strip() == "and 15 more"
    assert more.get_attribute("open") is None
    for name in BIG_AUTHORS[10:]:
        assert not desktop.get_by_text(name, exact=True).is_visible()
    screenshot(desktop, "detail-desktop")

    summary.click()

    assert more.get_attribute("open") is not None
    for name in BIG_AUTHORS[10:]:
        assert desktop.get_by_text(name, exact=True).is_visible()
    assert desktop.url == url
    screenshot(desktop, "detail-desktop-authors-open")


def test_author_list_expands_without_javascript(browser, live_server, papers):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(detail_url(live_server, papers["big"]))
        last = page.get_by_text(BIG_AUTHORS[-1], exact=True)
        assert not last.is_visible()
        page.locator("#paper-authors summary").click()
        assert last.is_visible()
    finally:
        context.close()


def test_author_list_expands_from_the_keyboard(live_server, papers, desktop):
    desktop.goto(detail_url(live_server, papers["big"]))
    summary = desktop.locator("#paper-authors summary")
    # Past the header (its links and search box) and the ten author links before it.
    for _ in range(30):
        desktop.keyboard.press("Tab")
        if summary.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("the 'and 15 more' toggle is not reachable with the Tab key")

    desktop.keyboard.press("Enter")

    assert desktop.get_by_text(BIG_AUTHORS[-1], exact=True).is_visible()


def test_katex_renders_the_abstract_math(live_server, papers, desktop):
    desktop.goto(detail_url(live_server, papers["big"]))

    abstract = desktop.locator(".paper-abstract")
    abstract.locator(".katex").first.wait_for()
    assert abstract.locator(".katex").count() == 2
    assert "$E=mc^2$" not in abstract.inner_text()
    # KaTeX's own fonts were loaded (from the vendored copy: see the no-outside-request test).
    loaded = desktop.evaluate(
        """async () => {
            await document.fonts.ready;
            return [...document.fonts].filter((f) => f.status === "loaded").map((f) => f.family);
        }"""
    )
    assert any("KaTeX_Main" in family for family in loaded)


def test_phone_layout_has_no_horizontal_scroll(live_server, papers, phone, screenshot):
    phone.goto(detail_url(live_server, papers["big"]))
    phone.locator(".paper-abstract .katex").first.wait_for()
    phone.locator("#paper-authors summary").click()

    width = phone.viewport_size["width"]
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= width
    counts = phone.locator(".counts")
    assert counts.is_visible()
    for text in ("0 citations", "0 reviews", "0 saves", "No dataset", "3 institutions"):
        assert counts.get_by_text(text).is_visible()
    # The code link was lifted from the arXiv comment.
    assert counts.get_by_role("link", name="Code").is_visible()
    screenshot(phone, "detail-phone")

    phone.goto(detail_url(live_server, papers["small"]))
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= width
    screenshot(phone, "withdrawn-phone")

    phone.goto(f"{live_server.url}/")
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= width
    screenshot(phone, "home-phone")


def test_withdrawn_paper_says_so_and_offers_no_pdf(live_server, papers, desktop, screenshot):
    desktop.goto(detail_url(live_server, papers["small"]))

    notice = desktop.locator(".notice--withdrawn")
    assert notice.is_visible()
    assert notice.inner_text().startswith("Withdrawn")
    assert desktop.locator(".counts").get_by_text("No code").is_visible()
    assert desktop.get_by_text("No PDF (withdrawn)", exact=True).is_visible()
    assert desktop.get_by_role("link", name="PDF", exact=True).count() == 0
    screenshot(desktop, "withdrawn-desktop")


def test_home_lists_papers_that_open_their_pages(live_server, papers, desktop, screenshot):
    desktop.goto(f"{live_server.url}/")
    screenshot(desktop, "home-desktop")

    # The latest papers (Trending and per-topic lists above link the same papers again).
    latest = desktop.locator("#paper-list")
    cards = latest.locator(".paper-card")
    assert cards.count() == 2
    link = latest.get_by_role("link", name="A Roadmap for Big Model")
    assert link.get_attribute("href") == f"/papers/{papers['big']}/"
    assert latest.get_by_role("link", name="Sparse Attention Without Tears:").is_visible()

    link.click()
    desktop.wait_for_url(detail_url(live_server, papers["big"]))
    assert desktop.locator("h1").inner_text() == "A Roadmap for Big Model"


def test_pages_make_no_request_outside_the_site(live_server, papers, desktop):
    requested: list[str] = []
    desktop.on("request", lambda request: requested.append(request.url))

    for path in ("/", f"/papers/{papers['small']}/", f"/papers/{papers['big']}/"):
        response = desktop.goto(f"{live_server.url}{path}", wait_until="networkidle")
        assert response.status == 200
    desktop.locator(".paper-abstract .katex").first.wait_for(state="attached")

    assert requested
    outside = [url for url in requested if not url.startswith(f"{live_server.url}/")]
    assert outside == []
    # The vendored scripts, stylesheet and fonts were among them, under hashed names.
    static = [url for url in requested if "/static/" in url]
    assert any("/static/vendor/htmx/htmx.min." in url for url in static)
    assert any("/static/vendor/katex/katex.min." in url for url in static)
    assert any("/static/vendor/katex/fonts/" in url for url in static)


def test_static_files_are_served_and_load_without_errors(live_server, papers, desktop):
    failures: list[str] = []
    errors: list[str] = []
    desktop.on("response", lambda r: r.status >= 400 and failures.append(f"{r.status} {r.url}"))
    desktop.on("pageerror", lambda exc: errors.append(str(exc)))
    desktop.on("console", lambda m: m.type == "error" and errors.append(m.text))

    desktop.goto(detail_url(live_server, papers["big"]), wait_until="networkidle")

    assert failures == []
    assert errors == []
    assert desktop.evaluate("typeof htmx") == "object"
    assert desktop.evaluate("typeof katex") == "object"
