"""Specs for tapegrad.nn's activations, losses, moments and dropout, and tapegrad.random."""

from __future__ import annotations

import numpy as np
import scipy.special

import tapegrad as tg
from tapegrad.ops import activations as acts
from tapegrad.ops import nn as nn_ops

from . import INTERNAL, Empty, OpSpec, randn

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def away_from(x: np.ndarray, kinks: tuple, gap: float = 0.05) -> np.ndarray:
    """Move entries within ``gap`` of a kink to ``kink + gap`` (finite differences need it)."""
    x = np.array(x, dtype=np.float64)
    for k in kinks:
        near = np.abs(x - k) < gap
        x[near] = k + gap
    return x


def np_log_softmax(x, axis=-1):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def np_softmax(x, axis=-1):
    return np.exp(np_log_softmax(x, axis))


def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_gelu(x, approximate=False):
    if approximate:
        return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    return x * scipy.special.ndtr(x)


def distribution(*shape, seed=0, axis=-1):
    p = np.random.default_rng(seed).uniform(0.1, 1.0, shape)
    return p / p.sum(axis=axis, keepdims=True)


X = away_from(randn(3, 4) * 2, (0.0,))
X6 = away_from(randn(3, 4) * 4 + 3, (0.0, 6.0))
LABELS = np.array([2, 0, 3])
LABELS_3D = np.array([[1, 0], [3, 2]])
NO_LABELS = np.zeros((0, 2), np.int32)
EMPTY = Empty([(3, 0)], [(3, 0)])  # an elementwise op keeps the empty shape


def _dropout_fixed(x):
    tg.random.set_seed(1234)  # the same mask on every call, so finite differences work
    return tg.nn.dropout(x, rate=0.4)


