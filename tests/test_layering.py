"""The import rules of docs/ARCHITECTURE.md, read from the source (deferred imports inside
functions included, since they hide cycles as well as any other import):

- core never imports qgis, training, cli, processing or ui;
- training never imports qgis, cli, processing or ui;
- cli never imports qgis, processing or ui;
- processing never imports ui or plugin; ui never imports plugin;
- no import cycle between the project's modules.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = "sardine"
SKIP = {".venv", ".git", "tests", "scripts", "build", "dist", "out", "resources", "docs"}
FORBIDDEN = {
    "core": ("qgis", "sardine.training", "sardine.cli", "sardine.processing", "sardine.ui",
             "sardine.plugin"),
    "training": ("qgis", "sardine.cli", "sardine.processing", "sardine.ui", "sardine.plugin"),
    "cli": ("qgis", "sardine.processing", "sardine.ui", "sardine.plugin"),
    "processing": ("sardine.ui", "sardine.plugin"),
    "ui": ("sardine.plugin",),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([PACKAGE, *parts])


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in SKIP or rel.parts[0].startswith("."):
            continue
        found[_module_name(path)] = path
    return found


def _is_type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _import_nodes(tree: ast.AST):
    """Every import statement, in functions too, but not under ``if TYPE_CHECKING:``
    (annotations only: nothing is imported when the program runs)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif not _is_type_checking(node):
            stack.extend(ast.iter_child_nodes(node))


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Absolute names this module imports, resolved to project modules where possible
    (``from . import x`` counts as an import of the submodule ``x``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in _import_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        else:
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.add(sub if sub in known else target)
    return out


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def test_graph_sees_the_whole_project(graph):
    assert "sardine.core.translate.engine" in graph
    assert "sardine.training.train.trainer" in graph
    assert "sardine.core.distortion.mask" in graph["sardine.core.distortion.raster"]


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_arrow_runs_back_up(graph, layer):
    prefix = f"{PACKAGE}.{layer}"
    bad = sorted(f"{name} -> {target}" for name, targets in graph.items()
                 if name == prefix or name.startswith(prefix + ".")
                 for target in targets
                 if any(target == f or target.startswith(f + ".") for f in FORBIDDEN[layer]))
    assert not bad, "forbidden imports:\n" + "\n".join(bad)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    edges = {n: sorted(t for t in targets if t in graph and t != n) for n, targets in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            if i < len(edges[node]):
                work.append((node, i + 1))
                nxt = edges[node][i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def test_no_import_cycle(graph):
    assert _cycles(graph) == []


def test_type_checking_imports_are_not_arrows():
    code = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import B\n"
    tree = ast.parse(code)
    assert [type(n).__name__ for n in _import_nodes(tree)] == ["ImportFrom"]


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_test_modules_do_not_import_each_other():
    """Shared helpers live in tests/support.py and fixtures in tests/conftest.py."""
    bad = []
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            bad += [f"{path.name} imports {n}" for n in names if n.startswith("test_")]
    assert not bad, "\n".join(bad)
