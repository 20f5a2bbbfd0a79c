"""Every page a visitor meets works under the Content-Security-Policy, with nothing refused.

Every browser test's page is watched for refusals (conftest.py); these tests visit each kind
of page, anonymous, signed in and in the admin, and also fail on any script error. The last
tests make sure the watching does see a refusal when there is one.
"""

import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import expect

from accounts.notifications.tasks import notify_reply
from papers.curation.collections import collection_create
from papers.curation.saves import paper_save
from papers.models import Author, Citation, Institution, Paper
from papers.researchmap.neighbours import neighbours_recompute_all
from reviews.discussion.services import comment_create
from reviews.reviews.services import ReviewText, review_create
from tests.browser.conftest import BIG_ID, DESKTOP
from tests.browser.csp import CspCollector
from tests.support.factories import make_paper

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "csp-checks-every-page-1"


class Visitor(CspCollector):
    """A page that checks each address it opens: answered, with the policy, nothing refused."""

    def __init__(self, page):
        super().__init__(page, script_errors=True)

    def visit(self, url: str, *, status: int = 200) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == status, f"{url}: {response}"
        assert "script-src 'self'" in response.headers.get("content-security-policy", ""), url
        self.page.wait_for_load_state("networkidle")
        self.harvest()


@pytest.fixture
def watched(browser) -> Iterator:
    """A desktop page of its own (not conftest's), free to meet refusals on purpose."""
    context = browser.new_context(viewport=DESKTOP)
    yield Visitor(context.new_page())
    context.close()


@pytest.fixture
def site(transactional_db, papers):
    """The demo papers, plus what makes every block of a paper page appear: a review and a
    comment with math, a neighbour for the research map, a public collection, a reply that
    notifies the commenter, and a staff member for the admin."""
    User = get_user_model()
    curator = User.objects.create_user("curator", password=PASSWORD)
    other = User.objects.create_user("other", password=PASSWORD)
    paper = Paper.objects.get(arxiv_id=BIG_ID)
    review_create(
        author=other,
        paper=paper,
        text=ReviewText(
            "skim",
            3,
            claims="Scaling laws for $N$ parameters.",
            strengths="The bound $\\sum_i \\ell_i \\le n$ is tight.",
            concerns=["No error bars on $E = mc^2$."],
        ),
    )
    question = comment_create(author=curator, paper=paper, body="Is $x^2 \\ge 0$ used?")
    reply = comment_create(author=other, paper=paper, body="Yes, see $\\S 3$.", parent=question)
    notify_reply(reply.pk)
    # A paper sharing authors and a citing paper: the map slice and explorer have neighbours.
    make_paper(
        arxiv_id="2301.00001",
        authors=["Author01 Surname01", "Author02 Surname02", "Someone Else"],
        categories=("cs.LG",),
        title="Big models revisited",
    )
    citing = make_paper(arxiv_id="2401.00777", authors=["Citing Person"], title="Citing it")
    Citation.objects.create(citing=citing, cited=paper)
    neighbours_recompute_all()
    collection = collection_create(
        owner=curator, name="Reading list", description="Models, $O(n)$.", is_public=True
    )
    paper_save(user=curator, paper=paper, collection=collection, note="Read $\\S 2$ first.")
    User.objects.create_superuser("admin", "admin@example.org", PASSWORD)
    return {
        "paper": paper,
        "collection": collection,
        "author": Author.objects.filter(name="Author01 Surname01").get(),
        "institution": Institution.objects.order_by("pk").first(),
    }


def _pages(site) -> list[str]:
    """Every page a visitor, signed in or not, can open."""
    paper = site["paper"]
    return [
        "/",
        f"/papers/{paper.arxiv_id}/",
        f"/papers/{paper.arxiv_id}/map/",
        "/search/?q=model",
        "/topics/cs.LG/",
        f"/authors/{site['author'].pk}/",
        f"/institutions/{site['institution'].pk}/",
        "/collections/",
        f"/collections/{site['collection'].pk}/",
        "/accounts/profile/curator/",
        "/api/docs/",
    ]


def _sign_in(page, live_server, username: str) -> None:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def _check_paper_page(page) -> None:
    """Math rendered by KaTeX in the abstract, a review and a comment; the map slice drawn."""
    expect(page.locator(".abstract .katex, [class*=abstract] .katex").first).to_be_visible()
    expect(page.locator("article.review .katex").first).to_be_attached()
    expect(page.locator("#discussion .katex").first).to_be_attached()
    block = page.locator("#research-map")
    block.scroll_into_view_if_needed()
    expect(block.locator(".map-neighbour").first).to_be_visible()


def test_anonymous_pages_have_no_csp_violations(watched, live_server, site):
    collector = watched
    page = collector.page
    for path in [*_pages(site), "/accounts/login/", "/accounts/signup/"]:
        collector.visit(live_server.url + path)
        if path.startswith("/papers/") and path.count("/") == 3:
            _check_paper_page(page)
            collector.harvest()
        if path.endswith("/map/"):
            expect(page.locator("#map-explorer")).to_have_attribute("data-map-state", "ready")
            box = page.locator("#map-canvas canvas").first.bounding_box()
            assert box["width"] > 300 and box["height"] > 200
        if path == "/api/docs/":
            expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
        elif path.startswith("/collections/") and path != "/collections/":
            # The page's own htmx settings are merged into base.html's, not lost.
            config = page.evaluate(
                "[htmx.config.allowEval, htmx.config.includeIndicatorStyles,"
                " htmx.config.responseHandling.length]"
            )
            assert config == [False, False, 4]
    collector.assert_clean()


