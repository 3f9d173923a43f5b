"""``DType``: TensorFlow's dtype objects (``tf.dtypes``), interchangeable with NumPy's.

``tg.float32`` and ``x.dtype`` are ``DType`` objects with TensorFlow's
attributes (``name``, ``as_numpy_dtype``, ``is_floating``, ``min``, ...). Each
wraps one NumPy dtype, in its ``dtype`` attribute, which is how NumPy accepts
it anywhere a dtype goes (``np.zeros(3, tg.float32)``, ``np.dtype(tg.float32)``,
``a.astype(x.dtype)``). It compares equal to, and hashes like, that NumPy dtype
(``x.dtype == np.float32``, ``x.dtype == "float32"``, dict keys), and it
forwards NumPy's attributes (``kind``, ``itemsize``, ``type``...), so code
written for NumPy dtypes keeps working. There is one DType per NumPy dtype.

The engine compares the dtypes of arrays, never these objects: ``x.dtype``
costs one dict lookup and only users pay it.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ._core import tensor as _tensor
from .ops.casting import cast

__all__ = [
    "DType", "as_dtype", "cast", "float16", "half", "float32", "float64", "double", "int8", "int16",
    "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool", "complex64", "complex128",
]

# TensorFlow's DataType enum values (``DType.as_datatype_enum``).
_ENUMS = {"float32": 1, "float64": 2, "int32": 3, "uint8": 4, "int16": 5, "int8": 6,
          "complex64": 8, "int64": 9, "bool": 10, "uint16": 17, "complex128": 18, "float16": 19,
          "uint32": 22, "uint64": 23}


class DType:
    """A tensor's element type, TensorFlow's ``DType`` over one NumPy dtype.

    >>> import numpy as np
    >>> import tapegrad as tf
    >>> x = tf.constant([1.0, 2.0])
    >>> x.dtype, str(x.dtype), x.dtype == np.float32, x.dtype.is_floating
    (tapegrad.float32, "<dtype: 'float32'>", True, True)
    >>> np.zeros(2, tf.int32).dtype, tf.as_dtype("float64").max
    (dtype('int32'), np.float64(1.7976931348623157e+308))
    """

    __slots__ = ("dtype", "name", "kind", "itemsize", "type")
    dtype: np.dtype
    name: str
    kind: str
    itemsize: int
    type: builtins.type

    def __init__(self, dtype: Any):
        np_dtype = _tensor.as_dtype(dtype.dtype if isinstance(dtype, DType) else dtype)
        self.dtype = np_dtype  # (NumPy reads this attribute: np.dtype(obj) -> obj.dtype)
        self.name = np_dtype.name
        # NumPy's most read attributes, copied (the rest are forwarded by __getattr__)
        self.kind, self.itemsize, self.type = np_dtype.kind, np_dtype.itemsize, np_dtype.type

    # --- TensorFlow's attributes ---------------------------------------------------
    @property
    def as_numpy_dtype(self) -> builtins.type:
        """The NumPy scalar type (``np.float32``), as TensorFlow gives it."""
        return self.dtype.type

    @property
    def as_datatype_enum(self) -> int:
        return _ENUMS.get(self.name, 0)

    @property
    def base_dtype(self) -> DType:
        return self

    @property
    def real_dtype(self) -> DType:
        """The dtype of the real part: float32 for complex64, itself for real dtypes."""
        if self.dtype.kind == "c":
            return as_dtype(np.dtype(f"float{self.dtype.itemsize * 4}"))
        return self

    @property
    def is_floating(self) -> builtins.bool:
        return self.dtype.kind == "f"

    @property
    def is_integer(self) -> builtins.bool:
        return self.dtype.kind in "iu"

    @property
    def is_unsigned(self) -> builtins.bool:
        return self.dtype.kind == "u"

    @property
    def is_complex(self) -> builtins.bool:
        return self.dtype.kind == "c"

    @property
    def is_bool(self) -> builtins.bool:
        return self.dtype.kind == "b"

    @property
    def is_numpy_compatible(self) -> builtins.bool:
        return True

    @property
    def is_quantized(self) -> builtins.bool:
        return False

    @property
    def size(self) -> int:
        """Bytes per element."""
        return self.dtype.itemsize

    @property
    def min(self) -> Any:
        """The smallest value of this dtype (TypeError for bool and complex, as TensorFlow)."""
        return self._limit("minimum", 0)

    @property
    def max(self) -> Any:
        """The largest value of this dtype (TypeError for bool and complex, as TensorFlow)."""
        return self._limit("maximum", 1)

    @property
    def limits(self) -> tuple:
        return self.min, self.max

    def _limit(self, what: str, index: int) -> Any:
        kind = self.dtype.kind
        if kind == "f":
            info: Any = np.finfo(self.dtype)
        elif kind in "iu":
            info = np.iinfo(self.dtype)
        else:
            raise TypeError(f"Cannot find {what} value of {self} with type {self}.")
        return self.dtype.type(info.min if index == 0 else info.max)

    def is_compatible_with(self, other: Any) -> builtins.bool:
        return self == other

    # --- NumPy's attributes and Python protocol ---------------------------------------
    @property
    def __numpy_dtype__(self) -> np.dtype:
        """NumPy's dtype protocol (NumPy 2 asks for it first; without it, np.dtype(d) is slow)."""
        return self.dtype

    def __getattr__(self, name: str) -> Any:
        if name in DType.__slots__ or name.startswith("__"):  # (unpickling; protocol probes)
            raise AttributeError(name)
        return getattr(self.dtype, name)  # char, str, num, byteorder...

    def __eq__(self, other: Any) -> builtins.bool:
        if other.__class__ is DType:
            return self is other
        other = _comparable(other)
        return other is not None and self.dtype == other

    def __ne__(self, other: Any) -> builtins.bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self.dtype)  # equal to the NumPy dtype's: either works as a dict key

    def __repr__(self) -> str:
        return f"tapegrad.{self.name}"

    def __str__(self) -> str:
        return f"<dtype: {self.name!r}>"

    def __reduce__(self):
        return (as_dtype, (self.name,))


