"""The rule language: how an op declares its derivatives, once, next to its forward function.

A primitive is declared as ``Primitive(name, impl, vjps=..., jvps=..., reads=...)``:

``impl(*arrays, **params)``
    The forward computation on arrays (NumPy, or any array library through
    the namespace lookup). Inputs are the op's tensors in order; ``params``
    are its non-tensor arguments (axes, shapes, flags), passed by keyword.

``vjps=(vjp_0, vjp_1, ...)``: one reverse rule per input
    ``vjp_i(g, ans, *inputs, **params)`` returns the cotangent of input ``i``
    given the cotangent ``g`` of the output (a tuple of cotangents for ops
    with several outputs; outputs that received none get zeros). ``ans`` is
    the output, ``inputs`` the op's inputs. The engine asks only for the
    inputs that lead to a source, and undoes broadcasting itself: a rule may
    return a cotangent of the output's (broadcast) shape. ``vjp_i = None``
    means input ``i`` has no gradient (an index, a mask); a rule returning
    ``None`` means a zero cotangent. ``vjp=`` instead gives one rule returning
    all cotangents at once, for ops whose inputs share the work.

``jvps=(jvp_0, jvp_1, ...)``: one forward rule per input
    ``jvp_i(t, ans, *inputs, **params)`` returns the output tangent's term from
    input ``i``'s tangent ``t``. The engine calls only the rules of inputs that
    have a tangent and adds the terms, so no rule handles a missing tangent.
    ``jvp=`` instead gives one rule for all, ``jvp(tangents, ans, *inputs,
    **params)`` with ``None`` for inputs without a tangent. Without either,
    the engine transposes the VJP (exact, costs a small extra sweep).

``reads=(reads_0, reads_1, ...)``: what each input's reverse rule reads
    ``reads_i`` is a tuple of input positions and :data:`ANS` (the output).
    The tape saves exactly the values the rules of the inputs it tracks
    read, frozen; every other input reaches the rules as an ``InputSpec``
    (``.shape``, ``.dtype``, ``.ndim`` only), and ``ans`` is ``None`` unless
    read. ``x * 0.5`` saves 0.5, not ``x``. With ``vjp=``, ``reads`` is one
    tuple for the joint rule. Forward rules run while every value is alive,
    so they need no declaration.

Leading batch dimensions
    Jacobians push a whole batch of cotangents (or tangents) through one
    sweep: ``g`` and ``t`` may carry extra *leading* dimensions beyond the
    output's (inputs') rank. Rules written with negative axes and
    broadcasting work unchanged; ``lead(g, ndim)`` says how many there are.
    A rule that cannot batch declares ``batchable=False`` and the engine
    loops over the batch (``_core/batching.py``).

Rules are written with tapegrad ops, never raw NumPy, so they are
recorded by an outer tape (higher derivatives) and traced by
``tapegrad.function``. Names: ``x, y`` inputs, ``ans`` output, ``g``
cotangent, ``t`` tangent.

The helpers below say the common shapes once:

* :func:`elementwise`: a unary op from its derivative ``f'(x, ans)``.
* :func:`linear`: an op linear in its inputs, whose JVP is the op itself.
* :func:`nondifferentiable`: recorded (explanations name it), no gradient.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.primitive import ANS, INPUTS, Primitive
from .._core.tensor import Tensor, convert_to_tensor
from ._args import read_values
from .casting import conj_p

__all__ = [
    "ANS",
    "INPUTS",
    "elementwise",
    "linear",
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
    try:  # (a Tensor's dtype read off its value: this runs in every complex-aware rule)
        kind = t._value.dtype.kind if t.__class__ is Tensor else t.dtype.kind
    except AttributeError:  # a library with dtype objects of its own (array-api-strict)
        kind = t.dtype.kind
    return conj_p.bind(t) if kind == "c" else t


def as_tensor(x: Any, dtype: Any = None) -> Tensor:
    """Convert a public function's argument to a Tensor."""
    return convert_to_tensor(x, dtype=dtype)


def shape_of(x: Any) -> tuple:
    """The shape of a Tensor, InputSpec or IndexedSlices as a plain tuple.

    Rules run once per op: the array's shape, not ``Tensor.shape`` (a TensorShape for users).
    """
    value = getattr(x, "_value", None)
    return (x if value is None else value).shape


def lead(g: Any, ndim: int) -> int:
    """How many leading batch dimensions ``g`` carries beyond ``ndim``."""
    return len(shape_of(g)) - ndim


