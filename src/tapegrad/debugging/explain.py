"""Why is a gradient None? Evidence kept while recording, and the explanation built from it.

``GradientTape.explain`` reads the tape's record (the entries ``bind`` appended)
and a little evidence that these hooks keep on the side. Each hook is a single
``is not None`` test where the engine calls it, and does next to nothing on the
common path:

* ``on_tape`` stamps when each tape starts, stops, pauses and resumes recording.
  Tensor ids come from one increasing counter, so a stamp is just the next id:
  comparing a target's id with the stamps tells whether it was computed before,
  inside or after the ``with`` block, or inside ``stop_recording()``.
* ``on_record`` ends ``_record``, and is installed only while it has work
  (anomaly mode, or a tape holding evidence): it keeps the user line of each
  recorded op, the exact ids of integer and bool inputs (entries keep ``None``
  for them, since they carry no gradient), and follows the evidence below.
  Without it, explain links an integer input (that the entry did not save) to
  the latest recorded op that produced an integer tensor of that shape and
  dtype, which follows a path through ``argmax`` or ``x > 0``.
* ``on_export`` runs when ``.numpy()``, ``np.asarray`` or ``float()`` reads a
  tensor that a recording tape knows. From then on (for that tape only) the
  constants entering ops are compared with the exported values: a match is a
  value that left tapegrad and came back without its history.
* While a tape is paused (``stop_recording``), the after-op hook notes the ops
  that read the tape's tensors; results derived from them are followed.
* ``v += 1`` / ``v -= lr * g`` on a Variable (always a rebinding to a new
  Tensor), and in anomaly mode every ``v + ...``, ``v - ...``, ``v * ...``,
  ``v / ...``, remember in a small bounded table which Variable the result came
  from: the usual way a Variable is replaced by a Tensor by mistake.

Nothing here changes what the tape records or computes.
"""

from __future__ import annotations

import linecache
import os
import sys
import threading
import weakref
from typing import Any

import numpy as np

from .._core import events, nest
from .._core.backprop import reverse_sweep
from .._core.engine_ops import ops
from .._core.state import state
from .._core.tensor import Tensor, new_id
from .._core.variable import Variable
from ..differentiation import flat_targets_of

