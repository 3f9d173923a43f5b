"""Tensor and the dtype rules of conversion at the boundary.

A ``Tensor`` is an immutable value (a NumPy array or scalar) plus a small increasing integer
id, by which tapes and accumulators key everything; ``tapegrad.ops`` attaches the operators,
so this module knows no op. A ``Variable`` is a Tensor whose value ``assign`` replaces; its
id never changes, so its gradients add up over every read. Dtypes follow TensorFlow: Python
floats become float32, ints int32, NumPy values keep theirs, and a number combined with a
tensor takes the tensor's dtype. A tensor never shares memory its caller can still write: a
NumPy array is copied at conversion (as TensorFlow) unless it cannot change (read-only down
to the array that owns the memory); views of tapegrad's own arrays need no copy.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy as np

from . import events
from .engine_ops import ops
from .errors import InvalidArgumentError
from .state import engine

__all__ = [
    "Tensor",
    "convert_to_tensor",
    "to_array",
    "DTYPES",
    "is_float_dtype",
]

DTYPES = {name: np.dtype(name) for name in (
    "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool",
    "complex64", "complex128")}
float16, float32, float64, int8, int16, int32, int64, uint8, bool_, complex64, complex128 = (
    DTYPES.values())

# dtype kind of each NumPy scalar type: reading ``.dtype.kind`` off a scalar costs more.
# "?" marks array classes whose dtype objects are their own (array-api-strict): look it up.
SCALAR_KIND: dict[Any, str] = {
    t: np.dtype(t).kind
    for t in (np.float16, np.float32, np.float64, np.longdouble, np.complex64, np.complex128,
              np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
              np.bool_)
}
KIND_NAMES = {"f": "floating", "c": "complex", "i": "signed integer", "u": "unsigned integer",
              "b": "bool"}

_INT32 = np.iinfo(np.int32)
_INT64_MIN, _INT64_MAX = int(np.iinfo(np.int64).min), int(np.iinfo(np.int64).max)
# ``count.__next__`` is a single C call, atomic under the GIL: ids stay unique across threads.
new_id = itertools.count(1).__next__


def is_float_dtype(dtype: np.dtype) -> bool:
    """True for the dtypes that carry gradients (floating and complex)."""
    return dtype.kind in "fc"


def as_dtype(dtype: Any) -> np.dtype:
    """Normalise a dtype argument (NumPy dtype, type, or name) to ``np.dtype``."""
    if isinstance(dtype, np.dtype):
        return dtype
    if dtype is float or dtype.__class__ is str and dtype == "float":  # (TensorFlow's "float")
        return float32
    if dtype is int:
        return int32
    if dtype is bool:
        return bool_
    try:
        resolved = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(
            f"Cannot interpret {dtype!r} as a dtype; use one of "
            f"tapegrad.{', tapegrad.'.join(DTYPES)}."
        ) from err
    if resolved.kind not in "fciub":
        raise TypeError(
            f"tapegrad has no tensors of dtype {resolved}; use a numeric or bool dtype."
        )
    return resolved


def _python_array(value: Any, dtype: np.dtype | None = None) -> np.ndarray:
    """A Python value (numbers, nested lists) as an array of ``dtype`` or TensorFlow's dtype."""
    # NumPy builds the exact array (Python floats are doubles), rounded once to ``dtype``:
    # through float32 first, constant([0.1], dtype=float64) would hold float32's 0.1.
    # Without ``dtype``: ints int32 (int64 if needed), floats as _float_dtype says.
    try:
        array = np.asarray(value)
    except ValueError:
        if isinstance(value, (list, tuple)):
            raise InvalidArgumentError(
                f"Cannot convert {_short(value)} to a tensor: its nested lists differ in length "
                "(a non-rectangular sequence). Give every row the same length (pad them), or "
                "keep them as separate tensors."
            ) from None
        raise
    kind = array.dtype.kind
    too_large = kind == "u" and array.size and array.max() > _INT64_MAX
    if too_large or (kind == "O" and _all_ints(array)):
        raise _out_of_range(value)
    if kind not in "fciub":
        raise TypeError(
            f"Cannot convert {type(value).__name__} {_short(value)} to a tensor: tapegrad holds "
            "numeric and bool values only."
        )
    # A list, tuple or Python number gives a fresh array; an array-like may share its memory.
    fresh = isinstance(value, (list, tuple, bool, int, float, complex))
    if dtype is not None:
        out = _cast_checked(array, dtype, value)
    elif kind == "f":
        with np.errstate(over="ignore"):  # (astype copies: nothing is shared)
            out = array.astype(_float_dtype(value))
        if out.dtype != array.dtype and np.isinf(out).any() and np.isfinite(array).all():
            raise ValueError(f"Cannot convert {_short(value)} to a tensor: a value is out of "
                             f"the range of {out.dtype}. Give dtype=tapegrad.float64.")
    elif kind in "iu":
        small = array.size == 0 or (array.min() >= _INT32.min and array.max() <= _INT32.max)
        out = array.astype(int32 if small else int64)
    else:
        out = array
    return np.array(out) if out is array and not fresh else out


