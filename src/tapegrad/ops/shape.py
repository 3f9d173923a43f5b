"""Shape ops: reshape, transpose, broadcasting and reduce_sum, stacking, joining, splitting.

These ops are linear, so each JVP is the op itself applied to the tangent,
and each VJP is its "transpose" op (reshape back, inverse permutation, sum
over broadcast copies, broadcast a sum back, split what was concatenated).
``broadcast_to`` and ``reduce_sum`` live together: each is the other's
transpose. Cotangents and tangents may carry extra leading batch
dimensions (``lead``): rules shift absolute shapes and permutations by that
many axes, and everything else uses negative axes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.indexed_slices import IndexedSlices
from .._core.primitive import Primitive
from .._core.tensor import Tensor, convert_to_tensor
from ._args import ints_arg as _ints
from ._args import read_values
from ._namespace import dtype_for, namespace, numpy_dtype, scatter_add, take
from ._rules import lead, linear, normalize_axes, normalize_axis, shape_of
from .casting import conj_p, identity_p

__all__ = [
    "reshape",
    "transpose",
    "broadcast_to",
    "stack",
    "unstack",
    "concat",
    "split",
    "expand_dims",
    "squeeze",
    "matrix_transpose",
]


def _unchanged(x: Tensor) -> Tensor:
    """A new tensor for a call that changes nothing (as TensorFlow: never the input itself).

    Returning ``x`` would make the result the input: watching it would watch ``x``, and a
    gradient with respect to it would add up the paths through ``x``. Identity shares the
    array and records one op.
    """
    return identity_p.bind(x)


# --- reshape, expand_dims, squeeze ------------------------------------------------------
def _resolve_shape(shape: Any, size: int, op: str, input_shape: tuple) -> tuple:
    """The target shape with its -1 inferred, by TensorFlow's rule for empty tensors.

    When the target holds a 0, zero dimensions count in neither product, so the -1
    still takes the size of the other dimensions: ``(0, 3)`` to ``(0, -1)`` is ``(0, 3)``.
    """
    dims = _ints(shape, op, "shape")
    unknown = [i for i, d in enumerate(dims) if d == -1]
    if len(unknown) > 1 or any(d < -1 for d in dims):
        raise InvalidArgumentError(
            f"{op}: shape {dims} may hold at most one -1 and no other negatives."
        )
    if unknown:
        known = math.prod(d for d in dims if d > 0)
        if 0 in dims:
            dims[unknown[0]] = math.prod(d for d in input_shape if d > 0) // known
        elif size % known:
            raise InvalidArgumentError(
                f"{op}: cannot reshape a tensor of shape {input_shape} ({size} elements) to "
                f"{dims}: {size} is not a multiple of {known}."
            )
        else:
            dims[unknown[0]] = size // known
    if math.prod(dims) != size:
        raise InvalidArgumentError(
            f"{op}: cannot reshape a tensor of shape {input_shape} ({size} elements) to shape "
            f"{tuple(dims)} ({math.prod(dims)} elements)."
        )
    return tuple(dims)


def _reshape_impl(x, shape):
    try:
        return x.reshape(shape)  # the array method: duck-typed, and cheaper than np.reshape
    except (AttributeError, NotImplementedError):  # (the standard has no method; Dask may
        return _reshape_other(x, shape)  # refuse its chunks)


def _reshape_other(x, shape):
    if hasattr(x, "rechunk"):  # Dask: whole trailing axes, then the leading axis as well
        try:
            return x.rechunk({i: -1 for i in range(1, x.ndim)}).reshape(shape)
        except NotImplementedError:
            return x.rechunk(-1).reshape(shape)
    return namespace(x).reshape(x, shape)


def _reshape_vjp(g, ans, x, shape):
    return reshape_p.bind(g, shape=shape_of(g)[: lead(g, len(shape))] + tuple(shape_of(x)))


def _reshape_batched(t, x, shape):
    return {"shape": t.shape[: lead(t, x.ndim)] + tuple(shape)}


reshape_p: Primitive = linear("reshape", _reshape_impl, vjps=(_reshape_vjp,),
                              batched=_reshape_batched)


def reshape(tensor: Any, shape: Any, name: Any = None) -> Tensor:
    """Same values in row-major order, new shape (``tf.reshape``).

    Args:
        tensor: The tensor to reshape.
        shape: The new shape; one dimension may be -1 (inferred).
        name: Ignored.

    Returns:
        A tensor of ``shape`` with the same elements.

    >>> import tapegrad as tg
    >>> tg.reshape(tg.range(6), [2, -1]).shape
    TensorShape([2, 3])
    """
    x = convert_to_tensor(tensor)
    new_shape = _resolve_shape(shape, x.size, "reshape", x.shape)
    if new_shape == x.shape:
        return _unchanged(x)
    return reshape_p.bind(x, shape=new_shape)


def expand_dims(input: Any, axis: int, name: Any = None) -> Tensor:
    """Insert a size-1 axis at ``axis`` (``tf.expand_dims``).

    Args:
        input: The tensor.
        axis: Position of the new axis, in ``[-(rank + 1), rank]``.
        name: Ignored.

    Returns:
        A tensor of rank ``rank + 1``.

    >>> import tapegrad as tg
    >>> tg.expand_dims(tg.zeros((2, 3)), -1).shape
    TensorShape([2, 3, 1])
    """
    x = convert_to_tensor(input)
    if isinstance(axis, Tensor):
        axis = read_values(axis)
    a = normalize_axis(axis, x.ndim + 1, "expand_dims") % (x.ndim + 1)
    return reshape_p.bind(x, shape=x._value.shape[:a] + (1,) + x._value.shape[a:])


def squeeze(input: Any, axis: Any = None, name: Any = None) -> Tensor:
    """Remove size-1 axes: all of them, or those in ``axis`` (``tf.squeeze``).

    Args:
        input: The tensor.
        axis: An int or list of ints; each named axis must have size 1.
        name: Ignored.

    Returns:
        The tensor without those axes.

    >>> import tapegrad as tg
    >>> tg.squeeze(tg.zeros((1, 3, 1))).shape
    TensorShape([3])
    """
    x = convert_to_tensor(input)
    if axis is None or (isinstance(axis, (list, tuple)) and not axis):
        keep = tuple(d for d in x._value.shape if d != 1)
    else:
        axes = {normalize_axis(a, x.ndim, "squeeze") % x.ndim
                for a in _ints(axis, "squeeze", "axis")}
        for a in sorted(axes):
            if x._value.shape[a] != 1:
                raise InvalidArgumentError(
                    f"squeeze: cannot squeeze axis {a} of a tensor of shape {x.shape}: expected "
                    f"a dimension of 1, got {x.shape[a]}."
                )
        keep = tuple(d for i, d in enumerate(x._value.shape) if i not in axes)
    return _unchanged(x) if keep == x._value.shape else reshape_p.bind(x, shape=keep)


# --- transpose --------------------------------------------------------------------
def _transpose_impl(x, perm):
    try:
        return x.transpose(perm)  # (the array method: NumPy, Dask, CuPy)
    except (AttributeError, TypeError):
        return namespace(x).permute_dims(x, perm)


def _shifted(perm: Sequence[int], k: int) -> tuple:
    return tuple(range(k)) + tuple(p + k for p in perm)


def _transpose_vjp(g, ans, x, perm):
    inverse = tuple(int(i) for i in np.argsort(perm))
    return transpose_p.bind(g, perm=_shifted(inverse, lead(g, len(perm))))


def _transpose_batched(t, x, perm):
    return {"perm": _shifted(perm, lead(t, len(perm)))}


transpose_p: Primitive = linear("transpose", _transpose_impl, vjps=(_transpose_vjp,),
                                batched=_transpose_batched)


def transpose(a: Any, perm: Any = None, conjugate: bool = False, name: Any = None) -> Tensor:
    """Permute the axes (``tf.transpose``); reverses them when ``perm`` is None.

    Args:
        a: The tensor.
        perm: A permutation of ``range(rank)`` (negative entries count from the end).
        conjugate: Also conjugate complex values.
        name: Ignored.

    Returns:
        The transposed tensor: axis ``i`` of the result is axis ``perm[i]`` of ``a``.

    >>> import tapegrad as tg
    >>> tg.transpose(tg.zeros((2, 3))).shape
    TensorShape([3, 2])
    """
    x = convert_to_tensor(a)
    if perm is None:
        perm = tuple(range(x.ndim - 1, -1, -1))
    else:
        perm = tuple(_ints(perm, "transpose", "perm"))
        n = x.ndim
        if len(perm) != n or any(not -n <= p < n for p in perm) or sorted(
            p % n for p in perm
        ) != list(range(n)):
            raise InvalidArgumentError(
                f"transpose: perm {list(perm)} is not a permutation of the {n} axes of a "
                f"tensor of shape {x.shape}; expected a reordering of {list(range(n))}."
            )
        perm = tuple(p % n for p in perm)
    out = _unchanged(x) if perm == tuple(range(x.ndim)) else transpose_p.bind(x, perm=perm)
    if conjugate and out.dtype.kind == "c":
        out = conj_p.bind(out)
    return out


def _swap_last(x):
    return x.swapaxes(-1, -2) if hasattr(x, "swapaxes") else namespace(x).matrix_transpose(x)


matrix_transpose_p: Primitive = linear(
    "matrix_transpose", _swap_last, vjps=(lambda g, ans, x: matrix_transpose_p.bind(g),)
)


def matrix_transpose(a: Any, name: Any = None, conjugate: bool = False) -> Tensor:
    """Swap the last two axes (of a batch of matrices).

    Args:
        a: A tensor of rank >= 2.
        name: Ignored.
        conjugate: Also conjugate complex values.

    Returns:
        The tensor with its last two axes swapped.

    >>> import tapegrad as tg
    >>> tg.linalg.matrix_transpose(tg.zeros((4, 2, 3))).shape
    TensorShape([4, 3, 2])
    """
    x = convert_to_tensor(a)
    if x.ndim < 2:
        raise InvalidArgumentError(
            f"matrix_transpose: expected a tensor of rank >= 2, got shape {x.shape}."
        )
    out = matrix_transpose_p.bind(x)
    if conjugate and out.dtype.kind == "c":
        out = conj_p.bind(out)
    return out


# --- broadcasting and its transpose ------------------------------------------------------
def _align(t: Tensor, k: int, inner: tuple, rank: int) -> Tensor:
    """Insert size-1 axes after the ``k`` batch axes so ``inner`` has ``rank`` dims."""
    missing = rank - len(inner)
    if missing <= 0:
        return t
    return reshape_p.bind(t, shape=t.shape[:k] + (1,) * missing + tuple(inner))


def _broadcast_to_impl(x, shape):
    if isinstance(x, (np.ndarray, np.generic)):
        return np.broadcast_to(x, shape)
    if any(d != d for d in shape):  # NaN: Dask's unknown lengths (after a boolean mask)
        raise ValueError(f"broadcast_to: the target shape {shape} has lengths not known yet "
                         "(NaN); call compute_chunk_sizes() on the Dask array first.")
    return namespace(x).broadcast_to(x, shape)


def _broadcast_to_jvp(t, ans, x, shape):
    k = lead(t, x.ndim)
    t = _align(t, k, tuple(x.shape), len(shape))
    return broadcast_to_p.bind(t, shape=t.shape[:k] + tuple(shape))


broadcast_to_p: Primitive = Primitive(
    "broadcast_to", _broadcast_to_impl, jvps=(_broadcast_to_jvp,), reads=((),),
    # the cotangent as it is: the reverse sweep sums it down to the input's shape (backprop
    # undoes broadcasting, in one place)
    vjps=(lambda g, ans, x, shape: g,),
)


def broadcast_to(input: Any, shape: Any, name: Any = None) -> Tensor:
    """Broadcast to ``shape`` with NumPy's rules (``tf.broadcast_to``).

    Args:
        input: The tensor to broadcast.
        shape: The target shape (a list of ints or an integer tensor).
        name: Ignored.

    Returns:
        A tensor of ``shape``; its gradient sums over the broadcast axes.

    >>> import tapegrad as tg
    >>> tg.broadcast_to(tg.constant([1.0, 2.0]), [3, 2]).shape
    TensorShape([3, 2])
    """
    x = convert_to_tensor(input)
    shape = tuple(_ints(shape, "broadcast_to", "shape"))
    try:
        np.broadcast_shapes(x.shape, shape)
        if len(shape) < x.ndim or np.broadcast_shapes(x.shape, shape) != shape:
            raise ValueError
    except ValueError:
        raise InvalidArgumentError(
            f"broadcast_to: cannot broadcast input of shape {x.shape} to shape {shape}: "
            "each input dimension must be 1 or equal the target's (aligned on the right)."
        ) from None
    if shape == x.shape:
        return _unchanged(x)
    return broadcast_to_p.bind(x, shape=shape)


def _sum_to_shape_impl(x, shape, batch_ndim):
    extra = x.ndim - len(shape)
    inner = shape[batch_ndim:]
    base = batch_ndim + extra
    axes = tuple(range(batch_ndim, base)) + tuple(
        base + i for i, d in enumerate(inner) if d == 1 and x.shape[base + i] != 1
    )
    if not isinstance(x, (np.ndarray, np.generic)):  # (Dask, CuPy, ...: their namespace's sum)
        if not axes and x.ndim == len(shape):
            return x  # the same shape, but for unknown (NaN) Dask lengths that compare unequal
        xp = namespace(x)
        return xp.reshape(xp.sum(x, axis=axes, keepdims=True) if axes else x, shape)
    out = np.add.reduce(x, axis=axes, keepdims=True) if axes else x
    return out.reshape(shape)


def _sum_to_shape_vjp(g, ans, x, shape, batch_ndim):
    k = lead(g, len(shape))
    extra = x.ndim - len(shape)
    aligned = g.shape[:k] + tuple(shape[:batch_ndim]) + (1,) * extra + tuple(shape[batch_ndim:])
    g = reshape_p.bind(g, shape=aligned) if aligned != g.shape else g
    return broadcast_to_p.bind(g, shape=g.shape[:k] + tuple(x.shape))


def _sum_to_shape_batched(t, x, shape, batch_ndim):
    k = lead(t, x.ndim)
    return {"shape": t.shape[:k] + tuple(shape), "batch_ndim": batch_ndim + k}


sum_to_shape_p: Primitive = linear("sum_to_shape", _sum_to_shape_impl,
                                   vjps=(_sum_to_shape_vjp,), batched=_sum_to_shape_batched)


def sum_to_shape(x: Tensor, shape: tuple, batch_ndim: int = 0) -> Tensor:
    """Sum ``x`` down to ``shape`` (the transpose of broadcasting); used by backprop."""
    if shape_of(x) == tuple(shape):
        return x
    if x.size == math.prod(shape) and x.ndim <= len(shape):
        return reshape_p.bind(x, shape=tuple(shape))
    return sum_to_shape_p.bind(x, shape=tuple(shape), batch_ndim=batch_ndim)


# --- reduce_sum (the transpose of broadcast_to): arguments, then the op -------------------
def _is_int(a: Any) -> bool:
    return isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_))


def _reduction_axes(axis: Any, x: Tensor, op: str) -> tuple:
    """TensorFlow's ``axis`` of a reduction of ``x`` as a sorted tuple of negative ints."""
    return normalize_axes(axis, x.ndim, op, shape=x.shape)


