"""IndexedSlices: a sparse gradient made of rows of a dense tensor.

``gather`` and ``embedding_lookup`` touch a few rows of a large table; their
gradient with respect to the table is those rows' values and indices, not a
dense array of zeros. Adding two IndexedSlices concatenates them (a row
gathered twice appears twice, and densifying sums the duplicates); adding one
to a dense gradient densifies it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .state import hooks
from .tensor import Tensor

__all__ = ["IndexedSlices"]


class IndexedSlices:
    """Rows ``values[i]`` of a tensor of shape ``dense_shape`` at ``indices[i]``.

    >>> import numpy as np, tapegrad as tg
    >>> s = tg.IndexedSlices(tg.constant([[1.0, 2.0]]), np.array([1]), (3, 2))
    >>> tg.convert_to_tensor(s).numpy().tolist()
    [[0.0, 0.0], [1.0, 2.0], [0.0, 0.0]]
    """

    __slots__ = ("values", "indices", "dense_shape")

    def __init__(self, values: Tensor, indices: Any, dense_shape: Any):
        self.values = values
        self.indices = indices if isinstance(indices, Tensor) else Tensor._wrap(np.asarray(indices))
        self.dense_shape = tuple(int(d) for d in dense_shape)

    @property
    def dtype(self) -> np.dtype:
        return self.values.dtype

    @property
    def shape(self) -> tuple:
        return self.dense_shape

    def _as_dense_tensor(self) -> Tensor:
        return hooks.scatter_rows(self.values, self.indices._value, self.dense_shape)

    def numpy(self) -> np.ndarray:
        return self._as_dense_tensor().numpy()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self.numpy(), dtype=dtype)

    def __add__(self, other: Any) -> Any:
        return add_cotangents(self, other)

    __radd__ = __add__

    def __repr__(self) -> str:
        return (
            f"IndexedSlices(indices={self.indices._value.tolist()}, values shape="
            f"{self.values.shape}, dense_shape={self.dense_shape}, dtype={self.dtype.name})"
        )


def densify(value: Any) -> Any:
    """A dense Tensor for ``value`` (IndexedSlices are scattered; tensors pass through)."""
    if isinstance(value, IndexedSlices):
        return value._as_dense_tensor()
    return value


def add_cotangents(a: Any, b: Any) -> Any:
    """Sum two gradients, keeping IndexedSlices sparse when both are."""
    if isinstance(a, IndexedSlices) and isinstance(b, IndexedSlices):
        values = hooks.concat([a.values, b.values], 0)
        indices = np.concatenate([a.indices._value, b.indices._value])
        return IndexedSlices(values, indices, a.dense_shape)
    return hooks.add(densify(a), densify(b))
