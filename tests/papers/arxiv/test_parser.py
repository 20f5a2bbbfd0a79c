"""The arXiv parser on recorded-style responses of the API (both Atom formats) and OAI-PMH."""

from datetime import UTC, datetime

import pytest

from papers.arxiv.parser import ArxivErrorFeed, ArxivParseError, OaiError, parse_document
from papers.arxiv.records import AuthorRecord, DatePrecision, SkippedRecord, VersionRecord
from tests.support import paths

FIXTURES = paths.FIXTURES / "arxiv"


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse(name: str):
    return parse_document(read(name))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def by_id(feed) -> dict:
    return {record.arxiv_id: record for record in feed.records}


# --- arXiv API, format since 2025-11-11 ------------------------------------------------------


def test_new_format_feed_metadata_and_order():
    feed = parse("api_new_format.xml")
    assert feed.format == "atom"
    assert [r.arxiv_id for r in feed.records] == ["1706.03762", "2203.14101", "2301.04567"]
    assert (feed.total_results, feed.start_index, feed.items_per_page) == (3, 0, 10)
    assert feed.deleted_ids == ()
    assert feed.resumption_token is None


def test_new_format_entry_fields():
    record = by_id(parse("api_new_format.xml"))["1706.03762"]
    assert record.version == 7
    assert record.title == "Attention Is All You Need"
    assert record.abstract.startswith("The dominant sequence transduction models are based on")
    assert record.abstract.endswith("improving over the existing best results by over 2 BLEU.")
    assert record.published == utc(2017, 6, 12, 17, 57, 34)
    assert record.updated == utc(2023, 8, 2, 0, 41, 18)
    assert record.versions == (
        VersionRecord(1, utc(2017, 6, 12, 17, 57, 34)),
        VersionRecord(7, utc(2023, 8, 2, 0, 41, 18)),
    )
    assert (
        record.comment == "15 pages, 5 figures. Code: https://github.com/tensorflow/tensor2tensor."
    )
    # The trailing full stop of the sentence is not part of the repository URL.
    assert record.code_url == "https://github.com/tensorflow/tensor2tensor"
    assert (record.doi, record.journal_ref, record.withdrawn) == ("", "", False)


def test_authors_keep_order_affiliations_and_non_ascii_names():
    records = by_id(parse("api_new_format.xml"))
    assert records["1706.03762"].authors == (
        AuthorRecord("Ashish Vaswani", ("Google Brain",)),
        AuthorRecord("Noam Shazeer", ("Google Brain",)),
        AuthorRecord("Niki Parmar", ("Google Research",)),
        AuthorRecord("Łukasz Kaiser", ("Google Brain", "University of Toronto")),
        AuthorRecord("Illia Polosukhin", ()),
    )
    assert records["2203.14101"].authors == (
        AuthorRecord("Sha Yuan", ("Beijing Academy of Artificial Intelligence",)),
        AuthorRecord("王小明", ("清华大学",)),
        AuthorRecord("Hanyu Zhao", ()),
    )
    assert records["2301.04567"].authors == (
        AuthorRecord("Balázs Szegedy", ("Alfréd Rényi Institute of Mathematics",)),
    )


def test_primary_category_first_and_msc_acm_classes_dropped():
    records = by_id(parse("api_new_format.xml"))
    # Listed as cs.LG, cs.CL, I.2.7 (ACM), 68T05 (MSC) with cs.CL primary.
    assert records["1706.03762"].categories == ("cs.CL", "cs.LG")
    assert records["1706.03762"].primary_category == "cs.CL"
    assert records["2203.14101"].categories == ("cs.LG", "cs.AI", "cs.CL")
    # Listed as math.PR, math.CO, 05C80 (MSC) with math.CO primary.
    assert records["2301.04567"].categories == ("math.CO", "math.PR")


def test_latex_is_kept_as_written():
    record = by_id(parse("api_new_format.xml"))["2203.14101"]
    assert record.abstract == (
        "With the rapid development of deep learning, training Big Models (BMs) for multiple "
        "downstream tasks becomes a popular paradigm. We review $O(n^2)$ attention and the "
        "$\\mathcal{L}_{\\text{MLM}}$ objective, among many others."
    )


def test_doi_is_kept_as_given_and_journal_ref_kept():
    record = by_id(parse("api_new_format.xml"))["2203.14101"]
    assert record.doi == "10.1109/TPAMI.2023.3242526"  # as given
    assert record.journal_ref == "IEEE Trans. Pattern Anal. Mach. Intell. 45 (2023) 1-20"
    assert record.comment == "This report has been submitted to TPAMI"
    assert record.code_url == ""


