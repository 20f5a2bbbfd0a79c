"""Research-map neighbours: computed from known signals, corrected by curators, read cheaply."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from papers.curation.saves import paper_save
from papers.models import Citation, NeighbourChoice, Paper, PaperNeighbour
from papers.researchmap.neighbours import (
    NEIGHBOURS_PER_PAPER,
    neighbours_compute,
    neighbours_recompute_all,
    neighbours_refresh,
    paper_neighbours,
    text_terms,
)
from papers.researchmap.pins import (
    neighbour_hide,
    neighbour_pin,
    neighbour_unhide,
    neighbour_unpin,
)
from papers.researchmap.tasks import neighbours_compute as neighbours_compute_task
from tests.support.broker import queued_tasks
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

TARGET_ABSTRACT = "Sparse tokamak plasma turbulence measured with bolometer arrays."


def _filler(i: int) -> Paper:
    # Unrelated papers: their own authors, category and words, so the corpus has a real IDF.
    return make_paper(
        authors=[f"Filler {i} A", f"Filler {i} B"],
        categories=("math.CO",),
        title=f"Combinatorial identity number {i}",
        abstract=f"Enumerative bijection for lattice family {i} with generating function.",
    )


@pytest.fixture
def corpus():
    target = make_paper(
        authors=["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"],
        affiliations={0: ("Analytical Engine Society",)},
        categories=("physics.plasm-ph",),
        title="Tokamak plasma turbulence",
        abstract=TARGET_ABSTRACT,
    )
    papers = {
        "target": target,
        "three_authors": make_paper(
            authors=["Ada Lovelace", "Alan Turing", "Grace Hopper"],
            categories=("cs.DS",),
            title="Sorting networks revisited",
            abstract="Comparator depth bounds for odd-even merges.",
        ),
        # Shares no author but the same words and category: a neighbour, ranked lower.
        "same_text": make_paper(
            authors=["Nobody Related"],
            categories=("physics.plasm-ph",),
            title="Tokamak plasma turbulence spectra",
            abstract="Bolometer arrays resolve sparse tokamak turbulence.",
        ),
        "citing": make_paper(authors=["Citing Person"], categories=("hep-ex",)),
        "co_cited": make_paper(authors=["Cocited Person"], categories=("hep-th",)),
        "coupled": make_paper(authors=["Coupled Person"], categories=("gr-qc",)),
        "co_saved": make_paper(authors=["Saved Person"], categories=("q-bio.NC",)),
        "same_institution": make_paper(
            authors=["Colleague Person"],
            affiliations={0: ("Analytical Engine Society",)},
            categories=("astro-ph.CO",),
        ),
        "stranger": make_paper(
            authors=["Total Stranger"],
            categories=("econ.GN",),
            title="Auction design",
            abstract="Revenue of second-price auctions.",
        ),
    }
    for i in range(8):
        _filler(i)
    Citation.objects.create(citing=papers["citing"], cited=target)
    # The citing paper also cites "co_cited": the two are cited together.
    Citation.objects.create(citing=papers["citing"], cited=papers["co_cited"])
    Paper.objects.filter(pk__in=[target.pk, papers["coupled"].pk]).update(
        referenced_openalex_ids=["W1", "W2", "W3"]
    )
    return papers


def _reasons(paper: Paper, neighbour: Paper) -> dict[str, dict]:
    edge = PaperNeighbour.objects.get(paper=paper, neighbour=neighbour)
    return {reason["kind"]: reason for reason in edge.reasons}


def _ranked(paper: Paper) -> list[int]:
    return list(
        PaperNeighbour.objects.filter(paper=paper)
        .order_by("-score", "neighbour_id")
        .values_list("neighbour_id", flat=True)
    )


def test_known_answers(corpus, curator):
    target = corpus["target"]
    paper_save(user=curator, paper=target)
    paper_save(user=curator, paper=corpus["co_saved"])

    summary = neighbours_recompute_all(batch_size=5)

    assert summary.papers == Paper.objects.count()
    ranked = _ranked(target)
    assert corpus["stranger"].pk not in ranked
    assert ranked.index(corpus["three_authors"].pk) < ranked.index(corpus["same_text"].pk)
    assert _reasons(target, corpus["three_authors"])["shared_authors"] == {
        "kind": "shared_authors",
        "count": 3,
        "label": "shares 3 authors",
    }
    text = _reasons(target, corpus["same_text"])
    assert "shared_authors" not in text
    assert text["text"]["label"] == "similar title and abstract"
    assert text["shared_topics"]["label"] == "shares 1 topic"
    assert _reasons(target, corpus["citing"])["cites"]["label"] == "cites this"
    assert _reasons(corpus["citing"], target)["cited_by"]["label"] == "cited by this"
    assert _reasons(target, corpus["co_cited"])["co_cited"]["label"] == "cited together by 1 paper"
    assert _reasons(target, corpus["coupled"])["shared_references"]["count"] == 3
    assert (
        _reasons(target, corpus["co_saved"])["co_saved"]["label"] == "saved together by 1 curator"
    )
    assert (
        _reasons(target, corpus["same_institution"])["shared_institutions"]["label"]
        == "shares 1 institution"
    )


def test_reasons_strongest_first_and_scores_follow_weights(corpus):
    neighbours_recompute_all()

    edge = PaperNeighbour.objects.get(paper=corpus["target"], neighbour=corpus["three_authors"])
    assert edge.reasons[0]["kind"] == "shared_authors"
    assert edge.score == pytest.approx(9.0)  # 3 shared authors × 3.0, nothing else
    cites = PaperNeighbour.objects.get(paper=corpus["target"], neighbour=corpus["citing"])
    assert cites.reasons[0]["kind"] == "cites"


def test_keeps_only_the_best_neighbours(corpus):
    authors = ["Prolific Writer"]
    papers = [make_paper(authors=authors, categories=("cs.CL",)) for _ in range(25)]

    neighbours_compute(paper_ids=[papers[0].pk])

    assert PaperNeighbour.objects.filter(paper=papers[0]).count() == NEIGHBOURS_PER_PAPER


def test_recompute_replaces_and_ignores_missing_papers(corpus):
    target = corpus["target"]
    neighbours_recompute_all()
    Citation.objects.filter(cited=target).delete()

    stored = neighbours_compute(paper_ids=[target.pk, 10**9])

    assert stored == PaperNeighbour.objects.filter(paper=target).count()
    assert not PaperNeighbour.objects.filter(paper=target, neighbour=corpus["citing"]).exists()
    assert neighbours_compute(paper_ids=[10**9]) == 0


def test_task_computes_a_new_paper_against_the_stored_text_model(corpus):
    neighbours_recompute_all()
    newcomer = make_paper(
        authors=["Fresh Author"],
        categories=("nucl-th",),
        title="Bolometer arrays for tokamak turbulence",
        abstract="Sparse bolometer arrays.",
    )

    stored = neighbours_compute_task(paper_ids=[newcomer.pk])

    assert stored >= 1
    assert "text" in _reasons(newcomer, corpus["target"])
    # Same input, same rows: redelivery is harmless.
    before = list(PaperNeighbour.objects.filter(paper=newcomer).values_list("neighbour", "score"))
    neighbours_compute_task(paper_ids=[newcomer.pk])
    after = list(PaperNeighbour.objects.filter(paper=newcomer).values_list("neighbour", "score"))
    assert sorted(before) == sorted(after)


def test_text_terms_stem_and_drop_stop_words():
    terms = text_terms("Learning Networks", "We propose networks of the learning kind.")
    assert terms["network"] == 3
    assert terms["learn"] == 3
    assert "the" not in terms and "propose" not in terms


@pytest.mark.django_db(transaction=True)
def test_command_reports_progress(corpus):
    out, err = StringIO(), StringIO()

    call_command("compute_neighbours", batch_size=4, workers=2, stdout=out, stderr=err)

    total = Paper.objects.count()
    assert f"Computing neighbours of {total} papers" in out.getvalue()
    assert f"{total}/{total} papers" in out.getvalue()
    assert f"{total}/{total}" in err.getvalue()  # the progress bar
    assert PaperNeighbour.objects.filter(paper=corpus["target"]).exists()


def test_command_rejects_a_bad_batch_size():
    with pytest.raises(Exception, match="batch"):
        call_command("compute_neighbours", "--batch-size", "0", stdout=StringIO())
    with pytest.raises(Exception, match="workers"):
        call_command("compute_neighbours", "--workers", "0", stdout=StringIO())


def test_inside_a_transaction_the_recompute_does_not_fork(corpus):
    """Forked workers could not see uncommitted rows: the work stays in this process."""
    summary = neighbours_recompute_all(batch_size=4, workers=2)

    assert summary.edges == PaperNeighbour.objects.count() > 0


# --- curation -------------------------------------------------------------------------------


def test_hidden_neighbours_never_return(corpus, curator, other_curator):
    target, hidden = corpus["target"], corpus["three_authors"]
    neighbours_recompute_all()
    assert hidden.pk in [v.paper.pk for v in paper_neighbours(paper=target, limit=20)]

    neighbour_hide(user=curator, paper=target, neighbour=hidden)

    for viewer in (None, curator, other_curator):
        shown = [v.paper.pk for v in paper_neighbours(paper=target, viewer=viewer, limit=20)]
        assert hidden.pk not in shown
        assert corpus["citing"].pk in shown
    choice = NeighbourChoice.objects.get()
    assert (choice.user, choice.action) == (curator, NeighbourChoice.Action.HIDE)
    # A recompute does not bring it back.
    neighbours_recompute_all()
    assert hidden.pk not in [v.paper.pk for v in paper_neighbours(paper=target, limit=20)]


def test_pins_always_return_first_with_who_pinned(corpus, curator, other_curator):
    target, stranger = corpus["target"], corpus["stranger"]
    neighbours_recompute_all()

    neighbour_pin(user=curator, paper=target, neighbour=stranger)
    neighbour_hide(user=other_curator, paper=target, neighbour=stranger)

    views = paper_neighbours(paper=target, viewer=curator, limit=1)
    assert [v.paper.pk for v in views] == [stranger.pk]
    assert views[0].is_pinned and views[0].pinned_by == [curator]
    assert views[0].viewer_choice == NeighbourChoice.Action.PIN
    assert paper_neighbours(paper=target, viewer=other_curator)[0].viewer_choice == "hide"


def test_reading_a_slice_takes_two_queries(
    corpus, curator, other_curator, django_assert_max_num_queries
):
    target = corpus["target"]
    neighbours_recompute_all()
    neighbour_pin(user=curator, paper=target, neighbour=corpus["stranger"])
    neighbour_pin(user=other_curator, paper=target, neighbour=corpus["stranger"])
    neighbour_hide(user=curator, paper=target, neighbour=corpus["citing"])
    computed = (
        PaperNeighbour.objects.filter(paper=target)
        .exclude(neighbour__in=[corpus["stranger"], corpus["citing"]])
        .count()
    )

    with django_assert_max_num_queries(2):
        views = paper_neighbours(paper=target, viewer=curator, limit=10)
        labels = [(v.paper.arxiv_id, [u.username for u in v.pinned_by], v.reasons) for v in views]

    assert len(labels) == min(10, computed + 1) > 3
    assert labels[0][1] == ["curator", "other"]


def test_one_choice_per_curator_and_pair(corpus, curator):
    target, other = corpus["target"], corpus["stranger"]

    neighbour_pin(user=curator, paper=target, neighbour=other)
    neighbour_pin(user=curator, paper=target, neighbour=other)
    assert NeighbourChoice.objects.get().action == "pin"
    neighbour_hide(user=curator, paper=target, neighbour=other)
    assert NeighbourChoice.objects.get().action == "hide"

    assert neighbour_unpin(user=curator, paper=target, neighbour=other) is False
    assert neighbour_unhide(user=curator, paper=target, neighbour=other) is True
    assert not NeighbourChoice.objects.exists()


def test_unpin_withdraws_only_ones_own_pin(corpus, curator, other_curator):
    target, other = corpus["target"], corpus["stranger"]
    neighbour_pin(user=curator, paper=target, neighbour=other)
    neighbour_pin(user=other_curator, paper=target, neighbour=other)

    assert neighbour_unpin(user=curator, paper=target, neighbour=other) is True

    assert paper_neighbours(paper=target)[0].pinned_by == [other_curator]


def test_choices_are_validated(corpus, curator):
    target = corpus["target"]
    with pytest.raises(ValidationError, match="its own neighbour"):
        neighbour_pin(user=curator, paper=target, neighbour=target)
    with pytest.raises(ValidationError, match="must exist"):
        neighbour_hide(user=curator, paper=target, neighbour=Paper(arxiv_id="2401.99999"))
    gone = corpus["stranger"]
    Paper.objects.filter(pk=gone.pk).delete()
    with pytest.raises(ValidationError, match="must exist"):
        neighbour_pin(user=curator, paper=target, neighbour=gone)
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ValidationError, match="Sign in"):
        neighbour_pin(user=AnonymousUser(), paper=target, neighbour=corpus["citing"])
    assert not NeighbourChoice.objects.exists()


def test_authors_on_very_many_papers_do_not_relate_them(monkeypatch):
    monkeypatch.setattr("papers.researchmap.neighbours.AUTHOR_MAX_PAPERS", 3)
    crowd = [make_paper(authors=["Everywhere Author"], categories=("cs.CL",)) for _ in range(4)]
    pair = [make_paper(authors=["Rare Author"], categories=("cs.CV",)) for _ in range(2)]

    neighbours_compute(paper_ids=[crowd[0].pk, pair[0].pk])

    crowd_edges = PaperNeighbour.objects.filter(paper=crowd[0]).values_list("reasons", flat=True)
    assert not [r for reasons in crowd_edges for r in reasons if r["kind"] == "shared_authors"]
    assert _reasons(pair[0], pair[1])["shared_authors"]["count"] == 1


def test_admin_lists_neighbours_and_choices_read_only(admin_client, corpus, curator):
    neighbours_compute(paper_ids=[corpus["target"].pk])
    neighbour_hide(user=curator, paper=corpus["target"], neighbour=corpus["citing"])

    for name in ("paperneighbour", "neighbourchoice"):
        response = admin_client.get(f"/admin/papers/{name}/", {"q": corpus["target"].arxiv_id})
        assert response.status_code == 200
        assert corpus["target"].arxiv_id in response.content.decode()
        assert admin_client.get(f"/admin/papers/{name}/add/").status_code == 403


# --- keeping the map current -----------------------------------------------------------------


def test_refresh_places_a_new_paper_on_its_neighbours_maps(corpus):
    target = corpus["target"]
    neighbours_recompute_all()
    newcomer = make_paper(authors=["Ada Lovelace", "Alan Turing"], categories=("nucl-th",))
    Citation.objects.create(citing=newcomer, cited=target)

    neighbours_refresh(paper_ids=[newcomer.pk])

    # Seen from the newcomer: it cites the target. Seen from the target: the newcomer cites it.
    assert _reasons(newcomer, target)["cited_by"]["label"] == "cited by this"
    back = _reasons(target, newcomer)
    assert back["cites"]["label"] == "cites this"
    assert back["shared_authors"]["count"] == 2
    forward = PaperNeighbour.objects.get(paper=newcomer, neighbour=target)
    assert PaperNeighbour.objects.get(paper=target, neighbour=newcomer).score == forward.score
    # The target's other neighbours are kept, in the same bounded list.
    assert corpus["three_authors"].pk in _ranked(target)
    assert len(_ranked(target)) <= NEIGHBOURS_PER_PAPER


def test_refresh_keeps_a_full_map_to_its_best_edges(corpus):
    neighbours_recompute_all()
    crowd = [make_paper(authors=["Prolific Writer"], categories=("cs.CL",)) for _ in range(22)]
    neighbours_compute(paper_ids=[p.pk for p in crowd])
    # A newcomer sharing one weak topic with a crowded paper does not push out its co-authors.
    weak = make_paper(authors=["Someone Else"], categories=("cs.CL",), title="x", abstract="y")

    neighbours_refresh(paper_ids=[weak.pk])

    assert len(_ranked(crowd[0])) == NEIGHBOURS_PER_PAPER
    assert weak.pk not in _ranked(crowd[0])


def test_ingest_queues_one_neighbours_task_per_batch_once_committed(
    django_capture_on_commit_callbacks,
):
    from papers.ingest.upsert import papers_upsert
    from tests.support.factories import paper_record

    records = [paper_record(title=f"Batch paper {i}") for i in range(3)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        results = papers_upsert(records=records)
    assert queued_tasks() == []
    for callback in callbacks:
        callback()

    ids = sorted(result.paper.pk for result in results)
    assert queued_tasks() == [("papers.tasks.neighbours_compute", [ids], None)]


def test_the_full_recompute_runs_nightly():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="papers.tasks.neighbours_recompute_all")
    assert (task.crontab.hour, task.crontab.minute, task.enabled) == ("4", "0", True)


def test_the_recompute_counts_shared_references_as_the_sql_does(monkeypatch):
    """The full recompute couples papers in memory; the pairs, counts and ties match the SQL."""
    from papers.researchmap import neighbours
    from papers.researchmap.corpus import ReferenceIndex

    lists = [
        ["W1", "W2", "W3", "W4"],
        ["W1", "W2", "W3"],
        ["W2", "W3", "W9"],
        ["W3", "W4", "W4"],  # a repeated reference counts once
        ["W1", "W5"],
        ["W5", "W6"],
        ["W7"],  # held by no other paper: couples nothing
        [],
    ]
    papers = [make_paper() for _ in lists]
    for paper, refs in zip(papers, lists, strict=True):
        Paper.objects.filter(pk=paper.pk).update(referenced_openalex_ids=refs)
    ids = sorted(p.pk for p in papers)
    # A cut of two per paper: after its best match the first paper has two tied at two.
    monkeypatch.setattr(neighbours, "CANDIDATES_PER_SIGNAL", 2)
    common = neighbours.CommonIds.load()

    def coupled(references):
        return [
            (paper, other, count)
            for kind, paper, other, count in neighbours._graph_signals(ids, common, references)
            if kind == "shared_references"
        ]

    in_sql = coupled(None)
    in_memory = coupled(ReferenceIndex.build())

    assert sorted(in_memory) == sorted(in_sql)
    first, second = papers[0].pk, papers[1].pk
    assert (first, second, 3) in in_memory
    assert [other for paper, other, _ in in_memory if paper == papers[6].pk] == []
    assert len([1 for paper, *_ in in_sql if paper == first]) == 2


def test_the_recompute_indexes_give_the_edges_the_sql_gives(corpus, curator):
    """References and topics from the corpus indexes: every edge and count as SQL finds them."""
    from papers.researchmap import neighbours
    from papers.researchmap.corpus import ReferenceIndex, TopicIndex

    paper_save(user=curator, paper=corpus["target"])
    paper_save(user=curator, paper=corpus["co_saved"])
    ids = sorted(Paper.objects.values_list("pk", flat=True))
    model, terms = neighbours.text_model_build()
    text_index = neighbours.TextIndex.build(model, terms)
    common = neighbours.CommonIds.load()

    def computed(signals):
        edges = neighbours._edges_for(ids, signals)
        return {(p, o): edge.signals for p, others in edges.items() for o, edge in others.items()}

    in_sql = computed(neighbours.Signals(text_index=text_index, common=common))
    in_memory = computed(
        neighbours.Signals(
            text_index=text_index,
            common=common,
            references=ReferenceIndex.build(),
            topics=TopicIndex.build(),
        )
    )

    assert in_memory == in_sql
    target, coupled = corpus["target"].pk, corpus["coupled"].pk
    assert in_memory[(target, coupled)]["shared_references"] == 3
    assert in_memory[(target, corpus["same_text"].pk)]["shared_topics"] == 1


@pytest.mark.django_db(transaction=True)
def test_forked_workers_store_what_one_process_stores(corpus):
    """`compute_neighbours --workers 2`: the batches split across processes, the rows the same."""

    def stored():
        return {
            (e.paper_id, e.neighbour_id): (e.score, e.reasons) for e in PaperNeighbour.objects.all()
        }

    one = neighbours_recompute_all(batch_size=3)
    in_one_process = stored()
    PaperNeighbour.objects.all().delete()
    seen = []

    two = neighbours_recompute_all(batch_size=3, workers=2, progress=seen.append)

    assert stored() == in_one_process
    assert (two.papers, two.edges) == (one.papers, one.edges)
    assert sum(seen) == two.papers and len(seen) == -(-two.papers // 3)
    # The parent reconnects after the fork and goes on working.
    assert Paper.objects.count() == two.papers
