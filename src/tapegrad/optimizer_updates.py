"""The op of one optimizer step (Optimizer's NumPy update rule as a primitive), and the
helpers of ``apply_gradients``.

As TensorFlow's fused ``ResourceApplyAdam`` (and friends), one op computes a
variable's new value and new state from the gradient; ``Optimizer._apply`` then
assigns them. Being an op, it is recorded by ``tapegrad.function``, so a compiled
training step runs the update on every call with the Variables' current values.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ._core.indexed_slices import IndexedSlices
from ._core.primitive import Primitive
from ._core.tensor import Tensor
from ._core.variable import Variable

__all__ = ["update_p", "sparse_update_p", "learning_rate_p", "summed_rows"]


def _update_impl(p, g, step, lr, *slots, optimizer, names, indices_of=None):
    """One optimizer step on arrays: (new value, new step, new slots...)."""
    lr = float(lr)  # (a Python float, as the formulas were written for: NumPy keeps p's dtype)
    state = dict(zip(names, slots))
    state["step"] = int(step)
    p = np.asarray(p)
    if indices_of is None:
        new = optimizer._dense_update(p, np.asarray(g), state, lr)
    else:  # ``g`` is (values, indices) of IndexedSlices: the named rows only
        state = {k: (v if k == "step" else np.array(v)) for k, v in state.items()}
        values, indices = g
        rows, summed = summed_rows(optimizer.name, p, np.asarray(values), indices, indices_of)
        new = optimizer._sparse_update(p, rows, summed, state, lr)
    return (new, np.int64(state["step"]), *[state[n] for n in names])


def _dense_impl(p, g, step, lr, *slots, **params):
    return _update_impl(p, g, step, lr, *slots, **params)


def _sparse_impl(p, values, indices, step, lr, *slots, **params):
    return _update_impl(p, (values, indices), step, lr, *slots, **params)


update_p = Primitive("optimizer_update", _dense_impl, same_dtype=False, differentiable=False,
                     multiple_results=True)
learning_rate_p = Primitive(  # a schedule's value at ``step`` (float64)
    "learning_rate", lambda step, *, optimizer: np.float64(optimizer._scheduled(int(step))),
    differentiable=False)
sparse_update_p = Primitive("optimizer_sparse_update", _sparse_impl, same_dtype=False,
                            differentiable=False, multiple_results=True)


def summed_rows(name: str, p: np.ndarray, values: np.ndarray, indices: Any, where: tuple) -> tuple:
    """(unique rows, summed row values) of an IndexedSlices gradient."""
    indices = np.asarray(indices).astype(np.int64).reshape(-1)
    if indices.size and (indices.min() < 0 or indices.max() >= p.shape[0]):
        raise ValueError(
            f"optimizer_sparse_update: {name}: the IndexedSlices gradient {where[0]} "
            f"has indices outside [0, {p.shape[0]}) for {where[1]}."
        )
    rows, inverse = np.unique(indices, return_inverse=True)
    summed = np.zeros((rows.size,) + p.shape[1:], p.dtype)
    np.add.at(summed, inverse, values)
    return rows, summed


def _zip_lengths(pairs: Any) -> tuple[int, int] | None:
    """The lengths of a ``zip(grads, vars)``'s two sequences, when both are known."""
    if type(pairs) is not zip:
        return None
    iterators = pairs.__reduce__()[1]
    if len(iterators) != 2:
        return None
    lengths = [operator.length_hint(it, -1) for it in iterators]
    if min(lengths) < 0:
        return None
    return lengths[0], lengths[1]


def _computed(pairs: list) -> list:
    """The step's lazy (Dask) gradients and variable values, computed in one ``dask.compute``.

    One pass over the data gives every gradient (computing them one by one would read the
    data once per variable); the update itself runs on the computed NumPy values.
    """
    lazy: dict = {}
    for k, (g, v) in enumerate(pairs):
        parts = (g.values, g.indices) if isinstance(g, IndexedSlices) else (g,)
        for j, part in enumerate((*parts, v)):
            raw = part._value if isinstance(part, Tensor) else part
            if hasattr(raw, "dask") and hasattr(raw, "compute"):
                lazy[k, j] = raw
    if not lazy:
        return pairs
    import dask

    done = dict(zip(lazy, dask.compute(*lazy.values())))
    out = []
    for k, (g, v) in enumerate(pairs):
        if isinstance(g, IndexedSlices):
            g = IndexedSlices(done.get((k, 0), g.values), done.get((k, 1), g.indices),
                              g.dense_shape)
            position = 2
        else:
            g, position = done.get((k, 0), g), 1
        if (k, position) in done and isinstance(v, Variable):
            v.assign(done[k, position])
        out.append((g, v))
    return out
