"""``embedding_lookup`` (``tf.nn.embedding_lookup``; re-exported by ``tapegrad.nn``).

Rows of one table, or of a list of shards split with TensorFlow 2's "div"
strategy, each with a sparse (:class:`~tapegrad.IndexedSlices`) gradient;
``max_norm`` clips each looked-up row as ``clip_by_norm`` does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.tensor import Tensor, convert_to_tensor
from ._args import read_values
from .arithmetic import divide_p, greater_equal_p, greater_p, multiply_p, where_p
from .creation import ones_like
from .index import _check_range, _index_array, _params, gather, getitem_p
from .shape import concat, reduce_sum, reshape
from .unary import sqrt

__all__ = ["embedding_lookup"]


def embedding_lookup(params: Any, ids: Any, max_norm: Any = None, name: Any = None) -> Tensor:
    """Rows of an embedding table (``tf.nn.embedding_lookup``); sparse gradient.

    ``params`` is one tensor (or Variable), or a list of shards split with
    TensorFlow 2's "div" strategy (the first rows in the first shard). The
    gradient for each shard is an :class:`~tapegrad.IndexedSlices`. With
    ``max_norm``, each looked-up row whose L2 norm exceeds it is scaled down to
    norm ``max_norm`` (``clip_by_norm``).

    Args:
        params: The embedding table (rank >= 1), or a list of shards.
        ids: Integer tensor of row ids.
        max_norm: If given, clip each row to this L2 norm.
        name: Ignored.

    Returns:
        A tensor of shape ``ids.shape + params.shape[1:]``.

    >>> import tapegrad as tg
    >>> table = tg.Variable([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    >>> tg.nn.embedding_lookup(table, [[2], [0]]).numpy().tolist()
    [[[4.0, 5.0]], [[0.0, 1.0]]]
    """
    shards = list(params) if isinstance(params, (list, tuple)) else [params]
    if not shards:
        raise InvalidArgumentError(
            "embedding_lookup: params must be a tensor or a non-empty list of them."
        )
    shards = [_params(p) for p in shards]
    ind = _index_array(ids, "embedding_lookup", "ids")
    for i, p in enumerate(shards):
        if p.ndim == 0:
            raise InvalidArgumentError(
                f"embedding_lookup: params[{i}] must have rank >= 1, got a scalar."
            )
        if p.shape[1:] != shards[0].shape[1:] or p.dtype != shards[0].dtype:
            raise InvalidArgumentError(
                f"embedding_lookup: all shards must share the row shape and dtype; params[0] "
                f"is {shards[0].dtype.name} {shards[0].shape} but params[{i}] is "
                f"{p.dtype.name} {p.shape}."
            )
    total = sum(p.shape[0] for p in shards)
    _check_range(ind, total, "embedding_lookup",
                 f"the table has {total} rows" + (f" in {len(shards)} shards" if len(shards) > 1
                                                  else ""))
    if len(shards) == 1:
        out = gather(shards[0], ind)
    else:  # the partition is computed in NumPy: a compiled function guards the ids' values
        out = _sharded_lookup(shards, read_values(ids) if isinstance(ids, Tensor) else ind, total)
    if max_norm is not None:
        out = _clip_rows(out, ind.ndim, max_norm)
    return out


def _sharded_lookup(shards: list, ind: np.ndarray, total: int) -> Tensor:
    """TensorFlow 2's "div" partition: shard ``p`` holds a contiguous block of ids."""
    n = len(shards)
    flat = ind.reshape(-1).astype(np.int64)
    per, extras = divmod(total, n)
    if per == 0:
        raise InvalidArgumentError(
            f"embedding_lookup: {n} shards hold only {total} rows in all; the div strategy "
            "needs at least one row per shard."
        )
    assign = np.maximum(flat // (per + 1), (flat - extras) // per)
    local = np.where(assign < extras, flat % (per + 1), (flat - extras) % per)
    pieces, order = [], []
    for p in range(n):
        pos = np.flatnonzero(assign == p)
        if pos.size:
            pieces.append(gather(shards[p], local[pos].astype(ind.dtype)))
            order.append(pos)
    rows = concat(pieces, 0) if len(pieces) > 1 else pieces[0]
    back = np.argsort(np.concatenate(order), kind="stable")
    rows = getitem_p.bind(rows, idx=(back,))
    return reshape(rows, ind.shape + tuple(shards[0].shape[1:]))


def _clip_rows(v: Tensor, ids_rank: int, max_norm: Any) -> Tensor:
    """TensorFlow's ``clip_by_norm`` over the row axes (``ids_rank`` onwards)."""
    axes = list(range(ids_rank, v.ndim))
    clip = max_norm if isinstance(max_norm, Tensor) else convert_to_tensor(max_norm, v.dtype)
    l2sum = reduce_sum(multiply_p.bind(v, v), axes, keepdims=True)
    positive = greater_p.bind(l2sum, 0)._value  # (masks from ops: compiled code follows them)
    safe = where_p.bind(l2sum, ones_like(l2sum), condition=positive)
    l2norm = where_p.bind(sqrt(safe), l2sum, condition=positive)
    larger = greater_equal_p.bind(l2norm, clip)._value
    denominator = where_p.bind(l2norm, clip, condition=larger)
    return divide_p.bind(multiply_p.bind(v, clip), denominator)
