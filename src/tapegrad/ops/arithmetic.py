"""Elementwise arithmetic with NumPy broadcasting: + - * /, extrema, safe division,
comparisons, logic and ``where``.

Rules, one line each where possible, use TensorFlow's formulas (so its values at
ties and zeros, and ``conj`` of the partial derivatives for complex inputs):
``maximum`` gives a tie's gradient to ``x``, ``minimum`` too; ``divide_no_nan`` is
0 (with 0 gradients) where ``y == 0``.

VJP rules return cotangents of the broadcast (output) shape; backprop sums them back
to each input's shape, so no rule here unbroadcasts. In batched forward mode the
engine pads a lower-rank input's tangent after its batch dimensions, so the JVP
rules broadcast as the op does. Comparisons and logic have no gradient (None).
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.indexed_slices import IndexedSlices
from .._core.primitive import Primitive
from .._core.tensor import Tensor, convert_to_tensor
from ._namespace import device_of, namespace, numpy_dtype, ufunc
from ._rules import conj as _conj
from ._rules import linear, nondifferentiable
from .casting import cast

__all__ = [
    "add",
    "subtract",
    "multiply",
    "divide",
    "truediv",
    "negative",
    "maximum",
    "minimum",
    "clip_by_value",
    "squared_difference",
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
    "where",
]


# --- where ------------------------------------------------------------------------------------
def _where_impl(x, y, condition):
    xp = namespace(x, y, condition)
    if xp is not np and isinstance(condition, np.ndarray):  # a NumPy mask beside other arrays
        condition = xp.asarray(condition, device=device_of(x if hasattr(x, "device") else y))
    return xp.where(condition, x, y)


where_p: Primitive = Primitive(
    "where",
    _where_impl,
    vjps=(lambda g, ans, x, y, condition: where_p.bind(g, 0, condition=condition),
          lambda g, ans, x, y, condition: where_p.bind(0, g, condition=condition)),
    jvps=(lambda t, ans, x, y, condition: where_p.bind(t, 0, condition=condition),
          lambda t, ans, x, y, condition: where_p.bind(0, t, condition=condition)),
    reads=((), ()),
)


where_indices_p: Primitive = Primitive(  # tf.where(condition): the indices of True entries
    "where_indices", lambda c: np.argwhere(c).astype(np.int64), differentiable=False)


def where(condition: Any, x: Any = None, y: Any = None, name: Any = None) -> Tensor:
    """Elementwise ``x if condition else y`` with broadcasting (``tf.where``).

    With only ``condition``, the indices of its True entries (int64, shape
    ``[n, rank]``). The gradient goes to ``x`` where the condition holds and to
    ``y`` elsewhere; the condition gets none.

    Args:
        condition: A bool tensor.
        x: Values where ``condition`` is True (broadcast with ``condition`` and ``y``).
        y: Values where it is False, of ``x``'s dtype.
        name: Ignored.

    Returns:
        The selected values, or the int64 indices of True entries.

    >>> import tapegrad as tg
    >>> tg.where([True, False], 1.0, 2.0).numpy().tolist()
    [1.0, 2.0]
    """
    cond = convert_to_tensor(condition)
    if cond.dtype.kind != "b":
        raise TypeError(f"where: condition must be a bool tensor, got dtype {cond.dtype.name}.")
    if x is None and y is None:
        return where_indices_p.bind(cond)
    if x is None or y is None:
        raise InvalidArgumentError("where: give both x and y, or neither.")
    try:
        np.broadcast_shapes(cond.shape, np.shape(x), np.shape(y))
    except ValueError:
        raise InvalidArgumentError(
            f"where: condition {cond.shape}, x {np.shape(x)} and y {np.shape(y)} do not "
            "broadcast together."
        ) from None
    return where_p.bind(x, y, condition=cond._value)


# --- + - * / ----------------------------------------------------------------------------------
# The arithmetic primitives call Python's operators rather than the ufuncs: the same
# computation for arrays, and NumPy's scalar fast path (10x cheaper) for 0-d values.
# The tangent of add is each input's tangent itself (no op when only one input has one).
add_p: Primitive = Primitive(
    "add",
    operator.add,
    vjps=(lambda g, ans, x, y: g, lambda g, ans, x, y: g),
    jvps=(lambda t, ans, x, y: t, lambda t, ans, x, y: t),
    reads=((), ()),
    dtypes="fciu",
)


def add(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x + y`` elementwise, with broadcasting.

    >>> import tapegrad as tg
    >>> tg.add([1.0, 2.0], 1.0).numpy().tolist()
    [2.0, 3.0]
    """
    return add_p.bind(x, y)


negative_p: Primitive = linear(
    "negative",
    operator.neg,
    vjps=(lambda g, ans, x: -g,),  # an IndexedSlices g stays sparse
    sparse_vjp=True,
    dtypes="fci",
)


