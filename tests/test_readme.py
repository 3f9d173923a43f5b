"""The README's Python examples run as written (so the README stays true)."""

from __future__ import annotations

import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_examples():
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index, capsys):
    try:
        exec(compile(BLOCKS[index], f"README.md example {index + 1}", "exec"), {})
    except ImportError as err:  # an optional peer (Dask for the cluster example) is missing
        if (err.name or "").startswith("tapegrad"):
            raise
        pytest.skip(f"README example {index + 1} needs {err.name}: {err}")
