"""Activations (``tf.nn``): elementwise primitives with TensorFlow's slopes at the kinks.

Each derivative is written with tapegrad ops (so it differentiates again):
``relu`` and ``relu6`` have gradient 0 at 0 (and ``relu6`` at 6), ``elu`` and
``selu`` take the right-hand slope at 0, ``leaky_relu`` the left-hand one.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.primitive import Primitive
from .._core.tensor import Tensor, convert_to_tensor
from ._args import read_values
from ._namespace import namespace, special
from ._rules import elementwise
from .arithmetic import less_p, where_p
from .casting import cast
from .creation import zeros_like
from .unary import abs_p, exp_p, sigmoid_p, tanh_p

__all__ = [
    "relu",
    "relu6",
    "elu",
    "selu",
    "gelu",
    "leaky_relu",
    "silu",
    "swish",
    "softsign",
]


# SELU's constants, as TensorFlow's kernel (Klambauer et al., 2017).
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _select(condition: Tensor, x: Any, y: Any) -> Tensor:
    """``where(condition, x, y)`` with a bool tensor condition (no gradient to it)."""

    return where_p.bind(x, y, condition=condition._value)


def _float_features(features: Any, op: str) -> Tensor:
    x = convert_to_tensor(features)
    if x.dtype.kind != "f":
        raise TypeError(
            f"{op}: features must be a floating-point tensor, got dtype {x.dtype.name} "
            f"(shape {x.shape}); convert it with tapegrad.cast(x, tapegrad.float32)."
        )
    return x


# --- relu family ----------------------------------------------------------------------
def _slope_mask_impl(x, lo, hi, inside, outside):
    mask = (x > lo) & (x < hi)
    return np.where(mask, x.dtype.type(inside), x.dtype.type(outside))


def _zeros_like(t):

    return zeros_like(t)


slope_mask_p: Primitive = Primitive(
    "slope_mask",
    _slope_mask_impl,
    vjps=(lambda g, ans, x, **params: _zeros_like(g),),
    jvps=(lambda t, ans, x, **params: _zeros_like(t),),
    reads=((),),
)


def _slope(x: Tensor, lo: float, hi: float, inside: float, outside: float) -> Tensor:
    """``inside`` where ``lo < x < hi`` else ``outside``: a piecewise-linear op's slope.

    Its own derivative is zero but *connected* (not None), so second derivatives of
    relu, relu6 and leaky_relu are zeros, as TensorFlow's ``ReluGrad`` gradients give.
    """
    return slope_mask_p.bind(x, lo=lo, hi=hi, inside=inside, outside=outside)


relu_p: Primitive = elementwise(
    "relu",
    lambda x: namespace(x).maximum(x, 0),
    lambda x, ans: _slope(ans, 0, np.inf, 1, 0),
    uses="ans",
    dtypes="fiu",
)


def relu(features: Any, name: Any = None) -> Tensor:
    """``max(x, 0)``; the gradient at 0 is 0, as TensorFlow.

    Args:
        features: A numeric tensor.
        name: Ignored (TensorFlow compatibility).

    Returns:
        A tensor of the same shape and dtype.

    >>> import tapegrad as tg
    >>> tg.nn.relu(tg.constant([-1.0, 2.0])).numpy().tolist()
    [0.0, 2.0]
    """
    return relu_p.bind(features)


relu6_p: Primitive = elementwise(
    "relu6", lambda x: namespace(x).clip(x, 0, 6), lambda x, ans: _slope(x, 0, 6, 1, 0),
    dtypes="fiu",
)


def relu6(features: Any, name: Any = None) -> Tensor:
    """``min(max(x, 0), 6)``; the gradient is 1 strictly between 0 and 6, else 0 (TensorFlow).

    Args:
        features: A numeric tensor.
        name: Ignored (TensorFlow compatibility).

    Returns:
        A tensor of the same shape and dtype.

    >>> import tapegrad as tg
    >>> tg.nn.relu6(tg.constant([-1.0, 3.0, 8.0])).numpy().tolist()
    [0.0, 3.0, 6.0]
    """
    return relu6_p.bind(features)


def _elu_impl(x):
    # exp(x) - 1 rather than expm1, as TensorFlow's kernel: tiny negative inputs give 0,
    # and so the gradient there is the right-hand slope, exactly as TensorFlow's.
    xp = namespace(x)
    return xp.where(x < 0, xp.exp(xp.minimum(x, 0)) - 1, x)


def _elu_derivative(x, ans):

    return _select(less_p.bind(ans, 0), ans + 1, 1)


elu_p: Primitive = elementwise("elu", _elu_impl, _elu_derivative, uses="ans", dtypes="f")


def elu(features: Any, name: Any = None) -> Tensor:
    """``x`` for ``x > 0``, ``exp(x) - 1`` otherwise; the gradient at 0 is 1 (TensorFlow).

    Args:
        features: A floating-point tensor.
        name: Ignored (TensorFlow compatibility).

    Returns:
        A tensor of the same shape and dtype.

    >>> import tapegrad as tg
    >>> [round(v, 4) for v in tg.nn.elu(tg.constant([-1.0, 2.0])).numpy().tolist()]
    [-0.6321, 2.0]
    """
    return elu_p.bind(_float_features(features, "elu"))


def _selu_impl(x):
    xp = namespace(x)
    neg = (SELU_SCALE * SELU_ALPHA) * (xp.exp(xp.minimum(x, 0)) - 1)
    return xp.astype(xp.where(x < 0, neg, SELU_SCALE * x), x.dtype)


def _selu_derivative(x, ans):

    return _select(less_p.bind(ans, 0), ans + SELU_SCALE * SELU_ALPHA, SELU_SCALE)


selu_p: Primitive = elementwise("selu", _selu_impl, _selu_derivative, uses="ans", dtypes="f")


def selu(features: Any, name: Any = None) -> Tensor:
    """Scaled ELU: ``scale * x`` for ``x > 0``, ``scale * alpha * (exp(x) - 1)`` otherwise.

    ``alpha = 1.6732632...`` and ``scale = 1.0507009...`` as in TensorFlow; the
    gradient at 0 is ``scale``.

    Args:
        features: A floating-point tensor.
        name: Ignored (TensorFlow compatibility).

    Returns:
        A tensor of the same shape and dtype.

    >>> import tapegrad as tg
    >>> [round(v, 4) for v in tg.nn.selu(tg.constant([-1.0, 1.0])).numpy().tolist()]
    [-1.1113, 1.0507]
    """
    return selu_p.bind(_float_features(features, "selu"))


def _leaky_relu_impl(x, alpha):
    return namespace(x).where(x > 0, x, x * alpha)  # (a Python float keeps x's dtype)


def _leaky_relu_slope(x, alpha):
    return _slope(x, 0, np.inf, 1, alpha)


leaky_relu_p: Primitive = Primitive(
    "leaky_relu",
    _leaky_relu_impl,
    vjps=(lambda g, ans, x, alpha: g * _leaky_relu_slope(x, alpha),),
    jvps=(lambda t, ans, x, alpha: t * _leaky_relu_slope(x, alpha),),
    reads=((0,),),
    dtypes="f",
)


def leaky_relu(features: Any, alpha: float = 0.2, name: Any = None) -> Tensor:
    """``x`` for ``x > 0``, ``alpha * x`` otherwise; the gradient at 0 is ``alpha`` (TensorFlow).

    Integer features are converted to float32 first, as TensorFlow does.

    Args:
        features: A numeric tensor.
        alpha: The slope for ``x <= 0`` (a Python number).
        name: Ignored (TensorFlow compatibility).

    Returns:
        A floating-point tensor of the same shape.

    >>> import tapegrad as tg
    >>> tg.nn.leaky_relu(tg.constant([-1.0, 2.0]), alpha=0.5).numpy().tolist()
    [-0.5, 2.0]
    """

    x = convert_to_tensor(features)
    if x.dtype.kind in "iu":
        x = cast(x, np.float32)
    if isinstance(alpha, Tensor):
        alpha = read_values(alpha)
    if isinstance(alpha, np.ndarray):
        alpha = alpha.item()
    if not isinstance(alpha, numbers.Real):
        raise TypeError(f"leaky_relu: alpha must be a real number, got {alpha!r}.")
    return leaky_relu_p.bind(_float_features(x, "leaky_relu"), alpha=float(alpha))


# --- gelu --------------------------------------------------------------------------------
_SQRT_HALF = 0.7071067811865476
_INV_SQRT_2PI = 0.3989422804014327
_GELU_C = 0.7978845608028654  # sqrt(2 / pi)
_GELU_A = 0.044715


def _normal_pdf(x: Tensor) -> Tensor:

    return exp_p.bind(x * x * -0.5) * _INV_SQRT_2PI


def _erfc_of_minus_x_over_sqrt2(x):
    """``erfc(-x / sqrt(2))`` in ``x``'s dtype (SciPy computes float16 in float64)."""
    erfc = special(x, "gelu").erfc  # (scipy.special's, or cupyx's for CuPy arrays)
    return erfc(-x * x.dtype.type(_SQRT_HALF)).astype(x.dtype, copy=False)


