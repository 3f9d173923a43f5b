"""Evidence kept while tapes record, for ``GradientTape.explain``.

explain reads the tape's record (the entries the engine appended) and a little
evidence that the observers here keep on the side, on the tape as
``tape._debug_log``. They subscribe to the engine's events
(``tapegrad._core.events``); only the first two are always subscribed, and
neither runs per op outside a recording tape:

* ``tape_changed`` (:func:`_on_tape`, per tape, never per op) stamps when each
  tape starts, stops, pauses and resumes recording. Tensor ids come from one
  increasing counter, so a stamp is just the next id: comparing a target's id
  with the stamps tells whether it was computed before, inside or after the
  ``with`` block, or inside ``stop_recording()``. When ``gradient()`` releases
  a non-persistent tape with a gradient missing, it keeps a skeleton of the
  record (ops without their saved arrays) so that explain still works.
* ``value_exported`` (:func:`_on_export`, emitted only while a tape records)
  notes a tensor the tape knows leaving through ``.numpy()``, ``np.asarray`` or
  ``float()``. From then on (for that tape only) the constants entering ops are
  compared with the exported values: a match is a value that left tapegrad and
  came back without its history.
* ``op_recorded`` (:func:`_on_record`) is subscribed only while it has work: in
  anomaly mode, where it keeps the user line of each recorded op and the exact
  ids of integer and bool inputs (entries keep ``None`` for them, since they
  carry no gradient), and while a recording tape holds exported values or
  evidence to follow. Without it, explain links an integer input to the latest
  recorded op that produced an integer tensor of that shape and dtype, which
  follows a path through ``argmax`` or ``x > 0``.
* ``op_finished`` (:func:`_observe_paused`) is subscribed only while a tape is
  inside ``stop_recording()``: it notes the ops that read the tape's tensors,
  and results derived from them are followed.

A Variable names itself on the results of its arithmetic (``Tensor._origin``,
set by ``Variable.__add__`` and friends), so ``x = x + 1`` needs nothing here.
Nothing here changes what the tape records or computes.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import numpy as np

from .._core import events
from .._core.state import state
from .._core.tensor import Tensor, new_id
from .._core.variable import Variable
from .locations import user_location

__all__ = ["install", "trace_lines", "unobserved", "Node", "WatchedInfo", "TapeLog", "Export",
           "Evidence", "debug_log", "outputs"]

_MAX_EXPORTS = 32
_KEEP_EXPORT_BYTES = 1 << 16


class Export:
    """A tensor a recording tape knew, read out as NumPy or a Python number."""

    __slots__ = ("tensor_id", "shape", "dtype", "how", "loc", "value", "stamp")

    def __init__(self, tensor: Tensor, how: str, loc: tuple | None):
        self.tensor_id = tensor._id
        self.stamp = new_id()  # tensors made after the export have larger ids
        self.shape = tensor._value.shape
        self.dtype = tensor._value.dtype
        self.how = how
        self.loc = loc
        value = tensor._value  # immutable (a Variable's assign replaces the array)
        if isinstance(value, np.ndarray) and value.nbytes > _KEEP_EXPORT_BYTES:
            value = weakref.ref(value)  # do not keep big arrays alive for explain's sake
        self.value = value

    def array(self) -> Any:
        value = self.value
        return value() if isinstance(value, weakref.ref) else value


class Evidence:
    """Why an unrecorded tensor may still depend on a value the tape knew."""

    __slots__ = ("kind", "op", "used_id", "loc", "export")

    def __init__(self, kind: str, op: str, used_id: int, loc: tuple | None, export=None):
        self.kind = kind  # "paused" or "numpy"
        self.op = op  # the op that read the value
        self.used_id = used_id  # id of the tape's tensor (or constant copy) that was read
        self.loc = loc
        self.export = export


class Node:
    """A recorded op without its saved arrays (what explain needs after a release)."""

    __slots__ = ("prim", "input_ids", "full_ids", "output_ids", "input_meta", "output_meta",
                 "trace")

    def __init__(self, entry: Any):
        ids = entry.input_ids
        inputs = entry.inputs
        self.prim = entry.prim
        self.input_ids = ids
        self.input_meta = tuple([(t.shape, t.dtype) for t in inputs])
        full = ids
        if None in ids:
            full = _RAW_IDS.get(entry) if len(_RAW_IDS) else None
            if full is None:  # a saved integer input knows its id; the rest are matched later
                full = tuple([i if i is not None or not isinstance(t, Tensor) else t._id
                              for i, t in zip(ids, inputs)])
        self.full_ids = full
        self.output_ids = entry.output_ids
        self.output_meta = entry.output_meta
        self.trace = entry.trace


class WatchedInfo:
    """A watched tensor as explain describes it (kept without its value)."""

    __slots__ = ("is_variable", "name", "shape", "dtype")

    def __init__(self, t: Tensor):
        self.is_variable = isinstance(t, Variable)
        self.name = t._name if isinstance(t, Variable) else None
        self.shape = t.shape
        self.dtype = t.dtype


class Skeleton:
    """What a non-persistent tape knew, kept when gradient() found a gradient missing."""

    def __init__(self, tape: Any, sources: list, grads: dict):
        ids = tape._ids  # release() rebinds these attributes, it does not clear them
        # Ops matter only for sources the tape knew; a source it never saw (the common case:
        # a Variable that is not used) is explained without them, so none are copied.
        self.had_gradient = set(grads)
        self.partial = not any(s._id in ids and s._id not in grads for s in sources)
        self.nodes = [] if self.partial else [Node(e) for e in tape._entries]
        self.ids = ids
        self.watched = {i: WatchedInfo(t) for i, t in tape._watched.items()}


class TapeLog:
    """Evidence about one tape, stored on it as ``tape._debug_log``."""

    __slots__ = ("intervals", "pauses", "exports", "origins", "checked", "skeleton", "evidence",
                 "following", "__weakref__")

    def __init__(self) -> None:
        self.intervals: list = []  # [start stamp, end stamp or None] of each recording
        self.pauses: list = []  # the same for stop_recording() blocks
        self.exports: list = []  # Export, most recent last (bounded)
        self.origins: dict = {}  # tensor id -> Evidence
        self.checked: set = set()  # ids of constants already compared with the exports
        self.skeleton: Skeleton | None = None
        self.evidence = False  # holds exports or origins
        self.following = False  # holds evidence and records: counted in _following


def debug_log(tape: Any) -> TapeLog | None:
    """The evidence kept about ``tape``, if any."""
    return tape.__dict__.get("_debug_log")


def _log(tape: Any) -> TapeLog:
    log = tape.__dict__.get("_debug_log")
    if log is None:
        log = tape._debug_log = TapeLog()
    return log


def outputs(result: Any) -> tuple:
    return result if isinstance(result, tuple) else (result,)


# ---------------------------------------------------------------------------------
# What is subscribed, and when
# ---------------------------------------------------------------------------------
_RAW_IDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # entry -> all input ids
_paused: list = []  # tapes inside stop_recording(), any thread
_following = [0]  # recording tapes whose log holds evidence
_tracing = [False]  # anomaly mode: keep the user line of every recorded op
# Every thread writes the tables above and the subscriptions they decide: one lock for all.
_lock = threading.RLock()


class _Quiet(threading.local):
    depth = 0  # > 0 while explain runs its own reverse sweep on this thread


quiet = _Quiet()


class unobserved:
    """Within the block, the debugging observers ignore this thread's ops (explain's sweep)."""

    def __enter__(self) -> None:
        quiet.depth += 1

    def __exit__(self, *exc: Any) -> None:
        quiet.depth -= 1


def install() -> None:
    """Subscribe the always-on evidence observers (once, when tapegrad is imported)."""
    events.subscribe(events.tape_changed, _on_tape)
    events.subscribe(events.value_exported, _on_export)
    _update_record_observer()


def trace_lines(enabled: bool) -> None:
    """Keep (or stop keeping) the user line of every recorded op: anomaly mode's ``entry.trace``."""
    with _lock:
        _tracing[0] = bool(enabled)
        _update_record_observer()


