"""Indexing: ``x[...]``, gather, gather_nd, scatter_nd, boolean_mask, one_hot.

Every op that *reads* positions of a tensor is one "take" primitive: its
forward is NumPy indexing ``x[idx]`` with a static index tuple ``idx`` (ints,
slices, None, Ellipsis, integer arrays), its JVP is the same op on the
tangent, and its VJP scatters the cotangent into zeros, adding where an index
repeats. The scatter primitives (``getitem_grad``, ``scatter_nd``) are the
transposes, with the take as their VJP. ``lead_ndim`` counts leading batch
axes that the index does not touch (Jacobian sweeps add them to cotangents and
tangents).

``gather`` along axis 0 (and ``nn.embedding_lookup``, and ``gather_nd`` with
indices of shape ``[n, 1]``) gives an :class:`~tapegrad.IndexedSlices`
gradient for its params, as TensorFlow does; in batched sweeps the gradient is
dense.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.indexed_slices import IndexedSlices
from .._core.primitive import Primitive
from .._core.record import freeze
from .._core.tensor import Tensor, _private, as_dtype, convert_to_tensor, float32
from ._args import read_values
from ._namespace import device_of, is_numpy, namespace, scatter_add, take, unsupported
from ._rules import lead, nondifferentiable, normalize_axis
from .arithmetic import where, where_p
from .shape import broadcast_to_p, reduce_sum_p, reshape_p, transpose_p

__all__ = [
    "getitem",
    "where",
    "gather",
    "gather_nd",
    "scatter_nd",
    "boolean_mask",
    "one_hot",
]


class IndexOutOfRangeError(InvalidArgumentError, IndexError):
    """An index outside a tensor's shape: an IndexError, and TensorFlow's InvalidArgumentError
    (a ValueError)."""


# --- index tuples ------------------------------------------------------------------------
def _prefix(k: int) -> tuple:
    return (slice(None),) * k


def _is_int(i: Any) -> bool:
    return isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_))


def _advanced_layout(idx: tuple) -> tuple[bool, int]:
    """``(separated, ndim)`` of the advanced (array) indices of ``idx``.

    NumPy puts the broadcast dimensions of advanced indices in place when they
    are adjacent, and first when a slice, None or Ellipsis separates them
    (ints count as advanced once an array is present).
    """
    arrays = [i for i in idx if isinstance(i, np.ndarray)]
    if not arrays:
        return False, 0
    shapes = [(int(np.count_nonzero(a)),) if a.dtype.kind == "b" else a.shape for a in arrays]
    ndim = len(np.broadcast_shapes(*shapes))
    pos = [p for p, i in enumerate(idx) if isinstance(i, np.ndarray) or _is_int(i)]
    return pos != list(range(pos[0], pos[-1] + 1)), ndim


def _indexed_ndim(ndim: int, idx: tuple) -> int:
    """The rank of ``x[idx]`` for ``x`` of rank ``ndim`` (without computing it)."""
    removed = 0  # axes consumed by ints and arrays (slices keep theirs)
    new = 0
    for i in idx:
        if i is None:
            new += 1
        elif isinstance(i, np.ndarray):
            removed += i.ndim if i.dtype.kind == "b" else 1
        elif _is_int(i):
            removed += 1
    return ndim - removed + new + _advanced_layout(idx)[1]


def _take(x: Any, idx: tuple, lead_ndim: int) -> Any:
    """``x[idx]`` below ``lead_ndim`` untouched leading axes, which stay in front."""
    if not is_numpy(x) and any(isinstance(i, np.ndarray) for i in idx):
        if lead_ndim:
            raise unsupported("getitem", x, "array indices under batch axes")
        return take("getitem", x, idx)
    out = x[_prefix(lead_ndim) + idx]
    if lead_ndim:
        separated, m = _advanced_layout(idx)
        if separated and m:  # NumPy moved the advanced axes before the batch axes
            out = np.moveaxis(out, tuple(range(m)), tuple(range(lead_ndim, lead_ndim + m)))
    return out


def _foreign_scatter(g: Any, idx: tuple, shape: tuple, lead_ndim: int) -> Any:
    """``_scatter`` for other libraries: a write for slices, a scatter-add for rows."""
    arrays = [i for i in idx if isinstance(i, np.ndarray) or not isinstance(i, (slice, int))]
    xp = namespace(g)
    if not arrays and not any(i is None or i is Ellipsis for i in idx):
        out = xp.zeros(g.shape[:lead_ndim] + tuple(shape), dtype=g.dtype, device=device_of(g))
        out[_prefix(lead_ndim) + idx] = g
        return out
    if lead_ndim == 0 and len(idx) == 1 and getattr(idx[0], "ndim", 0) == 1:
        return scatter_add("getitem_grad", tuple(shape), idx[0], g)
    raise unsupported("getitem_grad", g, "its scatter-add takes one axis of row indices")


def _scatter(g: Any, idx: tuple, shape: tuple, lead_ndim: int) -> Any:
    """Zeros of ``batch + shape`` with ``g`` added at ``idx`` (the transpose of ``_take``)."""
    if not is_numpy(g):
        return _foreign_scatter(g, idx, shape, lead_ndim)
    out = np.zeros(g.shape[:lead_ndim] + tuple(shape), dtype=g.dtype)
    full = _prefix(lead_ndim) + idx
    if any(isinstance(i, np.ndarray) for i in idx):
        if lead_ndim:
            separated, m = _advanced_layout(idx)
            if separated and m:
                g = np.moveaxis(g, tuple(range(lead_ndim, lead_ndim + m)), tuple(range(m)))
        np.add.at(out, full, g)
    else:
        out[full] = g
    return out


# --- the take and scatter primitives ------------------------------------------------------
def _take_impl(x, idx, lead_ndim=0, sparse=None):
    return _take(x, idx, lead_ndim)


def _scatter_impl(g, idx, shape, lead_ndim=0):
    return _scatter(g, idx, tuple(shape), lead_ndim)


def _gather_impl(x, idx, lead_ndim=0, sparse=None):
    """``take`` after TensorFlow's range check of the gathered (last) index array.

    The check lives in the op so that a compiled function runs it on each call's new indices
    (NumPy would wrap a negative one silently).
    """
    axis = lead_ndim + len(idx) - 1
    _check_range(idx[-1], x.shape[axis], "gather",
                 f"axis {axis - lead_ndim} of params with shape {tuple(x.shape[lead_ndim:])} "
                 f"has size {x.shape[axis]}")
    return _take(x, idx, lead_ndim)


def _take_primitive(name: str, scatter: Any, impl: Any = _take_impl) -> Primitive:
    """A take op ``x[idx]``: JVP itself, VJP ``scatter`` (a callable returning the primitive)."""

    def vjp(g, ans, x, idx, lead_ndim=0, sparse=None):
        inner = tuple(x.shape[lead_ndim:])
        k = lead(g, lead_ndim + _indexed_ndim(len(inner), idx))
        if sparse is not None and k == 0 and lead_ndim == 0:
            return _rows_gradient(g, idx[0], tuple(x.shape), sparse)
        return scatter().bind(g, idx=idx, shape=inner, lead_ndim=lead_ndim + k)

    def jvp(t, ans, x, idx, lead_ndim=0, sparse=None):  # the take of t, dense
        return prim.bind(t, idx=idx, lead_ndim=lead_ndim + lead(t, x.ndim))

    prim = Primitive(name, impl, vjps=(vjp,), jvps=(jvp,), reads=((),))
    return prim


def _scatter_primitive(name: str, take: Any) -> Primitive:
    """A scatter-add op (the transpose of a take): VJP ``take``, JVP itself."""

    def vjp(gg, ans, g, idx, shape, lead_ndim=0):
        k = lead(gg, lead_ndim + len(shape))
        return take().bind(gg, idx=idx, lead_ndim=lead_ndim + k)

    def jvp(t, ans, g, idx, shape, lead_ndim=0):
        return prim.bind(t, idx=idx, shape=shape, lead_ndim=lead_ndim + lead(t, g.ndim))

    prim = Primitive(name, _scatter_impl, vjps=(vjp,), jvps=(jvp,), reads=((),))
    return prim


def _rows_gradient(g: Tensor, rows: np.ndarray, x_shape: tuple, dtype: Any) -> IndexedSlices:
    """TensorFlow's sparse gradient of a row gather: the cotangent's rows and their indices."""
    values_shape = (rows.size,) + x_shape[1:]
    values = g if tuple(g.shape) == values_shape else reshape_p.bind(g, shape=values_shape)
    indices = Tensor._wrap(rows)  # the traced array itself, flattened by an op
    if rows.ndim != 1:
        indices = reshape_p.bind(indices, shape=(rows.size,))
    return IndexedSlices(values, indices, np.asarray(x_shape, dtype=dtype))


# --- argument checks -----------------------------------------------------------------------
def _index_array(value: Any, op: str, arg: str) -> np.ndarray:
    """An integer index argument as a read-only NumPy array (TypeError for other dtypes)."""
    if isinstance(value, Tensor):
        array = value._value
    elif isinstance(value, (np.ndarray, np.generic)):
        array = value
    else:
        if isinstance(value, (list, tuple)) and np.size(value) == 0:
            return np.zeros(np.shape(value), np.int32)
        try:
            array = convert_to_tensor(value)._value
        except (TypeError, ValueError) as err:
            raise TypeError(f"{op}: {arg} must be integers, got {value!r} ({err}).") from None
    array = np.asarray(array)
    if array.dtype.kind not in "iu":
        raise TypeError(
            f"{op}: {arg} must be an integer tensor (int32 or int64), got dtype "
            f"{array.dtype.name} with shape {array.shape}."
        )
    # A tensor's own array, or a read-only one, is kept as it is: a compiled function follows
    # the array it came from. Anything else is copied, read-only.
    if isinstance(value, Tensor) and value._value.__class__ is np.ndarray:
        return freeze(value)._value
    return _private(array)


def _params(value: Any) -> Tensor:
    """A params argument as a Tensor; Variables stay themselves so sparse gradients reach them."""
    return value if isinstance(value, Tensor) else convert_to_tensor(value)


def _where_text(position: tuple) -> str:
    return ",".join(str(int(p)) for p in position)


def _check_range(indices: np.ndarray, size: int, op: str, what: str) -> None:
    """TensorFlow's CPU check: every index in ``[0, size)``."""
    bad = (indices < 0) | (indices >= size)
    if bad.any():
        position = tuple(np.argwhere(bad)[0])
        raise IndexOutOfRangeError(
            f"{op}: indices[{_where_text(position)}] = {int(indices[position])} is not in "
            f"[0, {size}) ({what})."
        )