SPECS = [
    # --- activations ---------------------------------------------------------------
    OpSpec("relu", tg.nn.relu, [X], ("relu", "slope_mask"), lambda x: np.maximum(x, 0),
           empty=EMPTY),
    OpSpec("relu6", tg.nn.relu6, [X6], ("relu6", "slope_mask"), lambda x: np.clip(x, 0, 6),
           empty=EMPTY),
    OpSpec("elu", tg.nn.elu, [X], ("elu",), lambda x: np.where(x > 0, x, np.expm1(x)), empty=EMPTY),
    OpSpec(
        "selu",
        tg.nn.selu,
        [X],
        ("selu",),
        lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)),
        empty=EMPTY,
    ),
    OpSpec("gelu", tg.nn.gelu, [randn(3, 4) * 2], ("gelu", "normal_cdf"), np_gelu, empty=EMPTY),
    OpSpec(
        "gelu/approximate",
        lambda x: tg.nn.gelu(x, approximate=True),
        [randn(3, 4) * 2],
        ("gelu",),
        lambda x: np_gelu(x, True),
        empty=EMPTY,
    ),
    OpSpec(
        "normal_cdf", acts.normal_cdf_p.bind, [randn(5) * 2], ("normal_cdf",), scipy.special.ndtr,
        empty=Empty([(2, 0)], [(2, 0)], no_tf=INTERNAL),
    ),
    OpSpec(
        "leaky_relu",
        tg.nn.leaky_relu,
        [X],
        ("leaky_relu", "slope_mask"),
        lambda x: np.where(x > 0, x, 0.2 * x),
        empty=EMPTY,
    ),
    OpSpec(
        "leaky_relu/alpha",
        lambda x: tg.nn.leaky_relu(x, alpha=0.3),
        [X],
        ("leaky_relu",),
        lambda x: np.where(x > 0, x, 0.3 * x),
        empty=EMPTY,
    ),
    OpSpec(
        "silu", tg.nn.silu, [randn(3, 4) * 2], ("multiply", "sigmoid"), lambda x: x * np_sigmoid(x),
        empty=EMPTY,
    ),
    OpSpec(
        "silu/beta",
        lambda x, b: tg.nn.silu(x, b),
        [randn(3, 4), np.array(1.3)],
        ("multiply", "sigmoid"),
        lambda x, b: x * np_sigmoid(b * x),
        empty=Empty([(3, 0), ()], [(3, 0)]),
    ),
    OpSpec("softsign", tg.nn.softsign, [X], ("softsign",), lambda x: x / (1 + np.abs(x)),
           empty=EMPTY),
    # --- softmax family ---------------------------------------------------------------
    OpSpec("log_softmax", tg.nn.log_softmax, [randn(3, 4)], ("log_softmax",), np_log_softmax,
           empty=EMPTY),
    OpSpec(
        "log_softmax/axis0",
        lambda x: tg.nn.log_softmax(x, axis=0),
        [randn(3, 4, 2)],
        ("log_softmax",),
        lambda x: np_log_softmax(x, 0),
        empty=Empty([(0, 4, 2)], [(0, 4, 2)]),
    ),
    OpSpec("softmax", tg.nn.softmax, [randn(2, 3, 4)], ("softmax",), np_softmax,
           empty=Empty([(2, 3, 0)], [(2, 3, 0)])),
    OpSpec(
        "softmax/axis0",
        lambda x: tg.nn.softmax(x, axis=0),
        [randn(3, 4)],
        ("softmax",),
        lambda x: np_softmax(x, 0),
        empty=Empty([(0, 4)], [(0, 4)]),
    ),
    OpSpec(
        "softmax_cross_entropy_with_logits",
        lambda labels, logits: tg.nn.softmax_cross_entropy_with_logits(labels, logits),
        [distribution(3, 4), randn(3, 4, seed=1)],
        ("softmax_cross_entropy",),
        lambda z, x: -np.sum(z * np_log_softmax(x), -1),
        empty=Empty([(3, 0), (3, 0)], [(3,)]),
    ),
    OpSpec(
        "softmax_cross_entropy_with_logits/axis0",
        lambda labels, logits: tg.nn.softmax_cross_entropy_with_logits(labels, logits, axis=0),
        [distribution(4, 3, axis=0), randn(4, 3, seed=1)],
        ("softmax_cross_entropy",),
        lambda z, x: -np.sum(z * np_log_softmax(x, 0), 0),
        empty=Empty([(0, 3), (0, 3)], [(3,)]),
    ),
    OpSpec(
        "softmax_cross_entropy_with_logits/broadcast_labels",
        lambda labels, logits: tg.nn.softmax_cross_entropy_with_logits(labels, logits),
        [distribution(1, 4), randn(2, 3, 4, seed=1)],
        ("softmax_cross_entropy", "broadcast_to"),
        lambda z, x: -np.sum(z * np_log_softmax(x), -1),
        empty=Empty([(1, 0), (2, 3, 0)], [(2, 3)]),
    ),
    OpSpec(
        "sparse_softmax_cross_entropy_with_logits",
        lambda x: tg.nn.sparse_softmax_cross_entropy_with_logits(LABELS, x),
        [randn(3, 4)],
        ("sparse_softmax_cross_entropy",),
        lambda x: -np.take_along_axis(np_log_softmax(x), LABELS[:, None], -1)[:, 0],
        empty=Empty([(3, 0)], raises=(ValueError, "sparse_softmax_cross_entropy_with_logits")),
    ),
    OpSpec(
        "sparse_softmax_cross_entropy_with_logits/3d",
        lambda x: tg.nn.sparse_softmax_cross_entropy_with_logits(LABELS_3D, x),
        [randn(2, 2, 4)],
        ("sparse_softmax_cross_entropy",),
        lambda x: -np.take_along_axis(np_log_softmax(x), LABELS_3D[..., None], -1)[..., 0],
        empty=Empty(
            [(0, 2, 4)],
            [(0, 2)],
            fn=lambda x: tg.nn.sparse_softmax_cross_entropy_with_logits(NO_LABELS, x),
        ),
    ),
    OpSpec(
        "sigmoid_cross_entropy_with_logits",
        lambda z, x: tg.nn.sigmoid_cross_entropy_with_logits(z, x),
        [np.random.default_rng(2).uniform(0, 1, (3, 4)), randn(3, 4, seed=1) * 3],
        ("sigmoid_cross_entropy",),
        lambda z, x: np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x))),
        empty=Empty([(3, 0), (3, 0)], [(3, 0)]),
    ),
    # --- l2_loss, bias_add, moments, dropout --------------------------------------------
    OpSpec(
        "l2_loss",
        tg.nn.l2_loss,
        [randn(3, 4)],
        ("square", "reduce_sum", "multiply"),
        lambda x: np.sum(x**2) / 2,
        empty=Empty([(3, 0)], [()]),
    ),
    OpSpec(
        "bias_add",
        tg.nn.bias_add,
        [randn(2, 3, 4), randn(4, seed=1)],
        ("add",),
        lambda v, b: v + b,
        empty=Empty([(0, 3, 4), (4,)], [(0, 3, 4)]),
    ),
    OpSpec(
        "bias_add/NCHW",
        lambda v, b: tg.nn.bias_add(v, b, data_format="NCHW"),
        [randn(2, 3, 2, 2), randn(3, seed=1)],
        ("add", "reshape"),
        lambda v, b: v + b[:, None, None],
        empty=Empty([(2, 3, 0, 2), (3,)], [(2, 3, 0, 2)]),
    ),
    OpSpec(
        "moments",
        lambda x: tg.nn.moments(x, axes=[0, 2]),
        [randn(3, 2, 4)],
        ("reduce_sum", "square", "subtract", "divide", "reshape"),
        lambda x: [np.mean(x, (0, 2)), np.var(x, (0, 2))],
        empty=Empty([(0, 2, 4)], [(2,), (2,)]),
    ),
    OpSpec(
        "moments/keepdims",
        lambda x: tg.nn.moments(x, axes=1, keepdims=True),
        [randn(3, 4)],
        ("reduce_sum", "square", "subtract", "divide"),
        lambda x: [np.mean(x, 1, keepdims=True), np.var(x, 1, keepdims=True)],
        empty=Empty([(3, 0)], [(3, 1), (3, 1)]),
    ),
    OpSpec("dropout", _dropout_fixed, [randn(4, 5)], ("multiply", "where"), None,
           empty=Empty([(4, 0)], [(4, 0)])),
    # --- random -------------------------------------------------------------------------------
    OpSpec(
        "random/shuffle",
        lambda x: tg.random.shuffle(x, seed=3),
        [randn(5, 2)],
        ("random_shuffle",),
        None,
        differentiable=False,
        empty=Empty([(0, 2)], [(0, 2)]),
    ),
]

