"""Engine state: the per-thread stacks of tapes and accumulators, and one global count.

A tape records only the operations of the thread that opened it, so the
stacks live in a ``threading.local``. ``Primitive.bind`` first reads
``engine.active``, the number of recording tapes, active accumulators and
per-op observers over all threads: while it is 0, autodiff costs one
attribute read per op. Whatever enters or leaves a stack calls
:func:`activate` so the count stays right.
"""

from __future__ import annotations

import threading

__all__ = ["state", "engine", "activate"]


class _Engine:
    """Process-wide engine switches read on the hot path."""

    __slots__ = ("active",)

    def __init__(self) -> None:
        self.active = 0


engine = _Engine()
_lock = threading.Lock()


def activate(delta: int) -> None:
    """Count a tape, accumulator or per-op observer in (+1) or out (-1)."""
    with _lock:  # ``+=`` on an attribute is not atomic across threads
        engine.active += delta


class _ThreadState(threading.local):
    def __init__(self) -> None:
        self.tapes: list = []  # recording GradientTapes, innermost last
        self.accumulators: list = []  # active ForwardAccumulators, innermost last
        self.name_scope = ""  # prefix of new Variables' names ("outer/inner/"); see name_scope


state = _ThreadState()
