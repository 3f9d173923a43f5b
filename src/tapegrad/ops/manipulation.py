"""Rearranging ops TensorFlow programs use: slice, strided_slice, roll, repeat, meshgrid,
unique, searchsorted, sequence_mask and add_n.

``slice`` and ``strided_slice`` translate TensorFlow's begin/end/strides and masks into
the index ``x[key]`` takes, so they and ``Tensor.__getitem__`` record one primitive
(``getitem``). ``roll`` is a linear primitive (its transpose rolls back). The others
compose existing ops, as TensorFlow's Python layer does: ``repeat`` and ``unique`` gather,
``meshgrid`` reshapes and broadcasts, ``add_n`` adds.
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.indexed_slices import IndexedSlices
from .._core.primitive import Primitive
from .._core.tensor import Tensor, as_dtype, convert_to_tensor
from ._args import read_values
from ._namespace import namespace, numpy_only
from ._rules import linear, nondifferentiable, normalize_axis
from .binary import less
from .casting import cast
from .index import IndexOutOfRangeError, _index_array, gather, getitem
from .shape import _unchanged, broadcast_to_p, reshape_p

__all__ = [
    "slice",
    "strided_slice",
    "roll",
    "repeat",
    "meshgrid",
    "unique",
    "searchsorted",
    "sequence_mask",
    "add_n",
]

_slice = builtins.slice  # ``slice`` below shadows the builtin


def _int_list(value: Any, op: str, arg: str) -> list:
    return [int(v) for v in _index_array(read_values(value), op, arg).reshape(-1)]  # (guarded)


# --- slice -----------------------------------------------------------------------------
def slice(input_: Any, begin: Any, size: Any, name: Any = None) -> Tensor:
    """The block of ``size[i]`` entries from ``begin[i]`` on each axis (``tf.slice``).

    A size of -1 takes everything from ``begin`` to the end of the axis. The gradient
    writes the cotangent back into zeros.

    Args:
        input_: The tensor.
        begin: One start per axis (ints >= 0).
        size: One length per axis (ints >= 0, or -1).
        name: Ignored.

    Returns:
        A tensor of shape ``size`` (with -1 resolved).

    >>> import tapegrad as tg
    >>> tg.slice(tg.constant([[1, 2, 3], [4, 5, 6]]), [1, 0], [1, -1]).numpy().tolist()
    [[4, 5, 6]]
    """
    op = "slice"
    x = convert_to_tensor(input_)
    b = _int_list(begin, op, "begin")
    s = _int_list(size, op, "size")
    if len(b) != x.ndim or len(s) != x.ndim:
        raise InvalidArgumentError(
            f"{op}: begin {b} and size {s} must have one entry per axis of the input (shape "
            f"{x.shape}, rank {x.ndim})."
        )
    key = []
    for i, (start, length, dim) in enumerate(zip(b, s, x.shape)):
        if length == -1:
            length = dim - start
        if not 0 <= start <= dim:
            raise IndexOutOfRangeError(
                f"{op}: expected begin[{i}] in [0, {dim}], but got {start} (input shape "
                f"{x.shape}, dtype {x.dtype.name})."
            )
        if not 0 <= length <= dim - start:
            raise IndexOutOfRangeError(
                f"{op}: expected size[{i}] in [0, {dim - start}], but got {s[i]} (begin "
                f"{b}, input shape {x.shape}, dtype {x.dtype.name}); use -1 for 'to the end'."
            )
        key.append(_slice(start, start + length))
    if all(k.start == 0 and k.stop == d for k, d in zip(key, x.shape)):
        return _unchanged(x)
    return getitem(x, tuple(key))


# --- strided_slice -----------------------------------------------------------------------
def _bit(mask: int, i: int) -> bool:
    return bool((mask >> i) & 1)


def _strided_key(x: Tensor, begin: list, end: list, strides: list, masks: tuple) -> tuple:
    """TensorFlow's sparse slice spec as the index ``x[key]`` takes."""
    op = "strided_slice"
    begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask = masks
    if bin(ellipsis_mask).count("1") > 1:
        raise InvalidArgumentError(
            f"{op}: ellipsis_mask {ellipsis_mask} sets more than one bit; at "
                         "most one ellipsis is allowed.")
    # The axis each spec entry lands on (for range checks of shrunk axes).
    n = len(begin)
    after_ellipsis = 0
    key: list = []
    axis = 0
    for i in range(n):
        if _bit(ellipsis_mask, i):
            rest = sum(1 for j in range(i + 1, n) if not _bit(new_axis_mask, j))
            after_ellipsis = max(x.ndim - axis - rest, 0)
            key.append(Ellipsis)
            axis += after_ellipsis
        elif _bit(new_axis_mask, i):
            key.append(None)
        elif _bit(shrink_axis_mask, i):
            if axis >= x.ndim:
                raise InvalidArgumentError(
                    f"{op}: the slice spec has more entries than the input has "
                                 f"axes (shape {x.shape}).")
            if strides[i] <= 0:
                raise InvalidArgumentError(
                    f"{op}: strides[{i}] is {strides[i]}, but entry {i} shrinks an axis "
                    "(shrink_axis_mask): only positive strides are allowed on a single index."
                )
            dim = x.shape[axis]
            index = begin[i]
            if not -dim <= index < dim:
                raise IndexOutOfRangeError(
                    f"{op}: slice index {index} of dimension {axis} out of bounds (input shape "
                    f"{x.shape}, dtype {x.dtype.name}); valid indices are {-dim} to {dim - 1}."
                )
            key.append(index)
            axis += 1
        else:
            if strides[i] == 0:
                raise InvalidArgumentError(
                    f"{op}: strides[{i}] must be non-zero, got strides {strides}.")
            key.append(_slice(None if _bit(begin_mask, i) else begin[i],
                              None if _bit(end_mask, i) else end[i], strides[i]))
            axis += 1
    if axis > x.ndim:
        raise InvalidArgumentError(
            f"{op}: the slice spec (begin {begin}) indexes {axis} axes, but the input has shape "
            f"{x.shape} (rank {x.ndim})."
        )
    return tuple(key)


