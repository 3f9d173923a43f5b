"""Python operators on Tensor, each calling the public op (one dispatch path).

As in TensorFlow: ``/`` is true division (integer tensors give floats), ``//`` and
``%`` are floor division and floor modulo, ``& | ^ ~`` are logical ops on bool
tensors and bitwise ops on integer tensors, ``==``/``!=`` are elementwise but give
a scalar False/True when the shapes cannot broadcast, and reflected operators
convert the Python (or NumPy) operand to the tensor's dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.tensor import Tensor, convert_to_tensor
from . import arithmetic, binary, index, linalg, unary


def _compare(prim, self: Tensor, other: Any, unequal: bool) -> Any:
    """``==``/``!=`` as TensorFlow: convert (TypeError), check dtypes (TypeError), and give a
    scalar ``unequal`` when the shapes cannot broadcast."""
    if other is None:
        return unequal
    if not isinstance(other, Tensor):
        other = convert_to_tensor(other, dtype=self.dtype)
    if other.dtype == self.dtype:
        try:
            np.broadcast_shapes(self.shape, other.shape)
        except ValueError:
            return Tensor._wrap(np.bool_(unequal))
    return prim.bind(self, other)


def _eq(self: Tensor, other: Any) -> Any:
    return _compare(arithmetic.equal_p, self, other, False)


def _ne(self: Tensor, other: Any) -> Any:
    return _compare(arithmetic.not_equal_p, self, other, True)


def _logic(logical, bitwise):
    """``x op y``: the logical op for bool tensors, the bitwise op for integer ones."""

    def apply(x: Any, y: Any, tensor: Tensor) -> Tensor:
        return (logical if tensor.dtype.kind == "b" else bitwise).bind(x, y)

    return apply


_and = _logic(arithmetic.logical_and_p, binary.bitwise_and_p)
_or = _logic(arithmetic.logical_or_p, binary.bitwise_or_p)
_xor = _logic(arithmetic.logical_xor_p, binary.bitwise_xor_p)


def _invert(self: Tensor) -> Tensor:
    return (unary.logical_not_p if self.dtype.kind == "b" else binary.invert_p).bind(self)


OPERATORS = {
    "__add__": lambda self, other: arithmetic.add_p.bind(self, other),
    "__radd__": lambda self, other: arithmetic.add_p.bind(other, self),
    "__sub__": lambda self, other: arithmetic.subtract_p.bind(self, other),
    "__rsub__": lambda self, other: arithmetic.subtract_p.bind(other, self),
    "__mul__": lambda self, other: arithmetic.multiply_p.bind(self, other),
    "__rmul__": lambda self, other: arithmetic.multiply_p.bind(other, self),
    "__truediv__": lambda self, other: arithmetic.divide(self, other),
    "__rtruediv__": lambda self, other: arithmetic.divide(other, self),
    "__floordiv__": lambda self, other: binary.floordiv_p.bind(self, other),
    "__rfloordiv__": lambda self, other: binary.floordiv_p.bind(other, self),
    "__mod__": lambda self, other: binary.floormod_p.bind(self, other),
    "__rmod__": lambda self, other: binary.floormod_p.bind(other, self),
    "__pow__": lambda self, other: binary.pow_p.bind(self, other),
    "__rpow__": lambda self, other: binary.pow_p.bind(other, self),
    "__matmul__": lambda self, other: linalg.matmul(self, other),
    "__rmatmul__": lambda self, other: linalg.matmul(other, self),
    "__and__": lambda self, other: _and(self, other, self),
    "__rand__": lambda self, other: _and(other, self, self),
    "__or__": lambda self, other: _or(self, other, self),
    "__ror__": lambda self, other: _or(other, self, self),
    "__xor__": lambda self, other: _xor(self, other, self),
    "__rxor__": lambda self, other: _xor(other, self, self),
    "__invert__": _invert,
    "__neg__": lambda self: arithmetic.negative_p.bind(self),
    "__abs__": lambda self: unary.abs(self),
    "__lt__": lambda self, other: arithmetic.less_p.bind(self, other),
    "__le__": lambda self, other: arithmetic.less_equal_p.bind(self, other),
    "__gt__": lambda self, other: arithmetic.greater_p.bind(self, other),
    "__ge__": lambda self, other: arithmetic.greater_equal_p.bind(self, other),
    "__eq__": _eq,
    "__ne__": _ne,
    "__getitem__": lambda self, key: index.getitem(self, key),
}


def install() -> None:
    """Attach the operators to Tensor (and so to Variable)."""
    for name, fn in OPERATORS.items():
        setattr(Tensor, name, fn)
