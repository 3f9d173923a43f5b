"""The seed tutorial, run with ``import tapegrad as tf``: every value it prints."""

from __future__ import annotations

import numpy as np

from tapegrad.tour.tutorial import run_notebook


def test_notebook_values():
    printed: list = []
    ns = run_notebook(printed.append)
    tf = ns["tf"]
    assert tf.executing_eagerly()
    # Cells 2-7: x = ones((2, 2)); y = reduce_sum(x) = 4; z = y*y = 16 (from the first cell).
    lines = "\n".join(printed)
    ones = "numpy=\narray([[1., 1.],\n       [1., 1.]], dtype=float32)>"
    assert ones in lines
    assert "shape=(), dtype=float32, numpy=4.0>" in lines
    assert "shape=(), dtype=float32, numpy=16.0>" in lines
    assert "numpy=\narray([[8., 8.],\n       [8., 8.]], dtype=float32)>" in lines
    assert "shape=(), dtype=float32, numpy=8.0>" in lines  # dz_dy
    # Persistent tape: dz_dx = 108 (dy_dx = 6 is printed: see the next test).
    assert float(ns["dz_dx"]) == 108.0
    # Control flow.
    x = ns["x"]
    grad, f = ns["grad"], ns["f"]
    x2 = tf.convert_to_tensor(2.0)
    assert [float(grad(x2, n).numpy()) for n in (6, 7, 5, 4)] == [12.0, 12.0, 12.0, 4.0]
    assert [float(f(x2, n)) for n in (6, 5, 4)] == [8.0, 8.0, 4.0]
    # Higher order on a Variable.
    assert float(ns["dy_dx"]) == 3.0 and float(ns["d2y_dx2"]) == 6.0
    assert isinstance(x, tf.Variable)


def test_notebook_first_cell_exact_values():
    import tapegrad as tf

    x = tf.ones((2, 2))
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_sum(x)
        z = tf.multiply(y, y)
    dz_dx = t.gradient(z, x)
    assert y.numpy() == np.float32(4.0) and z.numpy() == np.float32(16.0)
    np.testing.assert_array_equal(dz_dx.numpy(), np.full((2, 2), 8.0, np.float32))
    assert dz_dx.dtype == np.float32


def test_printed_persistent_values_use_tensor_str():
    printed: list = []
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        run_notebook(printed.append)
    out = buffer.getvalue()
    assert "tapegrad.Tensor(108.0, shape=(), dtype=float32)" in out
    assert "tapegrad.Tensor(6.0, shape=(), dtype=float32)" in out


def test_tour_module_runs_tutorial(capsys):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "examples/tutorial.py"], capture_output=True, text=True,
                          cwd=__file__.rsplit("/tests/", 1)[0], timeout=120)
    assert done.returncode == 0, done.stderr
    assert "numpy=6.0>" in done.stdout