def strided_slice(
    input_: Any,
    begin: Any,
    end: Any,
    strides: Any = None,
    begin_mask: int = 0,
    end_mask: int = 0,
    ellipsis_mask: int = 0,
    new_axis_mask: int = 0,
    shrink_axis_mask: int = 0,
    var: Any = None,
    name: Any = None,
) -> Tensor:
    """A strided slice with TensorFlow's masks (``tf.strided_slice``), the op behind ``x[...]``.

    Entry ``i`` of ``begin``/``end``/``strides`` is a Python slice ``begin:end:stride``,
    unless bit ``i`` of a mask says otherwise: ``begin_mask``/``end_mask`` drop the
    bound, ``ellipsis_mask`` makes it ``...``, ``new_axis_mask`` ``None`` (a new axis of
    size 1), ``shrink_axis_mask`` the single index ``begin[i]`` (the axis disappears; out
    of range raises). It records the same primitive as ``x[key]``.

    Args:
        input_: The tensor.
        begin: Start indices (negative count from the end).
        end: Stop indices (exclusive).
        strides: Steps (non-zero; default all 1).
        begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask: Bit masks.
        var: Ignored (TensorFlow's sliced-assignment hook).
        name: Ignored.

    Returns:
        The slice.

    >>> import tapegrad as tg
    >>> x = tg.reshape(tg.range(12), [3, 4])
    >>> tg.strided_slice(x, [0, 3], [3, 0], [2, -1], end_mask=1).numpy().tolist()
    [[3, 2, 1], [11, 10, 9]]
    """
    op = "strided_slice"
    x = convert_to_tensor(input_)
    b = _int_list(begin, op, "begin")
    e = _int_list(end, op, "end")
    s = [1] * len(b) if strides is None else _int_list(strides, op, "strides")
    if not len(b) == len(e) == len(s):
        raise InvalidArgumentError(
            f"{op}: begin {b}, end {e} and strides {s} must have the same length."
        )
    masks = tuple(int(m) for m in (begin_mask, end_mask, ellipsis_mask, new_axis_mask,
                                   shrink_axis_mask))
    return getitem(x, _strided_key(x, b, e, s, masks))


# --- roll -------------------------------------------------------------------------------
def _roll_impl(x, shift, axis):
    return namespace(x).roll(x, shift, axis=axis)


