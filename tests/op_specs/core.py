"""Specs for the engine's own primitives and the first ops (core engine)."""

from __future__ import annotations

import numpy as np

import tapegrad as tg
from tapegrad.ops import index, shape

from . import INTERNAL, Empty, OpSpec, randn

ARRAY_KEY = "TensorFlow's x[key] takes no index arrays"

SPECS = [
    OpSpec("matmul", tg.matmul, [randn(3, 4), randn(4, 2, seed=1)], ("matmul",), np.matmul,
           empty=Empty([(3, 0), (0, 2)], [(3, 2)])),
    OpSpec("matmul/batched", tg.matmul, [randn(2, 3, 4), randn(4, 2, seed=1)], ("matmul",),
           np.matmul, empty=Empty([(0, 3, 4), (4, 2)], [(0, 3, 2)])),
    OpSpec("matmul/transpose_b", lambda a, b: tg.matmul(a, b, transpose_b=True),
           [randn(3, 4), randn(2, 4, seed=1)], ("matmul", "matrix_transpose"),
           lambda a, b: a @ b.T, empty=Empty([(3, 0), (2, 0)], [(3, 2)])),
    OpSpec("matmul/transpose_a", lambda a, b: tg.matmul(a, b, transpose_a=True),
           [randn(4, 3), randn(4, 2, seed=1)], ("matmul",), lambda a, b: a.T @ b,
           empty=Empty([(0, 3), (0, 2)], [(3, 2)])),
    OpSpec("matmul/transpose_both_batched",
           lambda a, b: tg.matmul(a, b, transpose_a=True, transpose_b=True),
           [randn(2, 4, 3), randn(5, 4, seed=1)], ("matmul",),
           lambda a, b: np.swapaxes(a, -1, -2) @ b.T,
           empty=Empty([(2, 0, 3), (5, 0)], [(2, 3, 5)])),
    OpSpec("matvec", tg.linalg.matvec, [randn(3, 4), randn(4, seed=1)], ("matmul", "reshape"),
           lambda a, b: a @ b, empty=Empty([(0, 4), (4,)], [(0,)])),
    OpSpec("reshape", lambda x: tg.reshape(x, [4, -1]), [randn(2, 6)], ("reshape",),
           lambda x: x.reshape(4, 3),
           empty=Empty([(2, 0)], [(4, 0)], fn=lambda x: tg.reshape(x, [4, 0]))),
    OpSpec("transpose", lambda x: tg.transpose(x, [2, 0, 1]), [randn(2, 3, 4)], ("transpose",),
           lambda x: x.transpose(2, 0, 1), empty=Empty([(2, 0, 4)], [(4, 2, 0)])),
    OpSpec("matrix_transpose", tg.linalg.matrix_transpose, [randn(2, 3, 4)],
           ("matrix_transpose",), lambda x: np.swapaxes(x, -1, -2),
           empty=Empty([(2, 0, 4)], [(2, 4, 0)])),
    OpSpec("broadcast_to", lambda x: tg.broadcast_to(x, [2, 3, 4]), [randn(3, 1)],
           ("broadcast_to",), lambda x: np.broadcast_to(x, (2, 3, 4)),
           empty=Empty([(3, 1)], [(2, 3, 0)], fn=lambda x: tg.broadcast_to(x, [2, 3, 0]))),
    OpSpec("sum_to_shape", lambda x: shape.sum_to_shape(x, (3, 1)), [randn(2, 3, 4)],
           ("sum_to_shape",), lambda x: x.sum(axis=(0, 2)).reshape(3, 1),
           empty=Empty([(2, 3, 0)], [(3, 1)], no_tf=INTERNAL)),
    OpSpec("stack", lambda x, y: tg.stack([x, y], axis=1), [randn(2, 3), randn(2, 3, seed=1)],
           ("stack",), lambda x, y: np.stack([x, y], axis=1),
           empty=Empty([(0, 3), (0, 3)], [(0, 2, 3)])),
    OpSpec("concat", lambda x, y: tg.concat([x, y], axis=-1), [randn(2, 3), randn(2, 1, seed=1)],
           ("concat",), lambda x, y: np.concatenate([x, y], axis=-1),
           empty=Empty([(2, 0), (2, 1)], [(2, 1)])),
    OpSpec("getitem/basic", lambda x: x[1:, ::2, None, 0], [randn(3, 5, 2)], ("getitem",),
           lambda x: x[1:, ::2, None, 0], empty=Empty([(3, 0, 2)], [(2, 0, 1)])),
    OpSpec("getitem/ellipsis", lambda x: x[..., -1], [randn(3, 4)], ("getitem",),
           lambda x: x[..., -1], empty=Empty([(0, 4)], [(0,)])),
    OpSpec("getitem/repeated_array", lambda x: x[np.array([0, 2, 0])], [randn(3, 2)],
           ("getitem",), lambda x: x[[0, 2, 0]], empty=Empty([(3, 0)], [(3, 0)], no_tf=ARRAY_KEY)),
    OpSpec("getitem_grad", lambda g: index.getitem_grad_p.bind(
        g, idx=(np.array([0, 2, 0]),), shape=(3, 2), lead_ndim=0), [randn(3, 2)],
        ("getitem_grad",), None, empty=Empty([(3, 0)], [(3, 0)], no_tf=INTERNAL,
                                             fn=lambda g: index.getitem_grad_p.bind(
            g, idx=(np.array([0, 2, 0]),), shape=(3, 0), lead_ndim=0))),
    OpSpec("scatter_rows", lambda v: shape.scatter_rows(v, np.array([1, 1, 0]), (3, 2)),
           [randn(3, 2)], ("scatter_rows",), None,
           empty=Empty([(3, 0)], [(3, 0)], no_tf=INTERNAL,
                       fn=lambda v: shape.scatter_rows(v, np.array([1, 1, 0]), (3, 0)))),
    OpSpec("where", lambda x, y: tg.where(np.array([True, False, True]), x, y),
           [randn(3), randn(2, 3, seed=1)], ("where",),
           lambda x, y: np.where([True, False, True], x, y),
           empty=Empty([(0,), (2, 0)], [(2, 0)],
                       fn=lambda x, y: tg.where(np.zeros(0, bool), x, y))),
    OpSpec("cast", lambda x: tg.cast(tg.cast(x, tg.float32), tg.float64) * x, [randn(3)],
           ("cast",), None, eps=1e-3, rtol=1e-3, atol=1e-4, check_float32=False,
           empty=Empty([(0,)], [(0,)])),
    OpSpec("real/conj", lambda x: tg.cast(tg.math.conj(tg.cast(x, tg.complex128) * (1 + 2j)) * (
        0.5 - 1j), tg.float64), [randn(3)], ("real", "conj", "cast", "multiply"), None,
        check_float32=False, empty=Empty([(0,)], [(0,)])),
    OpSpec("identity", tg.identity, [randn(3)], ("identity",), lambda x: x,
           empty=Empty([(0, 2)], [(0, 2)])),
    OpSpec("stop_gradient", lambda x: tg.stop_gradient(x), [randn(3)], ("stop_gradient",),
           lambda x: x, differentiable=False, empty=Empty([(0, 2)], [(0, 2)])),
]
