"""``seed_synthetic``: valid, consistent, reproducible papers that never collide."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from papers.arxiv.categories import CATEGORY_NAMES
from papers.arxiv.ids import parse_arxiv_id
from papers.models import Authorship, Institution, Paper
from papers.selectors import paper_detail_queryset
from papers.services import synthetic
from tests.factories import make_paper

pytestmark = pytest.mark.django_db


def _seed(papers: int, seed: int = 7) -> str:
    out = StringIO()
    call_command("seed_synthetic", papers=papers, seed=seed, verbosity=0, stdout=out)
    return out.getvalue()


def _snapshot(papers=None) -> list[tuple]:
    """Everything generated about each paper, in a form that compares across runs."""
    papers = papers if papers is not None else Paper.objects.all()
    papers = paper_detail_queryset().filter(pk__in=papers.values("pk")).order_by("arxiv_id")
    return [
        (
            p.arxiv_id,
            p.title,
            p.abstract,
            p.version,
            p.published,
            p.updated,
            p.primary_category,
            p.withdrawn,
            p.code_url,
            p.doi,
            p.journal_ref,
            p.comment,
            p.citation_count,
            [
                (a.position, a.author.name, sorted(i.name for i in a.institutions.all()))
                for a in p.authorships.all()
            ],
            [(t.position, t.topic.code) for t in p.paper_topics.all()],
            [(v.number, v.submitted, v.size, v.withdrawn) for v in p.versions.all()],
        )
        for p in papers
    ]


def test_creates_valid_consistent_papers():
    output = _seed(300)

    assert "300 synthetic papers" in output
    papers = _snapshot()
    assert len(papers) == 300
    for (
        arxiv_id,
        title,
        abstract,
        version,
        published,
        updated,
        primary,
        withdrawn,
        *_,
        authors,
        topics,
        versions,
    ) in papers:
        parsed = parse_arxiv_id(arxiv_id)
        assert (parsed.id, parsed.version) == (arxiv_id, None)
        assert int(arxiv_id.split(".")[1]) >= synthetic.SYNTHETIC_NUMBER_OFFSET
        assert title and abstract

        assert authors, arxiv_id
        assert [position for position, *_ in authors] == list(range(len(authors)))
        assert len({name for _, name, _ in authors}) == len(authors)  # nobody listed twice

        assert [position for position, _ in topics] == list(range(len(topics)))
        assert topics[0][1] == primary
        assert all(code in CATEGORY_NAMES for _, code in topics)

        assert [number for number, *_ in versions] == list(range(1, version + 1))
        dates = [submitted for _, submitted, _, _ in versions]
        assert dates == sorted(dates)
        assert (published, updated) == (dates[0], dates[-1])
        assert published <= updated
        # v1 is submitted in the month its id names.
        assert published.strftime("%y%m") == arxiv_id[:4]
        assert withdrawn == versions[-1][3]
        assert not any(w for *_, w in versions[:-1])


def test_shapes_look_like_arxiv():
    _seed(300)

    papers_per_author = Counter(Authorship.objects.values_list("author_id", flat=True))
    assert max(papers_per_author.values()) >= 5  # some authors are prolific
    assert Counter(papers_per_author.values())[1] > len(papers_per_author) / 3  # most are not
    assert Institution.objects.exclude(ror_id="").exclude(country_code="").exists()
    assert Institution.objects.filter(ror_id="").exists()
    # Synthetic ROR ids carry a check number no real ROR id has.
    assert all(
        r.endswith("00")
        for r in Institution.objects.exclude(ror_id="").values_list("ror_id", flat=True)
    )
    assert Paper.objects.exclude(code_url="").exists()
    assert (
        Paper.objects.filter(title__contains="$").exists()
        or Paper.objects.filter(abstract__contains="$").exists()
    )
    assert Paper.objects.filter(version__gt=1).exists()
    # Curation is left empty, so the counters agree with it.
    assert not Paper.objects.exclude(like_count=0, save_count=0, review_count=0).exists()


def test_same_seed_same_papers_other_seed_other_papers():
    _seed(60, seed=3)
    first = _snapshot()
    Paper.objects.all().delete()

    _seed(60, seed=3)
    assert _snapshot() == first

    Paper.objects.all().delete()
    _seed(60, seed=4)
    other = _snapshot()
    assert [p[0] for p in other] == [p[0] for p in first]  # the same free ids...
    assert [p[1:] for p in other] != [p[1:] for p in first]  # ...with other papers


def test_a_second_run_adds_new_papers_and_keeps_the_first():
    _seed(300)
    first = _snapshot()

    _seed(300)

    assert Paper.objects.count() == 600
    assert _snapshot(Paper.objects.filter(arxiv_id__in=[p[0] for p in first])) == first
    second = Paper.objects.exclude(arxiv_id__in=[p[0] for p in first])
    assert second.count() == 300
    # Prolific authors are the same people in both runs, not new rows with the same name.
    authors_before = set(
        Authorship.objects.exclude(paper__in=second).values_list("author_id", flat=True)
    )
    authors_after = set(
        Authorship.objects.filter(paper__in=second).values_list("author_id", flat=True)
    )
    assert len(authors_before & authors_after) >= 10


def test_ids_already_taken_are_skipped():
    taken = synthetic.synthetic_id(0)
    make_paper(arxiv_id=taken, title="A real paper that was here first")

    _seed(5)

    assert Paper.objects.count() == 6
    assert Paper.objects.get(arxiv_id=taken).title == "A real paper that was here first"
    assert synthetic.synthetic_paper_count() == 6


def test_bulk_insert_path_gives_the_same_papers_as_copy(monkeypatch):
    _seed(40, seed=11)
    copied = _snapshot()
    Paper.objects.all().delete()

    monkeypatch.setattr(synthetic, "copy_writer", synthetic._OrmWriter)
    _seed(40, seed=11)

    assert _snapshot() == copied


def test_id_range_is_valid_and_ordered():
    last = synthetic.SYNTHETIC_CAPACITY - 1
    assert synthetic.synthetic_id(0) == "2501.50000"
    assert synthetic.synthetic_id(11) == "2512.50000"
    assert synthetic.synthetic_id(12) == "2501.50001"
    assert synthetic.synthetic_id(last) == "1512.99999"
    for slot in (0, 599_999, 600_000, last):
        assert parse_arxiv_id(synthetic.synthetic_id(slot)).id == synthetic.synthetic_id(slot)
    with pytest.raises(ValueError):
        synthetic.synthetic_id(last + 1)


def test_rejects_a_count_below_one():
    with pytest.raises(CommandError):
        call_command("seed_synthetic", "--papers", "0", verbosity=0, stdout=StringIO())
    assert not Paper.objects.exists()