roll_p: Primitive = linear(
    "roll", _roll_impl,
    vjps=(lambda g, ans, x, shift, axis: roll_p.bind(
        g, shift=tuple(-s for s in shift), axis=axis),),
)
"""``np.roll`` with axes counted from the end (so leading batch axes need no change)."""


def roll(input: Any, shift: Any, axis: Any, name: Any = None) -> Tensor:
    """Shift entries cyclically along axes (``tf.roll``).

    ``shift`` and ``axis`` are ints or equal-length lists; shifts on a repeated axis
    add up. The gradient rolls back.

    Args:
        input: The tensor.
        shift: How far to shift (negative shifts towards the start).
        axis: Which axes.
        name: Ignored.

    Returns:
        A tensor of ``input``'s shape.

    >>> import tapegrad as tg
    >>> tg.roll(tg.constant([0, 1, 2, 3, 4]), 2, 0).numpy().tolist()
    [3, 4, 0, 1, 2]
    """
    op = "roll"
    x = convert_to_tensor(input)
    shifts = _int_list(shift, op, "shift")
    axes = _int_list(axis, op, "axis")
    if len(shifts) != len(axes):
        raise InvalidArgumentError(
            f"{op}: shift {shifts} and axis {axes} must have the same length."
        )
    total: dict = {}
    for s, a in zip(shifts, axes):
        n = normalize_axis(a, x.ndim, op)
        total[n] = total.get(n, 0) + s
    kept = {a: s % x.shape[a] for a, s in total.items() if x.shape[a] and s % x.shape[a]}
    if not kept:
        return _unchanged(x)
    return roll_p.bind(x, shift=tuple(kept.values()), axis=tuple(kept))


# --- repeat -----------------------------------------------------------------------------
def repeat(input: Any, repeats: Any, axis: Any = None, name: Any = None) -> Tensor:
    """Repeat each entry along an axis (``tf.repeat``; ``np.repeat``'s semantics).

    Args:
        input: The tensor (flattened first when ``axis`` is None).
        repeats: An int, or one non-negative int per entry along ``axis``.
        axis: The axis, or None.
        name: Ignored.

    Returns:
        The tensor with entries repeated; the gradient sums the copies.

    >>> import tapegrad as tg
    >>> tg.repeat(tg.constant([[1, 2], [3, 4]]), [1, 2], axis=0).numpy().tolist()
    [[1, 2], [3, 4], [3, 4]]
    """
    op = "repeat"
    x = convert_to_tensor(input)
    if axis is None:
        x = reshape_p.bind(x, shape=(x.size,)) if x.ndim != 1 else x
        axis = 0
    ax = normalize_axis(axis, x.ndim, op)
    n = x.shape[ax]
    reps = _index_array(repeats, op, "repeats")
    if reps.ndim > 1 or (reps.ndim == 1 and reps.size not in (1, n)):
        raise InvalidArgumentError(
            f"{op}: repeats must be a scalar or have one entry per element of axis {axis} "
            f"(size {n}, input shape {x.shape}), got shape {reps.shape}."
        )
    if (reps < 0).any():
        raise InvalidArgumentError(f"{op}: repeats must be >= 0, got {reps.tolist()}.")
    rows = np.repeat(np.arange(n), np.broadcast_to(reps.reshape(-1), (n,)))
    return gather(x, rows.astype(np.int64), axis=ax)


