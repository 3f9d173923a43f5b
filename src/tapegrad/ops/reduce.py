"""Reductions, ``argmax``/``argmin`` and ``top_k``, with TensorFlow's gradients.

``cumsum``/``cumprod`` (ops/cumulative.py) and the segment sums (ops/segments.py)
are re-exported from here.

Conventions shared by every op here:

* ``axis`` is TensorFlow's: None (all axes), an int, a list/tuple, an array
  or an integer tensor; negative values count from the end. Public functions
  normalise it to a sorted tuple of *negative* ints, so the rules stay valid
  when cotangents and tangents carry extra leading batch dimensions.
* Rules expand a reduction's cotangent back to the input's rank with
  :func:`expand_reduced` and let broadcasting do the rest.
* Where the derivative is not unique, TensorFlow's choice is kept:
  ``reduce_max``/``reduce_min`` split the gradient equally among ties,
  ``reduce_prod`` is exact with zeros (products of the *other* entries, from
  two exclusive ``cumprod`` scans), ``reduce_euclidean_norm`` gives NaN at
  the origin, ``reduce_logsumexp`` is stable for large logits and gives NaN
  for rows of ``-inf``.
* Integer inputs keep their dtype (sums wrap like TensorFlow's); ``argmax``,
  ``argmin``, ``reduce_any`` and ``reduce_all`` have no gradient.
"""

from __future__ import annotations

import collections
from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.primitive import ANS, Primitive
from .._core.tensor import Tensor, as_dtype, convert_to_tensor
from ._args import read_values
from ._namespace import dtype_for, namespace, numpy_dtype, numpy_only, unsupported
from ._rules import lead, nondifferentiable
from .arithmetic import equal_p, greater_equal_p, minimum_p, where_p
from .casting import cast, real_part
from .creation import ones_like
from .cumulative import cumprod, cumprod_p, cumsum  # noqa: F401  (public names, re-exported)
from .index import getitem_grad_p, getitem_p
from .segments import segment_sum, unsorted_segment_sum  # noqa: F401  (re-exported)
from .shape import (  # reduce_sum and its argument handling live with broadcast_to, its transpose
    _accumulator,
    _input,
    _is_int,
    _prefix,
    _reduction_axes,
    _single_axis,
    expand_reduced,
    reduce_sum,
    reduce_sum_p,
    reshape_p,
    transpose_p,
)
from .unary import conj, exp_p, sqrt_p, square_p

__all__ = [
    "reduce_sum",
    "reduce_mean",
    "reduce_max",
    "reduce_min",
    "reduce_prod",
    "reduce_logsumexp",
    "reduce_std",
    "reduce_variance",
    "reduce_euclidean_norm",
    "reduce_any",
    "reduce_all",
    "argmax",
    "argmin",
    "cumsum",
    "cumprod",
    "top_k",
    "l2_normalize",
    "unsorted_segment_sum",
    "segment_sum",
]


def _trunc_divide(total: np.ndarray, count: int) -> np.ndarray:
    """Integer division rounding toward zero (TensorFlow's integer mean), not toward -inf."""
    quotient = np.floor_divide(total, count)
    inexact = np.not_equal(np.remainder(total, count), 0)
    return np.where((total < 0) & inexact, quotient + 1, quotient).astype(total.dtype)


integer_mean_p: Primitive = nondifferentiable("integer_mean", _trunc_divide)


def _mean(x: Tensor, axes: tuple, keepdims: bool) -> Tensor:
    total = reduce_sum_p.bind(x, axis=axes, keepdims=keepdims)
    if any(x.shape[a] != x.shape[a] for a in axes):  # NaN: a Dask length known only later
        if x.dtype.kind not in "fc":
            raise ValueError(f"reduce_mean: the integer mean over axes {axes} of unknown length "
                             f"(shape {x.shape}) is not supported; call compute_chunk_sizes().")
        return total / reduce_sum_p.bind(ones_like(x), axis=axes, keepdims=keepdims)
    count = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    if x.dtype.kind in "iu":  # no gradient for integers: a plain value is enough
        return integer_mean_p.bind(total, count=max(count, 1))
    if count == 0:
        return total * np.nan  # TensorFlow: the mean of nothing is NaN
    return total / np.asarray(count, dtype=x.dtype)


