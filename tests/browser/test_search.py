"""Search in a real browser: results follow the typing and the filters without reloading
the page, the address follows the results, and an arXiv id typed in opens the paper."""

import re

import pytest
from playwright.sync_api import expect

from papers.models import Paper
from tests.support.factories import make_paper

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def corpus(transactional_db):
    with_code = make_paper(
        arxiv_id="2402.01001",
        title="Sparse attention for long documents",
        authors=["Iz Beltagy", "Matthew Peters"],
    )
    Paper.objects.filter(pk=with_code.pk).update(code_url="https://github.com/allenai/longformer")
    make_paper(arxiv_id="2402.01002", title="Sparse coding in the visual cortex")
    make_paper(arxiv_id="2402.01003", title="Dense retrieval at scale")


def _titles(page) -> set[str]:
    return {t.strip() for t in page.locator("#search-results .paper-card__title").all_inner_texts()}


def test_results_follow_the_typing_and_the_filters(desktop, live_server, corpus, screenshot):
    page = desktop
    page.goto(f"{live_server.url}/search/")
    expect(page.get_by_text("Type to search, or pick a filter to browse.")).to_be_visible()
    # Survives only while the page is not reloaded.
    page.evaluate("window.stillTheSamePage = true")
    count = page.locator(".search-results__count")

    page.locator("#id_q").press_sequentially("sparse", delay=40)

    expect(count).to_have_text("2 papers for “sparse”")
    assert _titles(page) == {
        "Sparse attention for long documents",
        "Sparse coding in the visual cortex",
    }
    expect(page).to_have_url(re.compile(r"/search/\?.*q=sparse"))

    page.get_by_label("Has code").check()

    expect(count).to_have_text("1 paper for “sparse”")
    assert _titles(page) == {"Sparse attention for long documents"}
    expect(page).to_have_url(re.compile(r"has_code=1"))
    assert page.evaluate("window.stillTheSamePage") is True
    screenshot(page, "search-filtered")

    page.locator("#id_q").fill("2402.01003")

    expect(page).to_have_url(re.compile(r"/papers/2402\.01003/$"))
    expect(page.locator("h1")).to_have_text("Dense retrieval at scale")
