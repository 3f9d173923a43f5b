"""Neural-network ops: activations, softmax, cross entropies, moments, dropout.

Each activation is an elementwise primitive whose derivative is written with
tapegrad ops (so it differentiates again) and follows TensorFlow at the kinks:
``relu`` and ``relu6`` have gradient 0 at 0 (and ``relu6`` at 6), ``elu`` and
``selu`` take the right-hand slope at 0, ``leaky_relu`` the left-hand one.

``log_softmax`` subtracts the maximum before exponentiating and the cross
entropies are primitives computed from it, so logits of +-1000 give finite
values and gradients. Their gradients are TensorFlow's: ``softmax(logits) -
labels`` for the logits (even when a row of labels does not sum to 1) and
``-log_softmax(logits)`` for the labels.

Convolutions and pooling live in ``conv.py``; both are exported as
``tapegrad.nn``.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import scipy.special

from .._core.primitive import Primitive
from .._core.tensor import Tensor, convert_to_tensor
from ._helpers import elementwise, normalize_axes, normalize_axis

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
    "softmax",
    "log_softmax",
    "softmax_cross_entropy_with_logits",
    "sparse_softmax_cross_entropy_with_logits",
    "sigmoid_cross_entropy_with_logits",
    "l2_loss",
    "bias_add",
    "moments",
    "dropout",
]

# SELU's constants, as TensorFlow's kernel (Klambauer et al., 2017).
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _select(condition: Tensor, x: Any, y: Any) -> Tensor:
    """``where(condition, x, y)`` with a bool tensor condition (no gradient to it)."""
    from .index import where_p

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
    from .creation import zeros_like

    return zeros_like(t)


slope_mask_p: Primitive = Primitive(
    "slope_mask",
    _slope_mask_impl,
    vjps=(lambda g, ans, x, **params: _zeros_like(g),),
    jvp=lambda t, ans, x, **params: _zeros_like(t[0]),
    save_inputs=(),
)


def _slope(x: Tensor, lo: float, hi: float, inside: float, outside: float) -> Tensor:
    """``inside`` where ``lo < x < hi`` else ``outside``: a piecewise-linear op's slope.

    Its own derivative is zero but *connected* (not None), so second derivatives of
    relu, relu6 and leaky_relu are zeros, as TensorFlow's ``ReluGrad`` gradients give.
    """
    return slope_mask_p.bind(x, lo=lo, hi=hi, inside=inside, outside=outside)


relu_p: Primitive = elementwise(
    "relu",
    lambda x: np.maximum(x, 0),
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
    "relu6", lambda x: np.clip(x, 0, 6), lambda x, ans: _slope(x, 0, 6, 1, 0), dtypes="fiu"
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
    return np.where(x < 0, np.exp(np.minimum(x, 0)) - 1, x)


def _elu_derivative(x, ans):
    from .binary import less_p

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
    neg = (SELU_SCALE * SELU_ALPHA) * (np.exp(np.minimum(x, 0)) - 1)
    return np.where(x < 0, neg, SELU_SCALE * x).astype(x.dtype, copy=False)


def _selu_derivative(x, ans):
    from .binary import less_p

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
    return np.where(x > 0, x, x * x.dtype.type(alpha))


def _leaky_relu_slope(x, alpha):
    return _slope(x, 0, np.inf, 1, alpha)


leaky_relu_p: Primitive = Primitive(
    "leaky_relu",
    _leaky_relu_impl,
    vjps=(lambda g, ans, x, alpha: g * _leaky_relu_slope(x, alpha),),
    jvp=lambda t, ans, x, alpha: t[0] * _leaky_relu_slope(x, alpha),
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
    from .creation import cast

    x = convert_to_tensor(features)
    if x.dtype.kind in "iu":
        x = cast(x, np.float32)
    if isinstance(alpha, Tensor):
        alpha = alpha.numpy()
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
    from .unary import exp_p

    return exp_p.bind(x * x * -0.5) * _INV_SQRT_2PI


def _erfc_of_minus_x_over_sqrt2(x):
    """``erfc(-x / sqrt(2))`` in ``x``'s dtype (SciPy computes float16 in float64)."""
    return scipy.special.erfc(-x * x.dtype.type(_SQRT_HALF)).astype(x.dtype, copy=False)


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
        from .unary import tanh_p

        x2 = x * x
        t = tanh_p.bind((x + x2 * x * _GELU_A) * _GELU_C)
        return (1 + t) * 0.5 + x * (1 - t * t) * (1 + x2 * (3 * _GELU_A)) * (0.5 * _GELU_C)
    return normal_cdf_p.bind(x) + x * _normal_pdf(x)