def _single_axis(axis: Any, x: Tensor, op: str) -> int:
    """One axis (an int or a scalar integer tensor) as a negative int."""
    if isinstance(axis, Tensor):
        if axis.ndim != 0:
            raise TypeError(f"{op}: axis must be a scalar, got a tensor of shape {axis.shape}.")
        axis = read_values(axis)
    if not _is_int(axis):
        raise TypeError(f"{op}: axis must be an int or a scalar integer tensor, got {axis!r}.")
    return _reduction_axes(axis, x, op)[0]


def _input(value: Any, kinds: str, op: str, what: str = "input") -> Tensor:
    """Convert ``value`` and check its dtype kind (TensorFlow raises for the others)."""
    x = convert_to_tensor(value)
    if x.dtype.kind not in kinds:
        names = {"f": "float", "c": "complex", "i": "int", "u": "unsigned int", "b": "bool"}
        wanted = ", ".join(names[k] for k in kinds)
        raise TypeError(
            f"{op}: {what} must be a {wanted} tensor, got dtype {x.dtype.name} "
            f"(shape {x.shape})."
        )
    return x


def _accumulator(dtype: np.dtype) -> np.dtype:
    """The dtype NumPy should accumulate in: float16 sums in float32 (as TensorFlow)."""
    return np.dtype(np.float32) if dtype == np.float16 else dtype


