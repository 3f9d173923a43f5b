"""Specs for reductions, scans, top_k and segment sums.

The ops live in src/tapegrad/ops/reduce.py, cumulative.py and segments.py.

Inputs are away from ties and zeros (where derivatives are conventions, not
limits); tests/test_reduce.py checks TensorFlow's conventions there explicitly.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

import tapegrad as tg

from . import Empty, OpSpec, positive, randn


# --- NumPy references --------------------------------------------------------------------------
def _scan_reference(fn, identity, x, axis, exclusive=False, reverse=False):
    if reverse:
        x = np.flip(x, axis)
    out = fn(x, axis=axis)
    if exclusive:
        out = np.moveaxis(out, axis, 0)
        out = np.concatenate([np.full_like(out[:1], identity), out[:-1]], 0)
        out = np.moveaxis(out, 0, axis)
    return np.flip(out, axis) if reverse else out


def _l2_normalize_reference(x, axis):
    return x / np.sqrt(np.maximum(np.sum(x * x, axis=axis, keepdims=True), 1e-12))


def _top_k_reference(x, k):
    return -np.sort(-x, axis=-1)[..., :k]


def _segment_reference(x, ids, n):
    out = np.zeros((n,) + x.shape[ids.ndim:], x.dtype)
    valid = ids >= 0
    np.add.at(out, ids[valid], x[valid])
    return out


def _as_float(t):
    return tg.cast(t, tg.float32)


def _separated(*shape, seed=0):
    """Values with no ties, at least 0.2 apart (so max/min/top_k/argmax are stable)."""
    n = int(np.prod(shape))
    values = np.random.default_rng(seed).permutation(n) * 0.3 - 0.15 * n
    return values.reshape(shape)


def _away_from_zero(*shape, seed=0):
    x = randn(*shape, seed=seed)
    return np.sign(x) * (np.abs(x) + 0.5)


_IDS = np.array([2, 0, -1, 2])  # one dropped entry (negative id), one empty segment
_IDS_2D = np.array([[1, 0, 1], [2, 1, 1]])
_SORTED_IDS = np.array([0, 0, 1, 3])

SPECS = [
    # reduce_sum
    OpSpec("reduce_sum/all", lambda x: tg.reduce_sum(x), [randn(3, 4)], ("reduce_sum",), np.sum,
           empty=Empty([(3, 0)], [()])),
    OpSpec("reduce_sum/axis_keepdims", lambda x: tg.reduce_sum(x, axis=1, keepdims=True),
           [randn(3, 4)], ("reduce_sum",), lambda x: np.sum(x, axis=1, keepdims=True),
           empty=Empty([(3, 0)], [(3, 1)])),
    OpSpec("reduce_sum/axes_3d", lambda x: tg.reduce_sum(x, axis=[0, 2]), [randn(2, 3, 4)],
           ("reduce_sum",), lambda x: np.sum(x, axis=(0, 2)), empty=Empty([(2, 3, 0)], [(3,)])),
    OpSpec("reduce_sum/negative_tensor_axis", lambda x: tg.reduce_sum(x, tg.constant(-2)),
           [randn(2, 3, 4)], ("reduce_sum",), lambda x: np.sum(x, axis=-2),
           empty=Empty([(2, 0, 4)], [(2, 4)])),
    OpSpec("reduce_sum/1d", lambda x: tg.reduce_sum(x, 0), [randn(5)], ("reduce_sum",), np.sum,
           empty=Empty([(0,)], [()])),
    # reduce_mean
    OpSpec("reduce_mean/axis0", lambda x: tg.reduce_mean(x, axis=0), [randn(3, 4)],
           ("reduce_sum", "divide"), lambda x: np.mean(x, axis=0), empty=Empty([(0, 4)], [(4,)])),
    OpSpec("reduce_mean/all_keepdims", lambda x: tg.reduce_mean(x, keepdims=True),
           [randn(2, 3)], ("reduce_sum",), lambda x: np.mean(x, keepdims=True),
           empty=Empty([(2, 0)], [(1, 1)])),
    OpSpec("reduce_mean/axes_3d", lambda x: tg.reduce_mean(x, axis=(-1, 0)), [randn(2, 3, 4)],
           ("reduce_sum",), lambda x: np.mean(x, axis=(0, 2)), empty=Empty([(2, 3, 0)], [(3,)])),
    # reduce_max / reduce_min
    OpSpec("reduce_max/last", lambda x: tg.reduce_max(x, axis=-1), [_separated(3, 4)],
           ("reduce_max",), lambda x: np.max(x, axis=-1), empty=Empty([(3, 0)], [(3,)])),
    OpSpec("reduce_max/all", lambda x: tg.reduce_max(x), [_separated(3, 4)], ("reduce_max",),
           np.max, empty=Empty([(3, 0)], [()])),
    OpSpec("reduce_max/axes_keepdims_3d", lambda x: tg.reduce_max(x, [0, 2], keepdims=True),
           [_separated(2, 3, 4)], ("reduce_max",),
           lambda x: np.max(x, axis=(0, 2), keepdims=True), empty=Empty([(2, 3, 0)], [(1, 3, 1)])),
    OpSpec("reduce_min/axis1", lambda x: tg.reduce_min(x, axis=1), [_separated(3, 4)],
           ("reduce_min",), lambda x: np.min(x, axis=1), empty=Empty([(3, 0)], [(3,)])),
    OpSpec("reduce_min/all", lambda x: tg.reduce_min(x), [_separated(5)], ("reduce_min",),
           np.min, empty=Empty([(0,)], [()])),
    OpSpec("reduce_min/3d_keepdims", lambda x: tg.reduce_min(x, -1, keepdims=True),
           [_separated(2, 3, 4)], ("reduce_min",), lambda x: np.min(x, -1, keepdims=True),
           empty=Empty([(2, 0, 4)], [(2, 0, 1)])),
    # reduce_prod (its gradient runs two exclusive cumprods)
    OpSpec("reduce_prod/all", lambda x: tg.reduce_prod(x), [_away_from_zero(2, 3)],
           ("reduce_prod", "cumprod"), np.prod, empty=Empty([(2, 0)], [()])),
    OpSpec("reduce_prod/axis1", lambda x: tg.reduce_prod(x, axis=1), [_away_from_zero(3, 4)],
           ("reduce_prod",), lambda x: np.prod(x, axis=1), empty=Empty([(3, 0)], [(3,)])),
    OpSpec("reduce_prod/axes_keepdims_3d", lambda x: tg.reduce_prod(x, [0, 2], keepdims=True),
           [_away_from_zero(2, 3, 2)], ("reduce_prod",),
           lambda x: np.prod(x, axis=(0, 2), keepdims=True), empty=Empty([(2, 3, 0)], [(1, 3, 1)])),
    OpSpec("reduce_prod/1d", lambda x: tg.reduce_prod(x, 0), [_away_from_zero(4)],
           ("reduce_prod",), np.prod, empty=Empty([(0,)], [()])),
    # With one zero the first derivative is exact; the second goes through cumprod's
    # div_no_nan (TensorFlow's too), so it is checked at order 1 only.
    OpSpec("reduce_prod/one_zero", lambda x: tg.reduce_prod(x, -1),
           [np.array([[2.0, 0.0, -1.5], [0.5, 1.5, 2.0]])], ("reduce_prod",),
           lambda x: np.prod(x, -1), order=1, empty=Empty([(0, 3)], [(0,)])),
    # reduce_logsumexp
    OpSpec("reduce_logsumexp/last", lambda x: tg.reduce_logsumexp(x, axis=-1), [randn(3, 4)],
           ("reduce_logsumexp",), lambda x: logsumexp(x, axis=-1), empty=Empty([(3, 0)], [(3,)])),
    OpSpec("reduce_logsumexp/all_keepdims", lambda x: tg.reduce_logsumexp(x, keepdims=True),
           [randn(2, 3)], ("reduce_logsumexp",), lambda x: logsumexp(x, keepdims=True),
           empty=Empty([(2, 0)], [(1, 1)])),
    OpSpec("reduce_logsumexp/axes_3d", lambda x: tg.reduce_logsumexp(x, axis=[0, 2]),
           [randn(2, 3, 2)], ("reduce_logsumexp",), lambda x: logsumexp(x, axis=(0, 2)),
           empty=Empty([(2, 0, 2)], [(0,)])),
    OpSpec("reduce_logsumexp/large", lambda x: tg.reduce_logsumexp(x * 300.0, axis=1),
           [randn(2, 3)], ("reduce_logsumexp",), lambda x: logsumexp(x * 300, axis=1),
           rtol=1e-4, atol=1e-5, empty=Empty([(2, 0)], [(2,)])),
    # reduce_variance / reduce_std (compositions; population formula)
    OpSpec("reduce_variance/axis0", lambda x: tg.math.reduce_variance(x, axis=0), [randn(4, 3)],
           ("reduce_sum", "square", "subtract"), lambda x: np.var(x, axis=0),
           empty=Empty([(0, 3)], [(3,)])),
    OpSpec("reduce_variance/all_keepdims",
           lambda x: tg.math.reduce_variance(x, keepdims=True), [randn(2, 3)], ("reduce_sum",),
           lambda x: np.var(x, keepdims=True), empty=Empty([(2, 0)], [(1, 1)])),
    OpSpec("reduce_std/axis1", lambda x: tg.math.reduce_std(x, axis=1), [randn(3, 4)],
           ("reduce_sum", "sqrt"), lambda x: np.std(x, axis=1), empty=Empty([(3, 0)], [(3,)])),
    OpSpec("reduce_std/axes_3d", lambda x: tg.math.reduce_std(x, axis=[0, -1]),
           [randn(2, 3, 4)], ("reduce_sum", "sqrt"), lambda x: np.std(x, axis=(0, 2)),
           empty=Empty([(2, 0, 4)], [(0,)])),
    # reduce_euclidean_norm
    OpSpec("reduce_euclidean_norm/all", lambda x: tg.math.reduce_euclidean_norm(x),
           [randn(3, 4)], ("reduce_euclidean_norm",), np.linalg.norm, empty=Empty([(3, 0)], [()])),
    OpSpec("reduce_euclidean_norm/axis_keepdims",
           lambda x: tg.math.reduce_euclidean_norm(x, 1, keepdims=True), [randn(3, 4)],
           ("reduce_euclidean_norm",), lambda x: np.linalg.norm(x, axis=1, keepdims=True),
           empty=Empty([(3, 0)], [(3, 1)])),
    OpSpec("reduce_euclidean_norm/axes_3d",
           lambda x: tg.math.reduce_euclidean_norm(x, axis=[0, 2]), [randn(2, 3, 2)],
           ("reduce_euclidean_norm",), lambda x: np.sqrt(np.sum(x * x, axis=(0, 2))),
           empty=Empty([(2, 3, 0)], [(3,)])),
    # l2_normalize (composition)
    OpSpec("l2_normalize/last", lambda x: tg.math.l2_normalize(x, axis=-1), [randn(3, 4)],
           ("reduce_sum", "where", "sqrt"), lambda x: _l2_normalize_reference(x, -1),
           empty=Empty([(3, 0)], [(3, 0)])),
    OpSpec("l2_normalize/all", lambda x: tg.math.l2_normalize(x), [randn(2, 3)],
           ("reduce_sum",), lambda x: _l2_normalize_reference(x, None),
           empty=Empty([(2, 0)], [(2, 0)])),
    OpSpec("l2_normalize/axes_3d", lambda x: tg.math.l2_normalize(x, axis=[0, 1]),
           [randn(2, 2, 3)], ("reduce_sum",), lambda x: _l2_normalize_reference(x, (0, 1)),
           empty=Empty([(2, 0, 3)], [(2, 0, 3)])),
    # cumsum / cumprod
    OpSpec("cumsum/axis0", lambda x: tg.cumsum(x), [randn(3, 4)], ("cumsum",),
           lambda x: np.cumsum(x, 0), empty=Empty([(0, 4)], [(0, 4)])),
    OpSpec("cumsum/exclusive", lambda x: tg.cumsum(x, axis=-1, exclusive=True), [randn(3, 4)],
           ("cumsum",), lambda x: _scan_reference(np.cumsum, 0, x, -1, exclusive=True),
           empty=Empty([(3, 0)], [(3, 0)])),
    OpSpec("cumsum/reverse_3d", lambda x: tg.cumsum(x, axis=1, reverse=True), [randn(2, 3, 2)],
           ("cumsum",), lambda x: _scan_reference(np.cumsum, 0, x, 1, reverse=True),
           empty=Empty([(2, 0, 2)], [(2, 0, 2)])),
    OpSpec("cumsum/exclusive_reverse_1d", lambda x: tg.cumsum(x, 0, True, True), [randn(5)],
           ("cumsum",), lambda x: _scan_reference(np.cumsum, 0, x, 0, True, True),
           empty=Empty([(0,)], [(0,)])),
    OpSpec("cumprod/axis0", lambda x: tg.math.cumprod(x), [_away_from_zero(3, 4)],
           ("cumprod", "where"), lambda x: np.cumprod(x, 0), empty=Empty([(0, 4)], [(0, 4)])),
    OpSpec("cumprod/exclusive", lambda x: tg.math.cumprod(x, axis=-1, exclusive=True),
           [_away_from_zero(3, 4)], ("cumprod",),
           lambda x: _scan_reference(np.cumprod, 1, x, -1, exclusive=True),
           empty=Empty([(3, 0)], [(3, 0)])),
    OpSpec("cumprod/reverse_3d", lambda x: tg.math.cumprod(x, axis=1, reverse=True),
           [_away_from_zero(2, 3, 2)], ("cumprod",),
           lambda x: _scan_reference(np.cumprod, 1, x, 1, reverse=True),
           empty=Empty([(2, 3, 0)], [(2, 3, 0)])),
    OpSpec("cumprod/exclusive_reverse_1d", lambda x: tg.math.cumprod(x, 0, True, True),
           [positive(5)], ("cumprod",), lambda x: _scan_reference(np.cumprod, 1, x, 0, True, True),
           empty=Empty([(0,)], [(0,)])),
    # top_k (values; indices have no gradient)
    OpSpec("top_k/1d", lambda x: tg.math.top_k(x, k=2).values, [_separated(5)],
           ("top_k", "getitem", "getitem_grad"), lambda x: _top_k_reference(x, 2),
           empty=Empty([(0,)], raises=(ValueError, "top_k"))),
    OpSpec("top_k/2d", lambda x: tg.math.top_k(x, 3).values, [_separated(2, 4)], ("top_k",),
           lambda x: _top_k_reference(x, 3), empty=Empty([(0, 4)], [(0, 3)])),
    OpSpec("top_k/3d_k1", lambda x: tg.math.top_k(x).values, [_separated(2, 2, 3)], ("top_k",),
           lambda x: _top_k_reference(x, 1), empty=Empty([(2, 0, 3)], [(2, 0, 1)])),
    OpSpec("top_k/all", lambda x: tg.math.top_k(x, 4).values * tg.constant([1.0, 2.0, 3.0, 4.0],
                                                                           tg.float64),
           [_separated(4)], ("top_k",), None,
           empty=Empty([(3, 0)], [(3, 0)], fn=lambda x: tg.math.top_k(x, 0).values)),
    # segment sums
    OpSpec("unsorted_segment_sum/negative_id", lambda x: tg.math.unsorted_segment_sum(x, _IDS, 4),
           [randn(4, 3)], ("unsorted_segment_sum",), lambda x: _segment_reference(x, _IDS, 4),
           empty=Empty([(4, 0)], [(4, 0)])),
    OpSpec("unsorted_segment_sum/2d_ids",
           lambda x: tg.math.unsorted_segment_sum(x, _IDS_2D, tg.constant(3)), [randn(2, 3, 2)],
           ("unsorted_segment_sum",), lambda x: _segment_reference(x, _IDS_2D, 3),
           empty=Empty([(2, 3, 0)], [(3, 0)])),
    OpSpec("segment_sum/sorted", lambda x: tg.math.segment_sum(x, _SORTED_IDS), [randn(4, 2)],
           ("unsorted_segment_sum",), lambda x: _segment_reference(x, _SORTED_IDS, 4),
           empty=Empty([(4, 0)], [(4, 0)])),
    OpSpec("segment_sum/1d", lambda x: tg.math.segment_sum(x, [0, 1, 1]), [randn(3)],
           ("unsorted_segment_sum",), lambda x: _segment_reference(x, np.array([0, 1, 1]), 2),
           empty=Empty([(0,)], [(0,)], fn=lambda x: tg.math.segment_sum(x, np.zeros(0, np.int32)))),
    # no gradient: argmax/argmin (int64 out), reduce_any/all (bool)
    OpSpec("argmax", lambda x: _as_float(tg.argmax(x)), [_separated(3, 4)], ("argmax",),
           lambda x: np.argmax(x, 0).astype(np.float32), differentiable=False,
           empty=Empty([(0, 4)], raises=(ValueError, "argmax"))),
    OpSpec("argmin/axis1", lambda x: _as_float(tg.argmin(x, 1)), [_separated(3, 4)],
           ("argmin",), lambda x: np.argmin(x, 1).astype(np.float32), differentiable=False,
           empty=Empty([(0, 4)], [(0,)])),
    OpSpec("reduce_any", lambda x: _as_float(tg.reduce_any(x > 0.5, axis=1)), [randn(3, 4)],
           ("reduce_any", "greater"), lambda x: np.any(x > 0.5, 1).astype(np.float32),
           differentiable=False, empty=Empty([(3, 0)], [(3,)])),
    OpSpec("reduce_all", lambda x: _as_float(tg.reduce_all(x > -1.0, keepdims=True)),
           [randn(3, 4)], ("reduce_all",), lambda x: np.all(x > -1.0, keepdims=True).astype(
               np.float32), differentiable=False, empty=Empty([(3, 0)], [(1, 1)])),
]
