"""Rich display in notebooks: tensors as HTML tables, the tape graph as SVG or DOT text."""

from __future__ import annotations

import re

import numpy as np
import pytest

import tapegrad as tg

formatters = pytest.importorskip("IPython.core.formatters")


def _shown(value):
    """What Jupyter receives for ``value``: IPython's own formatter, as a notebook calls it."""
    data, _ = formatters.DisplayFormatter().format(value)
    return data


def _cells(html_text):
    return [re.findall(r"<td[^>]*>(.*?)</td>", row)
            for row in re.findall(r"<tr>(.*?)</tr>", html_text)]


def test_small_tensor_is_a_table_with_all_values():
    t = tg.constant([[1.0, 2.0], [3.0, 4.5]])
    shown = _shown(t)
    assert shown["text/plain"] == repr(t)
    assert f"tapegrad.Tensor id={t._id} shape=(2, 2) dtype=float32" in shown["text/html"]
    assert _cells(shown["text/html"]) == [["1.", "2."], ["3.", "4.5"]]  # NumPy's formatting


def test_vector_is_one_row():
    assert _cells(tg.constant([1, 2, 3])._repr_html_()) == [["1", "2", "3"]]


def test_large_tensor_is_cut_like_numpy_printing():
    value = np.arange(5000.0).reshape(50, 100)
    cells = _cells(tg.constant(value)._repr_html_())
    edge = np.get_printoptions()["edgeitems"]
    assert len(cells) == 2 * edge + 1 and cells[edge] == ["&vellip;"]
    first = cells[0]
    assert len(first) == 2 * edge + 1 and first[edge] == "&hellip;"
    assert [float(c) for c in first[:edge]] == [0.0, 1.0, 2.0]
    assert [float(c) for c in cells[-1][-edge:]] == [4997.0, 4998.0, 4999.0]
    with np.printoptions(threshold=10**6):  # NumPy's threshold decides, as for printing
        assert len(_cells(tg.constant(value)._repr_html_())) == 50


def test_variable_shows_its_name_and_escapes_html():
    v = tg.Variable([1.0, 2.0], name="<w>")
    text = _shown(v)["text/html"]
    assert "tapegrad.Variable &#x27;&lt;w&gt;:0&#x27; shape=(2,) dtype=float32" in text
    assert "<w>" not in text


@pytest.mark.parametrize("value", [3.0, np.ones((2, 2, 2)), np.zeros((0, 3))],
                         ids=["scalar", "3d", "empty"])
def test_other_ranks_show_numpy_text(value):
    text = tg.constant(value)._repr_html_()
    assert "<table>" not in text
    assert re.search(r"<pre>(.*)</pre>", text, re.S).group(1) == str(np.asarray(value, np.float32))


def test_tape_graph_without_graphviz_shows_dot_text_with_a_note(monkeypatch):
    from tapegrad.debugging import graph as graph_module

    def missing(self, format="svg"):
        raise RuntimeError("TapeGraph.render needs Graphviz")

    monkeypatch.setattr(graph_module.TapeGraph, "pipe", missing)
    x = tg.constant(2.0)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.sin(x) * x
    shown = _shown(tape.graph(y))
    assert "image/svg+xml" not in shown
    assert "Graphviz is not installed" in shown["text/html"]
    assert "<pre>digraph tape {" in shown["text/html"]
    assert shown["text/plain"].endswith(str(tape.graph(y)))


def test_tape_graph_with_graphviz_is_svg(monkeypatch):
    from tapegrad.debugging import graph as graph_module

    monkeypatch.setattr(graph_module.TapeGraph, "pipe", lambda self, format="svg": b"<svg/>")
    x = tg.constant(2.0)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    assert _shown(tape.graph(y))["image/svg+xml"] == "<svg/>"


def test_shape_and_dtype_show_as_text():
    t = tg.constant([[1.0, 2.0]])
    for value in (t.shape, t.dtype, tg.float32):
        shown = _shown(value)
        assert set(shown) == {"text/plain"} and shown["text/plain"] == repr(value)


def test_a_dask_tensor_shows_its_summary_without_computing():
    da = pytest.importorskip("dask.array")
    computed = []

    def mark(block):
        computed.append(1)
        return block

    t = tg.constant(da.ones((4, 3), chunks=2).map_blocks(mark, meta=np.ones((0, 0))))
    computed.clear()
    text = t._repr_html_()
    assert "tapegrad.Tensor" in text and "shape=(4, 3) dtype=float64" in text
    assert "dask.array&lt;" in text and "<table>" not in text
    assert computed == []