def _rows_inside(indices: np.ndarray, shape: tuple) -> np.ndarray:
    """For gather_nd/scatter_nd: which index rows ``indices[..., :]`` lie inside ``shape``."""
    limits = np.asarray(shape[: indices.shape[-1]], dtype=np.int64)
    return np.all((indices >= 0) & (indices < limits), axis=-1)


def _bad_row_error(indices: np.ndarray, ok: np.ndarray, shape: tuple, op: str, noun: str):
    position = tuple(np.argwhere(~ok)[0])
    row = [int(v) for v in indices[position]]
    return IndexOutOfRangeError(
        f"{op}: indices[{_where_text(position)}] = {row} does not index into {noun} shape "
        f"{list(shape)}."
    )


def _batch_grids(shape: tuple, batch_dims: int) -> tuple:
    """Index arrays selecting the diagonal of the first ``batch_dims`` axes, of ``shape``."""
    grids = []
    for j in range(batch_dims):
        r = np.arange(shape[j]).reshape((-1,) + (1,) * (len(shape) - 1 - j))
        grids.append(np.broadcast_to(r, shape))
    return tuple(grids)


def _policy(bad_indices_policy: Any, op: str) -> str:
    policy = (bad_indices_policy or "DEFAULT").upper()
    if policy not in ("DEFAULT", "ERROR", "IGNORE"):
        raise InvalidArgumentError(
            f"{op}: bad_indices_policy must be '', 'DEFAULT', 'ERROR' or 'IGNORE', got "
            f"{bad_indices_policy!r}."
        )
    return policy


