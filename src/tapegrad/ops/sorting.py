"""Sorting: ``sort`` (differentiable: the gradient goes back to each value's position) and
``argsort`` (no gradient).

TensorFlow's sorts are stable in both directions: equal values keep their order.
``sort`` binds the sorting permutation and its inverse as parameters, so its VJP
is the inverse permutation and its JVP the same permutation, on any leading
batch dimensions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.primitive import Primitive
from .._core.tensor import Tensor
from ._args import read_values
from ._namespace import numpy_only
from ._rules import linear, nondifferentiable, normalize_axis
from .index import _params

__all__ = ["sort", "argsort"]


def _sort_order(x: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """TensorFlow's (stable) sorting permutation along ``axis``; ties keep index order."""
    if not descending:
        return np.argsort(x, axis=axis, kind="stable")
    n = x.shape[axis]
    # A stable ascending sort of the reversed axis, read backwards, is a stable descending sort.
    return (n - 1) - np.flip(np.argsort(np.flip(x, axis), axis=axis, kind="stable"), axis)


def _sort_args(values: Any, axis: Any, direction: Any, op: str) -> tuple:
    x = _params(values)
    if x.dtype.kind not in "fiu":
        raise TypeError(f"{op}: values must be real numbers, got dtype {x.dtype.name}.")
    if direction not in ("ASCENDING", "DESCENDING"):
        raise InvalidArgumentError(
            f"{op}: direction should be one of ASCENDING, DESCENDING; got {direction!r}."
        )
    if x.ndim == 0:
        raise InvalidArgumentError(f"{op}: values must have rank >= 1, got a scalar.")
    if isinstance(axis, Tensor):
        axis = read_values(axis)
    a = normalize_axis(axis, x.ndim, op)
    return x, a


def _permute_impl(x, perm, inverse, axis):
    p = perm.reshape((1,) * (x.ndim - perm.ndim) + perm.shape)
    return np.take_along_axis(x, p, axis)


def _unpermute_impl(x, perm, inverse, axis):
    p = inverse.reshape((1,) * (x.ndim - inverse.ndim) + inverse.shape)
    return np.take_along_axis(x, p, axis)


sort_p: Primitive = linear("sort", _permute_impl, vjps=(
    lambda g, ans, x, perm, inverse, axis: unsort_p.bind(g, perm=perm, inverse=inverse, axis=axis),
))
unsort_p: Primitive = linear("unsort", _unpermute_impl, vjps=(
    lambda g, ans, x, perm, inverse, axis: sort_p.bind(g, perm=perm, inverse=inverse, axis=axis),
))


def sort(values: Any, axis: int = -1, direction: str = "ASCENDING", name: Any = None) -> Tensor:
    """Sort along ``axis`` (``tf.sort``); the gradient goes back to each value's position.

    Equal values keep their order (TensorFlow's sort is stable in both directions).

    Args:
        values: A real tensor of rank >= 1.
        axis: The axis to sort along (default -1).
        direction: "ASCENDING" or "DESCENDING".
        name: Ignored.

    Returns:
        The sorted tensor.

    >>> import tapegrad as tg
    >>> tg.sort(tg.constant([3.0, 1.0, 2.0]), direction="DESCENDING").numpy().tolist()
    [3.0, 2.0, 1.0]
    """
    x, a = _sort_args(values, axis, direction, "sort")
    numpy_only("sort", x._value)
    # The permutation and its inverse come from ops (argsort of x, then of the permutation),
    # so that a compiled function computes them on each call.
    perm = argsort_p.bind(x, axis=a, descending=direction == "DESCENDING")
    inverse = argsort_p.bind(perm, axis=a, descending=False)
    return sort_p.bind(x, perm=perm._value, inverse=inverse._value, axis=a)


def _argsort_impl(x, axis, descending):
    numpy_only("argsort", x)
    return _sort_order(x, axis, descending).astype(np.int32)


argsort_p: Primitive = nondifferentiable("argsort", _argsort_impl, dtypes="fiu")


def argsort(
    values: Any,
    axis: int = -1,
    direction: str = "ASCENDING",
    stable: bool = False,
    name: Any = None,
) -> Tensor:
    """The int32 indices that sort ``values`` along ``axis`` (``tf.argsort``); no gradient.

    The sort is always stable (``stable`` is accepted for compatibility), as TensorFlow's.

    Args:
        values: A real tensor of rank >= 1.
        axis: The axis to sort along (default -1).
        direction: "ASCENDING" or "DESCENDING".
        stable: Accepted; ties always keep their order.
        name: Ignored.

    Returns:
        An int32 tensor of ``values``' shape.

    >>> import tapegrad as tg
    >>> tg.argsort(tg.constant([3.0, 1.0, 2.0])).numpy().tolist()
    [1, 2, 0]
    """
    x, a = _sort_args(values, axis, direction, "argsort")
    return argsort_p.bind(x, axis=a, descending=direction == "DESCENDING")