def normalize_axis(axis: Any, ndim: int, op: str) -> int:
    """One axis as a negative int, with a clear error when out of range."""
    try:
        a = int(axis)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: axis must be an integer, got {axis!r}.") from None
    if not -ndim <= a < max(ndim, 1) or (ndim == 0 and a not in (0, -1)):
        raise InvalidArgumentError(
            f"{op}: axis {a} is out of range for a tensor of rank {ndim} (valid: "
            f"{-ndim} to {ndim - 1})."
        )
    return a - ndim if a >= 0 else a


def normalize_axes(axis: Any, ndim: int, op: str, *, shape: Any = None,
                   bools: bool = False) -> tuple:
    """TensorFlow's ``axis`` (None, an int, a list or tensor of ints) as a sorted tuple of
    distinct negative axes; None means every axis.

    ``shape``, if given, is named in the error for an axis out of range; ``bools`` accepts
    True/False as axes 1/0 (as TensorFlow's moments does).
    """
    if axis is None:
        return tuple(range(-ndim, 0))
    if isinstance(axis, Tensor):
        axis = read_values(axis)  # (a compiled function guards the axes it was traced with)
    if isinstance(axis, (np.ndarray, np.generic)):
        if axis.dtype.kind not in ("iub" if bools else "iu"):
            raise TypeError(f"{op}: axis must hold integers, got dtype {axis.dtype.name}.")
        axis = axis.tolist()
    items = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    negative = []
    for a in items:
        if not isinstance(a, (int, np.integer)) or (isinstance(a, bool) and not bools):
            raise TypeError(f"{op}: axis must be an int or a list of ints, got {axis!r}.")
        if not -ndim <= a < ndim:
            valid = f"{-ndim} to {ndim - 1}" if ndim else "none, the tensor is a scalar"
            where = "" if shape is None else f"shape {tuple(shape)}; "
            raise InvalidArgumentError(
                f"{op}: axis {int(a)} is out of range for a tensor of rank {ndim} "
                f"({where}valid axes: {valid})."
            )
        negative.append(int(a) - ndim if a >= 0 else int(a))
    if len(set(negative)) != len(negative):
        raise InvalidArgumentError(
            f"{op}: axis {[int(a) for a in items]} names the same dimension twice "
            f"(tensor of rank {ndim})."
        )
    return tuple(sorted(negative))


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
    reads_x = "x" in uses.split(",")
    reads_ans = "ans" in uses.split(",")
    fused_kinds = fused.dtypes if fused is not None else None  # fused ops declare their dtypes

    def vjp(g, ans, x):
        if fused_kinds is not None and ans.dtype.kind in fused_kinds:
            return fused.bind(ans, g)
        return g * conj(derivative(x, ans))  # complex: g * conj(f'(x)), TensorFlow's convention

    def jvp(t, ans, x):
        if fused_kinds is not None and ans.dtype.kind in fused_kinds:
            return fused.vjps[1](t, None, ans, None)
        return t * derivative(x, ans)

    reads = ((0,) if reads_x else ()) + ((ANS,) if reads_ans else ())
    return Primitive(name, fn, vjps=(vjp,), jvps=(jvp,), reads=(reads,), dtypes=dtypes)


def nondifferentiable(
    name: str, fn: Callable, *, same_dtype: bool = True, dtypes: str | None = None
) -> Primitive:
    """An op with no gradient (its output's gradient stops here, as in TensorFlow)."""
    return Primitive(name, fn, same_dtype=same_dtype, dtypes=dtypes, differentiable=False)


def linear(
    name: str,
    fn: Callable,
    *,
    vjps: Sequence[Callable | None] | None = None,
    vjp: Callable | None = None,
    batched: Callable | None = None,
    **options: Any,
) -> Primitive:
    """An op linear in its inputs: its JVP is the op itself, applied to the tangents.

    Missing tangents count as zeros. ``batched(t, x, **params)``, if given, returns
    the params for a tangent ``t`` that carries leading batch dimensions beyond the
    input ``x`` (e.g. ``reshape`` prepends them to its target shape); ops written
    with negative axes need none. The rules read nothing, unless ``reads`` says so.
    """
    prim: Primitive

    def jvp(tangents, ans, *xs, **params):
        first = next(i for i, t in enumerate(tangents) if t is not None)
        t0 = tangents[first]
        k = lead(t0, xs[first].ndim)
        filled = [t if t is not None else _zeros_with_batch(x, t0.shape[:k])
                  for t, x in zip(tangents, xs)]
        if k and batched is not None:
            params = batched(t0, xs[first], **params)
        return prim.bind(*filled, **params)

    if "reads" not in options:
        options["reads"] = ((),) * len(vjps) if vjps is not None else ()
    prim = Primitive(name, fn, vjps=vjps, vjp=vjp, jvp=jvp, **options)
    return prim


def _zeros_with_batch(x: Any, batch: tuple) -> Tensor:
    return Tensor._wrap(np.zeros(tuple(batch) + tuple(x.shape), x.dtype))