def reduce_mean(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None):
    """Mean of elements across dimensions.

    Integer tensors give an integer mean rounded toward zero, as in TensorFlow
    (``reduce_mean([-1, -2, -2]) == -1``). The mean over an empty axis is NaN.

    Args:
        input_tensor: A numeric tensor.
        axis: The dimensions to reduce: None (all), an int, a list, or an integer tensor.
        keepdims: Keep reduced dimensions with length 1.
        name: Ignored.

    Returns:
        The reduced tensor, of the input's dtype.

    >>> import tapegrad as tg
    >>> tg.reduce_mean(tg.constant([1.0, 2.0])).numpy()
    np.float32(1.5)
    """
    x = _input(input_tensor, "fciu", "reduce_mean")
    return _mean(x, _reduction_axes(axis, x, "reduce_mean"), bool(keepdims))


# --- reduce_max, reduce_min --------------------------------------------------------------------
def _extremum_impl(fn, fill):
    def impl(x, axis, keepdims):
        if not isinstance(x, (np.ndarray, np.generic)):  # other libraries: the standard's max
            if x.size == 0:
                raise unsupported(fn.__name__, x, "an empty reduction there")
            return getattr(namespace(x), fn.__name__)(x, axis=axis, keepdims=keepdims)
        if x.size == 0:  # TensorFlow returns the reduction's identity (-inf/+inf, int limits)
            initial = fill(x.dtype)
            return fn(x, axis=axis, keepdims=keepdims, initial=initial)
        return fn(x, axis=axis, keepdims=keepdims)

    return impl


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _highest(dtype):
    return np.inf if dtype.kind == "f" else np.iinfo(dtype).max


def _extremum_weights(x, ans, axis, keepdims):
    """Indicator of the entries equal to the extremum, divided by their count (ties share)."""
    kept = expand_reduced(ans, tuple(x.shape), axis, keepdims)
    indicators = cast(equal_p.bind(x, kept), x.dtype)
    return indicators / reduce_sum_p.bind(indicators, axis=axis, keepdims=True)


def _extremum_vjp(g, ans, x, axis, keepdims):
    g = expand_reduced(g, tuple(x.shape), axis, keepdims)
    return g * _extremum_weights(x, ans, axis, keepdims)


def _extremum_jvp(t, ans, x, axis, keepdims):
    weighted = t * _extremum_weights(x, ans, axis, keepdims)
    return reduce_sum_p.bind(weighted, axis=axis, keepdims=keepdims)


def _extremum(name: str, fn: Any, fill: Any) -> Primitive:
    return Primitive(name, _extremum_impl(fn, fill), vjps=(_extremum_vjp,),
                     jvps=(_extremum_jvp,), reads=((0, ANS),), dtypes="fiu")


reduce_max_p: Primitive = _extremum("reduce_max", np.max, _lowest)


def reduce_max(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None):
    """Maximum of elements across dimensions.

    Tied maxima share the gradient equally (TensorFlow's rule); NaN propagates.
    An empty reduction gives ``-inf`` (the lowest integer for integer tensors).

    Args:
        input_tensor: A real (float or integer) tensor.
        axis: The dimensions to reduce: None (all), an int, a list, or an integer tensor.
        keepdims: Keep reduced dimensions with length 1.
        name: Ignored.

    Returns:
        The reduced tensor, of the input's dtype.

    >>> import tapegrad as tg
    >>> tg.reduce_max(tg.constant([1.0, 3.0, 2.0])).numpy()
    np.float32(3.0)
    """
    x = _input(input_tensor, "fiu", "reduce_max")
    axes = _reduction_axes(axis, x, "reduce_max")
    return reduce_max_p.bind(x, axis=axes, keepdims=bool(keepdims))


reduce_min_p: Primitive = _extremum("reduce_min", np.min, _highest)


