"""MkDocs hook: the API reference, generated from the package's ``__all__`` lists.

Every public namespace (``tapegrad`` and each module named in an ``__all__``,
recursively) gets a page under ``reference/``. Each public function and class is
rendered once by mkdocstrings from its docstring, on the first page that lists
it (submodules before the top level, so ``add`` is documented in
``tapegrad.math`` and linked from ``tapegrad``); other names (dtypes,
constants) are listed with their value. A new public name shows up without
editing anything here, and ``tests/test_docs.py`` fails when one lacks a
docstring.
"""

from __future__ import annotations

import inspect
import pathlib
import sys
import types
from typing import Any

from mkdocs.structure.files import File

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))  # document this tree, not an installed copy

_PAGES: dict[str, str] = {}


def namespaces(package: types.ModuleType) -> list[tuple[str, types.ModuleType]]:
    """``(public name, module)`` for the package and every module its ``__all__`` lists."""
    found: list[tuple[str, types.ModuleType]] = []
    seen: set[str] = set()

    def visit(public: str, module: types.ModuleType) -> None:
        seen.add(module.__name__)
        found.append((public, module))
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            if isinstance(value, types.ModuleType) and value.__name__ not in seen:
                visit(f"{public}.{name}", value)

    visit(package.__name__, package)
    return found


def is_documented_object(value: Any) -> bool:
    """Functions and classes get a mkdocstrings section; other values a table row."""
    return inspect.isclass(value) or inspect.isroutine(value) or (
        callable(value) and hasattr(value, "__qualname__") and hasattr(value, "__module__"))


def canonical(value: Any) -> str:
    return f"{value.__module__}.{value.__qualname__}"


def _summary(value: Any) -> str:
    doc = inspect.getdoc(value) or ""
    first = doc.strip().split("\n\n")[0].replace("\n", " ").replace("|", "\\|")
    return first


def build_pages() -> dict[str, str]:
    """Markdown for ``reference/index.md`` and one page per namespace."""
    import tapegrad

    spaces = namespaces(tapegrad)
    order = spaces[1:] + spaces[:1]  # submodules first: their names are documented there
    home: dict[int, str] = {}  # id(object) -> "page.md#anchor" where it is rendered
    bodies: dict[str, list[str]] = {}
    for public, module in order:
        page = f"{public}.md"
        rows, sections, constants = [], [], []
        for name in sorted(module.__all__, key=str.lower):
            value = getattr(module, name)
            anchor = f"{public}.{name}"
            if isinstance(value, types.ModuleType):
                rows.append(f"| [`{name}`]({public}.{name}.md) | module | {_summary(value)} |")
            elif is_documented_object(value):
                kind = "class" if inspect.isclass(value) else "function"
                if id(value) in home:
                    rows.append(f"| [`{name}`]({home[id(value)]}) | {kind} | "
                                f"{_summary(value)} |")
                    continue
                home[id(value)] = f"{page}#{anchor}"
                rows.append(f"| [`{name}`](#{anchor}) | {kind} | {_summary(value)} |")
                sections.append(f"## `{public}.{name}` {{#{anchor}}}\n\n"
                                f"::: {canonical(value)}\n")
            else:
                constants.append(f"| `{name}` | `{value!r}` |")
        doc = inspect.getdoc(module) or ""
        lines = [f"# `{public}`", "", doc.split("\n\n")[0], "", "| name | kind | summary |",
                 "|---|---|---|", *rows, ""]
        if constants:
            lines += ["## Values", "", "| name | value |", "|---|---|", *constants, ""]
        bodies[page] = lines + sections
    pages = {f"reference/{page}": "\n".join(body) + "\n" for page, body in bodies.items()}
    index = ["# API reference", "",
             "Generated from the package's `__all__` lists and the docstrings: every public "
             "name of every public namespace. Functions and classes are described on the first "
             "page that lists them and linked from the others.", "",
             "| namespace | names | summary |", "|---|---|---|"]
    for public, module in spaces:
        index.append(f"| [`{public}`]({public}.md) | {len(module.__all__)} | "
                     f"{_summary(module)} |")
    pages["reference/index.md"] = "\n".join(index) + "\n"
    return pages


def on_config(config: Any) -> Any:
    """Generate the pages and list them in the navigation under "API reference"."""
    _PAGES.clear()
    _PAGES.update(build_pages())
    entries = [{"Overview": "reference/index.md"}] + [
        {path[len("reference/"):-3]: path} for path in _PAGES if path != "reference/index.md"
    ]
    entries[1:] = sorted(entries[1:], key=lambda e: list(e)[0])
    for i, item in enumerate(config["nav"]):
        if isinstance(item, dict) and "API reference" in item:
            config["nav"][i] = {"API reference": entries}
    return config


def on_files(files: Any, config: Any) -> Any:
    for path, content in _PAGES.items():
        files.append(File.generated(config, path, content=content))
    return files
