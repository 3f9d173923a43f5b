"""The example notebooks: stored clean, executed in a real Jupyter kernel, outputs checked.

One run of ``python -m tapegrad --notebooks DIR`` (in process) executes all of
them; the tests read the executed copies it writes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tapegrad.tour.notebooks import NOTEBOOKS

ROOT = Path(__file__).resolve().parents[1]

STORED = sorted(NOTEBOOKS.glob("*.ipynb"))


def test_the_three_notebooks_are_there():
    assert [p.name for p in STORED] == [
        "01_autodiff_tutorial.ipynb",
        "02_debugging_gradients.ipynb",
        "03_training.ipynb",
    ]


@pytest.mark.parametrize("path", STORED, ids=[p.stem for p in STORED])
def test_stored_notebooks_have_no_outputs(path):
    notebook = json.loads(path.read_text())
    dirty = [i for i, cell in enumerate(notebook["cells"]) if cell["cell_type"] == "code"
             and (cell["outputs"] or cell["execution_count"] is not None)]
    assert not dirty, f"{path.name}: cells {dirty} keep outputs; clear them before committing"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The executed copies, from ``python -m tapegrad --notebooks DIR`` in a subprocess.

    A subprocess keeps the Jupyter client's threads and ZeroMQ out of the test process.
    """
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nbformat = pytest.importorskip("nbformat")
    out = tmp_path_factory.mktemp("executed")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH")) if p)}
    done = subprocess.run([sys.executable, "-m", "tapegrad", "--notebooks", str(out)],
                          capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-4000:]
    assert done.stdout.count("executed ") == len(STORED), done.stdout
    return {p.stem: nbformat.read(str(p), as_version=4) for p in sorted(out.glob("*.ipynb"))}


def _cells(notebook) -> list:
    """(source, text) per code cell: streams and text/plain results, joined."""
    found = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        text = []
        for output in cell.outputs:
            assert output.output_type != "error", f"cell failed: {cell.source}"
            if output.output_type == "stream":
                text.append(output.text)
            elif "text/plain" in output.get("data", {}):
                text.append(output.data["text/plain"])
        found.append((cell.source, "".join(text)))
    return found


def _output_of(notebook, source: str) -> str:
    matches = [text for src, text in _cells(notebook) if src == source]
    assert len(matches) >= 1, f"no cell {source!r}"
    return matches[-1]


def _without_ids(text: str) -> str:
    return re.sub(r"id=\d+", "id=N", text)


def test_all_notebooks_ran(executed):
    assert sorted(executed) == [p.stem for p in STORED]
    for notebook in executed.values():
        code = [c for c in notebook.cells if c.cell_type == "code"]
        assert all(c.execution_count is not None for c in code)


def test_tutorial_prints_the_seed_values(executed):
    nb = executed["01_autodiff_tutorial"]
    tensor = "<tapegrad.Tensor: id=N, shape=(), dtype=float32, numpy={}>"
    assert _without_ids(_output_of(nb, "x = tf.ones((2, 2))\nx")) == (
        "<tapegrad.Tensor: id=N, shape=(2, 2), dtype=float32, numpy=\n"
        "array([[1., 1.],\n       [1., 1.]], dtype=float32)>")
    assert _without_ids(_output_of(nb, "y")) == tensor.format("4.0")
    assert _without_ids(_output_of(nb, "z")) == tensor.format("16.0")
    assert _without_ids(_output_of(nb, "dz_dx")) == (
        "<tapegrad.Tensor: id=N, shape=(2, 2), dtype=float32, numpy=\n"
        "array([[8., 8.],\n       [8., 8.]], dtype=float32)>")
    dz_dy = next(text for src, text in _cells(nb) if src.endswith("t.gradient(z, y)\ndz_dy"))
    assert _without_ids(dz_dy) == tensor.format("8.0")
    persistent = next(text for src, text in _cells(nb) if "persistent=True" in src)
    assert persistent == ("tapegrad.Tensor(108.0, shape=(), dtype=float32)\n"
                          "tapegrad.Tensor(6.0, shape=(), dtype=float32)\n")
    for n, value in [(6, "12.0"), (7, "12.0"), (5, "12.0"), (4, "4.0")]:
        assert _output_of(nb, f"grad(x, {n}).numpy()") == f"np.float32({value})"
    for n, value in [(6, "8.0"), (5, "8.0"), (4, "4.0")]:
        assert _without_ids(_output_of(nb, f"f(x, {n})")) == tensor.format(value)
    assert _without_ids(_output_of(nb, "dy_dx")) == tensor.format("3.0")
    assert _without_ids(_output_of(nb, "d2y_dx2")) == tensor.format("6.0")