def reduce_min(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None):
    """Minimum of elements across dimensions.

    Tied minima share the gradient equally (TensorFlow's rule); NaN propagates.
    An empty reduction gives ``+inf`` (the highest integer for integer tensors).

    Args:
        input_tensor: A real (float or integer) tensor.
        axis: The dimensions to reduce: None (all), an int, a list, or an integer tensor.
        keepdims: Keep reduced dimensions with length 1.
        name: Ignored.

    Returns:
        The reduced tensor, of the input's dtype.

    >>> import tapegrad as tg
    >>> tg.reduce_min(tg.constant([[1.0, 3.0], [0.0, 2.0]]), axis=1).numpy().tolist()
    [1.0, 0.0]
    """
    x = _input(input_tensor, "fiu", "reduce_min")
    axes = _reduction_axes(axis, x, "reduce_min")
    return reduce_min_p.bind(x, axis=axes, keepdims=bool(keepdims))


# --- reduce_prod -------------------------------------------------------------------------------
def _prod_impl(x, axis, keepdims):
    if not isinstance(x, (np.ndarray, np.generic)):
        xp = namespace(x)
        acc = dtype_for(xp, _accumulator(numpy_dtype(x)))
        return xp.astype(xp.prod(x, axis=axis, keepdims=keepdims, dtype=acc), x.dtype)
    out = np.prod(x, axis=axis, keepdims=keepdims, dtype=_accumulator(x.dtype))
    return out.astype(x.dtype, copy=False)


def _product_of_others(x, axis):
    """For each entry, the product of the *other* entries it is reduced with.

    TensorFlow's construction: move the reduced axes last, flatten them, and
    multiply an exclusive cumprod from the left by one from the right. No
    division, so zeros are exact (one zero: only it gets a nonzero gradient;
    two or more: all zero). Complex inputs use the conjugate, as TensorFlow.
    """
    ndim = x.ndim
    reduced = [a % ndim for a in axis]
    other = [i for i in range(ndim) if i not in reduced]
    perm = tuple(other + reduced)
    moved = x if perm == tuple(range(ndim)) else transpose_p.bind(x, perm=perm)
    moved_shape = tuple(moved.shape)
    flat_shape = moved_shape[: len(other)] + (int(np.prod(moved_shape[len(other):])),)
    flat = moved if len(reduced) == 1 else reshape_p.bind(moved, shape=flat_shape)
    left = cumprod_p.bind(flat, axis=-1, exclusive=True, reverse=False)
    right = cumprod_p.bind(flat, axis=-1, exclusive=True, reverse=True)
    others = conj(left) * conj(right)
    if len(reduced) != 1:
        others = reshape_p.bind(others, shape=moved_shape)
    if perm != tuple(range(ndim)):
        others = transpose_p.bind(others, perm=tuple(int(p) for p in np.argsort(perm)))
    return others


def _prod_vjp(g, ans, x, axis, keepdims):
    # with no reduced axes the factor is ones, still computed from x: the second
    # derivative is then 0, not None (TensorFlow)
    g = expand_reduced(g, tuple(x.shape), axis, keepdims)
    return g * _product_of_others(x, axis)


def _prod_jvp(t, ans, x, axis, keepdims):
    return reduce_sum_p.bind(t * _product_of_others(x, axis), axis=axis, keepdims=keepdims)


reduce_prod_p: Primitive = Primitive("reduce_prod", _prod_impl, vjps=(_prod_vjp,),
                                     jvps=(_prod_jvp,), reads=((0,),), dtypes="fciu")


def reduce_prod(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None):
    """Product of elements across dimensions.

    The gradient is the product of the other entries, computed without division,
    so it is exact when inputs contain zeros (as TensorFlow's).

    Args:
        input_tensor: A numeric tensor.
        axis: The dimensions to reduce: None (all), an int, a list, or an integer tensor.
        keepdims: Keep reduced dimensions with length 1.
        name: Ignored.

    Returns:
        The reduced tensor, of the input's dtype (1 for an empty reduction).

    >>> import tapegrad as tg
    >>> tg.reduce_prod(tg.constant([[1.0, 2.0], [3.0, 4.0]]), axis=1).numpy().tolist()
    [2.0, 12.0]
    """
    x = _input(input_tensor, "fciu", "reduce_prod")
    axes = _reduction_axes(axis, x, "reduce_prod")
    return reduce_prod_p.bind(x, axis=axes, keepdims=bool(keepdims))


