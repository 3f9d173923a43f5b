"""The reverse sweep: pruning, calling VJP rules, unbroadcasting, accumulating.

Given tape entries (in recording order), seed cotangents for the targets and
the ids of the sources, walk the entries that lie between them in reverse and
return the accumulated cotangent of every source. Rule outputs are tapegrad
tensors, so an outer tape that is recording sees the whole sweep and can
differentiate it again.

Batched sweeps (Jacobians) carry ``batch_ndim`` extra leading dimensions on
every cotangent. Broadcasting is undone here, and only here, for every rule.

A non-persistent tape sweeps once, so it asks the sweep to ``release`` each
entry's saved values as soon as its rule has run (when no other tape shares
the entry: TensorFlow's usage counts); the peak memory of ``gradient()`` then
falls as the sweep goes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import events
from .batching import over_batch, unstack_batch
from .engine_ops import ops
from .indexed_slices import IndexedSlices, add_cotangents, densify
from .tensor import Tensor

__all__ = ["reverse_sweep", "relevant_entries", "unbroadcast"]


def relevant_entries(entries: Iterable, source_ids: set) -> tuple[list, set]:
    """The entries a gradient flows through from a source, and every id it reaches.

    An op connects its outputs to an input only through a derivative rule: a
    non-differentiable op, or an input whose per-input rule is None, stops the flow.
    """
    reach = set(source_ids)
    relevant = []
    for entry in entries:
        prim = entry.prim
        if not prim.differentiable:
            continue
        ids = entry.input_ids
        for i in ids:
            if i in reach:
                break
        else:
            continue
        rules = prim.vjps  # None: one rule for all inputs
        if rules is not None and None in rules:  # rare: look at the inputs with a rule only
            if not any(r is not None and i in reach for i, r in zip(ids, rules)):
                continue
        relevant.append(entry)
        reach.update(entry.output_ids)
    return relevant, reach


def unbroadcast(c: Tensor, shape: tuple, batch_ndim: int = 0) -> Tensor:
    """Sum ``c`` down to ``batch + shape``: undoes NumPy broadcasting of an input."""
    cshape = c._value.shape
    if cshape[batch_ndim:] == shape:
        return c
    return ops.sum_to_shape(c, cshape[:batch_ndim] + tuple(shape), batch_ndim)


def reverse_sweep(
    entries: Iterable,
    seeds: dict,
    source_ids: set,
    batch_ndim: int = 0,
    release: bool = False,
) -> dict:
    """Cotangents of ``source_ids`` given cotangents ``seeds`` (id -> Tensor) of the targets."""
    relevant, reach = relevant_entries(entries, source_ids)
    grads: dict = dict(seeds)
    observed = bool(events.rule_running)  # anomaly mode wants to know which rule runs
    for entry in reversed(relevant):
        if observed:
            events.rule_running.emit("vjp", entry, True)
        try:  # (free in Python 3.11+ unless it raises)
            prim = entry.prim
            out_ids = entry.output_ids
            if prim.multiple_results:  # a tuple of cotangents, even for a single output
                g = _output_cotangents(grads, out_ids, entry.output_meta, source_ids, batch_ndim)
                if g is None:
                    continue
            else:
                oid = out_ids[0]
                g = grads.get(oid)
                if g is None:
                    continue
                if oid not in source_ids:
                    del grads[oid]  # used once: free it as soon as possible
                if g.__class__ is not Tensor and not prim.sparse_vjp:
                    g = densify(g)
            input_ids = entry.input_ids
            inputs = entry.inputs
            vjps = prim.vjps
            if batch_ndim and not prim.batchable:
                wanted = [i is not None and i in reach for i in input_ids]
                cotangents = _looped_vjp(entry, g, wanted, batch_ndim)
            elif vjps is None:
                wanted = [i is not None and i in reach for i in input_ids]
                cotangents = _call_vjp(entry, g, wanted) if True in wanted else []
            else:
                cotangents = None
            ans = entry.ans
            params = entry.params
            for k, input_id in enumerate(input_ids):
                if input_id is None or input_id not in reach:
                    continue
                if cotangents is None:  # one rule per input: ask only for the inputs needed
                    rule = vjps[k]
                    if rule is None:
                        continue
                    c = rule(g, ans, *inputs, **params) if params else rule(g, ans, *inputs)
                else:
                    c = cotangents[k]
                if c is None:
                    continue
                if c.__class__ is Tensor:
                    cshape = c._value.shape
                    x = inputs[k]  # a Tensor, or an InputSpec (whose _value is None)
                    shape = (x if x._value is None else x._value).shape
                    if (cshape[batch_ndim:] if batch_ndim else cshape) != shape:
                        c = unbroadcast(c, shape, batch_ndim)
                previous = grads.get(input_id)
                grads[input_id] = c if previous is None else add_cotangents(previous, c)
        finally:
            if observed:
                events.rule_running.emit("vjp", entry, False)
            if release:
                entry.release()
    return {i: grads[i] for i in source_ids if i in grads}


def _output_cotangents(grads, out_ids, meta, source_ids, batch_ndim) -> tuple | None:
    """Cotangents of a multi-output op's outputs: zeros where none arrived; None if none did."""
    present = [grads.get(o) for o in out_ids]
    first = next((p for p in present if p is not None), None)
    if first is None:
        return None
    batch = ()
    if batch_ndim:
        values = first.values if isinstance(first, IndexedSlices) else first
        batch = values._value.shape[:batch_ndim]
    for o in out_ids:
        if o in grads and o not in source_ids:
            del grads[o]
    return tuple(
        ops.zeros(batch + tuple(shape), dtype, first) if p is None else densify(p)
        for p, (shape, dtype) in zip(present, meta)
    )


def _call_vjp(entry, g: Any, wanted: list) -> list:
    """Run the op's VJP rule(s) for the wanted inputs; one cotangent (or None) per input."""
    prim = entry.prim
    ans = entry.ans
    inputs = entry.inputs
    params = entry.params
    if prim.vjp is not None:
        result = prim.vjp(g, ans, *inputs, **params)
        if not isinstance(result, (tuple, list)):
            result = (result,)
        if len(result) != len(inputs):
            raise RuntimeError(
                f"The VJP rule of {prim.name} returned {len(result)} cotangents for "
                f"{len(inputs)} inputs."
            )
        return list(result)
    return [
        rule(g, ans, *inputs, **params) if (want and rule is not None) else None
        for rule, want in zip(prim.vjps, wanted)
    ]


def _looped_vjp(entry, g: Any, wanted: list, batch_ndim: int) -> list:
    """A rule that cannot batch: run it on each element of the batch, then stack."""
    gs = g if isinstance(g, tuple) else (g,)
    batch_shape = gs[0].shape[:batch_ndim]
    elements = [unstack_batch(x, batch_ndim) for x in gs]
    shapes = [tuple(x.shape) for x in entry.inputs]

    def one(k: int) -> list:
        gk = tuple(e[k] for e in elements) if isinstance(g, tuple) else elements[0][k]
        cotangents = _call_vjp(entry, gk, wanted)
        return [None if c is None else unbroadcast(densify(c), shape)
                for c, shape in zip(cotangents, shapes)]

    count = len(elements[0])
    return over_batch(one, len(wanted), count, batch_shape)
