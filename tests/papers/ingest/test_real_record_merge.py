"""Real arXiv records of one paper in several formats end in the same stored paper whatever
order they are imported in, keeping the best of each (papers/ingest/precedence.py); and a
page with a record that cannot be read still lands, the record counted and named."""

import itertools
import re
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command

from papers.arxiv.parser import parse_document
from papers.ingest.clients.oai import ArxivOaiClient
from papers.ingest.harvest import harvest_run_continue, harvest_run_create
from papers.ingest.imports import import_feed_bytes
from papers.ingest.upsert import papers_upsert
from papers.models import JobStatus, Paper
from tests.support import paths

pytestmark = pytest.mark.django_db

REAL = paths.FIXTURES / "arxiv" / "real"
ARXIV_0811 = (REAL / "oai_arxiv_listrecords_2013_0811_scirate.xml").read_bytes()
RAW_0811 = (REAL / "oai_arxivraw_listrecords_2014_0811_scirate.xml").read_bytes()
DC_3654 = (paths.FIXTURES / "arxiv" / "oai_dc_getrecord_0811.3654.xml").read_bytes()


def _records(data: bytes) -> dict:
    return {record.arxiv_id: record for record in parse_document(data).records}


def stored(arxiv_ids=None) -> dict[str, dict]:
    """Everything stored of these papers, by arXiv id (rows named, not numbered)."""
    papers = Paper.objects.prefetch_related(
        "versions", "paper_topics__topic", "authorships__author", "authorships__institutions"
    ).order_by("arxiv_id")
    if arxiv_ids is not None:
        papers = papers.filter(arxiv_id__in=arxiv_ids)
    fields = (
        "version", "version_known", "title", "abstract", "published", "published_precision",
        "updated", "updated_precision", "primary_category", "withdrawn", "comment",
        "journal_ref", "doi", "license",
    )  # fmt: skip
    return {
        paper.arxiv_id: {
            **{name: getattr(paper, name) for name in fields},
            "versions": [
                (v.number, v.submitted, v.size, v.withdrawn) for v in paper.versions.all()
            ],
            "categories": [pt.topic.code for pt in paper.paper_topics.all()],
            "authors": [
                (a.author.name, [i.name for i in a.affiliations]) for a in paper.authorships.all()
            ],
        }
        for paper in papers
    }


def test_both_orders_of_a_real_page_in_two_formats_end_the_same():
    """1 000 papers of 2008, in the ``arXiv`` and ``arXivRaw`` formats."""
    import_feed_bytes(ARXIV_0811)
    import_feed_bytes(RAW_0811)
    arxiv_first = stored()
    Paper.objects.all().delete()
    import_feed_bytes(RAW_0811)
    import_feed_bytes(ARXIV_0811)
    assert stored() == arxiv_first
    assert len(arxiv_first) == 1000
    # Exact times everywhere: arXivRaw gives them for every paper of the page.
    assert {p["published_precision"] for p in arxiv_first.values()} == {"second"}
    assert all(p["version_known"] for p in arxiv_first.values())


# Papers of the page that show each defect, and a few more.
SAMPLE = (
    "0811.3654", "0811.3921", "0811.4504", "0811.4019", "0811.3778", "0811.3821", "0811.4382",
    "0811.3817", "0811.3978", "0811.3648", "0811.4647",
)  # fmt: skip


@pytest.mark.parametrize("arxiv_id", SAMPLE)
def test_every_order_of_every_format_ends_in_the_same_paper(arxiv_id):
    records = [_records(ARXIV_0811)[arxiv_id], _records(RAW_0811)[arxiv_id]]
    if arxiv_id == "0811.3654":
        records.append(_records(DC_3654)[arxiv_id])
    ends = []
    for order in itertools.permutations(records):
        Paper.objects.filter(arxiv_id=arxiv_id).delete()
        for record in order:
            papers_upsert(records=[record])
        ends.append(stored([arxiv_id]))
    assert all(end == ends[0] for end in ends), [r.format for r in records]


def test_each_field_keeps_the_best_any_format_gave():
    for data in (DC_3654, ARXIV_0811, RAW_0811):
        import_feed_bytes(data)
    paper = Paper.objects.get(arxiv_id="0811.3654")
    # Exact times and numbered versions from arXivRaw over the day dates of the others.
    assert (paper.published, paper.published_precision) == (
        datetime(2008, 11, 22, 1, 29, 16, tzinfo=UTC),
        "second",
    )
    assert (paper.version, paper.version_known) == (2, True)
    assert paper.abs_url == "https://arxiv.org/abs/0811.3654v2"
    # Structured authors and affiliations from the arXiv format.
    authors = [(a.author.name, [i.name for i in a.affiliations]) for a in paper.authorships.all()]
    assert authors[0] == ("A. Baldi", ["Harvard-Smithsonian Center for Astrophysics"])
    assert authors[-1] == ("A. Simionescu", ["Max Planck Institute for Extraterrestrial Physics"])
    # Categories from a format that has them; the DOI as given.
    assert paper.primary_category == "astro-ph"
    assert paper.doi == "10.1088/0004-637X/694/1/479"