# --- x[key] ----------------------------------------------------------------------------
def _normalize_index(key: Any, shape: tuple) -> tuple:
    """``key`` as a tuple of ints, slices of ints, None, Ellipsis and integer/bool arrays."""
    if not isinstance(key, tuple):
        key = (key,)
    out: list[Any] = []
    for k in key:
        if isinstance(k, Tensor):  # an int becomes a guard; a traced array is followed
            if k.ndim == 0 and k.dtype.kind in "iu":
                k = int(k)
            elif k.dtype.kind == "b":
                k = read_values(k)  # (its rows are found in NumPy)
            elif k.dtype.kind in "iu" and k._value.__class__ is np.ndarray:
                out.append(freeze(k)._value)
                continue
            else:
                k = k._value
        if isinstance(k, (bool, np.bool_)) or (
            isinstance(k, np.ndarray) and k.dtype.kind == "b" and k.ndim == 0
        ):
            raise TypeError(
                f"getitem: a scalar bool index ({k!r}) is not supported; use None to add an "
                "axis, or a bool array as a mask."
            )
        if isinstance(k, list):
            k = np.asarray(k) if len(k) else np.zeros(0, np.intp)
        if isinstance(k, np.ndarray) and k.ndim == 0 and k.dtype.kind in "iu":
            k = int(k)
        if _is_int(k):
            out.append(int(k))
        elif isinstance(k, slice):
            out.append(slice(*(_slice_bound(b) for b in (k.start, k.stop, k.step))))
        elif k is None or k is Ellipsis:
            out.append(k)
        elif isinstance(k, np.ndarray):
            if k.dtype.kind not in "iub":
                raise TypeError(
                    f"getitem: index arrays must be integers or bools, got dtype "
                    f"{k.dtype.name} with shape {k.shape}."
                )
            k = np.array(k)
            k.flags.writeable = False
            out.append(k)
        else:
            raise TypeError(
                f"getitem: unsupported index {k!r} ({type(k).__name__}); use ints, slices, "
                "None, ..., or integer/bool arrays."
            )
    return tuple(out)


