"""Ops that run for their effect: ``tapegrad.print`` and the finite check of ``minimize``.

Both are primitives, so a compiled function runs them on every call (a Python
``print`` in a traced function runs once, at trace time, as in TensorFlow).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from .._core.primitive import Primitive
from .._core.tensor import Tensor
from .codegen import EFFECTS

__all__ = ["print", "check_finite", "print_p", "check_finite_p"]

_builtin_print = print
_DONE = np.bool_(True)


def _text(value: Any, summarize: int) -> str:
    array = np.asarray(value)
    if array.ndim == 0:
        return str(array[()])
    edge = array.size if summarize is None or summarize < 0 else summarize
    return np.array2string(array, separator=" ", threshold=2 * edge, edgeitems=edge,
                           max_line_width=10**9)


def _print_impl(*values: Any, template: tuple, stream: Any, sep: str, end: str,
                summarize: int) -> Any:
    it = iter(values)
    parts = [_text(next(it), summarize) if piece is None else piece for piece in template]
    out = sys.stderr if stream is None else sys.stdout if stream == "stdout" else stream
    _builtin_print(*parts, sep=sep, end=end, file=out)
    return _DONE


print_p = Primitive("print", _print_impl, same_dtype=False, differentiable=False)
print_p.stateful = True
EFFECTS.add(print_p)


def print(*inputs: Any, output_stream: Any = None, summarize: int = 3, sep: str = " ",
          end: str = "\n", name: Any = None) -> None:
    """Print tensors and Python values, as ``tf.print``: on every call, also when compiled.

    Args:
        *inputs: tensors and other values (shown with ``str``).
        output_stream: ``sys.stderr`` (the default) or ``sys.stdout``, or a file-like object.
        summarize: the first and last items shown per axis (-1 or None: all).
        sep: put between the inputs.
        end: written at the end.
        name: ignored (TensorFlow compatibility).

    >>> import sys, tapegrad as tg
    >>> tg.print("x:", tg.constant([1, 2, 3]), output_stream=sys.stdout)
    x: [1 2 3]
    """
    tensors = [a for a in inputs if isinstance(a, Tensor)]
    template = tuple(None if isinstance(a, Tensor) else str(a) for a in inputs)
    if output_stream is None or output_stream is sys.stderr:
        stream = None
    elif output_stream is sys.stdout:
        stream = "stdout"
    else:
        stream = output_stream
    print_p.bind(*tensors, template=template, stream=stream, sep=sep, end=end,
                 summarize=summarize)


def _check_impl(x: Any, step: Any, *, message: str) -> Any:
    if not np.all(np.isfinite(x)):
        shown = float(x) if np.size(x) == 1 else f"non-finite (shape {np.shape(x)})"
        raise FloatingPointError(message.format(value=shown, step=int(step)))
    return _DONE


check_finite_p = Primitive("check_finite", _check_impl, same_dtype=False, differentiable=False)
check_finite_p.stateful = True
EFFECTS.add(check_finite_p)


def check_finite(x: Any, step: Any, message: str) -> None:
    """Raise ``FloatingPointError(message)`` when ``x`` holds NaN or Inf, when the op runs.

    ``message`` may name ``{value}`` (the scalar, or "non-finite (shape ...)") and
    ``{step}`` (the integer ``step``, a tensor read when the check runs).

    >>> import tapegrad as tg
    >>> from tapegrad.function.effects import check_finite
    >>> check_finite(tg.constant(1.0), 3, "bad {value} at step {step}")
    >>> check_finite(tg.constant(float("inf")), 3, "bad {value} at step {step}")
    Traceback (most recent call last):
    FloatingPointError: bad inf at step 3
    """
    check_finite_p.bind(x, step, message=message)
