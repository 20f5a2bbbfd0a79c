"""The research-map slice on the paper page: what is near this paper, and why.

Everything is read, not computed: the neighbours come stored (papers/neighbours.py), and the
people, institutions and topics around them are read for all shown papers at once, so the
slice costs the same handful of queries whatever the number of neighbours or authors:

1-2. the paper's pins and hides, then its stored neighbours (``paper_neighbours``);
3.   the authorships of the paper and its neighbours, with their authors;
4.   how many papers each shown person has here;
5.   the institutions of those authorships;
6.   the topics of the shown papers;
7.   (signed in) the neighbours this curator hid, so they can be shown again.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count

from papers.models import Authorship, NeighbourChoice, Paper, PaperTopic
from papers.researchmap.neighbours import NeighbourView, paper_neighbours

NEIGHBOURS_SHOWN = 8
# The paper's own first authors, then the first authors of each neighbour: a hundred-author
# collaboration stays a readable list.
OWN_AUTHORS_SHOWN = 8
NEIGHBOUR_AUTHORS_SHOWN = 2
PEOPLE_SHOWN = 16
INSTITUTIONS_SHOWN = 8
TOPICS_SHOWN = 8
REASONS_SHOWN = 3


@dataclass
class SliceNeighbour:
    view: NeighbourView
    first_author: str = ""
    author_count: int = 0

    @property
    def paper(self) -> Paper:
        return self.view.paper

    @property
    def reasons(self) -> list[dict]:
        return self.view.reasons[:REASONS_SHOWN]


@dataclass
class SlicePerson:
    author_id: int
    name: str
    paper_count: int = 0
    on_this_paper: bool = False


@dataclass
class SliceCount:
    """An institution or topic, and how many of the shown papers it covers."""

    item: object
    papers: int


@dataclass
class MapSlice:
    paper: Paper
    neighbours: list[SliceNeighbour]
    people: list[SlicePerson]
    institutions: list[SliceCount]
    topics: list[SliceCount]
    hidden_by_viewer: list[Paper] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.neighbours


def _people(
    paper: Paper, neighbours: list[SliceNeighbour], authorships: list[Authorship]
) -> list[SlicePerson]:
    by_paper: dict[int, list[Authorship]] = {}
    for authorship in authorships:
        by_paper.setdefault(authorship.paper_id, []).append(authorship)
    for neighbour in neighbours:
        own = by_paper.get(neighbour.paper.pk, [])
        neighbour.author_count = len(own)
        neighbour.first_author = own[0].author.name if own else ""
    people: dict[int, SlicePerson] = {}
    shown = [(a, True) for a in by_paper.get(paper.pk, [])[:OWN_AUTHORS_SHOWN]]
    for neighbour in neighbours:
        own = by_paper.get(neighbour.paper.pk, [])
        shown += [(a, False) for a in own[:NEIGHBOUR_AUTHORS_SHOWN]]
    for authorship, on_this_paper in shown:
        person = people.setdefault(
            authorship.author_id, SlicePerson(authorship.author_id, authorship.author.name)
        )
        person.on_this_paper |= on_this_paper
    return list(people.values())[:PEOPLE_SHOWN]


def _paper_counts(people: list[SlicePerson]) -> None:
    counts = dict(
        Authorship.objects.filter(author_id__in=[p.author_id for p in people])
        .values("author_id")
        .annotate(papers=Count("paper_id", distinct=True))
        .values_list("author_id", "papers")
    )
    for person in people:
        person.paper_count = counts.get(person.author_id, 0)


def _institutions(authorship_ids: list[int]) -> list[SliceCount]:
    links = (
        Authorship.institutions.through.objects.filter(authorship_id__in=authorship_ids)
        .select_related("institution", "authorship")
        .order_by("authorship__paper_id", "position")
    )
    papers: dict[int, set[int]] = {}
    institutions = {}
    for link in links:
        institutions[link.institution_id] = link.institution
        papers.setdefault(link.institution_id, set()).add(link.authorship.paper_id)
    # Ties keep the order met: the papers' order, then each author's order (primary first).
    ranked = sorted(papers, key=lambda pk: -len(papers[pk]))
    return [SliceCount(institutions[pk], len(papers[pk])) for pk in ranked[:INSTITUTIONS_SHOWN]]


def _topics(paper_ids: list[int]) -> list[SliceCount]:
    counts: Counter = Counter()
    topics = {}
    for paper_topic in PaperTopic.objects.filter(paper_id__in=paper_ids).select_related("topic"):
        topics[paper_topic.topic_id] = paper_topic.topic
        counts[paper_topic.topic_id] += 1
    ranked = sorted(counts, key=lambda pk: (-counts[pk], topics[pk].code))
    return [SliceCount(topics[pk], counts[pk]) for pk in ranked[:TOPICS_SHOWN]]


def map_slice_get(*, paper: Paper, viewer=None) -> MapSlice:
    """The slice of ``paper``'s research map that its page shows, for this viewer."""
    viewer = viewer if viewer is not None and viewer.is_authenticated else None
    neighbours = [
        SliceNeighbour(view)
        for view in paper_neighbours(paper=paper, viewer=viewer, limit=NEIGHBOURS_SHOWN)
    ]
    paper_ids = [paper.pk] + [n.paper.pk for n in neighbours]
    authorships = list(
        Authorship.objects.filter(paper_id__in=paper_ids)
        .select_related("author")
        .only("pk", "paper_id", "position", "author__name")
        .order_by("paper_id", "position")
    )
    people = _people(paper, neighbours, authorships)
    if people:
        _paper_counts(people)
    hidden = []
    if viewer is not None:
        hidden = [
            choice.neighbour
            for choice in NeighbourChoice.objects.filter(
                paper=paper, user=viewer, action=NeighbourChoice.Action.HIDE
            )
            .select_related("neighbour")
            .only("neighbour__arxiv_id", "neighbour__title")
        ]
    return MapSlice(
        paper=paper,
        neighbours=neighbours,
        people=people,
        institutions=_institutions([a.pk for a in authorships]) if authorships else [],
        topics=_topics(paper_ids),
        hidden_by_viewer=hidden,
    )