def _kept_shape(x_shape: tuple, axis: tuple) -> tuple:
    kept = list(x_shape)
    for a in axis:
        kept[a] = 1
    return tuple(kept)


def expand_reduced(g: Tensor, x_shape: tuple, axis: tuple, keepdims: bool) -> Tensor:
    """Reshape a reduction's cotangent (or output) so it broadcasts against the input.

    ``g`` may carry leading batch dimensions beyond the reduction's output.
    """
    if keepdims or not axis:
        return g
    k = lead(g, len(x_shape) - len(axis))
    if k == 0 and axis == tuple(range(-len(x_shape), -len(x_shape) + len(axis))):
        return g  # only leading axes were reduced: broadcasting puts them back by itself
    return reshape_p.bind(g, shape=g.shape[:k] + _kept_shape(tuple(x_shape), axis))


def _prefix(k: int) -> tuple:
    return (slice(None),) * k


def _sum_impl(x, axis, keepdims):
    if not isinstance(x, (np.ndarray, np.generic)):
        xp = namespace(x)
        acc = dtype_for(xp, _accumulator(numpy_dtype(x)))
        return xp.astype(xp.sum(x, axis=axis, keepdims=keepdims, dtype=acc), x.dtype)
    out = np.add.reduce(x, axis=axis, keepdims=keepdims, dtype=_accumulator(x.dtype))
    return out.astype(x.dtype, copy=False)


