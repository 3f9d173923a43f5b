"""Binary elementwise math whose rules need the unary ops: powers, floor division and
modulo, ``atan2``, ``xlogy``, ``xdivy``, and the bitwise ops.

Rules use TensorFlow's formulas (so its values at zeros and poles, and ``conj`` of
the partial derivatives for complex inputs): ``pow``'s ``d/dy`` is ``x**y * log(x)``
where ``x > 0`` and 0 elsewhere; ``xlogy`` and ``xdivy`` are 0 (with 0 gradients)
where ``x == 0``. ``floordiv`` and the bitwise ops have no gradient (None).

The arithmetic ops (``add`` ... ``divide_no_nan``, comparisons, logic) live in
arithmetic.py and are importable from here too, as ``tapegrad.math`` lists them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.primitive import ANS, Primitive
from .._core.tensor import Tensor
from ._namespace import is_numpy, namespace, numpy_dtype, ufunc
from ._rules import conj as _conj
from ._rules import nondifferentiable
from .arithmetic import (  # noqa: F401  (re-exported: the elementwise family in one place)
    add,
    add_p,
    clip_by_value,
    div_no_nan_p,
    divide,
    divide_no_nan,
    divide_p,
    equal,
    equal_p,
    greater,
    greater_equal,
    greater_equal_p,
    greater_p,
    less,
    less_equal,
    less_equal_p,
    less_p,
    logical_and,
    logical_and_p,
    logical_or,
    logical_or_p,
    logical_xor,
    logical_xor_p,
    maximum,
    maximum_p,
    minimum,
    minimum_p,
    multiply,
    multiply_p,
    negative,
    negative_p,
    not_equal,
    not_equal_p,
    squared_difference,
    squared_difference_p,
    subtract,
    subtract_p,
    truediv,
    where_p,
    zero_where,
)
from .casting import cast
from .unary import log_p, square_p

__all__ = [
    "add",
    "subtract",
    "multiply",
    "divide",
    "truediv",
    "floordiv",
    "floormod",
    "mod",
    "pow",
    "negative",
    "maximum",
    "minimum",
    "clip_by_value",
    "squared_difference",
    "atan2",
    "xlogy",
    "xdivy",
    "divide_no_nan",
    "equal",
    "not_equal",
    "less",
    "less_equal",
    "greater",
    "greater_equal",
    "logical_and",
    "logical_or",
    "logical_xor",
]


# --- powers ----------------------------------------------------------------------------------
def _pow_impl(x, y):
    if numpy_dtype(x).kind in "iu" and bool(namespace(y).any(y < 0)):
        raise InvalidArgumentError("pow: integers to negative integer powers are not allowed.")
    if is_numpy(x) and is_numpy(y):
        return np.power(x, y)
    return namespace(x, y).pow(x, y)


def _safe_log(x):
    """log(x) where x > 0 (complex: x != 0), else 0: TensorFlow's choice for d(x**y)/dy."""
    usable = (not_equal_p if x.dtype.kind == "c" else greater_p).bind(x, 0)._value
    return where_p.bind(log_p.bind(where_p.bind(x, 1, condition=usable)), 0, condition=usable)


def _pow_dx(x, y):
    return y * pow_p.bind(x, y - 1)


pow_p: Primitive = Primitive(
    "pow",
    _pow_impl,
    vjps=(lambda g, ans, x, y: g * _conj(y) * pow_p.bind(_conj(x), _conj(y) - 1),
          lambda g, ans, x, y: g * _conj(ans) * _safe_log(_conj(x))),
    jvps=(lambda t, ans, x, y: t * _pow_dx(x, y),
          lambda t, ans, x, y: t * (ans * _safe_log(x))),
    reads=((0, 1), (0, ANS)),
    dtypes="fci",
)


