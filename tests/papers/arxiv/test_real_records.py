"""The parser on real arXiv answers that public projects recorded (tests/fixtures/arxiv/real/,
see its SOURCES.md): thousands of records of the API, OAI-PMH ListRecords pages in the
``arXiv`` and ``arXivRaw`` formats, and GetRecord answers. Each known defect is checked on
the record it was found in; every record of every page must read."""

from datetime import UTC, datetime

import pytest

from papers.arxiv.parser import OaiError, parse_document
from papers.arxiv.records import AuthorRecord, DatePrecision, RecordFormat
from tests.support import paths

REAL = paths.FIXTURES / "arxiv" / "real"
ARXIV_0811 = "oai_arxiv_listrecords_2013_0811_scirate.xml"
RAW_0811 = "oai_arxivraw_listrecords_2014_0811_scirate.xml"


def page(name: str):
    return parse_document((REAL / name).read_bytes())


@pytest.fixture(scope="module")
def arxiv_0811():
    return {record.arxiv_id: record for record in page(ARXIV_0811).records}


@pytest.fixture(scope="module")
def raw_0811():
    return {record.arxiv_id: record for record in page(RAW_0811).records}


@pytest.mark.parametrize("name", sorted(p.name for p in REAL.glob("*.xml")))
def test_every_real_record_reads(name):
    if "error" in name:
        with pytest.raises(Exception):  # noqa: B017 - an error answer, see the tests below
            page(name)
        return
    feed = page(name)
    assert feed.skipped == ()
    for record in feed.records:
        assert record.title and record.published is not None
        assert record.authors, record.arxiv_id
        assert all(
            author.name and any(c.isalpha() for c in author.name) for author in record.authors
        )


def test_the_2008_page_in_both_formats_names_the_same_thousand_papers(arxiv_0811, raw_0811):
    assert len(arxiv_0811) == len(raw_0811) == 1000
    assert arxiv_0811.keys() == raw_0811.keys()


def test_arxiv_format_dates_are_days_of_arxivs_calendar(arxiv_0811, raw_0811):
    """0811.3654 was submitted 2008-11-22T01:29:16Z: 2008-11-21 in US Eastern time, the day
    the ``arXiv`` format gives. It was stored as 2008-11-21T00:00Z, a day off in UTC."""
    day_only, exact = arxiv_0811["0811.3654"], raw_0811["0811.3654"]
    assert exact.published == datetime(2008, 11, 22, 1, 29, 16, tzinfo=UTC)
    assert day_only.dates_precision == DatePrecision.DAY
    # The day's midnight in New York (EST, UTC-5): the moment the day begins there.
    assert day_only.published == datetime(2008, 11, 21, 5, tzinfo=UTC)
    assert day_only.published <= exact.published < datetime(2008, 11, 22, 5, tzinfo=UTC)
    # Every exact v1 time of the page falls on the day the other format gives.
    for arxiv_id, record in raw_0811.items():
        start = arxiv_0811[arxiv_id].published
        assert (
            start
            <= record.published
            < start.replace(day=start.day) + (datetime(2000, 1, 2) - datetime(2000, 1, 1))
        ), arxiv_id


def test_an_updated_record_in_the_arxiv_format_has_an_unknown_version_of_at_least_two():
    """1412.8323 has versions after v1: the format says only when it was last updated."""
    record = {
        r.arxiv_id: r for r in page("oai_arxiv_listrecords_2017_hep-th_hepcrawl.xml").records
    }["1412.8323"]
    assert record.version is None and record.version_at_least == 2
    assert record.updated > record.published


def test_updated_arxiv_format_records_all_say_at_least_two(arxiv_0811, raw_0811):
    # The arXivRaw page was recorded in 2014, the arXiv page on 2013-05-24: versions added
    # in between are not in the earlier one.
    recorded = datetime(2013, 5, 24, tzinfo=UTC)
    for arxiv_id, record in arxiv_0811.items():
        versions = [v for v in raw_0811[arxiv_id].versions if v.submitted < recorded]
        assert record.version is None
        assert record.version_at_least == (2 if len(versions) > 1 else 1), arxiv_id


def test_a_withdrawal_is_read_from_any_signal(arxiv_0811, raw_0811):
    """0811.3921: "9 pages, 3 figures This paper was submitted by mistake and has now been
    withdrawn", and a last version of 0 kB with source type I."""
    assert arxiv_0811["0811.3921"].withdrawn is True  # the comment, mid-sentence
    raw = raw_0811["0811.3921"]
    assert raw.withdrawn is True
    assert [(v.number, v.size, v.withdrawn) for v in raw.versions] == [
        (1, "28kb", False),
        (2, "0kb", True),
    ]


def test_a_later_real_version_clears_the_withdrawal():
    data = (REAL / RAW_0811).read_bytes()
    withdrawn_v2 = (
        b"<version version='v2'><date>Thu, 14 Jul 2011 14:46:53 GMT</date><size>0kb</size>"
        b"<source_type>I</source_type></version>"
    )
    assert withdrawn_v2 in data
    resubmitted = withdrawn_v2 + (
        b"<version version='v3'><date>Mon, 1 Aug 2011 10:00:00 GMT</date><size>31kb</size>"
        b"<source_type>D</source_type></version>"
    )
    record = {
        r.arxiv_id: r for r in parse_document(data.replace(withdrawn_v2, resubmitted)).records
    }["0811.3921"]
    assert record.withdrawn is False
    assert [v.withdrawn for v in record.versions] == [False, True, False]