# --- reduce_logsumexp --------------------------------------------------------------------------
def _logsumexp_impl(x, axis, keepdims):
    if not isinstance(x, (np.ndarray, np.generic)):
        return _foreign_logsumexp(x, axis, keepdims)
    acc = _accumulator(x.dtype)
    xs = x.astype(acc, copy=False)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        raw_max = np.max(xs, axis=axis, keepdims=True, initial=-np.inf)
        shift = np.where(np.isfinite(raw_max), raw_max, 0)  # TensorFlow: 0 for +-inf/NaN rows
        out = np.log(np.sum(np.exp(xs - shift), axis=axis, keepdims=True)) + shift
    if not keepdims:
        out = np.squeeze(out, axis=axis)
    return out.astype(x.dtype, copy=False)


def _foreign_logsumexp(x, axis, keepdims):
    """``_logsumexp_impl`` in ``x``'s own library (Dask, CuPy, ...)."""
    xp = namespace(x)
    xs = xp.astype(x, dtype_for(xp, _accumulator(numpy_dtype(x))))
    if any(x.shape[a] == 0 for a in axis):
        raw_max = xp.full_like(xp.sum(xs, axis=axis, keepdims=True), -xp.inf)
    else:
        raw_max = xp.max(xs, axis=axis, keepdims=True)
    shift = xp.where(xp.isfinite(raw_max), raw_max, xp.zeros_like(raw_max))
    out = xp.log(xp.sum(xp.exp(xs - shift), axis=axis, keepdims=True)) + shift
    if not keepdims:
        out = xp.squeeze(out, axis=axis)
    return xp.astype(out, x.dtype)


def _softmax_weights(x, ans, axis, keepdims):
    """``softmax(x)`` over ``axis``: NaN for rows of -inf and at +inf, as TensorFlow's gradient.

    ``exp(x - ans)`` alone is off by ``ans``'s rounding (``e**-1`` for ``[1e7, 1e7]`` in
    float32), so it is normalised by its own sum. The shift only keeps ``exp`` in range
    (the weights do not depend on it); capped at the largest float, a row with ``+inf``
    gives 0 for its finite entries, and a row of ``-inf`` NaN, as TensorFlow's.
    """
    kept = expand_reduced(ans, tuple(x.shape), axis, keepdims)
    shift = minimum_p.bind(kept, float(np.finfo(x.dtype).max))
    e = exp_p.bind(x - shift)
    return e / reduce_sum_p.bind(e, axis=axis, keepdims=True)


def _logsumexp_vjp(g, ans, x, axis, keepdims):
    return expand_reduced(g, tuple(x.shape), axis, keepdims) * _softmax_weights(
        x, ans, axis, keepdims
    )


def _logsumexp_jvp(t, ans, x, axis, keepdims):
    weighted = t * _softmax_weights(x, ans, axis, keepdims)
    return reduce_sum_p.bind(weighted, axis=axis, keepdims=keepdims)


reduce_logsumexp_p = Primitive("reduce_logsumexp", _logsumexp_impl, vjps=(_logsumexp_vjp,),
                               jvps=(_logsumexp_jvp,), reads=((0, ANS),), dtypes="f")


def reduce_logsumexp(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None
):
    """``log(sum(exp(x)))`` across dimensions, computed stably.

    The maximum is subtracted first (TensorFlow's formula), so logits of +-1000
    give finite values and gradients (the softmax). A row of only ``-inf`` gives
    ``-inf`` with a NaN gradient, and ``+inf`` entries a NaN gradient, exactly as
    TensorFlow. An empty reduction gives ``-inf``.

    Args:
        input_tensor: A float tensor.
        axis: The dimensions to reduce: None (all), an int, a list, or an integer tensor.
        keepdims: Keep reduced dimensions with length 1.
        name: Ignored.

    Returns:
        The reduced tensor, of the input's dtype.

    >>> import tapegrad as tg
    >>> round(float(tg.reduce_logsumexp(tg.constant([1000.0, 1000.0]))), 2)
    1000.69
    """
    x = _input(input_tensor, "f", "reduce_logsumexp")
    axes = _reduction_axes(axis, x, "reduce_logsumexp")
    return reduce_logsumexp_p.bind(x, axis=axes, keepdims=bool(keepdims))


