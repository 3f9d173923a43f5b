"""Per-thread engine state: the active tapes and forward accumulators.

A tape records only the operations of the thread that opened it, so the
stacks live in a ``threading.local``. ``Primitive.bind`` reads them on every
op; an empty list is the whole cost of autodiff when nothing is recording.
"""

from __future__ import annotations

import threading

__all__ = ["state", "hooks"]


class _ThreadState(threading.local):
    def __init__(self) -> None:
        self.tapes: list = []  # recording GradientTapes, innermost last
        self.accumulators: list = []  # active ForwardAccumulators, innermost last


state = _ThreadState()


class _Hooks:
    """Ops the engine needs but does not define, installed by ``tapegrad.ops``.

    ``add`` accumulates cotangents, ``sum_to_shape`` undoes broadcasting,
    ``zeros_like``/``ones_like`` seed and fill, ``stack`` packs lists of
    tensors, ``scatter_rows`` densifies IndexedSlices, ``concat`` joins them.
    """

    add = None
    sum_to_shape = None
    zeros = None
    zeros_like = None
    ones_like = None
    stack = None
    scatter_rows = None
    concat = None
    reshape = None
    transpose = None
    broadcast_to = None
    cast = None
    reduce_sum = None
    multiply = None
    convert_dense = None
    check_numerics = None  # set by tapegrad.debugging while enabled


hooks = _Hooks()
