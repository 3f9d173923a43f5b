"""tapegrad.nn against the installed TensorFlow: values, gradients and second order.

Skipped where TensorFlow is not installed (CI installs only the test extras).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
tf = pytest.importorskip("tensorflow")

import tapegrad as tg  # noqa: E402

RNG = np.random.default_rng(0)


def _run(lib, f, xs, order):
    """f's value, its first derivatives along a fixed cotangent, and (order 2) the
    derivatives of <first derivatives, v> for a fixed v."""
    xs = [lib.constant(x) for x in xs]
    with lib.GradientTape(persistent=True) as outer:
        outer.watch(xs)
        with lib.GradientTape() as inner:
            inner.watch(xs)
            y = f(lib, *xs)
        u = np.random.default_rng(5).standard_normal(y.shape).astype(xs[0].numpy().dtype)
        gs = inner.gradient(y, xs, output_gradients=lib.constant(u))
        if order > 1:
            total = None
            for i, g in enumerate(gs):
                if g is None:
                    continue
                v = np.random.default_rng(6 + i).standard_normal(g.shape).astype(u.dtype)
                term = lib.reduce_sum(g * v)
                total = term if total is None else total + term
    hs = outer.gradient(total, xs) if order > 1 else []
    conv = [None if g is None else np.asarray(g) for g in list(gs) + list(hs)]
    return np.asarray(y), conv


def _compare(f, xs, order=1, rtol=2e-5, atol=2e-5):
    ya, ga = _run(tf, f, xs, order)
    yb, gb = _run(tg, f, xs, order)
    assert ya.shape == yb.shape and ya.dtype == yb.dtype
    np.testing.assert_allclose(yb, ya, rtol=rtol, atol=atol)
    for a, b in zip(ga, gb):
        assert (a is None) == (b is None), (a, b)
        if a is not None:
            np.testing.assert_allclose(b, a, rtol=rtol, atol=atol)


X = np.concatenate([RNG.standard_normal(12) * 3, [0.0, 6.0, -30.0, 30.0]]).astype(np.float32)
ACTIVATIONS = {
    "relu": lambda L, x: L.nn.relu(x),
    "relu6": lambda L, x: L.nn.relu6(x),
    "elu": lambda L, x: L.nn.elu(x),
    "selu": lambda L, x: L.nn.selu(x),
    "gelu": lambda L, x: L.nn.gelu(x),
    "gelu_tanh": lambda L, x: L.nn.gelu(x, approximate=True),
    "leaky_relu": lambda L, x: L.nn.leaky_relu(x, 0.3),
    "silu": lambda L, x: L.nn.silu(x),
    "softsign": lambda L, x: L.nn.softsign(x),
    "softplus": lambda L, x: L.nn.softplus(x),
    "l2_loss": lambda L, x: L.nn.l2_loss(x),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations(name):
    _compare(ACTIVATIONS[name], [X], rtol=1e-4 if name == "gelu_tanh" else 2e-5)


def test_second_order_activations():
    x = X.astype(np.float64)
    for name in ["elu", "selu", "gelu", "silu", "relu6", "leaky_relu", "softplus"]:
        _compare(ACTIVATIONS[name], [x], order=2, rtol=1e-6, atol=1e-9)


LOGITS = (RNG.standard_normal((4, 5)) * 3).astype(np.float32)
LOGITS[0, 0], LOGITS[1, 1] = 1000.0, -1000.0
LABELS = RNG.uniform(size=(4, 5)).astype(np.float32)  # rows need not sum to 1
LOSSES = {
    "softmax": lambda L, x: L.nn.softmax(x, axis=0),
    "log_softmax": lambda L, x: L.nn.log_softmax(x),
    "softmax_xent": lambda L, z, x: L.nn.softmax_cross_entropy_with_logits(z, x),
    "softmax_xent_axis0": lambda L, z, x: L.nn.softmax_cross_entropy_with_logits(z, x, axis=0),
    "sparse_xent": lambda L, x: L.nn.sparse_softmax_cross_entropy_with_logits(
        np.array([0, 1, 4, 2]), x
    ),
    "sigmoid_xent": lambda L, z, x: L.nn.sigmoid_cross_entropy_with_logits(z, x),
    "bias_add": lambda L, v, b: L.nn.bias_add(v, b[0]),
    "moments_variance": lambda L, x: L.nn.moments(x / 100, [0])[1],
    "moments_mean": lambda L, x: L.nn.moments(x, [1], keepdims=True)[0],
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses_and_softmax(name):
    f = LOSSES[name]
    xs = [LOGITS] if f.__code__.co_argcount == 2 else [LABELS, LOGITS]
    _compare(f, xs, rtol=1e-5, atol=1e-4)


def test_second_order_cross_entropies():
    logits = RNG.standard_normal((3, 4))
    _compare(LOSSES["sparse_xent"], [RNG.standard_normal((4, 5))], order=2, rtol=1e-7)
    labels = RNG.uniform(size=(3, 4))
    labels /= labels.sum(-1, keepdims=True)
    _compare(
        lambda L, x: L.nn.softmax_cross_entropy_with_logits(labels, x), [logits], order=2, rtol=1e-7
    )
    _compare(
        lambda L, x: L.nn.sigmoid_cross_entropy_with_logits(labels, x), [logits], order=2, rtol=1e-7
    )


CONV_CASES = [
    ((2, 4, 4, 3), (3, 3, 3, 2), dict(strides=2, padding="SAME")),
    ((1, 5, 6, 2), (3, 2, 2, 3), dict(strides=[2, 1], padding="SAME", dilations=[1, 2])),
    ((1, 6, 5, 2), (2, 3, 2, 2), dict(strides=1, padding="VALID", dilations=2)),
    ((2, 5, 5, 2), (3, 3, 2, 2), dict(strides=2, padding=[[0, 0], [1, 2], [0, 1], [0, 0]])),
    ((2, 2, 5, 5), (3, 3, 2, 2), dict(strides=[1, 1, 2, 2], padding="SAME", data_format="NCHW")),
]


@pytest.mark.parametrize("x_shape, w_shape, kwargs", CONV_CASES)
def test_conv2d(x_shape, w_shape, kwargs):
    x = RNG.standard_normal(x_shape)
    w = RNG.standard_normal(w_shape)
    f = lambda L, x, w: L.nn.conv2d(x, w, **kwargs)  # noqa: E731
    _compare(f, [x.astype(np.float32), w.astype(np.float32)], rtol=1e-4, atol=1e-4)
    # TensorFlow's CPU kernels have no second order for dilated or NCHW convolutions.
    if "dilations" not in kwargs and "data_format" not in kwargs:
        _compare(f, [x, w], order=2, rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize(
    "stride, dilation, padding", [(1, 1, "SAME"), (2, 1, "SAME"), (3, 2, "VALID"), (2, 2, "SAME")]
)
def test_conv1d(stride, dilation, padding):
    x = RNG.standard_normal((2, 9, 3)).astype(np.float32)
    w = RNG.standard_normal((3, 3, 2)).astype(np.float32)
    _compare(
        lambda L, x, w: L.nn.conv1d(x, w, stride, padding, dilations=dilation),
        [x, w],
        rtol=1e-4,
        atol=1e-4,
    )


POOL_CASES = [
    (2, 2, "VALID"),
    (3, 2, "SAME"),
    ([3, 2], [2, 1], "SAME"),
    (2, 1, "VALID"),
    (3, 3, "SAME"),
]


@pytest.mark.parametrize("pool", ["max_pool2d", "avg_pool2d"])
@pytest.mark.parametrize("ksize, strides, padding", POOL_CASES)
def test_pools(pool, ksize, strides, padding):
    x = RNG.standard_normal((2, 5, 6, 3))
    ties = RNG.integers(0, 3, (2, 5, 6, 3)).astype(np.float64)  # TF's tie rule, second order
    f = lambda L, x: getattr(L.nn, pool)(x, ksize, strides, padding)  # noqa: E731
    _compare(f, [x.astype(np.float32)], rtol=1e-5, atol=1e-6)
    _compare(f, [ties], order=2, rtol=1e-10, atol=1e-12)