gelu_p: Primitive = Primitive(
    "gelu",
    _gelu_impl,
    vjps=(lambda g, ans, x, approximate: g * _gelu_derivative(x, approximate),),
    jvp=lambda t, ans, x, approximate: t[0] * _gelu_derivative(x, approximate),
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
    from .creation import cast
    from .unary import sigmoid_p

    x = _float_features(features, "silu")
    if isinstance(beta, numbers.Real) and not isinstance(beta, bool) and beta == 1:
        return x * sigmoid_p.bind(x)
    b = convert_to_tensor(beta, dtype_hint=x.dtype)
    if b.ndim != 0:
        raise ValueError(f"silu: beta must be a scalar, got shape {b.shape}.")
    if b.dtype != x.dtype:
        b = cast(b, x.dtype)
    return x * sigmoid_p.bind(b * x)


swish = silu


def _softsign_derivative(x, ans):
    from .unary import abs_p

    d = 1 + abs_p.bind(x)
    return 1 / (d * d)


softsign_p: Primitive = elementwise(
    "softsign", lambda x: x / (1 + np.abs(x)), _softsign_derivative, dtypes="f"
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


# --- softmax, log_softmax ----------------------------------------------------------------
def _shifted(x, axis):
    """``x`` minus its maximum along ``axis``; ``initial`` lets an empty axis through."""
    # ufunc reductions: the same as np.max/np.sum without their Python wrappers
    return x - np.maximum.reduce(x, axis=axis, keepdims=True, initial=-np.inf)


def _log_softmax_impl(x, axis):
    shifted = _shifted(x, axis)
    if not shifted.size:
        return shifted  # nothing to normalise (and the log of an empty axis's sum would warn)
    return shifted - np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))


def _log_softmax_vjp(g, ans, x, axis):
    from .reduce import reduce_sum_p
    from .unary import exp_p

    return g - reduce_sum_p.bind(g, axis=(axis,), keepdims=True) * exp_p.bind(ans)


def _log_softmax_jvp(t, ans, x, axis):
    from .reduce import reduce_sum_p
    from .unary import exp_p

    t = t[0]
    return t - reduce_sum_p.bind(t * exp_p.bind(ans), axis=(axis,), keepdims=True)


log_softmax_p: Primitive = Primitive(
    "log_softmax",
    _log_softmax_impl,
    vjps=(_log_softmax_vjp,),
    jvp=_log_softmax_jvp,
    save_inputs=(),
    save_ans=True,
    dtypes="f",
)


def _softmax_impl(x, axis):
    e = np.exp(_shifted(x, axis))
    return e / np.add.reduce(e, axis=axis, keepdims=True)


def _softmax_vjp(g, ans, x, axis):
    from .reduce import reduce_sum_p

    return (g - reduce_sum_p.bind(g * ans, axis=(axis,), keepdims=True)) * ans


def _softmax_jvp(t, ans, x, axis):
    from .reduce import reduce_sum_p

    t = t[0]
    return (t - reduce_sum_p.bind(t * ans, axis=(axis,), keepdims=True)) * ans


softmax_p: Primitive = Primitive(
    "softmax",
    _softmax_impl,
    vjps=(_softmax_vjp,),
    jvp=_softmax_jvp,
    save_inputs=(),
    save_ans=True,
    dtypes="f",
)


def _class_axis(x: Tensor, axis: Any, op: str) -> int:
    if x.ndim == 0:
        raise ValueError(f"{op}: logits must have rank >= 1, got a scalar.")
    return normalize_axis(axis, x.ndim, op)


def log_softmax(logits: Any, axis: int = -1, name: Any = None) -> Tensor:
    """``logits - logsumexp(logits)`` along ``axis``, computed stably.

    Args:
        logits: A floating-point tensor of rank >= 1.
        axis: The class axis.
        name: Ignored (TensorFlow compatibility).

    Returns:
        A tensor of the same shape and dtype.

    >>> import tapegrad as tg
    >>> tg.nn.log_softmax(tg.constant([1000.0, 0.0])).numpy().tolist()
    [0.0, -1000.0]
    """
    x = _float_features(logits, "log_softmax")
    return log_softmax_p.bind(x, axis=_class_axis(x, axis, "log_softmax"))


