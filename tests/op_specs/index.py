"""Specs for the indexing ops (tapegrad/ops/index.py), checked at order 2 in float64."""

from __future__ import annotations

import numpy as np

import tapegrad as tg
from tapegrad.ops import embedding, index

from . import INTERNAL, Empty, OpSpec, randn


def _np_gather(params, indices, axis, batch_dims=0):
    """TensorFlow's gather, looped over batch dimensions, from np.take."""
    if batch_dims == 0:
        return np.take(params, indices, axis=axis)
    return np.stack([_np_gather(p, i, axis - 1, batch_dims - 1) for p, i in zip(params, indices)])


def _np_gather_nd(params, indices, batch_dims=0):
    if batch_dims:
        return np.stack([_np_gather_nd(p, i, batch_dims - 1) for p, i in zip(params, indices)])
    out = [params[tuple(row)] for row in indices.reshape(-1, indices.shape[-1])]
    return np.array(out).reshape(indices.shape[:-1] + params.shape[indices.shape[-1]:])


def _np_scatter_nd(indices, updates, shape):
    out = np.zeros(shape, updates.dtype)
    depth = indices.shape[-1]
    rows = indices.reshape(-1, depth)
    values = updates.reshape((rows.shape[0],) + tuple(shape[depth:]))
    for row, value in zip(rows, values):
        out[tuple(row)] += value
    return out


def _np_one_hot(indices, depth, on, off, axis=-1):
    hot = np.asarray(indices)[..., None] == np.arange(depth)
    return np.moveaxis(np.where(hot, on, off), -1, axis)


def _clip_rows(rows, max_norm):
    norms = np.sqrt(np.sum(rows * rows, axis=-1, keepdims=True))
    return rows * max_norm / np.maximum(norms, max_norm)


IDS = np.array([[1, 3], [3, 0]])
NO_IDS = np.zeros((0, 2), np.int32)
ARRAY_KEY = "TensorFlow's x[key] takes no index arrays"
TABLE = randn(4, 3, seed=7)

