"""``TensorShape``: what ``Tensor.shape`` gives, TensorFlow's class on a tuple.

It is a tuple of ints (``None`` for a dimension not known, as in a
``TensorSpec`` or a ``while_loop`` shape invariant), so everything written for
tuples keeps working (``shape == (2, 3)``, unpacking, ``np.zeros(t.shape)``),
and it has TensorFlow's methods and repr. An unknown rank (``TensorShape(None)``)
is an empty tuple whose ``rank`` is None. The engine reads ``array.shape``
itself; this class is for users.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from ._core import tensor as _tensor
from ._core.errors import InvalidArgumentError

__all__ = ["TensorShape", "as_shape"]


def _dim(value: Any) -> int | None:
    if value is None:
        return None
    value = getattr(value, "value", value)  # a TensorFlow Dimension
    if value is None:
        return None
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"TensorShape: a dimension must be an int or None, got {value!r}.")
    value = int(value.__index__())
    if value < 0:
        raise InvalidArgumentError(f"TensorShape: a dimension must be >= 0 or None, got {value}.")
    return value


class TensorShape(tuple):
    """The shape of a tensor: a tuple of ints (None where unknown) with TensorFlow's methods.

    >>> import tapegrad as tf
    >>> s = tf.zeros([2, 3]).shape
    >>> s, s == (2, 3), s.as_list(), s.rank, s.num_elements()
    (TensorShape([2, 3]), True, [2, 3], 2, 6)
    >>> tf.TensorShape([None, 3]).merge_with([2, None])
    TensorShape([2, 3])
    """

    __slots__ = ()
    _known_rank = True

    def __new__(cls, dims: Any = ()) -> TensorShape:
        if dims is None:
            return tuple.__new__(_UnknownRankShape)
        if isinstance(dims, TensorShape):
            return dims
        if hasattr(dims, "as_list") and not isinstance(dims, tuple):  # TensorFlow's TensorShape
            if dims.rank is None:
                return tuple.__new__(_UnknownRankShape)
            dims = dims.as_list()
        try:
            dims = list(dims)
        except TypeError:  # one dimension
            dims = [dims]
        return tuple.__new__(TensorShape, [_dim(d) for d in dims])

    # --- TensorFlow's API --------------------------------------------------------
    @property
    def rank(self) -> int | None:
        """The number of dimensions (None when unknown)."""
        return len(self) if self._known_rank else None

    ndims = rank

    @property
    def dims(self) -> list | None:
        """The dimensions as a list (ints and None; TensorFlow gives Dimension objects)."""
        return list(self) if self._known_rank else None

    def as_list(self) -> list:
        """The dimensions as a list of ints (None where unknown)."""
        if not self._known_rank:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self)

    def num_elements(self) -> int | None:
        """The number of elements, or None when a dimension or the rank is unknown."""
        if not self.is_fully_defined():
            return None
        return math.prod(self)

    def is_fully_defined(self) -> bool:
        return self._known_rank and None not in tuple(self)

    def is_compatible_with(self, other: Any) -> bool:
        """True when some shape could be both (same rank, dimensions equal or unknown)."""
        other = as_shape(other)
        if not (self._known_rank and other._known_rank):
            return True
        return len(self) == len(other) and all(
            a is None or b is None or a == b for a, b in zip(self, other, strict=True)
        )

    def assert_is_compatible_with(self, other: Any) -> None:
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {as_shape(other)} are incompatible")

    def merge_with(self, other: Any) -> TensorShape:
        """The most specific shape compatible with both; ValueError when they conflict."""
        other = as_shape(other)
        if not self._known_rank:
            return other
        if not other._known_rank:
            return self
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are not compatible")
        return TensorShape([a if a is not None else b for a, b in zip(self, other, strict=True)])

    def most_specific_compatible_shape(self, other: Any) -> TensorShape:
        """The most specific shape that both shapes are compatible with."""
        other = as_shape(other)
        if not (self._known_rank and other._known_rank) or len(self) != len(other):
            return TensorShape(None)
        return TensorShape([a if a == b else None for a, b in zip(self, other, strict=True)])

    def concatenate(self, other: Any) -> TensorShape:
        """This shape followed by ``other``'s dimensions."""
        other = as_shape(other)
        if not (self._known_rank and other._known_rank):
            return TensorShape(None)
        return tuple.__new__(TensorShape, tuple(self) + tuple(other))

    def with_rank(self, rank: int) -> TensorShape:
        """This shape merged with an unknown shape of ``rank`` dimensions (ValueError if not)."""
        try:
            return self.merge_with(TensorShape([None] * rank))
        except ValueError:
            raise ValueError(f"Shape {self} must have rank {rank}") from None

    def with_rank_at_least(self, rank: int) -> TensorShape:
        if self._known_rank and len(self) < rank:
            raise ValueError(f"Shape {self} must have rank at least {rank}")
        return self

    def assert_has_rank(self, rank: int) -> None:
        if self._known_rank and len(self) != rank:
            raise ValueError(f"Shape {self} must have rank {rank}")

    def assert_same_rank(self, other: Any) -> None:
        other = as_shape(other)
        if self._known_rank and other._known_rank and len(self) != len(other):
            raise ValueError(f"Shapes {self} and {other} must have the same rank")

    # --- tuple behaviour that TensorFlow changes -------------------------------------
    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, slice):
            if not self._known_rank:
                return self
            return tuple.__new__(TensorShape, tuple.__getitem__(self, key))
        if not self._known_rank:
            return None
        return tuple.__getitem__(self, key)

    def __add__(self, other: Any) -> TensorShape:  # type: ignore[override]
        if _plain_dims(self) and _plain_dims(other):  # (library code adds shapes: keep it quick)
            return tuple.__new__(TensorShape, tuple.__add__(self, other))
        return self.concatenate(other)

    def __radd__(self, other: Any) -> TensorShape:
        if _plain_dims(self) and _plain_dims(other):
            return tuple.__new__(TensorShape, tuple.__add__(other, self))
        return as_shape(other).concatenate(self)

    def __eq__(self, other: Any) -> bool:
        if other.__class__ is tuple and self._known_rank:  # the common case, first
            return tuple.__eq__(self, other)
        if isinstance(other, list):
            other = tuple(other)
        if isinstance(other, TensorShape) and self._known_rank != other._known_rank:
            return False
        return tuple.__eq__(self, other)

    def __ne__(self, other: Any) -> bool:
        return not self == other

    __hash__ = tuple.__hash__

    def __repr__(self) -> str:
        return f"TensorShape({list(self)})" if self._known_rank else "TensorShape(None)"

    def __str__(self) -> str:
        if not self._known_rank:
            return "<unknown>"
        if len(self) == 1:
            return f"({self[0]},)"
        return "(" + ", ".join(str(d) for d in self) + ")"

    def __reduce__(self):
        return (TensorShape, (list(self) if self._known_rank else None,))


