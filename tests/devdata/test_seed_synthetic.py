"""``seed_synthetic``: valid, consistent, reproducible papers that never collide."""

from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from devdata import synthetic
from papers.arxiv.categories import CATEGORY_NAMES
from papers.arxiv.ids import parse_arxiv_id
from papers.catalogue.counts import paper_counts_refresh
from papers.catalogue.selectors import paper_detail_queryset
from papers.models import (
    Authorship,
    Citation,
    Collection,
    CollectionItem,
    Institution,
    Paper,
    PaperNeighbour,
)
from papers.researchmap.neighbours import WEIGHTS, neighbours_recompute_all
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db


def _seed(papers: int, seed: int = 7) -> str:
    out = StringIO()
    call_command("seed_synthetic", papers=papers, seed=seed, verbosity=0, stdout=out)
    return out.getvalue()


def _snapshot(papers=None) -> list[tuple]:
    """Everything generated about each paper, in a form that compares across runs."""
    papers = papers if papers is not None else Paper.objects.all()
    papers = paper_detail_queryset().filter(pk__in=papers.values("pk")).order_by("arxiv_id")
    cited, savers = defaultdict(list), defaultdict(list)
    for citing, arxiv_id in Citation.objects.order_by("cited__arxiv_id").values_list(
        "citing_id", "cited__arxiv_id"
    ):
        cited[citing].append(arxiv_id)
    for paper, username in CollectionItem.objects.order_by(
        "collection__owner__username"
    ).values_list("paper_id", "collection__owner__username"):
        savers[paper].append(username)
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
            p.openalex_id,
            p.referenced_openalex_ids,
            p.save_count,
            cited.get(p.pk, []),
            savers.get(p.pk, []),
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
        _openalex_id,
        _references,
        _save_count,
        _cited,
        _savers,
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
    # Saves are the only curation, and every counter agrees with the rows it counts.
    assert not Paper.objects.exclude(like_count=0, dislike_count=0, review_count=0).exists()
    assert Paper.objects.filter(save_count__gt=0).exists()
    assert paper_counts_refresh(paper_ids=Paper.objects.values_list("pk", flat=True)) == 0


def test_references_and_citations_agree_and_point_back_in_time():
    _seed(400)

    papers = {p.pk: p for p in Paper.objects.all()}
    by_openalex = {p.openalex_id: p for p in papers.values()}
    assert len(by_openalex) == 400
    assert all(p.openalex_id.startswith("W9") and p.enriched_at for p in papers.values())
    citations = set(Citation.objects.values_list("citing_id", "cited_id"))
    # A citation for every reference to a paper held here, and no other.
    held = {
        (p.pk, by_openalex[ref].pk)
        for p in papers.values()
        for ref in p.referenced_openalex_ids
        if ref in by_openalex
    }
    assert citations == held
    assert len(citations) >= 200
    for citing, cited in citations:
        assert papers[cited].published < papers[citing].published
    for p in papers.values():
        assert p.referenced_works_count == len(p.referenced_openalex_ids)
        assert len(set(p.referenced_openalex_ids)) == len(p.referenced_openalex_ids)
    # Far more often within the field than chance, and a few papers are cited far more than
    # most.
    same_field = sum(papers[a].primary_category == papers[b].primary_category for a, b in citations)
    assert same_field > len(citations) / 3
    cited_counts = Counter(b for _, b in citations)
    assert max(cited_counts.values()) >= 5
    # Works we do not hold are shared between papers (bibliographic coupling).
    outside = Counter(
        ref for p in papers.values() for ref in p.referenced_openalex_ids if ref not in by_openalex
    )
    assert max(outside.values()) >= 5


def test_curators_save_papers_and_cannot_sign_in():
    _seed(300)

    curators = User.objects.filter(username__startswith=synthetic.CURATOR_USERNAME_PREFIX)
    assert curators.count() == 6  # one per 50 papers
    assert not any(user.has_usable_password() for user in curators)
    items = CollectionItem.objects.select_related("collection")
    assert items.count() >= 40
    assert all(item.collection.is_default for item in items)
    for collection in Collection.objects.filter(owner__in=curators):
        positions = list(collection.items.values_list("position", flat=True))
        assert sorted(positions) == list(range(len(positions)))


def test_every_neighbour_signal_finds_pairs():
    _seed(300)

    neighbours_recompute_all()

    kinds = Counter(
        reason["kind"]
        for reasons in PaperNeighbour.objects.values_list("reasons", flat=True)
        for reason in reasons
    )
    assert set(kinds) == set(WEIGHTS), kinds


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
    # The same curators save on, after their earlier saves.
    curators = User.objects.filter(username__startswith=synthetic.CURATOR_USERNAME_PREFIX)
    assert curators.count() == 6
    for collection in Collection.objects.filter(owner__in=curators):
        positions = list(collection.items.values_list("position", flat=True))
        assert sorted(positions) == list(range(len(positions)))


def test_ids_already_taken_are_skipped():
    taken = synthetic.synthetic_id(0)
    make_paper(arxiv_id=taken, title="A real paper that was here first")

    _seed(5)

    assert Paper.objects.count() == 6
    assert Paper.objects.get(arxiv_id=taken).title == "A real paper that was here first"
    assert (
        Paper.objects.filter(arxiv_id__regex=rf"^{synthetic.SYNTHETIC_ID_PATTERN.pattern}$").count()
        == 6
    )


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
