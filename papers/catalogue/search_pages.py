"""A page of search results as the search page shows it: the ranked rows of one page, their
number, and cards standing for the papers.

The page's query (``results_page_queryset``) is the one place a search is defined, as a
queryset. Building and compiling it costs Django more than PostgreSQL spends ranking a
common word, and a search page is asked for on every keystroke; so its SQL is compiled once
per process for each *shape* of search (ranked or sorted, which filters, how many topic ids,
which page) and run again with each search's own values. The shape is compiled twice with
two different stand-in values for the words and the topic ids; only where the parameters
differ exactly by those stand-ins are a search's values put in. A shape whose SQL or other
parameters depend on the values in any other way is never kept, and is compiled for each
search as before.
"""

import threading
from dataclasses import replace
from math import ceil

from django.core.paginator import Page, Paginator
from django.db import connection

from papers.catalogue.search import (
    _WORD,
    PAGE_SIZE,
    PaperCard,
    SearchParams,
    _PageOfCards,
    paper_search,
    results_page_queryset,
    topic_ids_of,
)

# Shapes kept per process (a shape is a few hundred bytes of SQL).
SHAPES_KEPT = 512
Q = "q"
_compiled: dict[tuple, "_Shape | None"] = {}
_lock = threading.Lock()


class _Shape:
    """A compiled page query: its SQL, its parameters, and which of them are the search's
    words (``Q``) or its n-th topic id."""

    def __init__(self, sql: str, values: list, slots: dict[int, str | int]):
        self.sql = sql
        self.values = values
        self.slots = slots

    def parameters(self, params: SearchParams, topic_ids: list[int]) -> list:
        values = list(self.values)
        for index, slot in self.slots.items():
            values[index] = params.q if slot == Q else topic_ids[slot]
        return values


def _shape_key(params: SearchParams, topic_ids: list[int], number: int) -> tuple:
    # Everything but the words and the topic ids; years stay values (rarely set).
    return (
        bool(params.q),
        params.sort,
        len(topic_ids) if params.topic else None,
        params.year_from,
        params.year_to,
        params.has_code,
        params.has_reviews,
        number,
    )


def _stand_ins(params: SearchParams, topic_ids: list[int], marker: int):
    words = f"\ue000stand-in {marker}\ue000" if params.q else ""
    ids = [-(marker * 100_000 + i + 1) for i in range(len(topic_ids))]
    return replace(params, q=words), ids


def _compile(params: SearchParams, topic_ids: list[int], number: int) -> "_Shape | None":
    compiled = []
    for marker in (1, 2):
        stand_in, ids = _stand_ins(params, topic_ids, marker)
        sql, values = results_page_queryset(stand_in, ids, number).query.sql_with_params()
        compiled.append((sql, list(values), stand_in.q, ids))
    (sql, first, q1, ids1), (other_sql, second, q2, ids2) = compiled
    if sql != other_sql or len(first) != len(second):
        return None
    slots: dict[int, str | int] = {}
    for index, (a, b) in enumerate(zip(first, second, strict=True)):
        if a == b:
            continue
        if (a, b) == (q1, q2):
            slots[index] = Q
        elif a in ids1 and b in ids2 and ids1.index(a) == ids2.index(b):
            slots[index] = ids1.index(a)
        else:
            return None  # a value derived from the stand-ins: not reusable
    return _Shape(sql, first, slots)


def results_page_rows(params: SearchParams, topic_ids: list[int], number: int) -> list[dict]:
    """Page ``number`` of a search's rows (pk, arxiv_id, found_total, rank when ranked)."""
    if (params.q and not _WORD.search(params.q)) or (params.topic and not topic_ids):
        return []  # nothing to find: no query at all
    key = _shape_key(params, topic_ids, number)
    if key not in _compiled:
        shape = _compile(params, topic_ids, number)
        with _lock:
            if len(_compiled) >= SHAPES_KEPT:
                _compiled.clear()
            _compiled[key] = shape
    shape = _compiled.get(key)
    if shape is None:
        return list(results_page_queryset(params, topic_ids, number))
    with connection.cursor() as cursor:
        cursor.execute(shape.sql, shape.parameters(params, topic_ids))
        names = ["pk" if column.name == "id" else column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def search_results_page(params: SearchParams, number: int | None) -> Page:
    """Page ``number`` of a search's results as cards (``PaperCard``), as
    ``Paginator.get_page`` gives it (a page past the last is the last), in one query. Only a
    page past the last costs two more."""
    number = max(number or 1, 1)
    topic_ids = topic_ids_of(params)
    rows = results_page_rows(params, topic_ids, number)
    total = rows[0]["found_total"] if rows else paper_search(params, topic_ids).count()
    last = max(ceil(total / PAGE_SIZE), 1)
    if not rows and number > last:
        number = last
        rows = results_page_rows(params, topic_ids, number)
    paginator = Paginator((), PAGE_SIZE)
    paginator.count = total  # known: the paginator never counts
    cards = _PageOfCards([row["pk"] for row in rows])
    return Page([PaperCard(row, cards) for row in rows], number, paginator)