def _sum_vjp(g, ans, x, axis, keepdims):
    k = lead(g, x.ndim if keepdims else x.ndim - len(axis))
    x_shape = tuple(shape_of(x))
    g = expand_reduced(g, x_shape, axis, keepdims)
    return broadcast_to_p.bind(g, shape=shape_of(g)[:k] + x_shape)


reduce_sum_p: Primitive = linear("reduce_sum", _sum_impl, vjps=(_sum_vjp,), dtypes="fciu")


def reduce_sum(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None):
    """Sum of elements across dimensions.

    Args:
        input_tensor: A numeric tensor (integer sums wrap around in their dtype, as in
            TensorFlow).
        axis: The dimensions to reduce: None (all), an int, a list, or an integer tensor.
        keepdims: Keep reduced dimensions with length 1.
        name: Ignored (TensorFlow compatibility).

    Returns:
        The reduced tensor, of the input's dtype.

    >>> import tapegrad as tg
    >>> tg.reduce_sum(tg.constant([[1.0, 2.0], [3.0, 4.0]]), axis=0).numpy().tolist()
    [4.0, 6.0]
    """
    x = _input(input_tensor, "fciu", "reduce_sum")
    axes = _reduction_axes(axis, x, "reduce_sum")
    return reduce_sum_p.bind(x, axis=axes, keepdims=bool(keepdims))


