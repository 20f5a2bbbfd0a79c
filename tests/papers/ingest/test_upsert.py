"""The upsert on real PostgreSQL, fed by the parser from recorded-style responses."""

import threading
import time
from datetime import UTC, datetime

import pytest
from django.db import connection

from papers.arxiv.parser import ArxivErrorFeed, parse_document
from papers.ingest import upsert as ingest
from papers.ingest.imports import import_feed_bytes, import_feed_file
from papers.ingest.upsert import Outcome, paper_upsert
from papers.models import (
    Author,
    Authorship,
    Institution,
    Paper,
    PaperTopic,
    PaperVersion,
    Topic,
)
from tests.support import paths

FIXTURES = paths.FIXTURES / "arxiv"

pytestmark = pytest.mark.django_db


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def records(name: str, data: bytes | None = None) -> dict:
    feed = parse_document(data if data is not None else read(name))
    return {record.arxiv_id: record for record in feed.records}


def upsert_all(name: str, data: bytes | None = None) -> dict[str, Outcome]:
    return {
        arxiv_id: paper_upsert(record=record).outcome
        for arxiv_id, record in records(name, data).items()
    }


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def authors_of(arxiv_id: str) -> list[tuple[int, str, list[str]]]:
    return [
        (a.position, a.author.name, sorted(i.name for i in a.institutions.all()))
        for a in Authorship.objects.filter(paper__arxiv_id=arxiv_id)
        .select_related("author")
        .prefetch_related("institutions")
        .order_by("position")
    ]


def categories_of(arxiv_id: str) -> list[str]:
    return list(
        PaperTopic.objects.filter(paper__arxiv_id=arxiv_id, source=PaperTopic.Source.ARXIV)
        .order_by("position")
        .values_list("topic__code", flat=True)
    )


def versions_of(arxiv_id: str) -> list[tuple]:
    return list(
        PaperVersion.objects.filter(paper__arxiv_id=arxiv_id)
        .order_by("number")
        .values_list("number", "submitted", "size", "withdrawn")
    )


def db_snapshot() -> dict[str, list]:
    """Every row the ingest writes, so a test can show that nothing changed at all."""
    through = Authorship.institutions.through
    return {
        "papers": list(Paper.objects.order_by("pk").values()),
        "authorships": list(Authorship.objects.order_by("pk").values()),
        "affiliations": list(through.objects.order_by("pk").values()),
        "versions": list(PaperVersion.objects.order_by("pk").values()),
        "paper_topics": list(PaperTopic.objects.order_by("pk").values()),
        "authors": list(Author.objects.order_by("pk").values()),
        "institutions": list(Institution.objects.order_by("pk").values()),
        "topics": list(Topic.objects.order_by("pk").values()),
    }


# --- create and re-import --------------------------------------------------------------------


def test_create_stores_every_field():
    assert upsert_all("api_new_format.xml") == {
        "1706.03762": Outcome.CREATED,
        "2203.14101": Outcome.CREATED,
        "2301.04567": Outcome.CREATED,
    }
    paper = Paper.objects.get(arxiv_id="1706.03762")
    assert paper.version == 7
    assert paper.title == "Attention Is All You Need"
    assert paper.abstract.startswith("The dominant sequence transduction models")
    assert paper.published == utc(2017, 6, 12, 17, 57, 34)
    assert paper.updated == utc(2023, 8, 2, 0, 41, 18)
    assert paper.primary_category == "cs.CL"
    assert (
        paper.comment == "15 pages, 5 figures. Code: https://github.com/tensorflow/tensor2tensor."
    )
    assert paper.code_url == "https://github.com/tensorflow/tensor2tensor"
    assert paper.withdrawn is False
    assert paper.abs_url == "https://arxiv.org/abs/1706.03762v7"
    assert paper.pdf_url == "https://arxiv.org/pdf/1706.03762v7"
    assert categories_of("1706.03762") == ["cs.CL", "cs.LG"]
    assert Topic.objects.get(code="cs.CL").name == "Computation and Language"
    assert authors_of("1706.03762") == [
        (0, "Ashish Vaswani", ["Google Brain"]),
        (1, "Noam Shazeer", ["Google Brain"]),
        (2, "Niki Parmar", ["Google Research"]),
        (3, "Łukasz Kaiser", ["Google Brain", "University of Toronto"]),
        (4, "Illia Polosukhin", []),
    ]
    # One institution row per name, shared by the authors who give it.
    assert Institution.objects.filter(name="Google Brain").count() == 1
    assert versions_of("1706.03762") == [
        (1, utc(2017, 6, 12, 17, 57, 34), "", False),
        (7, utc(2023, 8, 2, 0, 41, 18), "", False),
    ]

    roadmap = Paper.objects.get(arxiv_id="2203.14101")
    assert roadmap.doi == "10.1109/TPAMI.2023.3242526"  # as given
    assert roadmap.journal_ref == "IEEE Trans. Pattern Anal. Mach. Intell. 45 (2023) 1-20"
    assert roadmap.abstract.endswith(
        "We review $O(n^2)$ attention and the $\\mathcal{L}_{\\text{MLM}}$ objective, "
        "among many others."
    )
    assert authors_of("2203.14101") == [
        (0, "Sha Yuan", ["Beijing Academy of Artificial Intelligence"]),
        (1, "王小明", ["清华大学"]),
        (2, "Hanyu Zhao", []),
    ]
    assert categories_of("2203.14101") == ["cs.LG", "cs.AI", "cs.CL"]


