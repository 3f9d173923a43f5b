"""Neural-network ops: softmax, cross entropies, losses, moments, dropout.

``log_softmax`` subtracts the maximum before exponentiating and the cross
entropies are primitives computed from it, so logits of +-1000 give finite
values and gradients. Their gradients are TensorFlow's: ``softmax(logits) -
labels`` for the logits (even when a row of labels does not sum to 1) and
``-log_softmax(logits)`` for the labels.

Activations live in ``activations.py``, convolutions and pooling in ``conv.py``;
all are exported as ``tapegrad.nn``.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.primitive import ANS, Primitive
from .._core.tensor import Tensor, convert_to_tensor
from ._namespace import device_of, dtype_for, is_numpy, namespace, numpy_dtype
from ._rules import normalize_axes, normalize_axis
from .activations import (
    _float_features,
)
from .arithmetic import add_p, greater_equal_p, where_p
from .casting import cast
from .creation import ones_like
from .index import IndexOutOfRangeError, one_hot_p
from .random import uniform
from .reduce import reduce_sum_p
from .shape import broadcast_to_p, reshape_p
from .unary import exp_p, sigmoid_p, square_p

__all__ = [
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


# --- softmax, log_softmax ----------------------------------------------------------------
def _class_axis(x: Tensor, axis: Any, op: str) -> int:
    if x.ndim == 0:
        raise InvalidArgumentError(f"{op}: logits must have rank >= 1, got a scalar.")
    return normalize_axis(axis, x.ndim, op)


def _shifted(x, axis):
    """``x`` minus its maximum along ``axis``; ``initial`` lets an empty axis through."""
    # ufunc reductions: the same as np.max/np.sum without their Python wrappers
    if not isinstance(x, np.ndarray):
        return x - _foreign_max(x, axis)
    return x - np.maximum.reduce(x, axis=axis, keepdims=True, initial=-np.inf)


def _foreign_max(x, axis):
    """The maximum along ``axis`` in ``x``'s own library (-inf for an empty axis)."""
    xp = namespace(x)
    if x.shape[axis] == 0:
        return xp.full_like(xp.sum(x, axis=axis, keepdims=True), -xp.inf)
    return xp.max(x, axis=axis, keepdims=True)


def _sum(x, axis, keepdims=True):
    if isinstance(x, np.ndarray):
        return np.add.reduce(x, axis=axis, keepdims=keepdims)
    return namespace(x).sum(x, axis=axis, keepdims=keepdims)


def _log_softmax_impl(x, axis):
    shifted = _shifted(x, axis)
    if not shifted.size:
        return shifted  # nothing to normalise (and the log of an empty axis's sum would warn)
    xp = namespace(shifted)
    return shifted - xp.log(_sum(xp.exp(shifted), axis))


def _log_softmax_vjp(g, ans, x, axis):

    return g - reduce_sum_p.bind(g, axis=(axis,), keepdims=True) * exp_p.bind(ans)


def _log_softmax_jvp(t, ans, x, axis):
    return t - reduce_sum_p.bind(t * exp_p.bind(ans), axis=(axis,), keepdims=True)


log_softmax_p: Primitive = Primitive(
    "log_softmax",
    _log_softmax_impl,
    vjps=(_log_softmax_vjp,),
    jvps=(_log_softmax_jvp,),
    reads=((ANS,),),
    dtypes="f",
)


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


def _softmax_impl(x, axis):
    shifted = _shifted(x, axis)
    e = namespace(shifted).exp(shifted)
    return e / _sum(e, axis)


def _softmax_jacobian_product(v, probabilities, axis):
    """``(v - sum(v * p)) * p`` along ``axis``: softmax's Jacobian is symmetric, so this one
    product is both its VJP (``v`` a cotangent) and its JVP (``v`` a tangent)."""
    return (v - reduce_sum_p.bind(v * probabilities, axis=(axis,), keepdims=True)) * probabilities


def _softmax_rule(v, ans, x, axis):
    return _softmax_jacobian_product(v, ans, axis)


softmax_p: Primitive = Primitive(
    "softmax",
    _softmax_impl,
    vjps=(_softmax_rule,),
    jvps=(_softmax_rule,),
    reads=((ANS,),),
    dtypes="f",
)


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

    position = g.ndim + axis + 1
    return reshape_p.bind(g, shape=g.shape[:position] + (1,) + g.shape[position:])