# --- meshgrid ---------------------------------------------------------------------------
def meshgrid(*args: Any, **kwargs: Any) -> list:
    """Coordinate grids from 1-D coordinate vectors (``tf.meshgrid``).

    Args:
        *args: Tensors (flattened to 1-D), one per grid axis.
        **kwargs: ``indexing="xy"`` (default: the first two output axes swapped, as
            Cartesian plots) or ``"ij"`` (matrix indexing); ``name`` is ignored.

    Returns:
        A list of ``len(args)`` tensors of the grid's shape.

    >>> import tapegrad as tg
    >>> x, y = tg.meshgrid(tg.constant([1, 2, 3]), tg.constant([4, 5]))
    >>> x.numpy().tolist(), tuple(y.shape)
    ([[1, 2, 3], [1, 2, 3]], (2, 3))
    """
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"meshgrid: unexpected keyword arguments {sorted(kwargs)}; it takes "
                        "indexing= and name=.")
    if indexing not in ("xy", "ij"):
        raise InvalidArgumentError(f'meshgrid: indexing must be "xy" or "ij", got {indexing!r}.')
    xs = [convert_to_tensor(a) for a in args]
    xs = [reshape_p.bind(x, shape=(x.size,)) if x.ndim != 1 else x for x in xs]
    n = len(xs)
    sizes = [x.shape[0] for x in xs]
    if indexing == "xy" and n > 1:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, x in enumerate(xs):
        axis = i if not (indexing == "xy" and i < 2 and n > 1) else 1 - i
        dims = tuple(x.size if j == axis else 1 for j in range(n))
        shaped = reshape_p.bind(x, shape=dims) if dims != tuple(x.shape) else x
        out.append(broadcast_to_p.bind(shaped, shape=tuple(sizes))
                   if tuple(shaped.shape) != tuple(sizes) else shaped)
    return out


# --- unique -----------------------------------------------------------------------------
def unique(x: Any, out_idx: Any = np.int32, name: Any = None) -> tuple:
    """The distinct entries of a vector in order of first appearance (``tf.unique``).

    Args:
        x: A 1-D tensor.
        out_idx: The dtype of ``idx`` (int32 or int64).
        name: Ignored.

    Returns:
        ``(y, idx)`` with ``y[idx] == x``. ``y`` is gathered from ``x``, so it carries a
        gradient (TensorFlow has none for Unique).

    >>> import tapegrad as tg
    >>> y, idx = tg.unique(tg.constant([1, 1, 2, 4, 4, 4, 7, 8, 8]))
    >>> y.numpy().tolist(), idx.numpy().tolist()
    ([1, 2, 4, 7, 8], [0, 0, 1, 2, 2, 2, 3, 4, 4])
    """
    op = "unique"
    t = convert_to_tensor(x)
    if t.ndim != 1:
        raise InvalidArgumentError(f"{op}: x must be a vector (rank 1), got shape {t.shape}.")
    kind = as_dtype(out_idx)
    if np.dtype(kind) not in (np.dtype(np.int32), np.dtype(np.int64)):
        raise TypeError(f"{op}: out_idx must be int32 or int64, got {out_idx!r}.")
    numpy_only("unique", t._value)  # (NumPy's unique, on the host)
    _, first, inverse = np.unique(t._value, return_index=True, return_inverse=True,
                                  equal_nan=False)  # each NaN is its own value, as TF
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    y = gather(t, first[order].astype(np.int64))
    return y, Tensor._wrap(rank[inverse.reshape(-1)].astype(kind))


# --- searchsorted ------------------------------------------------------------------------
def _searchsorted_impl(seq, values, side, out_type):
    numpy_only("searchsorted", seq, values)  # (one NumPy search per row)
    rows = int(np.prod(values.shape[:-1], dtype=np.int64))
    s = seq.reshape(rows, seq.shape[-1])
    v = values.reshape(rows, values.shape[-1])
    found = [np.searchsorted(s[r], v[r], side=side) for r in range(rows)]
    return np.stack(found).astype(out_type).reshape(values.shape) if rows else \
        np.zeros(values.shape, out_type)


searchsorted_p: Primitive = nondifferentiable("searchsorted", _searchsorted_impl, dtypes="fiu")


