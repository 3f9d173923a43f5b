"""Specs for conv1d/conv2d, pooling and their gradient primitives, with naive references.

The references loop over output pixels (plain, obviously-correct NumPy); the
shapes are tiny so they stay fast. TensorFlow's SAME padding: ``ceil(n / s)``
outputs, total padding ``max((out - 1) * s + k_eff - n, 0)``, the odd one at
the bottom/right.
"""

from __future__ import annotations

import numpy as np

import tapegrad as tg
from tapegrad.ops import conv

from . import INTERNAL, Empty, OpSpec, randn


def same_pads(n: int, k_eff: int, s: int) -> tuple:
    out = -(-n // s)
    total = max((out - 1) * s + k_eff - n, 0)
    return total // 2, total - total // 2


def _pads(padding, in_hw, k_eff, strides):
    if padding == "VALID":
        return ((0, 0), (0, 0))
    if padding == "SAME":
        return tuple(same_pads(n, k, s) for n, k, s in zip(in_hw, k_eff, strides))
    return (tuple(padding[1]), tuple(padding[2]))


def naive_conv2d(x, w, strides=(1, 1), padding="VALID", dilations=(1, 1)):
    """Reference NHWC conv2d (cross-correlation); ``x`` may have several batch dims."""
    x = np.asarray(x)
    kh, kw, cin, cout = w.shape
    k_eff = ((kh - 1) * dilations[0] + 1, (kw - 1) * dilations[1] + 1)
    (pt, pb), (pl, pr) = _pads(padding, x.shape[-3:-1], k_eff, strides)
    batch = x.shape[:-3]
    xs = x.reshape((-1,) + x.shape[-3:])
    xp = np.zeros((xs.shape[0], xs.shape[1] + pt + pb, xs.shape[2] + pl + pr, cin), x.dtype)
    xp[:, pt : pt + xs.shape[1], pl : pl + xs.shape[2]] = xs
    ho = (xp.shape[1] - k_eff[0]) // strides[0] + 1
    wo = (xp.shape[2] - k_eff[1]) // strides[1] + 1
    out = np.zeros((xs.shape[0], ho, wo, cout), np.result_type(x, w))
    for i in range(ho):
        for j in range(wo):
            for a in range(kh):
                for b in range(kw):
                    r = i * strides[0] + a * dilations[0]
                    c = j * strides[1] + b * dilations[1]
                    out[:, i, j] += xp[:, r, c] @ w[a, b]
    return out.reshape(batch + (ho, wo, cout))


def naive_pool(x, ksize, strides, padding, kind):
    """Reference max/avg pooling over valid elements (padding never counts)."""
    (kh, kw), (sh, sw) = ksize, strides
    (pt, pb), (pl, pr) = _pads(padding, x.shape[1:3], ksize, strides)
    ho = (x.shape[1] + pt + pb - kh) // sh + 1
    wo = (x.shape[2] + pl + pr - kw) // sw + 1
    out = np.zeros((x.shape[0], ho, wo, x.shape[3]), x.dtype)
    for i in range(ho):
        for j in range(wo):
            r0, c0 = i * sh - pt, j * sw - pl
            window = x[:, max(r0, 0) : r0 + kh, max(c0, 0) : c0 + kw]
            out[:, i, j] = window.max((1, 2)) if kind == "max" else window.mean((1, 2))
    return out


def distinct(*shape, seed=0):
    """Values with gaps of at least 0.1: no near-ties for max pooling's finite differences."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.1 + rng.uniform(0, 0.02, n)).reshape(shape)


X = randn(1, 5, 5, 2)
X4 = randn(1, 4, 4, 2, seed=3)
W = randn(3, 3, 2, 3, seed=1)
GEO = dict(strides=(2, 2), dilations=(1, 1), pads=((1, 1), (1, 1)))
GEO_DIL = dict(strides=(1, 2), dilations=(2, 1), pads=((2, 2), (0, 1)))
POOL = dict(ksize=(3, 3), strides=(2, 2), pads=((1, 1), (1, 1)))
CONV = ("conv2d",)
# TensorFlow's raw gradient ops with GEO's and POOL's geometry (SAME is POOL's padding on 5x5)
TF_GEO = dict(strides=[1, 2, 2, 1], padding="EXPLICIT", explicit_paddings=[0, 0, 1, 1, 1, 1, 0, 0])
TF_POOL = dict(ksize=[1, 3, 3, 1], strides=[1, 2, 2, 1], padding="SAME")
NO_ROWS = "TensorFlow's filter gradient for an input with no rows is uninitialised memory"
DILATED = "TensorFlow's CPU gradient kernels take no dilations"

SPECS = [
    OpSpec(
        "conv2d/valid",
        lambda x, w: tg.nn.conv2d(x, w, 1, "VALID"),
        [X, W],
        CONV,
        lambda x, w: naive_conv2d(x, w),
        float32_rtol=1e-4,
        float32_atol=1e-4,
        empty=Empty([(0, 5, 5, 2), W], [(0, 3, 3, 3)]),
    ),
    OpSpec(
        "conv2d/same_stride2_even",
        lambda x, w: tg.nn.conv2d(x, w, 2, "SAME"),
        [X4, W],
        CONV,
        lambda x, w: naive_conv2d(x, w, (2, 2), "SAME"),
        float32_rtol=1e-4,
        float32_atol=1e-4,
        empty=Empty([(1, 0, 4, 2), W], [(1, 0, 2, 3)], bad_tf_gradient=NO_ROWS),
    ),
    OpSpec(
        "conv2d/same_dilated",
        lambda x, w: tg.nn.conv2d(x, w, 1, "SAME", dilations=2),
        [X, W],
        CONV,
        lambda x, w: naive_conv2d(x, w, (1, 1), "SAME", (2, 2)),
        float32_rtol=1e-4,
        float32_atol=1e-4,
        empty=Empty([(1, 5, 5, 0), (3, 3, 0, 3)], raises=(ValueError, "conv2d")),
    ),
    OpSpec(
        "conv2d/explicit_padding",
        lambda x, w: tg.nn.conv2d(x, w, [2, 1], [[0, 0], [1, 2], [0, 1], [0, 0]]),
        [X, randn(2, 3, 2, 2, seed=4)],
        CONV,
        lambda x, w: naive_conv2d(x, w, (2, 1), [None, (1, 2), (0, 1)]),
        float32_rtol=1e-4,
        float32_atol=1e-4,
        empty=Empty([(0, 5, 5, 2), (2, 3, 2, 2)], [(0, 4, 4, 2)]),
    ),
    OpSpec(
        "conv2d/batch_dims",
        lambda x, w: tg.nn.conv2d(x, w, 1, "SAME"),
        [randn(2, 1, 3, 3, 2, seed=5), randn(2, 2, 2, 2, seed=6)],
        CONV,
        lambda x, w: naive_conv2d(x, w, (1, 1), "SAME"),
        float32_rtol=1e-4,
        float32_atol=1e-4,
        empty=Empty([(2, 0, 3, 3, 2), (2, 2, 2, 2)], [(2, 0, 3, 3, 2)]),
    ),
    OpSpec(
        "conv2d/NCHW",
        lambda x, w: tg.nn.conv2d(x, w, 2, "SAME", data_format="NCHW"),
        [np.transpose(X, (0, 3, 1, 2)).copy(), W],
        CONV + ("transpose",),
        lambda x, w: np.transpose(
            naive_conv2d(np.transpose(x, (0, 2, 3, 1)), w, (2, 2), "SAME"), (0, 3, 1, 2)
        ),
        float32_rtol=1e-4,
        float32_atol=1e-4,
        empty=Empty([(0, 2, 5, 5), W], [(0, 3, 3, 3)]),
    ),
    OpSpec(
        "conv1d/same_stride2",
        lambda x, w: tg.nn.conv1d(x, w, 2, "SAME"),
        [randn(2, 6, 2, seed=7), randn(3, 2, 3, seed=8)],
        CONV + ("reshape",),
        lambda x, w: naive_conv2d(x[:, None], w[None], (1, 2), "SAME")[:, 0],
        float32_rtol=1e-4,
        float32_atol=1e-4,
        empty=Empty([(2, 0, 2), (3, 2, 3)], [(2, 0, 3)], bad_tf_gradient=NO_ROWS),
    ),
    OpSpec(
        "conv1d/valid_dilated",
        lambda x, w: tg.nn.conv1d(x, w, 1, "VALID", dilations=2),
        [randn(1, 7, 2, seed=9), randn(2, 2, 2, seed=10)],
        CONV + ("reshape",),
        lambda x, w: naive_conv2d(x[:, None], w[None], (1, 1), "VALID", (1, 2))[:, 0],
        float32_rtol=1e-4,
        float32_atol=1e-4,
        empty=Empty([(1, 7, 2), (2, 2, 0)], [(1, 5, 0)]),
    ),
    # The gradient primitives on their own: their rules are conv2d's second-order rules.
    OpSpec(
        "conv2d_backprop_input",
        lambda g, w: conv.conv2d_backprop_input_p.bind(g, w, in_hw=(5, 5), **GEO),
        [randn(1, 3, 3, 3, seed=11), W],
        ("conv2d_backprop_input",),
        None,
        empty=Empty(
            [(0, 3, 3, 3), W],
            [(0, 5, 5, 2)],
            tf=lambda tf, g, w: tf.raw_ops.Conv2DBackpropInput(
                input_sizes=[0, 5, 5, 2], filter=w, out_backprop=g, **TF_GEO
            ),
        ),
    ),
    OpSpec(
        "conv2d_backprop_input/dilated",
        lambda g, w: conv.conv2d_backprop_input_p.bind(g, w, in_hw=(5, 5), **GEO_DIL),
        [randn(1, 5, 2, 3, seed=12), W],
        ("conv2d_backprop_input",),
        None,
        empty=Empty([(0, 5, 2, 3), W], [(0, 5, 5, 2)], no_tf=DILATED),
    ),
    OpSpec(
        "conv2d_backprop_filter",
        lambda x, g: conv.conv2d_backprop_filter_p.bind(x, g, ksize=(3, 3), **GEO),
        [X, randn(1, 3, 3, 3, seed=11)],
        ("conv2d_backprop_filter",),
        None,
        empty=Empty(
            [(0, 5, 5, 2), (0, 3, 3, 3)],
            [(3, 3, 2, 3)],
            tf=lambda tf, x, g: tf.raw_ops.Conv2DBackpropFilter(
                input=x, filter_sizes=[3, 3, 2, 3], out_backprop=g, **TF_GEO
            ),
        ),
    ),
    OpSpec(
        "conv2d_backprop_filter/dilated",
        lambda x, g: conv.conv2d_backprop_filter_p.bind(x, g, ksize=(3, 3), **GEO_DIL),
        [X, randn(1, 5, 2, 3, seed=12)],
        ("conv2d_backprop_filter",),
        None,
        empty=Empty([(0, 5, 5, 2), (0, 5, 2, 3)], [(3, 3, 2, 3)], no_tf=DILATED),
    ),
    # Pooling.
    OpSpec(
        "max_pool2d/same",
        lambda x: tg.nn.max_pool2d(x, 3, 2, "SAME"),
        [distinct(1, 5, 5, 2)],
        ("max_pool2d", "max_pool2d_grad", "max_pool2d_gather"),
        lambda x: naive_pool(x, (3, 3), (2, 2), "SAME", "max"),
        empty=Empty([(0, 5, 5, 2)], [(0, 3, 3, 2)]),
    ),
    OpSpec(
        "max_pool2d/valid_overlapping",
        lambda x: tg.nn.max_pool2d(x, 2, 1, "VALID"),
        [distinct(2, 4, 3, 1, seed=1)],
        ("max_pool2d",),
        lambda x: naive_pool(x, (2, 2), (1, 1), "VALID", "max"),
        empty=Empty([(2, 0, 3, 1)], raises=(ValueError, "max_pool2d")),
    ),
    OpSpec(
        "max_pool2d_grad",
        lambda g, x: conv.max_pool2d_grad_p.bind(g, x, **POOL),
        [randn(1, 3, 3, 2, seed=14), distinct(1, 5, 5, 2, seed=2)],
        ("max_pool2d_grad",),
        None,
        empty=Empty(
            [(0, 3, 3, 2), (0, 5, 5, 2)],
            [(0, 5, 5, 2)],
            tf=lambda tf, g, x: tf.raw_ops.MaxPoolGrad(
                orig_input=x, orig_output=tf.nn.max_pool2d(x, 3, 2, "SAME"), grad=g, **TF_POOL
            ),
        ),
    ),
    OpSpec(
        "max_pool2d_gather",
        lambda t, x: conv.max_pool2d_gather_p.bind(t, x, **POOL),
        [randn(1, 5, 5, 2, seed=15), distinct(1, 5, 5, 2, seed=3)],
        ("max_pool2d_gather",),
        None,
        empty=Empty([(0, 5, 5, 2), (0, 5, 5, 2)], [(0, 3, 3, 2)], no_tf=INTERNAL),
    ),
    OpSpec(
        "avg_pool2d/same",
        lambda x: tg.nn.avg_pool2d(x, 3, 2, "SAME"),
        [X],
        ("avg_pool2d",),
        lambda x: naive_pool(x, (3, 3), (2, 2), "SAME", "avg"),
        empty=Empty([(1, 0, 5, 2)], [(1, 0, 3, 2)]),
    ),
    OpSpec(
        "avg_pool2d/valid",
        lambda x: tg.nn.avg_pool2d(x, [2, 3], [1, 2], "VALID"),
        [X],
        ("avg_pool2d",),
        lambda x: naive_pool(x, (2, 3), (1, 2), "VALID", "avg"),
        empty=Empty([(0, 5, 5, 2)], [(0, 4, 2, 2)]),
    ),
    OpSpec(
        "avg_pool2d_grad",
        lambda g: conv.avg_pool2d_grad_p.bind(g, in_hw=(5, 5), **POOL),
        [randn(1, 3, 3, 2, seed=13)],
        ("avg_pool2d_grad",),
        None,
        empty=Empty(
            [(0, 3, 3, 2)],
            [(0, 5, 5, 2)],
            tf=lambda tf, g: tf.raw_ops.AvgPoolGrad(
                orig_input_shape=[0, 5, 5, 2], grad=g, **TF_POOL
            ),
        ),
    ),
]
