"""Creating tensors: constant, zeros, ones, fill, eye, range, linspace, identity, cast.

Only ``identity`` and ``cast`` are primitives (they are differentiable); the
rest build new constants.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.primitive import Primitive
from .._core.tensor import Tensor, as_dtype, convert_to_tensor, float32, to_array

__all__ = [
    "constant",
    "convert_to_tensor",
    "identity",
    "cast",
    "zeros",
    "ones",
    "zeros_like",
    "ones_like",
    "fill",
    "eye",
    "range",
    "linspace",
    "shape",
    "size",
    "rank",
]


def _shape_arg(shape: Any, op: str) -> tuple:
    if isinstance(shape, Tensor):
        shape = shape.numpy().tolist()
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    try:
        dims = tuple(int(d) for d in shape)
    except TypeError:
        raise TypeError(f"{op}: shape must be a list of ints, got {shape!r}.") from None
    if any(d < 0 for d in dims):
        raise ValueError(f"{op}: shape {dims} has a negative dimension.")
    return dims


def constant(value: Any, dtype: Any = None, shape: Any = None, name: Any = None) -> Tensor:
    """A new tensor holding a copy of ``value`` (TensorFlow's dtype rules).

    >>> import tapegrad as tg
    >>> tg.constant([1, 2]).dtype.name, tg.constant(1.5).dtype.name
    ('int32', 'float32')
    """
    array = to_array(value, None if dtype is None else as_dtype(dtype))
    array = np.array(array)
    if shape is not None:
        shape = _shape_arg(shape, "constant")
        if array.size == 1:
            array = np.full(shape, array.reshape(()), dtype=array.dtype)
        elif array.size == int(np.prod(shape, dtype=np.int64)):
            array = array.reshape(shape)
        else:
            raise ValueError(
                f"constant: cannot give a value with {array.size} elements the shape {shape}."
            )
    return Tensor._wrap(array[()] if array.ndim == 0 else array)


def _identity_impl(x):
    return x


identity_p: Primitive = Primitive(
    "identity",
    _identity_impl,
    vjps=(lambda g, ans, x: g,),
    jvp=lambda t, ans, x: t[0],
    save_inputs=(),
)


def identity(input: Any, name: Any = None) -> Tensor:
    """A tensor with the same value (differentiable; reads a Variable's current value).

    >>> import tapegrad as tg
    >>> tg.identity(tg.constant(2.0)).numpy()
    np.float32(2.0)
    """
    return identity_p.bind(input)


def _cast_impl(x, dtype):
    return x.astype(dtype)


def _cast_vjp(g, ans, x, dtype):
    if x.dtype.kind not in "fc":
        return None
    if x.dtype.kind == "f" and g.dtype.kind == "c":
        g = real_part(g)
    return cast_p.bind(g, dtype=x.dtype) if g.dtype != x.dtype else g


def _cast_jvp(tangents, ans, x, dtype):
    if dtype.kind not in "fc":
        return None
    return cast_p.bind(tangents[0], dtype=dtype)


cast_p: Primitive = Primitive("cast", _cast_impl, vjps=(_cast_vjp,), jvp=_cast_jvp, save_inputs=())


def real_part(x: Tensor) -> Tensor:
    return real_p.bind(x)


real_p: Primitive = Primitive(
    "real",
    np.real,
    vjps=(lambda g, ans, x: cast_p.bind(g, dtype=x.dtype),),
    jvp=lambda t, ans, x: real_p.bind(t[0]),
    save_inputs=(),
    dtypes="c",
)


def cast(x: Any, dtype: Any, name: Any = None) -> Tensor:
    """Convert to ``dtype`` (differentiable between float dtypes; None from integers).

    >>> import tapegrad as tg
    >>> tg.cast(tg.constant([1.7, -1.7]), tg.int32).numpy().tolist()
    [1, -1]
    """
    dtype = as_dtype(dtype)
    x = x if isinstance(x, Tensor) else convert_to_tensor(x)
    if x.dtype == dtype:
        return x
    if x.dtype.kind == "c" and dtype.kind != "c":
        x = real_p.bind(x)
        if x.dtype == dtype:
            return x
    return cast_p.bind(x, dtype=dtype)


def _dtype_or(dtype: Any, default: np.dtype) -> np.dtype:
    return default if dtype is None else as_dtype(dtype)


def zeros(shape: Any, dtype: Any = float32, name: Any = None) -> Tensor:
    """A tensor of zeros (float32 by default).

    >>> import tapegrad as tg
    >>> tg.zeros((2, 3)).shape
    (2, 3)
    """
    return Tensor._wrap(np.zeros(_shape_arg(shape, "zeros"), _dtype_or(dtype, float32)))


def ones(shape: Any, dtype: Any = float32, name: Any = None) -> Tensor:
    """A tensor of ones (float32 by default).

    >>> import tapegrad as tg
    >>> tg.ones(2).numpy().tolist()
    [1.0, 1.0]
    """
    return Tensor._wrap(np.ones(_shape_arg(shape, "ones"), _dtype_or(dtype, float32)))


def zeros_like(input: Any, dtype: Any = None, name: Any = None) -> Tensor:
    """Zeros with the shape (and dtype, unless given) of ``input``.

    >>> import tapegrad as tg
    >>> tg.zeros_like(tg.constant([1, 2])).numpy().tolist()
    [0, 0]
    """
    x = to_array(input)
    return Tensor._wrap(np.zeros(np.shape(x), _dtype_or(dtype, x.dtype)))


def ones_like(input: Any, dtype: Any = None, name: Any = None) -> Tensor:
    """Ones with the shape (and dtype, unless given) of ``input``.

    >>> import tapegrad as tg
    >>> tg.ones_like(tg.constant([1.0, 2.0])).numpy().tolist()
    [1.0, 1.0]
    """
    x = to_array(input)
    out = np.ones(np.shape(x), _dtype_or(dtype, x.dtype))
    return Tensor._wrap(out[()] if out.ndim == 0 else out)


def fill(dims: Any, value: Any, name: Any = None) -> Tensor:
    """A tensor of shape ``dims`` filled with ``value`` (its dtype by TensorFlow's rules).

    >>> import tapegrad as tg
    >>> tg.fill([2], 7).numpy().tolist()
    [7, 7]
    """
    v = to_array(value)
    return Tensor._wrap(np.full(_shape_arg(dims, "fill"), v, dtype=v.dtype))


def eye(
    num_rows: int,
    num_columns: int | None = None,
    batch_shape: Any = None,
    dtype: Any = float32,
    name: Any = None,
) -> Tensor:
    """Identity matrix (optionally batched).

    >>> import tapegrad as tg
    >>> tg.eye(2).numpy().tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    m = np.eye(int(num_rows), None if num_columns is None else int(num_columns),
               dtype=_dtype_or(dtype, float32))
    if batch_shape is not None:
        m = np.broadcast_to(m, _shape_arg(batch_shape, "eye") + m.shape).copy()
    return Tensor._wrap(m)


def range(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None, name: Any = None):
    """Numbers from ``start`` up to (not including) ``limit`` by ``delta``.

    >>> import tapegrad as tg
    >>> tg.range(3).numpy().tolist()
    [0, 1, 2]
    """
    if limit is None:
        start, limit = 0, start
    values = [to_array(v) for v in (start, limit, delta)]
    if dtype is None:
        kinds = [v.dtype for v in values]
        dtype = max(kinds, key=lambda d: (d.kind == "f", d.itemsize))
    dtype = as_dtype(dtype)
    if float(values[2]) == 0:
        raise ValueError("range: delta must not be zero.")
    return Tensor._wrap(np.arange(values[0], values[1], values[2]).astype(dtype))


def linspace(start: Any, stop: Any, num: int, name: Any = None, axis: int = 0) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive.

    >>> import tapegrad as tg
    >>> tg.linspace(0.0, 1.0, 3).numpy().tolist()
    [0.0, 0.5, 1.0]
    """
    a, b = to_array(start), to_array(stop)
    dtype = a.dtype if a.dtype.kind == "f" else np.dtype("float64")
    return Tensor._wrap(np.linspace(a, b, int(num), axis=axis).astype(dtype))


def shape(input: Any, out_type: Any = None, name: Any = None) -> Tensor:
    """The shape as an int32 tensor.

    >>> import tapegrad as tg
    >>> tg.shape(tg.zeros((2, 3))).numpy().tolist()
    [2, 3]
    """
    return Tensor._wrap(np.array(np.shape(to_array(input)), _dtype_or(out_type, np.dtype("int32"))))


def size(input: Any, out_type: Any = None, name: Any = None) -> Tensor:
    """The number of elements as an int32 scalar tensor.

    >>> import tapegrad as tg
    >>> int(tg.size(tg.zeros((2, 3))))
    6
    """
    return Tensor._wrap(_dtype_or(out_type, np.dtype("int32")).type(np.size(to_array(input))))


def rank(input: Any, name: Any = None) -> Tensor:
    """The number of dimensions as an int32 scalar tensor.

    >>> import tapegrad as tg
    >>> int(tg.rank(tg.zeros((2, 3))))
    2
    """
    return Tensor._wrap(np.int32(np.ndim(to_array(input))))
