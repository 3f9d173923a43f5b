"""Forward mode: ForwardAccumulator pushes tangents through ops as they run.

While an accumulator is active, ``Primitive.bind`` hands it every op; if an
input has a tangent, the op's JVP rule computes the output's tangent. Rules
are tapegrad ops, so an enclosing GradientTape records the tangent
computation (reverse-over-forward), and an accumulator around a tape's
``gradient`` call sees the backward ops (forward-over-reverse: Hessian-vector
products).

Nesting is strict, as in TensorFlow: while an accumulator computes a tangent,
only the tapes and accumulators that were active *before* it was entered see
those ops. Inner accumulators and inner tapes ignore them (so an inner tape
does not keep every tangent alive in a forward-over-reverse product).

Batched tangents (``batch_ndim=k``) carry ``k`` extra leading dimensions: one
forward sweep computes many JVPs at once (forward-mode Jacobians). Rules see a
tangent with at least the rank of the op's output after the batch dimensions
(lower-rank tangents get size-1 axes inserted after the batch, exactly as
broadcasting pads them), so rules written with negative axes and broadcasting
batch unchanged. Ops without a JVP rule get one by transposing their (linear
in ``g``) VJP, batched too; ``batchable=False`` ops loop over the batch.
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np

from . import events
from .backprop import reverse_sweep
from .batching import over_batch, unstack_batch
from .engine_ops import ops
from .indexed_slices import densify
from .record import snapshot
from .state import activate, state
from .tape import GradientTape
from .tensor import Tensor, convert_to_tensor

_Self = TypeVar("_Self", bound="ForwardAccumulator")  # __enter__ returns the subclass in use

__all__ = ["ForwardAccumulator", "jvp_from_vjp"]


class ForwardAccumulator:
    """The engine side of forward mode: tangents by id, pushed through every op.

    ``tapegrad.autodiff.ForwardAccumulator`` (the public class) checks the
    primals and tangents and reads the results; this class holds the tangents
    of the tensors it has seen and computes new ones as ops run.
    """

    def __init__(self, tangents: dict, batch_ndim: int = 0, batch_shape: tuple | None = ()):
        self._tangents = tangents  # tensor id -> tangent
        self._batch_ndim = batch_ndim
        self._batch_shape = batch_shape
        self._recording = False
        self._paused = False  # True while this (or an outer) accumulator runs a rule
        self._outer_tapes: list = []

    # --- context -------------------------------------------------------------------
    def __enter__(self: _Self) -> _Self:
        if self._recording:
            raise ValueError("ForwardAccumulator: the accumulator is already recording.")
        self._outer_tapes = list(state.tapes)
        state.accumulators.append(self)
        activate(1)
        self._recording = True
        return self

    def __exit__(self, *exc: Any) -> None:
        accs = state.accumulators
        for i in range(len(accs) - 1, -1, -1):
            if accs[i] is self:
                del accs[i]
                activate(-1)
                break
        self._recording = False
        self._outer_tapes = []

    # --- called by Primitive.bind -------------------------------------------------
    def _propagate(self, prim: Any, args: tuple, result: Any, params: dict) -> None:
        if self._paused or not prim.differentiable:
            return
        tangents_by_id = self._tangents
        tangents = None
        for i, a in enumerate(args):
            t = tangents_by_id.get(a._id)
            if t is not None and a._value.dtype.kind in "fc":
                if tangents is None:
                    tangents = [None] * len(args)
                tangents[i] = t
        if tangents is None:
            return
        # Strict nesting: only what was active before this accumulator sees its rule's ops.
        # This accumulator and the ones entered after it pause (a flag: no list mutation on
        # the hot path); tapes entered after it are hidden.
        paused = []
        after = False
        for acc in state.accumulators:
            after = after or acc is self
            if after and not acc._paused:
                acc._paused = True
                paused.append(acc)
        tapes = state.tapes
        outer = self._outer_tapes
        hidden = None
        if len(tapes) != len(outer) or any(t is not o for t, o in zip(tapes, outer)):
            hidden = tapes[:]
            tapes[:] = [t for t in hidden if any(t is o for o in outer)]
        observed = bool(events.rule_running)
        if observed:
            events.rule_running.emit("jvp", prim, True)
        try:
            out = _apply_jvp(prim, tuple(tangents), result, args, params, self._batch_ndim)
        finally:
            if observed:
                events.rule_running.emit("jvp", prim, False)
            for acc in paused:
                acc._paused = False
            if hidden is not None:
                tapes[:] = hidden
        if prim.multiple_results:
            for r, t in zip(result, out):
                if t is not None and r._value.dtype.kind in "fc":
                    tangents_by_id[r._id] = t
        elif out is not None and result._value.dtype.kind in "fc":
            tangents_by_id[result._id] = out


# ---------------------------------------------------------------------------------
# Applying a rule
# ---------------------------------------------------------------------------------
def _apply_jvp(prim, tangents: tuple, result, args: tuple, params: dict, batch_ndim: int):
    snapshot_args = args
    for a in args:
        if a._is_variable:  # rules see the value as it is now, even if assigned later
            snapshot_args = tuple([snapshot(a) if a._is_variable else a for a in args])
            break
    if not batch_ndim:
        return _fit(_call_rule(prim, tangents, result, snapshot_args, params, ()), result, (),
                    prim)
    if not prim.batchable:
        return _looped_jvp(prim, tangents, result, snapshot_args, params, batch_ndim)
    batch: tuple = ()
    out_ndim = (max(r._value.ndim for r in result) if prim.multiple_results
                else result._value.ndim)
    pads = None
    for i, t in enumerate(tangents):
        if t is not None:
            batch = t._value.shape[:batch_ndim]
            pad = out_ndim - args[i]._value.ndim
            if pad > 0:
                if pads is None:
                    pads = [0] * len(tangents)
                pads[i] = pad
    if pads is None:  # every tangent already has the output's rank: one call
        return _fit(_call_rule(prim, tangents, result, snapshot_args, params, batch), result,
                    batch, prim)
    # Tangents of inputs with a lower rank than the output get size-1 axes after the batch
    # (as broadcasting pads them); inputs padded by different amounts go to separate calls,
    # which is exact because the rule is linear in the tangents.
    groups: dict = {}
    for i, t in enumerate(tangents):
        if t is not None:
            groups.setdefault(pads[i], []).append(i)
    total = None
    for pad, members in groups.items():
        ts = [None] * len(tangents)
        for i in members:
            t = tangents[i]
            ts[i] = ops.reshape(t, batch + (1,) * pad + t.shape[batch_ndim:]) if pad else t
        out = _fit(_call_rule(prim, tuple(ts), result, snapshot_args, params, batch), result,
                   batch, prim)
        total = out if total is None else _add_tangents(total, out)
    return total


def _call_rule(prim, tangents, result, args, params, batch: tuple):
    if prim.jvps is not None:  # one rule per input: only inputs with a tangent, terms added
        total = None
        for rule, t in zip(prim.jvps, tangents):
            if t is None or rule is None:
                continue
            term = rule(t, result, *args, **params)
            if term is not None:
                total = term if total is None else _add_tangents(total, term)
        return total
    if prim.jvp is not None:
        return prim.jvp(tangents, result, *args, **params)
    return jvp_from_vjp(prim, tangents, result, args, params, len(batch))


def _add_tangents(a: Any, b: Any) -> Any:
    if isinstance(a, tuple):
        return tuple(_add_tangents(x, y) for x, y in zip(a, b))
    if a is None or b is None:
        return b if a is None else a
    return ops.add(a, b)


def _fit(out: Any, result: Any, batch: tuple, prim: Any) -> Any:
    """Bring a rule's tangent to ``batch + output shape`` (and the output's dtype)."""
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise RuntimeError(
                f"The JVP rule of {prim.name} must return a tuple of {len(result)} tangents "
                f"(one per output), got {type(out).__name__}."
            )
        return tuple(_fit(o, r, batch, prim) for o, r in zip(out, result))
    if out is None:
        return None
    if type(out) is Tensor:
        value, expected_value = out._value, result._value
        if value.shape == batch + expected_value.shape and value.dtype == expected_value.dtype:
            return out  # the common case: nothing to fit
    out = densify(out)
    if not isinstance(out, Tensor):
        out = convert_to_tensor(out)
    expected = batch + result.shape
    shape = out.shape
    if shape != expected:
        nb = len(batch)
        if nb and shape[:nb] != batch:  # no batch axes (a constant tangent): broadcast it
            if not _broadcasts(shape, expected):
                _bad_tangent(prim, shape, expected)
            out = ops.broadcast_to(out, expected)
            shape = expected
        rest = shape[nb:]
        extra = len(rest) - result.ndim
        if extra > 0:  # size-1 axes the engine inserted (or a rule added) after the batch
            if any(d != 1 for d in rest[:extra]):
                _bad_tangent(prim, shape, expected)
            rest = rest[extra:]
        elif extra < 0:  # a broadcastable tangent of lower rank: pad after the batch
            rest = (1,) * -extra + rest
        if batch + rest != shape:
            out = ops.reshape(out, batch + rest)
        if rest != result.shape:
            if not _broadcasts(rest, result.shape):
                _bad_tangent(prim, shape, expected)
            out = ops.broadcast_to(out, expected)
    if out.dtype != result.dtype and result.dtype.kind in "fc":
        out = ops.cast(out, result.dtype)
    return out


def _broadcasts(shape: tuple, target: tuple) -> bool:
    try:
        return np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False


def _bad_tangent(prim: Any, shape: tuple, expected: tuple) -> None:
    raise RuntimeError(
        f"The JVP rule of {prim.name} returned a tangent of shape {shape}, which does not "
        f"broadcast to the expected shape {expected} (batch dimensions + output shape)."
    )


def _looped_jvp(prim, tangents, result, args, params, batch_ndim):
    """A rule that cannot batch: apply it to each element of the batch, then stack."""
    present = next(t for t in tangents if t is not None)
    batch_shape = present.shape[:batch_ndim]
    elements = [None if t is None else unstack_batch(t, batch_ndim) for t in tangents]
    outputs = result if isinstance(result, tuple) else (result,)

    def one(k: int) -> list:
        tk = tuple(None if e is None else e[k] for e in elements)
        out = _apply_jvp(prim, tk, result, args, params, 0)
        return list(out) if isinstance(result, tuple) else [out]

    count = len(elements[tangents.index(present)])
    stacked = over_batch(one, len(outputs), count, batch_shape)
    return tuple(stacked) if isinstance(result, tuple) else stacked[0]


def jvp_from_vjp(prim, tangents: tuple, result, args: tuple, params: dict, batch_ndim: int = 0):
    """Forward rule from the reverse one: ``J t = d/dg Re<vjp(g), t>`` (vjp is linear in g).

    ``g`` is a zero cotangent with the tangents' leading batch dimensions, so a
    batchable VJP rule transposes a whole batch of tangents in one small sweep.
    """
    outs = result if isinstance(result, tuple) else (result,)
    batch = next(t for t in tangents if t is not None).shape[:batch_ndim]
    gs = [Tensor._wrap(np.zeros(batch + o.shape, o.dtype)) for o in outs]
    g = tuple(gs) if isinstance(result, tuple) else gs[0]
    ans = result
    with GradientTape() as tape:
        tape.watch(gs)
        total = None
        cotangents = None
        if prim.vjp is not None:
            cotangents = prim.vjp(g, ans, *args, **params)
            if not isinstance(cotangents, (tuple, list)):
                cotangents = (cotangents,)
        for i, t in enumerate(tangents):
            if t is None:
                continue
            if cotangents is not None:
                c = cotangents[i]
            else:
                rule = prim.vjps[i]
                c = None if rule is None else rule(g, ans, *args, **params)
            if c is None:
                continue
            c = ops.sum_to_shape(densify(c), t.shape, batch_ndim)
            term = ops.reduce_sum(ops.multiply(c, ops.conj(t)), None)
            total = term if total is None else ops.add(total, term)
        if total is not None and total.dtype.kind == "c":
            total = ops.real(total)  # recorded: the real part is what gets differentiated
    if total is None:
        return tuple(None for _ in outs) if isinstance(result, tuple) else None
    found = reverse_sweep(tape._entries, {total._id: ops.ones_like(total)}, {g._id for g in gs})
    grads = [densify(found[g._id]) if g._id in found else None for g in gs]
    return tuple(grads) if isinstance(result, tuple) else grads[0]