def _softmax_xent_impl(logits, labels, axis):
    return -_sum(labels * _log_softmax_impl(logits, axis), axis, keepdims=False)


def _softmax_xent_vjp_logits(g, ans, logits, labels, axis):
    return softmax_xent_grad_p.bind(g, logits, labels, axis=axis)


# TensorFlow's fused cross-entropy backward: ``g * (softmax(logits) - labels)`` in one op
# (four otherwise), with its own rules so that second derivatives still work.
def _xent_grad_impl(g, logits, labels, axis):
    shape = list(g.shape)
    shape.insert(len(shape) + axis + 1, 1)  # the class axis back, counted from the right
    return namespace(g).reshape(g, tuple(shape)) * (_softmax_impl(logits, axis) - labels)


def _xent_grad_vjp_g(gg, ans, g, logits, labels, axis):

    return reduce_sum_p.bind(gg * (softmax_p.bind(logits, axis=axis) - labels), axis=(axis,),
                             keepdims=False)


def _xent_grad_vjp_logits(gg, ans, g, logits, labels, axis):
    v = gg * _expand_loss_cotangent(g, axis)
    return _softmax_jacobian_product(v, softmax_p.bind(logits, axis=axis), axis)


def _xent_grad_vjp_labels(gg, ans, g, logits, labels, axis):
    return -(gg * _expand_loss_cotangent(g, axis))


def _xent_grad_jvp_logits(t, ans, g, logits, labels, axis):
    probabilities = softmax_p.bind(logits, axis=axis)
    return _expand_loss_cotangent(g, axis) * _softmax_jacobian_product(t, probabilities, axis)


softmax_xent_grad_p: Primitive = Primitive(
    "softmax_cross_entropy_grad",
    _xent_grad_impl,
    vjps=(_xent_grad_vjp_g, _xent_grad_vjp_logits, _xent_grad_vjp_labels),
    jvps=(lambda t, ans, g, logits, labels, axis: _expand_loss_cotangent(t, axis) * (
              softmax_p.bind(logits, axis=axis) - labels),
          _xent_grad_jvp_logits,
          lambda t, ans, g, logits, labels, axis: -(_expand_loss_cotangent(g, axis) * t)),
    reads=((1, 2), (0, 1), (0,)),
    dtypes="f",
)


def _softmax_xent_vjp_labels(g, ans, logits, labels, axis):
    return _expand_loss_cotangent(g, axis) * -log_softmax_p.bind(logits, axis=axis)


def _softmax_xent_jvp_logits(t, ans, logits, labels, axis):
    return reduce_sum_p.bind(t * (softmax_p.bind(logits, axis=axis) - labels), axis=(axis,),
                             keepdims=False)


def _softmax_xent_jvp_labels(t, ans, logits, labels, axis):
    return -reduce_sum_p.bind(t * log_softmax_p.bind(logits, axis=axis), axis=(axis,),
                              keepdims=False)


