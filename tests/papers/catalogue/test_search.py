"""Search: relevance on a small corpus, filters and sorts, the page, the id shortcut."""

import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from papers.catalogue.search import (
    SearchForm,
    SearchParams,
    paper_search,
    search_arxiv_id,
    search_page_papers,
)
from papers.curation.votes import vote_toggle
from papers.models import Paper, Vote
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

SEARCH = "/search/"
HTMX = {"HX-Request": "true"}


def _ids(params: SearchParams) -> list[str]:
    return [p.arxiv_id for p in search_page_papers(paper_search(params))]


def _search(q: str = "", **fields) -> list[str]:
    return _ids(SearchParams(q=q, **fields))


@pytest.fixture
def corpus() -> dict[str, Paper]:
    """Six papers whose words sit in different places: title, authors, abstract."""
    return {
        "exact": make_paper(
            arxiv_id="1706.03762",
            title="Attention Is All You Need",
            authors=["Ashish Vaswani", "Noam Shazeer"],
            abstract="A network architecture based solely on attention mechanisms.",
            published=datetime(2017, 6, 12, tzinfo=UTC),
        ),
        # More of the query's words, more often, but not the title someone typed.
        "wordy": make_paper(
            arxiv_id="2101.00001",
            title="Attention Needs: All the Attention You Need for Attention Networks",
            authors=["Pat Wordy"],
            abstract="Attention attention need need need attention.",
            published=datetime(2021, 1, 4, tzinfo=UTC),
        ),
        "capsules": make_paper(
            arxiv_id="1710.09829",
            title="Dynamic Routing Between Capsules",
            authors=["Sara Sabour", "Nicholas Frosst", "Geoffrey Hinton"],
            abstract="A capsule is a group of neurons whose activity vector represents an entity.",
            published=datetime(2017, 10, 26, tzinfo=UTC),
            categories=("cs.CV",),
        ),
        "mentions": make_paper(
            arxiv_id="1901.00002",
            title="A History of Neural Networks",
            authors=["Clio Historian"],
            abstract="We retrace the work of Hinton and others on backpropagation.",
            published=datetime(2019, 1, 2, tzinfo=UTC),
        ),
        "models": make_paper(
            arxiv_id="2203.14101",
            title="A Roadmap for Big Model",
            authors=["Sha Yuan"],
            abstract="Big models are learned from data at a large scale.",
            published=datetime(2022, 3, 26, tzinfo=UTC),
        ),
        "transformer_abstract": make_paper(
            arxiv_id="2301.00003",
            title="Scaling Laws for Language",
            authors=["Ada Scale"],
            abstract="We train a transformer at many sizes.",
            published=datetime(2023, 1, 2, tzinfo=UTC),
        ),
    }


# --- relevance ---------------------------------------------------------------------------


def test_exact_title_match_comes_first(corpus):
    found = _search("Attention Is All You Need")
    assert found[0] == "1706.03762"
    assert "2101.00001" in found


def test_exact_title_match_ignores_case_and_spacing(corpus):
    assert _search("attention  is all\nyou NEED")[0] == "1706.03762"


def test_author_match_is_found(corpus):
    assert _search("Geoffrey Hinton")[0] == "1710.09829"
    assert _search("Vaswani") == ["1706.03762"]


def test_author_name_ranks_above_abstract_mention(corpus):
    assert _search("Hinton") == ["1710.09829", "1901.00002"]


def test_title_ranks_above_abstract():
    in_abstract = make_paper(title="Scaling Laws", abstract="A transformer at many sizes.")
    in_title = make_paper(title="The Transformer Revisited", abstract="Nothing else here.")
    assert _search("transformer") == [in_title.arxiv_id, in_abstract.arxiv_id]


def test_words_may_sit_in_title_and_authors_at_once(corpus):
    assert _search("hinton capsules") == ["1710.09829"]
    assert _search("hinton attention") == []


def test_stemming_matches_other_word_forms(corpus):
    # Title says "Model", abstract "models" and "learned".
    assert _search("models") == ["2203.14101"]
    assert _search("learning big models") == ["2203.14101"]
    assert _search("learns modeling roadmaps") == ["2203.14101"]
    assert _search("capsule") == ["1710.09829"]  # title says "Capsules"


def test_stop_words_alone_find_nothing(corpus):
    assert _search("the of") == []


def test_unmatched_words_find_nothing(corpus):
    assert _search("quasicrystal") == []


def test_search_syntax_is_not_an_error(corpus):
    # Quotes, minus and OR follow web-search rules; stray brackets are ignored.
    assert _search('"dynamic routing" OR hinton -history ) (') == ["1710.09829"]
    assert _search("hinton -backpropagation") == ["1710.09829"]
    assert _search('"routing dynamic"') == []


