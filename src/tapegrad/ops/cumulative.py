"""Cumulative sums and products along one axis, with TensorFlow's gradients.

``axis`` is normalised to a negative int, so the rules stay valid when
cotangents and tangents carry extra leading batch dimensions. ``cumsum`` is
linear (its transpose is the cumsum in the opposite direction); ``cumprod``
divides by ``x`` with ``div_no_nan``, so entries equal to zero get a zero
gradient, as TensorFlow's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.primitive import ANS, Primitive
from .._core.tensor import Tensor
from ._namespace import namespace, unsupported
from ._rules import linear
from .arithmetic import not_equal_p, where_p
from .shape import _accumulator, _input, _prefix, _single_axis

__all__ = ["cumsum", "cumprod"]


def _scan(fn, identity, x, axis, exclusive, reverse):
    """``fn`` (np.cumsum/np.cumprod) along ``axis`` with TensorFlow's exclusive/reverse."""
    if not isinstance(x, (np.ndarray, np.generic)):
        return _foreign_scan(fn, identity, x, axis, exclusive, reverse)
    if reverse:
        x = np.flip(x, axis)
    out = fn(x, axis=axis, dtype=_accumulator(x.dtype))
    if exclusive and out.shape[axis]:
        rest = _prefix(-axis - 1)
        shifted = np.empty_like(out)
        shifted[(Ellipsis, 0) + rest] = identity
        shifted[(Ellipsis, slice(1, None)) + rest] = out[(Ellipsis, slice(None, -1)) + rest]
        out = shifted
    if reverse:
        out = np.flip(out, axis)
    return out.astype(x.dtype, copy=False)


def _foreign_scan(fn, identity, x, axis, exclusive, reverse):
    """``_scan`` in another library: the standard's cumulative_sum / cumulative_prod."""
    xp = namespace(x)
    scan = getattr(xp, "cumulative_sum" if fn is np.cumsum else "cumulative_prod", None)
    if scan is None:
        raise unsupported("cumsum" if fn is np.cumsum else "cumprod", x)
    if reverse:
        x = xp.flip(x, axis=axis)
    out = scan(x, axis=axis % x.ndim, include_initial=exclusive)
    if exclusive:
        out = out[(Ellipsis, slice(None, -1)) + _prefix(-axis - 1)]
    return xp.flip(out, axis=axis) if reverse else out


def _scan_arguments(x: Any, axis: Any, op: str) -> tuple:
    x = _input(x, "fciu", op)
    if x.ndim == 0:
        raise InvalidArgumentError(f"{op}: input must have rank >= 1, got a scalar.")
    return x, _single_axis(axis, x, op)


def _cumsum_impl(x, axis, exclusive, reverse):
    return _scan(np.cumsum, 0, x, axis, exclusive, reverse)


def _cumsum_vjp(g, ans, x, axis, exclusive, reverse):
    return cumsum_p.bind(g, axis=axis, exclusive=exclusive, reverse=not reverse)


cumsum_p: Primitive = linear("cumsum", _cumsum_impl, vjps=(_cumsum_vjp,), dtypes="fciu")


def cumsum(x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False,
           name: Any = None) -> Tensor:
    """Cumulative sum along ``axis``.

    ``exclusive=True`` leaves out the current entry (the first output is 0);
    ``reverse=True`` sums from the end. The gradient is the cumsum of the
    cotangent in the opposite direction.

    Args:
        x: A numeric tensor of rank >= 1.
        axis: One axis (an int or a scalar integer tensor).
        exclusive: Exclude the current entry.
        reverse: Accumulate from the last entry.
        name: Ignored.

    Returns:
        A tensor of the shape and dtype of ``x``.

    >>> import tapegrad as tg
    >>> tg.cumsum(tg.constant([1.0, 2.0, 3.0]), exclusive=True, reverse=True).numpy().tolist()
    [5.0, 3.0, 0.0]
    """
    x, a = _scan_arguments(x, axis, "cumsum")
    return cumsum_p.bind(x, axis=a, exclusive=bool(exclusive), reverse=bool(reverse))


def _div_no_nan(a: Tensor, y: Tensor) -> Tensor:
    """``a / y`` where ``y != 0``, else 0 (TensorFlow's div_no_nan; ``y`` has no batch dims)."""
    nonzero = not_equal_p.bind(y, 0)._value  # a mask, like where's condition (from an op)
    safe = where_p.bind(y, 1, condition=nonzero)
    return where_p.bind(a / safe, 0, condition=nonzero)


def _cumprod_impl(x, axis, exclusive, reverse):
    return _scan(np.cumprod, 1, x, axis, exclusive, reverse)


def _cumprod_vjp(g, ans, x, axis, exclusive, reverse):
    # TensorFlow: div_no_nan(cumsum(cumprod(x) * g, reversed), x).
    summed = cumsum_p.bind(ans * g, axis=axis, exclusive=exclusive, reverse=not reverse)
    return _div_no_nan(summed, x)


def _cumprod_jvp(t, ans, x, axis, exclusive, reverse):
    # The transpose of the VJP above (equal to the true derivative where x != 0).
    return ans * cumsum_p.bind(_div_no_nan(t, x), axis=axis, exclusive=exclusive, reverse=reverse)


cumprod_p: Primitive = Primitive("cumprod", _cumprod_impl, vjps=(_cumprod_vjp,),
                                 jvps=(_cumprod_jvp,), reads=((0, ANS),), dtypes="fciu")


def cumprod(x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False,
            name: Any = None) -> Tensor:
    """Cumulative product along ``axis``.

    The gradient is TensorFlow's: ``div_no_nan(cumsum(cumprod(x) * g, reversed), x)``.
    It divides by ``x``, so where an entry of ``x`` is 0 its gradient is 0 (not
    the true derivative, which may be nonzero): ``cumprod([2., 0., 3.])`` has
    gradient ``[1., 0., 0.]`` in TensorFlow and here. For complex inputs no
    conjugate is taken, also as TensorFlow.

    Args:
        x: A numeric tensor of rank >= 1.
        axis: One axis (an int or a scalar integer tensor).
        exclusive: Exclude the current entry (the first output is 1).
        reverse: Multiply from the last entry.
        name: Ignored.

    Returns:
        A tensor of the shape and dtype of ``x``.

    >>> import tapegrad as tg
    >>> tg.math.cumprod(tg.constant([1.0, 2.0, 3.0])).numpy().tolist()
    [1.0, 2.0, 6.0]
    """
    x, a = _scan_arguments(x, axis, "cumprod")
    return cumprod_p.bind(x, axis=a, exclusive=bool(exclusive), reverse=bool(reverse))
