"""Segment sums: ``unsorted_segment_sum`` and ``segment_sum``, with TensorFlow's gradients.

The op is linear in ``data``; its transpose gathers the cotangent back to the
entries (0 for entries dropped by a negative id). ``lead_ndim`` counts the
leading batch dimensions of ``data`` that the segment ids do not index.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.primitive import Primitive
from .._core.tensor import Tensor
from ._args import read_values
from ._rules import lead, linear
from .arithmetic import where_p
from .creation import zeros
from .index import getitem_p
from .shape import _input, _is_int, _prefix

__all__ = ["unsorted_segment_sum", "segment_sum"]


def _segment_ids(segment_ids: Any, op: str) -> np.ndarray:
    ids = np.asarray(read_values(segment_ids))  # (a compiled function guards these values)
    if ids.dtype.kind not in "iu" and not (ids.size == 0 and ids.dtype.kind == "f"):
        raise TypeError(f"{op}: segment_ids must be int32 or int64, got dtype {ids.dtype.name}.")
    return ids.astype(np.int64)


def _segment_sum_impl(data, segment_ids, num_segments, lead_ndim):
    k = lead_ndim
    rest = data.shape[k + segment_ids.ndim:]
    out = np.zeros(data.shape[:k] + (num_segments,) + rest, dtype=data.dtype)
    valid = segment_ids >= 0  # TensorFlow drops entries with a negative id
    if valid.all():
        ids, values = segment_ids, data
    else:
        ids, values = segment_ids[valid], data[_prefix(k) + (valid,)]
    np.add.at(out, _prefix(k) + (ids,), values)
    return out


def _segment_sum_vjp(g, ans, data, segment_ids, num_segments, lead_ndim):
    rest_ndim = data.ndim - lead_ndim - segment_ids.ndim
    k = lead(g, lead_ndim + 1 + rest_ndim)
    if num_segments == 0:  # every id was negative: nothing flows back
        return zeros(g.shape[:k] + tuple(data.shape), dtype=g.dtype)
    valid = segment_ids >= 0
    gathered = getitem_p.bind(g, idx=_prefix(k + lead_ndim) + (np.maximum(segment_ids, 0),))
    if valid.all():
        return gathered
    mask = valid.reshape(segment_ids.shape + (1,) * rest_ndim)
    return where_p.bind(gathered, 0, condition=mask)


def _batched(t, data, segment_ids, num_segments, lead_ndim):
    return dict(segment_ids=segment_ids, num_segments=num_segments,
                lead_ndim=lead_ndim + lead(t, data.ndim))


unsorted_segment_sum_p: Primitive = linear("unsorted_segment_sum", _segment_sum_impl,
                                           vjps=(_segment_sum_vjp,), batched=_batched,
                                           dtypes="fciu")


def unsorted_segment_sum(data: Any, segment_ids: Any, num_segments: Any, name: Any = None):
    """Sums of the entries of ``data`` that share a segment id, ids in any order.

    ``output[i, ...] = sum(data[j..., ...] where segment_ids[j...] == i)``; ``segment_ids``
    has the shape of a prefix of ``data``'s. Entries with a negative id are dropped
    (as TensorFlow); ids ``>= num_segments`` raise ValueError. The gradient gathers the
    cotangent back (0 for dropped entries).

    Args:
        data: A numeric tensor.
        segment_ids: Integer ids, shaped like a prefix of ``data.shape``.
        num_segments: The number of output rows (an int or scalar integer tensor).
        name: Ignored.

    Returns:
        A tensor of shape ``(num_segments,) + data.shape[segment_ids.ndim:]``.

    >>> import tapegrad as tg
    >>> tg.math.unsorted_segment_sum(tg.constant([1.0, 2.0, 3.0]), [2, 0, 2], 3).numpy().tolist()
    [2.0, 0.0, 4.0]
    """
    op = "unsorted_segment_sum"
    x = _input(data, "fciu", op, "data")
    ids = _segment_ids(segment_ids, op)
    if isinstance(num_segments, Tensor):
        num_segments = read_values(num_segments)[()]
    if not _is_int(num_segments) or num_segments < 0:
        raise TypeError(f"{op}: num_segments must be a non-negative int, got {num_segments!r}.")
    num_segments = int(num_segments)
    if x.shape[: ids.ndim] != ids.shape:
        raise InvalidArgumentError(
            f"{op}: data.shape {x.shape} does not start with segment_ids.shape {ids.shape}."
        )
    if ids.size and ids.max() >= num_segments:
        bad = int(ids.max())
        raise InvalidArgumentError(
            f"{op}: segment id {bad} is out of range [0, {num_segments}) "
            f"(num_segments={num_segments})."
        )
    return unsorted_segment_sum_p.bind(x, segment_ids=ids, num_segments=num_segments, lead_ndim=0)


def segment_sum(data: Any, segment_ids: Any, name: Any = None) -> Tensor:
    """Sums of consecutive rows of ``data`` that share a (sorted) segment id.

    ``segment_ids`` is a vector with one non-negative id per row of ``data``, in
    non-decreasing order; the output has ``segment_ids[-1] + 1`` rows (empty
    segments are 0). The gradient gathers the cotangent back to the rows.

    Args:
        data: A numeric tensor of rank >= 1.
        segment_ids: Sorted non-negative integer ids, one per row (``data.shape[0]``).
        name: Ignored.

    Returns:
        A tensor of shape ``(segment_ids[-1] + 1,) + data.shape[1:]``.

    >>> import tapegrad as tg
    >>> tg.math.segment_sum(tg.constant([1.0, 2.0, 3.0]), [0, 0, 2]).numpy().tolist()
    [3.0, 0.0, 3.0]
    """
    op = "segment_sum"
    x = _input(data, "fciu", op, "data")
    ids = _segment_ids(segment_ids, op)
    if ids.ndim != 1:
        raise InvalidArgumentError(f"{op}: segment_ids must be a vector, got shape {ids.shape}.")
    if x.ndim == 0 or x.shape[0] != ids.shape[0]:
        raise InvalidArgumentError(
            f"{op}: segment_ids (length {ids.shape[0]}) must have one id per row of data "
            f"(shape {x.shape})."
        )
    if ids.size and ids.min() < 0:
        raise InvalidArgumentError(f"{op}: segment ids must be non-negative, got {int(ids.min())}.")
    if np.any(np.diff(ids) < 0):
        raise InvalidArgumentError(
            f"{op}: segment ids are not sorted (non-decreasing): {ids.tolist()}."
        )
    num_segments = int(ids[-1]) + 1 if ids.size else 0
    return unsorted_segment_sum_p.bind(x, segment_ids=ids, num_segments=num_segments, lead_ndim=0)