def softmax(logits: Any, axis: int = -1, name: Any = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``axis``, computed stably.

    Args:
        logits: A floating-point tensor of rank >= 1.
        axis: The class axis.
        name: Ignored (TensorFlow compatibility).

    Returns:
        A tensor of the same shape and dtype.

    >>> import tapegrad as tg
    >>> tg.nn.softmax(tg.constant([0.0, 0.0])).numpy().tolist()
    [0.5, 0.5]
    """
    x = _float_features(logits, "softmax")
    return softmax_p.bind(x, axis=_class_axis(x, axis, "softmax"))


# --- cross entropies -----------------------------------------------------------------------
def _expand_loss_cotangent(g: Tensor, axis: int) -> Tensor:
    """Insert the reduced class axis back into a loss cotangent (any lead dims)."""
    from .shape import reshape_p

    position = g.ndim + axis + 1
    return reshape_p.bind(g, shape=g.shape[:position] + (1,) + g.shape[position:])


def _softmax_xent_impl(logits, labels, axis):
    return -np.add.reduce(labels * _log_softmax_impl(logits, axis), axis=axis)


def _softmax_xent_vjp_logits(g, ans, logits, labels, axis):
    return softmax_xent_grad_p.bind(g, logits, labels, axis=axis)


# TensorFlow's fused cross-entropy backward: ``g * (softmax(logits) - labels)`` in one op
# (four otherwise), with its own rules so that second derivatives still work.
def _xent_grad_impl(g, logits, labels, axis):
    shape = list(g.shape)
    shape.insert(len(shape) + axis + 1, 1)  # the class axis back, counted from the right
    return g.reshape(shape) * (_softmax_impl(logits, axis) - labels)


def _xent_grad_vjp_g(gg, ans, g, logits, labels, axis):
    from .reduce import reduce_sum_p

    return reduce_sum_p.bind(gg * (softmax_p.bind(logits, axis=axis) - labels), axis=(axis,),
                             keepdims=False)


def _softmax_vjp_of(v, probabilities, axis):
    """The softmax VJP ``(v - sum(v * p)) * p`` along ``axis``."""
    from .reduce import reduce_sum_p

    return (v - reduce_sum_p.bind(v * probabilities, axis=(axis,), keepdims=True)) * probabilities


def _xent_grad_vjp_logits(gg, ans, g, logits, labels, axis):
    v = gg * _expand_loss_cotangent(g, axis)
    return _softmax_vjp_of(v, softmax_p.bind(logits, axis=axis), axis)


def _xent_grad_vjp_labels(gg, ans, g, logits, labels, axis):
    return -(gg * _expand_loss_cotangent(g, axis))


def _xent_grad_jvp(t, ans, g, logits, labels, axis):
    t_g, t_logits, t_labels = t
    out = None
    if t_g is not None:
        out = _expand_loss_cotangent(t_g, axis) * (softmax_p.bind(logits, axis=axis) - labels)
    if t_logits is not None:
        term = _expand_loss_cotangent(g, axis) * _softmax_vjp_of(
            t_logits, softmax_p.bind(logits, axis=axis), axis
        )
        out = term if out is None else out + term
    if t_labels is not None:
        term = -(_expand_loss_cotangent(g, axis) * t_labels)
        out = term if out is None else out + term
    return out


softmax_xent_grad_p: Primitive = Primitive(
    "softmax_cross_entropy_grad",
    _xent_grad_impl,
    vjps=(_xent_grad_vjp_g, _xent_grad_vjp_logits, _xent_grad_vjp_labels),
    vjp_reads=((1, 2), (0, 1), (0,)),
    jvp=_xent_grad_jvp,
    dtypes="f",
)


def _softmax_xent_vjp_labels(g, ans, logits, labels, axis):
    return _expand_loss_cotangent(g, axis) * -log_softmax_p.bind(logits, axis=axis)


def _softmax_xent_jvp(t, ans, logits, labels, axis):
    from .reduce import reduce_sum_p

    t_logits, t_labels = t
    out = None
    if t_logits is not None:
        out = reduce_sum_p.bind(
            t_logits * (softmax_p.bind(logits, axis=axis) - labels), axis=(axis,), keepdims=False
        )
    if t_labels is not None:
        term = -reduce_sum_p.bind(
            t_labels * log_softmax_p.bind(logits, axis=axis), axis=(axis,), keepdims=False
        )
        out = term if out is None else out + term
    return out


softmax_xent_p: Primitive = Primitive(
    "softmax_cross_entropy",
    _softmax_xent_impl,
    vjps=(_softmax_xent_vjp_logits, _softmax_xent_vjp_labels),
    vjp_reads=((0, 1), (0,)),
    jvp=_softmax_xent_jvp,
    dtypes="f",
)


def softmax_cross_entropy_with_logits(
    labels: Any, logits: Any, axis: int = -1, name: Any = None
) -> Tensor:
    """Cross entropy between ``labels`` (a distribution per row) and ``softmax(logits)``.

    Gradients follow TensorFlow: ``softmax(logits) - labels`` for the logits (this
    is the derivative only when each row of ``labels`` sums to 1, as TensorFlow
    documents) and ``-log_softmax(logits)`` for the labels. ``labels`` is cast
    to the dtype of ``logits`` and may broadcast against it.

    Args:
        labels: Class probabilities, broadcastable to the shape of ``logits``.
        logits: Unscaled log probabilities (floating point, rank >= 1).
        axis: The class axis.
        name: Ignored (TensorFlow compatibility).

    Returns:
        The loss, with the shape of ``logits`` without ``axis``.

    >>> import tapegrad as tg
    >>> loss = tg.nn.softmax_cross_entropy_with_logits([[0.0, 1.0]], [[0.0, 0.0]])
    >>> round(float(loss[0]), 4)
    0.6931
    """
    from .creation import cast
    from .shape import broadcast_to_p

    op = "softmax_cross_entropy_with_logits"
    x = _float_features(logits, op)
    a = _class_axis(x, axis, op)
    z = convert_to_tensor(labels, dtype_hint=x.dtype)
    if z.dtype != x.dtype:
        z = cast(z, x.dtype)
    try:
        ok = np.broadcast_shapes(z.shape, x.shape) == x.shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(
            f"{op}: labels shape {z.shape} must equal (or broadcast to) logits shape {x.shape}."
        )
    if z.shape != x.shape:
        z = broadcast_to_p.bind(z, shape=x.shape)
    return softmax_xent_p.bind(x, z, axis=a)


def _one_hot(labels: np.ndarray, depth: int, dtype: np.dtype) -> np.ndarray:
    return (labels[..., None] == np.arange(depth)).astype(dtype)


def _sparse_xent_impl(logits, labels):
    picked = np.take_along_axis(_log_softmax_impl(logits, -1), labels[..., None], axis=-1)
    return -picked[..., 0]


def _sparse_xent_grad(logits: Tensor, labels: np.ndarray) -> Tensor:
    return softmax_p.bind(logits, axis=-1) - _one_hot(labels, logits.shape[-1], logits.dtype)


def _sparse_xent_vjp(g, ans, logits, labels):
    return _expand_loss_cotangent(g, -1) * _sparse_xent_grad(logits, labels)


def _sparse_xent_jvp(t, ans, logits, labels):
    from .reduce import reduce_sum_p

    return reduce_sum_p.bind(t[0] * _sparse_xent_grad(logits, labels), axis=(-1,), keepdims=False)


sparse_xent_p: Primitive = Primitive(
    "sparse_softmax_cross_entropy",
    _sparse_xent_impl,
    vjps=(_sparse_xent_vjp,),
    jvp=_sparse_xent_jvp,
    dtypes="f",
)


def sparse_softmax_cross_entropy_with_logits(
    labels: Any = None, logits: Any = None, name: Any = None
) -> Tensor:
    """Cross entropy between integer class ``labels`` and ``softmax(logits)`` (last axis).

    The gradient for the logits is ``softmax(logits) - one_hot(labels)``; the
    labels get none, as in TensorFlow. A label outside ``[0, num_classes)``
    raises an ``IndexError``/``ValueError`` (TensorFlow's CPU kernel refuses it too).

    Args:
        labels: Integer tensor of shape ``logits.shape[:-1]``.
        logits: Floating-point tensor of shape ``[..., num_classes]``.
        name: Ignored (TensorFlow compatibility).

    Returns:
        The loss, with the shape of ``labels`` and the dtype of ``logits``.

    >>> import tapegrad as tg
    >>> loss = tg.nn.sparse_softmax_cross_entropy_with_logits([1], [[0.0, 0.0]])
    >>> round(float(loss[0]), 4)
    0.6931
    """
    from .index import IndexOutOfRangeError

    op = "sparse_softmax_cross_entropy_with_logits"
    if labels is None or logits is None:
        raise ValueError(f"{op}: both labels and logits are required.")
    x = _float_features(logits, op)
    z = convert_to_tensor(labels)
    if z.dtype.kind not in "iu":
        raise TypeError(
            f"{op}: labels must be an integer tensor (class indices), got dtype "
            f"{z.dtype.name} (shape {z.shape})."
        )
    if x.ndim == 0:
        raise ValueError(f"{op}: logits must have rank >= 1, got a scalar.")
    if z.shape != x.shape[:-1]:
        raise ValueError(
            f"{op}: labels shape {z.shape} must equal logits shape {x.shape} without its last "
            f"dimension, i.e. {x.shape[:-1]}."
        )
    values = np.asarray(z._value, dtype=np.int64)
    depth = x.shape[-1]
    if values.size and (values.min() < 0 or values.max() >= depth):
        bad = values[(values < 0) | (values >= depth)].ravel()[0]
        raise IndexOutOfRangeError(
            f"{op}: received a label value of {int(bad)} which is outside the valid range of "
            f"[0, {depth}) (logits shape {x.shape})."
        )
    return sparse_xent_p.bind(x, labels=values)


def _sigmoid_xent_impl(logits, labels):
    return np.maximum(logits, 0) - logits * labels + np.log1p(np.exp(-np.abs(logits)))


def _sigmoid_xent_vjp_logits(g, ans, logits, labels):
    from .unary import sigmoid_p

    return g * (sigmoid_p.bind(logits) - labels)


def _sigmoid_xent_vjp_labels(g, ans, logits, labels):
    return -(g * logits)


def _sigmoid_xent_jvp(t, ans, logits, labels):
    from .unary import sigmoid_p

    t_logits, t_labels = t
    out = None if t_logits is None else t_logits * (sigmoid_p.bind(logits) - labels)
    if t_labels is not None:
        term = -(t_labels * logits)
        out = term if out is None else out + term
    return out


sigmoid_xent_p: Primitive = Primitive(
    "sigmoid_cross_entropy",
    _sigmoid_xent_impl,
    vjps=(_sigmoid_xent_vjp_logits, _sigmoid_xent_vjp_labels),
    vjp_reads=((0, 1), (0,)),
    jvp=_sigmoid_xent_jvp,
    dtypes="f",
)


def sigmoid_cross_entropy_with_logits(
    labels: Any = None, logits: Any = None, name: Any = None
) -> Tensor:
    """Elementwise logistic loss ``max(x, 0) - x * z + log(1 + exp(-|x|))``.

    Stable for any logits ``x``; the gradients are ``sigmoid(x) - z`` for the
    logits and ``-x`` for the labels ``z`` (TensorFlow's).

    Args:
        labels: Tensor of the same shape and dtype as ``logits`` (values in [0, 1]).
        logits: Floating-point tensor.
        name: Ignored (TensorFlow compatibility).

    Returns:
        The elementwise loss, shaped like ``logits``.

    >>> import tapegrad as tg
    >>> loss = tg.nn.sigmoid_cross_entropy_with_logits([1.0, 0.0], [1000.0, 0.0])
    >>> [round(v, 4) for v in loss.numpy().tolist()]
    [0.0, 0.6931]
    """
    op = "sigmoid_cross_entropy_with_logits"
    if labels is None or logits is None:
        raise ValueError(f"{op}: both labels and logits are required.")
    x = _float_features(logits, op)
    z = convert_to_tensor(labels, dtype_hint=x.dtype)
    if z.dtype != x.dtype:
        raise TypeError(
            f"{op}: labels dtype {z.dtype.name} differs from logits dtype {x.dtype.name}; "
            "cast the labels with tapegrad.cast."
        )
    if z.shape != x.shape:
        raise ValueError(
            f"{op}: logits and labels must have the same shape, got logits {x.shape} and "
            f"labels {z.shape}."
        )
    return sigmoid_xent_p.bind(x, z)


# --- l2_loss, bias_add, moments ------------------------------------------------------------
def l2_loss(t: Any, name: Any = None) -> Tensor:
    """``sum(t ** 2) / 2`` (a scalar); the gradient is ``t``.

    Args:
        t: A floating-point tensor.
        name: Ignored (TensorFlow compatibility).

    Returns:
        A scalar tensor of the dtype of ``t``.

    >>> import tapegrad as tg
    >>> tg.nn.l2_loss(tg.constant([1.0, 2.0])).numpy()
    np.float32(2.5)
    """
    from .reduce import reduce_sum_p
    from .unary import square_p

    x = _float_features(t, "l2_loss")
    return reduce_sum_p.bind(square_p.bind(x), axis=tuple(range(-x.ndim, 0)), keepdims=False) * 0.5


def bias_add(value: Any, bias: Any, data_format: Any = None, name: Any = None) -> Tensor:
    """Add a 1-D ``bias`` along the channel axis of ``value``.

    The channel axis is the last one (``data_format`` None or ``"N...C"``) or
    axis 1 (``"NC..."``).

    Args:
        value: A tensor of rank >= 2 (>= 3 for ``"NC..."``).
        bias: A 1-D tensor whose size is the number of channels.
        data_format: None, ``"N...C"`` (e.g. ``"NHWC"``) or ``"NC..."`` (e.g. ``"NCHW"``).
        name: Ignored (TensorFlow compatibility).

    Returns:
        ``value + bias`` broadcast along the channel axis.

    >>> import tapegrad as tg
    >>> tg.nn.bias_add(tg.zeros((2, 3)), [1.0, 2.0, 3.0]).numpy().tolist()
    [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
    """
    from .binary import add_p
    from .shape import reshape_p

    op = "bias_add"
    x = convert_to_tensor(value)
    b = convert_to_tensor(bias, dtype_hint=x.dtype)
    channels_first = False
    if data_format is not None:
        fmt = str(data_format)
        if fmt.startswith("NC"):
            channels_first = True
        elif not (fmt.startswith("N") and fmt.endswith("C")):
            raise ValueError(
                f"{op}: data_format must be of the form 'N...C' or 'NC...', got {data_format!r}."
            )
    min_rank = 3 if channels_first else 2
    if x.ndim < min_rank:
        raise ValueError(
            f"{op}: value must have rank >= {min_rank} for data_format {data_format!r}, got "
            f"shape {x.shape}."
        )
    if b.ndim != 1:
        raise ValueError(f"{op}: bias must be 1-D, got shape {b.shape}.")
    channels = x.shape[1] if channels_first else x.shape[-1]
    if b.shape[0] != channels:
        raise ValueError(
            f"{op}: bias has {b.shape[0]} elements but value (shape {x.shape}) has {channels} "
            f"channels on axis {1 if channels_first else -1}."
        )
    if b.dtype != x.dtype:
        raise TypeError(f"{op}: bias dtype {b.dtype.name} differs from value dtype {x.dtype.name}.")
    if channels_first:
        b = reshape_p.bind(b, shape=(channels,) + (1,) * (x.ndim - 2))
    return add_p.bind(x, b)


def moments(
    x: Any, axes: Any, shift: Any = None, keepdims: bool = False, name: Any = None
) -> tuple:
    """Mean and variance of ``x`` over ``axes``.

    float16 inputs are reduced in float32 and the results cast back, as
    TensorFlow. Unlike TensorFlow (which stops the gradient through the mean
    inside the variance), the variance is differentiated exactly, so first
    derivatives agree with TensorFlow's and second derivatives are correct.

    Args:
        x: A floating-point tensor.
        axes: The axes to reduce (int or list of ints).
        shift: Unused (TensorFlow compatibility).
        keepdims: Keep the reduced axes with size 1.
        name: Ignored (TensorFlow compatibility).

    Returns:
        A tuple ``(mean, variance)``.

    >>> import tapegrad as tg
    >>> mean, variance = tg.nn.moments(tg.constant([1.0, 2.0, 3.0, 4.0]), axes=[0])
    >>> float(mean), float(variance)
    (2.5, 1.25)
    """
    from .creation import cast
    from .reduce import reduce_sum_p
    from .shape import reshape_p
    from .unary import square_p

    t = _float_features(x, "moments")
    if axes is None:
        raise ValueError("moments: axes must be given (an int or a list of ints).")
    ax = normalize_axes(axes, t.ndim, "moments")
    y = cast(t, np.float32) if t.dtype == np.float16 else t
    count = np.asarray(np.prod([y.shape[a] for a in ax], dtype=np.int64), dtype=y.dtype)
    mean = reduce_sum_p.bind(y, axis=ax, keepdims=True) / count
    variance = reduce_sum_p.bind(square_p.bind(y - mean), axis=ax, keepdims=True) / count
    if not keepdims:
        kept = tuple(d for i, d in enumerate(y.shape) if i - y.ndim not in ax)
        mean = reshape_p.bind(mean, shape=kept)
        variance = reshape_p.bind(variance, shape=kept)
    if t.dtype == np.float16:
        return cast(mean, np.float16), cast(variance, np.float16)
    return mean, variance


# --- dropout --------------------------------------------------------------------------------
def dropout(
    x: Any, rate: Any, noise_shape: Any = None, seed: Any = None, name: Any = None
) -> Tensor:
    """Zero each element with probability ``rate`` and scale the rest by ``1 / (1 - rate)``.

    The mask comes from ``tapegrad.random.uniform(noise_shape, seed=seed)``
    (kept where the draw is ``>= rate``), so ``tapegrad.random.set_seed`` makes
    it reproducible. ``noise_shape`` (None entries take ``x``'s size) must
    broadcast to ``x.shape``; ``rate == 0`` returns ``x`` unchanged.

    Args:
        x: A floating-point tensor.
        rate: Drop probability, a number (or scalar tensor) in ``[0, 1)``.
        noise_shape: Shape of the random keep/drop mask.
        seed: Operation seed (see ``tapegrad.random``).
        name: Ignored (TensorFlow compatibility).

    Returns:
        A tensor shaped like ``x``.

    >>> import tapegrad as tg
    >>> tg.random.set_seed(0)
    >>> sorted(set(tg.nn.dropout(tg.ones(100), rate=0.5).numpy().tolist()))
    [0.0, 2.0]
    """
    from .creation import cast
    from .index import where_p
    from .random import uniform

    op = "dropout"
    t = convert_to_tensor(x)
    if isinstance(rate, Tensor):
        if rate.ndim != 0:
            raise ValueError(f"{op}: rate must be a scalar, got shape {rate.shape}.")
        rate_value = float(rate.numpy())
    elif isinstance(rate, numbers.Real) and not isinstance(rate, bool):
        rate_value = float(rate)
    else:
        raise ValueError(f"{op}: rate must be a number or a scalar tensor, got {rate!r}.")
    if not 0 <= rate_value < 1:
        raise ValueError(f"{op}: rate must be in the range [0, 1), got rate={rate_value}.")
    if t.dtype.kind != "f":
        raise ValueError(
            f"{op}: x must be a floating-point tensor (it is scaled), got dtype {t.dtype.name}."
        )
    if rate_value == 0 and not isinstance(rate, Tensor):
        return t
    if noise_shape is None:
        shape = t.shape
    else:
        if isinstance(noise_shape, Tensor):
            noise_shape = noise_shape.numpy().tolist()
        dims = list(noise_shape)
        if len(dims) != t.ndim:
            raise ValueError(
                f"{op}: noise_shape {dims} must have one entry per axis of x (shape {t.shape})."
            )
        shape = tuple(t.shape[i] if d is None else int(d) for i, d in enumerate(dims))
        try:
            if np.broadcast_shapes(shape, t.shape) != t.shape:
                raise ValueError
        except ValueError:
            raise ValueError(
                f"{op}: noise_shape {list(shape)} does not broadcast to x shape {t.shape}."
            ) from None
    keep = uniform(shape, dtype=t.dtype, seed=seed)._value >= t.dtype.type(rate_value)
    if isinstance(rate, Tensor):  # TensorFlow: x / (1 - rate), differentiable in rate
        scaled = t / (1 - (rate if rate.dtype == t.dtype else cast(rate, t.dtype)))
    else:
        scaled = t * t.dtype.type(1.0 / (1.0 - rate_value))
    return where_p.bind(scaled, t.dtype.type(0), condition=keep)
