"""Why is a gradient None? The explanation ``GradientTape.explain`` builds.

explain reads the tape's record (its entries, or the skeleton kept when
``gradient()`` released a non-persistent tape) together with the evidence the
observers of :mod:`.evidence` kept while it recorded, follows the paths from
each source to the target, and reports for each source the first finding that
explains a missing gradient. The findings, their cause codes and texts are
data, in :mod:`.reasons`. To tell which sources really get a gradient, it runs
the tape's reverse sweep once more, with no tape recording and no debugging
observer watching. Nothing here runs while recording.
"""

from __future__ import annotations

from typing import Any

from .._core import nest
from .._core.backprop import reverse_sweep
from .._core.engine_ops import ops
from .._core.state import state
from .._core.tape import _live_tapes
from .._core.tensor import Tensor
from .._core.variable import Variable
from ..differentiation import flat_targets_of
from .evidence import Evidence, Node, WatchedInfo, debug_log, unobserved
from .locations import format_location
from .reasons import REASONS, REBIND_HINT, TRACE_NOTE, no_gradient_reason

__all__ = ["Explanation", "SourceReport", "explain", "describe", "TapeRecord"]


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


class TapeRecord:
    """The tape's record as explain reads it: live entries, or the skeleton after release."""

    def __init__(self, tape: Any):
        self.tape = tape
        self.log = debug_log(tape)
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
            self.nodes = [Node(e) for e in tape._entries]
            self.ids = tape._ids
            self.watched = {i: WatchedInfo(t) for i, t in tape._watched.items()}
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
    state.tapes[:] = []
    state.accumulators[:] = []
    try:
        with unobserved():  # anomaly mode and paused tapes do not see this sweep
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
    rec = TapeRecord(tape)
    if len(flat_targets) == 1:
        target_text = describe(flat_targets[0])
    else:
        target_text = f"{len(flat_targets)} tensors"
    notes: list = []
    source_ids = {s._id for s in flat_sources if s.dtype.kind in "fc" and s._id in rec.ids}
    stopped: set = set()
    if rec.available and not tape._released:  # stop_gradient's outputs are no sources
        seeds = {t._id for t in flat_targets}
        stopped = source_ids - tape._source_ids(
            [s for s in flat_sources if s._id in source_ids], seeds)
        source_ids -= stopped
    exact = _exact_gradient_ids(tape, flat_targets, source_ids) if rec.available else None
    reports = []
    for i, s in enumerate(flat_sources):
        if s._id in stopped:
            found = REASONS["stop_gradient_output"]
            reports.append(SourceReport(i, describe(s), found.cause, found.summary, [], found.fix))
            continue
        reports.append(_diagnose(rec, i, s, flat_targets, exact))
    missing = [r for r in reports if r.cause is not None]
    op_causes = {"non_differentiable", "unused", "none_rule", "rebound_variable"}
    traced = any(node.trace is not None for node in rec.nodes)
    if any(r.cause in op_causes for r in missing) and rec.nodes and not traced:
        notes.append(TRACE_NOTE)
    return Explanation(target_text, reports, notes)


def _diagnose(rec: TapeRecord, index: int, s: Tensor, targets: list, exact: set | None):
    desc = describe(s)

    def report(reason: str | None, details: list | None = None, **fields: Any) -> SourceReport:
        """The :class:`SourceReport` of finding ``reason`` (a key of REASONS; None: fine)."""
        if reason is None:
            return SourceReport(index, desc, None, "")
        found = REASONS[reason]
        return SourceReport(index, desc, found.cause, found.summary.format(**fields), details,
                            found.fix.format(**fields))

    if s.dtype.kind not in "fc":
        return report("integer_dtype", dtype=s.dtype.name)
    float_targets = [t for t in targets if t.dtype.kind in "fc"]
    if not float_targets:
        return report("target_not_float",
                      dtypes=", ".join(sorted({t.dtype.name for t in targets})) or "none")
    if not rec.available:
        return report("released")
    target_ids = {t._id for t in float_targets}
    known = s._id in rec.ids
    if known and rec.partial:
        return report(None if s._id in rec.had_gradient else "released_partly")
    if known:
        if exact is not None:
            if s._id in exact:
                return report(None)
        else:
            grad_reach, _ = rec.forward({s._id}, gradient=True)
            if target_ids & grad_reach:
                return report(None)
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
        return report("rebound_on_tape", name=rebound[0], how=rebound[1])
    users = [k for k in full_hit if any(i == s._id for i in rec.nodes[k].full_ids)]
    if not users:
        return report("unused", [target_fact[1]] if target_fact is not None else [])
    details = [f"used by {rec.op_text(k)}" for k in users[:4]]
    if target_fact is not None:
        details.append(target_fact[1])
    return report("unused_results", details)


