"""Indexing: ``x[...]``, ``where`` and scattering rows back.

``getitem`` supports NumPy basic indexing (ints, slices with steps, None,
Ellipsis) and integer/bool array indices; its VJP scatters the cotangent into
zeros (adding where an index repeats).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.primitive import Primitive
from .._core.tensor import Tensor, convert_to_tensor
from ._helpers import lead

__all__ = ["getitem", "where"]


class IndexOutOfRangeError(IndexError, ValueError):
    """An index outside a tensor's shape (both an IndexError and a ValueError)."""


def _has_arrays(idx: tuple) -> bool:
    return any(isinstance(i, np.ndarray) for i in idx)


def _getitem_impl(x, idx):
    return x[idx]


def _prefix(k: int) -> tuple:
    return (slice(None),) * k


def _getitem_vjp(g, ans, x, idx):
    k = lead(g, _indexed_ndim(x.shape, idx))
    return getitem_grad_p.bind(g, idx=idx, shape=tuple(x.shape), lead_ndim=k)


def _getitem_jvp(t, ans, x, idx):
    t = t[0]
    return getitem_p.bind(t, idx=_prefix(lead(t, x.ndim)) + idx)


def _dummy(shape: tuple) -> np.ndarray:
    """A zero-memory array of ``shape``, to learn what an index does to a shape."""
    return np.broadcast_to(np.empty((), dtype=np.bool_), shape)


def _indexed_ndim(shape: tuple, idx: tuple) -> int:
    return _dummy(tuple(shape))[idx].ndim


getitem_p = Primitive("getitem", _getitem_impl, vjps=(_getitem_vjp,), jvp=_getitem_jvp,
                      save_inputs=())


def _getitem_grad_impl(g, idx, shape, lead_ndim):
    out = np.zeros(g.shape[:lead_ndim] + tuple(shape), dtype=g.dtype)
    full = _prefix(lead_ndim) + idx
    if _has_arrays(idx):
        np.add.at(out, full, g)
    else:
        out[full] = g
    return out


def _getitem_grad_vjp(gg, ans, g, idx, shape, lead_ndim):
    k = lead(gg, lead_ndim + len(shape))
    return getitem_p.bind(gg, idx=_prefix(k + lead_ndim) + idx)


def _getitem_grad_jvp(t, ans, g, idx, shape, lead_ndim):
    t = t[0]
    k = lead(t, g.ndim)
    return getitem_grad_p.bind(t, idx=idx, shape=shape, lead_ndim=lead_ndim + k)


getitem_grad_p = Primitive("getitem_grad", _getitem_grad_impl, vjps=(_getitem_grad_vjp,),
                           jvp=_getitem_grad_jvp, save_inputs=())


def _normalize_index(key: Any, shape: tuple) -> tuple:
    """A tuple index with tensors turned into arrays and ranges checked."""
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if isinstance(k, Tensor):
            k = k._value
        if isinstance(k, (list,)):
            k = np.asarray(k)
        if isinstance(k, np.ndarray) and k.ndim == 0 and k.dtype.kind in "iu":
            k = int(k)
        if isinstance(k, np.generic) and k.dtype.kind in "iu":
            k = int(k)
        if isinstance(k, np.ndarray) and k.dtype.kind not in "iub":
            raise TypeError(
                f"getitem: index arrays must be integers or bools, got dtype {k.dtype}."
            )
        if not (k is None or k is Ellipsis or isinstance(k, (int, slice, np.ndarray))):
            raise TypeError(
                f"getitem: unsupported index {k!r} ({type(k).__name__}); use ints, slices, "
                "None, ..., or integer/bool arrays."
            )
        out.append(k)
    return tuple(out)


def getitem(x: Any, key: Any) -> Tensor:
    """``x[key]``: NumPy indexing, differentiable.

    >>> import tapegrad as tg
    >>> tg.constant([[1.0, 2.0], [3.0, 4.0]])[:, 1].numpy().tolist()
    [2.0, 4.0]
    """
    x = convert_to_tensor(x)
    idx = _normalize_index(key, x.shape)
    try:
        _dummy(x.shape)[idx]
    except IndexError as err:
        raise IndexOutOfRangeError(
            f"getitem: index {key!r} is out of range for a tensor of shape {x.shape}: {err}"
        ) from None
    return getitem_p.bind(x, idx=idx)


# --- where ---------------------------------------------------------------------------
def _where_impl(x, y, condition):
    return np.where(condition, x, y)


where_p = Primitive(
    "where",
    _where_impl,
    vjps=(
        lambda g, ans, x, y, condition: where_p.bind(g, 0, condition=condition),
        lambda g, ans, x, y, condition: where_p.bind(0, g, condition=condition),
    ),
    jvp=lambda t, ans, x, y, condition: where_p.bind(
        0 if t[0] is None else t[0], 0 if t[1] is None else t[1], condition=condition
    ),
    save_inputs=(),
)


def where(condition: Any, x: Any = None, y: Any = None, name: Any = None) -> Tensor:
    """Elementwise ``x if condition else y`` with broadcasting; with one argument, the
    indices of True entries (int64, shape ``[n, rank]``).

    >>> import tapegrad as tg
    >>> tg.where([True, False], 1.0, 2.0).numpy().tolist()
    [1.0, 2.0]
    """
    cond = convert_to_tensor(condition)
    if cond.dtype.kind != "b":
        raise TypeError(f"where: condition must be a bool tensor, got dtype {cond.dtype.name}.")
    if x is None and y is None:
        return Tensor._wrap(np.argwhere(cond._value).astype(np.int64))
    if x is None or y is None:
        raise ValueError("where: give both x and y, or neither.")
    try:
        np.broadcast_shapes(cond.shape, np.shape(x), np.shape(y))
    except ValueError:
        raise ValueError(
            f"where: condition {cond.shape}, x {np.shape(x)} and y {np.shape(y)} do not "
            "broadcast together."
        ) from None
    return where_p.bind(x, y, condition=cond._value)


# --- scattering rows (IndexedSlices to dense) ----------------------------------------------
def _scatter_rows_impl(values, indices, shape):
    k = values.ndim - (indices.ndim + len(shape) - 1)
    out = np.zeros(values.shape[:k] + tuple(shape), dtype=values.dtype)
    np.add.at(out, _prefix(k) + (indices,), values)
    return out


def _scatter_rows_vjp(g, ans, values, indices, shape):
    k = lead(g, len(shape))
    return getitem_p.bind(g, idx=_prefix(k) + (indices,))


scatter_rows_p = Primitive(
    "scatter_rows",
    _scatter_rows_impl,
    vjps=(_scatter_rows_vjp,),
    jvp=lambda t, ans, values, indices, shape: scatter_rows_p.bind(
        t[0], indices=indices, shape=shape
    ),
    save_inputs=(),
)


def scatter_rows(values: Tensor, indices: np.ndarray, shape: tuple) -> Tensor:
    """Dense tensor of ``shape`` with ``values`` added at rows ``indices`` (axis 0)."""
    return scatter_rows_p.bind(values, indices=np.asarray(indices), shape=tuple(shape))
