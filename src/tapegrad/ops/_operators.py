"""Python operators on Tensor, each calling the public op (one dispatch path)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.tensor import Tensor
from . import binary, index, linalg, unary


def _eq(self: Tensor, other: Any) -> Any:
    if other is None:
        return False
    try:
        return binary.equal_p.bind(self, other)
    except (ValueError, TypeError):
        return Tensor._wrap(np.bool_(False))  # TensorFlow: incompatible shapes are unequal


def _ne(self: Tensor, other: Any) -> Any:
    if other is None:
        return True
    try:
        return binary.not_equal_p.bind(self, other)
    except (ValueError, TypeError):
        return Tensor._wrap(np.bool_(True))


def _matmul(a: Any, b: Any) -> Tensor:
    return linalg.matmul(a, b)


OPERATORS = {
    "__add__": lambda self, other: binary.add_p.bind(self, other),
    "__radd__": lambda self, other: binary.add_p.bind(other, self),
    "__sub__": lambda self, other: binary.subtract_p.bind(self, other),
    "__rsub__": lambda self, other: binary.subtract_p.bind(other, self),
    "__mul__": lambda self, other: binary.multiply_p.bind(self, other),
    "__rmul__": lambda self, other: binary.multiply_p.bind(other, self),
    "__truediv__": lambda self, other: binary.divide(self, other),
    "__rtruediv__": lambda self, other: binary.divide(other, self),
    "__floordiv__": lambda self, other: binary.floordiv_p.bind(self, other),
    "__rfloordiv__": lambda self, other: binary.floordiv_p.bind(other, self),
    "__mod__": lambda self, other: binary.floormod_p.bind(self, other),
    "__rmod__": lambda self, other: binary.floormod_p.bind(other, self),
    "__pow__": lambda self, other: binary.pow_p.bind(self, other),
    "__rpow__": lambda self, other: binary.pow_p.bind(other, self),
    "__matmul__": lambda self, other: _matmul(self, other),
    "__rmatmul__": lambda self, other: _matmul(other, self),
    "__neg__": lambda self: binary.negative_p.bind(self),
    "__abs__": lambda self: unary.abs(self),
    "__lt__": lambda self, other: binary.less_p.bind(self, other),
    "__le__": lambda self, other: binary.less_equal_p.bind(self, other),
    "__gt__": lambda self, other: binary.greater_p.bind(self, other),
    "__ge__": lambda self, other: binary.greater_equal_p.bind(self, other),
    "__eq__": _eq,
    "__ne__": _ne,
    "__getitem__": lambda self, key: index.getitem(self, key),
}


def install() -> None:
    """Attach the operators to Tensor (and so to Variable)."""
    for name, fn in OPERATORS.items():
        setattr(Tensor, name, fn)