def _switch(event: Any, callback: Any, wanted: bool) -> None:
    if wanted:
        events.subscribe(event, callback)
    else:
        events.unsubscribe(event, callback)


def _update_record_observer() -> None:
    """``_on_record`` runs only while it has work: anomaly mode, or evidence to follow."""
    _switch(events.op_recorded, _on_record, _tracing[0] or _following[0] > 0)


def _follow_tape(log: TapeLog, wanted: bool) -> None:
    """Count a tape in (or out) of the recording tapes whose evidence is followed."""
    with _lock:
        if log.following == wanted:
            return
        log.following = wanted
        _following[0] += 1 if wanted else -1
        _update_record_observer()


def _mark_evidence(tape: Any, log: TapeLog) -> None:
    if not log.evidence:
        log.evidence = True
        if tape._recording:
            _follow_tape(log, True)


# ---------------------------------------------------------------------------------
# The observers
# ---------------------------------------------------------------------------------
def _on_tape(tape: Any, event: str, data: Any = None) -> None:
    if event == "release":
        _log(tape).skeleton = Skeleton(tape, *data)
        return
    log = _log(tape)
    if event == "start":
        log.intervals.append([new_id(), None])
        if log.evidence:
            _follow_tape(log, True)
    elif event == "stop":
        if log.intervals and log.intervals[-1][1] is None:
            log.intervals[-1][1] = new_id()
        _follow_tape(log, False)
    elif event == "pause":
        log.pauses.append([new_id(), None])
        with _lock:
            _follow_tape(log, False)
            _paused.append(tape)
            _switch(events.op_finished, _observe_paused, True)
    elif event == "resume":
        if log.pauses and log.pauses[-1][1] is None:
            log.pauses[-1][1] = new_id()
        with _lock:
            for i in range(len(_paused) - 1, -1, -1):
                if _paused[i] is tape:
                    del _paused[i]
                    break
            _switch(events.op_finished, _observe_paused, bool(_paused))
            if log.evidence:
                _follow_tape(log, True)


