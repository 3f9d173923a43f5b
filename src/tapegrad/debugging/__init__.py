"""Debugging gradients: why a gradient is None, where NaNs start, what a tape holds.

**Why is my gradient None?** ``tape.explain(target, sources)`` answers for each
source in plain words, and says where the path broke::

    with tg.GradientTape() as tape:
        loss = model(x)
    print(tape.explain(loss, model.trainable_variables))

The causes it recognises (``report.cause`` codes): ``integer_dtype`` (an
integer or bool source), ``not_watched`` (a Tensor never passed to
``tape.watch``, a Variable never read while recording, or a tape made with
``watch_accessed_variables=False``), ``not_trainable``, ``rebound_variable``
(``x = x + 1`` replaced a Variable with a Tensor), ``unused`` (watched, but the
target does not use it), ``outside_tape`` (the target was computed outside the
``with`` block), ``stop_recording`` (the path runs through ops inside
``tape.stop_recording()``), ``numpy_roundtrip`` (a value left through
``.numpy()``, ``np.asarray`` or ``float()`` and came back as a constant),
``non_differentiable`` (the path goes through ``argmax``, a comparison,
``round``, a cast to an integer dtype, ``stop_gradient``...),
``target_not_float``, ``other_tape``, ``none_rule`` and ``released``.
A rebinding by ``v += 1`` or ``v -= lr * g`` is always recognised; one by
``x = x + 1`` looks like any other ``x + 1``, so explain suggests it, and names
the Variable when the code ran inside :func:`detect_anomaly` (tracking every
Variable operator would slow them all).
``tape.gradient(..., unconnected_gradients="raise")`` raises ``ValueError``
with the same explanation instead of returning None. explain works after
``gradient`` released a non-persistent tape, if a gradient was missing.

**Where does the NaN come from?** Inside :func:`detect_anomaly` (or between
:func:`enable_check_numerics` and :func:`disable_check_numerics`), the first op
whose output holds NaN or Inf raises ``FloatingPointError`` naming the op, the
shapes, and your line that ran it. In the backward pass, it names the forward
op whose gradient went bad and the line that recorded it (lines are kept for
ops recorded while the mode is on). It is off by default and costs nothing then;
on, every op is checked, which is slow. Source lines also appear in
``explain``, ``graph`` and ``memory_report`` for ops recorded in this mode.

**What did the tape record?** ``tape.graph()`` is the recorded computation as
Graphviz DOT text (``str()``), with watched tensors and the target highlighted
and ops without gradient dashed; ``.render("tape.svg")`` draws it when Graphviz
(the ``graphviz`` package and the ``dot`` program) is installed, and notebooks
show it inline. ``tape.memory_report()`` lists the bytes each recorded op keeps
alive, largest first, and the total.

**Mutating an array given to tapegrad.** A tensor never shares memory that the
caller can still write: a writable NumPy array passed to ``tg.convert_to_tensor``
or straight to an op is copied (as TensorFlow does), so writing to it afterwards
(``a[0] = 5``) changes neither the tensor nor what a tape saved. The arrays a
tape saves are tapegrad's own and read-only. To avoid one copy per op when the
same large array feeds many ops, convert it once (``tg.constant(a)``).
"""

from __future__ import annotations

import contextlib

from . import explain as _explain
from .explain import Explanation, SourceReport
from .graph import MemoryReport, TapeGraph

__all__ = [
    "enable_check_numerics",
    "disable_check_numerics",
    "detect_anomaly",
    "Explanation",
    "SourceReport",
    "TapeGraph",
    "MemoryReport",
]


def enable_check_numerics(stack_height_limit: int = 30, path_length_limit: int = 50) -> None:
    """Raise ``FloatingPointError`` at the first op whose output holds NaN or Inf.

    TensorFlow's name; the arguments are accepted for compatibility and
    ignored. Every op (forward and backward) is checked until
    :func:`disable_check_numerics`; the error names the op, the shapes and the
    line of your code (for a backward op: the line that recorded the forward op).

    >>> import tapegrad as tg
    >>> tg.debugging.enable_check_numerics()
    >>> try:
    ...     tg.sqrt(tg.constant(-1.0))
    ... except FloatingPointError as err:
    ...     print(str(err).split(" in its")[0])
    check_numerics: `sqrt` produced 1 NaN of 1 values
    >>> tg.debugging.disable_check_numerics()
    """
    _explain.set_anomaly(True)


def disable_check_numerics() -> None:
    """Stop checking op outputs for NaN and Inf (the default).

    >>> import tapegrad as tg
    >>> tg.debugging.disable_check_numerics()
    >>> float(tg.constant(1.0) / 0.0)
    inf
    """
    _explain.set_anomaly(False)


@contextlib.contextmanager
def detect_anomaly(check_nan: bool = True):
    """Context manager (PyTorch's name): check numerics inside the block, as
    :func:`enable_check_numerics`, then restore the previous setting.

    >>> import tapegrad as tg
    >>> x = tg.constant([1.0, 0.0])
    >>> with tg.debugging.detect_anomaly():
    ...     with tg.GradientTape() as tape:
    ...         tape.watch(x)
    ...         y = tg.reduce_sum(tg.sqrt(x))  # fine forward; d sqrt/dx is inf at 0
    ...     try:
    ...         tape.gradient(y, x)
    ...     except FloatingPointError as err:
    ...         print("gradient (VJP) of `sqrt`" in str(err))
    True
    """
    previous = _explain.flags.anomaly
    _explain.set_anomaly(bool(check_nan))
    try:
        yield
    finally:
        _explain.set_anomaly(previous)


# Why ops give no gradient, for explain (the engine knows no op by name).
_COMPARISON = (
    "it is a comparison: its bool result has no gradient",
    "to learn through a threshold use a smooth surrogate (tg.sigmoid((x - t) / temperature)); "
    "to mask, multiply by the mask computed from a stop_gradient-ed value and keep the path "
    "through the masked values",
)
_INDICES = (
    "it returns integer indices, which have no gradient",
    "use a differentiable relaxation (tg.nn.softmax of the scores, or reduce_max for the value "
    "itself) if you need a gradient",
)
_ROUNDING = (
    "it is piecewise constant, so TensorFlow gives it no gradient (None)",
    "for a straight-through estimator write x + tg.stop_gradient(tg.round(x) - x)",
)
_NO_GRADIENT = {
    "equal": _COMPARISON,
    "not_equal": _COMPARISON,
    "less": _COMPARISON,
    "less_equal": _COMPARISON,
    "greater": _COMPARISON,
    "greater_equal": _COMPARISON,
    "logical_and": _COMPARISON,
    "logical_or": _COMPARISON,
    "logical_not": _COMPARISON,
    "is_nan": _COMPARISON,
    "is_finite": _COMPARISON,
    "argmax": _INDICES,
    "argmin": _INDICES,
    "argsort": _INDICES,
    "round": _ROUNDING,
    "floor": _ROUNDING,
    "ceil": _ROUNDING,
    "floordiv": _ROUNDING,
    "stop_gradient": (
        "stop_gradient blocks the gradient on purpose",
        "remove tg.stop_gradient from the path if the gradient should flow",
    ),
    "cast": (
        "integer and bool tensors carry no gradient",
        "keep the values in a float dtype (cast to float32/float64, not to an integer type)",
    ),
}
_explain.NO_GRADIENT_REASONS.update(_NO_GRADIENT)
_explain.install()