SPECS = [
    # x[key]
    OpSpec("getitem/negative_step", lambda x: x[::-2, 1:-1], [randn(5, 4)],
           ("getitem", "getitem_grad"), lambda x: x[::-2, 1:-1], empty=Empty([(0, 4)], [(0, 2)])),
    OpSpec("getitem/newaxis_ellipsis", lambda x: x[None, ..., 1, None], [randn(2, 3, 4)],
           ("getitem", "getitem_grad"), lambda x: x[None, ..., 1, None],
           empty=Empty([(0, 3, 4)], [(1, 0, 3, 1)])),
    OpSpec("getitem/scalar_int", lambda x: x[1, -1], [randn(3, 2)],
           ("getitem", "getitem_grad"), lambda x: x[1, -1],
           empty=Empty([(3, 0)], raises=(IndexError, "getitem"))),
    OpSpec("getitem/int_array_and_slice", lambda x: x[:, [2, 0, 2]], [randn(2, 3)],
           ("getitem", "getitem_grad"), lambda x: x[:, [2, 0, 2]],
           empty=Empty([(0, 3)], [(0, 3)], no_tf=ARRAY_KEY)),
    OpSpec("getitem/separated_arrays", lambda x: x[[0, 1, 1], :, [2, 0, 2]], [randn(2, 3, 4)],
           ("getitem", "getitem_grad"), lambda x: x[[0, 1, 1], :, [2, 0, 2]],
           empty=Empty([(2, 0, 4)], [(3, 0)], no_tf=ARRAY_KEY)),
    OpSpec("getitem/int_and_array_separated", lambda x: x[0, :, [1, 0]], [randn(2, 3, 4)],
           ("getitem", "getitem_grad"), lambda x: x[0, :, [1, 0]],
           empty=Empty([(2, 0, 4)], [(2, 0)], no_tf=ARRAY_KEY)),
    OpSpec("getitem/bool_mask", lambda x: x[np.array([[True, False, True], [False, True, True]])],
           [randn(2, 3)], ("getitem", "getitem_grad"),
           lambda x: x[np.array([[True, False, True], [False, True, True]])],
           empty=Empty([(2, 0)], [(0,)], no_tf=ARRAY_KEY,
                       fn=lambda x: x[np.zeros((2, 0), bool)])),
    OpSpec("getitem_grad/separated_arrays", lambda g: index.getitem_grad_p.bind(
        g, idx=(np.array([0, 1]), slice(None), np.array([2, 2])), shape=(2, 3, 4), lead_ndim=0),
        [randn(2, 3)], ("getitem_grad", "getitem"), None,
        empty=Empty([(2, 0)], [(2, 0, 4)], no_tf=INTERNAL, fn=lambda g: index.getitem_grad_p.bind(
            g, idx=(np.array([0, 1]), slice(None), np.array([2, 2])), shape=(2, 0, 4),
            lead_ndim=0))),
    # gather
    OpSpec("gather/axis0_repeats", lambda x: tg.gather(x, [2, 0, 2]), [randn(3, 2)],
           ("gather", "getitem_grad", "scatter_rows"), lambda x: x[[2, 0, 2]],
           empty=Empty([(3, 2)], [(0, 2)], fn=lambda x: tg.gather(x, np.zeros(0, np.int32)))),
    OpSpec("gather/axis0_2d_indices", lambda x: tg.gather(x, [[1, 1], [0, 2]]), [randn(3, 2)],
           ("gather", "getitem_grad", "scatter_rows"), lambda x: x[np.array([[1, 1], [0, 2]])],
           empty=Empty([(3, 0)], [(2, 2, 0)])),
    OpSpec("gather/scalar_index", lambda x: tg.gather(x, 1), [randn(3, 2)],
           ("gather", "scatter_rows"), lambda x: x[1], empty=Empty([(3, 0)], [(0,)])),
    OpSpec("gather/axis1", lambda x: tg.gather(x, [1, 1, 0], axis=1), [randn(2, 3, 2)],
           ("gather", "getitem_grad"), lambda x: np.take(x, [1, 1, 0], axis=1),
           empty=Empty([(0, 3, 2)], [(0, 3, 2)])),
    OpSpec("gather/negative_axis", lambda x: tg.gather(x, [[0], [2]], axis=-1), [randn(2, 3)],
           ("gather", "getitem_grad"), lambda x: np.take(x, [[0], [2]], axis=-1),
           empty=Empty([(0, 3)], [(0, 2, 1)])),
    OpSpec("gather/batch_dims1", lambda x: tg.gather(x, [[0, 2], [1, 1]], axis=1, batch_dims=1),
           [randn(2, 3, 2)], ("gather", "getitem_grad"),
           lambda x: _np_gather(x, np.array([[0, 2], [1, 1]]), 1, 1),
           empty=Empty([(2, 3, 0)], [(2, 2, 0)])),
    OpSpec("gather/batch_dims1_axis2",
           lambda x: tg.gather(x, [[0, 2], [1, 1]], axis=2, batch_dims=1),
           [randn(2, 2, 3, 2)], ("gather", "getitem_grad", "transpose"),
           lambda x: _np_gather(x, np.array([[0, 2], [1, 1]]), 2, 1),
           empty=Empty([(2, 2, 3, 0)], [(2, 2, 2, 0)])),
    OpSpec("gather/negative_batch_dims", lambda x: tg.gather(x, [[1], [0]], axis=-1,
                                                             batch_dims=-1),
           [randn(2, 3)], ("gather", "getitem_grad"),
           lambda x: _np_gather(x, np.array([[1], [0]]), 1, 1),
           empty=Empty([(0, 3)], [(0, 1)], fn=lambda x: tg.gather(
               x, np.zeros((0, 1), np.int32), axis=-1, batch_dims=-1))),
    # gather_nd / scatter_nd
    OpSpec("gather_nd/full_rows", lambda x: tg.gather_nd(x, [[1, 0], [0, 2], [1, 0]]),
           [randn(2, 3)], ("gather_nd", "scatter_nd"),
           lambda x: _np_gather_nd(x, np.array([[1, 0], [0, 2], [1, 0]])),
           empty=Empty([(2, 3)], [(0,)], fn=lambda x: tg.gather_nd(x, NO_IDS))),
    OpSpec("gather_nd/slices_sparse", lambda x: tg.gather_nd(x, [[2], [0], [2]]), [randn(3, 2)],
           ("gather_nd", "scatter_rows"), lambda x: x[[2, 0, 2]],
           empty=Empty([(3, 0)], raises=(ValueError, "gather_nd"))),
    OpSpec("gather_nd/batched_indices", lambda x: tg.gather_nd(x, [[[0, 1]], [[2, 1]]]),
           [randn(3, 2, 2)], ("gather_nd", "scatter_nd"),
           lambda x: _np_gather_nd(x, np.array([[[0, 1]], [[2, 1]]])),
           empty=Empty([(3, 2, 2)], [(0, 1, 2)],
                       fn=lambda x: tg.gather_nd(x, np.zeros((0, 1, 2), np.int32)))),
    OpSpec("gather_nd/batch_dims1", lambda x: tg.gather_nd(x, [[1], [0]], batch_dims=1),
           [randn(2, 3, 2)], ("gather_nd", "scatter_nd"),
           lambda x: _np_gather_nd(x, np.array([[1], [0]]), 1),
           empty=Empty([(0, 3, 2)], [(0, 2)], fn=lambda x: tg.gather_nd(
               x, np.zeros((0, 1), np.int32), batch_dims=1))),
    OpSpec("gather_nd/ignore_bad", lambda x: tg.gather_nd(x, [[1, 5], [1, 1]],
                                                          bad_indices_policy="IGNORE"),
           [randn(2, 3)], ("gather_nd", "scatter_nd", "where"),
           lambda x: np.array([0.0, x[1, 1]], x.dtype),
           empty=Empty([(2, 0)], raises=(ValueError, "gather_nd"))),
    OpSpec("scatter_nd/duplicates", lambda u: tg.scatter_nd([[1], [3], [1]], u, [4]),
           [randn(3)], ("scatter_nd", "gather_nd"),
           lambda u: _np_scatter_nd(np.array([[1], [3], [1]]), u, (4,)),
           empty=Empty([(0,)], [(4,)],
                       fn=lambda u: tg.scatter_nd(np.zeros((0, 1), np.int32), u, [4]))),
    OpSpec("scatter_nd/slices", lambda u: tg.scatter_nd([[0, 1], [2, 2], [0, 1]], u, [3, 3, 2]),
           [randn(3, 2)], ("scatter_nd", "gather_nd"),
           lambda u: _np_scatter_nd(np.array([[0, 1], [2, 2], [0, 1]]), u, (3, 3, 2)),
           empty=Empty([(3, 0)], raises=(ValueError, "scatter_nd"), fn=lambda u: tg.scatter_nd(
               [[0, 1], [2, 2], [0, 1]], u, [3, 3, 0]))),
    OpSpec("scatter_nd/ignore_bad", lambda u: tg.scatter_nd([[5], [1]], u, [3],
                                                            bad_indices_policy="IGNORE"),
           [randn(2)], ("scatter_nd", "gather_nd", "where"),
           lambda u: np.array([0.0, u[1], 0.0], u.dtype),
           empty=Empty([(0,)], [(3,)], fn=lambda u: tg.scatter_nd(
               np.zeros((0, 1), np.int32), u, [3], bad_indices_policy="IGNORE"))),
    # boolean_mask
    OpSpec("boolean_mask/rows", lambda x: tg.boolean_mask(x, [True, False, True]),
           [randn(3, 2)], ("boolean_mask", "getitem_grad"),
           lambda x: x[[True, False, True]], empty=Empty([(3, 0)], [(2, 0)])),
    OpSpec("boolean_mask/2d_mask", lambda x: tg.boolean_mask(x, [[True, False], [True, True]]),
           [randn(2, 2, 3)], ("boolean_mask", "getitem_grad", "reshape"),
           lambda x: x[np.array([[True, False], [True, True]])],
           empty=Empty([(2, 2, 0)], [(3, 0)])),
    OpSpec("boolean_mask/axis1", lambda x: tg.boolean_mask(x, [False, True, True], axis=1),
           [randn(2, 3)], ("boolean_mask", "getitem_grad"),
           lambda x: x[:, [False, True, True]], empty=Empty([(0, 3)], [(0, 2)])),
    # where
    OpSpec("where/broadcast_condition", lambda x, y: tg.where(np.array([[True], [False]]), x, y),
           [randn(2, 3), randn(3, seed=1)], ("where",),
           lambda x, y: np.where([[True], [False]], x, y), empty=Empty([(2, 0), (0,)], [(2, 0)])),
    # sort / argsort
    OpSpec("sort/ascending", lambda x: tg.sort(x), [randn(2, 5)], ("sort", "unsort"),
           lambda x: np.sort(x, -1), empty=Empty([(2, 0)], [(2, 0)])),
    OpSpec("sort/descending_axis0", lambda x: tg.sort(x, axis=0, direction="DESCENDING"),
           [randn(4, 3)], ("sort", "unsort"), lambda x: -np.sort(-x, 0),
           empty=Empty([(0, 3)], [(0, 3)])),
    OpSpec("sort/middle_axis", lambda x: tg.sort(x, axis=1), [randn(2, 3, 2)],
           ("sort", "unsort"), lambda x: np.sort(x, 1), empty=Empty([(2, 0, 2)], [(2, 0, 2)])),
    OpSpec("argsort", lambda x: tg.cast(tg.argsort(x, direction="DESCENDING"), x.dtype),
           [randn(2, 4)], ("argsort", "cast"),
           lambda x: np.argsort(-x, -1, kind="stable").astype(x.dtype), differentiable=False,
           empty=Empty([(0, 4)], [(0, 4)])),
    # one_hot
    OpSpec("one_hot", lambda on, off: tg.one_hot([[0, 2], [5, -1]], 3, on_value=on,
                                                  off_value=off, axis=1),
           [randn(), randn(seed=1)], ("one_hot",),
           lambda on, off: _np_one_hot([[0, 2], [5, -1]], 3, on, off, 1), differentiable=False,
           empty=Empty([(), ()], [(0, 3, 2)], fn=lambda on, off: tg.one_hot(
               np.zeros((0, 2), np.int32), 3, on_value=on, off_value=off, axis=1))),
    # embedding_lookup
    OpSpec("embedding_lookup", lambda t: embedding.embedding_lookup(t, IDS), [TABLE],
           ("gather", "scatter_rows"), lambda t: t[IDS],
           empty=Empty([TABLE], [(0, 2, 3)], fn=lambda t: embedding.embedding_lookup(t, NO_IDS),
                       tf=lambda tf, t: tf.nn.embedding_lookup(t, NO_IDS))),
    OpSpec("embedding_lookup/max_norm", lambda t: embedding.embedding_lookup(t, IDS, max_norm=1.2),
           [TABLE], ("gather", "scatter_rows", "where"), lambda t: _clip_rows(t[IDS], 1.2),
           empty=Empty([(4, 0)], [(2, 2, 0)],
                       tf=lambda tf, t: tf.nn.embedding_lookup(t, IDS, max_norm=1.2))),
    OpSpec("embedding_lookup/sharded",
           lambda a, b: embedding.embedding_lookup([a, b], [4, 0, 3, 4]),
           [randn(3, 2), randn(2, 2, seed=1)], ("gather", "concat", "getitem"),
           lambda a, b: np.concatenate([a, b])[[4, 0, 3, 4]],
           empty=Empty([(3, 0), (2, 0)], [(4, 0)],
                       tf=lambda tf, a, b: tf.nn.embedding_lookup([a, b], [4, 0, 3, 4]))),
]