def _slice_bound(b: Any) -> Any:
    if b is None:
        return None
    if isinstance(b, Tensor):
        b = int(b) if b.ndim == 0 and b.dtype.kind in "iu" else b._value
    if not _is_int(b) and not (isinstance(b, np.ndarray) and b.ndim == 0 and b.dtype.kind in "iu"):
        raise TypeError(f"getitem: slice bounds must be integers or None, got {b!r}.")
    return int(b)


def _check_index(idx: tuple, shape: tuple, key: Any) -> tuple:
    """Check ``idx`` against ``shape``; return it with bool masks turned into integer arrays."""
    ndim = len(shape)
    ellipses = sum(i is Ellipsis for i in idx)
    consumed = sum(
        (i.ndim if i.dtype.kind == "b" else 1) if isinstance(i, np.ndarray) else 1
        for i in idx
        if i is not None and i is not Ellipsis
    )
    where = f"a tensor of shape {shape}"
    if ellipses > 1:
        raise IndexOutOfRangeError(
            f"getitem: an index can have only one Ellipsis (...), got {key!r}."
        )
    if consumed > ndim:
        raise IndexOutOfRangeError(
            f"getitem: too many indices for {where}: {consumed} dimensions indexed by {key!r}."
        )
    out: list[Any] = []
    axis = 0
    for i in idx:
        if i is None:
            out.append(i)
            continue
        if i is Ellipsis:
            axis += ndim - consumed
            out.append(i)
            continue
        if isinstance(i, np.ndarray) and i.dtype.kind == "b":
            if i.shape != tuple(shape[axis:axis + i.ndim]):
                raise IndexOutOfRangeError(
                    f"getitem: bool mask of shape {i.shape} does not match dimensions "
                    f"{axis}..{axis + i.ndim - 1} {tuple(shape[axis:axis + i.ndim])} of {where}."
                )
            for nz in np.nonzero(i):
                nz.flags.writeable = False
                out.append(nz)
            axis += i.ndim
            continue
        size = shape[axis]
        if _is_int(i) or isinstance(i, np.ndarray):
            values = np.asarray(i)
            bad = (values < -size) | (values >= size)
            if bad.any():
                value = int(values[tuple(np.argwhere(bad)[0])]) if values.ndim else int(values)
                raise IndexOutOfRangeError(
                    f"getitem: index {value} is out of range for axis {axis} with size {size} "
                    f"({where})."
                )
        out.append(i)
        axis += 1
    return tuple(out)


getitem_p: Primitive = _take_primitive("getitem", lambda: getitem_grad_p)
getitem_grad_p: Primitive = _scatter_primitive("getitem_grad", lambda: getitem_p)


def getitem(x: Any, key: Any) -> Tensor:
    """``x[key]``: NumPy indexing (basic, plus integer and bool arrays), differentiable.

    Ints, slices with steps, ``None`` and ``...`` behave as in NumPy; an int
    outside the axis raises :class:`IndexOutOfRangeError` (TensorFlow raises for
    strided slices too). The gradient scatters back into zeros, adding where an
    array index repeats.

    Args:
        x: The tensor to index.
        key: An index, or a tuple of them.

    Returns:
        The selected values.

    >>> import tapegrad as tg
    >>> tg.constant([[1.0, 2.0], [3.0, 4.0]])[:, 1].numpy().tolist()
    [2.0, 4.0]
    """
    x = convert_to_tensor(x)
    idx = _check_index(_normalize_index(key, x.shape), x.shape, key)
    return getitem_p.bind(x, idx=idx)


