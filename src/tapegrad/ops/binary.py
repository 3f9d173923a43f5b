"""Binary elementwise ops with NumPy broadcasting: arithmetic, extrema, safe division,
comparisons and logic.

Rules, one line each where possible, use TensorFlow's formulas (so its values at
ties, zeros and poles, and ``conj`` of the partial derivatives for complex inputs):
``maximum`` gives a tie's gradient to ``x``, ``minimum`` too; ``pow``'s ``d/dy`` is
``x**y * log(x)`` where ``x > 0`` and 0 elsewhere; ``xlogy``, ``xdivy`` and
``divide_no_nan`` are 0 (with 0 gradients) where TensorFlow says so.

VJP rules return cotangents of the broadcast (output) shape; backprop sums them back
to each input's shape, so no rule here unbroadcasts. In batched forward mode the
engine pads a lower-rank input's tangent after its batch dimensions, so the JVP
rules broadcast as the op does. Comparisons, logic, ``floordiv`` and bitwise ops
have no gradient (None).
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .._core.indexed_slices import IndexedSlices
from .._core.primitive import Primitive
from .._core.tensor import Tensor, convert_to_tensor
from . import creation as _creation
from . import index as _index
from . import unary as _unary
from ._helpers import add_tangents as _plus
from ._helpers import conj as _conj
from ._helpers import nondifferentiable

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


# --- tangent plumbing -----------------------------------------------------------------------
def _neg(t):
    return None if t is None else negative_p.bind(t)


def _select(mask, a, b):
    """``where(mask, a, b)`` for optional tangents (None counts as zero)."""
    if a is None and b is None:
        return None
    return _index.where(mask, 0 if a is None else a, 0 if b is None else b)


# --- arithmetic -----------------------------------------------------------------------------
# The arithmetic primitives call Python's operators rather than the ufuncs: the same
# computation for arrays, and NumPy's scalar fast path (10x cheaper) for 0-d values.
add_p: Primitive = Primitive(
    "add",
    operator.add,
    vjps=(lambda g, ans, x, y: g, lambda g, ans, x, y: g),
    jvp=lambda t, ans, x, y: _plus(t[0], t[1]),
    save_inputs=(),
    dtypes="fciu",
)
subtract_p: Primitive = Primitive(
    "subtract",
    operator.sub,
    vjps=(lambda g, ans, x, y: g, lambda g, ans, x, y: negative_p.bind(g)),
    jvp=lambda t, ans, x, y: _plus(t[0], _neg(t[1])),
    save_inputs=(),
    dtypes="fciu",
)
multiply_p: Primitive = Primitive(
    "multiply",
    operator.mul,
    vjps=(lambda g, ans, x, y: g * _conj(y), lambda g, ans, x, y: g * _conj(x)),
    jvp=lambda t, ans, x, y: _plus(
        None if t[0] is None else t[0] * y,
        None if t[1] is None else x * t[1],
    ),
    vjp_reads=((1,), (0,)),
    dtypes="fciu",
)


def _div_dy(x, y):
    return (-x / y) / y  # TensorFlow's form


divide_p: Primitive = Primitive(
    "divide",
    operator.truediv,
    vjps=(lambda g, ans, x, y: g / _conj(y), lambda g, ans, x, y: g * _conj(_div_dy(x, y))),
    jvp=lambda t, ans, x, y: _plus(
        None if t[0] is None else t[0] / y,
        None if t[1] is None else t[1] * _div_dy(x, y),
    ),
    vjp_reads=((1,), (0, 1)),
    dtypes="fc",
)
negative_p: Primitive = Primitive(
    "negative",
    operator.neg,
    vjps=(lambda g, ans, x: -g,),  # an IndexedSlices g stays sparse
    jvp=lambda t, ans, x: negative_p.bind(t[0]),
    save_inputs=(),
    sparse_vjp=True,
    dtypes="fci",
)


def _pow_impl(x, y):
    if x.dtype.kind in "iu" and np.any(y < 0):
        raise ValueError("pow: integers to negative integer powers are not allowed.")
    return np.power(x, y)


def _safe_log(x):
    """log(x) where x > 0 (complex: x != 0), else 0: TensorFlow's choice for d(x**y)/dy."""
    usable = (not_equal_p if x.dtype.kind == "c" else greater_p).bind(x, 0)
    return _index.where(usable, _unary.log_p.bind(_index.where(usable, x, 1)), 0)


