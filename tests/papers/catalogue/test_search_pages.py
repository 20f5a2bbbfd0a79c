"""A search page's query is compiled once per shape of search and run with each search's own
values (papers/catalogue/search_pages.py): the rows are exactly those the queryset gives, for
every filter, order and page, and a shape that cannot be reused is compiled every time."""

import itertools
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from papers.catalogue import search_pages
from papers.catalogue.search import SearchParams, results_page_queryset, topic_ids_of
from papers.catalogue.search_pages import results_page_rows, search_results_page
from papers.models import Paper
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus():
    titles = [
        "Sparse attention for long documents",
        "Graph networks and sparse attention",
        "Quantum codes on graphs",
        "Sparse coding of images",
        "Attention is what you need: O'Brien's \"quoted\" title",
    ]
    papers = []
    for year, title in zip(itertools.cycle((2019, 2021, 2023)), titles * 5, strict=False):
        paper = make_paper(
            title=title,
            categories=("cs.LG", "cs.CL") if len(papers) % 2 else ("quant-ph",),
            published=datetime(year, 1 + len(papers) % 9, 15, 10, tzinfo=UTC),
        )
        papers.append(paper)
    Paper.objects.filter(pk__in=[p.pk for p in papers[::3]]).update(code_url="https://x.org/r")
    Paper.objects.filter(pk__in=[p.pk for p in papers[::4]]).update(review_count=2)
    return papers


SEARCHES = [
    SearchParams(q="sparse attention"),
    SearchParams(q="attention", topic="cs.LG"),
    SearchParams(q="sparse", has_code=True, has_reviews=True),
    SearchParams(q="graphs", year_from=2020, year_to=2023),
    SearchParams(q="sparse", sort="newest"),
    SearchParams(q="O'Brien's \"quoted\""),
    SearchParams(q="'; DROP TABLE papers_paper; --"),
    SearchParams(topic="quant-ph", sort="liked"),
    SearchParams(topic="no.SUCH"),
    SearchParams(q="!!!"),
]


@pytest.mark.parametrize("params", SEARCHES, ids=[repr(p) for p in SEARCHES])
@pytest.mark.parametrize("number", [1, 2])
def test_the_rows_are_the_querysets_for_every_shape(corpus, params, number):
    topic_ids = topic_ids_of(params)
    expected = (
        list(results_page_queryset(params, topic_ids, number))
        if (not params.topic or topic_ids) and (not params.q or any(c.isalnum() for c in params.q))
        else []
    )
    assert results_page_rows(params, topic_ids, number) == expected
    # Again, from the compiled shape.
    assert results_page_rows(params, topic_ids, number) == expected
    assert Paper.objects.count() == 25  # the words were only ever values


def test_a_shape_is_compiled_once_and_each_search_is_one_query(corpus, monkeypatch):
    search_pages._compiled.clear()
    compiled = []
    real = search_pages.results_page_queryset

    def counting(*args):
        compiled.append(args[0].q)
        return real(*args)

    monkeypatch.setattr(search_pages, "results_page_queryset", counting)
    search_results_page(SearchParams(q="sparse"), 1)
    assert len(compiled) == 2  # twice, with two sets of stand-ins
    with CaptureQueriesContext(connection) as queries:
        page = search_results_page(SearchParams(q="graphs"), 1)
    assert len(compiled) == 2 and len(queries) == 1
    graphs = {p.arxiv_id for p in corpus if "graph" in p.title.lower()}
    assert page.paginator.count == len(graphs) == 10
    assert {card.arxiv_id for card in page} == graphs


def test_a_shape_whose_values_are_not_reusable_is_compiled_every_time(corpus, monkeypatch):
    search_pages._compiled.clear()
    real = search_pages.results_page_queryset

    def derived(params, topic_ids, number):
        queryset = real(params, topic_ids, number)
        return queryset.model.objects.filter(title__icontains=params.q.lower() + " ").values(
            "pk", "arxiv_id"
        )[:20]

    monkeypatch.setattr(search_pages, "results_page_queryset", derived)
    rows = results_page_rows(SearchParams(q="Sparse"), [], 1)
    assert search_pages._compiled[search_pages._shape_key(SearchParams(q="x"), [], 1)] is None
    assert {row["arxiv_id"] for row in rows} == {
        p.arxiv_id for p in corpus if "sparse " in p.title.lower()
    }
