"""Creating tensors: constant, zeros, ones, fill, eye, range, linspace, shape queries.

None of these is differentiable: they build new constants. (``identity`` and
``cast``, the differentiable ones, live in casting.py and are re-exported.)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.tensor import Tensor, as_dtype, convert_to_tensor, float32, prefixed, to_array
from ._args import int_arg, ints_arg
from ._namespace import dtype_for, namespace
from ._namespace import numpy_dtype as _dtype
from .casting import cast, identity  # noqa: F401  (public names, re-exported)

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

_MAX_ELEMENTS = 2**63 - 1  # TensorFlow's limit on the elements of a tensor
_MAX_BYTES = int(np.iinfo(np.intp).max)  # NumPy's limit on the bytes of an array


def shape_arg(shape: Any, op: str, arg: str = "shape") -> tuple:
    """The shape argument of a creation op, as a tuple of ints.

    Integers only, as TensorFlow (a float, even ``2.0``, a bool or a string raises
    TypeError rather than being truncated); NumPy ints and integer tensors are
    accepted. Negative dimensions and shapes of more than 2**63 - 1 elements raise
    ValueError.
    """
    dims = tuple(ints_arg(shape, op, arg))
    for i, d in enumerate(dims):
        if d < 0:
            raise InvalidArgumentError(
                f"{op}: {arg} {dims} has a negative dimension ({d} at index {i}); "
                "dimensions must be >= 0."
            )
    if math.prod(dims) > _MAX_ELEMENTS:
        raise InvalidArgumentError(
            f"{op}: {arg} {dims} would have {math.prod(dims):.3g} elements, more than "
            "a tensor can hold (2**63 - 1); ask for a smaller shape."
        )
    return dims


def _dim(value: Any, op: str, arg: str) -> int:
    """One non-negative dimension argument (``eye``'s rows, ``linspace``'s count)."""
    d = int_arg(value, op, arg)
    if d < 0:
        raise InvalidArgumentError(f"{op}: {arg} must be >= 0, got {d}.")
    return d


def allocate(op: str, dims: tuple, dtype: np.dtype, make: Callable, *args: Any) -> Any:
    """``make(*args)``, a new array of ``dims``; running out of memory names the op and shape.

    NumPy says "array is too big" (a ValueError) or "Unable to allocate"; TensorFlow
    raises its out-of-memory error. Both become a MemoryError naming the op, the shape,
    the dtype and the size.
    """
    nbytes = math.prod(dims) * dtype.itemsize
    if nbytes <= _MAX_BYTES:
        try:
            return make(*args)
        except MemoryError:
            pass
    raise MemoryError(
        f"{op}: not enough memory for a tensor of shape {dims} and dtype {dtype.name} "
        f"({_bytes_text(nbytes)}); ask for a smaller shape or a smaller dtype."
    )


def _bytes_text(nbytes: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if nbytes < 1024:
            return f"{nbytes:.4g} {unit}"
        nbytes /= 1024  # type: ignore[assignment]
    return f"{nbytes:.4g} EiB"


def _peek(input: Any) -> Any:
    """The array behind ``input``, read for its shape and dtype only (no copy)."""
    if isinstance(input, Tensor):
        return input._value
    if isinstance(input, (np.ndarray, np.generic)):
        return input
    return to_array(input)


def _read_scalar(value: Any) -> Any:
    """``to_array(value)``; a scalar tensor is read through ``int()``/``float()``/``bool()``,
    so that a compiled function checks the value it was traced with (a guard)."""
    if isinstance(value, Tensor) and value.ndim == 0:
        kind = value.dtype.kind
        read = bool if kind == "b" else int if kind in "iu" else float if kind == "f" else complex
        return np.asarray(read(value), dtype=value.dtype)
    return to_array(value)


def constant(value: Any, dtype: Any = None, shape: Any = None, name: Any = None) -> Tensor:
    """A new tensor holding ``value`` (TensorFlow's dtype rules); later writes to ``value``
    do not change it.

    >>> import tapegrad as tg
    >>> tg.constant([1, 2]).dtype.name, tg.constant(1.5).dtype.name
    ('int32', 'float32')
    """
    try:
        array = to_array(value, None if dtype is None else as_dtype(dtype))
    except (TypeError, ValueError) as err:
        raise prefixed(err, "constant: value") from None
    if shape is not None:
        dims = shape_arg(shape, "constant")
        if array.size == 1:
            array = allocate("constant", dims, array.dtype, np.full, dims, array.reshape(()),
                             array.dtype)
        elif array.size == math.prod(dims):
            array = array.reshape(dims)
        else:
            raise InvalidArgumentError(
                f"constant: cannot give a value with {array.size} elements the shape {dims}."
            )
    return Tensor._wrap(array[()] if array.ndim == 0 else array)


def _dtype_or(dtype: Any, default: np.dtype) -> np.dtype:
    return default if dtype is None else as_dtype(dtype)


def zeros(shape: Any, dtype: Any = float32, name: Any = None) -> Tensor:
    """A tensor of zeros (float32 by default).

    >>> import tapegrad as tg
    >>> tg.zeros((2, 3)).shape
    TensorShape([2, 3])
    """
    dims, d = shape_arg(shape, "zeros"), _dtype_or(dtype, float32)
    return Tensor._wrap(allocate("zeros", dims, d, np.zeros, dims, d))


def ones(shape: Any, dtype: Any = float32, name: Any = None) -> Tensor:
    """A tensor of ones (float32 by default).

    >>> import tapegrad as tg
    >>> tg.ones(2).numpy().tolist()
    [1.0, 1.0]
    """
    dims, d = shape_arg(shape, "ones"), _dtype_or(dtype, float32)
    return Tensor._wrap(allocate("ones", dims, d, np.ones, dims, d))


def zeros_like(input: Any, dtype: Any = None, name: Any = None) -> Tensor:
    """Zeros with the shape (and dtype, unless given) of ``input``.

    >>> import tapegrad as tg
    >>> tg.zeros_like(tg.constant([1, 2])).numpy().tolist()
    [0, 0]
    """
    x = _peek(input)
    xp = namespace(x)
    if xp is not np:  # (lazy and chunked as ``x``: no NumPy constant enters a Dask graph)
        return Tensor._wrap(xp.zeros_like(x, dtype=dtype_for(xp, _dtype_or(dtype, _dtype(x)))))
    return Tensor._wrap(np.zeros(np.shape(x), _dtype_or(dtype, x.dtype)))


def ones_like(input: Any, dtype: Any = None, name: Any = None) -> Tensor:
    """Ones with the shape (and dtype, unless given) of ``input``.

    >>> import tapegrad as tg
    >>> tg.ones_like(tg.constant([1.0, 2.0])).numpy().tolist()
    [1.0, 1.0]
    """
    x = _peek(input)
    xp = namespace(x)
    if xp is not np:
        return Tensor._wrap(xp.ones_like(x, dtype=dtype_for(xp, _dtype_or(dtype, _dtype(x)))))
    out = np.ones(np.shape(x), _dtype_or(dtype, x.dtype))
    return Tensor._wrap(out[()] if out.ndim == 0 else out)


def fill(dims: Any, value: Any, name: Any = None) -> Tensor:
    """A tensor of shape ``dims`` filled with the scalar ``value`` (dtype by TensorFlow's rules).

    >>> import tapegrad as tg
    >>> tg.fill([2], 7).numpy().tolist()
    [7, 7]
    """
    shape = shape_arg(dims, "fill", "dims")
    try:
        v = _read_scalar(value)
    except (TypeError, ValueError) as err:
        raise prefixed(err, "fill: value") from None
    if v.ndim != 0:
        raise InvalidArgumentError(
            f"fill: value must be a scalar, got shape {v.shape}; use tapegrad.broadcast_to to "
            "repeat a tensor."
        )
    return Tensor._wrap(allocate("fill", shape, v.dtype, np.full, shape, v, v.dtype))


def _eye(rows: int, columns: int, batch: tuple, dtype: np.dtype) -> np.ndarray:
    m = np.eye(rows, columns, dtype=dtype)
    return np.broadcast_to(m, batch + m.shape).copy() if batch else m


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
    rows = _dim(num_rows, "eye", "num_rows")
    columns = rows if num_columns is None else _dim(num_columns, "eye", "num_columns")
    batch = () if batch_shape is None else shape_arg(batch_shape, "eye", "batch_shape")
    dims, d = shape_arg(batch + (rows, columns), "eye"), _dtype_or(dtype, float32)
    return Tensor._wrap(allocate("eye", dims, d, _eye, rows, columns, batch, d))


def range(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None, name: Any = None):
    """Numbers from ``start`` up to (not including) ``limit`` by ``delta``.

    >>> import tapegrad as tg
    >>> tg.range(3).numpy().tolist()
    [0, 1, 2]
    """
    if limit is None:
        start, limit = 0, start
    values = [_read_scalar(v) for v in (start, limit, delta)]
    if dtype is None:
        kinds = [v.dtype for v in values]
        dtype = max(kinds, key=lambda d: (d.kind == "f", d.itemsize))
    dtype = as_dtype(dtype)
    if float(values[2]) == 0:
        raise InvalidArgumentError("range: delta must not be zero.")
    span = (float(values[1]) - float(values[0])) / float(values[2])
    if not math.isfinite(span):
        raise InvalidArgumentError(
            f"range: start, limit and delta must be finite, got {start!r}, {limit!r}, {delta!r}."
        )
    count = max(0, math.ceil(span))
    if count > _MAX_ELEMENTS:
        raise InvalidArgumentError(
            f"range: start={start!r}, limit={limit!r}, delta={delta!r} give {count:.3g} "
            "elements, more than a tensor can hold (2**63 - 1); use a larger delta."
        )
    dims = (count,)
    return Tensor._wrap(allocate("range", dims, dtype, _arange, *values, dtype))


def _arange(start: Any, limit: Any, delta: Any, dtype: np.dtype) -> np.ndarray:
    return np.arange(start, limit, delta).astype(dtype)


def linspace(start: Any, stop: Any, num: int, name: Any = None, axis: int = 0) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive.

    >>> import tapegrad as tg
    >>> tg.linspace(0.0, 1.0, 3).numpy().tolist()
    [0.0, 0.5, 1.0]
    """
    a, b = _read_scalar(start), _read_scalar(stop)
    dtype = a.dtype if a.dtype.kind == "f" else np.dtype("float64")
    n = _dim(num, "linspace", "num")
    return Tensor._wrap(np.linspace(a, b, n, axis=axis).astype(dtype))


def shape(input: Any, out_type: Any = None, name: Any = None) -> Tensor:
    """The shape as an int32 tensor.

    >>> import tapegrad as tg
    >>> tg.shape(tg.zeros((2, 3))).numpy().tolist()
    [2, 3]
    """
    return Tensor._wrap(np.array(np.shape(_peek(input)), _dtype_or(out_type, np.dtype("int32"))))


def size(input: Any, out_type: Any = None, name: Any = None) -> Tensor:
    """The number of elements as an int32 scalar tensor.

    >>> import tapegrad as tg
    >>> int(tg.size(tg.zeros((2, 3))))
    6
    """
    return Tensor._wrap(_dtype_or(out_type, np.dtype("int32")).type(np.size(_peek(input))))


def rank(input: Any, name: Any = None) -> Tensor:
    """The number of dimensions as an int32 scalar tensor.

    >>> import tapegrad as tg
    >>> int(tg.rank(tg.zeros((2, 3))))
    2
    """
    return Tensor._wrap(np.int32(np.ndim(_peek(input))))
