"""The research map around a paper as a graph: papers, people, institutions and topics.

The explorer page and ``GET /api/papers/<id>/graph/`` (which the page's script draws) serve
what ``paper_graph`` builds. The centre's neighbours come from ``paper_neighbours`` (so hides and
pins are respected, pins first); everything else is read for all papers of the graph at
once, so the graph costs the same few queries whatever its size:

1-2. the centre's pins and hides, then its computed neighbours (``paper_neighbours``);
3-4. the shown authorships with their authors, then their institutions;
5.   how many authors each paper has;
6.   how many papers each shown author has on BZPEER;
7.   the papers' arXiv categories;
8.   the stored neighbour edges among the nearby papers themselves (unless hidden there),
     so the map shows which of them belong together, not only how each relates to the centre.

Every edge carries a ``label`` that says why it is there ("cites this", "shares 3 authors",
"wrote", "affiliated", "in topic"; between two nearby papers "cites" points from the citing
one), so a reader never meets an unexplained line. Nodes other than papers list the papers
of the graph they hang from (``papers``), which lets a filter on neighbour reasons drop the
people and topics that only came with a dropped paper, here and in the page's script alike.

The graph is not cached: neighbour recomputes and changes to a neighbour do not replace the
centre's page token (papers/cache.py), so a cached graph could outlive what it shows, and
reading it is already a fixed handful of indexed queries.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse

from papers.arxiv.categories import category_name
from papers.models import (
    Authorship,
    NeighbourChoice,
    Paper,
    PaperNeighbour,
    PaperTopic,
    institution_links_prefetch,
)
from papers.researchmap.neighbours import paper_neighbours

# Enough nearby papers to explore, few enough to read: the slice on the paper page shows fewer.
NEIGHBOURS_SHOWN = 12
# Authors drawn per paper: the centre's first six, each neighbour's first three, so that a
# hundred-author collaboration stays one readable cluster.
CENTRE_AUTHORS_SHOWN = 6
NEIGHBOUR_AUTHORS_SHOWN = 3
# The primary category and the next two.
TOPICS_PER_PAPER = 3

NODE_KINDS = {
    "paper": "Papers",
    "author": "People",
    "institution": "Institutions",
    "topic": "Topics",
}
# Why a neighbour is near, as filter choices; "pinned" is a curator's pin (papers/neighbours.py).
REASON_KINDS = {
    "cites": "Cites this paper",
    "cited_by": "Cited by this paper",
    "shared_authors": "Shared authors",
    "co_cited": "Cited together",
    "co_saved": "Saved together",
    "shared_references": "Shared references",
    "text": "Similar title and abstract",
    "shared_institutions": "Shared institutions",
    "shared_topics": "Shared topics",
    "pinned": "Pinned by a curator",
}


def paper_node_id(arxiv_id: str) -> str:
    return f"paper:{arxiv_id}"


def _paper_node(paper: Paper, *, author_count: int, centre: bool) -> dict:
    return {
        "id": paper_node_id(paper.arxiv_id),
        "kind": "paper",
        "label": paper.title,
        "url": paper.get_absolute_url(),
        "map_url": reverse("papers:map", kwargs={"arxiv_id": paper.arxiv_id}),
        "graph_url": reverse("api:paper-graph", kwargs={"arxiv_id": paper.arxiv_id}),
        "centre": centre,
        "size": 1.0 if centre else 0.0,
        "papers": [],
        "details": {
            "arxiv_id": paper.arxiv_id,
            "year": paper.published.year,
            "authors": author_count,
            "primary_category": paper.primary_category,
            "citations": paper.citation_count,
            "withdrawn": paper.withdrawn,
            "score": None,
            "reasons": [],
            "pinned_by": [],
        },
    }


def _neighbour_edge(centre_id: str, node: dict, view) -> dict:
    pinned_by = [str(user) for user in view.pinned_by]
    labels = [reason["label"] for reason in view.reasons]
    kinds = [reason["kind"] for reason in view.reasons]
    if pinned_by:
        labels.insert(0, f"pinned by {', '.join(pinned_by)}")
        kinds.insert(0, "pinned")
    node["details"].update(score=round(view.score, 3), reasons=labels, pinned_by=pinned_by)
    return {
        "id": f"near:{node['id']}",
        "source": centre_id,
        "target": node["id"],
        "kind": "neighbour",
        "label": "; ".join(labels),
        "reasons": kinds,
        "pinned": bool(pinned_by),
    }


def _edge(source: str, target: str, kind: str, label: str) -> dict:
    return {
        "id": f"{kind}:{source}:{target}",
        "source": source,
        "target": target,
        "kind": kind,
        "label": label,
        "reasons": [],
        "pinned": False,
    }


def _related_edges(node_of: dict[int, dict], neighbour_ids: list[int]) -> list[dict]:
    """Edges between two nearby papers, from their stored neighbours: one per pair.

    A pair is usually stored both ways with the same signals; the higher score is kept. A
    curator's hide on either paper's map removes the pair here too.
    """
    hidden = NeighbourChoice.objects.filter(
        Q(paper_id=OuterRef("paper_id"), neighbour_id=OuterRef("neighbour_id"))
        | Q(paper_id=OuterRef("neighbour_id"), neighbour_id=OuterRef("paper_id")),
        action=NeighbourChoice.Action.HIDE,
    )
    rows = (
        PaperNeighbour.objects.filter(paper_id__in=neighbour_ids, neighbour_id__in=neighbour_ids)
        .exclude(Exists(hidden))
        .order_by("-score", "paper_id", "neighbour_id")
        .values_list("paper_id", "neighbour_id", "reasons")
    )
    edges, seen = [], set()
    for paper_id, other_id, reasons in rows:
        pair = frozenset((paper_id, other_id))
        if pair in seen:
            continue
        seen.add(pair)
        source, target = node_of[paper_id]["id"], node_of[other_id]["id"]
        kinds = [reason["kind"] for reason in reasons]
        if "cites" in kinds:  # the neighbour cites the paper
            source, target = target, source
        labels = [
            "cites" if reason["kind"] in ("cites", "cited_by") else reason["label"]
            for reason in reasons
        ]
        edges.append(
            {
                **_edge(source, target, "related", "; ".join(dict.fromkeys(labels))),
                "id": f"related:{min(source, target)}:{max(source, target)}",
                "reasons": kinds,
            }
        )
    return edges


def _scaled(values: dict[str, float]) -> dict[str, float]:
    top = max(values.values(), default=0) or 1
    return {key: round(value / top, 3) for key, value in values.items()}


def paper_graph(
    *,
    paper: Paper,
    viewer=None,
    limit: int = NEIGHBOURS_SHOWN,
    centre_authors: int = CENTRE_AUTHORS_SHOWN,
    neighbour_authors: int = NEIGHBOUR_AUTHORS_SHOWN,
    topics_per_paper: int = TOPICS_PER_PAPER,
) -> dict:
    """``{"centre": node id, "nodes": [...], "edges": [...]}`` around ``paper``.

    ``size`` on each node is a 0…1 hint for drawing: a neighbour's score against the best
    one, an author's papers on BZPEER, an institution's and a topic's papers in this graph,
    each against the largest of its kind.
    """
    views = paper_neighbours(paper=paper, viewer=viewer, limit=limit)
    papers = [paper] + [view.paper for view in views]
    ids = [p.pk for p in papers]

    authorships = list(
        Authorship.objects.filter(
            Q(paper=paper, position__lt=centre_authors)
            | Q(paper_id__in=ids[1:], position__lt=neighbour_authors)
        )
        .select_related("author")
        .prefetch_related(institution_links_prefetch())
        .order_by("paper_id", "position")
    )
    author_counts = dict(
        Authorship.objects.filter(paper_id__in=ids)
        .values("paper_id")
        .annotate(n=Count("id"))
        .values_list("paper_id", "n")
    )
    author_ids = sorted({a.author_id for a in authorships})
    author_papers = (
        dict(
            Authorship.objects.filter(author_id__in=author_ids)
            .values("author_id")
            .annotate(n=Count("paper_id", distinct=True))
            .values_list("author_id", "n")
        )
        if author_ids
        else {}
    )
    topics = PaperTopic.objects.filter(
        paper_id__in=ids, source=PaperTopic.Source.ARXIV, position__lt=topics_per_paper
    ).select_related("topic")

    node_of = {
        p.pk: _paper_node(p, author_count=author_counts.get(p.pk, 0), centre=p.pk == paper.pk)
        for p in papers
    }
    centre = node_of[paper.pk]
    nodes: dict[str, dict] = {centre["id"]: centre}
    edges: list[dict] = []
    scores = {}
    for view in views:
        node = node_of[view.paper.pk]
        edges.append(_neighbour_edge(centre["id"], node, view))
        nodes[node["id"]] = node
        scores[node["id"]] = view.score
    edges.extend(_related_edges(node_of, ids[1:]))
    for node_id, scaled in _scaled(scores).items():
        # A pin carries no computed score, yet a curator found the paper relevant.
        pinned = nodes[node_id]["details"]["pinned_by"]
        nodes[node_id]["size"] = 0.5 if pinned and not scaled else scaled

    def attach(node: dict, paper_node_id_: str) -> dict:
        existing = nodes.setdefault(node["id"], node)
        if paper_node_id_ not in existing["papers"]:
            existing["papers"].append(paper_node_id_)
        return existing

    affiliated: set[tuple[str, str]] = set()
    for authorship in authorships:
        paper_node = node_of[authorship.paper_id]
        author = authorship.author
        author_node = attach(
            {
                "id": f"author:{author.pk}",
                "kind": "author",
                "label": author.name,
                "url": reverse("papers:author", args=[author.pk]),
                "size": author_papers.get(author.pk, 1),
                "papers": [],
                "details": {"papers": author_papers.get(author.pk, 1), "institutions": []},
            },
            paper_node["id"],
        )
        role = "wrote (first author)" if authorship.position == 0 else "wrote"
        edges.append(_edge(author_node["id"], paper_node["id"], "wrote", role))
        for institution in authorship.affiliations:
            institution_node = attach(
                {
                    "id": f"institution:{institution.pk}",
                    "kind": "institution",
                    "label": institution.name,
                    "url": reverse("papers:institution", args=[institution.pk]),
                    "size": 0,
                    "papers": [],
                    "details": {"country": institution.country_code, "people": 0},
                },
                paper_node["id"],
            )
            pair = (author_node["id"], institution_node["id"])
            if pair not in affiliated:
                affiliated.add(pair)
                edges.append(_edge(*pair, "affiliated", "affiliated"))
                institution_node["details"]["people"] += 1
                author_node["details"]["institutions"].append(institution.name)

    for paper_topic in topics:
        topic = paper_topic.topic
        name = topic.display_name or category_name(topic.code)
        paper_node = node_of[paper_topic.paper_id]
        topic_node = attach(
            {
                "id": f"topic:{topic.code}",
                "kind": "topic",
                "label": topic.code,
                "url": reverse("papers:topic", args=[topic.code]),
                "size": 0,
                "papers": [],
                "details": {"name": name if name != topic.code else ""},
            },
            paper_node["id"],
        )
        label = "primary category" if paper_topic.position == 0 else "in topic"
        edges.append(_edge(paper_node["id"], topic_node["id"], "in_topic", label))

    for kind in ("author", "institution", "topic"):
        of_kind = [n for n in nodes.values() if n["kind"] == kind]
        for node in of_kind:
            node["details"]["papers_in_map"] = len(node["papers"])
            if kind != "author":
                node["size"] = len(node["papers"])
        for node_id, scaled in _scaled({n["id"]: n["size"] for n in of_kind}).items():
            nodes[node_id]["size"] = scaled
    return {"centre": centre["id"], "nodes": list(nodes.values()), "edges": edges}


# --- filters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GraphFilters:
    """Node kinds and neighbour reasons to keep; None keeps all."""

    kinds: frozenset[str] | None = None
    reasons: frozenset[str] | None = None

    @property
    def active(self) -> bool:
        return self.kinds is not None or self.reasons is not None


def _choices(raw: Iterable[str], known: dict[str, str], what: str) -> frozenset[str] | None:
    # Accepts "a,b" and repeated parameters (a plain form sends "kinds=a&kinds=b").
    values = [v.strip() for item in raw for v in item.split(",") if v.strip()]
    if not values:
        return None
    unknown = sorted(set(values) - known.keys())
    if unknown:
        raise ValidationError(
            f"Unknown {what}: {', '.join(unknown)}. Choose from {', '.join(known)}."
        )
    return frozenset(values)


def graph_filters_parse(*, kinds: Iterable[str] = (), reasons: Iterable[str] = ()) -> GraphFilters:
    """The filters from query parameters; ValidationError with one message per bad field."""
    errors = {}
    parsed = {}
    for field, raw, known, what in (
        ("kinds", kinds, NODE_KINDS, "node kind"),
        ("reasons", reasons, REASON_KINDS, "reason"),
    ):
        try:
            parsed[field] = _choices(raw, known, what)
        except ValidationError as exc:
            errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)
    return GraphFilters(**parsed)


def graph_filter(graph: dict, filters: GraphFilters) -> dict:
    """The graph with only these node kinds and the neighbours near for these reasons.

    The centre always stays. People, institutions and topics stay while a paper they hang
    from stays; an edge stays while both its ends do.
    """
    if not filters.active:
        return graph
    kept_papers = {graph["centre"]}
    for edge in graph["edges"]:
        if edge["kind"] == "neighbour" and (
            filters.reasons is None or filters.reasons.intersection(edge["reasons"])
        ):
            kept_papers.add(edge["target"])
    kinds = filters.kinds if filters.kinds is not None else NODE_KINDS.keys()
    nodes = [
        node
        for node in graph["nodes"]
        if node["id"] == graph["centre"]
        or (
            node["kind"] in kinds
            and (
                node["id"] in kept_papers
                if node["kind"] == "paper"
                else any(p in kept_papers for p in node["papers"])
            )
        )
    ]
    kept = {node["id"] for node in nodes}
    edges = [e for e in graph["edges"] if e["source"] in kept and e["target"] in kept]
    return {"centre": graph["centre"], "nodes": nodes, "edges": edges}


def graph_related_by_paper(graph: dict) -> dict[str, list[tuple[dict, str]]]:
    """For the list view: each nearby paper's other nearby papers, with why as it reads it
    ("cites it" from the citing end, "cited by it" from the other)."""

    def seen_from(edge: dict, citation: str) -> str:
        parts = edge["label"].split("; ")
        return "; ".join(citation if part == "cites" else part for part in parts)

    node_by_id = {node["id"]: node for node in graph["nodes"]}
    related: dict[str, list[tuple[dict, str]]] = defaultdict(list)
    for edge in graph["edges"]:
        if edge["kind"] == "related":
            source, target = edge["source"], edge["target"]
            related[source].append((node_by_id[target], seen_from(edge, "cites it")))
            related[target].append((node_by_id[source], seen_from(edge, "cited by it")))
    return related


def graph_by_kind(graph: dict) -> dict[str, list[dict]]:
    """Nodes grouped by kind, the centre left out, for the list view: papers nearest first,
    the others by how many papers of the map they come with."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for node in graph["nodes"]:
        if node["id"] != graph["centre"]:
            groups[node["kind"]].append(node)
    for kind in ("author", "institution", "topic"):
        groups[kind].sort(key=lambda n: (-len(n["papers"]), -n["size"], n["label"].casefold()))
    return {kind: groups.get(kind, []) for kind in NODE_KINDS}
