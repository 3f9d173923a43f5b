"""Why a gradient is None, as data: every finding of explain with its cause code and texts.

:data:`REASONS` maps each finding explain can report to a :class:`Reason`:
the ``cause`` code a ``SourceReport`` carries (several findings share one
code: a Tensor never watched and a Variable never read are both
``not_watched``), the ``summary`` sentence and the ``fix``. The texts are
``str.format`` templates; explain fills in the named fields (``{name!r}``,
``{dtype}``...). :data:`NO_GRADIENT` says, per primitive name, why an op passes
no gradient and what to do instead (the engine knows no op by name).
The package docstring (``tapegrad.debugging``) lists the cause codes.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Reason", "REASONS", "CAUSES", "NO_GRADIENT", "no_gradient_reason", "REBIND_HINT",
           "TRACE_NOTE"]


class Reason(NamedTuple):
    cause: str  # the code in SourceReport.cause
    summary: str
    fix: str


_RELEASED_FIX = ("call tape.explain(...) before tape.gradient(...), or use "
                 "tg.GradientTape(persistent=True).")
_NUMPY_FIX = ("keep the computation in tapegrad ops{examples} instead of NumPy functions, "
              ".numpy() or float() inside the tape.")

REASONS: dict[str, Reason] = {
    # --- the source or the target itself
    "integer_dtype": Reason(
        "integer_dtype",
        "the source has dtype {dtype}: integer and bool tensors have no gradient (TensorFlow "
        "returns None too).",
        "cast it to a float dtype first (x = tg.cast(x, tg.float32)), compute with the float "
        "tensor, and differentiate with respect to that tensor.",
    ),
    "target_not_float": Reason(
        "target_not_float",
        "the target has dtype {dtypes}: only floating or complex targets have gradients.",
        "compute the target in a float dtype (cast before the integer op, not after).",
    ),
    # --- a tape that gave its record away
    "released": Reason(
        "released",
        "this non-persistent tape already released its record in gradient(), so explain cannot "
        "inspect it.",
        _RELEASED_FIX,
    ),
    "released_partly": Reason(
        "released",
        "this non-persistent tape released its record in gradient(); it kept only what explains "
        "the sources that had no gradient there.",
        _RELEASED_FIX,
    ),
    # --- a source the tape does not know
    "rebound_variable": Reason(
        "rebound_variable",
        "the source is a Tensor, not a Variable: it was computed from Variable {name!r} by "
        "`{op}` at {where}. Assigning that result to the variable's name replaced the Variable "
        "with a new constant Tensor, which the tape does not watch.",
        "update the Variable in place instead: x.assign_add(1), w.assign_sub(lr * g), or "
        "x.assign(new_value), and pass the Variable.",
    ),
    "other_tape": Reason(
        "other_tape",
        "the source was watched or computed on another GradientTape; this tape never saw it.",
        "take the gradient from the tape that recorded it, or watch the source on this tape "
        "before using it.",
    ),
    "not_watched": Reason(
        "not_watched",
        "the source is a Tensor that this tape never watched. A tape watches trainable "
        "Variables automatically when they are read, but a Tensor only after tape.watch(x).",
        "call tape.watch(x) inside the `with` block before x is used, or make x a tg.Variable.",
    ),
    "stop_gradient_output": Reason(
        "not_watched",
        "the source is the output of stop_gradient, a new constant that this tape does not "
        "watch (TensorFlow does not record stop_gradient either).",
        "call tape.watch(y) on the output of stop_gradient, or differentiate with respect to "
        "its input.",
    ),
    "not_trainable": Reason(
        "not_trainable",
        "Variable {name!r} was created with trainable=False, and tapes watch only trainable "
        "Variables automatically.",
        "call tape.watch(v) inside the `with` block before v is used, or create it with "
        "trainable=True.",
    ),
    "watch_off": Reason(
        "not_watched",
        "the tape was created with watch_accessed_variables=False, so it watches only what "
        "tape.watch() is given, and this Variable was not.",
        "call tape.watch(v) inside the `with` block before v is used.",
    ),
    "variable_not_read": Reason(
        "not_watched",
        "Variable {name!r} was never read while the tape was recording (a tape watches a "
        "Variable when an op inside its `with` block reads it), so the target does not depend "
        "on it as far as the tape knows.",
        "compute with the Variable inside the `with` block; a value computed from it before the "
        "block (y = w * x above it) is a constant to the tape.",
    ),
    # --- a path the tape could not see
    "numpy_roundtrip": Reason(
        "numpy_roundtrip",
        "the value left tapegrad through NumPy and came back as a new constant: the tape cannot "
        "see through NumPy, so the path from the source to the target is cut.",
        _NUMPY_FIX.format(examples=" (tg.math.exp, tg.reduce_sum, ...)"),
    ),
    "numpy_leak": Reason(
        "numpy_roundtrip",
        "probably a NumPy round trip: a value computed from this source left tapegrad through "
        "{how} while the tape was recording, and the target has no recorded path back to it.",
        _NUMPY_FIX.format(examples=""),
    ),
    "stop_recording": Reason(
        "stop_recording",
        "the path from the source to the target goes through ops run inside "
        "tape.stop_recording(), which are not recorded.",
        "move that computation out of the stop_recording() block (to block the gradient on "
        "purpose, tg.stop_gradient says so explicitly).",
    ),
    "target_paused": Reason(
        "stop_recording",
        "the target was computed inside tape.stop_recording(), which records nothing.",
        "compute the target outside the stop_recording() block.",
    ),
    "outside_tape": Reason(
        "outside_tape",
        "the target was computed outside the tape's `with` block; operations outside the block "
        "are not recorded.",
        "compute the target (the whole forward pass) inside `with tg.GradientTape() as tape:`.",
    ),
    # --- a source the tape recorded, and a target that does not use it
    "rebound_on_tape": Reason(
        "rebound_variable",
        "this Tensor was computed from Variable {name!r} by {how}, and the target does not use "
        "this new Tensor: rebinding a Variable's name to the result (`x = x + 1`) leaves the "
        "Variable, not this Tensor, in the computation.",
        "pass the Variable itself as the source, and update it in place with "
        "x.assign_add(...) / x.assign_sub(...) / x.assign(...).",
    ),
    "unused": Reason(
        "unused",
        "the tape watched this source, but no recorded op used it: the target does not depend "
        "on it.",
        "compute the target from this source inside the tape's `with` block (or stop passing "
        "it as a source).",
    ),
    "unused_results": Reason(
        "unused",
        "the tape recorded ops that use this source, but the target is not computed from their "
        "results.",
        "check that the target is computed from this source (the right variable, not a copy or "
        "an earlier value).",
    ),
    # --- a recorded path that passes no gradient
    "non_differentiable": Reason(
        "non_differentiable",
        "the path from the source to the target goes through {ops}, which {verb} no gradient.",
        "{fixes}.",
    ),
    "none_rule": Reason(
        "none_rule",
        "every op on the path from the source to the target has a gradient rule, but a rule "
        "returned None (for example a custom_gradient function whose grad_fn returns None for "
        "this input).",
        "check the gradient functions of the ops listed.",
    ),
}

CAUSES: tuple = tuple(dict.fromkeys(r.cause for r in REASONS.values()))
"""Every cause code, in the order of :data:`REASONS`."""

REBIND_HINT = (
    "If this Tensor replaced a Variable (an assignment such as `x = 2 * x` rebinds the name to "
    "a new Tensor), update the Variable in place instead: x.assign(2 * x), x.assign_add(1), "
    "w.assign_sub(lr * g)."
)
"""Detail for a Tensor never watched and not known to come from a Variable's arithmetic."""

TRACE_NOTE = (
    "(Run the computation inside tapegrad.debugging.detect_anomaly() to see the source line of "
    "every recorded op.)"
)
"""Note under a report that names recorded ops when their lines are unknown."""


# ---------------------------------------------------------------------------------
# Ops without a gradient: (reason, fix) by primitive name
# ---------------------------------------------------------------------------------
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
NO_GRADIENT: dict[str, tuple[str, str]] = {
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


def no_gradient_reason(name: str, out_dtypes: list) -> tuple[str, str]:
    """``(reason, fix)`` for a recorded op ``name`` that passes no gradient."""
    known = NO_GRADIENT.get(name)
    if known is not None:
        return known
    if all(d.kind not in "fc" for d in out_dtypes):
        return (f"its result has dtype {out_dtypes[0].name}, and integer and bool tensors carry "
                "no gradient", "keep the values in a float dtype along the path")
    return ("it has no gradient (it is recorded, but nothing flows back through it)",
            "use a differentiable op instead")