def _pow_dx(x, y):
    return y * pow_p.bind(x, y - 1)


pow_p: Primitive = Primitive(
    "pow",
    _pow_impl,
    vjps=(lambda g, ans, x, y: g * _conj(y) * pow_p.bind(_conj(x), _conj(y) - 1),
          lambda g, ans, x, y: g * _conj(ans) * _safe_log(_conj(x))),
    jvp=lambda t, ans, x, y: _plus(
        None if t[0] is None else t[0] * _pow_dx(x, y),
        None if t[1] is None else t[1] * (ans * _safe_log(x)),
    ),
    vjp_reads=((0, 1), (0,)),
    save_ans=True,
    dtypes="fci",
)


def _check_int_divisor(y, op):
    if y.dtype.kind in "iu" and np.any(y == 0):
        raise ValueError(f"{op}: integer division by zero (divisor of dtype {y.dtype.name}).")


def _floordiv_impl(x, y):
    _check_int_divisor(y, "floordiv")
    if x.dtype.kind == "f":
        return np.floor(x / y)  # TensorFlow's float FloorDiv (np.floor_divide differs at edges)
    return np.floor_divide(x, y)


def _floormod_impl(x, y):
    _check_int_divisor(y, "floormod")
    if x.dtype.kind in "iu":
        return np.mod(x, y)
    r = np.fmod(x, y)  # TensorFlow's float FloorMod: fmod, moved to y's sign
    return np.where((r != 0) & ((y < 0) != (r < 0)), r + y, r)


floordiv_p: Primitive = nondifferentiable("floordiv", _floordiv_impl, dtypes="fiu")


def _mod_dy(x, y):
    return -floordiv_p.bind(x, y)


floormod_p: Primitive = Primitive(
    "floormod",
    _floormod_impl,
    vjps=(lambda g, ans, x, y: g, lambda g, ans, x, y: g * _mod_dy(x, y)),
    jvp=lambda t, ans, x, y: _plus(
        t[0], None if t[1] is None else t[1] * _mod_dy(x, y)
    ),
    vjp_reads=((), (0, 1)),
    dtypes="fiu",
)


# --- extrema: ties send the gradient to x (TensorFlow) ----------------------------------------
def _extremum(name, fn, x_wins):
    """``maximum``/``minimum``: gradient to x where ``x_wins(x, y)`` (ties included), else y."""

    def mask(x, y):
        return x_wins.bind(x, y)

    return Primitive(
        name,
        fn,
        vjps=(lambda g, ans, x, y: _index.where(mask(x, y), g, 0),
              lambda g, ans, x, y: _index.where(mask(x, y), 0, g)),
        jvp=lambda t, ans, x, y: _select(mask(x, y), t[0], t[1]),
        dtypes="fiu",
    )


# --- comparisons and logic (no gradient) -------------------------------------------------------
equal_p: Primitive = nondifferentiable("equal", np.equal)
not_equal_p: Primitive = nondifferentiable("not_equal", np.not_equal)
less_p: Primitive = nondifferentiable("less", np.less, dtypes="fiu")
less_equal_p: Primitive = nondifferentiable("less_equal", np.less_equal, dtypes="fiu")
greater_p: Primitive = nondifferentiable("greater", np.greater, dtypes="fiu")
greater_equal_p: Primitive = nondifferentiable("greater_equal", np.greater_equal, dtypes="fiu")
logical_and_p: Primitive = nondifferentiable("logical_and", np.logical_and, dtypes="b")
logical_or_p: Primitive = nondifferentiable("logical_or", np.logical_or, dtypes="b")
logical_xor_p: Primitive = nondifferentiable("logical_xor", np.logical_xor, dtypes="b")

# bitwise ops on integer tensors: only the operators & | ^ ~ use them (as TensorFlow's do)
bitwise_and_p: Primitive = nondifferentiable("bitwise_and", np.bitwise_and, dtypes="iu")
bitwise_or_p: Primitive = nondifferentiable("bitwise_or", np.bitwise_or, dtypes="iu")
bitwise_xor_p: Primitive = nondifferentiable("bitwise_xor", np.bitwise_xor, dtypes="iu")
invert_p: Primitive = nondifferentiable("invert", np.invert, dtypes="iu")

maximum_p: Primitive = _extremum("maximum", np.maximum, greater_equal_p)
minimum_p: Primitive = _extremum("minimum", np.minimum, less_equal_p)