# --- gather ----------------------------------------------------------------------------------
gather_p: Primitive = _take_primitive("gather", lambda: getitem_grad_p, _gather_impl)


def gather(
    params: Any,
    indices: Any,
    validate_indices: Any = None,
    axis: Any = None,
    batch_dims: int = 0,
    name: Any = None,
) -> Tensor:
    """Gather slices of ``params`` along ``axis`` at ``indices`` (``tf.gather``).

    The output has shape ``params.shape[:axis] + indices.shape[batch_dims:] +
    params.shape[axis + 1:]``. With ``batch_dims=b`` the first ``b`` axes of
    ``params`` and ``indices`` are batch axes gathered pairwise. Indices outside
    ``[0, params.shape[axis])`` raise (as TensorFlow on CPU). Gathering along
    axis 0 gives an :class:`~tapegrad.IndexedSlices` gradient for ``params``.

    Args:
        params: The tensor to gather from (rank >= ``axis + 1``).
        indices: Integer tensor of indices.
        validate_indices: Deprecated and ignored (indices are always checked).
        axis: The axis to gather along (default ``batch_dims``).
        batch_dims: Number of leading batch axes (negative counts from the rank of indices).
        name: Ignored.

    Returns:
        The gathered tensor, of ``params``' dtype.

    >>> import tapegrad as tg
    >>> tg.gather(tg.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), [2, 0]).numpy().tolist()
    [[5.0, 6.0], [1.0, 2.0]]
    """
    x = _params(params)
    ind = _index_array(indices, "gather", "indices")
    try:
        b = int(batch_dims)
    except (TypeError, ValueError):
        raise TypeError(f"gather: batch_dims must be an int, got {batch_dims!r}.") from None
    if b < 0:
        b += ind.ndim
    if not 0 <= b <= ind.ndim:
        raise InvalidArgumentError(
            f"gather: batch_dims {batch_dims} is out of range for indices of rank {ind.ndim} "
            f"(shape {ind.shape}); expected {-ind.ndim} <= batch_dims <= {ind.ndim}."
        )
    raw_axis = batch_dims if axis is None else axis
    if isinstance(raw_axis, Tensor):
        raw_axis = read_values(raw_axis)
    if x.ndim == 0:
        raise InvalidArgumentError(
            f"gather: params must have rank >= 1, got a scalar (shape {x.shape})."
        )
    a = normalize_axis(raw_axis, x.ndim, "gather") % x.ndim
    if b > a:
        raise InvalidArgumentError(
            f"gather: batch_dims ({b}) must be less than or equal to axis ({a}) for params of "
            f"shape {x.shape}."
        )
    if tuple(x.shape[:b]) != tuple(ind.shape[:b]):
        raise InvalidArgumentError(
            f"gather: with batch_dims={b}, params shape {x.shape} and indices shape {ind.shape} "
            f"must agree on their first {b} dimensions."
        )
    if b == 0:  # (gather_p checks the indices' range: in eager calls and compiled ones alike)
        sparse = np.dtype(np.int32) if int(raw_axis) == 0 else None
        return gather_p.bind(x, idx=_prefix(a) + (ind,), sparse=sparse)
    idx = _batch_grids(ind.shape, b) + (ind,)
    if a == b:
        return gather_p.bind(x, idx=idx)
    # Move ``axis`` next to the batch axes, gather there, then move the middle axes back (the
    # range is checked first, so the message names params' own shape rather than the transpose's).
    _check_range(ind, x.shape[a], "gather", f"axis {a} of params with shape {x.shape} has "
                 f"size {x.shape[a]}")
    perm = tuple(range(b)) + (a,) + tuple(range(b, a)) + tuple(range(a + 1, x.ndim))
    out = gather_p.bind(transpose_p.bind(x, perm=perm), idx=idx)
    r = ind.ndim - b
    if r == 0:
        return out
    middle = tuple(range(b + r, b + r + a - b))
    back = tuple(range(b)) + middle + tuple(range(b, b + r)) + tuple(range(b + r + a - b, out.ndim))
    return transpose_p.bind(out, perm=back)


gather_nd_p: Primitive = _take_primitive("gather_nd", lambda: scatter_nd_p)