# --- stack / unstack ------------------------------------------------------------------------
def _same_dtype_list(values: Sequence[Any], op: str) -> list:
    if isinstance(values, Tensor):
        return list(values)  # unpack along axis 0
    if not isinstance(values, (list, tuple)) or not values:
        raise InvalidArgumentError(
            f"{op}: values must be a non-empty list of tensors, got {values!r}."
        )
    tensors = [v for v in values if isinstance(v, Tensor)]
    dtype = tensors[0].dtype if tensors else None
    out = [v if isinstance(v, Tensor) else convert_to_tensor(v, dtype_hint=dtype) for v in values]
    dtypes = {x.dtype for x in out}
    if len(dtypes) > 1:
        described = ", ".join(f"values[{i}]: {x.dtype.name}" for i, x in enumerate(out))
        raise TypeError(
            f"{op}: all values must have the same dtype, got {described}. Convert them with "
            "tapegrad.cast first."
        )
    return out


def _stack_impl(*xs, axis):
    return namespace(*xs).stack(xs, axis=axis)


stack_p: Primitive = linear("stack", _stack_impl, vjp=lambda g, ans, *xs, axis: unstack_p.bind(
    g, axis=axis))


def stack(values: Sequence[Any], axis: int = 0, name: Any = None) -> Tensor:
    """Stack tensors of one shape along a new axis (``tf.stack``).

    Args:
        values: A non-empty list of tensors of the same shape and dtype.
        axis: Where the new axis goes, in ``[-(rank + 1), rank]``.
        name: Ignored.

    Returns:
        A tensor of rank ``rank + 1``.

    >>> import tapegrad as tg
    >>> tg.stack([tg.ones(2), tg.zeros(2)]).shape
    TensorShape([2, 2])
    """
    xs = _same_dtype_list(values, "stack")
    for i, x in enumerate(xs):
        if x.shape != xs[0].shape:
            raise InvalidArgumentError(
                f"stack: all values must have the same shape, but values[0].shape = "
                f"{xs[0].shape} != values[{i}].shape = {x.shape}."
            )
    axis = normalize_axis(axis, xs[0].ndim + 1, "stack")
    return stack_p.bind(*xs, axis=axis)