# --- reduce_variance, reduce_std ---------------------------------------------------------------
def _squared_magnitude(d: Tensor) -> Tensor:
    if d.dtype.kind == "c":
        return real_part(d * conj(d))
    return square_p.bind(d)


def _variance(x: Tensor, axes: tuple, keepdims: bool) -> Tensor:
    deviations = x - _mean(x, axes, keepdims=True)
    return _mean(_squared_magnitude(deviations), axes, keepdims)


def _real_or_complex(value: Any, op: str) -> Tensor:
    x = convert_to_tensor(value)
    if x.dtype.kind not in "fc":
        raise TypeError(
            f"{op}: input must be either real or complex, got dtype {x.dtype.name} "
            f"(shape {x.shape}); cast integers first, e.g. tapegrad.cast(x, tapegrad.float32)."
        )
    return x


def reduce_variance(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None
):
    """Population variance (``ddof=0``, as TensorFlow) across dimensions.

    Computed as ``mean(|x - mean(x)|**2)``; complex inputs give a real result.

    Args:
        input_tensor: A float or complex tensor (integers raise TypeError, as in TensorFlow).
        axis: The dimensions to reduce: None (all), an int, a list, or an integer tensor.
        keepdims: Keep reduced dimensions with length 1.
        name: Ignored.

    Returns:
        The reduced tensor (real dtype).

    >>> import tapegrad as tg
    >>> tg.math.reduce_variance(tg.constant([1.0, 2.0, 3.0, 4.0])).numpy()
    np.float32(1.25)
    """
    x = _real_or_complex(input_tensor, "reduce_variance")
    axes = _reduction_axes(axis, x, "reduce_variance")
    return _variance(x, axes, bool(keepdims))


def reduce_std(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None):
    """Population standard deviation (``ddof=0``, as TensorFlow) across dimensions.

    ``sqrt(reduce_variance(x))``: where all reduced entries are equal the value
    is 0 and the gradient NaN (``0 * inf``), as TensorFlow; a zero incoming gradient
    gives 0 there (TensorFlow's SqrtGrad), so a ``where`` guard works.

    Args:
        input_tensor: A float or complex tensor.
        axis: The dimensions to reduce: None (all), an int, a list, or an integer tensor.
        keepdims: Keep reduced dimensions with length 1.
        name: Ignored.

    Returns:
        The reduced tensor (real dtype).

    >>> import tapegrad as tg
    >>> tg.math.reduce_std(tg.constant([1.0, 3.0])).numpy()
    np.float32(1.0)
    """
    x = _real_or_complex(input_tensor, "reduce_std")
    axes = _reduction_axes(axis, x, "reduce_std")
    return sqrt_p.bind(_variance(x, axes, bool(keepdims)))


# --- reduce_euclidean_norm, l2_normalize -------------------------------------------------------
def _euclidean_norm_impl(x, axis, keepdims):
    if x.dtype.kind in "iu":  # TensorFlow squares and sums in the integer dtype, then truncates
        total = np.sum(x * x, axis=axis, keepdims=keepdims, dtype=x.dtype)
        return np.sqrt(np.asarray(total, np.float64)).astype(x.dtype)
    acc = _accumulator(x.dtype)
    squares = np.real(x * np.conj(x)) if x.dtype.kind == "c" else np.square(x)
    out = np.sqrt(np.sum(squares, axis=axis, keepdims=keepdims, dtype=acc))
    return out.astype(x.dtype)


def _norm_weights(x, ans, axis, keepdims):
    """``x / norm``: NaN where the norm is 0 (TensorFlow's gradient at the origin)."""
    return x / expand_reduced(ans, tuple(x.shape), axis, keepdims)


def _euclidean_norm_vjp(g, ans, x, axis, keepdims):
    return expand_reduced(g, tuple(x.shape), axis, keepdims) * _norm_weights(
        x, ans, axis, keepdims
    )


def _euclidean_norm_jvp(t, ans, x, axis, keepdims):
    weighted = t * _norm_weights(x, ans, axis, keepdims)
    return reduce_sum_p.bind(weighted, axis=axis, keepdims=keepdims)