# --- more binary math ----------------------------------------------------------------------
def _sqdiff_dx(g, x, y):
    return (2 * g) * (x - y)  # TensorFlow: scalar_mul(2, grad) * (x - y)


def _sqdiff_impl(x, y):
    if x.dtype.kind == "i" and x.dtype.itemsize < 4:
        raise TypeError(f"squared_difference: integer tensors must be int32 or int64 (as "
                        f"TensorFlow), got {x.dtype.name}.")
    d = x - y
    return d * np.conj(d) if d.dtype.kind == "c" else np.square(d)


squared_difference_p: Primitive = Primitive(
    "squared_difference",
    _sqdiff_impl,
    vjps=(lambda g, ans, x, y: _sqdiff_dx(g, x, y), lambda g, ans, x, y: -_sqdiff_dx(g, x, y)),
    jvp=lambda t, ans, x, y: _sqdiff_dx(_plus(t[0], _neg(t[1])), x, y),
    dtypes="fci",
)


def _atan2_scale(g, y, x):
    return g / (_unary.square_p.bind(y) + _unary.square_p.bind(x))


atan2_p: Primitive = Primitive(  # inputs (y, x), as TensorFlow's atan2(y, x)
    "atan2",
    np.arctan2,
    vjps=(lambda g, ans, y, x: x * _atan2_scale(g, y, x),
          lambda g, ans, y, x: -y * _atan2_scale(g, y, x)),
    jvp=lambda t, ans, y, x: _atan2_scale(_plus(
        None if t[0] is None else x * t[0],
        None if t[1] is None else -y * t[1]), y, x),
    dtypes="f",
)


# --- safe division and x*log(y): 0 where TensorFlow says so, gradients too --------------------
def _zero_where(cond, value):
    return np.where(cond, np.zeros_like(value), value)


