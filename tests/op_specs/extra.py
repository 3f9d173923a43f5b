"""Specs for the ops of scatter.py, manipulation.py, clipping.py, math_extra.py,
linalg_extra.py, conv_extra.py, band diagonals and grouped conv2d."""

from __future__ import annotations

import numpy as np
import scipy.linalg

import tapegrad as tg
from tapegrad.ops import conv_extra

from . import INTERNAL, Empty, OpSpec, randn

I32 = np.int32
NO_ROWS = np.zeros((0, 1), I32)
GROUPED = dict(strides=(2, 1), dilations=(1, 2), pads=((1, 0), (1, 1)), groups=2)
SYM = np.array([[0.3, -0.2, 0.1], [0.4, 0.1, -0.3], [0.0, 0.2, -0.1]])


def _np_update(x, rows, u):
    out = x.copy()
    out[tuple(np.array(rows).T)] = u
    return out


def _np_scatter(x, rows, u, fn):
    out = x.copy()
    fn.at(out, tuple(np.array(rows).T), u)
    return out


def _np_cumlse(x, axis, exclusive=False, reverse=False):
    y = np.flip(x, axis) if reverse else x
    out = np.logaddexp.accumulate(y, axis=axis)
    if exclusive:
        out = np.concatenate([np.full_like(out[:1], -np.inf), out[:-1]], axis=axis)
    return np.flip(out, axis) if reverse else out


def _np_clip(x, c):
    n = np.sqrt(np.sum(x * x))
    return x * c / max(n, c)


def _np_cross(a, b):
    return np.cross(a, b)


def _np_band(x, lo, hi):
    m, n = x.shape[-2:]
    off = np.arange(m)[:, None] - np.arange(n)[None, :]
    keep = ((lo < 0) | (off <= lo)) & ((hi < 0) | (-off <= hi))
    return np.where(keep, x, 0)


def _np_conv2d_valid(x, w, stride=1):
    kh, kw, _, o = w.shape
    ho = (x.shape[1] - kh) // stride + 1
    wo = (x.shape[2] - kw) // stride + 1
    out = np.zeros((x.shape[0], ho, wo, o), x.dtype)
    for i in range(ho):
        for j in range(wo):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            out[:, i, j] = np.tensordot(patch, w, axes=3)
    return out


def _np_depthwise(x, w):
    c, m = w.shape[2:]
    outs = [_np_conv2d_valid(x[..., i:i + 1], w[:, :, i:i + 1, :]) for i in range(c)]
    return np.concatenate(outs, -1).reshape(outs[0].shape[:3] + (c * m,))


def _np_grouped(x, w, groups):
    cin, cout = w.shape[2], w.shape[3] // groups
    return np.concatenate([_np_conv2d_valid(x[..., g * cin:(g + 1) * cin],
                                            w[..., g * cout:(g + 1) * cout])
                           for g in range(groups)], -1)


def _np_transpose_conv(x, w, out_shape, stride):
    out = np.zeros(out_shape, x.dtype)
    kh, kw = w.shape[:2]
    for i in range(x.shape[1]):
        for j in range(x.shape[2]):
            out[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :] += np.einsum(
                "nc,hwoc->nhwo", x[:, i, j], w)
    return out


def _np_expm(a):
    return np.stack([scipy.linalg.expm(m) for m in a]) if a.ndim == 3 else scipy.linalg.expm(a)


def _np_diag_band(x):  # k=(-1, 1) of 3x3 matrices, RIGHT_LEFT
    sup = np.concatenate([np.zeros(x.shape[:-2] + (1,)), np.diagonal(x, 1, -2, -1)], -1)
    sub = np.concatenate([np.diagonal(x, -1, -2, -1), np.zeros(x.shape[:-2] + (1,))], -1)
    return np.stack([sup, np.diagonal(x, 0, -2, -1), sub], -2).astype(x.dtype)


