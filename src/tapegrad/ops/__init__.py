"""The op library: one module per family, each op's forward and rules together.

Importing this package installs the Tensor operators and the few ops the
engine needs for itself (accumulating, unbroadcasting, seeding).
"""

from __future__ import annotations

import numpy as np

from .._core import tensor as _tensor
from .._core.state import hooks as _hooks
from .._core.tensor import Tensor as _Tensor
from . import _operators, binary, conv, creation, index, linalg, nn, random, reduce, shape, unary

__all__ = [
    "binary", "conv", "creation", "index", "linalg", "nn", "random", "reduce", "shape", "unary",
]


def _zeros(shape, dtype):
    return _Tensor._wrap(np.zeros(shape, dtype))


def _dense(x):
    from .._core.indexed_slices import densify

    return densify(x)


_hooks.add = binary.add_p.bind
_hooks.multiply = binary.multiply_p.bind
_hooks.sum_to_shape = shape.sum_to_shape
_hooks.zeros = _zeros
_hooks.zeros_like = creation.zeros_like
_hooks.ones_like = creation.ones_like
_hooks.stack = lambda xs: shape.stack(xs, 0)
_hooks.concat = lambda xs, axis: shape.concat(xs, axis)
_hooks.scatter_rows = index.scatter_rows
_hooks.reshape = lambda x, s: shape.reshape_p.bind(x, shape=tuple(s)) if x.shape != tuple(s) else x
_hooks.transpose = lambda x, perm: shape.transpose_p.bind(x, perm=tuple(perm))
_hooks.broadcast_to = lambda x, s: shape.broadcast_to_p.bind(x, shape=tuple(s))
_hooks.cast = creation.cast
_hooks.reduce_sum = lambda x, axis: reduce.reduce_sum(x, axis)
_hooks.convert_dense = _dense
_tensor._pack_hook = lambda values: shape.stack([
    v if isinstance(v, _Tensor) else _tensor.convert_to_tensor(v) for v in values
])
_operators.install()
