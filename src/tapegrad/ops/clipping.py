"""Norm clipping: clip_by_norm, global_norm, clip_by_global_norm.

Compositions of existing ops, written as TensorFlow's Python layer writes them (the
same formulas give the same values and gradients, including the double ``where``
that keeps the gradient of a zero tensor finite).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.indexed_slices import IndexedSlices
from .._core.tensor import Tensor, convert_to_tensor
from .arithmetic import maximum, minimum, where
from .casting import cast
from .creation import ones_like
from .shape import reduce_sum, stack
from .unary import sqrt

__all__ = ["clip_by_norm", "global_norm", "clip_by_global_norm"]


def _values(t: Any) -> Tensor:
    return t.values if isinstance(t, IndexedSlices) else convert_to_tensor(t)


def _like(t: Any, values: Tensor) -> Any:
    """``values`` in ``t``'s form: an IndexedSlices keeps its indices and dense shape."""
    if isinstance(t, IndexedSlices):
        return IndexedSlices(values, t.indices, t.dense_shape)
    return values


def _float(values: Tensor, op: str) -> None:
    if values.dtype.kind not in "f":
        raise TypeError(
            f"{op}: expected floating-point tensors, got dtype {values.dtype.name} (shape "
            f"{values.shape}); cast with tapegrad.cast."
        )


def clip_by_norm(t: Any, clip_norm: Any, axes: Any = None, name: Any = None) -> Any:
    """Scale ``t`` down so its L2 norm over ``axes`` is at most ``clip_norm`` (``tf.clip_by_norm``).

    ``t * clip_norm / max(norm(t), clip_norm)``; a zero tensor stays zero with a finite
    gradient.

    Args:
        t: A float tensor or IndexedSlices.
        clip_norm: A positive scalar.
        axes: Axes to take the norm over (default: all).
        name: Ignored.

    Returns:
        The clipped tensor (an IndexedSlices for an IndexedSlices).

    >>> import tapegrad as tg
    >>> [round(v, 4) for v in tg.clip_by_norm(tg.constant([3.0, 4.0]), 1.0).numpy().tolist()]
    [0.6, 0.8]
    """
    op = "clip_by_norm"
    values = _values(t)
    _float(values, op)
    c = convert_to_tensor(clip_norm, dtype_hint=values.dtype)
    if c.ndim != 0:
        raise InvalidArgumentError(f"{op}: clip_norm must be a scalar, got shape {c.shape}.")
    c = cast(c, values.dtype) if c.dtype != values.dtype else c
    l2sum = reduce_sum(values * values, axes, keepdims=True)
    positive = l2sum > 0
    safe = where(positive, l2sum, ones_like(l2sum))
    l2norm = where(positive, sqrt(safe), l2sum)
    return _like(t, values * c / maximum(l2norm, c))


def _sequence(t_list: Any, op: str) -> list:
    if not isinstance(t_list, Sequence) or isinstance(t_list, (str, Tensor)):
        raise TypeError(
            f"{op}: t_list should be a sequence of tensors, got {type(t_list).__name__}; wrap "
            "a single tensor in a list."
        )
    return list(t_list)


def global_norm(t_list: Sequence[Any], name: Any = None) -> Tensor:
    """``sqrt(sum(sum(t ** 2) for t in t_list))``, skipping None (``tf.linalg.global_norm``).

    Args:
        t_list: A list of float tensors, IndexedSlices or None, of one dtype.
        name: Ignored.

    Returns:
        A scalar tensor.

    >>> import tapegrad as tg
    >>> float(tg.linalg.global_norm([tg.constant([3.0]), None, tg.constant([[4.0]])]))
    5.0
    """
    op = "global_norm"
    values = [_values(t) for t in _sequence(t_list, op) if t is not None]
    if not values:
        raise InvalidArgumentError(f"{op}: t_list holds no tensor (only None or nothing).")
    for v in values:
        _float(v, op)
        if v.dtype != values[0].dtype:
            raise TypeError(
                f"{op}: the tensors have different dtypes ({values[0].dtype.name} and "
                f"{v.dtype.name}); cast them to one."
            )
    half = [reduce_sum(v * v) * np.asarray(0.5, v.dtype)[()] for v in values]
    total = reduce_sum(stack(half))
    return sqrt(total * np.asarray(2.0, total.dtype)[()])


def clip_by_global_norm(
    t_list: Sequence[Any], clip_norm: Any, use_norm: Any = None, name: Any = None
) -> tuple:
    """Scale all tensors by ``clip_norm / max(global_norm, clip_norm)``.

    As ``tf.clip_by_global_norm``: with a non-finite global norm every entry becomes NaN.

    Args:
        t_list: A list of float tensors, IndexedSlices or None.
        clip_norm: A positive scalar.
        use_norm: The global norm to use (default: computed with :func:`global_norm`).
        name: Ignored.

    Returns:
        ``(list_clipped, global_norm)``.

    >>> import tapegrad as tg
    >>> clipped, norm = tg.clip_by_global_norm([tg.constant([3.0]), tg.constant([4.0])], 1.0)
    >>> [round(float(c[0]), 3) for c in clipped], float(norm)
    ([0.6, 0.8], 5.0)
    """
    op = "clip_by_global_norm"
    items = _sequence(t_list, op)
    norm = global_norm(items) if use_norm is None else convert_to_tensor(use_norm)
    c = convert_to_tensor(clip_norm, dtype_hint=norm.dtype)
    if c.ndim != 0:
        raise InvalidArgumentError(f"{op}: clip_norm must be a scalar, got shape {c.shape}.")
    c = cast(c, norm.dtype) if c.dtype != norm.dtype else c
    one = np.asarray(1.0, norm.dtype)[()]
    scale = c * minimum(one / norm, one / c) + (norm - norm)  # NaN for a non-finite norm
    clipped: list = []
    for t in items:
        if t is None:
            clipped.append(None)
            continue
        v = _values(t)
        clipped.append(_like(t, v * (scale if v.dtype == scale.dtype else cast(scale, v.dtype))))
    return clipped, norm