def _on_record(tapes: list, prim: Any, args: tuple, result: Any, entry: Any) -> None:
    if entry is not None:
        if None in entry.input_ids:
            _RAW_IDS[entry] = tuple([a._id for a in args])
        if _tracing[0] and entry.trace is None:
            entry.trace = user_location(2)
    if _following[0]:
        _follow(tapes, prim, args, result)


def _follow(tapes: list, prim: Any, args: tuple, result: Any) -> None:
    """Carry evidence from inputs to outputs; spot constants equal to an exported value."""
    for tape in tapes:
        log = tape.__dict__.get("_debug_log")
        if log is None or not log.evidence:
            continue
        origins = log.origins
        found = None
        for a in args:
            found = origins.get(a._id)
            if found is not None:
                break
        if found is None and log.exports:
            ids = tape._ids
            checked = log.checked
            for a in args:
                i = a._id
                if i in ids or i in checked:
                    continue
                checked.add(i)
                export = _match_export(log.exports, a._value)
                if export is not None:
                    found = Evidence("numpy", prim.name, i, user_location(3), export)
                    origins[i] = found
                    break
        if found is not None:
            for r in outputs(result):
                origins.setdefault(r._id, found)


def _match_export(exports: list, value: Any) -> Export | None:
    shape = np.shape(value)
    for export in reversed(exports):
        if export.shape != shape:
            continue
        v = export.array()
        if v is None:
            continue
        if v.size == 1 and float(np.abs(v.reshape(()))) in (0.0, 1.0):
            continue  # 0 and 1 are everywhere: too common to be evidence
        try:
            if np.array_equal(v, value):
                return export
        except TypeError:  # pragma: no cover - incomparable dtypes
            continue
    return None


def _on_export(tensor: Tensor, how: str) -> None:
    for tape in state.tapes:
        if tensor._id in tape._ids:
            log = _log(tape)
            log.exports.append(Export(tensor, how, user_location(3)))
            if len(log.exports) > _MAX_EXPORTS:
                del log.exports[0]
            log.checked.clear()
            _mark_evidence(tape, log)


def _observe_paused(prim: Any, args: tuple, result: Any, params: Any = None) -> None:
    """After every op while a tape is paused: note the ops that read the tape's tensors."""
    if quiet.depth:
        return
    for tape in tuple(_paused):
        log = _log(tape)
        ids = tape._ids
        origins = log.origins
        watch_reads = tape._watch_accessed_variables
        used = None
        for a in args:
            i = a._id
            if i in ids or i in origins or (
                watch_reads and a.__class__ is Variable and a._trainable
            ):
                used = a
                break
        if used is None:
            continue
        found = origins.get(used._id)
        if found is None:
            found = Evidence("paused", prim.name, used._id, user_location(3))
        for r in outputs(result):
            origins[r._id] = found
        _mark_evidence(tape, log)