def _float_dtype(value: Any) -> np.dtype:
    """TensorFlow's float dtype for a sequence: float32, unless its first value is NumPy's."""
    # a NumPy float16/float64 first (scalar or array) sets it: constant([np.array([1.1])])
    first = value
    while isinstance(first, (list, tuple)) and first:
        first = first[0]
    if isinstance(first, np.ndarray) and first.size:
        first = first.reshape(-1)[0]
    dtype = getattr(first, "dtype", None)
    return dtype if isinstance(first, np.generic) and dtype in (float16, float64) else float32


def _all_ints(array: np.ndarray) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in array.reshape(-1))


def _out_of_range(value: Any) -> ValueError:
    return InvalidArgumentError(
        f"Cannot convert {_short(value)} to a tensor: an integer is out of the range of int64 "
        f"[{_INT64_MIN}, {_INT64_MAX}]. Use a float value (e.g. 2.0**63) or smaller integers."
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def _cast_checked(array: Any, dtype: np.dtype, what: Any) -> Any:
    """Cast to ``dtype``, refusing casts that would silently change values."""
    src = array.dtype if isinstance(array, (np.ndarray, np.generic)) else ops.numpy_dtype(array)
    if src == dtype:
        return array
    if dtype.kind in "iub" and src.kind in "fc":
        if not np.all(np.isfinite(array)) or not np.all(np.asarray(array) == np.round(array)):
            raise TypeError(
                f"Cannot convert {_short(what)} (dtype {src}) to a tensor of dtype {dtype}: the "
                f"values are not integers. Use tapegrad.cast to convert explicitly."
            )
    if dtype.kind == "b" and src.kind != "b":
        raise TypeError(
            f"Cannot convert {_short(what)} (dtype {src}) to dtype bool; use a comparison "
            "or tapegrad.cast."
        )
    if src.kind == "c" and dtype.kind != "c":
        raise TypeError(
            f"Cannot convert complex {_short(what)} to dtype {dtype}; use tapegrad.math.real."
        )
    with np.errstate(over="ignore"):  # too large for ``dtype``: inf, as TensorFlow
        return array.astype(dtype)


def _private(array: np.ndarray) -> np.ndarray:
    """``array`` if no one can write its memory, else a read-only copy of it.

    A read-only view can still change through a writable base, so every base down to
    the owner of the memory must be a read-only ndarray (a foreign owner, such as a
    memory map or an ndarray subclass, is copied).
    """
    a: Any = array
    while a.__class__ is np.ndarray and not a.flags.writeable:
        a = a.base
        if a is None:
            return array
    copy = np.array(array)
    copy.setflags(write=False)  # (cheaper than assigning ``copy.flags.writeable``)
    return copy


def to_array(value: Any, dtype: np.dtype | None = None) -> Any:
    """The array a tensor of ``value`` holds (a NumPy array or scalar), with TensorFlow's dtypes.

    A Tensor gives its own array; anything else gives an array that no one else can
    write (a caller's writable NumPy array is copied).
    """
    if isinstance(value, Tensor):
        array = value._value
        if dtype is not None and array.dtype != dtype:
            raise TypeError(
                f"Tensor conversion requested dtype {dtype} for a tensor of dtype "
                f"{array.dtype}; use tapegrad.cast(x, {dtype.name!r})."
            )
        return array
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind not in "fciub":
            raise TypeError(f"Cannot convert an array of dtype {value.dtype} to a tensor.")
        if dtype is not None and value.dtype != dtype:
            return _cast_checked(value, dtype, value)  # a new array
        return value if isinstance(value, np.generic) else _private(value)
    if isinstance(value, (bool, int, float, complex)) and dtype is not None:
        if isinstance(value, float) and dtype.kind in "iu" and not value.is_integer():
            raise TypeError(
                f"Cannot convert {value!r} to a tensor of dtype {dtype}: it is not an integer. "
                "Use a float tensor, or tapegrad.cast."
            )
        if isinstance(value, complex) and dtype.kind != "c":
            raise TypeError(f"Cannot convert complex {value!r} to a tensor of dtype {dtype}.")
        try:
            return dtype.type(value)
        except OverflowError as err:
            raise TypeError(f"{value!r} does not fit in dtype {dtype}.") from err
    if hasattr(value, "__array_namespace__") or hasattr(value, "dask"):  # Dask, CuPy, ...: kept
        if not isinstance(value.dtype, np.dtype):
            SCALAR_KIND.setdefault(value.__class__, "?")
        return value if dtype is None or ops.numpy_dtype(value) == dtype else _cast_checked(
            value, dtype, value)
    if value is None:
        raise TypeError(
            "Cannot convert None to a tensor. A None often comes from a gradient of an "
            "unconnected source; see GradientTape.explain."
        )
    if isinstance(value, (list, tuple)) and _contains_tensor(value):
        return to_array(ops.pack(value), dtype)
    return _python_array(value, dtype)


def prefixed(err: Exception, where: str) -> Exception:
    """A conversion error again, its message prefixed with the op and argument it concerns."""
    return (InvalidArgumentError if isinstance(err, ValueError) else TypeError)(f"{where}: {err}")


def _contains_tensor(value: Any) -> bool:
    if isinstance(value, Tensor):
        return True
    if isinstance(value, (list, tuple)):
        return any(_contains_tensor(v) for v in value)
    return False


def convert_to_tensor(value: Any, dtype: Any = None, dtype_hint: Any = None, name: Any = None):
    """Return ``value`` as a Tensor (a Tensor is returned unchanged).

    >>> import tapegrad as tg
    >>> tg.convert_to_tensor([1.0, 2.0]).dtype
    tapegrad.float32
    """
    if dtype is not None:
        dtype = as_dtype(dtype)
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype != dtype:
            raise TypeError(
                f"convert_to_tensor: requested dtype {dtype} for a tensor of dtype {value.dtype}; "
                f"use tapegrad.cast(x, {dtype.name!r})."
            )
        return value._read()
    densify = getattr(value, "_as_dense_tensor", None)
    if densify is not None:  # IndexedSlices
        return densify()
    if isinstance(value, (list, tuple)) and _contains_tensor(value):
        packed = ops.pack(value)  # recorded: gradients flow to the listed tensors
        if dtype is not None and packed.dtype != dtype:
            raise TypeError(
                f"convert_to_tensor: requested dtype {dtype} for values of dtype {packed.dtype}."
            )
        return packed
    if dtype is None and dtype_hint is not None and not isinstance(value, (np.ndarray, np.generic)):
        try:
            return Tensor._wrap(to_array(value, as_dtype(dtype_hint)))
        except TypeError:
            pass
    return Tensor._wrap(to_array(value, dtype))


class Tensor:
    """An immutable n-d array value that tapes can record.

    >>> import tapegrad as tg
    >>> x = tg.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> x.shape, x.dtype.name
    (TensorShape([2, 2]), 'float32')
    """

    # ``_origin``, set only on results of Variable arithmetic, names the Variable a tensor
    # may have replaced (``x = x + 1``) for explanations; most tensors leave it unset.
    __slots__ = ("_value", "_id", "_origin", "__weakref__")
    _is_variable = False  # a class attribute: the hot path tells Variables apart without isinstance
    _origin: tuple
    __array_priority__ = 100  # ndarray <op> Tensor defers to Tensor's reflected operator

    def __init__(self, value: Any, dtype: Any = None):
        self._value = to_array(value, None if dtype is None else as_dtype(dtype))
        self._id = new_id()

    if TYPE_CHECKING:  # the operators are installed by tapegrad.ops._operators

        def __add__(self, other: Any) -> Tensor: ...
        def __radd__(self, other: Any) -> Tensor: ...
        def __sub__(self, other: Any) -> Tensor: ...
        def __rsub__(self, other: Any) -> Tensor: ...
        def __mul__(self, other: Any) -> Tensor: ...
        def __rmul__(self, other: Any) -> Tensor: ...
        def __truediv__(self, other: Any) -> Tensor: ...
        def __rtruediv__(self, other: Any) -> Tensor: ...
        def __floordiv__(self, other: Any) -> Tensor: ...
        def __rfloordiv__(self, other: Any) -> Tensor: ...
        def __mod__(self, other: Any) -> Tensor: ...
        def __rmod__(self, other: Any) -> Tensor: ...
        def __pow__(self, other: Any) -> Tensor: ...
        def __rpow__(self, other: Any) -> Tensor: ...
        def __matmul__(self, other: Any) -> Tensor: ...
        def __rmatmul__(self, other: Any) -> Tensor: ...
        def __lt__(self, other: Any) -> Tensor: ...
        def __le__(self, other: Any) -> Tensor: ...
        def __gt__(self, other: Any) -> Tensor: ...
        def __ge__(self, other: Any) -> Tensor: ...
        def __and__(self, other: Any) -> Tensor: ...
        def __rand__(self, other: Any) -> Tensor: ...
        def __or__(self, other: Any) -> Tensor: ...
        def __ror__(self, other: Any) -> Tensor: ...
        def __xor__(self, other: Any) -> Tensor: ...
        def __rxor__(self, other: Any) -> Tensor: ...
        def __getitem__(self, other: Any) -> Tensor: ...
        def __neg__(self) -> Tensor: ...
        def __abs__(self) -> Tensor: ...
        def __invert__(self) -> Tensor: ...
        def __eq__(self, other: Any) -> Any: ...  # type: ignore[override]
        def __ne__(self, other: Any) -> Any: ...  # type: ignore[override]

    @classmethod
    def _wrap(cls, value: Any) -> Tensor:
        """Wrap an array without conversion (the dispatch path's constructor)."""
        t = object.__new__(Tensor)
        t._value = value
        t._id = new_id()
        return t

    # --- properties -----------------------------------------------------------------
    # (tapegrad.tensor_shape and tapegrad.dtypes install the public TensorShape and DType
    # versions of these two, as tapegrad.ops installs the operators; the engine reads arrays.)
    @property
    def shape(self) -> tuple:
        return self._value.shape

    @property
    def dtype(self) -> np.dtype:
        d = self._value.dtype
        return d if isinstance(d, np.dtype) else ops.numpy_dtype(self._value)

    @property
    def ndim(self) -> int:
        return self._value.ndim

    @property
    def size(self) -> int:
        return self._value.size

    @property
    def id(self) -> int:
        return self._id

    def _read(self) -> Tensor:
        """The tensor an op sees for this value (a Variable gives a recorded read)."""
        return self

    def numpy(self) -> Any:
        """A copy of the value as NumPy (a NumPy scalar for 0-d tensors)."""
        value = self._value
        engine.active and _read_out(self, ".numpy()", True)
        value = ops.to_numpy(value)  # (Dask computes, CuPy copies to the host, explicitly)
        if value.ndim == 0:
            return value[()]
        return np.array(value)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        engine.active and _read_out(self, "NumPy (np.asarray / __array__)", True)
        array = np.array(ops.to_numpy(self._value), dtype=dtype, copy=True)
        return array

    def get_shape(self) -> tuple:
        return self.shape

    def ref(self) -> _Reference:
        """A hashable key for this tensor; ``.deref()`` gives the tensor back."""
        return _Reference(self)

    def experimental_ref(self) -> _Reference:
        return _Reference(self)

    # --- Python protocol --------------------------------------------------------------
    def __hash__(self):
        raise TypeError(
            f"{type(self).__name__} is unhashable (== is elementwise). Use tensor.ref() as "
            "the key and ref.deref() to get the tensor back."
        )

    def __bool__(self) -> bool:
        engine.active and _read_out(self, "bool()", False)
        if self._value.size != 1:
            raise ValueError(
                f"The truth value of a tensor of shape {self.shape} is ambiguous; only "
                "tensors with one element have one. Use tapegrad.reduce_any or reduce_all."
            )
        return bool(self._value)

    def __float__(self) -> float:
        engine.active and _read_out(self, "float()", True)
        return float(self._value)

    def __int__(self) -> int:
        engine.active and _read_out(self, "int()", False)
        return int(self._value)

    def __index__(self) -> int:
        if self._value.dtype.kind not in "iu" or self._value.ndim != 0:
            raise TypeError(
                f"Only scalar integer tensors can be used as an index, not shape {self.shape} "
                f"dtype {self.dtype}."
            )
        engine.active and _read_out(self, "int()", False)
        return int(self._value)

    def __complex__(self) -> complex:
        engine.active and _read_out(self, "complex()", False)
        return complex(self._value)

    def __len__(self) -> int:
        if self._value.ndim == 0:
            raise TypeError("len() of a scalar tensor (shape ()) is undefined.")
        return self._value.shape[0]

    def __iter__(self):
        if self._value.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor (shape ()).")
        for i in range(self._value.shape[0]):
            yield self[i]

    def __format__(self, spec: str) -> str:
        if self._value.ndim == 0:
            return format(self._value[()], spec)
        return format(str(self), spec)

    def __repr__(self) -> str:
        return (
            f"<tapegrad.Tensor: id={self._id}, shape={self.shape}, dtype={self.dtype.name}, "
            f"numpy={_numpy_text(self._value, True)}>"
        )

    def __str__(self) -> str:
        return (
            f"tapegrad.Tensor({_numpy_text(self._value, False)}, shape={self.shape}, "
            f"dtype={self.dtype.name})"
        )

    def __copy__(self) -> Tensor:
        return self

    def __deepcopy__(self, memo: Any) -> Tensor:
        return self

    def __reduce__(self):
        return (_rebuild_tensor, (np.array(self._value),))


def _read_out(t: Tensor, how: str, exported: bool) -> Any:  # explain (exported), compiler
    for event in (events.value_exported, events.value_read) if exported else (events.value_read,):
        event.emit(t, how)


def _rebuild_tensor(array: np.ndarray) -> Tensor:
    return Tensor._wrap(array)


def _numpy_text(value: Any, is_repr: bool) -> str:
    if type(value).__module__.split(".")[0] != "numpy":
        return repr(value)  # (a Dask array shows its graph, computing nothing)
    if value.ndim == 0:
        text = str(value[()])
    else:
        text = repr(np.asarray(value)) if is_repr else str(np.asarray(value))
    if "\n" in text:
        text = "\n" + text
    return text


class _Reference:
    """Hashable stand-in for a tensor (``tensor.ref()``), compared by identity."""

    __slots__ = ("_tensor",)

    def __init__(self, tensor: Tensor):
        self._tensor = tensor

    def deref(self) -> Tensor:
        return self._tensor

    def __hash__(self) -> int:
        return id(self._tensor)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, _Reference) and other._tensor is self._tensor

    def __repr__(self) -> str:
        return f"<Reference to {self._tensor!r}>"