def pow(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x ** y``; ``d/dy`` is ``x**y * log(x)`` where ``x > 0`` and 0 elsewhere (TensorFlow).

    Integer tensors to negative integer powers raise ValueError.

    >>> import tapegrad as tg
    >>> tg.pow(2.0, 3.0).numpy()
    np.float32(8.0)
    """
    return pow_p.bind(x, y)


# --- floor division and modulo ---------------------------------------------------------------
def _check_int_divisor(y, op):
    if numpy_dtype(y).kind in "iu" and bool(namespace(y).any(y == 0)):
        raise InvalidArgumentError(
            f"{op}: integer division by zero (divisor of dtype {y.dtype.name})."
        )


def _floordiv_impl(x, y):
    _check_int_divisor(y, "floordiv")
    xp = namespace(x, y)
    if numpy_dtype(x).kind == "f":
        return xp.floor(x / y)  # TensorFlow's float FloorDiv (np.floor_divide differs at edges)
    return xp.floor_divide(x, y)


floordiv_p: Primitive = nondifferentiable("floordiv", _floordiv_impl, dtypes="fiu")


def floordiv(x: Any, y: Any, name: Any = None) -> Tensor:
    """``floor(x / y)`` elementwise (rounds toward -inf); no gradient (None), as TensorFlow.

    Integer division by zero raises ValueError (TensorFlow raises too).

    >>> import tapegrad as tg
    >>> tg.math.floordiv(-7, 2).numpy()
    np.int32(-4)
    """
    return floordiv_p.bind(x, y)


def _floormod_impl(x, y):
    _check_int_divisor(y, "floormod")
    if x.dtype.kind in "iu":
        return np.mod(x, y)
    r = np.fmod(x, y)  # TensorFlow's float FloorMod: fmod, moved to y's sign
    return np.where((r != 0) & ((y < 0) != (r < 0)), r + y, r)


def _mod_dy(x, y):
    return -floordiv_p.bind(x, y)


floormod_p: Primitive = Primitive(
    "floormod",
    _floormod_impl,
    vjps=(lambda g, ans, x, y: g, lambda g, ans, x, y: g * _mod_dy(x, y)),
    jvps=(lambda t, ans, x, y: t, lambda t, ans, x, y: t * _mod_dy(x, y)),
    reads=((), (0, 1)),
    dtypes="fiu",
)


def floormod(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x - floordiv(x, y) * y``: the remainder with the sign of ``y`` (Python's rule).

    Gradients as TensorFlow: 1 for ``x``, ``-floordiv(x, y)`` for ``y``.

    >>> import tapegrad as tg
    >>> tg.math.floormod(-7, 3).numpy()
    np.int32(2)
    """
    return floormod_p.bind(x, y)


mod = floormod


# --- atan2 ------------------------------------------------------------------------------------
def _atan2_scale(g, y, x):
    return g / (square_p.bind(y) + square_p.bind(x))


atan2_p: Primitive = Primitive(  # inputs (y, x), as TensorFlow's atan2(y, x)
    "atan2",
    ufunc(np.arctan2),
    vjps=(lambda g, ans, y, x: x * _atan2_scale(g, y, x),
          lambda g, ans, y, x: -y * _atan2_scale(g, y, x)),
    jvps=(lambda t, ans, y, x: _atan2_scale(x * t, y, x),
          lambda t, ans, y, x: _atan2_scale(-y * t, y, x)),
    reads=((0, 1), (0, 1)),
    dtypes="f",
)


def atan2(y: Any, x: Any, name: Any = None) -> Tensor:
    """The angle of the point ``(x, y)``: ``atan(y / x)`` in the right quadrant.

    >>> import tapegrad as tg
    >>> tg.atan2(1.0, 1.0).numpy()
    np.float32(0.7853981)
    """
    return atan2_p.bind(y, x)


# --- x*log(y) and x/y: 0 where x == 0, gradients too ------------------------------------------
def _xlogy_impl(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return zero_where(x == 0, x * namespace(x, y).log(y))


def _xdivy_impl(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return zero_where(x == 0, x / y)


def _nonzero(x):
    return cast(not_equal_p.bind(x, 0), x.dtype)


def _xlogy_dx(x, y):
    return xlogy_p.bind(_nonzero(x), y)


def _xdivy_dx(x, y):
    return xdivy_p.bind(_nonzero(x), y)


def _xdivy_dy(x, y):
    return xdivy_p.bind(-x, square_p.bind(y))


xlogy_p: Primitive = Primitive(
    "xlogy",
    _xlogy_impl,
    vjps=(lambda g, ans, x, y: _xlogy_dx(x, y) * g, lambda g, ans, x, y: xdivy_p.bind(x, y) * g),
    jvps=(lambda t, ans, x, y: _xlogy_dx(x, y) * t, lambda t, ans, x, y: xdivy_p.bind(x, y) * t),
    reads=((0, 1), (0, 1)),
    dtypes="fc",
)


def xlogy(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x * log(y)``, and 0 where ``x == 0`` (whatever ``y``); gradients 0 there too.

    >>> import tapegrad as tg
    >>> tg.math.xlogy(tg.constant([0.0, 1.0]), tg.constant([0.0, 1.0])).numpy().tolist()
    [0.0, 0.0]
    """
    return xlogy_p.bind(x, y)


xdivy_p: Primitive = Primitive(
    "xdivy",
    _xdivy_impl,
    vjps=(lambda g, ans, x, y: _xdivy_dx(x, y) * g, lambda g, ans, x, y: _xdivy_dy(x, y) * g),
    jvps=(lambda t, ans, x, y: _xdivy_dx(x, y) * t, lambda t, ans, x, y: _xdivy_dy(x, y) * t),
    reads=((0, 1), (0, 1)),
    dtypes="fc",
)


def xdivy(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x / y``, and 0 where ``x == 0`` (whatever ``y``).

    >>> import tapegrad as tg
    >>> tg.math.xdivy(tg.constant([0.0, 1.0]), tg.constant([0.0, 2.0])).numpy().tolist()
    [0.0, 0.5]
    """
    return xdivy_p.bind(x, y)


# --- bitwise ops on integer tensors: only the operators & | ^ ~ use them (as TensorFlow's do) ---
bitwise_and_p: Primitive = nondifferentiable("bitwise_and", ufunc(np.bitwise_and), dtypes="iu")
bitwise_or_p: Primitive = nondifferentiable("bitwise_or", ufunc(np.bitwise_or), dtypes="iu")
bitwise_xor_p: Primitive = nondifferentiable("bitwise_xor", ufunc(np.bitwise_xor), dtypes="iu")
invert_p: Primitive = nondifferentiable("invert", ufunc(np.invert), dtypes="iu")