def _comparable(other: Any) -> np.dtype | None:
    """``other`` as a NumPy dtype for ``==``, None when it is not a dtype (TensorFlow: False)."""
    if other is None or isinstance(other, _tensor.Tensor):
        return None
    try:
        return _tensor.as_dtype(other)
    except TypeError:
        return None


class _Registry(dict):
    """NumPy dtype -> its one DType, made on first use."""

    def __missing__(self, np_dtype: np.dtype) -> DType:
        made = self[np_dtype] = DType(np_dtype)
        return made


_DTYPES = _Registry()


def as_dtype(type_value: Any) -> DType:
    """The DType of a DType, NumPy dtype or type, Python type or name.

    As in TensorFlow, Python ``float`` is float32 (and ``int`` is int32 in
    tapegrad, where TensorFlow refuses it).

    >>> import numpy as np
    >>> import tapegrad as tf
    >>> tf.as_dtype(np.float64), tf.as_dtype("int32"), tf.as_dtype(float)
    (tapegrad.float64, tapegrad.int32, tapegrad.float32)
    """
    if type_value.__class__ is DType:
        return type_value
    if isinstance(type_value, _tensor.Tensor):
        raise TypeError(
            f"as_dtype: got a tensor ({type_value.shape}, {type_value.dtype}); "
            "pass its dtype: as_dtype(x.dtype)."
        )
    return _DTYPES[_tensor.as_dtype(type_value)]


float16 = half = as_dtype("float16")
float32 = as_dtype("float32")
float64 = double = as_dtype("float64")
int8 = as_dtype("int8")
int16 = as_dtype("int16")
int32 = as_dtype("int32")
int64 = as_dtype("int64")
uint8 = as_dtype("uint8")
uint16 = as_dtype("uint16")
uint32 = as_dtype("uint32")
uint64 = as_dtype("uint64")
bool = as_dtype("bool")  # noqa: A001  (TensorFlow's name: tf.bool)
complex64 = as_dtype("complex64")
complex128 = as_dtype("complex128")

_engine_dtype = vars(_tensor.Tensor)["dtype"].fget  # (a NumPy dtype, another library's mapped)


def _public_dtype(self: _tensor.Tensor) -> DType:
    """The tensor's element type as a DType (one dict lookup)."""
    d = self._value.dtype
    return _DTYPES[d if isinstance(d, np.dtype) else _engine_dtype(self)]


# ``x.dtype`` for users, installed as tapegrad.ops installs the operators (the engine reads
# the arrays' dtypes on its paths).
setattr(_tensor.Tensor, "dtype", property(_public_dtype))  # noqa: B010
