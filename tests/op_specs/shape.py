"""Specs for the shape ops (tapegrad/ops/shape.py): all linear, checked at order 2."""

from __future__ import annotations

import numpy as np

import tapegrad as tg
from tapegrad.ops import shape, slicing

from . import INTERNAL, Empty, OpSpec, randn

MIRROR_GRAD = "TensorFlow's MirrorPadGrad refuses an axis of size 0"


def _np_split(x, sizes, axis):
    return np.split(x, np.cumsum(sizes)[:-1], axis=axis)


def _mirror_fold(g, paddings, mode):
    """Reference MirrorPadGrad: add each padded entry back onto the entry it copies."""
    out = np.zeros(tuple(n - b - a for n, (b, a) in zip(g.shape, paddings)), g.dtype)
    for pos in np.ndindex(*g.shape):
        src = []
        for p, (b, _), n in zip(pos, paddings, out.shape):
            i = p - b
            if i < 0:
                i = -i if mode == "REFLECT" else -i - 1
            elif i >= n:
                i = 2 * n - 2 - i if mode == "REFLECT" else 2 * n - 1 - i
            src.append(i)
        out[tuple(src)] += g[pos]
    return out


SPECS = [
    # reshape / expand_dims / squeeze
    OpSpec("reshape/infer_middle", lambda x: tg.reshape(x, [2, -1, 2]), [randn(4, 3)],
           ("reshape",), lambda x: x.reshape(2, 3, 2),
           empty=Empty([(0, 3)], [(2, 0, 2)], fn=lambda x: tg.reshape(x, [2, 0, 2]))),
    OpSpec("reshape/to_scalar", lambda x: tg.reshape(x, []), [randn(1, 1)], ("reshape",),
           lambda x: x.reshape(()), empty=Empty([(0, 1)], raises=(ValueError, "reshape"))),
    OpSpec("expand_dims/0", lambda x: tg.expand_dims(x, 0), [randn(3)], ("reshape",),
           lambda x: x[None], empty=Empty([(0,)], [(1, 0)])),
    OpSpec("expand_dims/neg", lambda x: tg.expand_dims(x, -2), [randn(2, 3)], ("reshape",),
           lambda x: x[:, None, :], empty=Empty([(2, 0)], [(2, 1, 0)])),
    OpSpec("squeeze/all", lambda x: tg.squeeze(x), [randn(1, 3, 1, 2)], ("reshape",),
           lambda x: x.reshape(3, 2), empty=Empty([(1, 0, 1, 2)], [(0, 2)])),
    OpSpec("squeeze/neg_axis", lambda x: tg.squeeze(x, [-1]), [randn(1, 3, 1)], ("reshape",),
           lambda x: x[..., 0], empty=Empty([(1, 0, 1)], [(1, 0)])),
    # transpose
    OpSpec("transpose/default", lambda x: tg.transpose(x), [randn(2, 3, 4)], ("transpose",),
           lambda x: x.transpose(), empty=Empty([(2, 0, 4)], [(4, 0, 2)])),
    OpSpec("transpose/negative_perm", lambda x: tg.transpose(x, [-1, 0, 1]), [randn(2, 3, 4)],
           ("transpose",), lambda x: x.transpose(2, 0, 1), empty=Empty([(2, 0, 4)], [(4, 2, 0)])),
    # broadcast_to
    OpSpec("broadcast_to/new_axes", lambda x: tg.broadcast_to(x, [2, 3, 4]), [randn(4)],
           ("broadcast_to",), lambda x: np.broadcast_to(x, (2, 3, 4)),
           empty=Empty([(0,)], [(2, 3, 0)], fn=lambda x: tg.broadcast_to(x, [2, 3, 0]))),
    OpSpec("broadcast_to/scalar", lambda x: tg.broadcast_to(x, [2, 2]), [randn()],
           ("broadcast_to",), lambda x: np.broadcast_to(x, (2, 2)),
           empty=Empty([()], [(2, 0)], fn=lambda x: tg.broadcast_to(x, [2, 0]))),
    # concat / stack / unstack / split
    OpSpec("concat/three_axis0", lambda x, y, z: tg.concat([x, y, z], 0),
           [randn(1, 2), randn(3, 2, seed=1), randn(2, 2, seed=2)], ("concat", "split"),
           lambda x, y, z: np.concatenate([x, y, z], 0),
           empty=Empty([(0, 2), (3, 2), (0, 2)], [(3, 2)])),
    OpSpec("concat/negative_axis", lambda x, y: tg.concat([x, y], -2),
           [randn(2, 1, 3), randn(2, 2, 3, seed=1)], ("concat", "split"),
           lambda x, y: np.concatenate([x, y], -2),
           empty=Empty([(2, 1, 0), (2, 2, 0)], [(2, 3, 0)])),
    OpSpec("concat/python_constant", lambda x: tg.concat([x, [[1.0, 2.0]]], 0), [randn(2, 2)],
           ("concat",), lambda x: np.concatenate([x, np.array([[1.0, 2.0]], x.dtype)], 0),
           empty=Empty([(0, 2)], [(1, 2)])),
    OpSpec("stack/axis_last", lambda x, y: tg.stack([x, y], axis=-1),
           [randn(2, 3), randn(2, 3, seed=1)], ("stack", "unstack"),
           lambda x, y: np.stack([x, y], -1), empty=Empty([(2, 0), (2, 0)], [(2, 0, 2)])),
    OpSpec("stack/three_scalars", lambda x, y, z: tg.stack([x, y, z]),
           [randn(), randn(seed=1), randn(seed=2)], ("stack", "unstack"),
           lambda x, y, z: np.stack([x, y, z]), empty=Empty([(0,), (0,), (0,)], [(3, 0)])),
    OpSpec("unstack/axis0", lambda x: tg.unstack(x), [randn(3, 2)], ("unstack", "stack"),
           lambda x: list(x), empty=Empty([(3, 0)], [(0,), (0,), (0,)])),
    OpSpec("unstack/negative_axis", lambda x: tg.unstack(x, axis=-1), [randn(2, 3, 2)],
           ("unstack", "stack"), lambda x: [x[..., 0], x[..., 1]],
           empty=Empty([(0, 3, 2)], [(0, 3), (0, 3)])),
    OpSpec("unstack/one_output_used", lambda x: tg.unstack(x, axis=1)[2], [randn(2, 3)],
           ("unstack", "stack"), lambda x: x[:, 2], empty=Empty([(0, 3)], [(0,)])),
    OpSpec("split/equal", lambda x: tg.split(x, 2, axis=1), [randn(2, 4)], ("split", "concat"),
           lambda x: _np_split(x, [2, 2], 1), empty=Empty([(0, 4)], [(0, 2), (0, 2)])),
    OpSpec("split/sizes_with_minus_one", lambda x: tg.split(x, [1, -1, 2], axis=-1),
           [randn(2, 6)], ("split", "concat"), lambda x: _np_split(x, [1, 3, 2], -1),
           empty=Empty([(0, 6)], [(0, 1), (0, 3), (0, 2)])),
    OpSpec("split/one_piece_used", lambda x: tg.split(x, [2, 1])[1] * 2.0, [randn(3, 2)],
           ("split", "concat"), lambda x: x[2:] * 2, empty=Empty([(3, 0)], [(1, 0)])),
    # tile
    OpSpec("tile/2d", lambda x: tg.tile(x, [2, 3]), [randn(2, 2)], ("tile",),
           lambda x: np.tile(x, (2, 3)), empty=Empty([(2, 0)], [(4, 0)])),
    OpSpec("tile/3d_with_ones", lambda x: tg.tile(x, [1, 2, 1]), [randn(2, 1, 3)], ("tile",),
           lambda x: np.tile(x, (1, 2, 1)), empty=Empty([(0, 1, 3)], [(0, 2, 3)])),
    OpSpec("tile/zero_copies", lambda x: tg.tile(x, [0, 2]), [randn(2, 2)], ("tile",),
           lambda x: np.tile(x, (0, 2)), empty=Empty([(2, 0)], [(0, 0)])),
    # pad
    OpSpec("pad/constant", lambda x: tg.pad(x, [[1, 2], [0, 1]]), [randn(2, 3)], ("pad",),
           lambda x: np.pad(x, [[1, 2], [0, 1]]), empty=Empty([(0, 3)], [(3, 4)])),
    OpSpec("pad/constant_values", lambda x: tg.pad(x, [[0, 1], [2, 0]], constant_values=-1.5),
           [randn(2, 2)], ("pad",),
           lambda x: np.pad(x, [[0, 1], [2, 0]], constant_values=-1.5),
           empty=Empty([(2, 0)], [(3, 2)])),
    OpSpec("pad/reflect", lambda x: tg.pad(x, [[2, 1], [1, 2]], "REFLECT"), [randn(3, 4)],
           ("pad", "pad_grad"), lambda x: np.pad(x, [[2, 1], [1, 2]], "reflect"),
           empty=Empty([(0, 4)], raises=(ValueError, "pad"),
                       fn=lambda x: tg.pad(x, [[0, 0], [1, 2]], "REFLECT"))),
    OpSpec("pad/symmetric", lambda x: tg.pad(x, [[3, 1], [0, 2]], "symmetric"), [randn(3, 2)],
           ("pad", "pad_grad"), lambda x: np.pad(x, [[3, 1], [0, 2]], "symmetric"),
           empty=Empty([(0, 2)], [(0, 5)], fn=lambda x: tg.pad(x, [[0, 0], [1, 2]], "symmetric"))),
    OpSpec("pad_grad/reflect", lambda g: slicing.pad_grad_p.bind(
        g, paddings=((1, 2), (2, 1)), mode="REFLECT"), [randn(6, 7)], ("pad_grad", "pad"),
        lambda g: _mirror_fold(g, ((1, 2), (2, 1)), "REFLECT"),
           empty=Empty([(0, 6, 7)], [(0, 3, 4)], no_tf=MIRROR_GRAD)),
    OpSpec("pad_grad/symmetric", lambda g: slicing.pad_grad_p.bind(
        g, paddings=((2, 2),), mode="SYMMETRIC"), [randn(3, 6)], ("pad_grad", "pad"),
        lambda g: _mirror_fold(g, ((0, 0), (2, 2)), "SYMMETRIC"),
           empty=Empty([(0, 6)], [(0, 2)], no_tf=MIRROR_GRAD)),
    # reverse
    OpSpec("reverse/axis0", lambda x: tg.reverse(x, [0]), [randn(3, 2)], ("reverse",),
           lambda x: x[::-1], empty=Empty([(0, 2)], [(0, 2)])),
    OpSpec("reverse/two_axes", lambda x: tg.reverse(x, [-1, 0]), [randn(2, 3, 4)],
           ("reverse",), lambda x: x[::-1, :, ::-1], empty=Empty([(2, 0, 4)], [(2, 0, 4)])),
    # internal: rows (a sparse concat's transpose)
    OpSpec("take_rows", lambda x: shape.take_rows_p.bind(x, rows=np.array([2, 0, 2])),
           [randn(3, 2)], ("take_rows", "scatter_rows"), lambda x: x[[2, 0, 2]],
           empty=Empty([(3, 0)], [(3, 0)], no_tf=INTERNAL)),
]