softmax_xent_p: Primitive = Primitive(
    "softmax_cross_entropy",
    _softmax_xent_impl,
    vjps=(_softmax_xent_vjp_logits, _softmax_xent_vjp_labels),
    jvps=(_softmax_xent_jvp_logits, _softmax_xent_jvp_labels),
    reads=((0, 1), (0,)),
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

    op = "softmax_cross_entropy_with_logits"
    x = _float_features(logits, op)
    a = _class_axis(x, axis, op)
    z = convert_to_tensor(labels, dtype_hint=x.dtype)
    if z.dtype != x.dtype:
        z = cast(z, x.dtype)
    x_shape, z_shape = x._value.shape, z._value.shape  # (the arrays': no TensorShape per call)
    try:
        ok = np.broadcast_shapes(z_shape, x_shape) == x_shape
    except ValueError:
        ok = False
    if not ok:
        raise InvalidArgumentError(
            f"{op}: labels shape {z_shape} must equal (or broadcast to) logits shape {x_shape}."
        )
    if z_shape != x_shape:
        z = broadcast_to_p.bind(z, shape=x_shape)
    return softmax_xent_p.bind(x, z, axis=a)


def _one_hot(labels: Any, depth: int, dtype: np.dtype) -> Any:
    xp = namespace(labels)
    classes = xp.arange(depth, device=device_of(labels))
    return xp.astype(labels[..., None] == classes, dtype_for(xp, dtype))


def _sparse_xent_impl(logits, labels):
    if not (isinstance(logits, np.ndarray) and isinstance(labels, np.ndarray)):
        # Other libraries: a one-hot product (lazy for Dask); a label out of range, which
        # only NumPy labels can be checked for up front, gives NaN (TensorFlow on a GPU).
        xp = namespace(logits, labels)
        hot = _one_hot(labels, logits.shape[-1], numpy_dtype(logits))
        loss = -xp.sum(_log_softmax_impl(logits, -1) * hot, axis=-1)
        return xp.where(xp.sum(hot, axis=-1) > 0, loss, xp.full_like(loss, xp.nan))
    picked = np.take_along_axis(_log_softmax_impl(logits, -1), labels[..., None], axis=-1)
    return -picked[..., 0]


def _sparse_xent_grad(logits: Tensor, labels: np.ndarray) -> Tensor:
    if not is_numpy(labels):  # (other array libraries: the labels' own namespace)
        return softmax_p.bind(logits, axis=-1) - _one_hot(labels, logits.shape[-1], logits.dtype)
    # NumPy labels one-hot by the one_hot op: a compiled function recomputes them on each call
    dtype = np.dtype(logits.dtype)
    hot = one_hot_p.bind(dtype.type(1), dtype.type(0), indices=labels, depth=logits.shape[-1],
                         axis=-1)
    return softmax_p.bind(logits, axis=-1) - hot


def _sparse_xent_vjp(g, ans, logits, labels):
    return _expand_loss_cotangent(g, -1) * _sparse_xent_grad(logits, labels)


def _sparse_xent_jvp(t, ans, logits, labels):
    return reduce_sum_p.bind(t * _sparse_xent_grad(logits, labels), axis=(-1,), keepdims=False)


sparse_xent_p: Primitive = Primitive(
    "sparse_softmax_cross_entropy",
    _sparse_xent_impl,
    vjps=(_sparse_xent_vjp,),
    jvps=(_sparse_xent_jvp,),
    reads=((0,),),
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

    op = "sparse_softmax_cross_entropy_with_logits"
    if labels is None or logits is None:
        raise InvalidArgumentError(f"{op}: both labels and logits are required.")
    x = _float_features(logits, op)
    z = convert_to_tensor(labels)
    if z.dtype.kind not in "iu":
        raise TypeError(
            f"{op}: labels must be an integer tensor (class indices), got dtype "
            f"{z.dtype.name} (shape {z.shape})."
        )
    if x.ndim == 0:
        raise InvalidArgumentError(f"{op}: logits must have rank >= 1, got a scalar.")
    if z.shape != x.shape[:-1]:
        raise InvalidArgumentError(
            f"{op}: labels shape {z.shape} must equal logits shape {x.shape} without its last "
            f"dimension, i.e. {x.shape[:-1]}."
        )
    depth = x.shape[-1]
    if not isinstance(z._value, (np.ndarray, np.generic)):  # kept lazy: no range check here
        return sparse_xent_p.bind(x, labels=z._value)
    values = np.asarray(z._value, dtype=np.int64)
    if values.size and (values.min() < 0 or values.max() >= depth):
        bad = values[(values < 0) | (values >= depth)].ravel()[0]
        raise IndexOutOfRangeError(
            f"{op}: received a label value of {int(bad)} which is outside the valid range of "
            f"[0, {depth}) (logits shape {x.shape})."
        )
    # Signed labels go in as they are: a compiled function follows the array they came from.
    return sparse_xent_p.bind(x, labels=z._value if z.dtype.kind == "i" else values)


def _sigmoid_xent_impl(logits, labels):
    xp = namespace(logits, labels)
    return xp.maximum(logits, 0) - logits * labels + xp.log1p(xp.exp(-xp.abs(logits)))


def _sigmoid_xent_vjp_logits(g, ans, logits, labels):

    return g * (sigmoid_p.bind(logits) - labels)


def _sigmoid_xent_vjp_labels(g, ans, logits, labels):
    return -(g * logits)


sigmoid_xent_p: Primitive = Primitive(
    "sigmoid_cross_entropy",
    _sigmoid_xent_impl,
    vjps=(_sigmoid_xent_vjp_logits, _sigmoid_xent_vjp_labels),
    jvps=(lambda t, ans, logits, labels: t * (sigmoid_p.bind(logits) - labels),
          lambda t, ans, logits, labels: -(t * logits)),
    reads=((0, 1), (0,)),
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
        raise InvalidArgumentError(f"{op}: both labels and logits are required.")
    x = _float_features(logits, op)
    z = convert_to_tensor(labels, dtype_hint=x.dtype)
    if z.dtype != x.dtype:
        raise TypeError(
            f"{op}: labels dtype {z.dtype.name} differs from logits dtype {x.dtype.name}; "
            "cast the labels with tapegrad.cast."
        )
    if z.shape != x.shape:
        raise InvalidArgumentError(
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

    op = "bias_add"
    x = convert_to_tensor(value)
    b = convert_to_tensor(bias, dtype_hint=x.dtype)
    channels_first = False
    if data_format is not None:
        fmt = str(data_format)
        if fmt.startswith("NC"):
            channels_first = True
        elif not (fmt.startswith("N") and fmt.endswith("C")):
            raise InvalidArgumentError(
                f"{op}: data_format must be of the form 'N...C' or 'NC...', got {data_format!r}."
            )
    min_rank = 3 if channels_first else 2
    if x.ndim < min_rank:
        raise InvalidArgumentError(
            f"{op}: value must have rank >= {min_rank} for data_format {data_format!r}, got "
            f"shape {x.shape}."
        )
    if b.ndim != 1:
        raise InvalidArgumentError(f"{op}: bias must be 1-D, got shape {b.shape}.")
    channels = x.shape[1] if channels_first else x.shape[-1]
    if b.shape[0] != channels:
        raise InvalidArgumentError(
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

    t = _float_features(x, "moments")
    if axes is None:
        raise InvalidArgumentError("moments: axes must be given (an int or a list of ints).")
    ax = normalize_axes(axes, t.ndim, "moments", shape=t.shape, bools=True)  # bools as TF
    y = cast(t, np.float32) if t.dtype == np.float16 else t
    if any(y.shape[a] != y.shape[a] for a in ax):  # NaN: a Dask length known only later
        count = reduce_sum_p.bind(ones_like(y), axis=ax, keepdims=True)
    else:
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

    op = "dropout"
    t = convert_to_tensor(x)
    if isinstance(rate, Tensor):
        if rate.ndim != 0:
            raise InvalidArgumentError(f"{op}: rate must be a scalar, got shape {rate.shape}.")
        rate_value = float(rate.numpy())
    elif isinstance(rate, numbers.Real) and not isinstance(rate, bool):
        rate_value = float(rate)
    else:
        raise InvalidArgumentError(f"{op}: rate must be a number or a scalar tensor, got {rate!r}.")
    if not 0 <= rate_value < 1:
        raise InvalidArgumentError(
            f"{op}: rate must be in the range [0, 1), got rate={rate_value}."
        )
    if t.dtype.kind != "f":
        raise InvalidArgumentError(
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
            raise InvalidArgumentError(
                f"{op}: noise_shape {dims} must have one entry per axis of x (shape {t.shape})."
            )
        shape = tuple(t.shape[i] if d is None else int(d) for i, d in enumerate(dims))
        try:
            if np.broadcast_shapes(shape, t.shape) != t.shape:
                raise ValueError
        except ValueError:
            raise InvalidArgumentError(
                f"{op}: noise_shape {list(shape)} does not broadcast to x shape {t.shape}."
            ) from None
    keep = greater_equal_p.bind(uniform(shape, dtype=t.dtype, seed=seed),
                                t.dtype.type(rate_value))._value  # (an op: drawn per call)
    if isinstance(rate, Tensor):  # TensorFlow: x / (1 - rate), differentiable in rate
        scaled = t / (1 - (rate if rate.dtype == t.dtype else cast(rate, t.dtype)))
    else:
        scaled = t * t.dtype.type(1.0 / (1.0 - rate_value))
    return where_p.bind(scaled, t.dtype.type(0), condition=keep)

