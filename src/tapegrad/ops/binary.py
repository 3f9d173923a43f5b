"""Binary elementwise ops with NumPy broadcasting.

Rules return cotangents of the broadcast (output) shape; backprop sums them
back to each input's shape, so no rule here unbroadcasts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.primitive import Primitive
from .._core.tensor import Tensor, convert_to_tensor
from ._helpers import nondifferentiable

__all__ = [
    "add",
    "subtract",
    "multiply",
    "divide",
    "truediv",
    "pow",
    "negative",
    "equal",
    "not_equal",
    "less",
    "less_equal",
    "greater",
    "greater_equal",
]


def _plus(a, b):
    """Sum of two optional tangents."""
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _neg(t):
    return None if t is None else negative_p.bind(t)


add_p = Primitive(
    "add",
    np.add,
    vjps=(lambda g, ans, x, y: g, lambda g, ans, x, y: g),
    jvp=lambda t, ans, x, y: _plus(t[0], t[1]),
    save_inputs=(),
)

subtract_p = Primitive(
    "subtract",
    np.subtract,
    vjps=(lambda g, ans, x, y: g, lambda g, ans, x, y: negative_p.bind(g)),
    jvp=lambda t, ans, x, y: _plus(t[0], _neg(t[1])),
    save_inputs=(),
    dtypes="fciu",
)


def _mul_jvp(t, ans, x, y):
    return _plus(None if t[0] is None else t[0] * y, None if t[1] is None else x * t[1])


multiply_p = Primitive(
    "multiply",
    np.multiply,
    vjps=(lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x),
    jvp=_mul_jvp,
)


def _div_vjp_y(g, ans, x, y):
    return g * ((-x / y) / y)  # TensorFlow's form


def _div_jvp(t, ans, x, y):
    tx = None if t[0] is None else t[0] / y
    ty = None if t[1] is None else t[1] * ((-x / y) / y)
    return _plus(tx, ty)


divide_p = Primitive(
    "divide",
    np.true_divide,
    vjps=(lambda g, ans, x, y: g / y, _div_vjp_y),
    jvp=_div_jvp,
    dtypes="fc",
)

negative_p = Primitive(
    "negative",
    np.negative,
    vjps=(lambda g, ans, x: negative_p.bind(g),),
    jvp=lambda t, ans, x: negative_p.bind(t[0]),
    save_inputs=(),
    dtypes="fci",
)


def _safe_log(x):
    """log(x) where x > 0, else 0: TensorFlow's choice for d(x**y)/dy."""
    from .index import where as _where
    from .unary import log_p

    positive = greater_p.bind(x, 0)
    return _where(positive, log_p.bind(_where(positive, x, 1)), 0)


def _pow_vjp_x(g, ans, x, y):
    return g * y * pow_p.bind(x, y - 1)


def _pow_vjp_y(g, ans, x, y):
    return g * ans * _safe_log(x)


def _pow_jvp(t, ans, x, y):
    tx = None if t[0] is None else t[0] * y * pow_p.bind(x, y - 1)
    ty = None if t[1] is None else t[1] * ans * _safe_log(x)
    return _plus(tx, ty)


def _pow_impl(x, y):
    if x.dtype.kind in "iu" and np.any(np.asarray(y) < 0):
        raise ValueError("pow: integers to negative integer powers are not allowed.")
    return np.power(x, y)


pow_p = Primitive("pow", _pow_impl, vjps=(_pow_vjp_x, _pow_vjp_y), jvp=_pow_jvp, save_ans=True)


