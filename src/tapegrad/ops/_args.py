"""Integer arguments of the ops (shapes, axes, counts), checked as TensorFlow checks them."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.tensor import Tensor

__all__ = ["int_arg", "ints_arg"]


def int_arg(value: Any, op: str, arg: str, whole: Any = None) -> int:
    """One Python int from an int, a NumPy int or a scalar integer tensor (TypeError otherwise).

    As in TensorFlow, ``2.0``, ``True`` or ``"2"`` are not integers: nothing is truncated.
    """
    if isinstance(value, Tensor):
        value = value._value
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if whole is None:
        what = f"must be an integer, got {value!r} (a {type(value).__name__})"
    elif isinstance(value, (list, tuple, np.ndarray)):
        raise InvalidArgumentError(
            f"{op}: {arg} must be a list of integers (rank 1), got {whole!r}."
        )
    else:
        what = f"must be integers, got {whole!r}, where {value!r} is a {type(value).__name__}"
    raise TypeError(f"{op}: {arg} {what}. Pass ints (round or cast a float explicitly).")


def ints_arg(value: Any, op: str, arg: str) -> list:
    """A list of Python ints from an int, a list or tuple of them, an array or integer tensor."""
    if isinstance(value, Tensor):
        value = value._value
    if isinstance(value, (list, tuple, range)):
        return [int_arg(v, op, arg, value) for v in value]
    if isinstance(value, np.ndarray) and value.ndim:
        if value.ndim > 1:
            raise InvalidArgumentError(
                f"{op}: {arg} must be a list of integers (rank 1), got an array of shape "
                f"{value.shape}."
            )
        if value.size and value.dtype.kind not in "iu":
            raise TypeError(
                f"{op}: {arg} must be integers, got {value!r} (dtype {value.dtype.name}). "
                "Cast it first, e.g. tapegrad.cast(x, tapegrad.int32)."
            )
        return [int(v) for v in value]
    return [int_arg(value, op, arg)]
