"""The documentation site: its examples run, every public name is documented, it builds strictly."""

from __future__ import annotations

import importlib.util
import os
import pathlib
import re
import shlex
import subprocess
import sys
import types

import pytest

import tapegrad as tg

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", flags=re.S | re.M)
BLOCKS = [(page, i, code) for page in PAGES
          for i, (lang, code) in enumerate(FENCE.findall(page.read_text())) if lang == "python"]
COMMANDS = [(page, line) for page in PAGES
            for lang, code in FENCE.findall(page.read_text()) if lang == "console"
            for line in code.splitlines() if line.strip()]


def _load_hook(name: str) -> types.ModuleType:
    path = DOCS / "hooks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"docs_hook_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_page_is_in_the_navigation():
    config = (ROOT / "mkdocs.yml").read_text()
    assert [p.name for p in PAGES if p.name not in config] == []
    assert len(BLOCKS) >= 20


@pytest.mark.parametrize(("page", "index", "code"), BLOCKS,
                         ids=[f"{p.stem}-{i}" for p, i, _ in BLOCKS])
def test_docs_python_blocks_run(page, index, code):
    exec(compile(code, f"{page.name} block {index}", "exec"), {"__name__": "__docs__"})


def test_code_blocks_are_python_or_console():
    langs = {lang for page in PAGES for lang, _ in FENCE.findall(page.read_text())}
    assert langs <= {"python", "console"}, "a block that is neither runs nowhere: make it python"


@pytest.mark.parametrize(("page", "line"), COMMANDS, ids=[f"{p.stem}: {c}" for p, c in COMMANDS])
def test_console_commands_name_what_exists(page, line):
    """Shell commands are not run here (they install or run for minutes); what they name exists."""
    words = shlex.split(line.split("#")[0])
    if words[:2] == ["pip", "install"]:
        extras = re.fullmatch(r"\.(?:\[(\w+)\])?", words[-1].lstrip("-e").strip())
        assert extras, line
        if extras.group(1):
            assert f"\n{extras.group(1)} = [" in (ROOT / "pyproject.toml").read_text(), line
    elif words[:3] == ["python", "-m", "tapegrad"]:
        from tapegrad.tour.run import _parse

        _parse(words[3:])  # the options exist (argparse exits otherwise)
    elif words[0] == "python":
        script = ROOT / words[1]
        assert script.is_file(), line
        for option in (w for w in words[2:] if w.startswith("--")):
            assert f'"{option}"' in script.read_text(), f"{line}: {option}"
    else:
        pytest.fail(f"{page.name}: unexpected command {line!r}")


# ----------------------------------------------------------------------------------
# the API reference
# ----------------------------------------------------------------------------------
reference = _load_hook("reference")


def _public_objects():
    for public, module in reference.namespaces(tg):
        yield public, module
        for name in module.__all__:
            value = getattr(module, name)
            if reference.is_documented_object(value):
                yield f"{public}.{name}", value


def test_every_public_name_has_a_docstring():
    missing = [name for name, value in _public_objects()
               if not (value.__doc__ or "").strip()]
    assert not missing, f"public names without a docstring: {missing}"


def test_reference_covers_every_public_name():
    pages = reference.build_pages()
    for public, module in reference.namespaces(tg):
        text = pages[f"reference/{public}.md"]
        for name in module.__all__:
            assert f"[`{name}`]" in text or f"| `{name}` |" in text, f"{public}.{name}"
    rendered = "".join(pages.values())
    for _, value in _public_objects():
        if not isinstance(value, types.ModuleType):
            assert f"::: {reference.canonical(value)}\n" in rendered  # rendered once somewhere


def test_reference_picks_up_new_public_names(monkeypatch):
    def brand_new(x):
        """A function added to the package later."""
        return x

    brand_new.__module__ = "tapegrad.optimize"  # where griffe would find it
    monkeypatch.setattr(tg.optimize, "brand_new", brand_new, raising=False)
    monkeypatch.setattr(tg.optimize, "__all__", [*tg.optimize.__all__, "brand_new"])
    assert "## `tapegrad.optimize.brand_new`" in reference.build_pages()[
        "reference/tapegrad.optimize.md"]


def test_doctest_examples_become_code_blocks():
    fence = _load_hook("doctest_blocks").fence_doctests
    text = "Adds.\n\n>>> 1 + 1\n2\n\nMore text."
    assert fence(text) == "Adds.\n\n```pycon\n>>> 1 + 1\n2\n```\n\nMore text."


# ----------------------------------------------------------------------------------
# the build
# ----------------------------------------------------------------------------------
def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    pytest.importorskip("mkdocstrings_handlers.python")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                           str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-4000:]
    site = tmp_path / "site"
    optimize = (site / "reference" / "tapegrad.optimize" / "index.html").read_text()
    assert 'id="tapegrad.optimize.minimize"' in optimize and "scipy.optimize.minimize" in optimize
    assert 'class="language-pycon' in optimize or "highlight" in optimize  # doctests as code
    assert (site / "coming-from-pytorch" / "index.html").is_file()
    for page in site.rglob("*.html"):  # nothing to fetch: no web fonts
        assert "fonts.googleapis.com" not in page.read_text(), page


def test_material_theme_fetches_no_fonts():
    assert re.search(r"^\s+font: false", (ROOT / "mkdocs.yml").read_text(), flags=re.M)