def test_raw_author_strings_read_as_arxiv_reads_them(arxiv_0811, raw_0811):
    # A shared trailing affiliation belongs to every author before it without one.
    assert (
        raw_0811["0811.4504"].authors
        == arxiv_0811["0811.4504"].authors
        == (
            AuthorRecord("Ben Gripaios", ("CERN",)),
            AuthorRecord("Hyung Do Kim", ("Seoul Natl. U.",)),
            AuthorRecord("Riccardo Rattazzi", ("ITPP, Lausanne",)),
            AuthorRecord("Michele Redi", ("ITPP, Lausanne",)),
            AuthorRecord("Claudio Scrucca", ("ITPP, Lausanne",)),
        )
    )
    # "et al" is no author.
    assert raw_0811["0811.4019"].authors == (AuthorRecord("O. Adriani"),)
    # A collaboration is not split on its "and", in either format.
    goncalo = (AuthorRecord("R. Goncalo"), AuthorRecord("ATLAS and CMS Collaborations"))
    assert raw_0811["0811.3778"].authors == arxiv_0811["0811.3778"].authors == goncalo
    # Unbalanced parentheses: the numbered list resolves, no institution "1", no author ")".
    beltran = (
        AuthorRecord("M. T. Beltran", ("Universitat de Barcelona-CSIC",)),
        AuthorRecord("C. Codella", ("INAF-Istituto di Radioastronomia",)),
        AuthorRecord("S. Viti", ("University College London",)),
        AuthorRecord("R. Neri", ("IRAM",)),
        AuthorRecord("R. Cesaroni", ("INAF-Osservatorio Astrofisico di Arcetri",)),
    )
    assert raw_0811["0811.3821"].authors == arxiv_0811["0811.3821"].authors == beltran
    # TeX accents, a dot on an i included: arXiv shows "Mahir Bilen Can".
    assert [a.name for a in raw_0811["0811.4382"].authors] == [
        "Kürşat Aker",
        "Mahir Bilen Can",
        "Müge Taşkín",
    ]
    assert raw_0811["0811.4382"].authors == arxiv_0811["0811.4382"].authors


def test_no_affiliation_of_the_page_is_a_number_or_a_stray_parenthesis(arxiv_0811, raw_0811):
    for records in (arxiv_0811, raw_0811):
        for record in records.values():
            for author in record.authors:
                for affiliation in author.affiliations:
                    assert not affiliation.isdigit(), (record.arxiv_id, affiliation)
                    assert affiliation.count("(") == affiliation.count(")"), record.arxiv_id


def test_most_raw_author_lists_agree_with_the_structured_format(arxiv_0811, raw_0811):
    """The structured format and arXiv's own reading of the string agree on names for
    nearly every paper of the page (they differ where the string itself is ambiguous)."""
    same = sum(
        [a.name for a in raw.authors] == [a.name for a in arxiv_0811[i].authors]
        for i, raw in raw_0811.items()
    )
    assert same >= 970


def test_dois_are_kept_as_given_and_abstracts_keep_their_paragraphs(arxiv_0811, raw_0811):
    assert raw_0811["0811.3654"].doi == "10.1088/0004-637X/694/1/479"
    assert arxiv_0811["0811.3654"].doi == "10.1088/0004-637X/694/1/479"
    with_paragraphs = [r for r in arxiv_0811.values() if "\n\n" in r.abstract]
    assert len(with_paragraphs) == 61
    for record in with_paragraphs:
        assert raw_0811[record.arxiv_id].abstract == record.abstract


def test_affiliations_keep_the_files_order(arxiv_0811):
    several = [a for r in arxiv_0811.values() for a in r.authors if len(a.affiliations) > 1]
    assert several
    assert any(list(a.affiliations) != sorted(a.affiliations) for a in several)


def test_one_unreadable_record_costs_only_itself():
    data = (REAL / ARXIV_0811).read_bytes().replace(b"<id>0811.3654</id>", b"<id>0811.36X4</id>")
    feed = parse_document(data)
    assert len(feed.records) == 999
    (skipped,) = feed.skipped
    assert skipped.identifier == "0811.3654"  # as the record's header names it
    assert skipped.reason.startswith("entry with an invalid identifier: “0811.36X4”")


@pytest.mark.parametrize(
    ("name", "arxiv_id", "fmt"),
    [
        ("oai_getrecord_arxiv_2018_1401.2122_hepcrawl.xml", "1401.2122", RecordFormat.OAI_ARXIV),
        (
            "oai_getrecord_arxivraw_2019_1810.09584_fatcat.xml",
            "1810.09584",
            RecordFormat.OAI_ARXIV_RAW,
        ),
    ],
)
def test_getrecord_answers_are_read(name, arxiv_id, fmt):
    feed = page(name)
    assert [r.arxiv_id for r in feed.records] == [arxiv_id]
    assert feed.records[0].format == fmt
    assert feed.resumption_token == ""


def test_oai_dc_is_read_with_what_it_has():
    feed = parse_document(
        (paths.FIXTURES / "arxiv" / "oai_dc_getrecord_0811.3654.xml").read_bytes()
    )
    (record,) = feed.records
    assert record.format == RecordFormat.OAI_DC
    assert record.arxiv_id == "0811.3654"
    assert [a.name for a in record.authors][:2] == ["A. Baldi", "W. Forman"]
    assert record.dates_precision == DatePrecision.DAY
    assert record.published == datetime(2008, 11, 21, 5, tzinfo=UTC)
    assert (record.version, record.version_at_least) == (None, 2)
    assert record.doi == "10.1088/0004-637X/694/1/479"
    assert record.journal_ref == "Astrophys.J.694:479-491,2009"
    assert record.categories == ()


def test_an_unknown_format_names_the_formats_read():
    with pytest.raises(OaiError) as excinfo:
        page("oai_error_cannotdisseminateformat_2019_dissemin.xml")
    assert "formats read here: arXivRaw, arXiv, oai_dc" in str(excinfo.value)
