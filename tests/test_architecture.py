"""The layout is the architecture: checked by reading the package's imports and sizes.

* ``_core`` (the engine) imports nothing from the rest of tapegrad;
* no import circle inside ``_core`` or inside ``ops`` (function-level imports count);
* ``_core`` stays within its line budget, and every source file within the file budget.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "src" / "tapegrad"
CORE_BUDGET = 2000  # code lines: non-blank, non-comment lines, docstrings included
FILE_BUDGET = 800  # lines of any source file


def _module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str, path: pathlib.Path, known: dict) -> set:
    """The tapegrad modules ``name`` imports, anywhere in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # ``from pkg import mod`` imports the module pkg.mod when it is one
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                       for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target.startswith("tapegrad") and target != name:
                found.add(target)
    return found


def _graph() -> dict:
    known = _modules()
    return {name: _imports(name, path, known) for name, path in known.items()}


def _cycles(graph: dict, prefix: str) -> list:
    """Strongly connected components (size > 1) among the modules under ``prefix``."""
    nodes = [n for n in graph if n.startswith(prefix)]
    edges = {n: [m for m in graph[n] if m.startswith(prefix) and m != prefix.rstrip(".")]
             for n in nodes}
    index: dict = {}
    low: dict = {}
    stack: list = []
    on_stack: set = set()
    found: list = []

    def visit(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in nodes:
        if v not in index:
            visit(v)
    return found


def test_the_engine_imports_nothing_above_it():
    graph = _graph()
    leaks = {name: sorted(m for m in deps if not m.startswith("tapegrad._core"))
             for name, deps in graph.items() if name.startswith("tapegrad._core")}
    leaks = {k: v for k, v in leaks.items() if v}
    assert not leaks, f"_core imports from above it: {leaks}"


@pytest.mark.parametrize("prefix", ["tapegrad._core.", "tapegrad.ops."])
def test_no_import_circles(prefix):
    assert _cycles(_graph(), prefix) == []


def test_cycle_finder_sees_a_circle():
    graph = {"tapegrad.ops.a": {"tapegrad.ops.b"}, "tapegrad.ops.b": {"tapegrad.ops.a"},
             "tapegrad.ops.c": {"tapegrad.ops.a"}}
    assert _cycles(graph, "tapegrad.ops.") == [["tapegrad.ops.a", "tapegrad.ops.b"]]


def _code_lines(path: pathlib.Path) -> int:
    return sum(1 for line in path.read_text().splitlines()
               if line.strip() and not line.strip().startswith("#"))


def test_engine_line_budget():
    total = sum(_code_lines(p) for p in (PACKAGE / "_core").glob("*.py"))
    assert total <= CORE_BUDGET, f"_core has {total} code lines (budget {CORE_BUDGET})"


def test_file_line_budget():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > FILE_BUDGET}
    assert not long, f"files over {FILE_BUDGET} lines: {long}"