reduce_euclidean_norm_p: Primitive = Primitive(
    "reduce_euclidean_norm",
    _euclidean_norm_impl,
    vjps=(_euclidean_norm_vjp,),
    jvps=(_euclidean_norm_jvp,),
    reads=((0, ANS),),
    dtypes="fciu",
)


def reduce_euclidean_norm(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None
):
    """Euclidean (L2) norm ``sqrt(sum(|x|**2))`` across dimensions.

    The gradient is ``x / norm``: NaN where the norm is 0, as TensorFlow. Integer
    tensors give the truncated integer root (squares summed in the integer dtype).

    Args:
        input_tensor: A numeric tensor.
        axis: The dimensions to reduce: None (all), an int, a list, or an integer tensor.
        keepdims: Keep reduced dimensions with length 1.
        name: Ignored.

    Returns:
        The reduced tensor, of the input's dtype.

    >>> import tapegrad as tg
    >>> tg.math.reduce_euclidean_norm(tg.constant([3.0, 4.0])).numpy()
    np.float32(5.0)
    """
    x = _input(input_tensor, "fciu", "reduce_euclidean_norm")
    axes = _reduction_axes(axis, x, "reduce_euclidean_norm")
    return reduce_euclidean_norm_p.bind(x, axis=axes, keepdims=bool(keepdims))


def l2_normalize(x: Any, axis: Any = None, epsilon: float = 1e-12, name: Any = None,
                 dim: Any = None) -> Tensor:
    """``x / sqrt(max(sum(x**2, axis), epsilon))``, TensorFlow's formula.

    Where the squared norm is below ``epsilon`` the result is ``x / sqrt(epsilon)``
    and the gradient ``1 / sqrt(epsilon)`` (TensorFlow's ``maximum`` sends the
    gradient to ``epsilon`` there), so the origin has a finite gradient.

    Args:
        x: A float or complex tensor.
        axis: The dimensions to normalise along: None (all), an int or a list.
        epsilon: Lower bound on the squared norm.
        name: Ignored.
        dim: Deprecated alias of ``axis``.

    Returns:
        A tensor of the shape and dtype of ``x``.

    >>> import tapegrad as tg
    >>> tg.math.l2_normalize(tg.constant([3.0, 4.0])).numpy().tolist()
    [0.6000000238418579, 0.800000011920929]
    """
    x = _real_or_complex(x, "l2_normalize")
    if dim is not None:
        if axis is not None:
            raise InvalidArgumentError(
                "l2_normalize: give axis or its deprecated alias dim, not both."
            )
        axis = dim
    axes = _reduction_axes(axis, x, "l2_normalize")
    square_sum = reduce_sum_p.bind(_squared_magnitude(x), axis=axes, keepdims=True)
    eps = np.asarray(epsilon, dtype=square_sum.dtype)
    above = greater_equal_p.bind(square_sum, eps)._value  # TensorFlow's maximum: ties go to x
    clipped = where_p.bind(square_sum, eps, condition=above)
    inv_norm = 1.0 / sqrt_p.bind(clipped)
    return x * (cast(inv_norm, x.dtype) if x.dtype.kind == "c" else inv_norm)


# --- reduce_any, reduce_all (bool, no gradient) ------------------------------------------------
def _any_impl(x, axis, keepdims):
    return namespace(x).any(x, axis=axis, keepdims=keepdims)


def _all_impl(x, axis, keepdims):
    return namespace(x).all(x, axis=axis, keepdims=keepdims)


reduce_any_p: Primitive = nondifferentiable("reduce_any", _any_impl, dtypes="b")


def reduce_any(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None):
    """Logical OR across dimensions of a bool tensor (no gradient).

    Args:
        input_tensor: A bool tensor.
        axis: The dimensions to reduce: None (all), an int, a list, or an integer tensor.
        keepdims: Keep reduced dimensions with length 1.
        name: Ignored.

    Returns:
        A bool tensor.

    >>> import tapegrad as tg
    >>> tg.reduce_any(tg.constant([[True, False], [False, False]]), axis=1).numpy().tolist()
    [True, False]
    """
    x = _input(input_tensor, "b", "reduce_any")
    axes = _reduction_axes(axis, x, "reduce_any")
    return reduce_any_p.bind(x, axis=axes, keepdims=bool(keepdims))


