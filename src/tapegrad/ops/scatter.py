"""``tensor_scatter_nd_*``: a tensor with the slices at index rows replaced or combined.

``add``/``sub`` are the tensor plus (minus) ``scatter_nd`` of the updates, as TensorFlow
defines them. ``update`` is a primitive linear in the tensor and the updates: the tensor's
cotangent is masked where an update landed, the updates' is ``gather_nd`` of the
cotangent (every repeated row gets it, as TensorFlow). ``min``/``max`` are primitives
whose gradient is TensorFlow's: split evenly between the tensor entry and the updates
that equal the result.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.primitive import ANS, Primitive
from .._core.tensor import Tensor, convert_to_tensor
from ._args import read_values
from ._namespace import numpy_only
from ._rules import lead, linear
from .binary import equal
from .casting import cast
from .index import (
    IndexOutOfRangeError,
    _index_array,
    _rows_inside,
    gather_nd_p,
    scatter_nd_p,
)

__all__ = [
    "tensor_scatter_nd_update",
    "tensor_scatter_nd_add",
    "tensor_scatter_nd_sub",
    "tensor_scatter_nd_min",
    "tensor_scatter_nd_max",
]


def _prefix(k: int) -> tuple:
    return (slice(None),) * k


def _kept(idx: tuple, shape: tuple, dtype: Any) -> np.ndarray:
    """1 where no update lands, 0 where one does (``shape`` is the tensor's)."""
    keep = np.ones(shape, dtype)
    keep[idx] = 0
    return keep


# --- update ------------------------------------------------------------------------------
def _update_impl(x, u, idx, lead_ndim=0):
    numpy_only("tensor_scatter_nd_update", x, u)  # (a write into a NumPy copy)
    out = x.copy()
    out[_prefix(lead_ndim) + idx] = u  # a repeated row keeps its last update
    return out


def _update_vjp_x(g, ans, x, u, idx, lead_ndim=0):
    return g * Tensor._wrap(_kept(idx, tuple(x.shape[lead_ndim:]), g.dtype))


def _update_vjp_u(g, ans, x, u, idx, lead_ndim=0):
    k = lead(g, len(x.shape))
    return gather_nd_p.bind(g, idx=idx, lead_ndim=lead_ndim + k)


def _update_batched(t, x, idx, lead_ndim=0):
    return {"idx": idx, "lead_ndim": lead_ndim + lead(t, x.ndim)}


tensor_scatter_nd_update_p: Primitive = linear(
    "tensor_scatter_nd_update", _update_impl, vjps=(_update_vjp_x, _update_vjp_u),
    batched=_update_batched,
)


# --- min / max -----------------------------------------------------------------------------
def _extremum_impl(ufunc):
    def impl(x, u, idx):
        numpy_only(f"tensor_scatter_nd_{ufunc.__name__[:3]}", x, u)  # (NumPy's ufunc.at)
        out = x.copy()
        ufunc.at(out, idx, u)
        return out
    return impl


def _indicators(ans, x, u, idx):
    """TensorFlow's split: which tensor entries and updates equal the result, and how many."""
    x_on = cast(equal(x, ans), x.dtype)
    u_on = cast(equal(u, gather_nd_p.bind(ans, idx=idx)), x.dtype)
    return x_on, u_on, x_on + scatter_nd_p.bind(u_on, idx=idx, shape=tuple(x.shape))


def _extremum_vjp_x(g, ans, x, u, idx):
    x_on, _, count = _indicators(ans, x, u, idx)
    return g * x_on / count


def _extremum_vjp_u(g, ans, x, u, idx):
    _, u_on, count = _indicators(ans, x, u, idx)
    k = lead(g, len(x.shape))
    return gather_nd_p.bind(g / count, idx=idx, lead_ndim=k) * u_on


def _extremum_jvp_x(t, ans, x, u, idx):
    x_on, _, count = _indicators(ans, x, u, idx)
    return t * x_on / count


def _extremum_jvp_u(t, ans, x, u, idx):  # the transpose of the updates' VJP
    _, u_on, count = _indicators(ans, x, u, idx)
    k = lead(t, len(u.shape))
    return scatter_nd_p.bind(t * u_on, idx=idx, shape=tuple(x.shape), lead_ndim=k) / count


def _extremum(name: str, ufunc: Any) -> Primitive:
    return Primitive(name, _extremum_impl(ufunc), vjps=(_extremum_vjp_x, _extremum_vjp_u),
                     jvps=(_extremum_jvp_x, _extremum_jvp_u), reads=((0, 1, ANS), (0, 1, ANS)),
                     dtypes="fiu")


tensor_scatter_nd_max_p: Primitive = _extremum("tensor_scatter_nd_max", np.maximum)
tensor_scatter_nd_min_p: Primitive = _extremum("tensor_scatter_nd_min", np.minimum)


# --- arguments ---------------------------------------------------------------------------
def _arguments(tensor: Any, indices: Any, updates: Any, op: str) -> tuple:
    """The tensor, the index columns (validated, read-only) and the updates."""
    x = tensor if isinstance(tensor, Tensor) else convert_to_tensor(tensor)
    ind = _index_array(read_values(indices), op, "indices")  # (columns made in NumPy: guarded)
    u = convert_to_tensor(updates, dtype_hint=x.dtype)
    if (u.dtype != x.dtype and not isinstance(updates, Tensor)
            and np.can_cast(u.dtype, x.dtype, "same_kind")):  # NumPy ints into a float tensor
        u = convert_to_tensor(u._value.astype(x.dtype))
    if u.dtype != x.dtype:
        raise TypeError(
            f"{op}: updates dtype {u.dtype.name} differs from tensor dtype {x.dtype.name}; "
            "cast the updates with tapegrad.cast."
        )
    if ind.ndim < 2 or ind.shape[-1] == 0:
        raise InvalidArgumentError(
            f"{op}: indices must have shape [..., depth] with rank >= 2 and 1 <= depth <= "
            f"{x.ndim} (the tensor's rank), got shape {ind.shape}; wrap a single index row "
            "as [[i, j, ...]]."
        )
    depth = ind.shape[-1]
    if depth > x.ndim:
        raise InvalidArgumentError(
            f"{op}: index rows of length {depth} (indices shape {ind.shape}) cannot index a "
            f"tensor of shape {x.shape}: the last dimension of indices must be <= its rank "
            f"{x.ndim}."
        )
    expected = ind.shape[:-1] + tuple(x.shape[depth:])
    if tuple(u.shape) != expected:
        raise InvalidArgumentError(
            f"{op}: updates has shape {u.shape}, but indices of shape {ind.shape} into a tensor "
            f"of shape {x.shape} need updates of shape {expected} (indices.shape[:-1] + "
            f"tensor.shape[{depth}:])."
        )
    if ind.size and x.size == 0:  # as TensorFlow, even where the slices are empty
        raise InvalidArgumentError(
            f"{op}: indices of shape {ind.shape} scatter into a tensor of shape {x.shape}, "
            "which has no entries; pass indices with no rows."
        )
    ok = _rows_inside(ind, tuple(x.shape))
    if not ok.all():
        position = tuple(np.argwhere(~ok)[0])
        row = [int(v) for v in ind[position]]
        where = ",".join(str(int(p)) for p in position)
        raise IndexOutOfRangeError(
            f"{op}: indices[{where}] = {row} does not index into shape {list(x.shape)} "
            f"(tensor dtype {x.dtype.name}); every index row must lie inside the tensor."
        )
    cols = tuple(np.array(ind[..., j]) for j in range(depth))
    for c in cols:
        c.flags.writeable = False
    return x, cols, u


def tensor_scatter_nd_update(tensor: Any, indices: Any, updates: Any, name: Any = None) -> Tensor:
    """``tensor`` with the slices at index rows replaced (``tf.tensor_scatter_nd_update``).

    ``updates`` has shape ``indices.shape[:-1] + tensor.shape[indices.shape[-1]:]``. The
    gradient for ``tensor`` is zero where an update landed; every update gets the
    gradient of its position (repeated rows too, as TensorFlow).

    Args:
        tensor: The tensor to copy.
        indices: Integer tensor whose last axis holds index rows into ``tensor``.
        updates: The new values, of ``tensor``'s dtype.
        name: Ignored.

    Returns:
        A tensor of ``tensor``'s shape and dtype.

    >>> import tapegrad as tg
    >>> tg.tensor_scatter_nd_update(tg.zeros([4]), [[1], [3]], [5.0, 6.0]).numpy().tolist()
    [0.0, 5.0, 0.0, 6.0]
    """
    x, cols, u = _arguments(tensor, indices, updates, "tensor_scatter_nd_update")
    return tensor_scatter_nd_update_p.bind(x, u, idx=cols, lead_ndim=0)


def _combine(tensor: Any, indices: Any, updates: Any, op: str, sign: int) -> Tensor:
    x, cols, u = _arguments(tensor, indices, updates, op)
    if sign < 0:
        u = -u
    return x + scatter_nd_p.bind(u, idx=cols, shape=tuple(x.shape), lead_ndim=0)


def tensor_scatter_nd_add(tensor: Any, indices: Any, updates: Any, name: Any = None) -> Tensor:
    """``tensor`` plus ``updates`` added at index rows (``tf.tensor_scatter_nd_add``).

    Repeated rows add up. Shapes as :func:`tensor_scatter_nd_update`.

    Args:
        tensor: The tensor to add to.
        indices: Integer tensor whose last axis holds index rows into ``tensor``.
        updates: The values to add, of ``tensor``'s dtype.
        name: Ignored.

    Returns:
        A tensor of ``tensor``'s shape and dtype.

    >>> import tapegrad as tg
    >>> tg.tensor_scatter_nd_add(tg.ones([3]), [[0], [0]], [1.0, 2.0]).numpy().tolist()
    [4.0, 1.0, 1.0]
    """
    return _combine(tensor, indices, updates, "tensor_scatter_nd_add", 1)


def tensor_scatter_nd_sub(tensor: Any, indices: Any, updates: Any, name: Any = None) -> Tensor:
    """``tensor`` minus ``updates`` at index rows (``tf.tensor_scatter_nd_sub``).

    Args:
        tensor: The tensor to subtract from.
        indices: Integer tensor whose last axis holds index rows into ``tensor``.
        updates: The values to subtract, of ``tensor``'s dtype.
        name: Ignored.

    Returns:
        A tensor of ``tensor``'s shape and dtype.

    >>> import tapegrad as tg
    >>> tg.tensor_scatter_nd_sub(tg.ones([3]), [[2]], [1.0]).numpy().tolist()
    [1.0, 1.0, 0.0]
    """
    return _combine(tensor, indices, updates, "tensor_scatter_nd_sub", -1)


def _extreme(tensor: Any, indices: Any, updates: Any, prim: Primitive) -> Tensor:
    x, cols, u = _arguments(tensor, indices, updates, prim.name)
    return prim.bind(x, u, idx=cols)


def tensor_scatter_nd_max(tensor: Any, indices: Any, updates: Any, name: Any = None) -> Tensor:
    """``tensor`` with indexed entries raised to the largest update (``tf.tensor_scatter_nd_max``).

    The gradient is TensorFlow's: split evenly among the tensor entry and the updates equal
    to the result.

    Args:
        tensor: The tensor.
        indices: Integer tensor whose last axis holds index rows into ``tensor``.
        updates: The candidate values, of ``tensor``'s dtype.
        name: Ignored.

    Returns:
        A tensor of ``tensor``'s shape and dtype.

    >>> import tapegrad as tg
    >>> tg.tensor_scatter_nd_max(tg.zeros([3]), [[0], [1]], [2.0, -1.0]).numpy().tolist()
    [2.0, 0.0, 0.0]
    """
    return _extreme(tensor, indices, updates, tensor_scatter_nd_max_p)


def tensor_scatter_nd_min(tensor: Any, indices: Any, updates: Any, name: Any = None) -> Tensor:
    """``tensor``, indexed entries lowered to the smallest update (``tf.tensor_scatter_nd_min``).

    Args:
        tensor: The tensor.
        indices: Integer tensor whose last axis holds index rows into ``tensor``.
        updates: The candidate values, of ``tensor``'s dtype.
        name: Ignored.

    Returns:
        A tensor of ``tensor``'s shape and dtype.

    >>> import tapegrad as tg
    >>> tg.tensor_scatter_nd_min(tg.zeros([3]), [[0], [1]], [2.0, -1.0]).numpy().tolist()
    [0.0, -1.0, 0.0]
    """
    return _extreme(tensor, indices, updates, tensor_scatter_nd_min_p)
