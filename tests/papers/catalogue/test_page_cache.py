"""Anonymous paper pages come from the cache, and any change to the paper shows at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from papers.catalogue.page_cache import cached_page, paper_pages_invalidate
from papers.ingest.upsert import paper_upsert
from papers.models import Author, Paper
from tests.support.factories import make_paper, paper_record

pytestmark = pytest.mark.django_db(transaction=True)


def _get(client, paper) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(paper.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_second_anonymous_view_runs_no_query(client):
    paper = make_paper(title="Cached once")
    _, first = _get(client, paper)
    html, second = _get(client, paper)
    assert first > 0
    assert second == 0
    assert "Cached once" in html


def test_newer_version_shows_at_once(client):
    paper = make_paper(arxiv_id="2402.00001", title="First title")
    _get(client, paper)
    paper_upsert(record=paper_record(arxiv_id="2402.00001", version=2, title="Second title"))
    html, queries = _get(client, paper)
    assert "Second title" in html and "First title" not in html
    assert queries > 0


def test_admin_style_edits_show_at_once(client):
    paper = make_paper(authors=["Alice Smith"])
    _get(client, paper)
    stored = Paper.objects.get(pk=paper.pk)
    stored.code_url = "https://github.com/example/code"
    stored.save()
    assert "https://github.com/example/code" in _get(client, paper)[0]
    author = Author.objects.get(name="Alice Smith")
    author.name = "Alice B. Smith"
    author.save()
    assert "Alice B. Smith" in _get(client, paper)[0]


def test_signed_in_users_are_not_served_the_shared_page(client, django_user_model):
    paper = make_paper()
    _get(client, paper)
    client.force_login(django_user_model.objects.create_user("curator", password="x" * 12))
    _, queries = _get(client, paper)
    assert queries > 0


def test_cached_page_carries_no_csrf_token(client):
    paper = make_paper()
    html, _ = _get(client, paper)
    assert "csrfmiddlewaretoken" not in html and "X-CSRFToken" not in html


def test_a_render_that_raced_with_a_change_is_never_served():
    def render_while_the_paper_changes() -> str:
        # The change commits (and replaces the token) while this render is in flight.
        paper_pages_invalidate(["2401.99999"])
        return "stale"

    assert cached_page("2401.99999", "anonymous", render_while_the_paper_changes) == b"stale"
    assert cached_page("2401.99999", "anonymous", lambda: "fresh") == b"fresh"
    assert cached_page("2401.99999", "anonymous", lambda: "not rendered again") == b"fresh"


def test_redis_cache_reuses_one_client_per_pool():
    from django.core.cache import cache

    client = cache._cache.get_client("a")
    assert cache._cache.get_client("b") is client
    cache.set("reuse-check", 1)
    assert cache.get("reuse-check") == 1


def test_a_change_seen_by_one_process_reaches_the_memory_of_another(client):
    paper = make_paper(title="Old words")
    _get(client, paper)
    # Another process changes the paper: only the shared token tells this one.
    Paper.objects.filter(pk=paper.pk).update(title="New words")
    paper_pages_invalidate([paper.arxiv_id])
    html, queries = _get(client, paper)
    assert "New words" in html and queries > 0


def test_renderings_kept_in_memory_are_bounded_by_their_size():
    from papers.catalogue.page_cache import _LocalPages

    kept = _LocalPages(max_bytes=1000)
    for i in range(5):
        kept.put(f"page-{i}", "token", f"html {i}", 400)
    # The oldest went first; what is kept fits the budget.
    assert [kept.get(f"page-{i}", "token") for i in range(5)] == [
        None,
        None,
        None,
        "html 3",
        "html 4",
    ]
    kept.put("page-3", "token", "html 3 again", 400)  # replacing one counts it once
    assert kept.get("page-4", "token") == "html 4"
    # One rendering larger than the budget is still kept, alone.
    kept.put("large", "token", "large html", 5000)
    assert kept.get("large", "token") == "large html" and kept.get("page-4", "token") is None
