/* The research-map explorer: draws the API graph (/api/papers/<id>/graph/) with Cytoscape, filters it on the client,
 * shows a node's details, and recentres on another paper (history.pushState).
 *
 * The page works without this script: it renders the same map as a list. Here the graph,
 * the keyboard list of its nodes ("Everything on the map") and the list view share one
 * filter: a node is shown when its kind is ticked and, for a neighbour paper, one of the
 * reasons of its link is ticked; people, institutions and topics follow their papers.
 * Tests reach the Cytoscape instance as window.bzpeerMap.
 */
(function () {
  "use strict";

  var root = document.getElementById("map-explorer");
  if (!root || typeof window.cytoscape !== "function") {
    return;
  }

  var KIND_NAMES = { paper: "Papers", author: "People", institution: "Institutions", topic: "Topics" };
  var KIND_SINGULAR = { paper: "Paper", author: "Person", institution: "Institution", topic: "Topic" };
  var KIND_ORDER = ["paper", "author", "institution", "topic"];
  var COLOURS = { paper: "#1a56b8", author: "#0f7b55", institution: "#b25400", topic: "#7a3fb0" };
  var SHAPES = { paper: "round-rectangle", author: "ellipse", institution: "diamond", topic: "hexagon" };
  var LABEL_MAX = 48;
  var LIST_PREFERENCE = "bzpeer-map-view";

  var canvas = document.getElementById("map-canvas");
  var graphView = document.getElementById("map-graph-view");
  var listView = document.getElementById("map-list-view");
  var toggle = document.getElementById("map-view-toggle");
  var filtersForm = document.getElementById("map-filters");
  var nodeList = document.getElementById("map-node-list");
  var details = document.getElementById("map-details");
  var detailsBody = document.getElementById("map-details-body");
  var statusLine = document.getElementById("map-status");
  var title = document.getElementById("map-title");
  var centreLink = document.getElementById("map-centre-link");

  var graph = null; // the last graph, as the API served it
  var byId = {};
  var selectedId = null;
  var layoutPending = false; // laid out while the graph view was hidden (no size to fit)

  // --- Small DOM helpers (text only: every name and title comes from users or arXiv) -------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") {
        node.textContent = attrs[name];
      } else if (name === "className") {
        node.className = attrs[name];
      } else {
        node.setAttribute(name, attrs[name]);
      }
    });
    (children || []).forEach(function (child) {
      if (child) {
        node.appendChild(child);
      }
    });
    return node;
  }

  function plural(count, one, many) {
    return count + " " + (count === 1 ? one : many);
  }

  function shortLabel(text) {
    return text.length > LABEL_MAX ? text.slice(0, LABEL_MAX - 1).trimEnd() + "…" : text;
  }

  function announce(message) {
    statusLine.textContent = message;
  }

  // --- Cytoscape --------------------------------------------------------------------------

  var style = [
    {
      selector: "node",
      style: {
        "background-color": function (n) { return COLOURS[n.data("kind")]; },
        shape: function (n) { return SHAPES[n.data("kind")]; },
        width: "mapData(size, 0, 1, 18, 46)",
        height: "mapData(size, 0, 1, 18, 46)",
        label: "data(short)",
        "font-size": 10,
        color: "#171c26",
        "text-valign": "bottom",
        "text-margin-y": 4,
        "text-wrap": "wrap",
        "text-max-width": 130,
        "text-background-color": "#ffffff",
        "text-background-opacity": 0.8,
        "text-background-padding": 1,
        "min-zoomed-font-size": 6,
        "border-width": 1,
        "border-color": "#ffffff"
      }
    },
    { selector: "node[kind = 'paper']", style: { "font-size": 11 } },
    {
      selector: "node[?centre]",
      style: { width: 64, height: 64, "border-width": 4, "border-color": "#171c26", "font-weight": "bold" }
    },
    { selector: "node:selected", style: { "border-width": 4, "border-color": "#2563eb", "overlay-opacity": 0 } },
    {
      selector: "edge",
      style: {
        width: 1,
        "line-color": "#b7bfcb",
        "curve-style": "bezier",
        "font-size": 9,
        color: "#343c4a",
        "text-rotation": "autorotate",
        "text-background-color": "#ffffff",
        "text-background-opacity": 0.9,
        "text-background-padding": 1
      }
    },
    {
      selector: "edge[kind = 'neighbour']",
      style: { width: 2.5, "line-color": "#6d8fd0", label: "data(short)" }
    },
    {
      selector: "edge[kind = 'related']",
      style: { width: 1.5, "line-style": "dotted", "line-color": "#7f93b8" }
    },
    { selector: "edge[?pinned]", style: { "line-style": "dashed", "line-color": "#b58900" } },
    { selector: "edge.is-labelled", style: { label: "data(label)", "line-color": "#2563eb", width: 2.5 } },
    { selector: ".is-filtered", style: { display: "none" } }
  ];

  var cy = window.cytoscape({
    container: canvas,
    style: style,
    minZoom: 0.2,
    maxZoom: 3,
    boxSelectionEnabled: false,
    autoungrabify: false
  });
  window.bzpeerMap = cy;

  function elements(data) {
    var items = [];
    data.nodes.forEach(function (node) {
      items.push({
        group: "nodes",
        data: {
          id: node.id,
          kind: node.kind,
          label: node.label,
          short: shortLabel(node.kind === "topic" && node.details.name ? node.label + " " + node.details.name : node.label),
          size: node.size,
          centre: Boolean(node.centre)
        }
      });
    });
    data.edges.forEach(function (edge) {
      items.push({
        group: "edges",
        data: {
          id: edge.id,
          source: edge.source,
          target: edge.target,
          kind: edge.kind,
          label: edge.label,
          short: shortLabel(edge.label.split("; ")[0] + (edge.reasons.length > 1 ? " +" + (edge.reasons.length - 1) : "")),
          pinned: edge.pinned
        }
      });
    });
    return items;
  }

  // Every node is laid out, filtered or not, so ticking a box back shows it in its place.
  function layout() {
    if (graphView.hidden) {
      layoutPending = true;
      return;
    }
    layoutPending = false;
    // Rings first (centre, its papers, then the rest), then a force layout to untangle them.
    cy.elements().layout({
      name: "concentric",
      concentric: function (n) {
        if (n.data("centre")) { return 4; }
        return { paper: 3, topic: 2, author: 2, institution: 1 }[n.data("kind")];
      },
      levelWidth: function () { return 1; },
      minNodeSpacing: 18,
      animate: false
    }).run();
    cy.elements().layout({
      name: "cose",
      randomize: false,
      animate: false,
      nodeRepulsion: function () { return 14000; },
      nodeOverlap: 24,
      idealEdgeLength: function (e) { return { neighbour: 170, related: 220 }[e.data("kind")] || 70; },
      // Links between two nearby papers pull weakly (cose divides by this), or the papers
      // would huddle together and bury the centre.
      edgeElasticity: function (e) { return e.data("kind") === "related" ? 1200 : 120; },
      gravity: 0.6,
      numIter: 1200,
      fit: true,
      padding: 24,
      stop: function () { cy.fit(cy.elements(":visible"), 24); }
    }).run();
  }

  // --- Filters ----------------------------------------------------------------------------

  function ticked(name) {
    var values = {};
    filtersForm.querySelectorAll("input[name='" + name + "']").forEach(function (box) {
      values[box.value] = box.checked;
    });
    return values;
  }

  // The ids to show, by the same rule as papers/graph.py graph_filter.
  function shownIds() {
    var kinds = ticked("kinds");
    var reasons = ticked("reasons");
    var papers = {};
    papers[graph.centre] = true;
    graph.edges.forEach(function (edge) {
      if (edge.kind === "neighbour" && edge.reasons.some(function (r) { return reasons[r]; })) {
        papers[edge.target] = true;
      }
    });
    var shown = {};
    graph.nodes.forEach(function (node) {
      var visible = node.id === graph.centre || (kinds[node.kind] && (node.kind === "paper"
        ? Boolean(papers[node.id])
        : node.papers.some(function (p) { return papers[p]; })));
      if (visible) { shown[node.id] = true; }
    });
    return shown;
  }

  function applyFilters() {
    if (!graph) { return; }
    var shown = shownIds();
    cy.batch(function () {
      cy.nodes().forEach(function (n) { n.toggleClass("is-filtered", !shown[n.id()]); });
      cy.edges().forEach(function (e) {
        e.toggleClass("is-filtered", !(shown[e.data("source")] && shown[e.data("target")]));
      });
    });
    document.querySelectorAll("#map-node-list [data-node-id], #map-list-view [data-node-id]").forEach(function (item) {
      var node = item.closest("li") || item;
      node.hidden = !shown[item.getAttribute("data-node-id")];
    });
    if (selectedId && !shown[selectedId]) { select(null); }
    var count = Object.keys(shown).length;
    announce(plural(count, "item", "items") + " shown of " + graph.nodes.length + ".");
  }

  function filterQuery() {
    var params = new URLSearchParams();
    ["kinds", "reasons"].forEach(function (name) {
      var values = ticked(name);
      var on = Object.keys(values).filter(function (k) { return values[k]; });
      if (on.length !== Object.keys(values).length) { params.set(name, on.join(",")); }
    });
    var query = params.toString();
    return query ? "?" + query : "";
  }

  // --- Node list and details --------------------------------------------------------------

  function renderNodeList() {
    nodeList.replaceChildren();
    KIND_ORDER.forEach(function (kind) {
      var nodes = graph.nodes.filter(function (n) { return n.kind === kind; });
      if (!nodes.length) { return; }
      var headingId = "map-nodes-" + kind;
      var list = el("ul", { className: "map-nodes__items", "aria-labelledby": headingId });
      nodes.forEach(function (node) {
        var label = node.id === graph.centre ? node.label + " (centre)" : node.label;
        var button = el("button", {
          type: "button",
          className: "map-node map-node--" + kind,
          "data-node-id": node.id,
          "data-kind": kind,
          "aria-pressed": "false"
        }, [el("span", { className: "map-swatch map-swatch--" + kind, "aria-hidden": "true" }), el("span", { text: label })]);
        list.appendChild(el("li", {}, [button]));
      });
      nodeList.appendChild(el("h3", { className: "map-nodes__heading", id: headingId, text: KIND_NAMES[kind] }));
      nodeList.appendChild(list);
    });
  }

  function fact(text) {
    return text ? el("li", { text: text }) : null;
  }

  function paperList(ids) {
    var items = ids.map(function (id) {
      var paper = byId[id];
      return paper ? el("li", {}, [el("a", { href: paper.url, text: paper.label })]) : null;
    });
    return el("ul", { className: "map-details__papers" }, items);
  }

  function detailsFor(node) {
    var d = node.details;
    var parts = [el("p", { className: "map-details__kind", text: KIND_SINGULAR[node.kind] })];
    parts.push(el("h3", { className: "map-details__title", id: "map-details-title", text: node.label }));
    var facts = [];
    var links = [el("a", { className: "button", href: node.url, text: "Open its page" })];
    if (node.kind === "paper") {
      facts = [
        fact("arXiv:" + d.arxiv_id + " · " + d.year),
        fact(plural(d.authors, "author", "authors") + (d.primary_category ? " · " + d.primary_category : "")),
        fact(d.citations ? plural(d.citations, "citation", "citations") : ""),
        fact(d.withdrawn ? "Withdrawn by its authors" : "")
      ];
      if (node.id === graph.centre) {
        facts.push(fact("The centre of this map"));
      } else {
        parts.push(el("p", { className: "map-details__why-title", text: "Near because" }));
        parts.push(el("ul", { className: "map-details__why" }, d.reasons.map(fact)));
        links.unshift(el("button", {
          type: "button",
          className: "button button--primary",
          "data-recentre": node.id,
          text: "Recentre here"
        }));
      }
    } else if (node.kind === "author") {
      facts = [
        fact(plural(d.papers, "paper", "papers") + " on BZPEER"),
        fact(d.institutions.length ? d.institutions.join(", ") : "")
      ];
    } else if (node.kind === "institution") {
      facts = [fact(plural(d.people, "person", "people") + " on this map"), fact(d.country ? "Country: " + d.country : "")];
    } else {
      facts = [fact(d.name)];
    }
    parts.push(el("ul", { className: "map-details__facts" }, facts));
    if (node.kind !== "paper") {
      parts.push(el("p", { className: "map-details__why-title", text: "Papers on this map" }));
      parts.push(paperList(node.papers));
    }
    parts.push(el("p", { className: "map-details__actions" }, links));
    return parts;
  }

  function select(id, options) {
    options = options || {};
    selectedId = id;
    cy.edges().removeClass("is-labelled");
    cy.nodes().unselect();
    nodeList.querySelectorAll("[aria-pressed='true']").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
    if (!id || !byId[id]) {
      detailsBody.replaceChildren(el("p", { className: "muted", text: "Select something in the graph or in the list below to see it here." }));
      return;
    }
    var node = cy.getElementById(id);
    node.select();
    node.connectedEdges().addClass("is-labelled");
    if (options.centreView) { cy.animate({ center: { eles: node }, duration: 250 }); }
    var button = nodeList.querySelector("[data-node-id='" + CSS.escape(id) + "']");
    if (button) { button.setAttribute("aria-pressed", "true"); }
    detailsBody.replaceChildren.apply(detailsBody, detailsFor(byId[id]));
    if (options.announce) { announce("Selected “" + byId[id].label + "”: its details are in the panel above the list."); }
  }

  // --- Loading and recentring -------------------------------------------------------------

  function setGraph(data) {
    graph = data;
    byId = {};
    data.nodes.forEach(function (n) { byId[n.id] = n; });
    var centre = byId[data.centre];
    cy.stop(true); // a pan still running towards a node of the old graph would undo the fit
    cy.batch(function () {
      cy.elements().remove();
      cy.add(elements(data));
    });
    root.setAttribute("data-centre", data.centre);
    centreLink.textContent = centre.label;
    centreLink.setAttribute("href", centre.url);
    document.title = "Research map · " + centre.label + " · BZPEER";
    renderNodeList();
    applyFilters();
    layout();
    select(null);
  }

  function fetchGraph(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { throw new Error(body.detail || "The map could not be loaded."); }
        return body;
      });
    });
  }

  // The list view comes from the server (same template as without JavaScript).
  function fetchList(mapUrl) {
    return fetch(mapUrl, { headers: { "HX-Request": "true", "HX-Target": "map-list-view" }, credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error("The list could not be loaded."); }
      return response.text();
    });
  }

  function recentre(nodeId, options) {
    var node = byId[nodeId];
    if (!node || node.kind !== "paper") { return Promise.resolve(); }
    return moveTo(node.graph_url, node.map_url, options || { push: true });
  }

  function moveTo(graphUrl, mapUrl, options) {
    root.setAttribute("data-map-state", "loading");
    announce("Loading the map…");
    return Promise.all([fetchGraph(graphUrl), fetchList(mapUrl)]).then(function (results) {
      listView.innerHTML = results[1]; // server-rendered and escaped by Django's templates
      setGraph(results[0]);
      root.setAttribute("data-graph-url", graphUrl);
      filtersForm.setAttribute("action", mapUrl);
      if (options.push) {
        history.pushState({ graphUrl: graphUrl, mapUrl: mapUrl }, "", mapUrl + filterQuery());
      }
      root.setAttribute("data-map-state", "ready");
      announce("The map is now centred on “" + byId[graph.centre].label + "”.");
      if (options.focus) { title.focus(); }
    }).catch(function (error) {
      root.setAttribute("data-map-state", "error");
      announce(error.message);
    });
  }

  // --- Views ------------------------------------------------------------------------------

  function showList(asList, remember) {
    graphView.hidden = asList;
    listView.hidden = !asList;
    toggle.textContent = asList ? "Show as a graph" : "Show as a list";
    if (remember) {
      try { localStorage.setItem(LIST_PREFERENCE, asList ? "list" : "graph"); } catch (e) { /* private mode */ }
    }
    if (!asList) {
      cy.resize();
      if (layoutPending) {
        layout();
      } else {
        cy.fit(cy.elements(":visible"), 24);
      }
    }
  }

  // --- Wiring -----------------------------------------------------------------------------

  cy.on("tap", "node", function (event) {
    select(event.target.id());
    // On a phone the panel sits below the graph: bring it into view, no further.
    details.scrollIntoView({ block: "nearest", behavior: "smooth" });
  });
  cy.on("tap", function (event) { if (event.target === cy) { select(null); } });
  cy.on("dbltap", "node[kind = 'paper']", function (event) {
    if (event.target.id() !== graph.centre) { recentre(event.target.id()); }
  });

  nodeList.addEventListener("click", function (event) {
    var button = event.target.closest("[data-node-id]");
    if (button) { select(button.getAttribute("data-node-id"), { centreView: true, announce: true }); }
  });

  details.addEventListener("click", function (event) {
    var button = event.target.closest("[data-recentre]");
    if (button) { recentre(button.getAttribute("data-recentre"), { push: true, focus: true }); }
  });

  filtersForm.addEventListener("change", function () {
    applyFilters();
    history.replaceState(history.state, "", location.pathname + filterQuery());
  });
  filtersForm.addEventListener("submit", function (event) { event.preventDefault(); });

  toggle.addEventListener("click", function () { showList(listView.hidden, true); });

  window.addEventListener("popstate", function (event) {
    var state = event.state;
    if (state && state.graphUrl) {
      moveTo(state.graphUrl, state.mapUrl, { push: false });
    }
  });

  // The script runs: the filters act at once, the graph and its tools appear.
  filtersForm.querySelectorAll("[data-map-nojs]").forEach(function (b) { b.hidden = true; });
  toggle.hidden = false;
  document.getElementById("map-legend").hidden = false;
  var reasons = document.getElementById("map-reasons");
  if (window.matchMedia("(max-width: 40rem)").matches && !reasons.querySelector("input:not(:checked)")) {
    reasons.open = false;
  }
  var startUrl = root.getAttribute("data-graph-url");
  history.replaceState({ graphUrl: startUrl, mapUrl: location.pathname }, "", location.href);
  var prefersList = false;
  try { prefersList = localStorage.getItem(LIST_PREFERENCE) === "list"; } catch (e) { /* private mode */ }
  showList(prefersList, false);
  root.setAttribute("data-map-state", "loading");
  fetchGraph(startUrl).then(function (data) {
    setGraph(data);
    root.setAttribute("data-map-state", "ready");
  }).catch(function (error) {
    root.setAttribute("data-map-state", "error");
    announce(error.message);
    showList(true, false);
  });
})();