def test_old_style_ids_are_stored_canonically():
    upsert_all("api_old_format.xml")
    assert sorted(Paper.objects.values_list("arxiv_id", flat=True)) == [
        "0704.0001",
        "0812.4360",
        "hep-th/9901001",
        "math/0309136",
    ]
    knot = Paper.objects.get(arxiv_id="math/0309136")
    assert knot.primary_category == "math.GT"
    assert categories_of("math/0309136") == ["math.GT", "math.DG"]
    assert Paper.objects.get(arxiv_id="0704.0001").published == utc(2007, 4, 2, 19, 18, 42)


def test_reimporting_the_same_versions_changes_nothing():
    upsert_all("api_new_format.xml")
    before = db_snapshot()
    assert upsert_all("api_new_format.xml") == {
        "1706.03762": Outcome.UNCHANGED,
        "2203.14101": Outcome.UNCHANGED,
        "2301.04567": Outcome.UNCHANGED,
    }
    # Not even modified_at or the authorship rows' keys moved.
    assert db_snapshot() == before


# --- newer and older versions ----------------------------------------------------------------


def test_newer_version_updates_fields_and_adds_history():
    assert upsert_all("api_older_versions.xml") == {
        "1706.03762": Outcome.CREATED,
        "2203.14101": Outcome.CREATED,
    }
    roadmap = Paper.objects.get(arxiv_id="2203.14101")
    assert (roadmap.version, roadmap.doi, roadmap.journal_ref) == (2, "", "")
    assert roadmap.code_url == "https://github.com/BAAI-WuDao/BMRoadmap"

    assert upsert_all("api_new_format.xml") == {
        "1706.03762": Outcome.UPDATED,
        "2203.14101": Outcome.UPDATED,
        "2301.04567": Outcome.CREATED,
    }
    roadmap.refresh_from_db()
    assert roadmap.version == 4
    assert roadmap.updated == utc(2022, 4, 1, 7, 48, 55)
    assert roadmap.published == utc(2022, 3, 26, 15, 38)
    assert roadmap.doi == "10.1109/TPAMI.2023.3242526"  # as given
    assert roadmap.comment == "This report has been submitted to TPAMI"
    # v4's comment names no repository: the one found in v2 stays.
    assert roadmap.code_url == "https://github.com/BAAI-WuDao/BMRoadmap"
    assert versions_of("2203.14101") == [
        (1, utc(2022, 3, 26, 15, 38), "", False),
        (2, utc(2022, 3, 29, 7, 10, 51), "", False),
        (4, utc(2022, 4, 1, 7, 48, 55), "", False),
    ]
    # Primary first, in the new listing order.
    assert categories_of("2203.14101") == ["cs.LG", "cs.AI", "cs.CL"]