# --- filters and sorts -------------------------------------------------------------------


def test_topic_filter(corpus):
    assert _search("", topic="cs.CV") == ["1710.09829"]
    assert _search("hinton", topic="cs.LG") == ["1901.00002"]
    assert _search("hinton", topic="math.GT") == []


def test_year_range_is_inclusive(corpus):
    assert _search("", year_from=2017, year_to=2017) == ["1710.09829", "1706.03762"]
    assert _search("", year_from=2022) == ["2301.00003", "2203.14101"]
    assert _search("attention", year_to=2020) == ["1706.03762"]


def test_has_code_and_has_reviews(corpus):
    Paper.objects.filter(arxiv_id="1706.03762").update(code_url="https://github.com/x/y")
    Paper.objects.filter(arxiv_id="2101.00001").update(review_count=2)
    assert _search("attention", has_code=True) == ["1706.03762"]
    assert _search("attention", has_reviews=True) == ["2101.00001"]
    assert _search("attention", has_code=True, has_reviews=True) == []


def test_sorts(corpus, curator, other_curator):
    for user in (curator, other_curator):
        vote_toggle(user=user, paper=corpus["wordy"], value=Vote.Value.LIKE)
    vote_toggle(user=curator, paper=corpus["mentions"], value=Vote.Value.LIKE)
    Paper.objects.filter(arxiv_id="1706.03762").update(review_count=5)
    Paper.objects.filter(arxiv_id="1710.09829").update(review_count=1)
    assert _search("", sort="newest")[:2] == ["2301.00003", "2203.14101"]
    assert _search("", sort="liked")[:2] == ["2101.00001", "1901.00002"]
    assert _search("", sort="reviewed")[:2] == ["1706.03762", "1710.09829"]
    assert _search("attention", sort="newest") == ["2101.00001", "1706.03762"]
    # Without words, relevance is newest first.
    assert _search("") == _search("", sort="newest")


def test_ranked_rows_carry_their_rank(corpus):
    papers = search_page_papers(paper_search(SearchParams(q="hinton")))
    assert papers[0].rank > papers[1].rank > 0
    assert [a.author.name for a in papers[0].lead_authorships][-1] == "Geoffrey Hinton"


# --- the stored search document follows every change -------------------------------------


def test_admin_edits_of_titles_and_author_names_are_searchable(
    django_capture_on_commit_callbacks,
):
    paper = make_paper(title="Quiet title", authors=["Plain Name"])
    assert _search("quiet") == [paper.arxiv_id]

    with django_capture_on_commit_callbacks(execute=True):
        paper.title = "Tokamak bolometry"
        paper.save()
    assert _search("quiet") == []
    assert _search("bolometry") == [paper.arxiv_id]

    author = paper.authorships.get().author
    with django_capture_on_commit_callbacks(execute=True):
        author.name = "Renamed Person"
        author.save()
    assert _search("renamed") == [paper.arxiv_id]
    assert _search("plain") == []


def test_a_new_version_replaces_the_searched_words():
    paper = make_paper(arxiv_id="2301.00001", title="First wording", version=1)
    make_paper(arxiv_id="2301.00001", title="Second phrasing", version=2)

    assert _search("wording") == []
    assert _search("phrasing") == [paper.arxiv_id]


def test_a_search_reads_the_stored_document_rather_than_building_one(corpus):
    with CaptureQueriesContext(connection) as queries:
        assert _search("hinton")
    ranked = queries.captured_queries[0]["sql"]
    assert '"search_document" @@' in ranked
    assert "to_tsvector" not in ranked
    assert len(queries) == 4  # the ranked rows, their papers, lead authors, topics


# --- parameters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"q": "x" * 201}, "q", "under 200 characters"),
        ({"year_from": "1990"}, "year_from", "arXiv starts in 1991"),
        ({"year_to": "twenty"}, "year_to", "Enter a year"),
        ({"year_from": "2020", "year_to": "2019"}, "year_to", "comes before the start year"),
        ({"sort": "random"}, "sort", "Choose one of: relevance, newest, liked, reviewed."),
        ({"topic": "cs.LG; drop"}, "topic", "is not a topic code"),
        ({"page": "0"}, "page", "Pages start at 1"),
    ],
)
def test_bad_parameters_get_a_clear_message(data, field, message):
    form = SearchForm(data)
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])


