"""Per-thread engine state: the active tapes and forward accumulators.

A tape records only the operations of the thread that opened it, so the
stacks live in a ``threading.local``. ``Primitive.bind`` reads them on every
op; an empty list is the whole cost of autodiff when nothing is recording.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["state", "hooks", "busy"]

# How many tapes, accumulators and debug hooks are active, over all threads. Primitive.bind
# reads only this when it is 0: the no-autodiff path costs one list lookup.
busy = [0]
_busy_lock = threading.Lock()


def _adjust_busy(delta: int) -> None:
    if delta:
        with _busy_lock:
            busy[0] += delta


class _CountedList(list):
    """A list that keeps ``busy`` equal to the number of active tapes and accumulators."""

    __slots__ = ()


def _counted(name: str):
    base = getattr(list, name)

    def method(self, *args):
        before = len(self)
        try:
            return base(self, *args)
        finally:
            _adjust_busy(len(self) - before)

    method.__name__ = name
    return method


for _name in ("append", "insert", "extend", "pop", "remove", "clear", "__delitem__",
              "__setitem__", "__iadd__"):
    setattr(_CountedList, _name, _counted(_name))


class _ThreadState(threading.local):
    def __init__(self) -> None:
        self.tapes: list = _CountedList()  # recording GradientTapes, innermost last
        self.accumulators: list = _CountedList()  # active ForwardAccumulators, innermost last


state = _ThreadState()


class _Hooks:
    """Ops the engine needs but does not define, installed by ``tapegrad.ops``.

    ``add`` accumulates cotangents, ``sum_to_shape`` undoes broadcasting,
    ``zeros_like``/``ones_like`` seed and fill, ``stack`` packs lists of
    tensors, ``scatter_rows`` densifies IndexedSlices, ``concat`` joins them.
    """

    add: Any = None
    sum_to_shape: Any = None
    zeros: Any = None
    zeros_like: Any = None
    ones_like: Any = None
    stack: Any = None
    scatter_rows: Any = None
    concat: Any = None
    reshape: Any = None
    transpose: Any = None
    broadcast_to: Any = None
    cast: Any = None
    reduce_sum: Any = None
    multiply: Any = None
    convert_dense: Any = None
    _check_numerics: Any = None
    # Debugging (installed by tapegrad._core.explain; each call site costs one `is not None`):
    # on_record(tapes, prim, args, result, entry) ends _record (entry is None if nothing
    # recorded the op); on_tape(tape, event, data=None) when a tape starts, stops, pauses
    # or resumes recording, or is about to release a record that explain may need (data:
    # the sources and the gradients found); on_export(tensor, how) when .numpy(),
    # __array__ or float() reads a tensor while a tape records.
    on_record: Any = None
    on_tape: Any = None
    on_export: Any = None

    @property
    def check_numerics(self):
        """Called as ``fn(prim, inputs, result)`` after every op while set (tapegrad.debugging)."""
        return self._check_numerics

    @check_numerics.setter
    def check_numerics(self, fn) -> None:
        was_set = self._check_numerics is not None
        self._check_numerics = fn
        _adjust_busy(int(fn is not None) - int(was_set))


hooks = _Hooks()
