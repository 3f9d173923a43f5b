"""Shape ops: reshape, transpose, broadcasting, stacking and joining.

These ops are linear, so each JVP is the op itself applied to the tangent,
and each VJP is its "transpose" op. Cotangents and tangents may carry extra
leading batch dimensions (``lead``): rules shift shapes and permutations by
that many axes.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .._core.primitive import Primitive
from .._core.tensor import Tensor, convert_to_tensor
from ._helpers import lead, normalize_axis

__all__ = [
    "reshape",
    "transpose",
    "broadcast_to",
    "stack",
    "concat",
    "expand_dims",
    "squeeze",
    "matrix_transpose",
]


# --- reshape ----------------------------------------------------------------------
def _reshape_impl(x, shape):
    return np.reshape(x, shape)


def _reshape_vjp(g, ans, x, shape):
    return reshape_p.bind(g, shape=g.shape[: lead(g, len(shape))] + tuple(x.shape))


def _reshape_jvp(t, ans, x, shape):
    t = t[0]
    return reshape_p.bind(t, shape=t.shape[: lead(t, x.ndim)] + tuple(shape))


reshape_p = Primitive("reshape", _reshape_impl, vjps=(_reshape_vjp,), jvp=_reshape_jvp,
                      save_inputs=())


def _resolve_shape(shape: Any, size: int, op: str, input_shape: tuple) -> tuple:
    if isinstance(shape, Tensor):
        shape = shape.numpy().tolist()
    if isinstance(shape, (int, np.integer)):
        shape = [int(shape)]
    dims = [int(d) for d in shape]
    unknown = [i for i, d in enumerate(dims) if d == -1]
    if len(unknown) > 1 or any(d < -1 for d in dims):
        raise ValueError(f"{op}: shape {dims} may hold at most one -1 and no other negatives.")
    known = int(np.prod([d for d in dims if d != -1], dtype=np.int64))
    if unknown:
        if known == 0 or size % known:
            raise ValueError(
                f"{op}: cannot reshape a tensor of shape {input_shape} ({size} elements) to "
                f"{dims}."
            )
        dims[unknown[0]] = size // known
    elif known != size:
        raise ValueError(
            f"{op}: cannot reshape a tensor of shape {input_shape} ({size} elements) to shape "
            f"{tuple(dims)} ({known} elements)."
        )
    return tuple(dims)


def reshape(tensor: Any, shape: Any, name: Any = None) -> Tensor:
    """Same values, new shape (one dimension may be -1).

    >>> import tapegrad as tg
    >>> tg.reshape(tg.range(6), [2, -1]).shape
    (2, 3)
    """
    x = convert_to_tensor(tensor)
    new_shape = _resolve_shape(shape, x.size, "reshape", x.shape)
    if new_shape == x.shape:
        return x
    return reshape_p.bind(x, shape=new_shape)


# --- transpose --------------------------------------------------------------------
def _transpose_impl(x, perm):
    return np.transpose(x, perm)


def _shifted(perm: Sequence[int], k: int) -> tuple:
    return tuple(range(k)) + tuple(p + k for p in perm)


def _transpose_vjp(g, ans, x, perm):
    inverse = tuple(np.argsort(perm))
    return transpose_p.bind(g, perm=_shifted(inverse, lead(g, len(perm))))


def _transpose_jvp(t, ans, x, perm):
    t = t[0]
    return transpose_p.bind(t, perm=_shifted(perm, lead(t, len(perm))))


transpose_p = Primitive("transpose", _transpose_impl, vjps=(_transpose_vjp,), jvp=_transpose_jvp,
                        save_inputs=())


def transpose(a: Any, perm: Any = None, conjugate: bool = False, name: Any = None) -> Tensor:
    """Permute the axes (reverse them when ``perm`` is None).

    >>> import tapegrad as tg
    >>> tg.transpose(tg.zeros((2, 3))).shape
    (3, 2)
    """
    x = convert_to_tensor(a)
    if perm is None:
        perm = tuple(range(x.ndim - 1, -1, -1))
    else:
        perm = tuple(int(p) for p in (perm.numpy() if isinstance(perm, Tensor) else perm))
        if sorted(p % max(x.ndim, 1) for p in perm) != list(range(x.ndim)) or len(perm) != x.ndim:
            raise ValueError(
                f"transpose: perm {list(perm)} is not a permutation of the {x.ndim} axes of a "
                f"tensor of shape {x.shape}."
            )
        perm = tuple(p % x.ndim for p in perm)
    out = x if perm == tuple(range(x.ndim)) else transpose_p.bind(x, perm=perm)
    if conjugate and out.dtype.kind == "c":
        from .unary import conj

        out = conj(out)
    return out


def _swap_last(x):
    return np.swapaxes(x, -1, -2)


matrix_transpose_p = Primitive(
    "matrix_transpose",
    _swap_last,
    vjps=(lambda g, ans, x: matrix_transpose_p.bind(g),),
    jvp=lambda t, ans, x: matrix_transpose_p.bind(t[0]),
    save_inputs=(),
)


def matrix_transpose(a: Any, name: Any = None, conjugate: bool = False) -> Tensor:
    """Swap the last two axes (of a batch of matrices).

    >>> import tapegrad as tg
    >>> tg.linalg.matrix_transpose(tg.zeros((4, 2, 3))).shape
    (4, 3, 2)
    """
    x = convert_to_tensor(a)
    if x.ndim < 2:
        raise ValueError(
            f"matrix_transpose: expected a tensor of rank >= 2, got shape {x.shape}."
        )
    out = matrix_transpose_p.bind(x)
    if conjugate and out.dtype.kind == "c":
        from .unary import conj

        out = conj(out)
    return out


# --- broadcasting and its transpose ------------------------------------------------------
def _align(t: Tensor, k: int, inner: tuple, rank: int) -> Tensor:
    """Insert size-1 axes after the ``k`` batch axes so ``inner`` has ``rank`` dims."""
    missing = rank - len(inner)
    if missing <= 0:
        return t
    return reshape_p.bind(t, shape=t.shape[:k] + (1,) * missing + tuple(inner))


def _broadcast_to_impl(x, shape):
    return np.broadcast_to(x, shape)


def _broadcast_to_vjp(g, ans, x, shape):
    k = lead(g, len(shape))
    return sum_to_shape_p.bind(g, shape=g.shape[:k] + tuple(x.shape), batch_ndim=k)


def _broadcast_to_jvp(t, ans, x, shape):
    t = t[0]
    k = lead(t, x.ndim)
    t = _align(t, k, tuple(x.shape), len(shape))
    return broadcast_to_p.bind(t, shape=t.shape[:k] + tuple(shape))


broadcast_to_p = Primitive("broadcast_to", _broadcast_to_impl, vjps=(_broadcast_to_vjp,),
                           jvp=_broadcast_to_jvp, save_inputs=())


def _sum_to_shape_impl(x, shape, batch_ndim):
    extra = x.ndim - len(shape)
    inner = shape[batch_ndim:]
    base = batch_ndim + extra
    axes = tuple(range(batch_ndim, base)) + tuple(
        base + i for i, d in enumerate(inner) if d == 1 and x.shape[base + i] != 1
    )
    out = np.sum(x, axis=axes, keepdims=True) if axes else x
    return np.reshape(out, shape)


def _sum_to_shape_vjp(g, ans, x, shape, batch_ndim):
    k = lead(g, len(shape))
    extra = x.ndim - len(shape)
    aligned = g.shape[:k] + tuple(shape[:batch_ndim]) + (1,) * extra + tuple(shape[batch_ndim:])
    g = reshape_p.bind(g, shape=aligned) if aligned != g.shape else g
    return broadcast_to_p.bind(g, shape=g.shape[:k] + tuple(x.shape))


def _sum_to_shape_jvp(t, ans, x, shape, batch_ndim):
    t = t[0]
    k = lead(t, x.ndim)
    return sum_to_shape_p.bind(t, shape=t.shape[:k] + tuple(shape), batch_ndim=batch_ndim + k)


sum_to_shape_p = Primitive("sum_to_shape", _sum_to_shape_impl, vjps=(_sum_to_shape_vjp,),
                           jvp=_sum_to_shape_jvp, save_inputs=())


def sum_to_shape(x: Tensor, shape: tuple, batch_ndim: int = 0) -> Tensor:
    """Sum ``x`` down to ``shape`` (the transpose of broadcasting); used by backprop."""
    if x.shape == tuple(shape):
        return x
    if x.size == int(np.prod(shape, dtype=np.int64)) and x.ndim <= len(shape):
        return reshape_p.bind(x, shape=tuple(shape))
    return sum_to_shape_p.bind(x, shape=tuple(shape), batch_ndim=batch_ndim)


def broadcast_to(input: Any, shape: Any, name: Any = None) -> Tensor:
    """Broadcast to ``shape`` with NumPy's rules.

    >>> import tapegrad as tg
    >>> tg.broadcast_to(tg.constant([1.0, 2.0]), [3, 2]).shape
    (3, 2)
    """
    x = convert_to_tensor(input)
    if isinstance(shape, Tensor):
        shape = shape.numpy().tolist()
    shape = tuple(int(d) for d in shape)
    try:
        np.broadcast_shapes(x.shape, shape)
        if len(shape) < x.ndim or np.broadcast_shapes(x.shape, shape) != shape:
            raise ValueError
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}.") from None
    if shape == x.shape:
        return x
    return broadcast_to_p.bind(x, shape=shape)


# --- stack and concat ---------------------------------------------------------------------
def _stack_impl(*xs, axis):
    return np.stack(xs, axis=axis)


def _stack_vjp(g, ans, *xs, axis):
    rest = (slice(None),) * (-axis - 1)
    from .index import getitem_p

    return tuple(getitem_p.bind(g, idx=(Ellipsis, i) + rest) for i in range(len(xs)))


def _filled(tangents, xs):
    from .creation import zeros_like

    k = None
    for t, x in zip(tangents, xs):
        if t is not None:
            k = lead(t, x.ndim)
            batch = t.shape[:k]
            break
    out = []
    for t, x in zip(tangents, xs):
        if t is None:
            t = zeros_like(x)
            if k:
                t = broadcast_to_p.bind(t, shape=batch + x.shape)
        out.append(t)
    return out


def _stack_jvp(t, ans, *xs, axis):
    return stack_p.bind(*_filled(t, xs), axis=axis)


stack_p = Primitive("stack", _stack_impl, vjp=_stack_vjp, jvp=_stack_jvp, save_inputs=())


def stack(values: Sequence[Any], axis: int = 0, name: Any = None) -> Tensor:
    """Stack tensors of one shape along a new axis.

    >>> import tapegrad as tg
    >>> tg.stack([tg.ones(2), tg.zeros(2)]).shape
    (2, 2)
    """
    xs = _same_dtype_list(values, "stack")
    shapes = {x.shape for x in xs}
    if len(shapes) != 1:
        raise ValueError(
            f"stack: all tensors must have the same shape, got {[x.shape for x in xs]}."
        )
    axis = normalize_axis(axis, xs[0].ndim + 1, "stack")
    return stack_p.bind(*xs, axis=axis)


def _same_dtype_list(values: Sequence[Any], op: str) -> list:
    if isinstance(values, Tensor):
        return list(values)  # unpack along axis 0
    if not isinstance(values, (list, tuple)) or not values:
        raise ValueError(f"{op}: expected a non-empty list of tensors, got {values!r}.")
    tensors = [v for v in values if isinstance(v, Tensor)]
    dtype = tensors[0].dtype if tensors else None
    return [v if isinstance(v, Tensor) else convert_to_tensor(v, dtype_hint=dtype) for v in values]


def _concat_impl(*xs, axis):
    return np.concatenate(xs, axis=axis)


def _concat_vjp(g, ans, *xs, axis):
    from .index import getitem_p

    out = []
    start = 0
    rest = (slice(None),) * (-axis - 1)
    for x in xs:
        size = x.shape[axis]
        out.append(getitem_p.bind(g, idx=(Ellipsis, slice(start, start + size)) + rest))
        start += size
    return tuple(out)


def _concat_jvp(t, ans, *xs, axis):
    return concat_p.bind(*_filled(t, xs), axis=axis)


concat_p = Primitive("concat", _concat_impl, vjp=_concat_vjp, jvp=_concat_jvp, save_inputs=())


def concat(values: Sequence[Any], axis: int, name: Any = None) -> Tensor:
    """Join tensors along an existing axis.

    >>> import tapegrad as tg
    >>> tg.concat([tg.ones((1, 2)), tg.zeros((2, 2))], axis=0).shape
    (3, 2)
    """
    xs = _same_dtype_list(values, "concat")
    if len(xs) == 1:
        return xs[0]
    ndim = xs[0].ndim
    if ndim == 0:
        raise ValueError("concat: cannot concatenate scalars; use stack.")
    axis = normalize_axis(axis, ndim, "concat")
    for x in xs:
        if x.ndim != ndim or x.shape[:axis % ndim] != xs[0].shape[:axis % ndim] or (
            x.shape[axis % ndim + 1:] != xs[0].shape[axis % ndim + 1:]
        ):
            raise ValueError(
                f"concat: shapes {[x.shape for x in xs]} differ outside axis {axis % ndim}."
            )
    return concat_p.bind(*xs, axis=axis)


def expand_dims(input: Any, axis: int, name: Any = None) -> Tensor:
    """Insert a size-1 axis at ``axis``.

    >>> import tapegrad as tg
    >>> tg.expand_dims(tg.zeros((2, 3)), -1).shape
    (2, 3, 1)
    """
    x = convert_to_tensor(input)
    a = normalize_axis(axis, x.ndim + 1, "expand_dims") % (x.ndim + 1)
    return reshape_p.bind(x, shape=x.shape[:a] + (1,) + x.shape[a:])


def squeeze(input: Any, axis: Any = None, name: Any = None) -> Tensor:
    """Remove size-1 axes (all of them, or those in ``axis``).

    >>> import tapegrad as tg
    >>> tg.squeeze(tg.zeros((1, 3, 1))).shape
    (3,)
    """
    x = convert_to_tensor(input)
    if axis is None:
        keep = tuple(d for d in x.shape if d != 1)
    else:
        axes = axis if isinstance(axis, (list, tuple)) else [axis]
        axes = {normalize_axis(a, x.ndim, "squeeze") % x.ndim for a in axes}
        for a in axes:
            if x.shape[a] != 1:
                raise ValueError(
                    f"squeeze: cannot squeeze axis {a} of shape {x.shape}: its size is "
                    f"{x.shape[a]}, not 1."
                )
        keep = tuple(d for i, d in enumerate(x.shape) if i not in axes)
    return x if keep == x.shape else reshape_p.bind(x, shape=keep)