reduce_all_p: Primitive = nondifferentiable("reduce_all", _all_impl, dtypes="b")


def reduce_all(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None):
    """Logical AND across dimensions of a bool tensor (no gradient).

    Args:
        input_tensor: A bool tensor.
        axis: The dimensions to reduce: None (all), an int, a list, or an integer tensor.
        keepdims: Keep reduced dimensions with length 1.
        name: Ignored.

    Returns:
        A bool tensor.

    >>> import tapegrad as tg
    >>> tg.reduce_all(tg.constant([[True, False], [True, True]]), axis=1).numpy().tolist()
    [False, True]
    """
    x = _input(input_tensor, "b", "reduce_all")
    axes = _reduction_axes(axis, x, "reduce_all")
    return reduce_all_p.bind(x, axis=axes, keepdims=bool(keepdims))


# --- argmax, argmin (no gradient) --------------------------------------------------------------
def _arg_impl(fn, nan_as):
    name = fn.__name__

    def impl(x, axis, output_type):
        if not isinstance(x, (np.ndarray, np.generic)):  # Dask, CuPy, ...: the standard's argmax
            xp = namespace(x)
            if numpy_dtype(x).kind == "f":
                x = xp.where(xp.isnan(x), xp.full_like(x, nan_as), x)
            return xp.astype(getattr(xp, name)(x, axis=axis), dtype_for(xp, output_type))
        if x.dtype.kind == "f":  # TensorFlow skips NaN (index 0 when nothing else is there)
            x = np.where(np.isnan(x), nan_as, x)
        return np.asarray(fn(x, axis=axis)).astype(output_type)

    return impl


_INDEX_TYPES = ("int16", "uint16", "int32", "int64")


def _arg_reduction(prim, input, axis, output_type, op):
    x = _input(input, "fiub", op)
    if x.ndim == 0:
        raise InvalidArgumentError(f"{op}: input must have rank >= 1, got a scalar.")
    a = _single_axis(0 if axis is None else axis, x, op)
    out_type = as_dtype(output_type)
    if out_type.name not in _INDEX_TYPES:
        raise TypeError(f"{op}: output_type must be one of {_INDEX_TYPES}, got {out_type.name}.")
    if x.shape[a] == 0:
        raise InvalidArgumentError(
            f"{op}: reduction axis {a % x.ndim} is empty in shape {x.shape}."
        )
    return prim.bind(x, axis=a, output_type=out_type)


argmax_p: Primitive = nondifferentiable("argmax", _arg_impl(np.argmax, -np.inf), dtypes="fiub")


def argmax(input: Any, axis: Any = None, output_type: Any = np.int64, name: Any = None):
    """Index of the largest value along ``axis`` (no gradient).

    As TensorFlow 2: ``axis=None`` means axis 0 (not the flattened tensor), the
    result is int64 by default, the first index wins among ties, and NaN is skipped.

    Args:
        input: A real or bool tensor of rank >= 1.
        axis: One axis (an int or a scalar integer tensor); None means 0.
        output_type: int64 (default), int32, int16 or uint16.
        name: Ignored.

    Returns:
        An integer tensor with ``axis`` removed.

    >>> import tapegrad as tg
    >>> tg.argmax(tg.constant([[1.0, 5.0], [3.0, 2.0]])).numpy().tolist()
    [1, 0]
    """
    return _arg_reduction(argmax_p, input, axis, output_type, "argmax")


argmin_p: Primitive = nondifferentiable("argmin", _arg_impl(np.argmin, np.inf), dtypes="fiub")


def argmin(input: Any, axis: Any = None, output_type: Any = np.int64, name: Any = None):
    """Index of the smallest value along ``axis`` (no gradient).

    As TensorFlow 2: ``axis=None`` means axis 0, the result is int64 by default,
    the first index wins among ties, and NaN is skipped.

    Args:
        input: A real or bool tensor of rank >= 1.
        axis: One axis (an int or a scalar integer tensor); None means 0.
        output_type: int64 (default), int32, int16 or uint16.
        name: Ignored.

    Returns:
        An integer tensor with ``axis`` removed.

    >>> import tapegrad as tg
    >>> tg.argmin(tg.constant([[1.0, 5.0], [3.0, 2.0]]), axis=1).numpy().tolist()
    [0, 1]
    """
    return _arg_reduction(argmin_p, input, axis, output_type, "argmin")


