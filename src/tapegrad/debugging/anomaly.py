"""Anomaly mode: raise at the first op whose output holds NaN or Inf, and say where it ran.

While it is on (``tapegrad.debugging.enable_check_numerics`` or
``detect_anomaly``), three observers are subscribed to the engine's events
(``tapegrad._core.events``), and none while it is off:

* ``op_finished``: :func:`_check_op` tests every op's outputs after it ran
  (forward ops, and the ops that gradient and tangent rules run);
* ``rule_running``: :func:`_on_rule` keeps, per thread, the stack of the
  derivative rules running, so that an op failing inside a VJP names the
  forward op whose gradient went bad (and the line that recorded it), and one
  inside a JVP names the primitive whose tangent did;
* ``op_recorded``, through :func:`evidence.trace_lines`: each recorded op keeps
  the user's line (``entry.trace``), shown here and by explain, graph and
  memory_report.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from .._core import events
from . import evidence
from .evidence import outputs
from .locations import format_location, user_location

__all__ = ["set_anomaly", "anomaly_enabled"]

_enabled = [False]
_lock = threading.Lock()


def set_anomaly(enabled: bool) -> None:
    """Turn the numerics check (and the recording of user lines) on or off."""
    enabled = bool(enabled)
    with _lock:
        _enabled[0] = enabled
        _switch(events.op_finished, _check_op, enabled)
        _switch(events.rule_running, _on_rule, enabled)
        evidence.trace_lines(enabled)


def anomaly_enabled() -> bool:
    """Whether anomaly mode is on."""
    return _enabled[0]


def _switch(event: Any, callback: Any, wanted: bool) -> None:
    if wanted:
        events.subscribe(event, callback)
    else:
        events.unsubscribe(event, callback)


# ---------------------------------------------------------------------------------
# The check, and the rules running
# ---------------------------------------------------------------------------------
def _check_op(prim: Any, args: tuple, result: Any, params: Any = None) -> None:
    if evidence.quiet.depth:  # explain's own sweep: its failures are not the user's
        return
    outs = outputs(result)
    for k, r in enumerate(outs):
        value = r._value
        if value.dtype.kind in "fc" and not np.isfinite(value).all():
            raise FloatingPointError(_anomaly_message(prim, args, outs, k))


class _RunningRules(threading.local):
    def __init__(self) -> None:
        self.stack: list = []  # (kind, tape entry or primitive), innermost last


_running = _RunningRules()


def _on_rule(kind: str, subject: Any, running: bool) -> None:
    if running:
        _running.stack.append((kind, subject))
    elif _running.stack:
        _running.stack.pop()


def _running_rule() -> tuple:
    """The tape entry whose VJP (or the primitive whose JVP) is running, if any."""
    return _running.stack[-1] if _running.stack else (None, None)


# ---------------------------------------------------------------------------------
# The message
# ---------------------------------------------------------------------------------
def _shapes(tensors: Any) -> str:
    return ", ".join(f"{t.shape} {t.dtype.name}" for t in tensors) or "none"


def _bad_kind(value: np.ndarray) -> str:
    nan = int(np.count_nonzero(np.isnan(value)))
    inf = int(np.count_nonzero(np.isinf(value)))
    parts = []
    if nan:
        parts.append(f"{nan} NaN")
    if inf:
        parts.append(f"{inf} Inf")
    return " and ".join(parts) + f" of {value.size} values"


def _anomaly_message(prim: Any, args: tuple, outs: tuple, k: int) -> str:
    out = outs[k]
    which = f"output {k}" if len(outs) > 1 else "output"
    bad = _bad_kind(out._value)
    here = format_location(user_location(4))
    kind, context = _running_rule()
    op_text = (
        f"`{prim.name}` produced {bad} in its {which} (shape {out.shape}, {out.dtype.name}) "
        f"from inputs of shapes {_shapes(args)}"
    )
    lines = []
    if kind == "vjp":
        forward_op = context.prim.name
        lines.append(
            f"check_numerics: NaN/Inf in the backward pass. {op_text}, while computing the "
            f"gradient (VJP) of `{forward_op}`."
        )
        if context.trace is not None:
            lines.append(f"The `{forward_op}` op was recorded at {format_location(context.trace)}.")
        else:
            lines.append(
                f"The `{forward_op}` op was recorded before check_numerics was enabled, so its "
                "line is unknown: enable it before the forward pass."
            )
        lines.append(f"The backward pass was run from {here}.")
    elif kind == "jvp":
        lines.append(
            f"check_numerics: NaN/Inf in a forward-mode tangent. {op_text}, while computing the "
            f"tangent (JVP) of `{context.name}`, at {here}."
        )
    else:
        lines.append(f"check_numerics: {op_text}, at {here}.")
        tainted = [i for i, a in enumerate(args)
                   if a._value.dtype.kind in "fc" and not np.isfinite(a._value).all()]
        if tainted:
            lines.append(
                f"Input {tainted[0]} already held NaN or Inf, and no checked op produced it: it "
                "came from data, a constant or a Variable's value."
            )
    return "\n".join(lines)