def _unstack_impl(x, axis):
    rest = (slice(None),) * (-axis - 1)
    return tuple(x[(Ellipsis, i) + rest] for i in range(x.shape[axis]))


def _unstack_vjp(g, ans, x, axis):
    return stack_p.bind(*g, axis=axis)  # backprop fills missing cotangents, batch axes too


unstack_p: Primitive = linear("unstack", _unstack_impl, vjps=(_unstack_vjp,),
                              multiple_results=True)


def unstack(value: Any, num: Any = None, axis: int = 0, name: Any = None) -> list:
    """Split a tensor into a list of tensors along ``axis``, removing it (``tf.unstack``).

    Args:
        value: A tensor of rank >= 1.
        num: If given, must equal ``value.shape[axis]``.
        axis: The axis to unpack along.
        name: Ignored.

    Returns:
        A list of ``value.shape[axis]`` tensors of rank ``rank - 1``.

    >>> import tapegrad as tg
    >>> [t.numpy().tolist() for t in tg.unstack(tg.constant([[1.0, 2.0], [3.0, 4.0]]), axis=1)]
    [[1.0, 3.0], [2.0, 4.0]]
    """
    x = convert_to_tensor(value)
    if x.ndim == 0:
        raise InvalidArgumentError("unstack: value must have rank >= 1, got a scalar.")
    a = normalize_axis(axis, x.ndim, "unstack")
    if num is not None and int(num) != x.shape[a]:
        raise InvalidArgumentError(
            f"unstack: num={num} but value of shape {x.shape} has {x.shape[a]} entries along "
            f"axis {a % x.ndim}."
        )
    if x.shape[a] == 0:
        return []
    return list(unstack_p.bind(x, axis=a))