def test_authors_follow_the_newer_versions_order_and_additions():
    upsert_all("api_older_versions.xml")
    assert [name for _, name, _ in authors_of("1706.03762")] == [
        "Ashish Vaswani",
        "Niki Parmar",
        "Noam Shazeer",
        "Łukasz Kaiser",
    ]
    assert [name for _, name, _ in authors_of("2203.14101")] == ["Hanyu Zhao", "Sha Yuan"]

    upsert_all("api_new_format.xml")
    assert authors_of("1706.03762") == [
        (0, "Ashish Vaswani", ["Google Brain"]),
        (1, "Noam Shazeer", ["Google Brain"]),
        (2, "Niki Parmar", ["Google Research"]),
        (3, "Łukasz Kaiser", ["Google Brain", "University of Toronto"]),
        (4, "Illia Polosukhin", []),
    ]
    assert authors_of("2203.14101") == [
        (0, "Sha Yuan", ["Beijing Academy of Artificial Intelligence"]),
        (1, "王小明", ["清华大学"]),
        (2, "Hanyu Zhao", []),
    ]
    # Names are rows shared across versions and papers, never duplicated.
    assert Author.objects.filter(name="Łukasz Kaiser").count() == 1
    assert Author.objects.filter(name="Sha Yuan").count() == 1


def test_an_older_version_changes_no_field_and_adds_the_version_it_numbers():
    upsert_all("api_new_format.xml")
    before = db_snapshot()
    assert upsert_all("api_older_versions.xml") == {
        "1706.03762": Outcome.UPDATED,
        "2203.14101": Outcome.UPDATED,
    }
    after = db_snapshot()
    assert {k: v for k, v in after.items() if k not in ("versions", "papers")} == {
        k: v for k, v in before.items() if k not in ("versions", "papers")
    }
    paper = Paper.objects.get(arxiv_id="1706.03762")
    assert (paper.version, paper.version_known) == (7, True)
    assert [name for _, name, _ in authors_of("1706.03762")][-1] == "Illia Polosukhin"
    # v5's exact time joins the history; nothing else of the paper moved.
    assert [number for number, *_ in versions_of("1706.03762")] == [1, 5, 7]
    keep = ("title", "abstract", "updated", "published", "comment", "doi", "withdrawn")
    assert [{k: p[k] for k in keep} for p in after["papers"]] == [
        {k: p[k] for k in keep} for p in before["papers"]
    ]
    assert upsert_all("api_older_versions.xml")["1706.03762"] == Outcome.UNCHANGED


def test_code_url_is_only_filled_when_empty():
    upsert_all("api_older_versions.xml")
    # v5 names no repository; a curator then gives one.
    assert Paper.objects.get(arxiv_id="1706.03762").code_url == ""
    Paper.objects.filter(arxiv_id="1706.03762").update(
        code_url="https://github.com/harvardnlp/annotated-transformer"
    )
    upsert_all("api_new_format.xml")
    paper = Paper.objects.get(arxiv_id="1706.03762")
    assert paper.version == 7
    assert paper.code_url == "https://github.com/harvardnlp/annotated-transformer"


def test_code_url_from_a_newer_version_fills_an_empty_one():
    upsert_all("api_older_versions.xml")
    upsert_all("api_new_format.xml")
    assert (
        Paper.objects.get(arxiv_id="1706.03762").code_url
        == "https://github.com/tensorflow/tensor2tensor"
    )


# --- withdrawals and deletions ---------------------------------------------------------------


def test_withdrawn_version_from_the_api():
    upsert_all("api_new_format.xml")
    paper = Paper.objects.get(arxiv_id="2301.04567")
    assert paper.withdrawn is True
    assert paper.version == 2
    assert paper.pdf_url is None
    assert paper.abs_url == "https://arxiv.org/abs/2301.04567v2"
    assert versions_of("2301.04567") == [
        (1, utc(2023, 1, 11, 18, 1, 9), "", False),
        (2, utc(2023, 2, 20, 9, 12, 45), "", True),
    ]


