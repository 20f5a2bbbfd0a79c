""" "For you": papers near the ones a signed-in user saved or liked.

The seeds are the papers the user saved (in any collection) or liked; the candidates are the
seeds' stored research-map neighbours (``PaperNeighbour``, see papers/neighbours.py). A
candidate's score is the sum of its edge scores over the seeds it is near, so a paper near
three of my papers ranks above one as near to a single paper: agreement across what I keep
is better evidence than one strong link.

Left out: papers the user saved, voted on (either way: a dislike is an answer too), reviewed
or opened recently (papers/seen.py), withdrawn papers, and edges a curator hid from a seed's
map (unless someone pinned it: the map shows those, see ``paper_neighbours``).

Two queries whatever the number of seeds: the ranking (one aggregate over the seeds' edges,
the exclusions as subqueries), then the chosen candidates with their strongest seeds.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, Sum, Window
from django.db.models.functions import RowNumber
from django.urls import reverse

from papers.models import CollectionItem, NeighbourChoice, Paper, PaperNeighbour, Vote
from papers.researchmap.seen import seen_ids
from reviews.models import Review

FOR_YOU_SIZE = 10
FOR_YOU_MAX = 50
# Seeds named per recommendation; the count covers them all.
SEEDS_SHOWN = 3

CANDIDATE_FIELDS = ("arxiv_id", "title", "primary_category", "published", "withdrawn")


@dataclass(frozen=True, slots=True)
class Seed:
    """One of the user's papers a recommendation is near."""

    arxiv_id: str
    title: str
    saved: bool  # saved in a collection; otherwise liked

    @property
    def url(self) -> str:
        return reverse("papers:detail", kwargs={"arxiv_id": self.arxiv_id})


@dataclass
class Recommendation:
    paper: Paper
    score: float
    seed_count: int
    saved_seed_count: int
    # The strongest seeds first (at most SEEDS_SHOWN), and why the strongest is near.
    seeds: list[Seed] = field(default_factory=list)
    reasons: list[dict] = field(default_factory=list)

    @property
    def reason(self) -> str:
        if self.seed_count == 1 and self.seeds:
            return f"near {self.seeds[0].title}"
        if self.saved_seed_count == self.seed_count:
            how = "saved"
        elif self.saved_seed_count == 0:
            how = "liked"
        else:
            how = "saved or liked"
        return f"near {self.seed_count} papers you {how}"


def papers_for_you(*, user, limit: int = FOR_YOU_SIZE) -> list[Recommendation]:
    """The ``limit`` best papers for ``user``, best first; empty for anonymous visitors."""
    if user is None or not user.is_authenticated:
        return []
    saved = CollectionItem.objects.filter(collection__owner=user).values("paper_id")
    liked = Vote.objects.filter(user=user, value=Vote.Value.LIKE).values("paper_id")
    from_seeds = Q(paper_id__in=saved) | Q(paper_id__in=liked)
    choices = NeighbourChoice.objects.filter(
        paper=OuterRef("paper_id"), neighbour=OuterRef("neighbour_id")
    )
    shown = ~Exists(choices.filter(action=NeighbourChoice.Action.HIDE)) | Exists(
        choices.filter(action=NeighbourChoice.Action.PIN)
    )
    edges = PaperNeighbour.objects.filter(from_seeds, shown)

    ranked = list(
        edges.filter(neighbour__withdrawn=False)
        .exclude(neighbour_id__in=saved)
        .exclude(neighbour_id__in=Vote.objects.filter(user=user).values("paper_id"))
        .exclude(neighbour_id__in=Review.objects.filter(author=user).values("paper_id"))
        .exclude(neighbour__arxiv_id__in=seen_ids(user=user))
        .values("neighbour_id")
        .annotate(
            total=Sum("score"),
            seeds=Count("id"),
            saved_seeds=Count("id", filter=Q(paper_id__in=saved)),
        )
        .order_by("-total", "neighbour_id")[:limit]
    )
    if not ranked:
        return []

    strongest = Window(
        RowNumber(),
        partition_by=[F("neighbour_id")],
        order_by=[F("score").desc(), F("paper_id")],
    )
    seed_saved = Exists(
        CollectionItem.objects.filter(collection__owner=user, paper_id=OuterRef("paper_id"))
    )
    rows = (
        edges.filter(neighbour_id__in=[row["neighbour_id"] for row in ranked])
        .select_related("paper", "neighbour")
        .only(
            "reasons",
            "paper__arxiv_id",
            "paper__title",
            *(f"neighbour__{name}" for name in CANDIDATE_FIELDS),
        )
        .annotate(rank=strongest, seed_saved=seed_saved)
        .filter(rank__lte=SEEDS_SHOWN)
        .order_by("neighbour_id", "rank")
    )
    found: dict[int, Recommendation] = {}
    totals = {row["neighbour_id"]: row for row in ranked}
    for edge in rows:
        recommendation = found.get(edge.neighbour_id)
        if recommendation is None:
            total = totals[edge.neighbour_id]
            recommendation = found[edge.neighbour_id] = Recommendation(
                paper=edge.neighbour,
                score=round(total["total"], 4),
                seed_count=total["seeds"],
                saved_seed_count=total["saved_seeds"],
                reasons=edge.reasons,
            )
        recommendation.seeds.append(
            Seed(arxiv_id=edge.paper.arxiv_id, title=edge.paper.title, saved=edge.seed_saved)
        )
    return [found[row["neighbour_id"]] for row in ranked if row["neighbour_id"] in found]