# --- public functions ---------------------------------------------------------------
def add(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x + y`` elementwise, with broadcasting.

    >>> import tapegrad as tg
    >>> tg.add([1.0, 2.0], 1.0).numpy().tolist()
    [2.0, 3.0]
    """
    return add_p.bind(x, y)


def subtract(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x - y`` elementwise.

    >>> import tapegrad as tg
    >>> tg.subtract(3.0, 1.0).numpy()
    np.float32(2.0)
    """
    return subtract_p.bind(x, y)


def multiply(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x * y`` elementwise.

    >>> import tapegrad as tg
    >>> tg.multiply(2.0, 3.0).numpy()
    np.float32(6.0)
    """
    return multiply_p.bind(x, y)


_TRUEDIV_FLOAT = {1: np.dtype("float32"), 2: np.dtype("float32"), 4: np.dtype("float64"),
                  8: np.dtype("float64")}


def divide(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x / y``; integer tensors are divided as floats (TensorFlow's truediv).

    >>> import tapegrad as tg
    >>> tg.divide(tg.constant([3]), tg.constant([2])).numpy().tolist()
    [1.5]
    """
    if isinstance(x, Tensor) and x.dtype.kind in "iu" or (
        not isinstance(x, Tensor) and isinstance(y, Tensor) and y.dtype.kind in "iu"
    ):
        from .creation import cast

        ref = x if isinstance(x, Tensor) else y
        target = _TRUEDIV_FLOAT[ref.dtype.itemsize]
        x = cast(convert_to_tensor(x, dtype=ref.dtype), target)
        y = cast(convert_to_tensor(y, dtype=ref.dtype), target)
    return divide_p.bind(x, y)


truediv = divide


def negative(x: Any, name: Any = None) -> Tensor:
    """``-x`` elementwise.

    >>> import tapegrad as tg
    >>> tg.negative(2.0).numpy()
    np.float32(-2.0)
    """
    return negative_p.bind(x)


def pow(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x ** y`` elementwise; d/dy uses log(x) where x > 0 and 0 elsewhere, as TensorFlow.

    >>> import tapegrad as tg
    >>> tg.pow(2.0, 3.0).numpy()
    np.float32(8.0)
    """
    return pow_p.bind(x, y)


# --- comparisons (no gradient) ----------------------------------------------------------
equal_p = nondifferentiable("equal", np.equal)
not_equal_p = nondifferentiable("not_equal", np.not_equal)
less_p = nondifferentiable("less", np.less)
less_equal_p = nondifferentiable("less_equal", np.less_equal)
greater_p = nondifferentiable("greater", np.greater)
greater_equal_p = nondifferentiable("greater_equal", np.greater_equal)


def equal(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x == y`` elementwise (bool tensor).

    >>> import tapegrad as tg
    >>> tg.equal([1, 2], 2).numpy().tolist()
    [False, True]
    """
    return equal_p.bind(x, y)


def not_equal(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x != y`` elementwise (bool tensor).

    >>> import tapegrad as tg
    >>> tg.not_equal([1, 2], 2).numpy().tolist()
    [True, False]
    """
    return not_equal_p.bind(x, y)


def less(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x < y`` elementwise.

    >>> import tapegrad as tg
    >>> tg.less([1, 2], 2).numpy().tolist()
    [True, False]
    """
    return less_p.bind(x, y)


def less_equal(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x <= y`` elementwise.

    >>> import tapegrad as tg
    >>> tg.less_equal([1, 2], 2).numpy().tolist()
    [True, True]
    """
    return less_equal_p.bind(x, y)


def greater(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x > y`` elementwise.

    >>> import tapegrad as tg
    >>> tg.greater([1, 3], 2).numpy().tolist()
    [False, True]
    """
    return greater_p.bind(x, y)


def greater_equal(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x >= y`` elementwise.

    >>> import tapegrad as tg
    >>> tg.greater_equal([1, 2], 2).numpy().tolist()
    [False, True]
    """
    return greater_equal_p.bind(x, y)


# --- floor division and modulo ------------------------------------------------------------
floordiv_p = nondifferentiable("floordiv", np.floor_divide, dtypes="fiu")


def _floormod_vjp_y(g, ans, x, y):
    return -g * floordiv_p.bind(x, y)


floormod_p = Primitive(
    "floormod",
    np.mod,
    vjps=(lambda g, ans, x, y: g, _floormod_vjp_y),
    jvp=lambda t, ans, x, y: _plus(t[0], None if t[1] is None else -t[1] * floordiv_p.bind(x, y)),
    dtypes="fiu",
)


def floordiv(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x // y`` elementwise (rounds toward -inf; no gradient, as TensorFlow).

    >>> import tapegrad as tg
    >>> tg.math.floordiv(7, 2).numpy()
    np.int32(3)
    """
    return floordiv_p.bind(x, y)


def floormod(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x % y`` elementwise with the sign of ``y`` (Python's and TensorFlow's rule).

    >>> import tapegrad as tg
    >>> tg.math.floormod(-7, 3).numpy()
    np.int32(2)
    """
    return floormod_p.bind(x, y)


mod = floormod
__all__ += ["floordiv", "floormod", "mod"]
