"""The op table on other array libraries: Dask, array-api-strict and CuPy (with a GPU).

array-api-strict holds arrays of the Python array API standard and nothing more (no NumPy
dispatch protocols, dtypes of its own): it stands in for a non-NumPy library on CPU-only
machines, so a NumPy-only shortcut in an op body fails here. Each spec runs forward and
first-order gradient (the NumPy run keeps the full checks, tests/test_op_table.py): values
and gradients must stay in the library's arrays and equal NumPy's, or the op must raise a
NotImplementedError naming itself and the library, and be listed in the README.
"""

from __future__ import annotations

import importlib.util
import pathlib
import re

import pytest

from .backend_harness import run
from .op_specs import all_specs

SPECS = all_specs()
# The one-class-check fast path compares a strict dtype with NumPy's before moving a NumPy
# number to the strict library; array-api-strict warns about such comparisons.
pytestmark = pytest.mark.filterwarnings("ignore:You are comparing a array_api_strict dtype")
README = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text()


def _has_gpu_cupy() -> bool:
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no cupy, no driver, no device
        return False


def _missing(module: str) -> bool:
    return importlib.util.find_spec(module) is None


BACKENDS = [
    pytest.param("dask", marks=pytest.mark.skipif(_missing("dask"), reason="no dask")),
    pytest.param("strict", marks=pytest.mark.skipif(_missing("array_api_strict"),
                                                    reason="no array-api-strict")),
    pytest.param("cupy", marks=pytest.mark.skipif(not _has_gpu_cupy(), reason="no CuPy GPU")),
]
_README_NAMES = {"dask": "Dask", "strict": "array-api-strict", "cupy": "CuPy"}


def documented(backend: str) -> set:
    """The ops the README lists as not implemented for ``backend``."""
    entry = re.search(rf"^- {re.escape(_README_NAMES[backend])}: (.*?)(?=^- |^$)", README,
                      flags=re.M | re.S)
    assert entry, f"the README lists no refused ops for {_README_NAMES[backend]}"
    return set(re.findall(r"`([a-z0-9_]+)`", entry.group(1)))


_RESULTS: dict = {}


def _run(spec, backend: str) -> str:
    key = (spec.name, backend)
    if key not in _RESULTS:
        _RESULTS[key] = run(spec, backend)
    return _RESULTS[key]


@pytest.mark.filterwarnings("ignore::FutureWarning")  # (Dask's note on NumPy functions it lacks)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("spec", SPECS, ids=repr)
def test_op_on_backend_matches_numpy_or_is_refused(spec, backend):
    result = _run(spec, backend)
    if result != "ok":
        op = result.split(":", 1)[0]
        assert op in documented(backend), (
            f"{spec.name}: {op} refuses {backend} but the README does not list it: {result}")


@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize("backend", [b for b in BACKENDS if b.values[0] != "cupy"])
def test_every_listed_op_does_refuse(backend):
    """The README's lists hold no op that works (they shrink as ops learn a library)."""
    refused = {_run(s, backend).split(":", 1)[0] for s in SPECS} - {"ok"}
    assert documented(backend) == refused
