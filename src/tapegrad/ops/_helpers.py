"""Helpers that declare the common shapes of derivative rules once.

* :func:`elementwise` builds a unary op from its derivative ``f'(x)``:
  VJP ``g * f'(x)``, JVP ``t * f'(x)``.
* :func:`nondifferentiable` builds an op without gradient (comparisons,
  argmax, rounding): tapes record it so explanations can name it, but no
  gradient flows through it.
* :func:`normalize_axes` turns TensorFlow's ``axis`` argument into a tuple
  of *negative* axes, which stay correct when rules see extra leading batch
  dimensions on cotangents and tangents.
* :func:`lead` is the number of those leading batch dimensions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core.primitive import Primitive
from .._core.tensor import Tensor, convert_to_tensor

__all__ = [
    "elementwise",
    "nondifferentiable",
    "normalize_axes",
    "normalize_axis",
    "lead",
    "as_tensor",
    "add_tangents",
    "conj",
]


def add_tangents(a: Any, b: Any) -> Any:
    """Sum of two optional tangents (None means zero)."""
    if a is None:
        return b
    return a if b is None else a + b


def conj(t: Tensor) -> Tensor:
    """``conj(t)`` for complex tensors, ``t`` itself for real ones (no op recorded).

    Complex cotangents use the conjugate of the partial derivatives, as TensorFlow.
    """
    if t.dtype.kind != "c":
        return t
    from .unary import conj_p

    return conj_p.bind(t)


def as_tensor(x: Any, dtype: Any = None) -> Tensor:
    """Convert a public function's argument to a Tensor."""
    return convert_to_tensor(x, dtype=dtype)


def lead(g: Any, ndim: int) -> int:
    """How many leading batch dimensions ``g`` carries beyond ``ndim``."""
    return len(g.shape) - ndim


def normalize_axis(axis: Any, ndim: int, op: str) -> int:
    """One axis as a negative int, with a clear error when out of range."""
    try:
        a = int(axis)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: axis must be an integer, got {axis!r}.") from None
    if not -ndim <= a < max(ndim, 1) or (ndim == 0 and a not in (0, -1)):
        raise ValueError(
            f"{op}: axis {a} is out of range for a tensor of rank {ndim} (valid: "
            f"{-ndim} to {ndim - 1})."
        )
    return a - ndim if a >= 0 else a


def normalize_axes(axis: Any, ndim: int, op: str) -> tuple:
    """TensorFlow's ``axis`` (None, int, list, tensor) as a sorted tuple of negative axes."""
    if axis is None:
        return tuple(range(-ndim, 0))
    if isinstance(axis, Tensor):
        axis = axis.numpy().tolist()
    if isinstance(axis, np.ndarray):
        axis = axis.tolist()
    if isinstance(axis, (list, tuple)):
        axes = tuple(sorted({normalize_axis(a, ndim, op) for a in axis}))
        if len(axes) != len(axis):
            raise ValueError(f"{op}: axis {list(axis)} names the same axis twice.")
        return axes
    return (normalize_axis(axis, ndim, op),)


def elementwise(
    name: str,
    fn: Callable,
    derivative: Callable,
    *,
    uses: str = "x",
    dtypes: str | None = "fc",
    fused: Primitive | None = None,
) -> Primitive:
    """A unary elementwise op from its derivative.

    ``derivative(x, ans)`` returns ``f'(x)`` as a tensor; ``uses`` says which of
    ``x`` and ``ans`` it reads (``"x"``, ``"ans"`` or ``"x,ans"``), so the tape
    keeps only those. ``fused(ans, g)``, if given (``uses`` then names ``ans``),
    computes ``g * conj(f')`` in one op for the dtypes it takes (TensorFlow's
    TanhGrad, SqrtGrad, ...): one backward op, not three, with the fused op's value
    where ``g`` is 0. The JVP is then the fused op's VJP in ``g`` (its transpose), as
    TensorFlow's forward mode computes it.
    """
    save_x = "x" in uses.split(",")
    save_ans = "ans" in uses.split(",")
    fused_kinds = fused.dtypes if fused is not None else None  # fused ops declare their dtypes

    def vjp(g, ans, x):
        if fused_kinds is not None and ans.dtype.kind in fused_kinds:
            return fused.bind(ans, g)
        return g * conj(derivative(x, ans))  # complex: g * conj(f'(x)), TensorFlow's convention

    def jvp(tangents, ans, x):
        if fused_kinds is not None and ans.dtype.kind in fused_kinds:
            return fused.vjps[1](tangents[0], None, ans, None)
        return tangents[0] * derivative(x, ans)

    return Primitive(
        name,
        fn,
        vjps=(vjp,),
        jvp=jvp,
        save_inputs=(0,) if save_x else (),
        save_ans=save_ans,
        dtypes=dtypes,
    )


def nondifferentiable(
    name: str, fn: Callable, *, same_dtype: bool = True, dtypes: str | None = None
) -> Primitive:
    """An op with no gradient (its output's gradient stops here, as in TensorFlow)."""
    return Primitive(
        name,
        fn,
        save_inputs=(),
        same_dtype=same_dtype,
        dtypes=dtypes,
        differentiable=False,
    )