def negative(x: Any, name: Any = None) -> Tensor:
    """``-x`` elementwise (floating, complex or signed integer).

    >>> import tapegrad as tg
    >>> tg.negative(2.0).numpy()
    np.float32(-2.0)
    """
    return negative_p.bind(x)


subtract_p: Primitive = Primitive(
    "subtract",
    operator.sub,
    vjps=(lambda g, ans, x, y: g, lambda g, ans, x, y: negative_p.bind(g)),
    jvps=(lambda t, ans, x, y: t, lambda t, ans, x, y: negative_p.bind(t)),
    reads=((), ()),
    dtypes="fciu",
)


def subtract(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x - y`` elementwise.

    >>> import tapegrad as tg
    >>> tg.subtract(3.0, 1.0).numpy()
    np.float32(2.0)
    """
    return subtract_p.bind(x, y)


multiply_p: Primitive = Primitive(
    "multiply",
    operator.mul,
    vjps=(lambda g, ans, x, y: g * _conj(y), lambda g, ans, x, y: g * _conj(x)),
    jvps=(lambda t, ans, x, y: t * y, lambda t, ans, x, y: x * t),
    reads=((1,), (0,)),
    dtypes="fciu",
)


def multiply(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x * y`` elementwise.

    >>> import tapegrad as tg
    >>> tg.multiply(2.0, 3.0).numpy()
    np.float32(6.0)
    """
    return multiply_p.bind(x, y)


def _div_dy(x, y):
    return (-x / y) / y  # TensorFlow's form


divide_p: Primitive = Primitive(
    "divide",
    operator.truediv,
    vjps=(lambda g, ans, x, y: g / _conj(y), lambda g, ans, x, y: g * _conj(_div_dy(x, y))),
    jvps=(lambda t, ans, x, y: t / y, lambda t, ans, x, y: t * _div_dy(x, y)),
    reads=((1,), (0, 1)),
    dtypes="fc",
)

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
        x, y = cast(x, target), cast(y, target)
    return x, y


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


# --- comparisons and logic (no gradient) --------------------------------------------------------
equal_p: Primitive = nondifferentiable("equal", ufunc(np.equal))


def equal(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x == y`` elementwise (bool tensor); the shapes must broadcast.

    >>> import tapegrad as tg
    >>> tg.equal([1, 2], 2).numpy().tolist()
    [False, True]
    """
    return equal_p.bind(x, y)


not_equal_p: Primitive = nondifferentiable("not_equal", ufunc(np.not_equal))


def not_equal(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x != y`` elementwise (bool tensor).

    >>> import tapegrad as tg
    >>> tg.not_equal([1, 2], 2).numpy().tolist()
    [True, False]
    """
    return not_equal_p.bind(x, y)


less_p: Primitive = nondifferentiable("less", ufunc(np.less), dtypes="fiu")


def less(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x < y`` elementwise.

    >>> import tapegrad as tg
    >>> tg.less([1, 2], 2).numpy().tolist()
    [True, False]
    """
    return less_p.bind(x, y)


less_equal_p: Primitive = nondifferentiable("less_equal", ufunc(np.less_equal), dtypes="fiu")


def less_equal(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x <= y`` elementwise.

    >>> import tapegrad as tg
    >>> tg.less_equal([1, 2], 2).numpy().tolist()
    [True, True]
    """
    return less_equal_p.bind(x, y)


greater_p: Primitive = nondifferentiable("greater", ufunc(np.greater), dtypes="fiu")


def greater(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x > y`` elementwise.

    >>> import tapegrad as tg
    >>> tg.greater([1, 3], 2).numpy().tolist()
    [False, True]
    """
    return greater_p.bind(x, y)


greater_equal_p: Primitive = nondifferentiable("greater_equal", ufunc(np.greater_equal),
                                               dtypes="fiu")


def greater_equal(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x >= y`` elementwise.

    >>> import tapegrad as tg
    >>> tg.greater_equal([1, 2], 2).numpy().tolist()
    [False, True]
    """
    return greater_equal_p.bind(x, y)


logical_and_p: Primitive = nondifferentiable("logical_and", ufunc(np.logical_and), dtypes="b")


def logical_and(x: Any, y: Any, name: Any = None) -> Tensor:
    """Elementwise AND of bool tensors.

    >>> import tapegrad as tg
    >>> tg.logical_and([True, True], [True, False]).numpy().tolist()
    [True, False]
    """
    return logical_and_p.bind(x, y)


logical_or_p: Primitive = nondifferentiable("logical_or", ufunc(np.logical_or), dtypes="b")


def logical_or(x: Any, y: Any, name: Any = None) -> Tensor:
    """Elementwise OR of bool tensors.

    >>> import tapegrad as tg
    >>> tg.logical_or([False, True], [False, False]).numpy().tolist()
    [False, True]
    """
    return logical_or_p.bind(x, y)


logical_xor_p: Primitive = nondifferentiable("logical_xor", ufunc(np.logical_xor), dtypes="b")


def logical_xor(x: Any, y: Any, name: Any = None) -> Tensor:
    """Elementwise exclusive OR of bool tensors.

    >>> import tapegrad as tg
    >>> tg.math.logical_xor([True, True], [True, False]).numpy().tolist()
    [False, True]
    """
    return logical_xor_p.bind(x, y)


# --- extrema: ties send the gradient to x (TensorFlow) ------------------------------------------
def _extremum(name, fn, x_wins):
    """``maximum``/``minimum``: gradient to x where ``x_wins(x, y)`` (ties included), else y."""

    def to_x(g, ans, x, y):
        return where_p.bind(g, 0, condition=x_wins.bind(x, y)._value)

    def to_y(g, ans, x, y):
        return where_p.bind(0, g, condition=x_wins.bind(x, y)._value)

    return Primitive(name, fn, vjps=(to_x, to_y), jvps=(to_x, to_y), reads=((0, 1), (0, 1)),
                     dtypes="fiu")


maximum_p: Primitive = _extremum("maximum", ufunc(np.maximum), greater_equal_p)


def maximum(x: Any, y: Any, name: Any = None) -> Tensor:
    """Elementwise maximum (nan wins); where ``x == y`` the gradient goes to ``x`` (TensorFlow).

    >>> import tapegrad as tg
    >>> tg.maximum([1.0, 5.0], 3.0).numpy().tolist()
    [3.0, 5.0]
    """
    return maximum_p.bind(x, y)


minimum_p: Primitive = _extremum("minimum", ufunc(np.minimum), less_equal_p)


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
        raise InvalidArgumentError(
            f"clip_by_value: clip_value_min {lo.shape} and clip_value_max {hi.shape} must "
            f"broadcast to the shape of t {values.shape} (clipping does not enlarge t)."
        )
    return maximum_p.bind(minimum_p.bind(values, hi), lo)


# --- squared difference and safe division --------------------------------------------------------
def _sqdiff_dx(g, x, y):
    return (2 * g) * (x - y)  # TensorFlow: scalar_mul(2, grad) * (x - y)


def _sqdiff_impl(x, y):
    dtype = numpy_dtype(x)
    if dtype.kind == "i" and dtype.itemsize < 4:
        raise TypeError(f"squared_difference: integer tensors must be int32 or int64 (as "
                        f"TensorFlow), got {dtype.name}.")
    d = x - y
    return d * namespace(d).conj(d) if dtype.kind == "c" else namespace(d).square(d)


squared_difference_p: Primitive = Primitive(
    "squared_difference",
    _sqdiff_impl,
    vjps=(lambda g, ans, x, y: _sqdiff_dx(g, x, y), lambda g, ans, x, y: -_sqdiff_dx(g, x, y)),
    jvps=(lambda t, ans, x, y: _sqdiff_dx(t, x, y), lambda t, ans, x, y: _sqdiff_dx(-t, x, y)),
    reads=((0, 1), (0, 1)),
    dtypes="fci",
)


def squared_difference(x: Any, y: Any, name: Any = None) -> Tensor:
    """``(x - y) ** 2`` elementwise.

    >>> import tapegrad as tg
    >>> tg.math.squared_difference(3.0, 1.0).numpy()
    np.float32(4.0)
    """
    return squared_difference_p.bind(x, y)


def zero_where(cond: Any, value: Any) -> Any:
    """``value`` with zeros where ``cond`` holds (arrays: the safe ops' forward functions)."""
    xp = namespace(cond, value)
    return xp.where(cond, xp.zeros_like(value), value)


def _div_no_nan_impl(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return zero_where(y == 0, x / y)


def _div_no_nan_dy(x, y):
    return div_no_nan_p.bind(div_no_nan_p.bind(-x, y), y)


div_no_nan_p: Primitive = Primitive(
    "divide_no_nan",
    _div_no_nan_impl,
    vjps=(lambda g, ans, x, y: div_no_nan_p.bind(g, _conj(y)),
          lambda g, ans, x, y: g * _div_no_nan_dy(_conj(x), _conj(y))),
    jvps=(lambda t, ans, x, y: div_no_nan_p.bind(t, y),
          lambda t, ans, x, y: t * _div_no_nan_dy(x, y)),
    reads=((1,), (0, 1)),
    dtypes="fc",
)


def divide_no_nan(x: Any, y: Any, name: Any = None) -> Tensor:
    """``x / y``, and 0 where ``y == 0`` (even if ``x`` is inf or nan); gradients 0 there too.

    Integers are divided as floats, like ``divide``.

    >>> import tapegrad as tg
    >>> tg.math.divide_no_nan(tg.constant([1.0, 1.0]), tg.constant([0.0, 2.0])).numpy().tolist()
    [0.0, 0.5]
    """
    return div_no_nan_p.bind(*_true_operands(x, y, "divide_no_nan"))