# The fused backward of softmax_cross_entropy_with_logits (TensorFlow's fused kernel's gradient).
SPECS += [
    OpSpec("softmax_cross_entropy_grad",
           lambda g, lo, la: nn_ops.softmax_xent_grad_p.bind(g, lo, la, axis=-1),
           [randn(3, seed=3), randn(3, 4, seed=1), np.abs(randn(3, 4, seed=2))],
           ("softmax_cross_entropy_grad",),
           lambda g, lo, la: g[:, None] * (np.exp(lo) / np.exp(lo).sum(-1, keepdims=True) - la),
           empty=Empty([(3,), (3, 0), (3, 0)], [(3, 0)], no_tf=INTERNAL)),
    OpSpec("softmax_cross_entropy_grad/axis0",
           lambda g, lo, la: nn_ops.softmax_xent_grad_p.bind(g, lo, la, axis=-2),
           [randn(4, seed=3), randn(3, 4, seed=1), np.abs(randn(3, 4, seed=2))],
           ("softmax_cross_entropy_grad",),
           lambda g, lo, la: g[None, :] * (np.exp(lo) / np.exp(lo).sum(0, keepdims=True) - la),
           empty=Empty([(0,), (3, 0), (3, 0)], [(3, 0)], no_tf=INTERNAL)),
]