normal_cdf_p: Primitive = elementwise(
    "normal_cdf",
    lambda x: 0.5 * _erfc_of_minus_x_over_sqrt2(x),
    lambda x, ans: _normal_pdf(x),
    dtypes="f",
)


def _gelu_impl(x, approximate):
    if approximate:
        inner = x.dtype.type(_GELU_C) * (x + x.dtype.type(_GELU_A) * x**3)
        return 0.5 * x * (1.0 + np.tanh(inner))
    return 0.5 * x * _erfc_of_minus_x_over_sqrt2(x)


def _gelu_derivative(x, approximate):
    if approximate:

        x2 = x * x
        t = tanh_p.bind((x + x2 * x * _GELU_A) * _GELU_C)
        return (1 + t) * 0.5 + x * (1 - t * t) * (1 + x2 * (3 * _GELU_A)) * (0.5 * _GELU_C)
    return normal_cdf_p.bind(x) + x * _normal_pdf(x)


gelu_p: Primitive = Primitive(
    "gelu",
    _gelu_impl,
    vjps=(lambda g, ans, x, approximate: g * _gelu_derivative(x, approximate),),
    jvps=(lambda t, ans, x, approximate: t * _gelu_derivative(x, approximate),),
    reads=((0,),),
    dtypes="f",
)


