"""IndexedSlices: a sparse gradient made of rows of a dense tensor.

``gather`` and ``embedding_lookup`` touch a few rows of a large table; their
gradient with respect to the table is those rows' values and indices, not a
dense array of zeros (TensorFlow's ``tf.IndexedSlices``). Adding two
IndexedSlices concatenates them (a row gathered twice appears twice, and
densifying sums the duplicates); adding one to a dense gradient densifies it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .engine_ops import ops
from .tensor import Tensor, convert_to_tensor

__all__ = ["IndexedSlices"]


class IndexedSlices:
    """Rows ``values[i]`` of a tensor of shape ``dense_shape`` at row ``indices[i]``.

    As TensorFlow's: ``values`` is a tensor of shape ``[n] + dense_shape[1:]``,
    ``indices`` an integer tensor of shape ``[n]`` (repeats allowed: they add up),
    ``dense_shape`` an integer tensor (or None when unknown).
    ``tapegrad.convert_to_tensor`` densifies, differentiably.

    >>> import numpy as np, tapegrad as tg
    >>> s = tg.IndexedSlices(tg.constant([[1.0, 2.0]]), np.array([1]), (3, 2))
    >>> tg.convert_to_tensor(s).numpy().tolist()
    [[0.0, 0.0], [1.0, 2.0], [0.0, 0.0]]
    """

    __slots__ = ("values", "indices", "dense_shape", "_shape")

    def __init__(self, values: Any, indices: Any, dense_shape: Any = None):
        self.values = values if isinstance(values, Tensor) else convert_to_tensor(values)
        indices = indices if isinstance(indices, Tensor) else convert_to_tensor(indices)
        if indices.dtype.kind not in "iu" and indices.size:
            raise TypeError(
                f"IndexedSlices: indices must be integers, got dtype {indices.dtype.name}."
            )
        self.indices = indices
        if dense_shape is None:
            self.dense_shape = None
            self._shape = None
        else:
            shape = dense_shape if isinstance(dense_shape, Tensor) else convert_to_tensor(
                np.asarray(dense_shape, dtype=np.int64)
                if np.size(dense_shape) and np.max(dense_shape) > np.iinfo(np.int32).max
                else np.asarray(dense_shape, dtype=np.int32)
            )
            self.dense_shape = shape
            self._shape = tuple(int(d) for d in np.asarray(shape._value).reshape(-1))

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the values."""
        return self.values.dtype

    @property
    def shape(self) -> tuple | None:
        """The dense shape as a tuple of ints (None when unknown)."""
        return self._shape

    @property
    def name(self) -> str:
        return "IndexedSlices"

    @property
    def device(self) -> str:
        return "/job:localhost/replica:0/task:0/device:CPU:0"

    def _as_dense_tensor(self) -> Tensor:
        if self._shape is None:
            raise ValueError(
                "Cannot convert IndexedSlices without dense_shape to a tensor; give dense_shape "
                "when constructing it."
            )
        # (reshaped by an op, so a compiled function follows the indices it is called with)
        return ops.scatter_rows(self.values, _flat(self.indices)._value, self._shape)

    def numpy(self) -> np.ndarray:
        """The dense value as a NumPy array (duplicate rows added)."""
        return self._as_dense_tensor().numpy()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self.numpy(), dtype=dtype)

    def __add__(self, other: Any) -> Any:
        return add_cotangents(self, other)

    __radd__ = __add__

    def __neg__(self) -> IndexedSlices:
        return IndexedSlices(-self.values, self.indices, self.dense_shape)

    def __repr__(self) -> str:
        return (
            f"IndexedSlices(indices={self.indices}, values={self.values}, "
            f"dense_shape={self.dense_shape})"
        )


def _flat(indices: Tensor) -> Tensor:
    """Indices as a 1-d tensor, by ops (never a NumPy copy a compiled function cannot follow)."""
    return indices if indices.ndim == 1 else ops.reshape(indices, (-1,))


def densify(value: Any) -> Any:
    """A dense Tensor for ``value`` (IndexedSlices are scattered; tensors pass through)."""
    if isinstance(value, IndexedSlices):
        return value._as_dense_tensor()
    return value


def add_cotangents(a: Any, b: Any) -> Any:
    """Sum two gradients, keeping IndexedSlices sparse when both are (of one dense shape)."""
    if (
        isinstance(a, IndexedSlices)
        and isinstance(b, IndexedSlices)
        and a._shape == b._shape
        and a._shape is not None
    ):
        values = ops.concat([a.values, b.values], 0)
        indices = ops.concat([_flat(a.indices), _flat(b.indices)], 0)
        return IndexedSlices(values, indices, a.dense_shape)
    return ops.add(densify(a), densify(b))
