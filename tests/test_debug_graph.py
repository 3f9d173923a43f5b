"""tape.graph() (Graphviz DOT), tape.memory_report(), and read-only saved arrays."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

import tapegrad as tg


def _mlp_tape():
    w = tg.Variable(np.ones((3, 2), np.float32), name="w")
    x = tg.constant(np.ones((4, 3), np.float32))
    with tg.GradientTape() as tape:
        h = tg.matmul(x, w)
        mask = tg.cast(h > 0.5, tg.float32)
        loss = tg.reduce_sum(tg.sin(h) * mask)
    return tape, w, x, h, loss


def _node_lines(dot: str, name: str) -> str:
    return next(line for line in dot.splitlines() if line.strip().startswith(name + " ["))


def test_graph_dot_text():
    tape, w, x, h, loss = _mlp_tape()
    graph = tape.graph(loss)
    dot = str(graph)
    assert dot.startswith("digraph tape {") and dot.rstrip().endswith("}")
    assert dot.count("{") == dot.count("}")
    for op in ("matmul", "greater", "cast", "sin", "multiply", "reduce_sum"):
        assert f'label="{op}' in dot
    # watched source highlighted, with its name, shape and dtype
    src = _node_lines(dot, f"t{w._id}")
    assert "watched: w:0\\n(3, 2) float32" in src and "fillcolor" in src
    # target highlighted
    tgt = _node_lines(dot, f"t{loss._id}")
    assert "target:" in tgt and "() float32" in tgt and "bold" in tgt
    # intermediate and constant tensors with shapes and dtypes
    assert "(4, 2) float32" in _node_lines(dot, f"t{h._id}")
    assert "constant" in _node_lines(dot, f"t{x._id}")
    # an op without gradient is dashed and says so; the bool link is dashed too
    assert re.search(r'style="rounded,dashed", color="red".*greater\\n\(no gradient\)', dot)
    assert "(4, 2) bool" in dot
    # every edge joins declared nodes
    declared = set(re.findall(r"^\s+(\w+) \[", dot, re.M))
    for a, b in re.findall(r"^\s+(\w+) -> (\w+)", dot, re.M):
        assert a in declared and b in declared
    assert repr(graph) == "<TapeGraph: 6 ops, 9 tensors>"


def test_graph_defaults_and_sources():
    tape, w, x, h, loss = _mlp_tape()
    dot = str(tape.graph())  # target: the last op's output
    assert "target:" in _node_lines(dot, f"t{loss._id}")
    dot = str(tape.graph(loss, sources=[x]))
    assert "source: constant" not in dot and "source: id" in _node_lines(dot, f"t{x._id}")


def test_graph_of_empty_and_released_tapes():
    with tg.GradientTape() as tape:
        pass
    assert str(tape.graph()) .startswith("digraph tape {")
    tape, w, *_, loss = _mlp_tape()
    tape.gradient(loss, w)
    assert tape.graph().n_ops == 0  # released: nothing left to draw


def test_render_without_graphviz_is_a_clear_error(monkeypatch, tmp_path):
    import builtins

    real_import = builtins.__import__

    def no_graphviz(name, *args, **kwargs):
        if name == "graphviz":
            raise ImportError("no graphviz")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_graphviz)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    tape, *_, loss = _mlp_tape()
    graph = tape.graph(loss)
    with pytest.raises(RuntimeError, match="needs Graphviz.*pip install graphviz"):
        graph.render(str(tmp_path / "tape.svg"))
    assert graph._repr_svg_() is None
    shown = graph._repr_mimebundle_()  # notebooks fall back to the DOT text with a note
    assert "image/svg+xml" not in shown
    assert "Graphviz is not installed" in shown["text/plain"]
    assert shown["text/plain"].endswith(graph.source)
    assert "<pre>digraph tape {" in shown["text/html"]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
def test_render_with_graphviz(tmp_path):
    tape, *_, loss = _mlp_tape()
    graph = tape.graph(loss)
    out = graph.render(str(tmp_path / "tape.svg"))
    assert open(out, encoding="utf-8").read().lstrip().startswith(("<?xml", "<svg"))
    png = graph.render(str(tmp_path / "tape.png"))
    assert open(png, "rb").read(4) == b"\x89PNG"
    assert "<svg" in graph._repr_svg_()
    assert "<svg" in graph._repr_mimebundle_()["image/svg+xml"]
    check = subprocess.run(["dot", "-Tcanon"], input=str(graph).encode(), capture_output=True)
    assert check.returncode == 0, check.stderr


def test_memory_report_known_sizes():
    x = tg.constant(np.ones(1000, np.float32))  # 4000 bytes
    y = tg.constant(np.ones(1000, np.float32))
    with tg.GradientTape() as tape:
        tape.watch([x, y])
        s = tg.sin(x)  # keeps x
        p = x * y  # keeps x and y (x counted once in the total)
        r = tg.reduce_sum(p)  # keeps nothing
        del s, r
    report = tape.memory_report()
    assert report.total_bytes == 8000 and report.n_arrays == 2
    assert [(row.op, row.nbytes) for row in report.rows] == [
        ("multiply", 8000), ("sin", 4000), ("reduce_sum", 0)]
    text = str(report)
    assert text.startswith("GradientTape memory: 7.8 KiB in 2 saved arrays, 3 recorded ops")
    assert "7.8 KiB" in text and "3.9 KiB" in text and "keeps (1000,) float32" in text
    tape.gradient(p, x)
    assert tape.memory_report().total_bytes == 0
    assert "released" in str(tape.memory_report())


def test_memory_report_of_variables_and_outputs():
    v = tg.Variable(np.ones((10, 10), np.float64))  # 800 bytes
    with tg.GradientTape(persistent=True) as tape:
        e = tg.exp(v)  # keeps its output (800 bytes); reading v saves nothing
    report = tape.memory_report()
    assert report.total_bytes == 800
    assert report.rows[0].op == "exp" and report.rows[0].nbytes == 800
    del e


def test_mutating_a_saved_array_raises_at_the_mutation():
    a = np.array([1.0, 2.0, 3.0], np.float32)
    x = tg.convert_to_tensor(a)  # a copy: the caller keeps its own array
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.reduce_sum(tg.sin(x))  # sin saves x for its gradient
    with pytest.raises(ValueError, match="read-only"):
        x._value[0] = 100.0  # the saved array itself cannot be written
    a[0] = 100.0  # the caller's array stays writable and does not reach the tape
    a += 1.0
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), np.cos([1.0, 2.0, 3.0]), rtol=1e-6)


def test_debugging_namespace():
    assert set(tg.debugging.__all__) >= {
        "enable_check_numerics", "disable_check_numerics", "detect_anomaly"}
    assert "debugging" in tg.__all__
    assert "Why is my gradient None" in tg.debugging.__doc__ or "None?" in tg.debugging.__doc__