def test_clean_parameters():
    form = SearchForm({"q": "  big\n model ", "has_code": "1", "has_reviews": "0"})
    assert form.is_valid(), form.errors
    params = form.params()
    assert (params.q, params.has_code, params.has_reviews, params.sort) == (
        "big model",
        True,
        False,
        "relevance",
    )


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("2203.14101", "2203.14101"),
        ("arXiv:2203.14101v2", "2203.14101"),
        ("https://arxiv.org/abs/hep-th/9901001v1", "hep-th/9901001"),
        ("big model", None),
        ("2203", None),
        ("", None),
    ],
)
def test_arxiv_id_detection(q, expected):
    found = search_arxiv_id(q)
    assert (found.id if found else None) == expected


# --- the page ----------------------------------------------------------------------------


def test_page_shows_ranked_results(client, corpus):
    response = client.get(SEARCH, {"q": "hinton"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dynamic Routing Between Capsules" in html
    assert html.index("Dynamic Routing") < html.index("A History of Neural Networks")
    assert "2 papers for “hinton”" in html
    assert 'class="site-header' in html


def test_htmx_request_gets_only_the_results(client, corpus):
    response = client.get(SEARCH, {"q": "hinton"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="search-results"')
    assert "site-header" not in html
    assert "Dynamic Routing Between Capsules" in html
    assert "HX-Request" in response["Vary"]


def test_input_searches_as_you_type_and_form_works_without_js(client):
    html = client.get(SEARCH).content.decode()
    assert 'hx-trigger="input changed delay:300ms, search"' in html
    assert 'hx-target="#search-results"' in html
    assert 'hx-push-url="true"' in html
    assert 'method="get" action="/search/"' in html
    assert "Type to search" in html


def test_held_arxiv_id_redirects_to_the_paper(client, corpus):
    response = client.get(SEARCH, {"q": "https://arxiv.org/abs/2203.14101v1"})
    assert response.status_code == 302
    assert response["Location"] == "/papers/2203.14101/"


def test_held_arxiv_id_over_htmx_navigates_the_browser(client, corpus):
    response = client.get(SEARCH, {"q": "arXiv:2203.14101"}, headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/papers/2203.14101/"


def test_unknown_arxiv_id_offers_the_import(client, corpus):
    response = client.get(SEARCH, {"q": "2501.00042v2"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "arXiv:2501.00042</strong> is not on BZPEER yet" in html
    assert 'href="/papers/add/?arxiv_id=2501.00042"' in html


def test_bad_parameters_show_the_message(client):
    response = client.get(SEARCH, {"q": "x", "year_from": "2020", "year_to": "2010"})
    assert response.status_code == 400
    assert "The end year comes before the start year." in response.content.decode()
    # htmx swaps only 2xx answers: the message comes back as 200 in the fragment.
    response = client.get(SEARCH, {"q": "x", "sort": "nope"}, headers=HTMX)
    assert response.status_code == 200
    assert "Choose one of" in response.content.decode()


def test_pages_keep_the_query(client):
    for n in range(25):
        make_paper(title=f"Graph networks part {n}")
    html = client.get(SEARCH, {"q": "graph", "has_code": ""}).content.decode()
    assert html.count('<article class="paper-card') == 20
    assert "Page 1 of 2" in html
    assert 'href="?q=graph&amp;has_code=&amp;page=2"' in html
    second = client.get(SEARCH, {"q": "graph", "page": "2"}).content.decode()
    assert second.count('<article class="paper-card') == 5
    # Past the end: the last page, not an error.
    assert "Page 2 of 2" in client.get(SEARCH, {"q": "graph", "page": "9"}).content.decode()
    assert "25 papers" in client.get(SEARCH, {"q": "graph", "page": "9"}).content.decode()


def test_the_number_found_rides_along_the_ranked_rows(client):
    for n in range(23):
        make_paper(title=f"Graph networks part {n}")
    with CaptureQueriesContext(connection) as queries:
        html = client.get(SEARCH, {"q": "graph", "page": "2"}, headers=HTMX).content.decode()
    assert "23 papers" in html and "Page 2 of 2" in html
    assert html.count('<article class="paper-card') == 3
    assert "COUNT(*) OVER ()" in queries[0]["sql"]
    assert not any(q["sql"].startswith("SELECT COUNT(*)") for q in queries)
    # Nothing found: one count, no rows.
    html = client.get(SEARCH, {"q": "nothing matches this"}, headers=HTMX).content.decode()
    assert "No papers match" in html


def test_escapes_the_query(client, corpus):
    html = client.get(SEARCH, {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_anonymous_results_show_nothing_of_any_user(client, corpus, curator):
    vote_toggle(user=curator, paper=corpus["capsules"], value=Vote.Value.LIKE)
    client.force_login(curator)
    signed_in = client.get(SEARCH, {"q": "hinton"}, headers=HTMX).content.decode()
    client.logout()
    anonymous = client.get(SEARCH, {"q": "hinton"}).content.decode()
    assert "curator" not in anonymous
    assert "csrfmiddlewaretoken" not in anonymous and "X-CSRFToken" not in anonymous
    # The results fragment is the same for everyone.
    assert "curator" not in signed_in
    assert "1 like" in anonymous


# --- bounded queries ---------------------------------------------------------------------

# the page of ranked rows with the number found, the page's papers, their lead authors, topics
RESULT_PAGE_QUERIES = 4
# ... when every card of the page is kept (papers/templatetags/paper_cards.py): the ranked
# rows only.
KEPT_CARDS_PAGE_QUERIES = 1


@pytest.mark.parametrize("authors", [3, 40])
def test_results_page_costs_a_fixed_number_of_queries(client, authors):
    for n in range(22):
        make_paper(title=f"Sparse attention study {n}", authors=authors)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SEARCH, {"q": "sparse attention"}, headers=HTMX)
    assert response.content.decode().count('<article class="paper-card') == 20
    assert len(queries) == RESULT_PAGE_QUERIES


def test_a_search_whose_cards_are_kept_reads_only_the_ranking(client, curator):
    """Another query finding papers whose cards were shown before: ranked afresh, the cards
    from memory, the papers not loaded; a card of a changed paper is rendered again."""
    papers = [make_paper(title=f"Sparse attention study {n}", authors=5) for n in range(22)]
    client.force_login(curator)
    first = client.get(SEARCH, {"q": "sparse attention"}).content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = client.get(SEARCH, {"q": "sparse study"}).content.decode()
    # The signed-in navigation is kept too: no user, no unread count.
    assert len(queries) == KEPT_CARDS_PAGE_QUERIES
    assert curator.username in again
    cards = re.compile(r'<article class="paper-card.*?</article>', re.S)
    assert sorted(cards.findall(again)) == sorted(cards.findall(first))
    make_paper(arxiv_id=papers[0].arxiv_id, version=2, title="Sparse attention study, revised")
    html = client.get(SEARCH, {"q": "sparse study"}).content.decode()
    assert "Sparse attention study, revised" in html


def test_full_page_stays_bounded(client, django_assert_max_num_queries):
    for n in range(22):
        make_paper(title=f"Sparse attention study {n}", authors=12)
    # A topic filter looks the topic up first (one query; see papers/search.py).
    with django_assert_max_num_queries(RESULT_PAGE_QUERIES + 1):
        response = client.get(SEARCH, {"q": "sparse", "sort": "liked", "topic": "cs.LG"})
    assert response.status_code == 200
    assert response.content.decode().count('<article class="paper-card') == 20


def test_an_unknown_topic_finds_nothing_without_searching(client, corpus):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SEARCH, {"q": "hinton", "topic": "no.SUCH"}, headers=HTMX)
    assert 'class="paper-card' not in response.content.decode()
    assert len(queries) == 1  # the topic lookup: an empty filter asks nothing more


# --- cached anonymous result pages -------------------------------------------------------


def test_anonymous_result_pages_are_cached_per_query_and_form(client, curator, corpus):
    first = client.get(SEARCH, {"q": "hinton"})
    with CaptureQueriesContext(connection) as queries:
        again = client.get(SEARCH, {"q": "hinton"})
    assert len(queries) == 0
    assert again.content == first.content

    # Another query, another page, or the htmx fragment: each its own entry.
    with CaptureQueriesContext(connection) as queries:
        other = client.get(SEARCH, {"q": "hinton", "sort": "newest"})
        fragment = client.get(SEARCH, {"q": "hinton"}, headers=HTMX)
    assert len(queries) == 2 * KEPT_CARDS_PAGE_QUERIES  # the cards were shown before
    assert "<html" in other.content.decode()
    assert "<html" not in fragment.content.decode()
    assert fragment["Vary"] == first["Vary"]

    # Signed-in visitors always get a fresh ranking.
    client.force_login(curator)
    with CaptureQueriesContext(connection) as queries:
        client.get(SEARCH, {"q": "hinton"})
    # The ranking again (its cards are kept), then the user and their unread count for the
    # navigation, kept for their next page.
    assert len(queries) == KEPT_CARDS_PAGE_QUERIES + 2


def test_a_cached_result_page_expires(client, corpus, monkeypatch):
    import time

    from papers.catalogue import search_views as views_search

    monkeypatch.setattr(views_search, "SEARCH_CACHE_SECONDS", 1)
    client.get(SEARCH, {"q": "hinton"})
    paper = make_paper(title="Hinton revisited", authors=["Someone"])
    assert paper.title not in client.get(SEARCH, {"q": "hinton"}).content.decode()

    time.sleep(1.2)
    assert paper.title in client.get(SEARCH, {"q": "hinton"}).content.decode()