def test_signed_in_pages_have_no_csp_violations(watched, live_server, site):
    collector = watched
    page = collector.page
    _sign_in(page, live_server, "curator")
    paper_url = f"{live_server.url}/papers/{site['paper'].arxiv_id}/"
    collection = site["collection"].pk
    for path in [
        *_pages(site),
        "/accounts/profile/edit/",
        "/accounts/notifications/",
        "/papers/add/",
        "/collections/new/",
        f"/collections/{collection}/edit/",
        f"/collections/{collection}/delete/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/logout/",
    ]:
        collector.visit(live_server.url + path)
        expect(page.get_by_role("link", name="Log in")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Notifications 1 unread"))).to_be_visible()
    collector.visit(f"{live_server.url}/papers/2401.99999/", status=404)

    # HTMX swaps work: a vote changes the count in place, with no reload.
    collector.visit(paper_url)
    _check_paper_page(page)
    page.evaluate("window.bzpeerNoReload = true")
    block = page.locator("#next-steps")
    block.get_by_role("button", name="Like", exact=True).click()
    expect(block.locator('[data-count="likes"]')).to_have_text("1")
    expect(block.get_by_role("button", name="Like", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    # The review form opens in place, and a comment posted in place has its math rendered.
    page.locator("#reviews").get_by_role("link", name="Open review form").click()
    expect(page.locator("#review-form")).to_be_visible()
    form = page.locator("#comment-form-new")
    form.get_by_label("Your comment").fill("Does $\\alpha < 1$ hold here?")
    form.get_by_role("button", name=re.compile("Post")).click()
    posted = page.locator("#discussion li.comment, #discussion article", has_text="hold here")
    expect(posted.locator(".katex").first).to_be_visible()
    assert page.evaluate("window.bzpeerNoReload") is True
    collector.assert_clean()


def test_admin_pages_have_no_csp_violations(watched, live_server, site):
    collector = watched
    page = collector.page
    collector.visit(f"{live_server.url}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#logout-form")).to_be_attached()
    collector.harvest()
    paper = site["paper"]
    for path in [
        "/admin/",
        "/admin/papers/paper/",
        f"/admin/papers/paper/{paper.pk}/change/",
        "/admin/papers/collection/",
        f"/admin/papers/collection/{site['collection'].pk}/change/",
        "/admin/reviews/comment/",
        "/admin/accounts/user/",
    ]:
        collector.visit(live_server.url + path)
    # The change form's scripts ran: the autocomplete widgets were set up.
    collector.visit(f"{live_server.url}/admin/papers/paper/{paper.pk}/change/")
    expect(page.locator(".select2-container").first).to_be_attached()
    # An action with a page of its own (BZPEER's template): merging two authors.
    collector.visit(f"{live_server.url}/admin/papers/author/?q=Surname0")
    page.locator("#result_list input.action-select").nth(0).check()
    page.locator("#result_list input.action-select").nth(1).check()
    page.locator("select[name=action]").select_option(label="Merge selected authors…")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("form input[name=action][value=merge_authors]")).to_be_attached()
    page.wait_for_load_state("networkidle")
    collector.assert_clean()


# --- The collector sees a refusal when there is one ----------------------------------------


def _inject(route, markup: str) -> None:
    """Answer with the site's real response (its real CSP header), plus ``markup``."""
    response = route.fetch()
    body = response.text().replace("</main>", markup + "</main>")
    route.fulfill(response=response, body=body)


def test_an_inline_script_and_style_on_a_real_page_are_refused_and_reported(
    watched, live_server, site
):
    collector = watched
    page = collector.page
    page.route(
        re.compile(r".*/search/\?q=injected$"),
        lambda route: _inject(
            route,
            '<script>window.bzpeerInjected = true</script><p style="color: red">x</p>'
            '<a id="bzpeer-js-link" href="javascript:window.bzpeerInjected = true">x</a>',
        ),
    )
    collector.visit(f"{live_server.url}/search/?q=injected")
    page.locator("#bzpeer-js-link").click()
    page.wait_for_timeout(200)
    collector.harvest()

    assert page.evaluate("window.bzpeerInjected") is None
    assert any("script-src-elem refused inline" in p for p in collector.problems), collector
    assert any("style-src-attr refused inline" in p for p in collector.problems)
    with pytest.raises(AssertionError, match="Refused under the CSP"):
        collector.assert_clean()


def test_eval_is_refused_and_reported_and_htmx_does_not_use_it(watched, live_server, site):
    collector = watched
    page = collector.page
    # A script of the site's own origin that calls eval: allowed to load, refused to eval.
    page.route(
        re.compile(r".*/static/js/eval-probe\.js$"),
        lambda route: route.fulfill(
            content_type="text/javascript",
            body="try { window.bzpeerEvaluated = eval('1 + 1') }"
            " catch (error) { window.bzpeerEvaluated = error.name }",
        ),
    )
    page.route(
        re.compile(r".*/search/\?q=eval$"),
        lambda route: _inject(route, '<script src="/static/js/eval-probe.js"></script>'),
    )
    collector.visit(f"{live_server.url}/search/?q=eval")
    assert page.evaluate("[htmx.config.allowEval, htmx.config.includeIndicatorStyles]") == [
        False,
        False,
    ]
    assert page.evaluate("window.bzpeerEvaluated") == "EvalError"
    collector.harvest()
    assert any("script-src refused eval" in p for p in collector.problems), collector.problems