def test_a_paper_known_only_from_the_arxiv_format_has_an_unknown_version(client):
    hep_th = (REAL / "oai_arxiv_listrecords_2017_hep-th_hepcrawl.xml").read_bytes()
    import_feed_bytes(hep_th)
    paper = Paper.objects.get(arxiv_id="1412.8323")
    assert (paper.version, paper.version_known) == (2, False)
    assert paper.abs_url == "https://arxiv.org/abs/1412.8323"
    assert paper.pdf_url == "https://arxiv.org/pdf/1412.8323"
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "arXiv:1412.8323 v2 or later" in html
    assert 'href="https://arxiv.org/pdf/1412.8323"' in html
    # A day, never a time: the date of the day in arXiv's calendar.
    day = paper.published.astimezone(UTC).date().isoformat()
    assert f'<time datetime="{day}"\n  title="Day only' in html
    api = client.get(f"/api/papers/{paper.arxiv_id}/").json()
    assert api["version_known"] is False
    assert (api["published_precision"], api["updated_precision"]) == ("day", "day")


def test_a_withdrawal_from_the_comment_and_from_the_versions():
    import_feed_bytes(ARXIV_0811)
    paper = Paper.objects.get(arxiv_id="0811.3921")
    assert paper.withdrawn is True and paper.pdf_url is None
    import_feed_bytes(RAW_0811)
    paper.refresh_from_db()
    assert (paper.withdrawn, paper.version, paper.version_known) == (True, 2, True)
    assert list(paper.versions.values_list("withdrawn", flat=True)) == [False, True]


def test_shared_affiliations_and_collaborations_are_stored_as_arxiv_shows_them():
    import_feed_bytes(RAW_0811)
    authors = {
        a.author.name: [i.name for i in a.affiliations]
        for a in Paper.objects.get(arxiv_id="0811.4504").authorships.all()
    }
    assert authors["Riccardo Rattazzi"] == authors["Michele Redi"] == ["ITPP, Lausanne"]
    names = [a.author.name for a in Paper.objects.get(arxiv_id="0811.3778").authorships.all()]
    assert names == ["R. Goncalo", "ATLAS and CMS Collaborations"]
    names = [a.author.name for a in Paper.objects.get(arxiv_id="0811.4019").authorships.all()]
    assert names == ["O. Adriani"]


def _unreadable_page() -> bytes:
    page = ARXIV_0811.replace(b"<id>0811.3654</id>", b"<id>0811.36X4</id>")
    # The last page of the run: no token to follow.
    return re.sub(rb"<resumptionToken[^>]*>[^<]*</resumptionToken>", b"", page)


def test_a_harvest_page_with_an_unreadable_record_lands_and_counts_it(fake_arxiv, settings):
    settings.ARXIV_OAI_URL = fake_arxiv.oai_url
    settings.ARXIV_REQUEST_INTERVAL = 0
    fake_arxiv.serve_oai_pages(_unreadable_page())
    run = harvest_run_create(set_spec="physics", from_date=datetime(2008, 11, 1).date())
    run = harvest_run_continue(run_id=run.pk, client=ArxivOaiClient(sleep=lambda s: None))
    assert run.status == JobStatus.SUCCEEDED
    assert run.records_created == 999 and run.records_skipped == 1
    assert run.skipped[0]["identifier"] == "0811.3654"
    assert "invalid identifier" in run.skipped[0]["reason"]
    assert not Paper.objects.filter(arxiv_id="0811.3654").exists()


def test_the_import_command_names_what_it_skipped(tmp_path):
    path = tmp_path / "page.xml"
    path.write_bytes(_unreadable_page())
    out, err = StringIO(), StringIO()
    call_command("import_arxiv", "--file", str(path), stdout=out, stderr=err)
    assert f"{path}: 999 created, 0 updated, 0 unchanged, 1 skipped (unreadable)" in out.getvalue()
    assert f"{path}: skipped 0811.3654: entry with an invalid identifier" in err.getvalue()


@pytest.mark.parametrize(
    "name",
    [
        "real/oai_getrecord_arxiv_2016_1603.05976_bicep_hepcrawl.xml",
        "real/oai_getrecord_arxivraw_2015_1302.2146_arxivoaiharvester.xml",
        "oai_dc_getrecord_0811.3654.xml",
    ],
)
def test_the_import_command_reads_getrecord_and_oai_dc(tmp_path, name):
    out = StringIO()
    call_command("import_arxiv", "--file", str(paths.FIXTURES / "arxiv" / name), stdout=out)
    assert ": 1 created, 0 updated, 0 unchanged" in out.getvalue()