def test_withdrawal_comment_marks_the_returned_version_withdrawn():
    record = by_id(parse("api_new_format.xml"))["2301.04567"]
    assert record.withdrawn is True
    assert record.version == 2
    assert record.versions == (
        VersionRecord(1, utc(2023, 1, 11, 18, 1, 9), withdrawn=False),
        VersionRecord(2, utc(2023, 2, 20, 9, 12, 45), withdrawn=True),
    )
    assert record.abstract == (
        "We prove that every sequence of sparse graphs has a convergent subsequence in the "
        "$\\ell^{p}$ sense for $p > 1$."
    )


# --- arXiv API, the older format -------------------------------------------------------------


def test_old_format_ids_old_and_new_style():
    feed = parse("api_old_format.xml")
    assert [(r.arxiv_id, r.version) for r in feed.records] == [
        ("hep-th/9901001", 2),
        # Asked for as math.GT/0309136; stored under its canonical id.
        ("math/0309136", 1),
        ("0704.0001", 2),
        ("0812.4360", 2),
    ]
    assert (feed.total_results, feed.start_index, feed.items_per_page) == (4, 0, 10)


def test_old_format_wrapped_title_and_abstract_are_collapsed_latex_kept():
    record = by_id(parse("api_old_format.xml"))["hep-th/9901001"]
    assert record.title == (
        "Wilson Loops in $\\mathcal{N}=4$ Supersymmetric Yang-Mills Theory at Strong Coupling"
    )
    assert record.abstract == (
        "We compute the expectation value of a Wilson loop in $\\mathcal{N}=4$ super Yang-Mills "
        "theory at large $N$ and large 't Hooft coupling $\\lambda = g^2_{YM} N$, and find that "
        "it grows like $\\exp(\\sqrt{\\lambda})$."
    )
    assert record.comment == "12 pages, harvmac; v2: references added"
    assert record.journal_ref == "Phys.Rev.Lett. 80 (1998) 4859-4862"
    assert record.doi == "10.1103/PhysRevLett.80.4859"
    assert record.authors == (
        AuthorRecord("Juan Martín Maldacena", ("Harvard University",)),
        AuthorRecord("Thomas Müller", ()),
    )


def test_old_format_dates_with_offsets_become_utc():
    records = by_id(parse("api_old_format.xml"))
    # 1999-01-04T09:37:05-05:00 and 1999-01-20T17:21:55-05:00
    assert records["hep-th/9901001"].published == utc(1999, 1, 4, 14, 37, 5)
    assert records["hep-th/9901001"].updated == utc(1999, 1, 20, 22, 21, 55)
    # 2007-04-02T15:18:42-04:00 and 2007-07-24T16:10:27-04:00
    assert records["0704.0001"].published == utc(2007, 4, 2, 19, 18, 42)
    assert records["0704.0001"].updated == utc(2007, 7, 24, 20, 10, 27)
    assert records["0704.0001"].published.tzinfo is UTC
    # 2008-12-23T09:53:40-05:00 and 2009-04-15T10:12:03-04:00
    assert records["0812.4360"].versions == (
        VersionRecord(1, utc(2008, 12, 23, 14, 53, 40)),
        VersionRecord(2, utc(2009, 4, 15, 14, 12, 3)),
    )


def test_old_format_categories_primary_first_msc_and_acm_dropped():
    records = by_id(parse("api_old_format.xml"))
    # Listed as math.DG, math.GT, "57M25; 57M50" with math.GT primary.
    assert records["math/0309136"].categories == ("math.GT", "math.DG")
    assert records["0812.4360"].categories == ("cs.AI", "cs.NE")
    assert records["0812.4360"].authors == (
        AuthorRecord("Jürgen Schmidhuber", ("IDSIA", "TU Munich")),
    )
    # A single version: published and updated agree, one version row.
    assert records["math/0309136"].versions == (VersionRecord(1, utc(2003, 9, 8, 18, 20)),)


# --- API paging, empty results, errors -------------------------------------------------------


def test_paged_response_metadata():
    feed = parse("api_paged.xml")
    assert (feed.total_results, feed.start_index, feed.items_per_page) == (250, 100, 50)
    assert [r.arxiv_id for r in feed.records] == ["2511.01234", "2511.01301"]
    # A GitLab link with ".git" in the abstract is a code URL too, normalised.
    assert feed.records[0].code_url == "https://gitlab.com/sparse-lab/moe-scaling"
    assert feed.records[1].categories == ("cs.LG", "stat.ML")
    assert feed.records[1].authors == (AuthorRecord("Sofía Ramírez", ()),)