def _plain_dims(value: Any) -> bool:
    """A known-rank TensorShape, or a tuple of ints."""
    if value.__class__ is TensorShape:
        return True
    return value.__class__ is tuple and all(d.__class__ is int and d >= 0 for d in value)


class _UnknownRankShape(TensorShape):
    """``TensorShape(None)``: the rank is not known."""

    __slots__ = ()
    _known_rank = False

    def __len__(self) -> int:
        raise ValueError("Cannot take the length of shape with unknown rank.")

    def __iter__(self):
        raise ValueError("Cannot iterate over a shape with unknown rank.")


def as_shape(shape: Any) -> TensorShape:
    """``shape`` as a TensorShape (lists, tuples, ints, None, TensorShapes).

    >>> import tapegrad as tf
    >>> tf.TensorShape([2]).concatenate([3])
    TensorShape([2, 3])
    """
    return shape if isinstance(shape, TensorShape) else TensorShape(shape)


_new_shape = functools.partial(tuple.__new__, TensorShape)  # (an array's shape needs no checks)


def _public_shape(self: _tensor.Tensor) -> TensorShape:
    """The tensor's shape as a TensorShape."""
    return _new_shape(self._value.shape)


# ``x.shape`` for users, installed as tapegrad.ops installs the operators (the engine reads
# the arrays' shapes on its paths).
setattr(_tensor.Tensor, "shape", property(_public_shape))  # noqa: B010
