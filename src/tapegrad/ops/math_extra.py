"""``tf.math`` ops beyond the elementwise and reduction families: cumulative_logsumexp,
count_nonzero and bincount.

``cumulative_logsumexp`` is a primitive whose reverse rule is TensorFlow's: the
cotangent split into its positive and negative parts, each passed through a
cumulative_logsumexp in the other direction in log space, so no entry overflows.
The other two compose existing ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.primitive import ANS, Primitive
from .._core.tensor import Tensor, as_dtype, convert_to_tensor
from ._args import read_values
from ._namespace import numpy_only
from ._rules import normalize_axes, normalize_axis
from .arithmetic import greater, less, not_equal, where
from .casting import cast
from .index import _index_array
from .segments import unsorted_segment_sum
from .shape import reduce_sum, reshape_p
from .unary import exp, log

__all__ = ["cumulative_logsumexp", "count_nonzero", "bincount"]


# --- cumulative_logsumexp ----------------------------------------------------------------
def _cumlse_impl(x, axis, exclusive, reverse):
    numpy_only("cumulative_logsumexp", x)  # (NumPy's logaddexp.accumulate)
    if reverse:
        x = np.flip(x, axis)
    out = np.logaddexp.accumulate(x, axis=axis)
    if exclusive:
        head = np.full_like(np.take(out, [0], axis=axis), -np.inf)
        rest = np.take(out, np.arange(out.shape[axis] - 1), axis=axis)
        out = np.concatenate([head, rest], axis=axis)
    return np.flip(out, axis) if reverse else out


def _log_parts(v: Tensor) -> tuple:
    """``log(v)`` where ``v > 0`` and ``log(-v)`` where ``v < 0``, the lowest float elsewhere."""
    low = np.asarray(np.finfo(v.dtype).min, v.dtype)[()]
    positive = where(greater(v, 0), log(where(greater(v, 0), v, 1)), low)
    negative = where(less(v, 0), log(where(less(v, 0), -v, 1)), low)
    return positive, negative


def _cumlse_vjp(g, ans, x, axis, exclusive, reverse):
    positive, negative = _log_parts(g)
    flipped = {"axis": axis, "exclusive": exclusive, "reverse": not reverse}
    out_pos = exp(cumulative_logsumexp_p.bind(positive - ans, **flipped) + x)
    out_neg = exp(cumulative_logsumexp_p.bind(negative - ans, **flipped) + x)
    return out_pos - out_neg


def _cumlse_jvp(t, ans, x, axis, exclusive, reverse):
    # t_out[j] = sum over the window of j of t[i] * exp(x[i] - ans[j]) (each weight <= 1)
    positive, negative = _log_parts(t)
    same = {"axis": axis, "exclusive": exclusive, "reverse": reverse}
    finite = where(greater(ans, -np.inf), ans, 0)  # an empty window (-inf) has no tangent
    out_pos = exp(cumulative_logsumexp_p.bind(positive + x, **same) - finite)
    out_neg = exp(cumulative_logsumexp_p.bind(negative + x, **same) - finite)
    return out_pos - out_neg


cumulative_logsumexp_p: Primitive = Primitive(
    "cumulative_logsumexp", _cumlse_impl, vjps=(_cumlse_vjp,), jvps=(_cumlse_jvp,),
    reads=((0, ANS),), dtypes="f",
)
"""``log(cumsum(exp(x)))`` along a negative ``axis``, computed with ``logaddexp``."""


def cumulative_logsumexp(
    x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False, name: Any = None
) -> Tensor:
    """``log(cumsum(exp(x)))`` along an axis, without overflow (``tf.math.cumulative_logsumexp``).

    Args:
        x: A float tensor.
        axis: The axis (default 0).
        exclusive: Leave each entry out of its own sum (the first becomes -inf).
        reverse: Accumulate from the end.
        name: Ignored.

    Returns:
        A tensor of ``x``'s shape and dtype.

    >>> import tapegrad as tg
    >>> y = tg.math.cumulative_logsumexp(tg.constant([0.0, 0.0, 1000.0]))
    >>> [round(v, 4) for v in y.numpy().tolist()]
    [0.0, 0.6931, 1000.0]
    """
    op = "cumulative_logsumexp"
    t = convert_to_tensor(x)
    if t.dtype.kind != "f":
        raise TypeError(f"{op}: x must be a float tensor, got dtype {t.dtype.name} (shape "
                        f"{t.shape}); cast it with tapegrad.cast.")
    if t.ndim == 0:
        raise InvalidArgumentError(f"{op}: x must have rank >= 1, got a scalar.")
    ax = normalize_axis(axis, t.ndim, op)
    return cumulative_logsumexp_p.bind(t, axis=ax, exclusive=bool(exclusive),
                                       reverse=bool(reverse))


# --- count_nonzero -----------------------------------------------------------------------
def count_nonzero(
    input: Any, axis: Any = None, keepdims: Any = None, dtype: Any = np.int64, name: Any = None
) -> Tensor:
    """The number of non-zero entries over axes (``tf.math.count_nonzero``).

    Args:
        input: A numeric or bool tensor.
        axis: Axes to count over (default: all).
        keepdims: Keep the counted axes with size 1.
        dtype: The output dtype (default int64).
        name: Ignored.

    Returns:
        The counts (no gradient).

    >>> import tapegrad as tg
    >>> tg.math.count_nonzero(tg.constant([[0.0, 1.0], [2.0, 0.5]]), axis=1).numpy().tolist()
    [1, 2]
    """
    t = convert_to_tensor(input)
    axes = normalize_axes(axis, t.ndim, "count_nonzero")
    nonzero = t if t.dtype == np.bool_ else not_equal(t, np.zeros((), t.dtype)[()])
    counts = cast(nonzero, np.int64)
    total = reduce_sum(counts, list(axes), keepdims=bool(keepdims)) if axes else counts
    target = np.dtype(as_dtype(dtype))
    return total if target == np.int64 else cast(total, target)


# --- bincount ----------------------------------------------------------------------------
def _bound(value: Any, op: str, arg: str) -> int | None:
    if value is None:
        return None
    v = _index_array(value, op, arg)
    if v.ndim != 0 or int(v) < 0:
        raise InvalidArgumentError(
            f"{op}: {arg} must be a non-negative integer scalar, got {v.tolist()}.")
    return int(v)


def bincount(
    arr: Any,
    weights: Any = None,
    minlength: Any = None,
    maxlength: Any = None,
    dtype: Any = np.int32,
    name: Any = None,
    axis: Any = None,
    binary_output: bool = False,
) -> Tensor:
    """How often each value occurs in an integer tensor (``tf.math.bincount``).

    The output has ``max(arr) + 1`` bins, at least ``minlength`` and at most
    ``maxlength`` (values beyond are dropped). With ``weights`` each occurrence adds its
    weight (a gradient flows to ``weights``; TensorFlow has none); ``binary_output``
    gives 1 for each value present. ``axis=-1`` counts each row of a 2-D ``arr``.

    Args:
        arr: Non-negative integers.
        weights: None, or a tensor of ``arr``'s shape.
        minlength: The least number of bins.
        maxlength: The most bins.
        dtype: The count dtype without weights (default int32).
        name: Ignored.
        axis: None or 0 (count everything), or -1 (count each row).
        binary_output: Whether to mark presence instead of counting.

    Returns:
        ``[bins]``, or ``[rows, bins]`` for ``axis=-1``.

    >>> import tapegrad as tg
    >>> tg.math.bincount(tg.constant([1, 1, 3])).numpy().tolist()
    [0, 2, 0, 1]
    """
    op = "bincount"
    a = _index_array(read_values(arr), op, "arr")  # (counted in NumPy: a guarded value)
    if a.size and a.min() < 0:
        raise InvalidArgumentError(
            f"{op}: arr must be non-negative, got {int(a.min())} (arr shape {a.shape}); counts "
            "exist only for values >= 0."
        )
    if axis not in (None, 0, -1):
        raise InvalidArgumentError(f"{op}: axis must be None, 0 or -1, got {axis!r}.")
    per_row = axis == -1
    if per_row and a.ndim != 2:
        raise InvalidArgumentError(f"{op}: axis=-1 needs a 2-D arr, got shape {a.shape}.")
    lo, hi = _bound(minlength, op, "minlength"), _bound(maxlength, op, "maxlength")
    bins = int(a.max()) + 1 if a.size else 0
    if lo is not None:
        bins = max(bins, lo)
    if hi is not None:
        bins = min(bins, hi)
    rows = a.shape[0] if per_row else 1
    flat = a.reshape(rows, -1)
    keep = flat < bins
    ids = np.where(keep, flat + bins * np.arange(rows)[:, None], -1)
    out_shape = (rows, bins) if per_row else (bins,)
    if weights is not None and not binary_output:
        w = convert_to_tensor(weights)
        if w.shape != a.shape:
            raise InvalidArgumentError(
                f"{op}: weights (shape {w.shape}) must have arr's shape {a.shape}."
            )
        summed = unsorted_segment_sum(reshape_p.bind(w, shape=(w.size,)), ids.reshape(-1),
                                      rows * bins)
        return reshape_p.bind(summed, shape=out_shape)
    counts = np.bincount(ids[keep].reshape(-1), minlength=rows * bins)[: rows * bins]
    if binary_output:
        counts = np.minimum(counts, 1)
    kind = np.dtype(as_dtype(dtype)) if weights is None else convert_to_tensor(weights).dtype
    return Tensor._wrap(counts.reshape(out_shape).astype(kind))