def test_empty_feed_has_no_records():
    feed = parse("api_empty.xml")
    assert feed.records == ()
    assert (feed.total_results, feed.start_index, feed.items_per_page) == (0, 0, 10)


def test_error_feed_raises_with_arxivs_message():
    with pytest.raises(ArxivErrorFeed) as excinfo:
        parse("api_error_incorrect_id.xml")
    assert str(excinfo.value) == "arXiv API error: incorrect id format for 1234.56789"


def test_truncated_feed_raises_instead_of_yielding_part():
    with pytest.raises(ArxivParseError) as excinfo:
        parse("api_truncated.xml")
    assert not isinstance(excinfo.value, ArxivErrorFeed)
    assert str(excinfo.value).startswith("malformed or truncated XML (Premature end of data")
    assert "line 52" in str(excinfo.value)


def test_doctype_with_entities_is_refused_before_parsing():
    with pytest.raises(ArxivParseError) as excinfo:
        parse("doctype_billion_laughs.xml")
    assert str(excinfo.value) == "documents with a DOCTYPE are not accepted"


def test_doctype_after_a_comment_is_refused_too():
    data = read("doctype_billion_laughs.xml").replace(
        b"<!DOCTYPE", b"<!-- recorded 2025-11-20 -->\n<!DOCTYPE", 1
    )
    with pytest.raises(ArxivParseError, match="DOCTYPE"):
        parse_document(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the document is empty"),
        (b"  \n", "the document is empty"),
        (b"<html><body>Rate exceeded.</body></html>", "not an arXiv API or OAI-PMH response"),
        (b"Rate exceeded.", "malformed or truncated XML"),
    ],
)
def test_other_non_feeds_are_refused(data, message):
    with pytest.raises(ArxivParseError, match=message):
        parse_document(data)


def test_atom_entry_without_title_is_refused():
    data = read("api_paged.xml").replace(
        b"<title>Calibrated Uncertainty for Graph Neural Networks</title>", b"<title></title>"
    )
    feed = parse_document(data)
    # Skipped with its id and the reason; the rest of the page is read.
    assert feed.skipped == (
        SkippedRecord(
            "http://arxiv.org/abs/2511.01301v1",
            "entry http://arxiv.org/abs/2511.01301v1 has no title",
        ),
    )
    assert "2511.01301" not in {record.arxiv_id for record in feed.records}
    assert feed.records


# --- OAI-PMH arXivRaw ------------------------------------------------------------------------


def test_arxivraw_page_records_deleted_ids_and_token():
    feed = parse("oai_arxivraw_page1.xml")
    assert feed.format == "oai-arXivRaw"
    assert [r.arxiv_id for r in feed.records] == ["0704.0001", "1502.05123"]
    assert feed.deleted_ids == ("hep-th/9901001",)
    assert feed.resumption_token == "6960524|2501"
    assert (feed.cursor, feed.complete_list_size) == (0, 2501)


def test_arxivraw_versions_sizes_and_rfc822_dates_in_utc():
    record = by_id(parse("oai_arxivraw_page1.xml"))["0704.0001"]
    assert record.version == 2
    assert record.versions == (
        VersionRecord(1, utc(2007, 4, 2, 19, 18, 42), size="37kb"),
        VersionRecord(2, utc(2007, 7, 24, 20, 10, 27), size="37kb"),
    )
    assert record.published == utc(2007, 4, 2, 19, 18, 42)
    assert record.updated == utc(2007, 7, 24, 20, 10, 27)
    assert record.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert record.authors == (
        AuthorRecord("C. Balázs"),
        AuthorRecord("E. L. Berger"),
        AuthorRecord("P. M. Nadolsky"),
        AuthorRecord("C.-P. Yuan"),
    )
    assert record.categories == ("hep-ph",)
    assert record.doi == "10.1103/PhysRevD.76.013009"
    assert record.journal_ref == "Phys.Rev.D76:013009,2007"
    assert record.withdrawn is False