def test_withdrawal_arriving_as_a_new_arxivraw_version():
    page = read("oai_arxivraw_page1.xml")
    withdrawal = (
        b'<version version="v3"><date>Tue, 4 Nov 2025 08:15:00 GMT</date><size>1kb</size>'
        b"<source_type>I</source_type></version>"
    )
    comment = (
        b"<comments>This paper has been withdrawn by the author due to an error in the proof\n"
        b"  of Theorem 2</comments>"
    )
    assert withdrawal in page and comment in page
    before_withdrawal = page.replace(withdrawal, b"").replace(
        comment, b"<comments>24 pages, 2 figures</comments>"
    )
    assert upsert_all("", before_withdrawal)["1502.05123"] == Outcome.CREATED
    paper = Paper.objects.get(arxiv_id="1502.05123")
    assert (paper.version, paper.withdrawn) == (2, False)
    assert paper.pdf_url == "https://arxiv.org/pdf/1502.05123v2"

    assert upsert_all("oai_arxivraw_page1.xml")["1502.05123"] == Outcome.UPDATED
    paper.refresh_from_db()
    assert (paper.version, paper.withdrawn, paper.pdf_url) == (3, True, None)
    assert versions_of("1502.05123") == [
        (1, utc(2015, 2, 18, 3, 41, 27), "28kb", False),
        (2, utc(2015, 3, 6, 12, 0, 5), "31kb", False),
        (3, utc(2025, 11, 4, 8, 15), "1kb", True),
    ]
    assert authors_of("1502.05123") == [
        (0, "Balázs Szegedy", ["Rényi Institute, Budapest"]),
        (1, "Thomas Müller", ["ETH Zürich"]),
        (2, "Jean-Pierre Serre", ["Eötvös Loránd University"]),
        (3, "László Lovász", ["Eötvös Loránd University"]),
    ]
    assert paper.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"


def test_deleted_oai_record_marks_the_paper_withdrawn_and_keeps_it():
    upsert_all("api_old_format.xml")
    summary = import_feed_file(FIXTURES / "oai_arxivraw_page1.xml")
    # 0704.0001 again, from arXivRaw: its text is kept over the API's.
    assert (summary.created, summary.updated, summary.unchanged, summary.deleted) == (1, 1, 0, 1)
    paper = Paper.objects.get(arxiv_id="hep-th/9901001")
    assert paper.withdrawn is True
    assert paper.pdf_url is None
    # Everything else, curation included, stays.
    assert paper.title.startswith("Wilson Loops in $\\mathcal{N}=4$")
    assert paper.version == 2
    assert len(authors_of("hep-th/9901001")) == 2
    assert len(versions_of("hep-th/9901001")) == 2

    again = import_feed_file(FIXTURES / "oai_arxivraw_page1.xml")
    assert again.deleted == 0  # already withdrawn


def test_deleted_record_of_an_unknown_paper_creates_nothing():
    summary = import_feed_file(FIXTURES / "oai_arxivraw_page1.xml")
    assert summary.deleted == 0
    assert not Paper.objects.filter(arxiv_id="hep-th/9901001").exists()
    assert sorted(Paper.objects.values_list("arxiv_id", flat=True)) == ["0704.0001", "1502.05123"]


# --- the OAI arXiv format: no version numbers, dates to the day ------------------------------


def test_arxiv_format_record_newer_by_date_updates():
    upsert_all("api_old_format.xml")
    outcomes = upsert_all("oai_arxiv_format.xml")
    # 0812.4360 changed on 2010-04-15, after the v2 we hold (2009-04-15); 0704.0001 takes
    # this format's text and authors over the API's (papers/ingest/precedence.py).
    assert outcomes == {"0812.4360": Outcome.UPDATED, "0704.0001": Outcome.UPDATED}

    paper = Paper.objects.get(arxiv_id="0812.4360")
    assert paper.journal_ref == "Lecture Notes in Computer Science 5499 (2009) 48-76"
    assert paper.comment == "35 pages, 3 figures; v3: journal version"
    # A version after the v2 we hold, whose number the record does not give: at least v3,
    # dated to the day, and linked without a number.
    assert (paper.version, paper.version_known) == (3, False)
    assert (paper.updated, paper.updated_precision) == (utc(2010, 4, 15, 4), "day")
    assert paper.abs_url == "https://arxiv.org/abs/0812.4360"
    # Version 1's exact time stays.
    assert (paper.published, paper.published_precision) == (utc(2008, 12, 23, 14, 53, 40), "second")
    assert versions_of("0812.4360") == [
        (1, utc(2008, 12, 23, 14, 53, 40), "", False),
        (2, utc(2009, 4, 15, 14, 12, 3), "", False),
    ]
    assert authors_of("0812.4360") == [
        (0, "Jürgen Schmidhuber", ["IDSIA", "University of Lugano"]),
        (1, "Alex Graves", []),
    ]
    assert authors_of("0704.0001")[3] == (3, "C. -P. Yuan", [])  # as both formats spell it
    assert Paper.objects.get(arxiv_id="0704.0001").provenance["authors"][-1] == 4  # arXiv