def searchsorted(
    sorted_sequence: Any, values: Any, side: str = "left", out_type: Any = np.int32,
    name: Any = None,
) -> Tensor:
    """Where ``values`` would go in each sorted row (``tf.searchsorted``).

    Args:
        sorted_sequence: ``[..., N]``, each row sorted ascending.
        values: ``[..., M]`` with as many rows (the leading dimensions may be shaped
            differently, as TensorFlow flattens both).
        side: "left" (first suitable position) or "right" (last).
        out_type: int32 or int64.
        name: Ignored.

    Returns:
        ``[..., M]`` integer positions (no gradient).

    >>> import tapegrad as tg
    >>> tg.searchsorted(tg.constant([1.0, 2.0, 3.0]), tg.constant([2.5, 2.0])).numpy().tolist()
    [2, 1]
    """
    op = "searchsorted"
    seq = convert_to_tensor(sorted_sequence)
    v = convert_to_tensor(values, dtype_hint=seq.dtype)
    if side not in ("left", "right"):
        raise InvalidArgumentError(f'{op}: side must be "left" or "right", got {side!r}.')
    kind = np.dtype(as_dtype(out_type))
    if kind not in (np.dtype(np.int32), np.dtype(np.int64)):
        raise TypeError(f"{op}: out_type must be int32 or int64, got {out_type!r}.")
    rows = int(np.prod(seq.shape[:-1], dtype=np.int64))
    if seq.ndim < 1 or v.ndim < 1 or rows != int(np.prod(v.shape[:-1], dtype=np.int64)):
        raise InvalidArgumentError(
            f"{op}: sorted_sequence (shape {seq.shape}) and values (shape {v.shape}) must have "
            "rank >= 1 and as many rows (the product of the leading dimensions)."
        )
    if seq.dtype != v.dtype:
        raise TypeError(
            f"{op}: sorted_sequence dtype {seq.dtype.name} and values dtype {v.dtype.name} "
            "differ; cast one with tapegrad.cast."
        )
    return searchsorted_p.bind(seq, v, side=side, out_type=kind)


# --- sequence_mask -----------------------------------------------------------------------
def sequence_mask(lengths: Any, maxlen: Any = None, dtype: Any = bool, name: Any = None) -> Tensor:
    """``mask[..., j] = j < lengths[...]`` (``tf.sequence_mask``).

    Args:
        lengths: Integer tensor of lengths.
        maxlen: The mask's last dimension (default: the largest length).
        dtype: The output dtype (default bool).
        name: Ignored.

    Returns:
        A tensor of shape ``lengths.shape + [maxlen]``.

    >>> import tapegrad as tg
    >>> tg.sequence_mask([1, 3], 4).numpy().tolist()
    [[True, False, False, False], [True, True, True, False]]
    """
    op = "sequence_mask"
    n = _index_array(read_values(lengths), op, "lengths")  # (a compiled function guards it)
    if maxlen is None:
        size = int(n.max()) if n.size else 0
    else:
        m = _index_array(read_values(maxlen), op, "maxlen")
        if m.ndim != 0:
            raise InvalidArgumentError(f"{op}: maxlen must be a scalar, got shape {m.shape}.")
        size = int(m)
    size = max(size, 0)
    steps = Tensor._wrap(np.arange(size, dtype=n.dtype))
    mask = less(steps, Tensor._wrap(n[..., None]))
    target = np.dtype(as_dtype(dtype))
    return mask if target == np.bool_ else cast(mask, target)


# --- add_n ------------------------------------------------------------------------------
def add_n(inputs: Sequence[Any], name: Any = None) -> Tensor:
    """The sum of a list of tensors of one shape and dtype (``tf.add_n``).

    Args:
        inputs: A non-empty list of tensors (IndexedSlices are made dense).
        name: Ignored.

    Returns:
        Their elementwise sum; each input's gradient is the output's.

    >>> import tapegrad as tg
    >>> tg.add_n([tg.constant([1.0, 2.0]), tg.constant([3.0, 4.0])]).numpy().tolist()
    [4.0, 6.0]
    """
    op = "add_n"
    if isinstance(inputs, (Tensor, IndexedSlices)) or not isinstance(inputs, (list, tuple)):
        raise InvalidArgumentError(f"{op}: inputs must be a list of at least one tensor, got "
                         f"{type(inputs).__name__}.")
    if not inputs:
        raise InvalidArgumentError(f"{op}: inputs must be a list of at least one tensor, got [].")
    xs = [convert_to_tensor(v) for v in inputs]
    first = xs[0]
    for i, x in enumerate(xs[1:], 1):
        if x.dtype != first.dtype:
            raise TypeError(
                f"{op}: inputs[{i}] has dtype {x.dtype.name} but inputs[0] has "
                f"{first.dtype.name}; cast them to one dtype."
            )
        if x.shape != first.shape:
            raise InvalidArgumentError(
                f"{op}: inputs[{i}] has shape {x.shape} but inputs[0] has {first.shape}; add_n "
                "does not broadcast (reshape or tapegrad.broadcast_to them first)."
            )
    if len(xs) == 1:
        return xs[0]
    return functools.reduce(lambda a, b: a + b, xs)
