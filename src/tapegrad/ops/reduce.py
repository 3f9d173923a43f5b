"""Reductions over axes: sum, mean, max.

Axes are kept as negative integers so rules stay valid when cotangents carry
extra leading batch dimensions. ``reduce_max`` splits the gradient equally
among tied maxima, as TensorFlow does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.primitive import Primitive
from .._core.tensor import Tensor, convert_to_tensor
from ._helpers import lead, normalize_axes

__all__ = ["reduce_sum", "reduce_mean", "reduce_max"]


def _kept_shape(shape: tuple, axis: tuple) -> tuple:
    kept = list(shape)
    for a in axis:
        kept[a] = 1
    return tuple(kept)


def expand_reduced(g: Tensor, x_shape: tuple, axis: tuple, keepdims: bool) -> Tensor:
    """Reshape a reduction's cotangent so it broadcasts against the input (any lead)."""
    from .shape import reshape_p

    if keepdims:
        return g
    out_ndim = len(x_shape) - len(axis)
    k = lead(g, out_ndim)
    return reshape_p.bind(g, shape=g.shape[:k] + _kept_shape(x_shape, axis))


def _sum_impl(x, axis, keepdims):
    return np.sum(x, axis=axis, keepdims=keepdims)


def _sum_vjp(g, ans, x, axis, keepdims):
    from .shape import broadcast_to_p

    g = expand_reduced(g, tuple(x.shape), axis, keepdims)
    return broadcast_to_p.bind(g, shape=g.shape[: lead(g, x.ndim)] + tuple(x.shape))


reduce_sum_p = Primitive(
    "reduce_sum",
    _sum_impl,
    vjps=(_sum_vjp,),
    jvp=lambda t, ans, x, axis, keepdims: reduce_sum_p.bind(t[0], axis=axis, keepdims=keepdims),
    save_inputs=(),
    dtypes="fciu",
)


def reduce_sum(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None):
    """Sum over ``axis`` (all axes when None).

    >>> import tapegrad as tg
    >>> tg.reduce_sum(tg.ones((2, 2))).numpy()
    np.float32(4.0)
    """
    x = convert_to_tensor(input_tensor)
    axes = normalize_axes(axis, x.ndim, "reduce_sum")
    return reduce_sum_p.bind(x, axis=axes, keepdims=bool(keepdims))


def reduce_mean(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None):
    """Mean over ``axis``; integer tensors give the (truncated) integer mean, as TensorFlow.

    >>> import tapegrad as tg
    >>> tg.reduce_mean(tg.constant([1.0, 2.0])).numpy()
    np.float32(1.5)
    """
    x = convert_to_tensor(input_tensor)
    axes = normalize_axes(axis, x.ndim, "reduce_mean")
    count = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    total = reduce_sum_p.bind(x, axis=axes, keepdims=bool(keepdims))
    if x.dtype.kind in "iu":
        return Tensor._wrap((total._value // max(count, 1)).astype(x.dtype))
    return total / np.asarray(count, dtype=x.dtype) if count else total * np.nan


def _max_impl(x, axis, keepdims):
    if x.size == 0:
        raise ValueError("reduce_max: cannot reduce an empty tensor.")
    return np.max(x, axis=axis, keepdims=keepdims)


def _extremum_weights(x, ans, axis, keepdims):
    """Indicator of the elements equal to the extremum, divided by their count."""
    from .binary import equal_p
    from .creation import cast

    kept = ans if keepdims else reshape_like_kept(ans, tuple(x.shape), axis)
    indicators = cast(equal_p.bind(x, kept), x.dtype)
    count = reduce_sum_p.bind(indicators, axis=axis, keepdims=True)
    return indicators / count


def reshape_like_kept(ans: Tensor, x_shape: tuple, axis: tuple) -> Tensor:
    from .shape import reshape_p

    return reshape_p.bind(ans, shape=_kept_shape(x_shape, axis))


def _max_vjp(g, ans, x, axis, keepdims):
    return expand_reduced(g, tuple(x.shape), axis, keepdims) * _extremum_weights(
        x, ans, axis, keepdims
    )


def _max_jvp(t, ans, x, axis, keepdims):
    weighted = t[0] * _extremum_weights(x, ans, axis, keepdims)
    return reduce_sum_p.bind(weighted, axis=axis, keepdims=keepdims)


reduce_max_p = Primitive(
    "reduce_max",
    _max_impl,
    vjps=(_max_vjp,),
    jvp=_max_jvp,
    save_ans=True,
    dtypes="fiu",
)


def reduce_max(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None):
    """Maximum over ``axis``; ties share the gradient equally (TensorFlow's rule).

    >>> import tapegrad as tg
    >>> tg.reduce_max(tg.constant([1.0, 3.0, 2.0])).numpy()
    np.float32(3.0)
    """
    x = convert_to_tensor(input_tensor)
    axes = normalize_axes(axis, x.ndim, "reduce_max")
    return reduce_max_p.bind(x, axis=axes, keepdims=bool(keepdims))
