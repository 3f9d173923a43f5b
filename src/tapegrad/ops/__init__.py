"""The op library: one module per family, each op's forward and rules together.

Importing this package installs the Tensor operators and the few ops the
engine needs for itself (accumulating, unbroadcasting, seeding).
"""

from __future__ import annotations

import numpy as np

from .._core import engine_ops
from .._core.tensor import Tensor as _Tensor
from .._core.tensor import convert_to_tensor
from . import (
    _namespace,
    _operators,
    _rules,
    binary,
    casting,
    conv,
    creation,
    embedding,
    index,
    linalg,
    nn,
    random,
    reduce,
    shape,
    slicing,
    sorting,
    unary,
)

__all__ = [
    "binary", "conv", "creation", "embedding", "index", "linalg", "nn", "random", "reduce",
    "shape", "slicing", "sorting", "unary",
]


def _zeros(dims, dtype, like=None):
    """Zeros of ``dims``, in the array library of the tensor (or IndexedSlices) ``like``."""
    like = getattr(like, "values", like)
    if like is None or _namespace.is_numpy(like._value):
        return _Tensor._wrap(np.zeros(dims, dtype))
    xp = _namespace.namespace(like._value)
    return _Tensor._wrap(xp.zeros(dims, dtype=_namespace.dtype_for(xp, dtype),
                                  device=_namespace.device_of(like._value)))


def _reshape(x, dims):
    dims = tuple(dims)
    return x if _rules.shape_of(x) == dims else shape.reshape_p.bind(x, shape=dims)  # (engine)


def _pack(values):
    return shape.stack([v if isinstance(v, _Tensor) else convert_to_tensor(v) for v in values])


engine_ops.provide(
    add=binary.add_p.bind,
    multiply=binary.multiply_p.bind,
    reduce_sum=lambda x, axis: reduce.reduce_sum(x, axis),
    sum_to_shape=shape.sum_to_shape,
    zeros=_zeros,
    zeros_like=creation.zeros_like,
    ones_like=creation.ones_like,
    stack=lambda xs: shape.stack(xs, 0),
    concat=lambda xs, axis: shape.concat(xs, axis),
    reshape=_reshape,
    transpose=lambda x, perm: shape.transpose_p.bind(x, perm=tuple(perm)),
    broadcast_to=lambda x, s: shape.broadcast_to_p.bind(x, shape=tuple(s)),
    cast=casting.cast,
    conj=_rules.conj,
    real=casting.real_part,
    scatter_rows=shape.scatter_rows,
    pack=_pack,
    to_numpy=_namespace.to_numpy,
    numpy_dtype=_namespace.numpy_dtype,
    other_library=_namespace.other_library,
)
_operators.install()
