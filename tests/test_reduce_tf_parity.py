"""Reductions, scans, top_k and segment sums against TensorFlow itself (skipped without it).

Each case calls the same ``math`` function with the same arguments in both libraries on
inputs with ties, zeros and infinities, and compares values, first derivatives and
second derivatives (a Hessian-vector product) in float64, NaN for NaN.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

tf = pytest.importorskip("tensorflow")

TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 0.0, 0.0, -1.0], [0.5, 2.0, -3.0, 2.0]])
RANDOM = np.random.default_rng(0).standard_normal((2, 3, 4))
LARGE = np.array([[1000.0, -1000.0, 999.0], [-np.inf, -np.inf, -np.inf]])
IDS = np.array([2, 0, -1])

CASES = [
    ("reduce_sum", {"axis": 1}, TIES),
    ("reduce_mean", {"axis": [0, 2], "keepdims": True}, RANDOM),
    ("reduce_max", {}, TIES),
    ("reduce_max", {"axis": 1, "keepdims": True}, TIES),
    ("reduce_max", {"axis": [0, -1]}, RANDOM),
    ("reduce_min", {"axis": 0}, TIES),
    ("reduce_min", {"axis": [1, 2]}, RANDOM),
    ("reduce_prod", {"axis": 1}, TIES),
    ("reduce_prod", {"axis": 0, "keepdims": True}, TIES),
    ("reduce_prod", {}, TIES[2:]),
    ("reduce_prod", {"axis": [0, 2]}, RANDOM),
    ("reduce_logsumexp", {"axis": 1}, TIES),
    ("reduce_logsumexp", {"axis": -1}, LARGE),
    ("reduce_logsumexp", {"axis": [0, 1], "keepdims": True}, RANDOM),
    ("reduce_std", {"axis": 1}, TIES),
    ("reduce_variance", {"axis": [0, 2]}, RANDOM),
    ("reduce_euclidean_norm", {"axis": 0}, TIES),
    ("reduce_euclidean_norm", {"axis": [1, 2], "keepdims": True}, RANDOM),
    ("l2_normalize", {"axis": 1}, TIES),
    ("l2_normalize", {"axis": [0, 2]}, RANDOM),
    ("cumsum", {"axis": 1, "exclusive": True}, TIES),
    ("cumsum", {"axis": -1, "reverse": True}, RANDOM),
    ("cumprod", {"axis": 1}, TIES),
    ("cumprod", {"axis": 0, "exclusive": True, "reverse": True}, TIES),
    ("cumprod", {"axis": 2, "reverse": True}, RANDOM),
    ("top_k", {"k": 2}, TIES),
    ("top_k", {"k": 3}, RANDOM),
    ("unsorted_segment_sum", {"segment_ids": IDS, "num_segments": 3}, TIES),
    ("segment_sum", {"segment_ids": np.array([0, 0, 2])}, TIES),
    ("argmax", {}, TIES),
    ("argmin", {"axis": 1}, TIES),
]


def _call(lib, name, kwargs):
    fn = getattr(lib.math, name)

    def f(x):
        out = fn(x, **kwargs)
        return out.values if name == "top_k" else out

    return f


def _tf_derivatives(f, x, w, v):
    x = tf.constant(x)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
            s = tf.reduce_sum(y * w) if y.dtype.is_floating else None
        g = None if s is None else inner.gradient(s, x)
        gv = None if g is None else tf.reduce_sum(g * v)
    h = None if gv is None else outer.gradient(gv, x)
    return [None if a is None else a.numpy() for a in (y, g, h)]


def _tg_derivatives(f, x, w, v):
    x = tg.constant(x)
    with tg.GradientTape() as outer:
        outer.watch(x)
        with tg.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
            s = tg.reduce_sum(y * w) if y.dtype.kind == "f" else None
        g = None if s is None else inner.gradient(s, x)
        gv = None if g is None else tg.reduce_sum(g * v)
    h = None if gv is None else outer.gradient(gv, x)
    return [None if a is None else a.numpy() for a in (y, g, h)]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name, kwargs, x", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_values_and_two_derivatives_match_tensorflow(name, kwargs, x):
    tf_y = _call(tf, name, kwargs)(tf.constant(x)).numpy()
    rng = np.random.default_rng(1)
    w = rng.standard_normal(tf_y.shape)
    v = rng.standard_normal(x.shape)
    expected = _tf_derivatives(_call(tf, name, kwargs), x, w, v)
    got = _tg_derivatives(_call(tg, name, kwargs), x, w, v)
    assert got[0].dtype == expected[0].dtype
    for label, a, b in zip(("value", "gradient", "second derivative"), got, expected):
        if a is None or b is None:  # no gradient, or one that does not depend on x
            assert a is None or not np.any(a), f"{name} {label}: tapegrad {a}, TensorFlow None"
            assert b is None or not np.any(b), f"{name} {label}: TensorFlow {b}, tapegrad None"
            continue
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=f"{name} {label}")


@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_float32_and_integer_values_match_tensorflow(dtype):
    x = (TIES * 2).astype(dtype)
    names = ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod",
             "reduce_euclidean_norm", "cumsum", "cumprod", "argmax", "argmin"]
    if dtype == np.float32:
        names += ["reduce_logsumexp", "reduce_std", "reduce_variance", "l2_normalize"]
    for name in names:
        for kwargs in ({}, {"axis": 1}):
            a = _call(tg, name, kwargs)(tg.constant(x)).numpy()
            b = _call(tf, name, kwargs)(tf.constant(x)).numpy()
            assert a.dtype == b.dtype, f"{name}{kwargs}: {a.dtype} != {b.dtype}"
            np.testing.assert_allclose(a, b, rtol=1e-6, err_msg=f"{name}{kwargs}")
