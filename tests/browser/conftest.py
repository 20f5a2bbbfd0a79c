"""Browser tests: Playwright driving Debian's Chromium against a live BZPEER server.

Static files are served the way production serves them: the manifest storage built by
``collectstatic`` and whitenoise inside the application, not Django's test static handler.
The manifest is rebuilt first when any file under static/ is newer than it.

Set BZPEER_SCREENSHOTS to a directory to save full-page screenshots of what the tests see.
"""

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command

from tests.browser.csp import CspCollector

CHROMIUM = os.environ.get("BZPEER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# Screenshots are written only when this names a directory (they are for people to look at).
SCREENSHOT_DIR = os.environ.get("BZPEER_SCREENSHOTS", "")


# --- Data: a real arXiv API response, built here, stored through the real parser and upsert --


def atom_entry(
    *,
    arxiv_id: str,
    version: int,
    title: str,
    abstract: str,
    authors: list[tuple[str, tuple[str, ...]]],
    categories: tuple[str, ...],
    published: datetime,
    updated: datetime,
    comment: str = "",
    doi: str = "",
    journal_ref: str = "",
) -> str:
    def stamp(value: datetime) -> str:
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")

    author_xml = "".join(
        "<author><name>{}</name>{}</author>".format(
            escape(name),
            "".join(f"<arxiv:affiliation>{escape(a)}</arxiv:affiliation>" for a in affiliations),
        )
        for name, affiliations in authors
    )
    category_xml = "".join(
        f'<category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in categories
    )
    optional = ""
    if comment:
        optional += f"<arxiv:comment>{escape(comment)}</arxiv:comment>"
    if doi:
        optional += f"<arxiv:doi>{escape(doi)}</arxiv:doi>"
    if journal_ref:
        optional += f"<arxiv:journal_ref>{escape(journal_ref)}</arxiv:journal_ref>"
    return f"""
  <entry>
    <id>https://arxiv.org/abs/{arxiv_id}v{version}</id>
    <title>{escape(title)}</title>
    <updated>{stamp(updated)}</updated>
    <link href="https://arxiv.org/abs/{arxiv_id}v{version}" rel="alternate" type="text/html"/>
    <link href="https://arxiv.org/pdf/{arxiv_id}v{version}" rel="related"
          type="application/pdf" title="pdf"/>
    <summary>{escape(abstract)}</summary>
    {category_xml}
    <published>{stamp(published)}</published>
    {optional}
    <arxiv:primary_category term="{categories[0]}"/>
    {author_xml}
  </entry>"""


def atom_feed(entries: list[str]) -> bytes:
    """An arXiv API response in the current format (all namespaces declared on ``feed``)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"
      xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"
      xmlns:arxiv="http://arxiv.org/schemas/atom">
  <id>https://arxiv.org/api/bzpeer-browser-tests</id>
  <title>arXiv Query: bzpeer browser tests</title>
  <updated>2024-06-01T00:00:00Z</updated>
  <link href="https://arxiv.org/api/query" type="application/atom+xml"/>
  <opensearch:itemsPerPage>{len(entries)}</opensearch:itemsPerPage>
  <opensearch:totalResults>{len(entries)}</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>{"".join(entries)}
</feed>
""".encode()


BIG_ID = "2203.14101"
SMALL_ID = "2401.00042"
BIG_AUTHORS = [f"Author{n:02d} Surname{n:02d}" for n in range(1, 26)]


def demo_feed() -> bytes:
    """Two papers: one with 25 authors and LaTeX in its abstract, one withdrawn with three."""
    affiliations = {
        0: ("Beijing Academy of Artificial Intelligence",),
        1: ("Tsinghua University",),
        4: ("Renmin University of China", "Tsinghua University"),
    }
    big = atom_entry(
        arxiv_id=BIG_ID,
        version=1,
        title="A Roadmap for Big Model",
        abstract=(
            "With the rapid development of deep learning, training Big Models (BMs) for "
            "multiple downstream tasks becomes a popular paradigm. We relate the energy of "
            "a training run to its mass by $E=mc^2$ and bound the loss by "
            "$\\mathcal{L}(\\theta) \\le \\sum_{i=1}^{n} \\ell_i$. We introduce 16 specific "
            "BM-related topics, they are Data, Knowledge, Computing System, Parallel Training "
            "System, Language Model, Vision Model, Multi-modal Model, Theory&Interpretability "
            "and Protein Research."
        ),
        authors=[(name, affiliations.get(i, ())) for i, name in enumerate(BIG_AUTHORS)],
        categories=("cs.LG", "cs.AI", "cs.CL"),
        published=datetime(2022, 3, 26, 9, 15, tzinfo=UTC),
        updated=datetime(2022, 3, 26, 9, 15, tzinfo=UTC),
        comment=(
            "200 pages; code at https://github.com/bzpeer-example/"
            "an-extremely-long-repository-name-that-does-not-wrap-by-itself-at-all"
        ),
    )
    small = atom_entry(
        arxiv_id=SMALL_ID,
        version=2,
        # One long unbroken word, to prove that titles cannot widen a phone's page.
        title="Sparse Attention Without Tears: FlashRotaryBlockSparseMultiQueryAttentionKernels",
        abstract="We revisit sparse attention. Withdrawn by the authors.",
        authors=[("Ada Lovelace", ()), ("Alan Turing", ()), ("Grace Hopper", ())],
        categories=("cs.CL",),
        published=datetime(2024, 1, 10, 8, 0, tzinfo=UTC),
        updated=datetime(2024, 2, 1, 8, 0, tzinfo=UTC),
        comment="This paper has been withdrawn by the authors due to an error in Table 2.",
        doi="10.48550/arXiv.2401.00042.an-unusually-long-doi-suffix-without-any-spaces-in-it",
        journal_ref="Proceedings of the Workshop on Efficient Attention (2024) 1-12",
    )
    return atom_feed([big, small])


@pytest.fixture
def papers(transactional_db):
    from papers.ingest.imports import import_feed_bytes

    summary = import_feed_bytes(demo_feed())
    assert summary.created == 2
    return {"big": BIG_ID, "small": SMALL_ID}


# --- Static files -----------------------------------------------------------------------------


def _manifest_is_current() -> bool:
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return False
    built = manifest.stat().st_mtime
    for directory in settings.STATICFILES_DIRS:
        for path in Path(directory).rglob("*"):
            if path.is_file() and path.stat().st_mtime > built:
                return False
    return True


@pytest.fixture(scope="session")
def _collected_static() -> None:
    """The pages link hashed static names: build the manifest when it is missing or stale."""
    if getattr(staticfiles_storage, "manifest_name", None) and not _manifest_is_current():
        call_command("collectstatic", interactive=False, verbosity=0)
        # Templates resolve names through this process's storage: make it read the new manifest.
        staticfiles_storage.hashed_files, staticfiles_storage.manifest_hash = (
            staticfiles_storage.load_manifest()
        )


@pytest.fixture(scope="session")
def live_server(request, _collected_static):
    """pytest-django's live server, minus Django's finder-based static handler.

    That handler answers every /static/ URL itself and knows no hashed names, so the
    application (with whitenoise in it) must see those requests, as it does in production.
    """
    from pytest_django.live_server_helper import LiveServer

    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(addr, start=False)
    server.thread.static_handler = lambda application: application
    server.start()
    yield server
    server.stop()


# --- Browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's browser (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    # While Playwright's sync API runs, its event loop counts as running in the main thread,
    # and Django would refuse the ORM calls the tests make there.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# Every test's page is watched for what the Content-Security-Policy refuses: a refusal is a
# broken page (a script that did not run, a style not applied), so the test errors with it.


@pytest.fixture
def desktop(browser) -> Iterator:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    csp = CspCollector(page)
    yield page
    try:
        csp.assert_clean()
    finally:
        context.close()


@pytest.fixture
def phone(browser) -> Iterator:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    csp = CspCollector(page)
    yield page
    try:
        csp.assert_clean()
    finally:
        context.close()


@pytest.fixture
def screenshot():
    """Save a full-page screenshot under $BZPEER_SCREENSHOTS, when that is set."""

    def take(page, name: str) -> None:
        if SCREENSHOT_DIR:
            Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(SCREENSHOT_DIR) / f"{name}.png"), full_page=True)

    return take
