"""``TensorSpec`` and the cache keys of a function's arguments (TensorFlow's tracing rules).

A call's arguments become one hashable key: tensors (and NumPy arrays) and Variables by
shape and dtype (as ``tf.function`` does: a Variable argument is passed to the program,
which reads and assigns it), other objects by identity, Python numbers, strings, None
and bools by type and value, lists, tuples, dicts and namedtuples by structure.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.tensor import Tensor, as_dtype

__all__ = ["TensorSpec", "arguments_key", "substitute", "relax", "matches"]

_BY_VALUE = (int, float, bool, str, bytes, complex, type(None))
TENSOR = "T"


class TensorSpec:
    """The shape and dtype of a tensor argument; ``None`` in a shape matches any size.

    >>> import tapegrad as tg
    >>> spec = tg.TensorSpec([None, 3], tg.float32)
    >>> spec.is_compatible_with(tg.zeros([5, 3]))
    True
    """

    def __init__(self, shape: Any, dtype: Any = np.float32, name: str | None = None):
        self.shape = None if shape is None else tuple(
            None if d is None else int(d) for d in shape)
        self.dtype = as_dtype(dtype)
        self.name = name

    @classmethod
    def from_tensor(cls, tensor: Any, name: str | None = None) -> TensorSpec:
        value = tensor._value if isinstance(tensor, Tensor) else np.asarray(tensor)
        return cls(value.shape, value.dtype, name)

    def is_compatible_with(self, value: Any) -> bool:
        """Whether a tensor (or spec) has this dtype and a shape this shape admits."""
        if isinstance(value, TensorSpec):
            shape, dtype = value.shape, value.dtype
        else:
            array = value._value if isinstance(value, Tensor) else np.asarray(value)
            shape, dtype = array.shape, array.dtype
        if dtype != self.dtype:
            return False
        if self.shape is None or shape is None:
            return True
        return len(shape) == len(self.shape) and all(
            a is None or b is None or a == b for a, b in zip(self.shape, shape))

    def __eq__(self, other: Any) -> bool:
        return (isinstance(other, TensorSpec) and self.shape == other.shape
                and self.dtype == other.dtype and self.name == other.name)

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.name))

    def __repr__(self) -> str:
        dtype = f"tapegrad.{self.dtype.name}"
        return f"TensorSpec(shape={self.shape}, dtype={dtype}, name={self.name!r})"


def arguments_key(value: Any, tensors: list, objects: list) -> Any:
    """The cache key of ``value``; its tensor leaves are appended to ``tensors`` in order."""
    t = type(value)
    if isinstance(value, Tensor):
        array = value._value
        if value._is_variable:
            for i, t in enumerate(tensors):
                if t is value:  # the same Variable twice: a different program
                    return ("V", array.shape, array.dtype, i)
            tensors.append(value)
            return ("V", array.shape, array.dtype)
        tensors.append(value)
        return (TENSOR, array.shape, array.dtype)
    if t is np.ndarray:
        tensors.append(value)
        return (TENSOR, value.shape, value.dtype)
    if t in _BY_VALUE:
        return (t, value)
    if t is tuple or t is list:
        return (t, tuple([arguments_key(v, tensors, objects) for v in value]))
    if t is dict:
        keys = sorted(value, key=repr)
        return (dict, tuple((k, arguments_key(value[k], tensors, objects)) for k in keys))
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # namedtuple
        return (t, tuple([arguments_key(v, tensors, objects) for v in value]))
    if isinstance(value, TensorSpec):
        tensors.append(value)
        return (TENSOR, value.shape, value.dtype)
    objects.append(value)
    return ("O", id(value))


def substitute(value: Any, replacements: Any) -> Any:
    """``value`` with its tensor leaves (as ``arguments_key`` found them) replaced in order."""
    t = type(value)
    if isinstance(value, Tensor):
        return next(replacements)
    if t is np.ndarray or isinstance(value, TensorSpec):
        return next(replacements)
    if t is tuple or t is list:
        return t([substitute(v, replacements) for v in value])
    if t is dict:
        keys = sorted(value, key=repr)
        out = {k: substitute(value[k], replacements) for k in keys}
        return {k: out[k] for k in value}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return t(*[substitute(v, replacements) for v in value])
    return value


def relax(a: Any, b: Any) -> Any:
    """One key that admits both (shapes with None where they differ), or None if none does."""
    if a == b:
        return a
    if type(a) is not tuple or type(b) is not tuple or len(a) != len(b):
        return None
    if a and a[0] == TENSOR and b[0] == TENSOR:
        if a[2] != b[2] or len(a[1]) != len(b[1]):
            return None
        return (TENSOR, tuple(x if x == y else None for x, y in zip(a[1], b[1])), a[2])
    out = []
    for x, y in zip(a, b):
        r = relax(x, y)
        if r is None and not (x is None and y is None):
            return None
        out.append(r)
    return tuple(out)


def matches(general: Any, key: Any) -> bool:
    """Whether ``key`` fits ``general`` (a relaxed key)."""
    if general == key:
        return True
    if type(general) is not tuple or type(key) is not tuple or len(general) != len(key):
        return False
    if general and general[0] == TENSOR and key[0] == TENSOR:
        return general[2] == key[2] and len(general[1]) == len(key[1]) and all(
            g is None or g == k for g, k in zip(general[1], key[1]))
    return all(matches(g, k) for g, k in zip(general, key))