def test_arxiv_format_record_creates_a_paper():
    assert upsert_all("oai_arxiv_format.xml") == {
        "0812.4360": Outcome.CREATED,
        "0704.0001": Outcome.CREATED,
    }
    paper = Paper.objects.get(arxiv_id="0812.4360")
    # Updated once at least; days of arXiv's calendar, never a time of day.
    assert (paper.version, paper.version_known) == (2, False)
    assert (paper.published, paper.updated) == (utc(2008, 12, 23, 5), utc(2010, 4, 15, 4))
    assert (paper.published_precision, paper.updated_precision) == ("day", "day")
    assert versions_of("0812.4360") == []
    # The same record again changes nothing.
    assert upsert_all("oai_arxiv_format.xml")["0812.4360"] == Outcome.UNCHANGED
    # The API's v2 brings v1's exact time and numbered versions; the record of 2010 still
    # says a later version exists.
    assert upsert_all("api_old_format.xml")["0812.4360"] == Outcome.UPDATED
    paper.refresh_from_db()
    assert (paper.published, paper.published_precision) == (utc(2008, 12, 23, 14, 53, 40), "second")
    assert (paper.version, paper.version_known, paper.updated_precision) == (3, False, "day")


def test_error_feed_stores_nothing():
    with pytest.raises(ArxivErrorFeed):
        import_feed_file(FIXTURES / "api_error_incorrect_id.xml")
    assert db_snapshot() == {key: [] for key in db_snapshot()}


def test_a_failure_midway_through_a_file_rolls_the_whole_file_back(monkeypatch):
    upsert_all("api_older_versions.xml")
    before = db_snapshot()
    written_before_the_failure = []

    def fail_after_papers_and_authors_are_written(changed, stored):
        written_before_the_failure.extend(
            Paper.objects.filter(version=7).values_list("arxiv_id", flat=True)
        )
        raise RuntimeError("connection lost")

    monkeypatch.setattr(ingest, "_merge_versions", fail_after_papers_and_authors_are_written)
    with pytest.raises(RuntimeError):
        import_feed_bytes(read("api_new_format.xml"))
    # 1706.03762 v7 had been written, and was rolled back with the rest.
    assert written_before_the_failure == ["1706.03762"]
    assert db_snapshot() == before


# --- concurrency -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_threads_creating_the_same_new_paper_end_with_one(monkeypatch):
    record = records("api_new_format.xml")["1706.03762"]
    # Both threads start together; the one that gets in first holds the paper's lock a while.
    start = threading.Barrier(2, timeout=20)
    apply_fields = ingest._apply_fields

    def apply_fields_slowly(*args):
        changed = apply_fields(*args)
        time.sleep(0.3)
        return changed

    monkeypatch.setattr(ingest, "_apply_fields", apply_fields_slowly)
    outcomes, errors = [], []

    def upsert():
        try:
            start.wait()
            outcomes.append(paper_upsert(record=record).outcome)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=upsert) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(outcomes) == [Outcome.CREATED, Outcome.UNCHANGED]
    assert Paper.objects.filter(arxiv_id="1706.03762").count() == 1
    assert len(authors_of("1706.03762")) == 5
    assert len(versions_of("1706.03762")) == 2
    assert categories_of("1706.03762") == ["cs.CL", "cs.LG"]
    assert Author.objects.filter(name="Łukasz Kaiser").count() == 1
