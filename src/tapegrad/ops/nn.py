"""Neural-network ops: activations, softmax and cross entropy.

``log_softmax`` subtracts the maximum before exponentiating, so logits of
+-1000 give finite values and gradients; the cross entropies are built on it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.primitive import Primitive
from .._core.tensor import Tensor, convert_to_tensor
from ._helpers import elementwise, normalize_axis

__all__ = ["relu", "softmax", "log_softmax", "softmax_cross_entropy_with_logits"]


def _relu_derivative(x, ans):
    from .binary import greater_p
    from .creation import cast

    return cast(greater_p.bind(ans, 0), ans.dtype)


relu_p = elementwise("relu", lambda x: np.maximum(x, 0), _relu_derivative, uses="ans",
                     dtypes="fiu")


def relu(features: Any, name: Any = None) -> Tensor:
    """``max(x, 0)``; the gradient at 0 is 0, as TensorFlow.

    >>> import tapegrad as tg
    >>> tg.nn.relu(tg.constant([-1.0, 2.0])).numpy().tolist()
    [0.0, 2.0]
    """
    return relu_p.bind(features)


def _log_softmax_impl(x, axis):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _log_softmax_vjp(g, ans, x, axis):
    from .reduce import reduce_sum_p
    from .unary import exp_p

    return g - reduce_sum_p.bind(g, axis=(axis,), keepdims=True) * exp_p.bind(ans)


def _log_softmax_jvp(t, ans, x, axis):
    from .reduce import reduce_sum_p
    from .unary import exp_p

    t = t[0]
    return t - reduce_sum_p.bind(t * exp_p.bind(ans), axis=(axis,), keepdims=True)


log_softmax_p = Primitive("log_softmax", _log_softmax_impl, vjps=(_log_softmax_vjp,),
                          jvp=_log_softmax_jvp, save_inputs=(), save_ans=True, dtypes="f")


def _softmax_impl(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _softmax_vjp(g, ans, x, axis):
    from .reduce import reduce_sum_p

    return (g - reduce_sum_p.bind(g * ans, axis=(axis,), keepdims=True)) * ans


def _softmax_jvp(t, ans, x, axis):
    from .reduce import reduce_sum_p

    t = t[0]
    return (t - reduce_sum_p.bind(t * ans, axis=(axis,), keepdims=True)) * ans


softmax_p = Primitive("softmax", _softmax_impl, vjps=(_softmax_vjp,), jvp=_softmax_jvp,
                      save_inputs=(), save_ans=True, dtypes="f")


def log_softmax(logits: Any, axis: int = -1, name: Any = None) -> Tensor:
    """``logits - logsumexp(logits)`` along ``axis``, computed stably.

    >>> import tapegrad as tg
    >>> tg.nn.log_softmax(tg.constant([1000.0, 0.0])).numpy().tolist()
    [0.0, -1000.0]
    """
    x = convert_to_tensor(logits)
    return log_softmax_p.bind(x, axis=normalize_axis(axis, x.ndim, "log_softmax"))


def softmax(logits: Any, axis: int = -1, name: Any = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``axis``, computed stably.

    >>> import tapegrad as tg
    >>> tg.nn.softmax(tg.constant([0.0, 0.0])).numpy().tolist()
    [0.5, 0.5]
    """
    x = convert_to_tensor(logits)
    return softmax_p.bind(x, axis=normalize_axis(axis, x.ndim, "softmax"))


def softmax_cross_entropy_with_logits(labels: Any, logits: Any, axis: int = -1, name: Any = None):
    """Cross entropy between ``labels`` (a distribution) and ``softmax(logits)`` per row.

    Gradients follow TensorFlow: ``softmax(logits) - labels`` for the logits and
    ``-log_softmax(logits)`` for the labels.

    >>> import tapegrad as tg
    >>> loss = tg.nn.softmax_cross_entropy_with_logits([[0.0, 1.0]], [[0.0, 0.0]])
    >>> round(float(loss[0]), 4)
    0.6931
    """
    from .reduce import reduce_sum_p

    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels, dtype_hint=logits.dtype)
    if labels.dtype != logits.dtype:
        raise TypeError(
            f"softmax_cross_entropy_with_logits: labels dtype {labels.dtype.name} differs from "
            f"logits dtype {logits.dtype.name}; cast the labels."
        )
    if labels.shape != logits.shape:
        raise ValueError(
            f"softmax_cross_entropy_with_logits: labels shape {labels.shape} must equal logits "
            f"shape {logits.shape}."
        )
    a = normalize_axis(axis, logits.ndim, "softmax_cross_entropy_with_logits")
    return -reduce_sum_p.bind(labels * log_softmax_p.bind(logits, axis=a), axis=(a,),
                              keepdims=False)