def gather_nd(
    params: Any,
    indices: Any,
    batch_dims: int = 0,
    name: Any = None,
    bad_indices_policy: str = "",
) -> Tensor:
    """Gather slices of ``params`` at the index rows ``indices[..., :]`` (``tf.gather_nd``).

    ``indices[..., :d]`` index the first ``d`` axes after the ``batch_dims`` batch
    axes; the output has shape ``indices.shape[:-1] + params.shape[batch_dims + d:]``.
    Out-of-range rows raise, or give zeros with ``bad_indices_policy="IGNORE"``.
    With indices of shape ``[n, 1]`` the gradient for ``params`` is an
    :class:`~tapegrad.IndexedSlices` (as TensorFlow).

    Args:
        params: The tensor to gather from.
        indices: Integer tensor whose last axis holds index rows.
        batch_dims: Number of leading batch axes shared by params and indices.
        name: Ignored.
        bad_indices_policy: "" or "DEFAULT" or "ERROR" (raise), or "IGNORE" (zeros).

    Returns:
        The gathered tensor, of ``params``' dtype.

    >>> import tapegrad as tg
    >>> tg.gather_nd(tg.constant([[1.0, 2.0], [3.0, 4.0]]), [[1, 0], [0, 1]]).numpy().tolist()
    [3.0, 2.0]
    """
    x = _params(params)
    ind = _index_array(read_values(indices), "gather_nd", "indices")  # (columns made in NumPy)
    policy = _policy(bad_indices_policy, "gather_nd")
    b = int(batch_dims)
    if ind.ndim == 0:
        raise InvalidArgumentError("gather_nd: indices must have rank >= 1, got a scalar.")
    if not 0 <= b < ind.ndim or b > x.ndim:
        raise InvalidArgumentError(
            f"gather_nd: batch_dims {batch_dims} must be in [0, {ind.ndim - 1}] for indices of "
            f"shape {ind.shape} and params of shape {x.shape}."
        )
    if tuple(x.shape[:b]) != tuple(ind.shape[:b]):
        raise InvalidArgumentError(
            f"gather_nd: with batch_dims={b}, params shape {x.shape} and indices shape "
            f"{ind.shape} must agree on their first {b} dimensions."
        )
    depth = ind.shape[-1]
    if depth > x.ndim - b:
        raise InvalidArgumentError(
            f"gather_nd: index rows of length {depth} (indices shape {ind.shape}) cannot index "
            f"params of shape {x.shape} with batch_dims={b}: expected at most {x.ndim - b}."
        )
    rows = int(np.prod(ind.shape[:-1], dtype=np.int64))
    if rows and x.size == 0:  # TensorFlow refuses it even where the slices are empty
        raise InvalidArgumentError(
            f"gather_nd: indices of shape {ind.shape} ask for {rows} entries of params of shape "
            f"{x.shape}, which has none; pass indices with no rows."
        )
    inner = tuple(x.shape[b:])
    ok = _rows_inside(ind, inner)
    if not ok.all() and policy != "IGNORE":
        raise _bad_row_error(ind, ok, inner, "gather_nd", "param")
    safe = ind if ok.all() else np.where(ok[..., None], ind, 0)
    if b == 0 and depth == 0:
        out_shape = ind.shape[:-1] + x.shape
        out = reshape_p.bind(x, shape=(1,) * (ind.ndim - 1) + x.shape)
        return broadcast_to_p.bind(out, shape=out_shape) if out.shape != out_shape else out
    cols = tuple(safe[..., j] for j in range(depth))
    for c in cols:
        c.flags.writeable = False
    idx = _batch_grids(ind.shape[:-1], b) + cols
    sparse = ind.dtype if (b == 0 and ind.ndim == 2 and depth == 1 and ok.all()) else None
    out = gather_nd_p.bind(x, idx=idx, sparse=sparse)
    if not ok.all():
        mask = ok.reshape(ok.shape + (1,) * (out.ndim - ok.ndim))
        out = where_p.bind(out, 0, condition=mask)
    return out


scatter_nd_p: Primitive = _scatter_primitive("scatter_nd", lambda: gather_nd_p)