# --- rows: what the transpose of a sparse concat takes --------------------------------------
def _take_rows_impl(x, rows, lead_ndim=0):
    return take("take_rows", x, (slice(None),) * lead_ndim + (rows,))


def _take_rows_vjp(g, ans, x, rows, lead_ndim=0):
    return scatter_rows_p.bind(g, indices=rows, shape=tuple(x.shape[lead_ndim:]))


def _take_rows_batched(t, x, rows, lead_ndim=0):
    return {"rows": rows, "lead_ndim": lead_ndim + lead(t, x.ndim)}


take_rows_p: Primitive = linear("take_rows", _take_rows_impl, vjps=(_take_rows_vjp,),
                                batched=_take_rows_batched)
"""Rows ``rows`` of ``x`` along its first axis after ``lead_ndim`` leading ones."""


def _scatter_rows_impl(values, indices, shape):
    k = values.ndim - (indices.ndim + len(shape) - 1)
    if k == 0 and indices.ndim == 1 and not isinstance(values, np.ndarray):
        return scatter_add("scatter_rows", tuple(shape), indices, values)  # (Dask, CuPy, ...)
    out = np.zeros(values.shape[:k] + tuple(shape), dtype=values.dtype)
    np.add.at(out, (slice(None),) * k + (indices,), values)
    return out


def _scatter_rows_vjp(g, ans, values, indices, shape):
    return take_rows_p.bind(g, rows=indices, lead_ndim=lead(g, len(shape)))


scatter_rows_p: Primitive = linear("scatter_rows", _scatter_rows_impl, vjps=(_scatter_rows_vjp,))


def scatter_rows(values: Tensor, indices: np.ndarray, shape: tuple) -> Tensor:
    """Dense tensor of ``shape`` with ``values`` added at rows ``indices`` (axis 0)."""
    return scatter_rows_p.bind(values, indices=np.asarray(indices), shape=tuple(shape))


# --- concat / split -------------------------------------------------------------------------
def _concat_impl(*xs, axis):
    return namespace(*xs).concat(xs, axis=axis)


def _concat_vjp(g, ans, *xs, axis):
    sizes = tuple(x.shape[axis] for x in xs)
    if g.__class__ is IndexedSlices:
        return _split_slices(g, sizes, axis)
    return split_p.bind(g, sizes=sizes, axis=axis)


def _split_slices(g: IndexedSlices, sizes: tuple, axis: int) -> tuple:
    """A sparse cotangent cut per input, each piece sparse too (TensorFlow's ConcatGrad)."""
    shape = list(g.values.shape)
    shape[0] = g.shape[0] if g.shape is not None else sum(sizes)
    if axis != -len(shape):  # every row is cut along the axis
        pieces = split_p.bind(g.values, sizes=sizes, axis=axis)
        out = []
        for piece, size in zip(pieces, sizes):
            shape[axis] = size
            out.append(IndexedSlices(piece, g.indices, tuple(shape)))
        return tuple(out)
    indices = np.asarray(g.indices._value).reshape(-1)
    out = []
    start = 0
    for size in sizes:  # each input gets the rows that fall in it, renumbered
        rows = np.flatnonzero((indices >= start) & (indices < start + size))
        values = take_rows_p.bind(g.values, rows=rows)
        out.append(IndexedSlices(values, indices[rows] - start, (size,) + tuple(shape[1:])))
        start += size
    return tuple(out)


concat_p: Primitive = linear("concat", _concat_impl, vjp=_concat_vjp, sparse_vjp=True)


