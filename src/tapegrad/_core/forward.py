"""Forward mode: ForwardAccumulator pushes tangents through ops as they run.

While an accumulator is active, ``Primitive.bind`` hands it every op; if an
input has a tangent, the op's JVP rule computes the output's tangent. Rules
are tapegrad ops, so an enclosing GradientTape records the tangent
computation (reverse-over-forward), and an accumulator around a tape's
``gradient`` call sees the backward ops (forward-over-reverse: Hessian-vector
products). While its own rule runs, an accumulator is paused, so it does not
differentiate its own arithmetic.

Ops without a JVP rule get one by transposing their (linear in ``g``) VJP:
exact, at the price of a small extra sweep.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import nest
from .state import hooks, state
from .tensor import Tensor, Variable, convert_to_tensor

__all__ = ["ForwardAccumulator", "jvp_from_vjp"]


class ForwardAccumulator:
    """Compute Jacobian-vector products with forward mode (TensorFlow's API).

    >>> import tapegrad as tg
    >>> x = tg.constant(3.0)
    >>> with tg.autodiff.ForwardAccumulator(x, tg.constant(1.0)) as acc:
    ...     y = x * x
    >>> acc.jvp(y).numpy()
    np.float32(6.0)
    """

    def __init__(self, primals: Any, tangents: Any, batch_ndim: int = 0):
        flat_p, def_p = nest.flatten(primals)
        flat_t, def_t = nest.flatten(tangents)
        if len(flat_p) != len(flat_t):
            raise ValueError(
                f"ForwardAccumulator: got {len(flat_p)} primals but {len(flat_t)} tangents; give "
                "one tangent per primal, in the same structure."
            )
        self._tangents: dict = {}
        self._batch_ndim = batch_ndim
        self._primals = flat_p  # keep them alive: ids are only unique while they live
        for i, (p, t) in enumerate(zip(flat_p, flat_t)):
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"ForwardAccumulator: primal {i} must be a Tensor or Variable, got "
                    f"{type(p).__name__}. Convert it with tapegrad.constant first."
                )
            tangent = convert_to_tensor(t, dtype_hint=p.dtype)
            if tangent.dtype != p.dtype:
                raise TypeError(
                    f"ForwardAccumulator: tangent {i} has dtype {tangent.dtype.name} but its "
                    f"primal has dtype {p.dtype.name}."
                )
            if tangent.shape[batch_ndim:] != p.shape:
                raise ValueError(
                    f"ForwardAccumulator: tangent {i} has shape {tangent.shape} but its primal "
                    f"has shape {p.shape}; they must match."
                )
            if p.dtype.kind in "fc":
                self._tangents[p._id] = tangent
        self._active = False

    def __enter__(self) -> ForwardAccumulator:
        state.accumulators.append(self)
        self._active = True
        return self

    def __exit__(self, *exc: Any) -> None:
        accs = state.accumulators
        for i in range(len(accs) - 1, -1, -1):
            if accs[i] is self:
                del accs[i]
                break
        self._active = False

    def jvp(self, primals: Any, unconnected_gradients: Any = "none") -> Any:
        """The tangent of each of ``primals`` (a nest), None where unconnected."""
        policy = getattr(unconnected_gradients, "value", unconnected_gradients)
        flat, treedef = nest.flatten(primals)
        out = []
        for p in flat:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"ForwardAccumulator.jvp: expected Tensors, got {type(p).__name__}."
                )
            t = self._tangents.get(p._id)
            if t is None and policy == "zero":
                shape = () if not self._batch_ndim else self._batch_shape()
                t = hooks.zeros(shape + p.shape, p.dtype)
            out.append(t)
        return nest.unflatten(treedef, out)

    def _batch_shape(self) -> tuple:
        for t in self._tangents.values():
            return t.shape[: self._batch_ndim]
        return ()

    # --- called by Primitive.bind -------------------------------------------------
    def _propagate(self, prim: Any, args: tuple, result: Any, params: dict) -> None:
        tangents_by_id = self._tangents
        tangents = [tangents_by_id.get(a._id) if a._value.dtype.kind in "fc" else None
                    for a in args]
        if all(t is None for t in tangents):
            return
        if not prim.differentiable:
            return
        accs = state.accumulators
        position = next((i for i in range(len(accs)) if accs[i] is self), None)
        if position is not None:
            del accs[position]  # pause: the rule's own ops are not differentiated by us
        try:
            out = _apply_jvp(prim, tuple(tangents), result, args, params, self._batch_ndim)
        finally:
            if position is not None:
                accs.insert(position, self)
        if prim.multiple_results:
            for r, t in zip(result, out):
                if t is not None:
                    tangents_by_id[r._id] = t
        elif out is not None:
            tangents_by_id[result._id] = out


def _apply_jvp(prim, tangents: tuple, result, args: tuple, params: dict, batch_ndim: int):
    snapshot_args = tuple(_snapshot(a) for a in args)
    if batch_ndim and (not prim.batchable or prim.jvp is None):
        return _looped_jvp(prim, tangents, result, snapshot_args, params, batch_ndim)
    if prim.jvp is not None:
        out = prim.jvp(tangents, result, *snapshot_args, **params)
    else:
        out = jvp_from_vjp(prim, tangents, result, snapshot_args, params)
    return _fit_tangent(out, result, batch_ndim)


def _snapshot(a: Tensor) -> Tensor:
    if isinstance(a, Variable):
        snap = object.__new__(Tensor)
        snap._value = a._value
        snap._id = a._id
        return snap
    return a


def _fit_tangent(out: Any, result: Any, batch_ndim: int) -> Any:
    """Broadcast a rule's tangent to the output shape (rules may return broadcastable ones)."""
    if isinstance(result, tuple):
        return tuple(_fit_tangent(o, r, batch_ndim) for o, r in zip(out, result))
    if out is None:
        return None
    if out.shape[batch_ndim:] != result.shape or out.ndim < batch_ndim + result.ndim:
        lead = out.shape[:batch_ndim] if out.ndim >= batch_ndim + result.ndim else ()
        if batch_ndim and not lead:
            lead = out.shape[: max(0, out.ndim - result.ndim)]
        out = hooks.broadcast_to(out, tuple(lead) + result.shape)
    if out.dtype != result.dtype and result.dtype.kind in "fc":
        out = hooks.cast(out, result.dtype)
    return out


def _looped_jvp(prim, tangents, result, args, params, batch_ndim):
    present = [t for t in tangents if t is not None]
    batch_shape = present[0].shape[:batch_ndim]
    n = int(np.prod(batch_shape, dtype=np.int64))
    flat = [None if t is None else hooks.reshape(t, (n,) + t.shape[batch_ndim:])
            for t in tangents]
    slices = []
    for k in range(n):
        tk = tuple(None if t is None else t[k] for t in flat)
        slices.append(_apply_jvp(prim, tk, result, args, params, 0))

    def restack(items, like):
        if all(i is None for i in items):
            return None
        items = [hooks.zeros_like(like) if i is None else i for i in items]
        return hooks.reshape(hooks.stack(items), batch_shape + like.shape)

    if isinstance(result, tuple):
        return tuple(restack([s[j] for s in slices], r) for j, r in enumerate(result))
    return restack(slices, result)


def jvp_from_vjp(prim, tangents: tuple, result, args: tuple, params: dict):
    """Forward rule from the reverse one: ``jvp(t) = d/dg <vjp(g), t>`` (vjp is linear in g)."""
    from .tape import GradientTape

    outs = result if isinstance(result, tuple) else (result,)
    gs = [Tensor._wrap(np.zeros(o.shape, o.dtype)) for o in outs]
    g = tuple(gs) if isinstance(result, tuple) else gs[0]
    entry_inputs = args
    ans = result if prim.save_ans else None
    with GradientTape() as tape:
        for gi in gs:
            tape.watch(gi)
        total = None
        for i, t in enumerate(tangents):
            if t is None:
                continue
            if prim.vjp is not None:
                c = prim.vjp(g, ans, *entry_inputs, **params)[i]
            else:
                rule = prim.vjps[i]
                c = None if rule is None else rule(g, ans, *entry_inputs, **params)
            if c is None:
                continue
            c = hooks.sum_to_shape(hooks.convert_dense(c), t.shape, 0)
            term = hooks.reduce_sum(hooks.multiply(c, t), None)
            total = term if total is None else hooks.add(total, term)
    if total is None:
        return None
    grads = tape.gradient(total, gs)
    if isinstance(result, tuple):
        return tuple(grads)
    return grads[0]
