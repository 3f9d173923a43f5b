"""Debugging gradients: why a gradient is None, where NaNs start, what a tape holds.

**Why is my gradient None?** ``tape.explain(target, sources)`` answers for each
source in plain words, and says where the path broke::

    with tg.GradientTape() as tape:
        loss = model(x)
    print(tape.explain(loss, model.trainable_variables))

The causes it recognises (``report.cause`` codes; the findings behind them, with
their texts, are one table, ``tapegrad.debugging.reasons.REASONS``):

* ``integer_dtype``: an integer or bool source;
* ``target_not_float``: an integer or bool target;
* ``released``: a non-persistent tape that ``gradient`` released;
* ``rebound_variable``: ``x = x + 1`` replaced a Variable with a Tensor;
* ``other_tape``: the source belongs to another tape;
* ``not_watched``: a Tensor never passed to ``tape.watch``, a Variable never
  read while recording, or a tape made with ``watch_accessed_variables=False``;
* ``not_trainable``: a Variable made with ``trainable=False``;
* ``numpy_roundtrip``: a value left through ``.numpy()``, ``np.asarray`` or
  ``float()`` and came back as a constant;
* ``stop_recording``: the path runs through ops inside ``tape.stop_recording()``;
* ``outside_tape``: the target was computed outside the ``with`` block;
* ``unused``: watched, but the target does not use it;
* ``non_differentiable``: the path goes through ``argmax``, a comparison,
  ``round``, a cast to an integer dtype, ``stop_gradient``...;
* ``none_rule``: a gradient rule on the path returned None.

The arithmetic of a Variable (``v + 1``, ``v - lr * g``, ``v * 2``, ``v / 2``)
notes on its result which Variable it came from, so explain names the Variable
that ``x = x + 1`` replaced; ``v += 1`` raises, as in TensorFlow.

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

**How it watches.** The engine emits events (``tapegrad._core.events``) and this
package subscribes to them; nothing in the engine is patched. Always subscribed
are ``tape_changed`` (when a tape starts, stops, pauses, resumes or is
released: once per tape, never per op) and ``value_exported`` (a value read out
as NumPy while a tape records): the evidence explain needs
(``tapegrad.debugging.evidence``). The per-op events are subscribed only while
they have work: ``op_recorded`` in anomaly mode or while a recording tape holds
evidence to follow, ``op_finished`` in anomaly mode or while a tape is inside
``stop_recording()``, ``rule_running`` in anomaly mode
(``tapegrad.debugging.anomaly``). With no debugging active, an op pays nothing.

**Mutating an array given to tapegrad.** A tensor never shares memory that the
caller can still write: a writable NumPy array passed to ``tg.convert_to_tensor``
or straight to an op is copied (as TensorFlow does), so writing to it afterwards
(``a[0] = 5``) changes neither the tensor nor what a tape saved. The arrays a
tape saves are tapegrad's own and read-only. To avoid one copy per op when the
same large array feeds many ops, convert it once (``tg.constant(a)``).

**TensorFlow's runtime checks.** ``assert_equal``, ``assert_near``,
``assert_shapes``, ``assert_all_finite`` and ``check_numerics``
(``tapegrad.debugging.asserts``) raise ``tapegrad.errors.InvalidArgumentError``
(a ``ValueError``) as TensorFlow's eager mode does.
"""

from __future__ import annotations

import contextlib

from . import evidence as _evidence
from .anomaly import anomaly_enabled, set_anomaly
from .asserts import assert_all_finite, assert_equal, assert_near, assert_shapes, check_numerics
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
    "assert_equal",
    "assert_near",
    "assert_shapes",
    "assert_all_finite",
    "check_numerics",
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
    set_anomaly(True)


def disable_check_numerics() -> None:
    """Stop checking op outputs for NaN and Inf (the default).

    >>> import tapegrad as tg
    >>> tg.debugging.disable_check_numerics()
    >>> float(tg.constant(1.0) / 0.0)
    inf
    """
    set_anomaly(False)


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
    previous = anomaly_enabled()
    set_anomaly(bool(check_nan))
    try:
        yield
    finally:
        set_anomaly(previous)


_evidence.install()
