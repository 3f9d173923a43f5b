"""Loop a computation over a batch and stack the results: the one place that does it.

Batched sweeps carry leading batch dimensions on every cotangent or tangent.
A rule declared ``batchable=False``, a Jacobian asked for with
``experimental_use_pfor=False`` and ``batch_jacobian``'s loop all fall back to
the same thing: run once per batch element, then stack, with zeros where an
element produced no result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .engine_ops import ops
from .indexed_slices import densify

__all__ = ["over_batch", "unstack_batch", "stack_batch"]


def unstack_batch(x: Any, batch_ndim: int) -> list:
    """The batch elements of ``x``, whose first ``batch_ndim`` dimensions are the batch."""
    shape = x.shape
    flat = ops.reshape(x, (-1,) + tuple(shape[batch_ndim:]))
    return [flat[k] for k in range(flat.shape[0])]


def stack_batch(parts: Sequence[Any], batch_shape: tuple) -> Any:
    """Stack one result per batch element into ``batch_shape + shape``.

    ``None`` counts as zero; all ``None`` gives ``None``. IndexedSlices are densified.
    """
    like = next((p for p in parts if p is not None), None)
    if like is None:
        return None
    like = densify(like)
    dense = [ops.zeros(like.shape, like.dtype) if p is None else densify(p) for p in parts]
    return ops.reshape(ops.stack(dense), tuple(batch_shape) + tuple(like.shape))


def over_batch(fn: Callable, n_results: int, count: int, batch_shape: tuple) -> list:
    """Call ``fn(k)`` for ``k < count`` (each returns ``n_results`` results) and stack each."""
    per_element = [fn(k) for k in range(count)]
    return [stack_batch([r[i] for r in per_element], batch_shape) for i in range(n_results)]