def scatter_nd(
    indices: Any, updates: Any, shape: Any, bad_indices_policy: str = "", name: Any = None
) -> Tensor:
    """Scatter ``updates`` into zeros of ``shape`` at index rows (``tf.scatter_nd``).

    Repeated index rows add up. ``updates`` must have shape
    ``indices.shape[:-1] + shape[indices.shape[-1]:]``. Out-of-range rows raise,
    or are skipped with ``bad_indices_policy="IGNORE"``. Differentiable with
    respect to ``updates`` (the gradient is ``gather_nd``).

    Args:
        indices: Integer tensor whose last axis holds index rows.
        updates: The values to scatter.
        shape: The output shape (list of ints or an integer tensor).
        bad_indices_policy: "" or "DEFAULT" or "ERROR" (raise), or "IGNORE" (skip).
        name: Ignored.

    Returns:
        A tensor of ``shape`` and ``updates``' dtype.

    >>> import tapegrad as tg
    >>> tg.scatter_nd([[1], [3], [1]], tg.constant([1.0, 2.0, 3.0]), [4]).numpy().tolist()
    [0.0, 4.0, 0.0, 2.0]
    """
    ind = _index_array(read_values(indices), "scatter_nd", "indices")  # (columns in NumPy)
    policy = _policy(bad_indices_policy, "scatter_nd")
    dims = _index_array(read_values(shape), "scatter_nd", "shape")
    if dims.ndim != 1 or (dims < 0).any():
        raise InvalidArgumentError(
            f"scatter_nd: shape must be a list of non-negative ints, got {dims.tolist()}."
        )
    out_shape = tuple(int(d) for d in dims)
    u = convert_to_tensor(updates)
    if ind.ndim == 0:
        raise InvalidArgumentError("scatter_nd: indices must have rank >= 1, got a scalar.")
    depth = ind.shape[-1]
    if depth > len(out_shape):
        raise InvalidArgumentError(
            f"scatter_nd: index rows of length {depth} (indices shape {ind.shape}) cannot index "
            f"an output of shape {out_shape}."
        )
    expected = ind.shape[:-1] + out_shape[depth:]
    if tuple(u.shape) != expected:
        raise InvalidArgumentError(
            f"scatter_nd: updates has shape {u.shape}, but indices of shape {ind.shape} and "
            f"shape {list(out_shape)} need updates of shape {expected}."
        )
    if ind.size and not np.prod(out_shape, dtype=np.int64):  # as TensorFlow, any policy
        raise InvalidArgumentError(
            f"scatter_nd: indices of shape {ind.shape} scatter into shape {list(out_shape)}, "
            f"which has no entries; pass indices with no rows."
        )
    ok = _rows_inside(ind, out_shape)
    if not ok.all():
        if policy != "IGNORE":
            raise _bad_row_error(ind, ok, out_shape, "scatter_nd", "output")
        u = where_p.bind(u, 0, condition=ok.reshape(ok.shape + (1,) * (u.ndim - ok.ndim)))
        ind = np.where(ok[..., None], ind, 0)
    if depth == 0:
        axes = tuple(range(-u.ndim, -u.ndim + ind.ndim - 1))
        return reduce_sum_p.bind(u, axis=axes, keepdims=False) if axes else u
    cols = tuple(np.array(ind[..., j]) for j in range(depth))
    for c in cols:
        c.flags.writeable = False
    return scatter_nd_p.bind(u, idx=cols, shape=out_shape, lead_ndim=0)


boolean_mask_p: Primitive = _take_primitive("boolean_mask", lambda: getitem_grad_p)


def boolean_mask(tensor: Any, mask: Any, axis: Any = None, name: Any = None) -> Tensor:
    """The entries of ``tensor`` where ``mask`` is True (``tf.boolean_mask``).

    ``mask`` (rank k >= 1) covers axes ``axis .. axis + k - 1`` of ``tensor``,
    which become one axis of length ``count_nonzero(mask)``. The mask gets no
    gradient; ``tensor``'s gradient is dense (as TensorFlow's).

    Args:
        tensor: The tensor to mask.
        mask: A bool tensor (integer masks count nonzero entries as True).
        axis: The first axis the mask covers (default 0).
        name: Ignored.

    Returns:
        The selected entries.

    >>> import tapegrad as tg
    >>> tg.boolean_mask(tg.constant([1.0, 2.0, 3.0]), [True, False, True]).numpy().tolist()
    [1.0, 3.0]
    """
    x = convert_to_tensor(tensor)
    m = np.asarray(read_values(mask))  # (its rows are found in NumPy)
    if m.dtype.kind not in "biu":
        raise TypeError(f"boolean_mask: mask must be a bool tensor, got dtype {m.dtype.name}.")
    m = m.astype(bool)
    if m.ndim == 0:
        raise InvalidArgumentError("boolean_mask: mask cannot be a scalar.")
    a = 0 if axis is None else normalize_axis(axis, x.ndim, "boolean_mask") % x.ndim
    if tuple(x.shape[a:a + m.ndim]) != m.shape:
        raise InvalidArgumentError(
            f"boolean_mask: mask of shape {m.shape} does not match dimensions {a}.."
            f"{a + m.ndim - 1} of tensor with shape {x.shape} (expected mask shape "
            f"{tuple(x.shape[a:a + m.ndim])})."
        )
    if m.ndim > 1:
        merged = x.shape[:a] + (m.size,) + x.shape[a + m.ndim:]
        x = reshape_p.bind(x, shape=merged)
    rows = np.flatnonzero(m)
    rows.flags.writeable = False
    return boolean_mask_p.bind(x, idx=_prefix(a) + (rows,))