def test_arxivraw_withdrawn_last_version_and_raw_authors():
    record = by_id(parse("oai_arxivraw_page1.xml"))["1502.05123"]
    assert record.version == 3
    assert record.withdrawn is True
    assert record.versions == (
        VersionRecord(1, utc(2015, 2, 18, 3, 41, 27), size="28kb", withdrawn=False),
        VersionRecord(2, utc(2015, 3, 6, 12, 0, 5), size="31kb", withdrawn=False),
        VersionRecord(3, utc(2025, 11, 4, 8, 15, 0), size="1kb", withdrawn=True),
    )
    assert record.published == utc(2015, 2, 18, 3, 41, 27)
    assert record.updated == utc(2025, 11, 4, 8, 15, 0)
    # Line breaks inside names, TeX accents, affiliations in parentheses, "and" before the last.
    assert record.authors == (
        AuthorRecord("Balázs Szegedy", ("Rényi Institute, Budapest",)),
        AuthorRecord("Thomas Müller", ("ETH Zürich",)),
        # An affiliation after an author belongs to those before without one, as on arXiv.
        AuthorRecord("Jean-Pierre Serre", ("Eötvös Loránd University",)),
        AuthorRecord("László Lovász", ("Eötvös Loránd University",)),
    )
    assert record.title == (
        "Higher order Fourier analysis and the $\\ell^{p}$ limits of sparse graphs"
    )
    assert record.categories == ("math.PR", "math.CO")
    assert record.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert record.comment == (
        "This paper has been withdrawn by the author due to an error in the proof of Theorem 2"
    )


def test_arxivraw_last_page_has_an_empty_token_and_numbered_affiliations():
    feed = parse("oai_arxivraw_last_page.xml")
    assert feed.resumption_token == ""
    assert (feed.cursor, feed.complete_list_size) == (2500, 2501)
    (record,) = feed.records
    assert record.authors == (
        AuthorRecord("Wei Chen", ("Peking University", "University of Warsaw")),
        AuthorRecord("Anna Kowalska", ("University of Warsaw",)),
        AuthorRecord("Robert Smith, Jr.", ("Peking University",)),
    )
    assert record.categories == ("cs.AI", "cs.LG", "cs.LO")
    assert record.code_url == "https://github.com/pku-ml/ragprover"
    assert record.license == "http://creativecommons.org/licenses/by/4.0/"
    assert record.versions == (VersionRecord(1, utc(2025, 11, 1, 2, 14, 51), size="412kb"),)


def test_arxivraw_impossible_version_label_is_refused():
    data = read("oai_arxivraw_last_page.xml").replace(
        b'<version version="v1">', b'<version version="v40000">'
    )
    feed = parse_document(data)
    assert feed.skipped == (
        SkippedRecord("2511.00042", "2511.00042: unreadable version label 'v40000'"),
    )
    assert feed.records == ()


def test_arxivraw_record_without_title_is_refused():
    data = read("oai_arxivraw_last_page.xml").replace(
        b"<title>Retrieval-Augmented Agents for\n  Theorem Proving</title>", b"<title/>"
    )
    feed = parse_document(data)
    assert feed.skipped == (SkippedRecord("2511.00042", "2511.00042: record without a title"),)


# --- OAI-PMH arXiv format --------------------------------------------------------------------


def test_arxiv_format_authors_from_keyname_and_forenames():
    feed = parse("oai_arxiv_format.xml")
    assert feed.format == "oai-arXiv"
    # Everything fitted in one response: no token at all.
    assert feed.resumption_token is None
    records = by_id(feed)
    assert records["0812.4360"].authors == (
        AuthorRecord("Jürgen Schmidhuber", ("IDSIA", "University of Lugano")),
        AuthorRecord("Alex Graves", ()),
    )
    assert records["0704.0001"].authors[0] == AuthorRecord("C. Balázs", ())


def test_arxiv_format_has_no_version_number_and_day_dates():
    record = by_id(parse("oai_arxiv_format.xml"))["0812.4360"]
    assert (record.version, record.version_at_least) == (None, 2)  # updated: at least v2
    # Days of arXiv's calendar (US Eastern): their midnight there, never a time of day.
    assert record.dates_precision == DatePrecision.DAY
    assert record.published == utc(2008, 12, 23, 5)
    assert record.updated == utc(2010, 4, 15, 4)  # summer time
    assert record.versions == ()
    assert record.categories == ("cs.AI", "cs.NE")
    assert record.journal_ref == "Lecture Notes in Computer Science 5499 (2009) 48-76"


# --- OAI-PMH errors --------------------------------------------------------------------------


def test_oai_error_raises_with_code_and_message():
    with pytest.raises(OaiError) as excinfo:
        parse("oai_error_bad_argument.xml")
    assert excinfo.value.code == "badArgument"
    assert str(excinfo.value) == (
        "OAI-PMH error badArgument: Illegal argument: from must be a date in the form YYYY-MM-DD"
    )


def test_oai_no_records_match_is_an_empty_last_page():
    feed = parse("oai_no_records_match.xml")
    assert feed.records == ()
    assert feed.deleted_ids == ()
    assert feed.resumption_token == ""
