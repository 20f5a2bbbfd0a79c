"""The research-map explorer: the graph, its JSON (page and API), filters, the list view."""

import json
import re

import pytest
import yaml
from django.urls import reverse
from rest_framework.test import APIClient

from papers.models import Citation, Paper
from papers.researchmap.graph import (
    REASON_KINDS,
    GraphFilters,
    graph_filter,
    graph_filters_parse,
    paper_graph,
)
from papers.researchmap.neighbours import WEIGHTS, neighbours_recompute_all
from papers.researchmap.pins import neighbour_hide, neighbour_pin
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

XSS_TITLE = "<script>alert('map')</script> Plasma & turbulence"
XSS_NAME = '<img src=x onerror="alert(1)">'


def _filler(i: int) -> Paper:
    # Unrelated papers give the text signal a real document frequency.
    return make_paper(
        authors=[f"Filler {i} A"],
        categories=("math.CO",),
        title=f"Combinatorial identity number {i}",
        abstract=f"Enumerative bijection for lattice family {i} with generating function.",
    )


@pytest.fixture
def corpus(curator, other_curator):
    centre = make_paper(
        arxiv_id="2203.14101",
        authors=["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"],
        affiliations={0: ("Analytical Engine Society",), 1: ("Analytical Engine Society",)},
        categories=("physics.plasm-ph", "cs.LG"),
        title="Tokamak plasma turbulence",
        abstract="Sparse tokamak plasma turbulence measured with bolometer arrays.",
    )
    papers = {
        "centre": centre,
        "coauthored": make_paper(
            authors=["Ada Lovelace", "Alan Turing", "Someone Else"],
            categories=("cs.DS",),
            title="Sorting networks revisited",
            abstract="Comparator depth bounds for odd-even merges.",
        ),
        "citing": make_paper(
            authors=["Citing Person"],
            categories=("hep-ex",),
            title="Detector calibration",
            abstract="Calorimeter response.",
        ),
        "hidden": make_paper(
            authors=["Grace Hopper", "Hidden Person"],
            categories=("cs.PL",),
            title="Compilers for everyone",
            abstract="A compiler for business languages.",
        ),
        "pinned": make_paper(
            authors=["Total Stranger"],
            categories=("econ.GN",),
            title="Auction design",
            abstract="Revenue of second-price auctions.",
        ),
        "xss": make_paper(
            authors=["Edsger Dijkstra", XSS_NAME],
            categories=("cs.DC",),
            title=XSS_TITLE,
            abstract="Semaphores for cooperating sequential processes.",
        ),
    }
    for i in range(6):
        _filler(i)
    Citation.objects.create(citing=papers["citing"], cited=centre)
    neighbours_recompute_all()
    neighbour_hide(user=curator, paper=centre, neighbour=papers["hidden"])
    neighbour_pin(user=other_curator, paper=centre, neighbour=papers["pinned"])
    return papers


def _node(graph: dict, node_id: str) -> dict:
    return next(n for n in graph["nodes"] if n["id"] == node_id)


def _edge(graph: dict, source: str, target: str) -> dict:
    return next(e for e in graph["edges"] if e["source"] == source and e["target"] == target)


def _pid(paper: Paper) -> str:
    return f"paper:{paper.arxiv_id}"


# --- The graph --------------------------------------------------------------------------------