# --- one_hot ---------------------------------------------------------------------------------
def _one_hot_impl(on, off, indices, depth, axis):
    hot = indices[..., None] == np.arange(depth)
    out = np.where(hot, on, off).astype(np.result_type(on, off))
    return np.moveaxis(out, -1, axis) if axis != -1 else out


one_hot_p: Primitive = nondifferentiable("one_hot", _one_hot_impl)


def one_hot(
    indices: Any,
    depth: Any,
    on_value: Any = None,
    off_value: Any = None,
    axis: Any = None,
    dtype: Any = None,
    name: Any = None,
) -> Tensor:
    """One-hot encoding (``tf.one_hot``): ``on_value`` where ``indices == i``, else ``off_value``.

    A new axis of length ``depth`` is inserted at ``axis`` (default -1, last).
    Indices outside ``[0, depth)`` give a row of ``off_value``. The dtype is
    ``dtype``, else that of ``on_value``/``off_value``, else float32. No gradient
    flows (to ``on_value`` and ``off_value`` neither, as TensorFlow).

    Args:
        indices: Integer tensor of indices.
        depth: Length of the one-hot axis.
        on_value: Value where the index matches (default 1).
        off_value: Value elsewhere (default 0).
        axis: Where to insert the new axis (-1 or 0..rank).
        dtype: Output dtype.
        name: Ignored.

    Returns:
        A tensor of shape ``indices.shape`` with ``depth`` inserted at ``axis``.

    >>> import tapegrad as tg
    >>> tg.one_hot([0, 2], 3).numpy().tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    ind = _index_array(indices, "one_hot", "indices")
    if isinstance(depth, Tensor):  # (int() of a tensor: a compiled function checks it)
        depth = int(depth) if depth.ndim == 0 and depth.dtype.kind in "iu" else depth.numpy()
    if not _is_int(depth) or int(depth) < 0:
        raise InvalidArgumentError(f"one_hot: depth must be a non-negative int, got {depth!r}.")
    depth = int(depth)
    a = -1 if axis is None else int(axis)
    if not -1 <= a <= ind.ndim:
        raise InvalidArgumentError(
            f"one_hot: axis must be -1 or in [0, {ind.ndim}] for indices of rank {ind.ndim} "
            f"(shape {ind.shape}), got {axis}."
        )
    on_dtype = _value_dtype(on_value)
    off_dtype = _value_dtype(off_value)
    if dtype is not None:
        out_dtype = as_dtype(dtype)
    elif on_dtype is not None:
        out_dtype = on_dtype
    elif off_dtype is not None:
        out_dtype = off_dtype
    else:
        out_dtype = float32
    if dtype is None and on_dtype is not None and off_dtype is not None and on_dtype != off_dtype:
        raise TypeError(
            f"one_hot: dtype {on_dtype.name} of on_value does not match dtype {off_dtype.name} "
            "of off_value."
        )
    default_on, default_off = (True, False) if out_dtype.kind == "b" else (1, 0)
    on = _hot_value(default_on if on_value is None else on_value, out_dtype, "on_value")
    off = _hot_value(default_off if off_value is None else off_value, out_dtype, "off_value")
    return one_hot_p.bind(on, off, indices=ind, depth=depth, axis=a)  # (read-only already)


def _value_dtype(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (Tensor, np.ndarray, np.generic)):
        return value.dtype
    return convert_to_tensor(value).dtype


def _hot_value(value: Any, dtype: np.dtype, arg: str) -> Tensor:
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise InvalidArgumentError(f"one_hot: {arg} must be a scalar, got shape {value.shape}.")
        if value.dtype != dtype:
            raise TypeError(
                f"one_hot: {arg} has dtype {value.dtype.name} but the output dtype is "
                f"{dtype.name}."
            )
        return value
    t = convert_to_tensor(value, dtype=dtype)
    if t.ndim != 0:
        raise InvalidArgumentError(f"one_hot: {arg} must be a scalar, got shape {t.shape}.")
    return t