def _target_fact(rec: TapeRecord, targets: list) -> tuple | None:
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


def _evidence_for(rec: TapeRecord, source_id: int, anc_ids: set, known: bool):
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


def _producer_text(rec: TapeRecord, tensor_id: int) -> str:
    k = rec.producer.get(tensor_id)
    if k is None:
        return f"tensor id={tensor_id}"
    return f"the output of {rec.op_text(k)}"


def _report_evidence(rec: TapeRecord, s: Tensor, report, ev: Evidence):
    if ev.kind == "numpy":
        ex = ev.export
        if ex.tensor_id == s._id:
            value = "this source"
        elif ex.tensor_id in rec.producer:
            value = _producer_text(rec, ex.tensor_id)
        else:
            value = f"tensor id={ex.tensor_id} (shape {ex.shape}, {ex.dtype.name})"
        return report("numpy_roundtrip", [
            f"{value} was read with {ex.how} at {format_location(ex.loc)}",
            f"a constant with the same values entered `{ev.op}` at {format_location(ev.loc)}",
        ])
    used = "this source" if ev.used_id == s._id else _producer_text(rec, ev.used_id)
    return report("stop_recording", [
        f"`{ev.op}` read {used} inside stop_recording() at {format_location(ev.loc)}"
    ])


def _report_target_time(report, target_fact: tuple):
    when, sentence = target_fact
    return report("target_paused" if when == "paused" else "outside_tape", [sentence])


def _exports_from(rec: TapeRecord, reach: set) -> list:
    log = rec.log
    if log is None:
        return []
    return [e for e in log.exports if e.tensor_id in reach]


def _report_leak(report, leaked: list, sentence: str):
    ex = leaked[-1]
    return report("numpy_leak", [
        f"tensor id={ex.tensor_id} (shape {ex.shape}, {ex.dtype.name}) was read with {ex.how} "
        f"at {format_location(ex.loc)}",
        sentence,
    ], how=ex.how)


def _rebound_on_tape(rec: TapeRecord, s: Tensor) -> tuple | None:
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


def _diagnose_unknown(rec: TapeRecord, s: Tensor, report, evidence, target_fact):
    """A source the tape never watched nor produced."""
    details = [target_fact[1]] if target_fact is not None else []
    if not isinstance(s, Variable):
        rebound = getattr(s, "_origin", None)  # set by the Variable arithmetic that made s
        if rebound is not None:
            name, _, op, loc = rebound
            return report("rebound_variable", name=name, op=op, where=format_location(loc))
        for other in list(_live_tapes):
            if other is not rec.tape and s._id in other._ids:
                return report("other_tape")
        return report("not_watched", details + [REBIND_HINT])
    if not s.trainable:
        return report("not_trainable", name=s.name)
    if not rec.tape._watch_accessed_variables:
        return report("watch_off")
    if evidence is not None:
        return _report_evidence(rec, s, report, evidence)
    if target_fact is not None and target_fact[0] in ("before", "after", "paused"):
        return _report_target_time(report, target_fact)
    return report("variable_not_read", details, name=s.name)


def _diagnose_blocked(rec: TapeRecord, s: Tensor, report, full_hit, anc_ids, anc_nodes):
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
        return report("none_rule", [f"on the path: {rec.op_text(k)}" for k in on_path[:6]])
    details = []
    fixes: list = []
    labels = []
    for k in breaks[:4]:
        node = rec.nodes[k]
        out_dtypes = [d for _, d in node.output_meta]
        reason, fix = no_gradient_reason(node.prim.name, out_dtypes)
        details.append(f"{rec.op_text(k)}: {reason}.")
        if fix not in fixes:
            fixes.append(fix)
        d = out_dtypes[0]
        labels.append(f"cast to {d.name}" if node.prim.name == "cast" and d.kind not in "fc"
                      else node.prim.name)
    return report("non_differentiable", details, ops=", ".join(labels),
                  verb="has" if len(labels) == 1 else "have", fixes="; ".join(fixes))