ROWS = [[1], [3], [1]]
ENTRIES = [[0, 1], [2, 2], [0, 1]]
SPECS = [
    # --- tensor_scatter_nd_* ---
    OpSpec("tensor_scatter_nd_update/rows", lambda x, u: tg.tensor_scatter_nd_update(
        x, [[1], [3]], u), [randn(4, 2), randn(2, 2, seed=1)],
        ("tensor_scatter_nd_update", "gather_nd"),
        lambda x, u: _np_update(x, [[1], [3]], u),
        empty=Empty([(4, 0), (2, 0)], raises=(ValueError, "tensor_scatter_nd_update"))),
    OpSpec("tensor_scatter_nd_update/no_rows", lambda x, u: tg.tensor_scatter_nd_update(
        x, NO_ROWS, u), [randn(3, 2), np.zeros((0, 2))], ("tensor_scatter_nd_update",),
        lambda x, u: x, empty="the case itself scatters no rows"),
    OpSpec("tensor_scatter_nd_add", lambda x, u: tg.tensor_scatter_nd_add(x, ROWS, u),
           [randn(4, 2), randn(3, 2, seed=1)], ("scatter_nd", "gather_nd"),
           lambda x, u: _np_scatter(x, ROWS, u, np.add),
           empty=Empty([(4, 0), (3, 0)], raises=(ValueError, "tensor_scatter_nd_add"))),
    OpSpec("tensor_scatter_nd_sub", lambda x, u: tg.tensor_scatter_nd_sub(x, ENTRIES, u),
           [randn(3, 3), randn(3, seed=1)], ("scatter_nd", "gather_nd"),
           lambda x, u: _np_scatter(x, ENTRIES, -u, np.add),
           empty=Empty([(3, 3), (0,)], [(3, 3)], fn=lambda x, u: tg.tensor_scatter_nd_sub(
               x, np.zeros((0, 2), I32), u))),
    OpSpec("tensor_scatter_nd_max", lambda x, u: tg.tensor_scatter_nd_max(x, ROWS, u),
           [randn(4, 2), randn(3, 2, seed=1) + 0.3],
           ("tensor_scatter_nd_max", "gather_nd", "scatter_nd"),
           lambda x, u: _np_scatter(x, ROWS, u, np.maximum),
           empty=Empty([(4, 0), (3, 0)], raises=(ValueError, "tensor_scatter_nd_max"))),
    OpSpec("tensor_scatter_nd_min", lambda x, u: tg.tensor_scatter_nd_min(x, ENTRIES, u),
           [randn(3, 3), randn(3, seed=1)],
           ("tensor_scatter_nd_min", "gather_nd", "scatter_nd"),
           lambda x, u: _np_scatter(x, ENTRIES, u, np.minimum),
           empty=Empty([(3, 3), (0,)], [(3, 3)], fn=lambda x, u: tg.tensor_scatter_nd_min(
               x, np.zeros((0, 2), I32), u))),
    # --- slicing and rearranging ---
    OpSpec("slice", lambda x: tg.slice(x, [1, 0], [2, -1]), [randn(4, 3)],
           ("getitem", "getitem_grad"), lambda x: x[1:3, :],
           empty=Empty([(4, 0)], [(2, 0)])),
    OpSpec("strided_slice/masks", lambda x: tg.strided_slice(
        x, [0, 1, 3], [0, 2, 0], [1, 1, -2], new_axis_mask=1, shrink_axis_mask=2,
        end_mask=4), [randn(3, 5)], ("getitem", "getitem_grad"),
        lambda x: x[None, 1, 3::-2], empty=Empty([(3, 0)], [(1, 0)], fn=lambda x: tg.strided_slice(
            x, [0, 1, 3], [0, 2, 0], [1, 1, -2], new_axis_mask=1, shrink_axis_mask=2,
            end_mask=4))),
    OpSpec("roll", lambda x: tg.roll(x, [2, -1], [0, 1]), [randn(3, 4)], ("roll",),
           lambda x: np.roll(x, (2, -1), (0, 1)), empty=Empty([(0, 4)], [(0, 4)])),
    OpSpec("repeat", lambda x: tg.repeat(x, [2, 0, 1], axis=0), [randn(3, 2)],
           ("gather", "getitem_grad", "scatter_rows"),
           lambda x: np.repeat(x, [2, 0, 1], axis=0), empty=Empty([(3, 0)], [(3, 0)])),
    OpSpec("meshgrid", lambda x, y: tg.meshgrid(x, y), [randn(3), randn(2, seed=1)],
           ("reshape", "broadcast_to"), lambda x, y: np.meshgrid(x, y),
           empty=Empty([(0,), (2,)], [(2, 0), (2, 0)])),
    OpSpec("add_n", lambda x, y: tg.add_n([x, y, x]), [randn(2, 3), randn(2, 3, seed=1)],
           ("add",), lambda x, y: x + y + x, empty=Empty([(0, 3), (0, 3)], [(0, 3)])),
    OpSpec("unique", lambda x: tg.unique(tg.gather(x, [2, 0, 2, 1]))[0], [randn(3)],
           ("gather", "getitem_grad", "scatter_rows"),
           lambda x: x[[2, 0, 1]],
           empty="TensorFlow has no gradient for Unique; tests/test_ops_extra.py covers an "
                 "empty vector"),
    OpSpec("searchsorted", lambda s, v: tg.searchsorted(s, v), [np.sort(randn(2, 4), -1),
                                                             randn(2, 3, seed=1)],
           ("searchsorted",), lambda s, v: np.stack([np.searchsorted(a, b) for a, b in
                                                     zip(s, v)]).astype(I32),
           differentiable=False, empty=Empty([(2, 4), (2, 0)], [(2, 0)])),
    OpSpec("sequence_mask", lambda x: tg.sequence_mask([1, 3], 4, dtype=x.dtype) * x,
           [randn(2, 4)], ("less", "cast", "multiply"),
           lambda x: (np.arange(4) < np.array([[1], [3]])).astype(x.dtype) * x,
           empty=Empty([(2, 0)], [(2, 0)], fn=lambda x: tg.sequence_mask([1, 3], 0,
                                                                         dtype=x.dtype) * x)),
    # --- clipping ---
    OpSpec("clip_by_norm", lambda x: tg.clip_by_norm(x, 1.5), [randn(3, 2)],
           ("multiply", "divide", "maximum", "sqrt", "where"), lambda x: _np_clip(x, 1.5),
           empty=Empty([(0, 2)], [(0, 2)])),
    OpSpec("global_norm", lambda x, y: tg.linalg.global_norm([x, y]),
           [randn(3, 2), randn(2, seed=1)], ("stack", "sqrt"),
           lambda x, y: np.sqrt(np.sum(x * x) + np.sum(y * y)),
           empty="the global norm of empty tensors is 0, where sqrt has no derivative"),
    OpSpec("clip_by_global_norm", lambda x, y: tg.clip_by_global_norm([x, y], 1.0)[0],
           [randn(3, 2), randn(2, seed=1)], ("stack", "sqrt", "minimum"),
           lambda x, y: [v / np.sqrt(np.sum(x * x) + np.sum(y * y)) for v in (x, y)],
           empty="the global norm of empty tensors is 0, where sqrt has no derivative"),
    # --- math ---
    OpSpec("cumulative_logsumexp", lambda x: tg.math.cumulative_logsumexp(x, axis=1),
           [randn(2, 4)], ("cumulative_logsumexp",), lambda x: _np_cumlse(x, 1),
           empty=Empty([(2, 0)], [(2, 0)])),
    OpSpec("cumulative_logsumexp/reverse_exclusive", lambda x: tg.math.cumulative_logsumexp(
        x, exclusive=True, reverse=True)[:-1], [randn(4, 2)], ("cumulative_logsumexp",),
        lambda x: _np_cumlse(x, 0, True, True)[:-1], empty=Empty([(3, 0)], [(2, 0)])),
    OpSpec("count_nonzero", lambda x: tg.math.count_nonzero(tg.round(x), axis=1),
           [randn(3, 4)], ("not_equal", "cast", "reduce_sum", "round"),
           lambda x: np.count_nonzero(np.round(x), axis=1), differentiable=False,
           empty=Empty([(3, 0)], [(3,)])),
    OpSpec("bincount", lambda w: tg.math.bincount([1, 1, 4, 0], weights=w), [randn(4)],
           ("unsorted_segment_sum",),
           lambda w: np.bincount([1, 1, 4, 0], weights=w).astype(w.dtype),
           empty="TensorFlow has no gradient for DenseBincount; tests/test_ops_extra.py "
                 "checks an empty arr"),
    # --- linalg ---
    OpSpec("lstsq", lambda a, b: tg.linalg.lstsq(a, b), [randn(4, 2), randn(4, 3, seed=1)],
           ("solve", "matmul"), lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0],
           float32_rtol=1e-4, float32_atol=1e-4,
           empty="TensorFlow's fast path needs a Cholesky factor of an empty Gram matrix"),
    OpSpec("lstsq/wide_l2", lambda a, b: tg.linalg.lstsq(a, b, l2_regularizer=0.5),
           [randn(2, 4), randn(2, 1, seed=1)], ("solve", "matmul"),
           lambda a, b: a.T @ np.linalg.solve(a @ a.T + 0.5 * np.eye(2), b),
           float32_rtol=1e-4, float32_atol=1e-4,
           empty="TensorFlow's fast path needs a Cholesky factor of an empty Gram matrix"),
    OpSpec("pinv", lambda a: tg.linalg.pinv(a), [randn(4, 3)], ("svd", "matmul", "where"),
           lambda a: np.linalg.pinv(a), float32_rtol=1e-4, float32_atol=1e-4, rtol=1e-4,
           atol=1e-5, empty="the SVD of an empty matrix has no largest singular value"),
    OpSpec("expm", lambda a: tg.linalg.expm(a), [np.stack([SYM, 2.5 * SYM])],
           ("expm", "concat", "getitem"), _np_expm, float32_rtol=1e-4, float32_atol=1e-4,
           empty=Empty([(0, 3, 3)], [(0, 3, 3)])),
    OpSpec("band_part", lambda x: tg.linalg.band_part(x, 1, 0), [randn(2, 3, 4)],
           ("where",), lambda x: _np_band(x, 1, 0), empty=Empty([(0, 3, 4)], [(0, 3, 4)])),
    OpSpec("cross", lambda a, b: tg.linalg.cross(a, b), [randn(2, 3), randn(2, 3, seed=1)],
           ("gather", "multiply", "subtract"), _np_cross,
           empty=Empty([(0, 3), (0, 3)], [(0, 3)])),
    OpSpec("normalize", lambda x: tg.linalg.normalize(x, axis=1), [randn(3, 2)],
           ("divide", "sqrt"),
           lambda x: [x / np.linalg.norm(x, axis=1, keepdims=True),
                      np.linalg.norm(x, axis=1, keepdims=True)],
           empty=Empty([(0, 2)], [(0, 2), (0, 1)])),
    OpSpec("diag_part/band", lambda x: tg.linalg.diag_part(x, k=(-1, 1)), [randn(2, 3, 3)],
           ("matrix_diag_part", "pad", "stack"), _np_diag_band,
           empty=Empty([(0, 3, 3)], [(0, 3, 3)])),
    OpSpec("diag/band", lambda d: tg.linalg.diag(d, k=(-1, 1)), [randn(3, 3)],
           ("matrix_diag", "getitem"),
           lambda d: np.diag(d[0, 1:], 1) + np.diag(d[1]) + np.diag(d[2, :2], -1),
           empty=Empty([(2, 3, 0)], [(2, 0, 0)])),
    # --- nn ---
    OpSpec("conv2d/grouped", lambda x, w: tg.nn.conv2d(x, w, 1, "VALID"),
           [randn(1, 4, 4, 4), randn(2, 2, 2, 6, seed=1)],
           ("grouped_conv2d", "grouped_conv2d_backprop_input", "grouped_conv2d_backprop_filter"),
           lambda x, w: _np_grouped(x, w, 2),
           empty=Empty([(0, 4, 4, 4), (2, 2, 2, 6)], [(0, 3, 3, 6)])),
    OpSpec("depthwise_conv2d", lambda x, w: tg.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "VALID"),
           [randn(1, 4, 3, 2), randn(2, 2, 2, 2, seed=1)], ("grouped_conv2d", "reshape"),
           _np_depthwise, empty=Empty(
               [(0, 4, 3, 2), (2, 2, 2, 2)], [(0, 3, 2, 4)],
               bad_tf_gradient="TensorFlow's filter gradient for an empty batch is "
                               "uninitialized memory, not zeros")),
    OpSpec("conv2d/grouped_strided_same", lambda x, w: tg.nn.conv2d(
        x, w, 2, "SAME", dilations=1), [randn(2, 5, 5, 6), randn(3, 3, 2, 3, seed=1)],
        ("grouped_conv2d",), None, empty=Empty([(2, 0, 5, 6), (3, 3, 2, 3)], [(2, 0, 3, 3)])),
    OpSpec("conv2d/grouped_by_group", lambda x, w: tg.nn.conv2d(x, w, [1, 2, 1, 1], "SAME"),
           [randn(1, 5, 3, 8), randn(2, 2, 4, 4, seed=1)],
           ("grouped_conv2d", "grouped_conv2d_backprop_input", "grouped_conv2d_backprop_filter"),
           lambda x, w: _np_grouped(np.pad(x, ((0, 0), (0, 1), (0, 1), (0, 0))), w, 2)[:, ::2],
           empty=Empty([(1, 5, 0, 8), (2, 2, 4, 4)], [(1, 3, 0, 4)])),
    OpSpec("grouped_conv2d_backprop_filter/by_group", lambda x, g: conv_extra
           .grouped_conv2d_backprop_filter_p.bind(x, g, ksize=(2, 2), **GROUPED),
           [randn(1, 5, 4, 8), randn(1, 3, 4, 4, seed=1)],
           ("grouped_conv2d_backprop_filter", "grouped_conv2d_backprop_input"),
           None, empty=Empty([(0, 5, 4, 8), (0, 3, 4, 4)], [(2, 2, 4, 4)], no_tf=INTERNAL)),
    OpSpec("grouped_conv2d_backprop_input", lambda g, w: conv_extra.grouped_conv2d_backprop_input_p
           .bind(g, w, in_hw=(5, 4), **GROUPED), [randn(1, 3, 4, 4), randn(2, 2, 2, 4, seed=1)],
           ("grouped_conv2d_backprop_input", "grouped_conv2d", "grouped_conv2d_backprop_filter"),
           None, empty=Empty([(0, 3, 4, 4), (2, 2, 2, 4)], [(0, 5, 4, 4)], no_tf=INTERNAL)),
    OpSpec("grouped_conv2d_backprop_filter", lambda x, g: conv_extra
           .grouped_conv2d_backprop_filter_p.bind(x, g, ksize=(2, 2), **GROUPED),
           [randn(1, 5, 4, 4), randn(1, 3, 4, 4, seed=1)],
           ("grouped_conv2d_backprop_filter", "grouped_conv2d", "grouped_conv2d_backprop_input"),
           None, empty=Empty([(0, 5, 4, 4), (0, 3, 4, 4)], [(2, 2, 2, 4)], no_tf=INTERNAL)),
    OpSpec("conv2d_transpose", lambda x, w: tg.nn.conv2d_transpose(
        x, w, [1, 5, 5, 2], 2, "VALID"), [randn(1, 2, 2, 3), randn(3, 3, 2, 3, seed=1)],
        ("conv2d_backprop_input",), lambda x, w: _np_transpose_conv(x, w, (1, 5, 5, 2), 2),
        empty=Empty([(0, 2, 2, 3), (3, 3, 2, 3)], [(0, 5, 5, 2)], fn=lambda x, w: (
            tg.nn.conv2d_transpose(x, w, [0, 5, 5, 2], 2, "VALID")))),
    OpSpec("batch_normalization", lambda x, m, v, o, s: tg.nn.batch_normalization(
        x, m, v * v + 0.5, o, s, 1e-3), [randn(3, 2), randn(2, seed=1), randn(2, seed=2),
                                         randn(2, seed=3), randn(2, seed=4)],
        ("rsqrt", "multiply", "add"),
        lambda x, m, v, o, s: (x - m) / np.sqrt(v * v + 0.5 + 1e-3) * s + o,
        float32_rtol=1e-4, empty=Empty([(0, 2), (2,), (2,), (2,), (2,)], [(0, 2)])),
    OpSpec("max_pool1d", lambda x: tg.nn.max_pool1d(x, 2, 2, "VALID"), [randn(2, 6, 3)],
           ("max_pool2d", "max_pool2d_grad", "max_pool2d_gather"),
           lambda x: x.reshape(2, 3, 2, 3).max(2), empty=Empty([(0, 6, 3)], [(0, 3, 3)])),
    OpSpec("avg_pool1d", lambda x: tg.nn.avg_pool1d(x, 2, 2, "VALID"), [randn(2, 6, 3)],
           ("avg_pool2d", "avg_pool2d_grad"), lambda x: x.reshape(2, 3, 2, 3).mean(2),
           empty=Empty([(0, 6, 3)], [(0, 3, 3)])),
]
