"""The shape of the code: rules a reader relies on that no behaviour test would notice breaking.

The import contracts between layers (views, services, models) are import-linter's, in
pyproject.toml, run by `make lint` and `make test`; these are the rules it cannot express.
"""

import ast
import re

import pytest

from tests.support.paths import ROOT

PACKAGES = ("accounts", "bzpeer", "devdata", "papers", "reviews")
TEMPLATE_LINE_MAX = 160


def _modules() -> dict[str, ast.Module]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = ast.parse(path.read_text(), str(path))
    return found


MODULES = _modules()


def _top_level_imports(name: str, tree: ast.Module) -> set[str]:
    """Project modules imported when `name` is loaded (not those imported inside functions)."""
    imported = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            candidates = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for candidate in candidates:
            if candidate in MODULES and candidate != name:
                imported.add(candidate)
    return imported


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in graph[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_back_when_loading():
    graph = {name: _top_level_imports(name, tree) for name, tree in MODULES.items()}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.endswith(".tasks")))
def test_tasks_modules_load_no_service(name):
    """Tasks import the services inside their bodies; services import the tasks' enqueue
    helpers. At load time a tasks module needs only models and the HTTP clients."""
    allowed = re.compile(r"^[a-z]+\.(models|ingest\.clients)(\.|$)")
    loaded = _top_level_imports(name, MODULES[name])
    assert sorted(m for m in loaded if not allowed.match(m)) == []


def test_tasks_keep_the_names_stored_in_schedules_and_queues():
    from bzpeer.celery import app

    app.loader.import_default_modules()
    names = set(app.tasks)
    assert {
        "papers.tasks.import_paper",
        "papers.tasks.harvest",
        "papers.tasks.harvest_configured_sets",
        "papers.tasks.enrich_paper",
        "papers.tasks.refresh_citation_counts",
        "papers.tasks.neighbours_compute",
        "papers.tasks.neighbours_recompute_all",
        "accounts.tasks.notify_new_review",
        "accounts.tasks.notify_reply",
        "accounts.tasks.send_notification_digest",
    } <= names


def test_one_database_engine_no_vendor_branches():
    """PostgreSQL everywhere: nothing chooses behaviour by database vendor."""
    pattern = re.compile(r"connection\.vendor|sqlite", re.IGNORECASE)
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_template_lines_stay_readable():
    long_lines = [
        f"{path.relative_to(ROOT)}:{number} ({len(line)} characters)"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if len(line) > TEMPLATE_LINE_MAX
    ]
    assert long_lines == []