def test_tutorial_tensors_show_as_html_tables(executed):
    cell = next(c for c in executed["01_autodiff_tutorial"].cells if c.source == "dz_dx")
    html = cell.outputs[0].data["text/html"]
    assert "shape=(2, 2) dtype=float32" in html and html.count("<td>8.</td>") == 4


def test_debugging_notebook_explains_and_draws(executed):
    nb = executed["02_debugging_gradients"]
    cells = _cells(nb)
    explained = next(text for src, text in cells if "tape.explain" in src)
    assert "source 0: Variable 'w:0'" in explained and "goes through argmax" in explained
    assert "ValueError raised: GradientTape.gradient: no gradient for source 0" in "".join(
        text for _, text in cells)
    anomaly = next(text for src, text in cells if "detect_anomaly" in src)
    assert "NaN/Inf in the backward pass" in anomaly and "`sqrt`" in anomaly
    graph_cell = next(c for c in nb.cells if c.source.endswith("tape.graph(loss)"))
    shown = graph_cell.outputs[0].data
    if "image/svg+xml" in shown:  # Graphviz installed
        assert "<svg" in shown["image/svg+xml"]
    else:  # the DOT text with the note
        assert "Graphviz is not installed" in shown["text/html"]
        assert "<pre>digraph tape {" in shown["text/html"]
        assert "matmul" in shown["text/plain"] and "relu" in shown["text/plain"]
    report = _output_of(nb, "print(tape.memory_report())")
    assert report.startswith("GradientTape memory: ") and "matmul" in report


def test_debugging_notebook_prints_a_compiled_functions_source(executed):
    nb = executed["02_debugging_gradients"]
    source = next(text for src, text in _cells(nb) if src.startswith("@tg.function"))
    assert "def loss_and_grad(" in source and "tanh_grad(" in source
    graph_cell = next(c for c in nb.cells if c.source.endswith(".graph"))
    shown = graph_cell.outputs[0].data
    assert "image/svg+xml" in shown or "<pre>digraph program {" in shown["text/html"]


def test_training_notebook_learns_and_plots(executed):
    nb = executed["03_training"]
    accuracy = next(text for src, text in _cells(nb) if "test accuracy" in src)
    value = float(re.search(r"test accuracy: ([\d.]+)%", accuracy).group(1))
    assert value >= 95.0
    plot = next(c for c in nb.cells if c.source.endswith("plt.show()"))
    assert any("image/png" in o.get("data", {}) for o in plot.outputs)


def test_notebook_runner_names_a_missing_folder(tmp_path):
    from tapegrad.tour.notebooks import write_executed

    with pytest.raises(FileNotFoundError, match="No notebooks in"):
        write_executed(tmp_path / "out", source=tmp_path)


def test_notebooks_folder_is_the_source_trees():
    assert NOTEBOOKS == ROOT / "examples" / "notebooks"


def test_training_notebook_fits_with_keras(executed):
    cells = _cells(executed["03_training"])
    text = next(text for src, text in cells if "keras_model.fit" in src)
    assert float(re.search(r"Keras test accuracy: ([\d.]+)%", text).group(1)) >= 95.0