def _xlogy_impl(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return _zero_where(x == 0, x * np.log(y))


def _xdivy_impl(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return _zero_where(x == 0, x / y)


def _div_no_nan_impl(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return _zero_where(y == 0, x / y)


def _nonzero(x):
    return _creation.cast(not_equal_p.bind(x, 0), x.dtype)


def _xlogy_dx(x, y):
    return xlogy_p.bind(_nonzero(x), y)


def _xdivy_dx(x, y):
    return xdivy_p.bind(_nonzero(x), y)


def _xdivy_dy(x, y):
    return xdivy_p.bind(-x, _unary.square_p.bind(y))


def _div_no_nan_dy(x, y):
    return div_no_nan_p.bind(div_no_nan_p.bind(-x, y), y)


xlogy_p: Primitive = Primitive(
    "xlogy",
    _xlogy_impl,
    vjps=(lambda g, ans, x, y: _xlogy_dx(x, y) * g, lambda g, ans, x, y: xdivy_p.bind(x, y) * g),
    jvp=lambda t, ans, x, y: _plus(
        None if t[0] is None else _xlogy_dx(x, y) * t[0],
        None if t[1] is None else xdivy_p.bind(x, y) * t[1],
    ),
    dtypes="fc",
)
xdivy_p: Primitive = Primitive(
    "xdivy",
    _xdivy_impl,
    vjps=(lambda g, ans, x, y: _xdivy_dx(x, y) * g, lambda g, ans, x, y: _xdivy_dy(x, y) * g),
    jvp=lambda t, ans, x, y: _plus(
        None if t[0] is None else _xdivy_dx(x, y) * t[0],
        None if t[1] is None else _xdivy_dy(x, y) * t[1],
    ),
    dtypes="fc",
)
div_no_nan_p: Primitive = Primitive(
    "divide_no_nan",
    _div_no_nan_impl,
    vjps=(lambda g, ans, x, y: div_no_nan_p.bind(g, _conj(y)),
          lambda g, ans, x, y: g * _div_no_nan_dy(_conj(x), _conj(y))),
    jvp=lambda t, ans, x, y: _plus(
        None if t[0] is None else div_no_nan_p.bind(t[0], y),
        None if t[1] is None else t[1] * _div_no_nan_dy(x, y),
    ),
    vjp_reads=((1,), (0, 1)),
    dtypes="fc",
)


# =================================================================================================
# Public functions (TensorFlow's names and signatures)
# =================================================================================================
_TRUEDIV_FLOAT = {1: np.dtype("float32"), 2: np.dtype("float32"), 4: np.dtype("float64"),
                  8: np.dtype("float64")}


def _operand(value: Any, dtype: Any, op: str, arg: str) -> Tensor:
    """``value`` as a tensor of ``dtype`` (Python numbers take it), naming ``op`` on failure."""
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype != dtype:
            raise TypeError(
                f"{op}: {arg} has dtype {value.dtype.name} but {dtype.name} was expected; "
                "tapegrad does not promote dtypes (as TensorFlow); use tapegrad.cast."
            )
        return value
    try:
        return convert_to_tensor(value, dtype=dtype)
    except TypeError as err:
        raise TypeError(f"{op}: {arg}: {err}") from None


def _true_operands(x: Any, y: Any, op: str) -> tuple:
    """TensorFlow's truediv conversion: one dtype for both; integers become floats
    (8- and 16-bit to float32, 32- and 64-bit to float64)."""
    if not isinstance(x, Tensor):
        x = _operand(x, y.dtype if isinstance(y, Tensor) else None, op, "x")
    if not isinstance(y, Tensor):
        y = _operand(y, x.dtype, op, "y")
    if x.dtype != y.dtype:
        raise TypeError(
            f"{op}: x and y must have the same dtype, got {x.dtype.name} {x.shape} and "
            f"{y.dtype.name} {y.shape}; tapegrad does not promote dtypes (as TensorFlow); "
            "use tapegrad.cast."
        )
    if x.dtype.kind in "iu":
        target = _TRUEDIV_FLOAT[x.dtype.itemsize]
        x, y = _creation.cast(x, target), _creation.cast(y, target)
    return x, y


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


def divide(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x / y``; integer tensors are divided as floats (int32/int64 give float64, as TF).

    >>> import tapegrad as tg
    >>> tg.divide(tg.constant([3]), tg.constant([2])).numpy().tolist()
    [1.5]
    """
    return divide_p.bind(*_true_operands(x, y, "divide"))


def truediv(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x / y`` with Python 3 semantics: integers are cast to floats first.

    >>> import tapegrad as tg
    >>> tg.truediv(tg.constant(3), 2).dtype.name
    'float64'
    """
    return divide_p.bind(*_true_operands(x, y, "truediv"))


def floordiv(x: Any, y: Any, name: Any = None) -> Tensor:
    """``floor(x / y)`` elementwise (rounds toward -inf); no gradient (None), as TensorFlow.

    Integer division by zero raises ValueError (TensorFlow raises too).

    >>> import tapegrad as tg
    >>> tg.math.floordiv(-7, 2).numpy()
    np.int32(-4)
    """
    return floordiv_p.bind(x, y)


def floormod(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x - floordiv(x, y) * y``: the remainder with the sign of ``y`` (Python's rule).

    Gradients as TensorFlow: 1 for ``x``, ``-floordiv(x, y)`` for ``y``.

    >>> import tapegrad as tg
    >>> tg.math.floormod(-7, 3).numpy()
    np.int32(2)
    """
    return floormod_p.bind(x, y)


mod = floormod


def pow(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x ** y``; ``d/dy`` is ``x**y * log(x)`` where ``x > 0`` and 0 elsewhere (TensorFlow).

    Integer tensors to negative integer powers raise ValueError.

    >>> import tapegrad as tg
    >>> tg.pow(2.0, 3.0).numpy()
    np.float32(8.0)
    """
    return pow_p.bind(x, y)


def negative(x: Any, name: Any = None) -> Tensor:
    """``-x`` elementwise (floating, complex or signed integer).

    >>> import tapegrad as tg
    >>> tg.negative(2.0).numpy()
    np.float32(-2.0)
    """
    return negative_p.bind(x)


def maximum(x: Any, y: Any, name: Any = None) -> Tensor:
    """Elementwise maximum (nan wins); where ``x == y`` the gradient goes to ``x`` (TensorFlow).

    >>> import tapegrad as tg
    >>> tg.maximum([1.0, 5.0], 3.0).numpy().tolist()
    [3.0, 5.0]
    """
    return maximum_p.bind(x, y)


def minimum(x: Any, y: Any, name: Any = None) -> Tensor:
    """Elementwise minimum (nan wins); where ``x == y`` the gradient goes to ``x`` (TensorFlow).

    >>> import tapegrad as tg
    >>> tg.minimum([1.0, 5.0], 3.0).numpy().tolist()
    [1.0, 3.0]
    """
    return minimum_p.bind(x, y)


def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any, name: Any = None) -> Any:
    """Clip ``t`` to ``[clip_value_min, clip_value_max]`` as ``maximum(minimum(t, max), min)``.

    So, as in TensorFlow, ``t`` gets the gradient where ``min <= t <= max`` (bounds
    included), ``clip_value_min`` where ``t < min`` and ``clip_value_max`` where ``t > max``.
    The bounds must broadcast to ``t``'s shape (ValueError otherwise) and take its dtype.

    >>> import tapegrad as tg
    >>> tg.clip_by_value(tg.constant([-2.0, 0.5, 2.0]), -1.0, 1.0).numpy().tolist()
    [-1.0, 0.5, 1.0]
    """
    if isinstance(t, IndexedSlices):
        values = clip_by_value(t.values, clip_value_min, clip_value_max)
        return IndexedSlices(values, t.indices, t.dense_shape)
    values = convert_to_tensor(t)
    lo = _operand(clip_value_min, values.dtype, "clip_by_value", "clip_value_min")
    hi = _operand(clip_value_max, values.dtype, "clip_by_value", "clip_value_max")
    try:
        shape = np.broadcast_shapes(values.shape, lo.shape, hi.shape)
    except ValueError:
        shape = None
    if shape != values.shape:
        raise ValueError(
            f"clip_by_value: clip_value_min {lo.shape} and clip_value_max {hi.shape} must "
            f"broadcast to the shape of t {values.shape} (clipping does not enlarge t)."
        )
    return maximum_p.bind(minimum_p.bind(values, hi), lo)


def squared_difference(x: Any, y: Any, name: Any = None) -> Tensor:
    """``(x - y) ** 2`` elementwise.

    >>> import tapegrad as tg
    >>> tg.math.squared_difference(3.0, 1.0).numpy()
    np.float32(4.0)
    """
    return squared_difference_p.bind(x, y)


def atan2(y: Any, x: Any, name: Any = None) -> Tensor:
    """The angle of the point ``(x, y)``: ``atan(y / x)`` in the right quadrant.

    >>> import tapegrad as tg
    >>> tg.atan2(1.0, 1.0).numpy()
    np.float32(0.7853981)
    """
    return atan2_p.bind(y, x)


def xlogy(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x * log(y)``, and 0 where ``x == 0`` (whatever ``y``); gradients 0 there too.

    >>> import tapegrad as tg
    >>> tg.math.xlogy(tg.constant([0.0, 1.0]), tg.constant([0.0, 1.0])).numpy().tolist()
    [0.0, 0.0]
    """
    return xlogy_p.bind(x, y)


def xdivy(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x / y``, and 0 where ``x == 0`` (whatever ``y``).

    >>> import tapegrad as tg
    >>> tg.math.xdivy(tg.constant([0.0, 1.0]), tg.constant([0.0, 2.0])).numpy().tolist()
    [0.0, 0.5]
    """
    return xdivy_p.bind(x, y)


def divide_no_nan(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x / y``, and 0 where ``y == 0`` (even if ``x`` is inf or nan); gradients 0 there too.

    Integers are divided as floats, like ``divide``.

    >>> import tapegrad as tg
    >>> tg.math.divide_no_nan(tg.constant([1.0, 1.0]), tg.constant([0.0, 2.0])).numpy().tolist()
    [0.0, 0.5]
    """
    return div_no_nan_p.bind(*_true_operands(x, y, "divide_no_nan"))


def equal(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x == y`` elementwise (bool tensor); the shapes must broadcast.

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


def logical_and(x: Any, y: Any, name: Any = None) -> Tensor:
    """Elementwise AND of bool tensors.

    >>> import tapegrad as tg
    >>> tg.logical_and([True, True], [True, False]).numpy().tolist()
    [True, False]
    """
    return logical_and_p.bind(x, y)


def logical_or(x: Any, y: Any, name: Any = None) -> Tensor:
    """Elementwise OR of bool tensors.

    >>> import tapegrad as tg
    >>> tg.logical_or([False, True], [False, False]).numpy().tolist()
    [False, True]
    """
    return logical_or_p.bind(x, y)


def logical_xor(x: Any, y: Any, name: Any = None) -> Tensor:
    """Elementwise exclusive OR of bool tensors.

    >>> import tapegrad as tg
    >>> tg.math.logical_xor([True, True], [True, False]).numpy().tolist()
    [False, True]
    """
    return logical_xor_p.bind(x, y)
