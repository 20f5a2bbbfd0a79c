"""``manage.py import_arxiv --file``: one transaction per file, one line per failure."""

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from papers.models import Paper
from tests.papers.ingest.test_upsert import db_snapshot
from tests.support import paths
from tests.support.worker import subprocess_database_url

FIXTURES = paths.FIXTURES / "arxiv"

pytestmark = pytest.mark.django_db


def fixture(name: str) -> str:
    return str(FIXTURES / name)


def run(*paths: str) -> str:
    out = StringIO()
    call_command("import_arxiv", "--file", *paths, stdout=out)
    return out.getvalue()


def arxiv_ids() -> list[str]:
    return sorted(Paper.objects.values_list("arxiv_id", flat=True))


def test_imports_files_and_prints_counts_per_file_and_in_total():
    older, newer = fixture("api_older_versions.xml"), fixture("api_new_format.xml")
    assert run(older, newer).splitlines() == [
        f"{older}: 2 created, 0 updated, 0 unchanged",
        f"{newer}: 1 created, 2 updated, 0 unchanged",
        "2 files: 3 created, 2 updated, 0 unchanged",
    ]
    assert arxiv_ids() == ["1706.03762", "2203.14101", "2301.04567"]
    assert Paper.objects.get(arxiv_id="2203.14101").version == 4

    assert run(newer).splitlines() == [
        f"{newer}: 0 created, 0 updated, 3 unchanged",
        "1 file: 0 created, 0 updated, 3 unchanged",
    ]


def test_oai_files_report_deleted_records():
    old, page = fixture("api_old_format.xml"), fixture("oai_arxivraw_page1.xml")
    last = fixture("oai_arxivraw_last_page.xml")
    assert run(old, page, last).splitlines() == [
        f"{old}: 4 created, 0 updated, 0 unchanged",
        # 0704.0001 again, from arXivRaw: its text and exact times are kept over the API's.
        f"{page}: 1 created, 1 updated, 0 unchanged, 1 marked withdrawn (deleted at arXiv)",
        f"{last}: 1 created, 0 updated, 0 unchanged",
        "3 files: 6 created, 1 updated, 0 unchanged, 1 marked withdrawn (deleted at arXiv)",
    ]
    assert Paper.objects.get(arxiv_id="hep-th/9901001").withdrawn is True


def test_empty_feed_says_no_papers():
    empty = fixture("api_empty.xml")
    assert run(empty).splitlines() == [f"{empty}: no papers", "1 file: no papers"]
    assert arxiv_ids() == []


def test_no_records_match_says_no_papers():
    path = fixture("oai_no_records_match.xml")
    assert run(path).splitlines() == [f"{path}: no papers", "1 file: no papers"]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("api_error_incorrect_id.xml", "arXiv API error: incorrect id format for 1234.56789"),
        (
            "api_truncated.xml",
            "malformed or truncated XML (Premature end of data in tag summary line 52, "
            "line 52, column 59)",
        ),
        ("doctype_billion_laughs.xml", "documents with a DOCTYPE are not accepted"),
        (
            "oai_error_bad_argument.xml",
            "OAI-PMH error badArgument: Illegal argument: from must be a date in the form "
            "YYYY-MM-DD",
        ),
    ],
)
def test_bad_file_fails_with_one_sentence_and_changes_nothing(name, reason):
    run(fixture("api_older_versions.xml"))
    before = db_snapshot()
    path = fixture(name)
    with pytest.raises(CommandError) as excinfo:
        run(path)
    assert str(excinfo.value) == f"{path}: {reason} (nothing imported from this file)"
    assert db_snapshot() == before


def test_malformed_file(tmp_path):
    path = tmp_path / "rate-limited.xml"
    path.write_bytes(b"Rate exceeded.")
    with pytest.raises(CommandError) as excinfo:
        run(str(path))
    assert str(excinfo.value) == (
        f"{path}: malformed or truncated XML (Start tag expected, '<' not found, line 1, "
        "column 1) (nothing imported from this file)"
    )
    assert arxiv_ids() == []


def test_earlier_good_files_stay_imported_and_later_ones_are_not_read():
    good, bad = fixture("api_older_versions.xml"), fixture("api_truncated.xml")
    later = fixture("api_paged.xml")
    out = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_arxiv", "--file", good, bad, later, stdout=out)
    assert str(excinfo.value).startswith(f"{bad}: malformed or truncated XML")
    assert out.getvalue().splitlines() == [f"{good}: 2 created, 0 updated, 0 unchanged"]
    assert arxiv_ids() == ["1706.03762", "2203.14101"]


def test_missing_file_is_reported_before_anything_is_imported(tmp_path):
    missing = tmp_path / "nowhere.xml"
    with pytest.raises(CommandError) as excinfo:
        run(fixture("api_older_versions.xml"), str(missing))
    assert str(excinfo.value) == f"{missing}: no such file"
    assert arxiv_ids() == []


def test_a_directory_is_not_a_file(tmp_path):
    with pytest.raises(CommandError) as excinfo:
        run(str(tmp_path))
    assert str(excinfo.value) == f"{tmp_path}: no such file"


def test_ids_or_files_are_required_but_not_both():
    with pytest.raises(CommandError, match="Give arXiv ids, or --file"):
        call_command("import_arxiv")
    with pytest.raises(CommandError, match="Give arXiv ids, or --file"):
        call_command("import_arxiv", "2203.14101", "--file", fixture("api_empty.xml"))
    with pytest.raises(CommandError, match="is not an arXiv identifier"):
        call_command("import_arxiv", "hello")


@pytest.mark.django_db(transaction=True)
def test_from_the_shell_exit_status_and_a_single_stderr_line():
    env = {**os.environ, "DATABASE_URL": subprocess_database_url()}
    good, bad = fixture("api_older_versions.xml"), fixture("api_error_incorrect_id.xml")
    result = subprocess.run(
        [sys.executable, "manage.py", "import_arxiv", "--file", good, bad],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stdout.splitlines() == [f"{good}: 2 created, 0 updated, 0 unchanged"]
    assert result.stderr.splitlines() == [
        f"CommandError: {bad}: arXiv API error: incorrect id format for 1234.56789 "
        "(nothing imported from this file)"
    ]
    assert arxiv_ids() == ["1706.03762", "2203.14101"]