__all__ = ["Explanation", "SourceReport", "explain", "install", "user_location",
           "format_location", "NO_GRADIENT_REASONS"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep

# Why an op passes no gradient, and what to do, by primitive name: (reason, fix).
# Filled by tapegrad.debugging, which knows the op library; the engine stays op-agnostic.
NO_GRADIENT_REASONS: dict[str, tuple[str, str]] = {}


# ---------------------------------------------------------------------------------
# Source locations
# ---------------------------------------------------------------------------------
def user_location(depth: int = 1) -> tuple | None:
    """``(filename, lineno, function)`` of the innermost frame outside the tapegrad package."""
    try:
        frame: Any = sys._getframe(depth)
    except ValueError:  # pragma: no cover - stack shallower than depth
        return None
    while frame is not None:
        code = frame.f_code
        filename = code.co_filename
        if not filename.startswith(_PACKAGE_DIR) and "contextlib" not in filename:
            return (filename, frame.f_lineno, code.co_name)
        frame = frame.f_back
    return None


def format_location(loc: tuple | None) -> str:
    """``file.py:12 (`source line`)`` for a location from :func:`user_location`."""
    if loc is None:
        return "an unknown line"
    filename, lineno, _ = loc
    shown = filename
    try:
        rel = os.path.relpath(filename)
        if not rel.startswith(".."):
            shown = rel
    except ValueError:  # pragma: no cover - other drive on Windows
        pass
    text = linecache.getline(filename, lineno).strip()
    return f"{shown}:{lineno}" + (f" (`{text}`)" if text else "")


# ---------------------------------------------------------------------------------
# Evidence kept per tape
# ---------------------------------------------------------------------------------
class _Export:
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


class _Evidence:
    """Why an unrecorded tensor may still depend on a value the tape knew."""

    __slots__ = ("kind", "op", "used_id", "loc", "export")

    def __init__(self, kind: str, op: str, used_id: int, loc: tuple | None, export=None):
        self.kind = kind  # "paused" or "numpy"
        self.op = op  # the op that read the value
        self.used_id = used_id  # id of the tape's tensor (or constant copy) that was read
        self.loc = loc
        self.export = export


class _Node:
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


class _Skeleton:
    """What a non-persistent tape knew, kept when gradient() found a gradient missing."""

    def __init__(self, tape: Any, sources: list, grads: dict):
        ids = tape._ids  # release() rebinds these attributes, it does not clear them
        # Ops matter only for sources the tape knew; a source it never saw (the common case:
        # a Variable that is not used) is explained without them, so none are copied.
        self.had_gradient = set(grads)
        self.partial = not any(s._id in ids and s._id not in grads for s in sources)
        self.nodes = [] if self.partial else [_Node(e) for e in tape._entries]
        self.ids = ids
        self.watched = {i: _WatchedInfo(t) for i, t in tape._watched.items()}


class _WatchedInfo:
    __slots__ = ("is_variable", "name", "shape", "dtype")

    def __init__(self, t: Tensor):
        self.is_variable = isinstance(t, Variable)
        self.name = t._name if isinstance(t, Variable) else None
        self.shape = t.shape
        self.dtype = t.dtype


class _TapeLog:
    """Evidence about one tape, stored on it as ``tape._debug_log``."""

    __slots__ = ("intervals", "pauses", "exports", "origins", "checked", "skeleton", "evidence",
                 "__weakref__")

    def __init__(self) -> None:
        self.intervals: list = []  # [start stamp, end stamp or None] of each recording
        self.pauses: list = []  # the same for stop_recording() blocks
        self.exports: list = []  # _Export, most recent last (bounded)
        self.origins: dict = {}  # tensor id -> _Evidence
        self.checked: set = set()  # ids of constants already compared with the exports
        self.skeleton: _Skeleton | None = None
        self.evidence = False


_MAX_EXPORTS = 32
_KEEP_EXPORT_BYTES = 1 << 16
_RAW_IDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # entry -> all input ids
_paused: list = []  # tapes inside stop_recording(), any thread
_evidence_count = [0]  # live tapes whose log holds exports or origins
# Every thread writes the tables above and the hooks they switch on: one lock for all writes.
_lock = threading.RLock()


def _log(tape: Any) -> _TapeLog:
    log = tape.__dict__.get("_debug_log")
    if log is None:
        log = tape._debug_log = _TapeLog()
    return log


def _mark_evidence(tape: Any, log: _TapeLog) -> None:
    if not log.evidence:
        log.evidence = True
        with _lock:
            _evidence_count[0] += 1
            _update_record_hook()
        weakref.finalize(tape, _forget_evidence)


def _forget_evidence() -> None:
    with _lock:
        _evidence_count[0] -= 1
        _update_record_hook()


def _update_record_hook() -> None:
    """``_on_record`` runs only while it has work: anomaly mode, or evidence to follow."""
    _switch(events.op_recorded, _on_record, flags.tracing or _evidence_count[0] > 0)


def _switch(event: Any, callback: Any, wanted: bool) -> None:
    if wanted:
        events.subscribe(event, callback)
    else:
        events.unsubscribe(event, callback)


# ---------------------------------------------------------------------------------
# Hooks
# ---------------------------------------------------------------------------------
class _Flags:
    anomaly = False  # check numerics after every op (tapegrad.debugging)
    tracing = False  # keep the user line of every recorded op (entry.trace)


flags = _Flags()


def _on_tape(tape: Any, event: str, data: Any = None) -> None:
    if event == "release":
        _log(tape).skeleton = _Skeleton(tape, *data)
        return
    log = _log(tape)
    if event == "start":
        log.intervals.append([new_id(), None])
    elif event == "stop":
        if log.intervals and log.intervals[-1][1] is None:
            log.intervals[-1][1] = new_id()
    elif event == "pause":
        log.pauses.append([new_id(), None])
        with _lock:
            _paused.append(tape)
            _update_after_op()
    elif event == "resume":
        if log.pauses and log.pauses[-1][1] is None:
            log.pauses[-1][1] = new_id()
        with _lock:
            for i in range(len(_paused) - 1, -1, -1):
                if _paused[i] is tape:
                    del _paused[i]
                    break
            _update_after_op()


def _on_record(tapes: list, prim: Any, args: tuple, result: Any, entry: Any) -> None:
    if entry is not None:
        if None in entry.input_ids:
            _RAW_IDS[entry] = tuple([a._id for a in args])
        if flags.tracing and entry.trace is None:
            entry.trace = user_location(2)
    if _evidence_count[0]:
        _follow(tapes, prim, args, result)


def _outputs(result: Any) -> tuple:
    return result if isinstance(result, tuple) else (result,)


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
                    found = _Evidence("numpy", prim.name, i, user_location(3), export)
                    origins[i] = found
                    break
        if found is not None:
            for r in _outputs(result):
                origins.setdefault(r._id, found)


def _match_export(exports: list, value: Any) -> _Export | None:
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
            log.exports.append(_Export(tensor, how, user_location(3)))
            if len(log.exports) > _MAX_EXPORTS:
                del log.exports[0]
            log.checked.clear()
            _mark_evidence(tape, log)


def _after_op(prim: Any, args: tuple, result: Any) -> None:
    """Called after every op while anomaly mode is on or a tape is paused."""
    if flags.anomaly:
        _check_numerics(prim, args, result)
    if _paused:
        _observe_paused(prim, args, result)


def _observe_paused(prim: Any, args: tuple, result: Any) -> None:
    for tape in _paused:
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
            found = _Evidence("paused", prim.name, used._id, user_location(3))
        for r in _outputs(result):
            origins[r._id] = found
        _mark_evidence(tape, log)


def _update_after_op() -> None:
    _switch(events.op_finished, _after_op, flags.anomaly or bool(_paused))


# ---------------------------------------------------------------------------------
# Anomaly mode
# ---------------------------------------------------------------------------------
def set_anomaly(enabled: bool) -> None:
    """Turn the numerics check (and the recording of user lines) on or off."""
    with _lock:
        flags.anomaly = bool(enabled)
        flags.tracing = bool(enabled)
        _update_after_op()
        _update_record_hook()
        _switch(events.rule_running, _on_rule, flags.anomaly)


def _shapes(tensors: Any) -> str:
    return ", ".join(f"{t.shape} {t.dtype.name}" for t in tensors) or "none"


def _bad_kind(value: np.ndarray) -> str:
    nan = int(np.count_nonzero(np.isnan(value)))
    inf = int(np.count_nonzero(np.isinf(value)))
    parts = []
    if nan:
        parts.append(f"{nan} NaN")
    if inf:
        parts.append(f"{inf} Inf")
    return " and ".join(parts) + f" of {value.size} values"


def _check_numerics(prim: Any, args: tuple, result: Any) -> None:
    outputs = _outputs(result)
    for k, r in enumerate(outputs):
        value = r._value
        if value.dtype.kind in "fc" and not np.isfinite(value).all():
            raise FloatingPointError(_anomaly_message(prim, args, outputs, k))


class _RunningRules(threading.local):
    def __init__(self) -> None:
        self.stack: list = []  # (kind, tape entry or primitive), innermost last


_running = _RunningRules()


def _on_rule(kind: str, subject: Any, running: bool) -> None:
    if running:
        _running.stack.append((kind, subject))
    elif _running.stack:
        _running.stack.pop()


def _backward_context() -> tuple:
    """The tape entry whose VJP (or the primitive whose JVP) is running, if any."""
    return _running.stack[-1] if _running.stack else (None, None)


def _anomaly_message(prim: Any, args: tuple, outputs: tuple, k: int) -> str:
    out = outputs[k]
    which = f"output {k}" if len(outputs) > 1 else "output"
    bad = _bad_kind(out._value)
    here = format_location(user_location(4))
    kind, context = _backward_context()
    op_text = (
        f"`{prim.name}` produced {bad} in its {which} (shape {out.shape}, {out.dtype.name}) "
        f"from inputs of shapes {_shapes(args)}"
    )
    lines = []
    if kind == "vjp":
        forward_op = context.prim.name
        lines.append(
            f"check_numerics: NaN/Inf in the backward pass. {op_text}, while computing the "
            f"gradient (VJP) of `{forward_op}`."
        )
        if context.trace is not None:
            lines.append(f"The `{forward_op}` op was recorded at {format_location(context.trace)}.")
        else:
            lines.append(
                f"The `{forward_op}` op was recorded before check_numerics was enabled, so its "
                "line is unknown: enable it before the forward pass."
            )
        lines.append(f"The backward pass was run from {here}.")
    elif kind == "jvp":
        lines.append(
            f"check_numerics: NaN/Inf in a forward-mode tangent. {op_text}, while computing the "
            f"tangent (JVP) of `{context.name}`, at {here}."
        )
    else:
        lines.append(f"check_numerics: {op_text}, at {here}.")
        tainted = [i for i, a in enumerate(args)
                   if a._value.dtype.kind in "fc" and not np.isfinite(a._value).all()]
        if tainted:
            lines.append(
                f"Input {tainted[0]} already held NaN or Inf, and no checked op produced it: it "
                "came from data, a constant or a Variable's value."
            )
    return "\n".join(lines)


def install() -> None:
    """Subscribe the always-on evidence observers (once, when tapegrad is imported)."""
    events.subscribe(events.tape_changed, _on_tape)
    events.subscribe(events.value_exported, _on_export)
    _update_record_hook()


# ---------------------------------------------------------------------------------
# The explanation
# ---------------------------------------------------------------------------------
class SourceReport:
    """What explain found for one source: ``cause`` is a short code, ``None`` when fine."""

    def __init__(self, index: int, description: str, cause: str | None, summary: str,
                 details: list | None = None, fix: str = ""):
        self.index = index
        self.description = description
        self.cause = cause
        self.summary = summary
        self.details = details or []
        self.fix = fix

    @property
    def has_gradient(self) -> bool:
        return self.cause is None

    def __str__(self) -> str:
        status = "has a gradient" if self.cause is None else "gradient is None"
        lines = [f"source {self.index}: {self.description}: {status}"]
        if self.cause is not None:
            lines.append(f"  cause: {self.summary}")
            for d in self.details:
                lines.append(f"    {d}")
            if self.fix:
                lines.append(f"  fix: {self.fix}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<SourceReport {self.index} cause={self.cause!r}>"


class Explanation:
    """The result of ``GradientTape.explain``; ``str()`` is the readable report.

    ``sources`` holds one :class:`SourceReport` per source (flattened), ``missing``
    those whose gradient is None, ``causes`` their cause codes.
    """

    def __init__(self, target_description: str, sources: list, notes: list):
        self.target_description = target_description
        self.sources = sources
        self.notes = notes

    @property
    def missing(self) -> list:
        return [s for s in self.sources if s.cause is not None]

    @property
    def causes(self) -> list:
        return [s.cause for s in self.missing]

    def __str__(self) -> str:
        n = len(self.missing)
        head = (
            f"GradientTape.explain: {n} of {len(self.sources)} source"
            f"{'s' if len(self.sources) != 1 else ''} {'has' if n == 1 else 'have'} no "
            f"gradient (target: {self.target_description})."
        )
        body = [str(s) for s in self.sources]
        return "\n".join([head] + body + self.notes)

    def __repr__(self) -> str:
        return f"<Explanation missing={self.causes}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython shows the report
        printer.text(str(self))


def describe(t: Tensor) -> str:
    if isinstance(t, Variable):
        return f"Variable {t.name!r} shape={t.shape} {t.dtype.name}"
    return f"Tensor id={t._id} shape={t.shape} {t.dtype.name}"


class _Record:
    """The tape's record as explain reads it: live entries, or the skeleton after release."""

    def __init__(self, tape: Any):
        self.tape = tape
        self.log = tape.__dict__.get("_debug_log")
        self.available = True
        self.partial = False  # released with no ops kept (only unknown sources lacked one)
        if tape._released:
            skeleton = self.log.skeleton if self.log is not None else None
            if skeleton is None:
                self.available = False
                self.nodes, self.ids, self.watched = [], set(), {}
            else:
                self.nodes, self.ids = skeleton.nodes, skeleton.ids
                self.watched = skeleton.watched
                self.partial = skeleton.partial
                self.had_gradient = skeleton.had_gradient
        else:
            self.nodes = [_Node(e) for e in tape._entries]
            self.ids = tape._ids
            self.watched = {i: _WatchedInfo(t) for i, t in tape._watched.items()}
        _link_integer_inputs(self.nodes)
        self.watched_ids = tape._watched_ids
        self.variables = {v._id: v for v in tape._variables}
        self.producer = {}
        for k, node in enumerate(self.nodes):
            for o in node.output_ids:
                self.producer[o] = k

    # --- reachability ---
    def forward(self, start: set, gradient: bool) -> tuple[set, list]:
        """Ids reachable from ``start``: through every link, or only where gradients flow."""
        reach = set(start)
        hit = []
        for k, node in enumerate(self.nodes):
            if gradient and not node.prim.differentiable:
                continue
            for i in (node.input_ids if gradient else node.full_ids):
                if i is not None and i in reach:
                    hit.append(k)
                    for o, (_, dtype) in zip(node.output_ids, node.output_meta):
                        if not gradient or dtype.kind in "fc":
                            reach.add(o)
                    break
        return reach, hit

    def backward(self, targets: set) -> tuple[set, set]:
        """Ids the targets were computed from (every link), and the entries on the way."""
        need = set(targets)
        hit = set()
        for k in range(len(self.nodes) - 1, -1, -1):
            node = self.nodes[k]
            for o in node.output_ids:
                if o in need:
                    hit.add(k)
                    need.update(i for i in node.full_ids if i is not None)
                    break
        return need, hit

    def when(self, tensor_id: int) -> str:
        """When a tensor was made, relative to this tape: recording, paused, before, after."""
        log = self.log
        if log is None or not log.intervals:
            return "unknown"
        for start, end in log.pauses:
            if start < tensor_id and (end is None or tensor_id < end):
                return "paused"
        for start, end in log.intervals:
            if start < tensor_id and (end is None or tensor_id < end):
                return "recording"
        if tensor_id < log.intervals[0][0]:
            return "before"
        return "after"

    def op_text(self, k: int) -> str:
        node = self.nodes[k]
        name = node.prim.name
        outs = ", ".join(f"{s} {d.name}" for s, d in node.output_meta)
        ins = ", ".join(f"{s} {d.name}" for s, d in node.input_meta)
        text = f"`{name}` ({ins} -> {outs})"
        if node.trace is not None:
            text += f" at {format_location(node.trace)}"
        return text


def _link_integer_inputs(nodes: list) -> None:
    """Give unlinked integer/bool inputs the id of the latest recorded output that fits."""
    latest: dict = {}  # (shape, dtype) -> id of the latest integer or bool output
    for node in nodes:
        full = node.full_ids
        if None in full:
            node.full_ids = tuple(
                latest.get((tuple(meta[0]), meta[1])) if i is None else i
                for i, meta in zip(full, node.input_meta)
            )
        for o, (shape, dtype) in zip(node.output_ids, node.output_meta):
            if dtype.kind not in "fc":
                latest[(tuple(shape), dtype)] = o


def _exact_gradient_ids(tape: Any, targets: list, source_ids: set) -> set | None:
    """Which sources really get a gradient (a reverse sweep nobody records), or None."""
    if tape._released or not source_ids:
        return None
    saved_tapes = list(state.tapes)
    saved_accumulators = list(state.accumulators)
    checking = _after_op in events.op_finished
    state.tapes[:] = []
    state.accumulators[:] = []
    events.unsubscribe(events.op_finished, _after_op)
    try:
        seeds = {}
        for t in targets:
            if t.dtype.kind in "fc" and t._id not in seeds:
                seeds[t._id] = ops.ones_like(t)
        if not seeds:
            return set()
        return set(reverse_sweep(tape._entries, seeds, source_ids))
    except Exception:  # the structural answer is used instead
        return None
    finally:
        state.tapes[:] = saved_tapes
        state.accumulators[:] = saved_accumulators
        if checking:
            events.subscribe(events.op_finished, _after_op)


def explain(tape: Any, target: Any, sources: Any) -> Explanation:
    """Build the :class:`Explanation` for ``tape.explain(target, sources)``."""
    flat_targets = flat_targets_of(target, "explain")
    flat_sources = nest.flatten(sources)[0]
    for i, s in enumerate(flat_sources):
        if not isinstance(s, Tensor):
            raise TypeError(
                f"GradientTape.explain: sources must be Tensors or Variables, got "
                f"{type(s).__name__} at position {i}."
            )
    rec = _Record(tape)
    if len(flat_targets) == 1:
        target_text = describe(flat_targets[0])
    else:
        target_text = f"{len(flat_targets)} tensors"
    notes: list = []
    source_ids = {s._id for s in flat_sources if s.dtype.kind in "fc" and s._id in rec.ids}
    exact = _exact_gradient_ids(tape, flat_targets, source_ids) if rec.available else None
    reports = []
    for i, s in enumerate(flat_sources):
        reports.append(_diagnose(rec, i, s, flat_targets, exact))
    missing = [r for r in reports if r.cause is not None]
    op_causes = {"non_differentiable", "unused", "none_rule", "rebound_variable"}
    traced = any(node.trace is not None for node in rec.nodes)
    if any(r.cause in op_causes for r in missing) and rec.nodes and not traced:
        notes.append(
            "(Run the computation inside tapegrad.debugging.detect_anomaly() to see the source "
            "line of every recorded op.)"
        )
    return Explanation(target_text, reports, notes)


def _diagnose(rec: _Record, index: int, s: Tensor, targets: list, exact: set | None):
    desc = describe(s)

    def report(cause, summary, details=None, fix=""):
        return SourceReport(index, desc, cause, summary, details, fix)

    if s.dtype.kind not in "fc":
        return report(
            "integer_dtype",
            f"the source has dtype {s.dtype.name}: integer and bool tensors have no gradient "
            "(TensorFlow returns None too).",
            fix="cast it to a float dtype first (x = tg.cast(x, tg.float32)), compute with the "
            "float tensor, and differentiate with respect to that tensor.",
        )
    float_targets = [t for t in targets if t.dtype.kind in "fc"]
    if not float_targets:
        names = ", ".join(sorted({t.dtype.name for t in targets})) or "none"
        return report(
            "target_not_float",
            f"the target has dtype {names}: only floating or complex targets have gradients.",
            fix="compute the target in a float dtype (cast before the integer op, not after).",
        )
    if not rec.available:
        return report(
            "released",
            "this non-persistent tape already released its record in gradient(), so explain "
            "cannot inspect it.",
            fix="call tape.explain(...) before tape.gradient(...), or use "
            "tg.GradientTape(persistent=True).",
        )
    target_ids = {t._id for t in float_targets}
    known = s._id in rec.ids
    if known and rec.partial:
        if s._id in rec.had_gradient:
            return report(None, "")
        return report(
            "released",
            "this non-persistent tape released its record in gradient(); it kept only what "
            "explains the sources that had no gradient there.",
            fix="call tape.explain(...) before tape.gradient(...), or use "
            "tg.GradientTape(persistent=True).",
        )
    if known:
        if exact is not None:
            if s._id in exact:
                return report(None, "")
        else:
            grad_reach, _ = rec.forward({s._id}, gradient=True)
            if target_ids & grad_reach:
                return report(None, "")
    anc_ids, anc_nodes = rec.backward(target_ids)
    evidence = _evidence_for(rec, s._id, anc_ids, known)
    target_fact = _target_fact(rec, float_targets)
    if not known:
        return _diagnose_unknown(rec, s, report, evidence, target_fact)
    full_reach, full_hit = rec.forward({s._id}, gradient=False)
    if target_ids & full_reach:
        return _diagnose_blocked(rec, s, report, full_hit, anc_ids, anc_nodes)
    if evidence is not None:
        return _report_evidence(rec, s, report, evidence)
    if target_fact is not None and target_fact[0] in ("before", "after", "paused"):
        return _report_target_time(report, target_fact)
    leaked = _exports_from(rec, full_reach)
    if leaked:
        if target_fact is not None:
            return _report_leak(report, leaked, target_fact[1])
        late = sorted(i for i in anc_ids if i not in rec.ids and i > leaked[0].stamp)
        if late:
            return _report_leak(report, leaked, (
                f"the target was computed from constants made after that (tensor id={late[0]}"
                f"{' and others' if len(late) > 1 else ''}), which have no recorded history."))
    rebound = _rebound_on_tape(rec, s)
    if rebound is not None:
        return report(
            "rebound_variable",
            f"this Tensor was computed from Variable {rebound[0]!r} by {rebound[1]}, and the "
            "target does not use this new Tensor: rebinding a Variable's name to the result "
            "(`x = x + 1`) leaves the Variable, not this Tensor, in the computation.",
            fix="pass the Variable itself as the source, and update it in place with "
            "x.assign_add(...) / x.assign_sub(...) / x.assign(...).",
        )
    users = [k for k in full_hit if any(i == s._id for i in rec.nodes[k].full_ids)]
    if not users:
        details = []
        if target_fact is not None:
            details.append(target_fact[1])
        return report(
            "unused",
            "the tape watched this source, but no recorded op used it: the target does not "
            "depend on it.",
            details,
            fix="compute the target from this source inside the tape's `with` block (or stop "
            "passing it as a source).",
        )
    details = [f"used by {rec.op_text(k)}" for k in users[:4]]
    if target_fact is not None:
        details.append(target_fact[1])
    return report(
        "unused",
        "the tape recorded ops that use this source, but the target is not computed from their "
        "results.",
        details,
        fix="check that the target is computed from this source (the right variable, not a "
        "copy or an earlier value).",
    )


def _target_fact(rec: _Record, targets: list) -> tuple | None:
    """For a target the tape did not record: when it was computed, as (when, sentence)."""
    for t in targets:
        if t._id in rec.ids:
            continue
        when = rec.when(t._id)
        what = f"The target ({describe(t)}) was not recorded by this tape"
        if when == "before":
            return when, what + ": it was computed before the tape started recording."
        if when == "after":
            return when, what + (
                ": it was computed after the tape stopped recording (after its `with` block, "
                "or after gradient() on a non-persistent tape)."
            )
        if when == "paused":
            return when, what + ": it was computed inside tape.stop_recording()."
        return when, what + (
            ": none of the ops that produced it had an input that the tape watched or had "
            "recorded."
        )
    return None


def _evidence_for(rec: _Record, source_id: int, anc_ids: set, known: bool):
    """Evidence that the target depends on the source through something not recorded."""
    log = rec.log
    if log is None or not log.origins:
        return None
    reach = rec.forward({source_id}, gradient=False)[0] if known else {source_id}
    for i in anc_ids:
        ev = log.origins.get(i)
        if ev is None:
            continue
        used = ev.export.tensor_id if ev.kind == "numpy" else ev.used_id
        if used in reach:
            return ev
    return None


def _producer_text(rec: _Record, tensor_id: int) -> str:
    k = rec.producer.get(tensor_id)
    if k is None:
        return f"tensor id={tensor_id}"
    return f"the output of {rec.op_text(k)}"


def _report_evidence(rec: _Record, s: Tensor, report, ev: _Evidence):
    if ev.kind == "numpy":
        ex = ev.export
        if ex.tensor_id == s._id:
            value = "this source"
        elif ex.tensor_id in rec.producer:
            value = _producer_text(rec, ex.tensor_id)
        else:
            value = f"tensor id={ex.tensor_id} (shape {ex.shape}, {ex.dtype.name})"
        return report(
            "numpy_roundtrip",
            "the value left tapegrad through NumPy and came back as a new constant: the tape "
            "cannot see through NumPy, so the path from the source to the target is cut.",
            [
                f"{value} was read with {ex.how} at {format_location(ex.loc)}",
                f"a constant with the same values entered `{ev.op}` at "
                f"{format_location(ev.loc)}",
            ],
            fix="keep the computation in tapegrad ops (tg.math.exp, tg.reduce_sum, ...) instead "
            "of NumPy functions, .numpy() or float() inside the tape.",
        )
    used = "this source" if ev.used_id == s._id else _producer_text(rec, ev.used_id)
    return report(
        "stop_recording",
        "the path from the source to the target goes through ops run inside "
        "tape.stop_recording(), which are not recorded.",
        [f"`{ev.op}` read {used} inside stop_recording() at {format_location(ev.loc)}"],
        fix="move that computation out of the stop_recording() block (to block the gradient "
        "on purpose, tg.stop_gradient says so explicitly).",
    )


def _report_target_time(report, target_fact: tuple):
    when, sentence = target_fact
    if when == "paused":
        return report(
            "stop_recording",
            "the target was computed inside tape.stop_recording(), which records nothing.",
            [sentence],
            fix="compute the target outside the stop_recording() block.",
        )
    return report(
        "outside_tape",
        "the target was computed outside the tape's `with` block; operations outside the "
        "block are not recorded.",
        [sentence],
        fix="compute the target (the whole forward pass) inside "
        "`with tg.GradientTape() as tape:`.",
    )


def _exports_from(rec: _Record, reach: set) -> list:
    log = rec.log
    if log is None:
        return []
    return [e for e in log.exports if e.tensor_id in reach]


def _report_leak(report, leaked: list, sentence: str):
    ex = leaked[-1]
    return report(
        "numpy_roundtrip",
        "probably a NumPy round trip: a value computed from this source left tapegrad through "
        f"{ex.how} while the tape was recording, and the target has no recorded path back to it.",
        [f"tensor id={ex.tensor_id} (shape {ex.shape}, {ex.dtype.name}) was read with {ex.how} "
         f"at {format_location(ex.loc)}", sentence],
        fix="keep the computation in tapegrad ops instead of NumPy functions, .numpy() or "
        "float() inside the tape.",
    )


def _rebound_on_tape(rec: _Record, s: Tensor) -> tuple | None:
    """A source made on the tape from a Variable (e.g. ``x = x + 1`` inside the block)."""
    k = rec.producer.get(s._id)
    if k is None:
        return None
    node = rec.nodes[k]
    for i in node.full_ids:
        v = rec.variables.get(i)
        if v is not None:
            return v.name, f"`{node.prim.name}`" + (
                f" at {format_location(node.trace)}" if node.trace is not None else ""
            )
    return None


def _diagnose_unknown(rec: _Record, s: Tensor, report, evidence, target_fact):
    """A source the tape never watched nor produced."""
    if not isinstance(s, Variable):
        rebound = getattr(s, "_origin", None)
        if rebound is not None:
            name, _, op, loc = rebound
            return report(
                "rebound_variable",
                f"the source is a Tensor, not a Variable: it was computed from Variable "
                f"{name!r} by `{op}` at {format_location(loc)}. Assigning that result to the "
                "variable's name replaced the Variable with a new constant Tensor, which the "
                "tape does not watch.",
                fix="update the Variable in place instead: x.assign_add(1), "
                "w.assign_sub(lr * g), or x.assign(new_value), and pass the Variable.",
            )
        from .._core.tape import _live_tapes

        for other in list(_live_tapes):
            if other is not rec.tape and s._id in other._ids:
                return report(
                    "other_tape",
                    "the source was watched or computed on another GradientTape; this tape "
                    "never saw it.",
                    fix="take the gradient from the tape that recorded it, or watch the "
                    "source on this tape before using it.",
                )
        details = [target_fact[1]] if target_fact is not None else []
        if not flags.tracing:
            details.append(
                "If this Tensor replaced a Variable (`x = x + 1` or `w = w - lr * g` rebinds "
                "the name to a new Tensor), update the Variable in place instead: "
                "x.assign_add(1), w.assign_sub(lr * g). Inside "
                "tapegrad.debugging.detect_anomaly(), explain names the Variable it came from."
            )
        return report(
            "not_watched",
            "the source is a Tensor that this tape never watched. A tape watches trainable "
            "Variables automatically when they are read, but a Tensor only after "
            "tape.watch(x).",
            details,
            fix="call tape.watch(x) inside the `with` block before x is used, or make x a "
            "tg.Variable.",
        )
    if not s.trainable:
        return report(
            "not_trainable",
            f"Variable {s.name!r} was created with trainable=False, and tapes watch only "
            "trainable Variables automatically.",
            fix="call tape.watch(v) inside the `with` block before v is used, or create it "
            "with trainable=True.",
        )
    if not rec.tape._watch_accessed_variables:
        return report(
            "not_watched",
            "the tape was created with watch_accessed_variables=False, so it watches only "
            "what tape.watch() is given, and this Variable was not.",
            fix="call tape.watch(v) inside the `with` block before v is used.",
        )
    if evidence is not None:
        return _report_evidence(rec, s, report, evidence)
    if target_fact is not None and target_fact[0] in ("before", "after", "paused"):
        return _report_target_time(report, target_fact)
    details = [target_fact[1]] if target_fact is not None else []
    return report(
        "not_watched",
        f"Variable {s.name!r} was never read while the tape was recording (a tape watches a "
        "Variable when an op inside its `with` block reads it), so the target does not depend "
        "on it as far as the tape knows.",
        details,
        fix="compute with the Variable inside the `with` block; a value computed from it "
        "before the block (y = w * x above it) is a constant to the tape.",
    )


def _diagnose_blocked(rec: _Record, s: Tensor, report, full_hit, anc_ids, anc_nodes):
    """The target depends on the source, but no gradient flows: name where it stops."""
    grad_reach, _ = rec.forward({s._id}, gradient=True)
    breaks = []
    for k in full_hit:
        if k not in anc_nodes:
            continue
        node = rec.nodes[k]
        if not any(i is not None and i in grad_reach for i in node.input_ids):
            continue
        passes = node.prim.differentiable and any(
            o in anc_ids and dtype.kind in "fc"
            for o, (_, dtype) in zip(node.output_ids, node.output_meta)
        )
        if not passes:
            breaks.append(k)
    if not breaks:
        on_path = [k for k in full_hit if k in anc_nodes]
        return report(
            "none_rule",
            "every op on the path from the source to the target has a gradient rule, but a "
            "rule returned None (for example a custom_gradient function whose grad_fn returns "
            "None for this input).",
            [f"on the path: {rec.op_text(k)}" for k in on_path[:6]],
            fix="check the gradient functions of the ops listed.",
        )
    details = []
    fixes: list = []
    for k in breaks[:4]:
        node = rec.nodes[k]
        name = node.prim.name
        out_dtypes = [d for _, d in node.output_meta]
        integer_out = all(d.kind not in "fc" for d in out_dtypes)
        reason, fix = NO_GRADIENT_REASONS.get(name, (None, None))
        if reason is None:
            if integer_out:
                reason = (f"its result has dtype {out_dtypes[0].name}, and integer and bool "
                          "tensors carry no gradient")
                fix = "keep the values in a float dtype along the path"
            else:
                reason = "it has no gradient (it is recorded, but nothing flows back through it)"
                fix = "use a differentiable op instead"
        details.append(f"{rec.op_text(k)}: {reason}.")
        if fix not in fixes:
            fixes.append(fix)
    labels = []
    for k in breaks[:4]:
        node = rec.nodes[k]
        d = node.output_meta[0][1]
        labels.append(f"cast to {d.name}" if node.prim.name == "cast" and d.kind not in "fc"
                      else node.prim.name)
    return report(
        "non_differentiable",
        f"the path from the source to the target goes through {', '.join(labels)}, which "
        f"{'has' if len(labels) == 1 else 'have'} no gradient.",
        details,
        fix="; ".join(fixes) + ".",
    )