def gelu(features: Any, approximate: bool = False, name: Any = None) -> Tensor:
    """Gaussian error linear unit ``x * P(X <= x)`` for a standard normal ``X``.

    With ``approximate=False`` (TensorFlow's default) it is the exact
    ``0.5 * x * erfc(-x / sqrt(2))``; with ``approximate=True`` the tanh form
    ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))``.

    Args:
        features: A floating-point tensor.
        approximate: Use the tanh approximation.
        name: Ignored (TensorFlow compatibility).

    Returns:
        A tensor of the same shape and dtype.

    >>> import tapegrad as tg
    >>> [round(v, 4) for v in tg.nn.gelu(tg.constant([-1.0, 0.0, 1.0])).numpy().tolist()]
    [-0.1587, 0.0, 0.8413]
    """
    x = _float_features(features, "gelu")
    return gelu_p.bind(x, approximate=bool(approximate))


# --- silu, softsign ----------------------------------------------------------------------
def silu(features: Any, beta: Any = 1.0, name: Any = None) -> Tensor:
    """SiLU (swish): ``x * sigmoid(beta * x)``; differentiable in ``beta`` too, as TensorFlow.

    Args:
        features: A floating-point tensor.
        beta: A scalar (number or tensor), cast to the dtype of ``features``.
        name: Ignored (TensorFlow compatibility).

    Returns:
        A tensor of the same shape and dtype.

    >>> import tapegrad as tg
    >>> round(float(tg.nn.silu(tg.constant(1.0))), 4)
    0.7311
    """

    x = _float_features(features, "silu")
    if isinstance(beta, numbers.Real) and not isinstance(beta, bool) and beta == 1:
        return x * sigmoid_p.bind(x)
    b = convert_to_tensor(beta, dtype_hint=x.dtype)
    if b.ndim != 0:
        raise InvalidArgumentError(f"silu: beta must be a scalar, got shape {b.shape}.")
    if b.dtype != x.dtype:
        b = cast(b, x.dtype)
    return x * sigmoid_p.bind(b * x)


swish = silu


def _softsign_derivative(x, ans):

    d = 1 + abs_p.bind(x)
    return 1 / (d * d)


softsign_p: Primitive = elementwise(
    "softsign", lambda x: x / (1 + namespace(x).abs(x)), _softsign_derivative, dtypes="f"
)


def softsign(features: Any, name: Any = None) -> Tensor:
    """``x / (1 + |x|)``; the gradient is ``1 / (1 + |x|)**2`` (1 at 0).

    Args:
        features: A floating-point tensor.
        name: Ignored (TensorFlow compatibility).

    Returns:
        A tensor of the same shape and dtype.

    >>> import tapegrad as tg
    >>> tg.nn.softsign(tg.constant([-1.0, 3.0])).numpy().tolist()
    [-0.5, 0.75]
    """
    return softsign_p.bind(_float_features(features, "softsign"))


