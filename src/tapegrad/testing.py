"""Numerical gradient checks: the oracle every op's rules are tested against.

``check_gradients(f, inputs, order=2)`` compares, for random directions,
reverse mode (``<u, J v>`` from a VJP) and forward mode (from a JVP) against
central finite differences in float64, one input at a time so a failure
names the input. Order 2 checks the VJP and JVP functions themselves the same
way (reverse-over-reverse, forward-over-reverse, and so on).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._core import nest
from ._core.tensor import Tensor, convert_to_tensor
from .forward_mode import ForwardAccumulator
from .tape import GradientTape

__all__ = ["check_gradients", "numerical_jvp"]

EPS = 1e-6
RTOL = 1e-5
ATOL = 1e-6


def _as_float64(x: Any) -> Tensor:
    array = np.asarray(x.numpy() if isinstance(x, Tensor) else x)
    if array.dtype.kind == "c":
        return Tensor._wrap(array.astype(np.complex128))
    return Tensor._wrap(np.array(array, dtype=np.float64))


def _flat_outputs(f: Callable, xs: Sequence[Tensor]) -> list:
    leaves, _ = nest.flatten(f(*xs))
    out = []
    for leaf in leaves:
        if leaf is None:
            continue
        t = convert_to_tensor(leaf)
        if t.dtype.kind in "fc":
            out.append(t)
    return out


def numerical_jvp(f: Callable, xs: Sequence[Tensor], index: int, v: np.ndarray, eps: float) -> list:
    """Central difference of ``f``'s float outputs along ``v`` on input ``index``."""

    def shifted(sign: float) -> list:
        moved = list(xs)
        moved[index] = Tensor._wrap(xs[index]._value + sign * eps * v)
        return [o._value for o in _flat_outputs(f, moved)]

    plus, minus = shifted(1.0), shifted(-1.0)
    return [(p - m) / (2 * eps) for p, m in zip(plus, minus)]


def _inner(a: Any, b: Any) -> float:
    return float(np.real(np.sum(np.asarray(a) * np.conj(np.asarray(b)))))


def _random_like(rng: np.random.Generator, t: Tensor) -> np.ndarray:
    v = rng.standard_normal(t.shape)
    if t.dtype.kind == "c":
        v = v + 1j * rng.standard_normal(t.shape)
    return np.asarray(v, dtype=t.dtype)


def _vjp_function(f: Callable, n_inputs: int) -> Callable:
    """``(x..., u...) -> VJP_u(x)``: the function order-2 reverse checks differentiate."""

    def vjp_fn(*args: Tensor) -> list:
        xs, us = list(args[:n_inputs]), list(args[n_inputs:])
        with GradientTape(persistent=False) as tape:
            tape.watch(xs)
            ys = _flat_outputs(f, xs)
        grads = tape.gradient(ys, xs, output_gradients=us, unconnected_gradients="zero")
        return [convert_to_tensor(g) for g in grads]

    return vjp_fn


def _jvp_function(f: Callable, n_inputs: int) -> Callable:
    """``(x..., v...) -> JVP_v(x)``: the function order-2 forward checks differentiate."""

    def jvp_fn(*args: Tensor) -> list:
        xs, vs = list(args[:n_inputs]), list(args[n_inputs:])
        with ForwardAccumulator(xs, vs) as acc:
            ys = _flat_outputs(f, xs)
        return acc.jvp(ys, unconnected_gradients="zero")

    return jvp_fn


def check_gradients(
    f: Callable,
    inputs: Sequence[Any],
    order: int = 2,
    modes: Sequence[str] = ("rev", "fwd"),
    eps: float = EPS,
    rtol: float = RTOL,
    atol: float = ATOL,
    seed: int = 0,
) -> None:
    """Check ``f``'s derivatives against finite differences in float64.

    ``f`` is called as ``f(*inputs)`` and may return a tensor or a nest of them.
    Returns None when every check passes; raises ``AssertionError`` naming the
    input, the order, the mode and the mismatch otherwise.

    >>> import tapegrad as tg
    >>> tg.testing.check_gradients(lambda x: tg.sin(x) * x, [[0.5, 1.5]], order=2)
    """
    xs = [_as_float64(x) for x in inputs]
    rng = np.random.default_rng(seed)
    _check(f, xs, order, tuple(modes), eps, rtol, atol, rng, level=1)


def _check(f, xs, order, modes, eps, rtol, atol, rng, level) -> None:
    ys = _flat_outputs(f, xs)
    if not ys:
        return
    us = [_random_like(rng, y) for y in ys]
    for index, x in enumerate(xs):
        if x.dtype.kind not in "fc" or x.size == 0:
            continue
        v = _random_like(rng, x)
        numeric = numerical_jvp(f, xs, index, v, eps)
        expected = sum(_inner(u, n) for u, n in zip(us, numeric))
        if "rev" in modes:
            with GradientTape() as tape:
                tape.watch(xs)
                outs = _flat_outputs(f, xs)
            grads = tape.gradient(outs, xs[index], output_gradients=[Tensor._wrap(u) for u in us])
            got = 0.0 if grads is None else _inner(convert_to_tensor(grads)._value, v)
            _compare(got, expected, "reverse", index, level, rtol, atol, x)
        if "fwd" in modes:
            tangents = [Tensor._wrap(np.zeros_like(x_._value)) for x_ in xs]
            tangents[index] = Tensor._wrap(v)
            with ForwardAccumulator(xs, tangents) as acc:
                outs = _flat_outputs(f, xs)
            jvps = acc.jvp(outs, unconnected_gradients="zero")
            got = sum(_inner(u, t._value) for u, t in zip(us, jvps))
            _compare(got, expected, "forward", index, level, rtol, atol, x)
    if order > 1:
        u_tensors = [Tensor._wrap(u) for u in us]
        if "rev" in modes:
            _check(_vjp_function(f, len(xs)), xs + u_tensors, order - 1, modes, eps, rtol, atol,
                   rng, level + 1)
        if "fwd" in modes:
            v_tensors = [Tensor._wrap(_random_like(rng, x)) for x in xs]
            _check(_jvp_function(f, len(xs)), xs + v_tensors, order - 1, modes, eps, rtol, atol,
                   rng, level + 1)


def _compare(got, expected, mode, index, level, rtol, atol, x) -> None:
    if not np.isfinite(got) and not np.isfinite(expected):
        return
    if abs(got - expected) > atol + rtol * max(abs(expected), abs(got)):
        raise AssertionError(
            f"check_gradients: {mode}-mode derivative of order {level} disagrees with finite "
            f"differences for input {index} (shape {x.shape}): rule gives {got:.10g}, "
            f"numerical {expected:.10g} (difference {abs(got - expected):.3g})."
        )
