"""Integer arguments of the ops (shapes, axes, counts), checked as TensorFlow checks them."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.engine_ops import ops
from .._core.errors import InvalidArgumentError
from .._core.state import engine
from .._core.tensor import Tensor, _read_out

__all__ = ["int_arg", "ints_arg", "read_values"]


def read_values(value: Any) -> Any:
    """``value``'s array, for a wrapper that computes with it in NumPy (a shape, a mask's rows).

    A compiled function checks these values on every call (a guard) and traces again
    when they differ, so no value read here is kept as a constant of the trace.
    """
    if isinstance(value, Tensor):
        engine.active and _read_out(value, "values()", False)
        array = ops.to_numpy(value._value)  # (as ``.numpy()``: a NumPy scalar for 0-d)
        return array[()] if array.ndim == 0 else array
    return value


def int_arg(value: Any, op: str, arg: str, whole: Any = None) -> int:
    """One Python int from an int, a NumPy int or a scalar integer tensor (TypeError otherwise).

    As in TensorFlow, ``2.0``, ``True`` or ``"2"`` are not integers: nothing is truncated.
    A tensor's value is read with ``int()``, which a compiled function checks on every call.
    """
    if isinstance(value, Tensor):
        if value.ndim == 0 and value.dtype.kind in "iu":
            return int(value)
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
    """A list of Python ints from an int, a list or tuple of them, an array or integer tensor.

    A tensor's values are read as Python ints, which a compiled function checks on every call.
    """
    if isinstance(value, Tensor):
        if value.ndim == 1 and value.dtype.kind in "iu":
            engine.active and _read_out(value, "values()", False)
            return [int(v) for v in value._value]
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