def test_graph_holds_every_kind_and_every_edge_says_why(corpus):
    centre = corpus["centre"]
    graph = paper_graph(paper=centre)

    assert graph["centre"] == "paper:2203.14101"
    assert {n["kind"] for n in graph["nodes"]} == {"paper", "author", "institution", "topic"}
    assert len({n["id"] for n in graph["nodes"]}) == len(graph["nodes"])
    assert all(edge["label"] for edge in graph["edges"])
    ids = {n["id"] for n in graph["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in graph["edges"])

    coauthored = _edge(graph, graph["centre"], _pid(corpus["coauthored"]))
    assert coauthored["kind"] == "neighbour"
    assert "shares 2 authors" in coauthored["label"]
    assert "shared_authors" in coauthored["reasons"]
    assert coauthored["pinned"] is False
    citing = _edge(graph, graph["centre"], _pid(corpus["citing"]))
    assert citing["label"].startswith("cites this")
    assert citing["reasons"][0] == "cites"

    ada = next(n for n in graph["nodes"] if n["label"] == "Ada Lovelace")
    assert ada["url"] == reverse("papers:author", args=[ada["id"].split(":")[1]])
    assert set(ada["papers"]) == {graph["centre"], _pid(corpus["coauthored"])}
    assert ada["details"]["papers"] == 2
    assert _edge(graph, ada["id"], graph["centre"])["label"] == "wrote (first author)"
    assert _edge(graph, ada["id"], _pid(corpus["coauthored"]))["label"] == "wrote (first author)"
    turing = next(n for n in graph["nodes"] if n["label"] == "Alan Turing")
    assert _edge(graph, turing["id"], graph["centre"])["label"] == "wrote"

    society = next(n for n in graph["nodes"] if n["kind"] == "institution")
    assert society["label"] == "Analytical Engine Society"
    assert society["details"]["people"] == 2
    assert _edge(graph, ada["id"], society["id"])["label"] == "affiliated"

    topic = _node(graph, "topic:physics.plasm-ph")
    assert topic["url"] == "/topics/physics.plasm-ph/"
    assert _edge(graph, graph["centre"], topic["id"])["label"] == "primary category"
    assert _edge(graph, graph["centre"], "topic:cs.LG")["label"] == "in topic"

    node = _node(graph, graph["centre"])
    assert node["centre"] is True
    assert node["url"] == "/papers/2203.14101/"
    assert node["map_url"] == "/papers/2203.14101/map/"
    assert node["graph_url"] == "/api/papers/2203.14101/graph/"
    assert node["details"]["authors"] == 4
    assert all(0 <= n["size"] <= 1 for n in graph["nodes"])


def test_hidden_neighbour_is_absent_and_pinned_one_comes_first(corpus):
    graph = paper_graph(paper=corpus["centre"])
    ids = [n["id"] for n in graph["nodes"]]

    assert _pid(corpus["hidden"]) not in ids
    # Nor do the people who came only with the hidden paper.
    assert "Hidden Person" not in {n["label"] for n in graph["nodes"]}
    neighbours = [e for e in graph["edges"] if e["kind"] == "neighbour"]
    assert neighbours[0]["target"] == _pid(corpus["pinned"])
    assert neighbours[0]["pinned"] is True
    assert neighbours[0]["reasons"] == ["pinned"]
    assert neighbours[0]["label"] == "pinned by other"
    pinned = _node(graph, _pid(corpus["pinned"]))
    assert pinned["details"]["pinned_by"] == ["other"]
    assert pinned["size"] == 0.5


def test_authors_are_capped_per_paper(corpus):
    big = make_paper(authors=30, title="Tokamak plasma turbulence at scale")
    make_paper(authors=[f"Author {i + 1}" for i in range(8)], title="Neighbour by authors")
    neighbours_recompute_all()

    graph = paper_graph(paper=big)

    wrote = [e for e in graph["edges"] if e["kind"] == "wrote"]
    assert len([e for e in wrote if e["target"] == graph["centre"]]) == 6
    others = {e["target"] for e in wrote} - {graph["centre"]}
    assert others
    for target in others:
        assert len([e for e in wrote if e["target"] == target]) <= 3
    assert _node(graph, graph["centre"])["details"]["authors"] == 30


def test_nearby_papers_near_each_other_are_linked_once_and_say_why(client, corpus, curator):
    coauthored = corpus["coauthored"]
    follow_up = make_paper(
        authors=["Alan Turing", "New Person"],
        categories=("cs.DS",),
        title="Merging networks",
        abstract="Depth of comparator circuits.",
    )
    Citation.objects.create(citing=follow_up, cited=coauthored)
    neighbours_recompute_all()
    pair = {_pid(follow_up), _pid(coauthored)}

    graph = paper_graph(paper=corpus["centre"])

    related = [e for e in graph["edges"] if e["kind"] == "related"]
    assert len({frozenset((e["source"], e["target"])) for e in related}) == len(related)
    link = next(e for e in related if {e["source"], e["target"]} == pair)
    # Citing → cited, whichever way the pair was stored.
    assert (link["source"], link["target"]) == (_pid(follow_up), _pid(coauthored))
    parts = link["label"].split("; ")
    assert "cites" in parts and "shares 1 author" in parts  # Alan Turing
    assert {"shared_authors"} <= set(link["reasons"])
    assert not any(e["target"] == graph["centre"] for e in related)

    html = client.get(_map_url("2203.14101")).content.decode()
    assert 'aria-label="Also near, on this map"' in html
    said = dict(re.findall(r'<a href="([^"]+)">[^<]*</a> too: ([^<]+)</li>', html))
    assert "cites it" in said[coauthored.get_absolute_url()].split("; ")  # under follow_up
    assert "cited by it" in said[follow_up.get_absolute_url()].split("; ")

    # A hide on either paper's own map removes the link from every map.
    neighbour_hide(user=curator, paper=coauthored, neighbour=follow_up)
    graph = paper_graph(paper=corpus["centre"])
    assert not any(
        {e["source"], e["target"]} == pair for e in graph["edges"] if e["kind"] == "related"
    )


@pytest.mark.parametrize("extra", [0, 12])
def test_the_graph_costs_a_fixed_number_of_queries(corpus, extra, django_assert_num_queries):
    for i in range(extra):
        make_paper(
            authors=["Ada Lovelace", f"Helper {i}", f"Second {i}", f"Third {i}"],
            affiliations={1: (f"Lab {i}",), 2: (f"Lab {i}", "Other lab")},
            categories=("physics.plasm-ph", f"cs.{'AI' if i % 2 else 'CL'}"),
            title=f"Plasma turbulence note {i}",
        )
    neighbours_recompute_all()
    centre = Paper.objects.get(pk=corpus["centre"].pk)
    # choices, neighbours, authorships, institutions, author counts, author papers, topics,
    # links among the neighbours
    with django_assert_num_queries(8):
        graph = paper_graph(paper=centre)
    assert len([n for n in graph["nodes"] if n["kind"] == "paper"]) > (1 if not extra else 8)


# --- Filters ---------------------------------------------------------------------------------


def test_reason_kinds_cover_every_signal():
    assert set(REASON_KINDS) == set(WEIGHTS) | {"pinned"}


def test_filters_parse_commas_and_repeats_and_name_bad_values():
    assert graph_filters_parse() == GraphFilters()
    parsed = graph_filters_parse(kinds=["paper,author", "topic"], reasons=[" cites "])
    assert parsed.kinds == {"paper", "author", "topic"}
    assert parsed.reasons == {"cites"}
    with pytest.raises(Exception) as caught:
        graph_filters_parse(kinds=["paper,people"], reasons=["gossip"])
    errors = caught.value.message_dict
    assert "people" in errors["kinds"][0]
    assert "gossip" in errors["reasons"][0]


def test_reason_filter_drops_papers_and_what_came_only_with_them(corpus):
    graph = paper_graph(paper=corpus["centre"])
    filtered = graph_filter(graph, graph_filters_parse(reasons=["cites"]))

    papers = {n["id"] for n in filtered["nodes"] if n["kind"] == "paper"}
    assert papers == {filtered["centre"], _pid(corpus["citing"])}
    labels = {n["label"] for n in filtered["nodes"]}
    assert "Citing Person" in labels and "Ada Lovelace" in labels  # the centre's author stays
    assert "Someone Else" not in labels  # came only with the co-authored paper
    assert "topic:cs.DS" not in {n["id"] for n in filtered["nodes"]}
    kept = {n["id"] for n in filtered["nodes"]}
    assert all(e["source"] in kept and e["target"] in kept for e in filtered["edges"])


# --- The graph the explorer draws (the API's) ------------------------------------------------


def _graph_url(arxiv_id: str) -> str:
    return reverse("api:paper-graph", kwargs={"arxiv_id": arxiv_id})


def test_the_graph_is_the_graph(client, corpus):
    response = client.get(_graph_url("2203.14101"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data == json.loads(json.dumps(paper_graph(paper=corpus["centre"])))
    assert _node(data, _pid(corpus["xss"]))["label"] == XSS_TITLE


def test_the_graph_filters(client, corpus):
    data = client.get(_graph_url("2203.14101"), {"kinds": "author,topic"}).json()
    assert {n["kind"] for n in data["nodes"] if n["id"] != data["centre"]} == {"author", "topic"}

    data = client.get(_graph_url("2203.14101"), {"reasons": "pinned"}).json()
    papers = [n["id"] for n in data["nodes"] if n["kind"] == "paper"]
    assert papers == [data["centre"], _pid(corpus["pinned"])]


@pytest.mark.parametrize(
    ("params", "field", "word"),
    [({"kinds": "paper,planet"}, "kinds", "planet"), ({"reasons": "vibes"}, "reasons", "vibes")],
)
def test_the_graph_refuses_bad_filters(client, corpus, params, field, word):
    response = client.get(_graph_url("2203.14101"), params)
    assert response.status_code == 400
    body = response.json()
    assert word in body[field][0]
    assert word in body["detail"]


def test_the_graph_404s_and_redirects(client, corpus):
    response = client.get(_graph_url("2101.00001"))
    assert response.status_code == 404
    assert response.json() == {"detail": "No paper arXiv:2101.00001 here."}
    response = client.get(_graph_url("2203.14101v2") + "?kinds=paper")
    assert response.status_code == 301
    assert response["Location"] == "/api/papers/2203.14101/graph/?kinds=paper"


# --- The page --------------------------------------------------------------------------------


def _map_url(arxiv_id: str) -> str:
    return reverse("papers:map", kwargs={"arxiv_id": arxiv_id})


def test_page_renders_the_list_view_and_hooks_for_the_script(client, corpus):
    response = client.get(_map_url("2203.14101"))
    assert response.status_code == 200
    html = response.content.decode()

    assert 'data-graph-url="/api/papers/2203.14101/graph/"' in html
    assert 'data-centre="paper:2203.14101"' in html
    assert "/static/vendor/cytoscape/cytoscape.min." in html
    assert "/static/js/map_explorer." in html
    # Everything of the map in plain HTML: papers with their reasons, people, places, topics.
    assert "Sorting networks revisited" in html
    assert "shares 2 authors" in html
    assert "pinned by other" in html
    assert f'href="{_map_url(corpus["citing"].arxiv_id)}"' in html
    assert "Ada Lovelace" in html and "Analytical Engine Society" in html
    assert "physics.plasm-ph" in html
    assert "Compilers for everyone" not in html
    assert f'data-node-id="{_pid(corpus["coauthored"])}" data-kind="paper"' in html
    # Every script is a static file: nothing inline.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


def test_page_escapes_titles_and_names(client, corpus):
    html = client.get(_map_url("2203.14101")).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;map&#x27;)&lt;/script&gt; Plasma &amp; turbulence" in html
    assert XSS_NAME not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


@pytest.mark.parametrize(
    "url",
    [
        "/papers/2203.14101/map/",
        "/api/papers/2203.14101/graph/",
    ],
)
def test_page_json_and_api_query_counts_are_fixed(client, corpus, url, django_assert_num_queries):
    # the paper, then the eight of the graph
    with django_assert_num_queries(9):
        assert client.get(url).status_code == 200


def test_page_filters_hide_entries_without_javascript(client, corpus):
    html = client.get(_map_url("2203.14101"), {"reasons": "cites", "kinds": "paper"}).content
    html = html.decode()
    citing = re.search(rf'data-node-id="{_pid(corpus["citing"])}"[^>]*>', html).group(0)
    coauthored = re.search(rf'data-node-id="{_pid(corpus["coauthored"])}"[^>]*>', html).group(0)
    assert "hidden" not in citing
    assert coauthored.endswith(" hidden>")
    assert re.search(r'value="cites" checked', html)
    assert not re.search(r'value="text" checked', html)
    assert not re.search(r'value="author" checked', html)


def test_page_with_bad_filters_explains_and_shows_everything(client, corpus):
    response = client.get(_map_url("2203.14101"), {"kinds": "galaxy"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Unknown node kind: galaxy" in html
    assert "Sorting networks revisited" in html
    assert " hidden>" not in html.split('id="map-list-view"')[1]


def test_htmx_request_gets_the_list_alone(client, corpus):
    response = client.get(_map_url("2203.14101"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "map-list__grid" in html
    assert "Sorting networks revisited" in html
    assert "HX-Request" in response["Vary"]


def test_page_404s_and_redirects(client, corpus):
    response = client.get(_map_url("2101.00001"))
    assert response.status_code == 404
    assert b"Paper not found" in response.content
    response = client.get(_map_url("2203.14101v3"))
    assert response.status_code == 301
    assert response["Location"] == "/papers/2203.14101/map/"


def test_page_for_a_signed_in_curator(client, curator, corpus):
    client.force_login(curator)
    response = client.get(_map_url("2203.14101"))
    assert response.status_code == 200
    assert "Compilers for everyone" not in response.content.decode()


def test_a_paper_without_neighbours_still_has_a_map(client, db):
    lonely = make_paper(authors=["Only Author"], title="Alone")
    html = client.get(_map_url(lonely.arxiv_id)).content.decode()
    assert "No nearby papers yet" in html
    data = client.get(_graph_url(lonely.arxiv_id)).json()
    assert [n["kind"] for n in data["nodes"]].count("paper") == 1
    assert {e["kind"] for e in data["edges"]} == {"wrote", "in_topic"}


# --- API -------------------------------------------------------------------------------------


def test_api_graph(corpus):
    api = APIClient()
    url = reverse("api:paper-graph", kwargs={"arxiv_id": "2203.14101"})
    assert url == "/api/papers/2203.14101/graph/"
    response = api.get(url)
    assert response.status_code == 200
    assert response.json() == json.loads(json.dumps(paper_graph(paper=corpus["centre"])))

    response = api.get(url, {"kinds": "topic"})
    assert {n["kind"] for n in response.json()["nodes"]} == {"paper", "topic"}
    response = api.get(url, {"kinds": "paper", "reasons": "nope"})
    assert response.status_code == 400
    assert "nope" in response.json()["reasons"][0]
    assert api.get("/api/papers/2101.00001/graph/").status_code == 404


def test_api_graph_is_in_the_schema(corpus):
    schema = yaml.safe_load(APIClient().get("/api/schema/").content)
    operation = schema["paths"]["/api/papers/{arxiv_id}/graph/"]["get"]
    assert operation["summary"] == "Research-map graph of a paper"
    assert {"kinds", "reasons"} <= {p["name"] for p in operation["parameters"]}
    assert "200" in operation["responses"] and "400" in operation["responses"]
