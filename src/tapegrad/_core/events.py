"""The engine's observer mechanism: what it tells the tools that watch it.

Debugging (``tapegrad.debugging``), and anything else that needs to see the
engine work, subscribes a callback to one of these events instead of
patching engine classes. An event is a list of callbacks; the engine calls
each one in order. With no subscriber an event costs one truth test at the
place that emits it, and :data:`per_op` events also keep the engine on its
fast path (``state.engine.active`` counts them).

=================  =====================================================  ======================
event              called as                                              emitted
=================  =====================================================  ======================
``op_recorded``    ``fn(tapes, prim, args, result, entry)`` (``entry``    after an op ran while a
                   None if no tape kept it)                               tape records
``op_finished``    ``fn(prim, args, result, params)``                     after every op (per-op)
``tape_changed``   ``fn(tape, what, data)``: ``what`` is ``"start"``,     when a tape starts,
                   ``"stop"``, ``"pause"``, ``"resume"`` or ``"release"``  stops, pauses, resumes
                   (``data``: the sources and the gradients found)        or frees its record
``value_exported`` ``fn(tensor, how)``: ``.numpy()``, ``float()`` or      ... read a tensor while a
                   ``np.asarray``                                         tape records
``value_read``     ``fn(tensor, how)``: ``"bool()"``, ``".numpy()"``, ...   a tensor becomes a value
``variable_set``   ``fn(variable, how, value)``: ``"assign"``, ...        a Variable changes
``rule_running``   ``fn(kind, subject, running)``: ``kind`` ``"vjp"``     around each derivative
                   (``subject`` the tape entry) or ``"jvp"`` (the         rule the engine calls
                   primitive); ``running`` True before, False after
=================  =====================================================  ======================

Callbacks run on the thread of the op; they must not raise unless they mean
to stop the program there (anomaly mode raises ``FloatingPointError``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from .state import activate

__all__ = ["Event", "op_recorded", "op_finished", "tape_changed", "value_exported",
           "value_read", "variable_set", "rule_running", "subscribe", "unsubscribe"]

_lock = threading.Lock()


class Event(list):
    """The callbacks subscribed to one engine event (a list, so emptiness is one truth test)."""

    __slots__ = ("name", "per_op")

    def __init__(self, name: str, per_op: bool = False):
        super().__init__()
        self.name = name
        self.per_op = per_op  # emitted from every op: keeps Primitive.bind off its fast path

    def __repr__(self) -> str:
        return f"<event {self.name}: {len(self)} subscriber(s)>"

    def emit(self, *args) -> None:
        for callback in tuple(self):
            callback(*args)


op_recorded = Event("op_recorded")
op_finished = Event("op_finished", per_op=True)
tape_changed = Event("tape_changed")
value_exported = Event("value_exported")
value_read = Event("value_read")  # emitted only while the engine is active
variable_set = Event("variable_set")  # (idem); ``how`` "create", "assign", "assign_add", ...
rule_running = Event("rule_running")


def subscribe(event: Event, callback: Callable) -> None:
    """Call ``callback`` on every ``event`` from now on (once, however often subscribed)."""
    with _lock:
        if callback in event:
            return
        event.append(callback)
        if event.per_op:
            activate(1)


def unsubscribe(event: Event, callback: Callable) -> None:
    """Stop calling ``callback``; unknown callbacks are ignored."""
    with _lock:
        if callback not in event:
            return
        event.remove(callback)
        if event.per_op:
            activate(-1)