def concat(values: Sequence[Any], axis: int, name: Any = None) -> Tensor:
    """Join tensors along an existing axis (``tf.concat``).

    Args:
        values: A non-empty list of tensors of one dtype and rank, equal outside ``axis``.
        axis: The axis to join along (negative counts from the end).
        name: Ignored.

    Returns:
        The joined tensor.

    >>> import tapegrad as tg
    >>> tg.concat([tg.ones((1, 2)), tg.zeros((2, 2))], axis=0).shape
    TensorShape([3, 2])
    """
    xs = _same_dtype_list(values, "concat")
    ndim = xs[0].ndim
    if ndim == 0:
        raise InvalidArgumentError("concat: cannot concatenate scalars (shape ()); use stack.")
    if isinstance(axis, Tensor):
        axis = read_values(axis)
    axis = normalize_axis(axis, ndim, "concat")
    a = axis % ndim
    for i, x in enumerate(xs):
        if x.ndim != ndim or x.shape[:a] != xs[0].shape[:a] or x.shape[a + 1:] != xs[0].shape[
            a + 1:
        ]:
            raise InvalidArgumentError(
                f"concat: values[{i}] has shape {x.shape} but values[0] has shape "
                f"{xs[0].shape}; all values must have rank {ndim} and equal dimensions "
                f"except along axis {a}."
            )
    if len(xs) == 1:
        return _unchanged(xs[0])
    return concat_p.bind(*xs, axis=axis)


def _split_impl(x, sizes, axis):
    rest = (slice(None),) * (-axis - 1)
    out = []
    start = 0
    for size in sizes:
        out.append(x[(Ellipsis, slice(start, start + size)) + rest])
        start += size
    return tuple(out)


def _split_vjp(g, ans, x, sizes, axis):
    return concat_p.bind(*g, axis=axis)  # backprop fills missing cotangents, batch axes too


split_p: Primitive = linear("split", _split_impl, vjps=(_split_vjp,), multiple_results=True)


def split(
    value: Any, num_or_size_splits: Any, axis: int = 0, num: Any = None, name: Any = None
) -> list:
    """Split a tensor into pieces along ``axis`` (``tf.split``).

    Args:
        value: The tensor to split.
        num_or_size_splits: The number of equal pieces (it must divide the axis), or
            a list of piece sizes, one of which may be -1 (the rest).
        axis: The axis to split along.
        num: Accepted for compatibility (the number of pieces when sizes are a tensor).
        name: Ignored.

    Returns:
        A list of tensors.

    >>> import tapegrad as tg
    >>> [t.shape for t in tg.split(tg.zeros((5, 2)), [2, -1])]
    [TensorShape([2, 2]), TensorShape([3, 2])]
    """
    x = convert_to_tensor(value)
    if x.ndim == 0:
        raise InvalidArgumentError("split: value must have rank >= 1, got a scalar.")
    if isinstance(axis, Tensor):
        axis = read_values(axis)
    a = normalize_axis(axis, x.ndim, "split")
    length = x.shape[a]
    spec = num_or_size_splits
    if isinstance(spec, Tensor) and spec.ndim == 0:
        spec = int(spec)
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        n = int(spec)
        if n <= 0 or length % n:
            raise InvalidArgumentError(
                f"split: num_or_size_splits={n} must evenly divide axis {a % x.ndim} of size "
                f"{length} (value shape {x.shape})."
            )
        sizes = [length // n] * n
    else:
        sizes = _ints(spec, "split", "num_or_size_splits")
        unknown = [i for i, s in enumerate(sizes) if s == -1]
        if len(unknown) > 1 or any(s < -1 for s in sizes) or not sizes:
            raise InvalidArgumentError(
                f"split: size splits {sizes} must be non-negative with at most one -1."
            )
        known = sum(s for s in sizes if s != -1)
        if unknown and known <= length:
            sizes[unknown[0]] = length - known
        elif unknown or known != length:
            raise InvalidArgumentError(
                f"split: size splits {spec if not unknown else sizes} must add up to the size "
                f"{length} of axis {a % x.ndim} (value shape {x.shape})."
            )
    if num is not None and int(num) != len(sizes):
        raise InvalidArgumentError(f"split: num={num} but the split gives {len(sizes)} pieces.")
    return list(split_p.bind(x, sizes=tuple(sizes), axis=a))