# --- top_k -------------------------------------------------------------------------------------
TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


def _top_k_impl(x, k, index_type):
    numpy_only("top_k", x)
    n = x.shape[-1]
    # A stable ascending sort of the reversed row, read backwards, is descending with ties
    # in increasing index order (TensorFlow's order); NaN counts as the largest value.
    order = np.flip(np.argsort(np.flip(x, -1), axis=-1, kind="stable"), -1)[..., :k]
    indices = (n - 1) - order
    return np.take_along_axis(x, indices, -1), indices.astype(index_type)


def _along_last(indices: np.ndarray, x_shape: tuple) -> tuple:
    """A NumPy index picking ``x[..., indices[..., j]]`` (take_along_axis on the last axis)."""
    ndim = len(x_shape)
    grids = tuple(
        np.arange(x_shape[j]).reshape((-1,) + (1,) * (ndim - 1 - j)) for j in range(ndim - 1)
    )
    return grids + (indices,)  # (the op's own output array: a compiled function follows it)


def _top_k_vjp(g, ans, x, k, index_type):
    gv = g[0]  # the indices output has no cotangent
    where = _along_last(ans[1]._value, tuple(x.shape))
    return getitem_grad_p.bind(gv, idx=where, shape=tuple(x.shape),
                                     lead_ndim=lead(gv, x.ndim))


def _top_k_jvp(t, ans, x, k, index_type):
    where = _along_last(ans[1]._value, tuple(x.shape))
    return getitem_p.bind(t, idx=_prefix(lead(t, x.ndim)) + where), None


top_k_p: Primitive = Primitive("top_k", _top_k_impl, vjps=(_top_k_vjp,), jvps=(_top_k_jvp,),
                               reads=((ANS,),), multiple_results=True, dtypes="fiu")


def top_k(input: Any, k: Any = 1, sorted: bool = True, index_type: Any = np.int32,
          name: Any = None) -> TopKV2:
    """The ``k`` largest entries of the last axis, and their indices.

    Values are in decreasing order, ties in increasing index order (as
    TensorFlow). ``sorted=False`` is accepted and also returns them sorted
    (TensorFlow leaves that order unspecified). The gradient scatters the
    values' cotangent back to the selected positions; indices have none.

    Args:
        input: A real tensor of rank >= 1.
        k: How many entries to select (0 <= k <= last dimension).
        sorted: Accepted for compatibility; results are always sorted.
        index_type: Dtype of the indices: int32 (default), int64 or int16.
        name: Ignored.

    Returns:
        ``TopKV2(values, indices)``, each of shape ``input.shape[:-1] + (k,)``.

    >>> import tapegrad as tg
    >>> values, indices = tg.math.top_k(tg.constant([1.0, 3.0, 2.0]), k=2)
    >>> values.numpy().tolist(), indices.numpy().tolist()
    ([3.0, 2.0], [1, 2])
    """
    x = _input(input, "fiu", "top_k")
    if x.ndim == 0:
        raise InvalidArgumentError("top_k: input must have rank >= 1, got a scalar.")
    if isinstance(k, Tensor):
        k = read_values(k)
    if not _is_int(k):
        raise TypeError(f"top_k: k must be an int or a scalar integer tensor, got {k!r}.")
    k = int(k)
    if not 0 <= k <= x.shape[-1]:
        raise InvalidArgumentError(
            f"top_k: k must be in [0, {x.shape[-1]}] for input of shape {x.shape} "
            f"(the last dimension has {x.shape[-1]} entries), got k={k}."
        )
    out_type = as_dtype(index_type)
    if out_type.name not in ("int16", "int32", "int64"):
        raise TypeError(f"top_k: index_type must be int16, int32 or int64, got {out_type.name}.")
    values, indices = top_k_p.bind(x, k=k, index_type=out_type)
    return TopKV2(values, indices)
