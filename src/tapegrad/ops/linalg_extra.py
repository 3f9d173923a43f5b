"""``tf.linalg`` ops that TensorFlow itself composes from others: lstsq, pinv, expm,
band_part, cross, normalize; and bands of diagonals for diag/diag_part.

Each is written as TensorFlow's Python layer writes it (regularized normal equations
for ``lstsq``, the SVD with small singular values saturated to infinity for ``pinv``),
so values and gradients follow from the ops they use; gradients of any order come for
free. ``expm`` is a primitive whose rules are ``expm`` of a block matrix.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg

from .._core.errors import InvalidArgumentError
from .._core.primitive import Primitive
from .._core.tensor import Tensor, convert_to_tensor
from ._matrix import _const
from ._namespace import numpy_only
from .arithmetic import where
from .casting import cast
from .creation import zeros_like
from .decompositions import norm, svd
from .index import gather, getitem
from .linalg import diag as _diag
from .linalg import diag_part as _diag_part
from .linalg import matmul, matrix_diag_p, matrix_diag_part_p
from .reduce import reduce_max
from .shape import broadcast_to, concat, expand_dims, matrix_transpose, stack
from .slicing import pad
from .solvers import solve

__all__ = ["lstsq", "pinv", "expm", "band_part", "cross", "normalize", "diag", "diag_part"]

_FLOATS = "fc"


def _matrix(value: Any, op: str, kinds: str = _FLOATS) -> Tensor:
    x = convert_to_tensor(value)
    if x.ndim < 2:
        raise InvalidArgumentError(
            f"{op}: expected a matrix (rank >= 2, [..., M, N]), got shape {x.shape}.")
    if x.dtype.kind not in kinds or x.dtype == np.float16:
        raise TypeError(
            f"{op}: expected float32/float64/complex64/complex128 matrices, got dtype "
            f"{x.dtype.name} (shape {x.shape}); cast with tapegrad.cast."
        )
    return x


def _eye(n: int, dtype: Any) -> Tensor:
    return Tensor._wrap(np.eye(n, dtype=dtype))


def _scalar(value: float, dtype: Any) -> Any:
    return np.asarray(value, dtype)[()]


# --- lstsq ------------------------------------------------------------------------------
def lstsq(
    matrix: Any, rhs: Any, l2_regularizer: Any = 0.0, fast: bool = True, name: Any = None
) -> Tensor:
    """Least-squares solutions of ``matrix @ x = rhs`` (``tf.linalg.lstsq``).

    ``fast=True`` solves the regularized normal equations, ``(A^H A + l2 I) x = A^H b``
    for tall ``A`` and ``x = A^H (A A^H + l2 I)^{-1} b`` for wide ``A`` (minimum norm);
    ``fast=False`` uses the pseudo-inverse (rank-deficient ``A`` too; ``l2_regularizer``
    must be 0).

    Args:
        matrix: ``[..., M, N]``.
        rhs: ``[..., M, K]``.
        l2_regularizer: A non-negative scalar.
        fast: Normal equations (True) or the pseudo-inverse (False).
        name: Ignored.

    Returns:
        ``[..., N, K]``.

    >>> import tapegrad as tg
    >>> a = tg.constant([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> b = tg.constant([[1.0], [2.0], [3.0]])
    >>> [round(v, 6) for v in tg.reshape(tg.linalg.lstsq(a, b), [-1]).numpy().tolist()]
    [1.0, 2.0]
    """
    op = "lstsq"
    a = _matrix(matrix, op)
    b = convert_to_tensor(rhs, dtype_hint=a.dtype)
    if b.dtype != a.dtype:
        raise TypeError(f"{op}: matrix dtype {a.dtype.name} and rhs dtype {b.dtype.name} "
                        "differ; cast one with tapegrad.cast.")
    if b.ndim < 2 or b.shape[-2] != a.shape[-2]:
        raise InvalidArgumentError(
            f"{op}: rhs must be [..., M, K] with M = {a.shape[-2]} rows like matrix (shape "
            f"{a.shape}), got shape {b.shape}."
        )
    l2 = float(np.asarray(l2_regularizer.numpy() if isinstance(l2_regularizer, Tensor)
                          else l2_regularizer))
    if l2 < 0:
        raise InvalidArgumentError(f"{op}: l2_regularizer must be >= 0, got {l2}.")
    if not fast:
        if l2:
            raise NotImplementedError(
                f"{op}: l2_regularizer={l2} needs fast=True (as TensorFlow); pass fast=True."
            )
        return matmul(pinv(a), b)
    m, n = a.shape[-2:]
    if m >= n:
        gram = matmul(a, a, adjoint_a=True)
        if l2:
            gram = gram + _eye(n, a.dtype) * _scalar(l2, a.dtype)
        return solve(gram, matmul(a, b, adjoint_a=True))
    gram = matmul(a, a, adjoint_b=True)
    if l2:
        gram = gram + _eye(m, a.dtype) * _scalar(l2, a.dtype)
    return matmul(a, solve(gram, b), adjoint_a=True)


# --- pinv -------------------------------------------------------------------------------
def pinv(a: Any, rcond: Any = None, validate_args: bool = False, name: Any = None) -> Tensor:
    """The Moore-Penrose pseudo-inverse (``tf.linalg.pinv``), from the SVD.

    Singular values at most ``rcond * max(s)`` count as zero (default ``rcond`` is
    ``10 * max(M, N) * eps``); they are replaced by infinity, so their reciprocal is 0
    and the gradient stays finite, as TensorFlow does.

    Args:
        a: ``[..., M, N]`` float matrices.
        rcond: The relative cutoff.
        validate_args: Ignored.
        name: Ignored.

    Returns:
        ``[..., N, M]``.

    >>> import tapegrad as tg
    >>> tg.linalg.pinv(tg.constant([[2.0, 0.0], [0.0, 0.0]])).numpy().tolist()
    [[0.5, 0.0], [0.0, 0.0]]
    """
    x = _matrix(a, "pinv", "f")
    if rcond is None:
        rcond = 10.0 * max(x.shape[-2:]) * np.finfo(x.dtype).eps
    cutoff = _scalar(float(np.asarray(rcond)), x.dtype)
    s, u, v = svd(x)
    top = reduce_max(s, axis=-1, keepdims=True) * cutoff if s.shape[-1] else s
    s = where(s > top, s, _scalar(np.inf, x.dtype))
    return matmul(v / expand_dims(s, -2), u, adjoint_b=True)


# --- expm -------------------------------------------------------------------------------
def _expm_impl(x):
    numpy_only("expm", x)  # (SciPy's scaling and squaring)
    if not np.isfinite(x).all():  # as TensorFlow: NaN everywhere
        return np.full(x.shape, np.nan, x.dtype)
    return scipy.linalg.expm(x).astype(x.dtype, copy=False)


def _frechet(a: Tensor, e: Tensor) -> Tensor:
    """The derivative of expm at ``a`` in the direction ``e``: the top right block of
    ``expm([[a, e], [0, a]])`` (Mathias's identity), itself differentiable."""
    n = a.shape[-1]
    if e.ndim > a.ndim:
        a = broadcast_to(a, e.shape)
    big = concat([concat([a, e], -1), concat([zeros_like(e), a], -1)], -2)
    return getitem(expm_p.bind(big), (Ellipsis, slice(0, n), slice(n, 2 * n)))


expm_p: Primitive = Primitive(
    "expm",
    _expm_impl,
    vjps=(lambda g, ans, x: _frechet(matrix_transpose(x, conjugate=x.dtype.kind == "c"), g),),
    jvps=(lambda t, ans, x: _frechet(x, t),),
    reads=((0,),),
    dtypes="fc",
)
"""The matrix exponential; its rules are expm of a block matrix, so any order works."""


def expm(input: Any, name: Any = None) -> Tensor:
    """The matrix exponential (``tf.linalg.expm``), by scaling and squaring.

    The value is SciPy's (Padé approximants with scaling and squaring, Al-Mohy and
    Higham); the gradient is the exact Fréchet derivative, computed as the exponential
    of a block matrix, where TensorFlow differentiates its own Padé approximant (they
    agree to rounding). A non-finite entry makes every entry NaN, as in TensorFlow.

    Args:
        input: ``[..., N, N]`` float or complex matrices.
        name: Ignored.

    Returns:
        ``exp(input)``, of the same shape and dtype.

    >>> import tapegrad as tg
    >>> tg.linalg.expm(tg.zeros([2, 2])).numpy().tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    op = "expm"
    x = _matrix(input, op)
    if x.shape[-1] != x.shape[-2]:
        raise InvalidArgumentError(
            f"{op}: expected square matrices [..., N, N], got shape {x.shape}.")
    return expm_p.bind(x)


# --- band_part --------------------------------------------------------------------------
def _band_arg(value: Any, op: str, arg: str) -> int:
    v = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
    if v.ndim != 0 or v.dtype.kind not in "iu":
        raise TypeError(f"{op}: {arg} must be an integer scalar, got {value!r}.")
    return int(v)


def band_part(input: Any, num_lower: Any, num_upper: Any, name: Any = None) -> Tensor:
    """Zero everything outside a band around the diagonal (``tf.linalg.band_part``).

    Keeps ``x[..., i, j]`` where ``i - j <= num_lower`` and ``j - i <= num_upper``; a
    negative count keeps that whole triangle. The gradient is the band of the
    cotangent.

    Args:
        input: ``[..., M, N]``.
        num_lower: Subdiagonals to keep (negative: all).
        num_upper: Superdiagonals to keep (negative: all).
        name: Ignored.

    Returns:
        A tensor of ``input``'s shape and dtype.

    >>> import tapegrad as tg
    >>> tg.linalg.band_part(tg.ones([3, 3]), 0, -1).numpy().tolist()
    [[1.0, 1.0, 1.0], [0.0, 1.0, 1.0], [0.0, 0.0, 1.0]]
    """
    op = "band_part"
    x = convert_to_tensor(input)
    if x.ndim < 2:
        raise InvalidArgumentError(
            f"{op}: input must have rank >= 2 ([..., M, N]), got shape {x.shape}.")
    lower = _band_arg(num_lower, op, "num_lower")
    upper = _band_arg(num_upper, op, "num_upper")
    m, n = x.shape[-2:]
    if lower > m or upper > n:
        raise InvalidArgumentError(
            f"{op}: num_lower ({lower}) must be at most the number of rows ({m}) and "
            f"num_upper ({upper}) at most the number of columns ({n}) (input shape {x.shape})."
        )
    offset = np.arange(m)[:, None] - np.arange(n)[None, :]
    keep = ((lower < 0) | (offset <= lower)) & ((upper < 0) | (-offset <= upper))
    return where(np.broadcast_to(keep, x.shape), x, np.zeros((), x.dtype)[()])


# --- cross ------------------------------------------------------------------------------
def cross(a: Any, b: Any, name: Any = None) -> Tensor:
    """The cross product of 3-vectors along the last axis (``tf.linalg.cross``).

    Args:
        a: ``[..., 3]``.
        b: ``[..., 3]``, of ``a``'s shape and dtype.
        name: Ignored.

    Returns:
        ``a x b``, ``[..., 3]``.

    >>> import tapegrad as tg
    >>> tg.linalg.cross(tg.constant([1.0, 0.0, 0.0]), tg.constant([0.0, 1.0, 0.0])).numpy().tolist()
    [0.0, 0.0, 1.0]
    """
    op = "cross"
    x = convert_to_tensor(a)
    y = convert_to_tensor(b, dtype_hint=x.dtype)
    if x.dtype != y.dtype:
        raise TypeError(f"{op}: a dtype {x.dtype.name} and b dtype {y.dtype.name} differ; cast "
                        "one with tapegrad.cast.")
    if x.shape != y.shape or x.ndim < 1 or x.shape[-1] != 3:
        raise InvalidArgumentError(
            f"{op}: a and b must have the same shape [..., 3], got {x.shape} and {y.shape}."
        )
    first, second = [1, 2, 0], [2, 0, 1]
    return (gather(x, first, axis=-1) * gather(y, second, axis=-1)
            - gather(x, second, axis=-1) * gather(y, first, axis=-1))


# --- normalize --------------------------------------------------------------------------
def normalize(tensor: Any, ord: Any = "euclidean", axis: Any = None, name: Any = None) -> tuple:
    """``tensor / norm(tensor)`` and the norm (``tf.linalg.normalize``).

    Args:
        tensor: A float or complex tensor.
        ord: As :func:`tapegrad.norm`.
        axis: As :func:`tapegrad.norm`.
        name: Ignored.

    Returns:
        ``(normalized, norm)``; ``norm`` keeps the reduced axes with size 1.

    >>> import tapegrad as tg
    >>> x, n = tg.linalg.normalize(tg.constant([3.0, 4.0]))
    >>> x.numpy().tolist(), n.numpy().tolist()
    ([0.6, 0.8], [5.0])
    """
    x = convert_to_tensor(tensor)
    n = norm(x, ord=ord, axis=axis, keepdims=True)
    n = cast(n, x.dtype) if n.dtype != x.dtype else n
    return x / n, n


# --- bands of diagonals (TensorFlow's matrix_diag_v3 / matrix_diag_part_v3) ---------------
_ALIGNS = ("RIGHT_LEFT", "LEFT_RIGHT", "LEFT_LEFT", "RIGHT_RIGHT")


def _band(k: Any, op: str) -> tuple | None:
    """``(low, high)`` when ``k`` names a band of two or more diagonals, else None."""
    if isinstance(k, Tensor):
        k = k.numpy().tolist()
    if isinstance(k, np.ndarray):
        k = k.tolist()
    if not isinstance(k, (list, tuple)) or len(k) != 2:
        return None
    try:
        low, high = int(k[0]), int(k[1])
    except (TypeError, ValueError):
        raise TypeError(f"{op}: k must hold integers, got {list(k)}.") from None
    if low > high:
        raise InvalidArgumentError(f"{op}: k[0] ({low}) must not be greater than k[1] ({high}).")
    return (low, high) if low != high else None


def _diag_len(d: int, rows: int, cols: int) -> int:
    return max(min(rows + min(d, 0), cols - max(d, 0)), 0)


def _offset(d: int, length: int, longest: int, align: str, op: str) -> int:
    """Where diagonal ``d`` starts in its padded row: ``align`` names (super, sub)."""
    if align not in _ALIGNS:
        raise InvalidArgumentError(f"{op}: align must be one of {list(_ALIGNS)}, got {align!r}.")
    side = align.split("_")[0 if d >= 0 else 1]
    return longest - length if side == "RIGHT" else 0


def _scalar_value(value: Any) -> np.ndarray:
    return np.asarray(value.numpy() if isinstance(value, Tensor) else value)


def diag(
    diagonal: Any,
    name: Any = "diag",
    k: Any = 0,
    num_rows: int = -1,
    num_cols: int = -1,
    padding_value: Any = 0,
    align: str = "RIGHT_LEFT",
) -> Tensor:
    """Batched matrices with given diagonals (``tf.linalg.diag``), one or a band.

    For one diagonal ``k`` (an int, or a pair with equal entries) this is
    :func:`tapegrad.ops.linalg.diag`. For a band ``k = (low, high)``, ``diagonal`` is
    ``[..., high - low + 1, max_diag_len]``: one row per diagonal from ``high`` down
    to ``low``, the shorter ones padded as ``align`` says ("RIGHT_LEFT", the default:
    superdiagonals right-aligned, subdiagonals left; "LEFT_RIGHT", "LEFT_LEFT",
    "RIGHT_RIGHT").

    Args:
        diagonal: The diagonal values.
        name: Ignored.
        k: A diagonal (0 main, > 0 above, < 0 below) or a band ``(low, high)``.
        num_rows, num_cols: Output size (-1: the smallest that fits; square if both).
        padding_value: The entries outside the diagonals.
        align: Where a band's shorter diagonals sit in their rows.

    Returns:
        ``[..., num_rows, num_cols]``.

    >>> import tapegrad as tg
    >>> tg.linalg.diag(tg.constant([[0.0, 1.0], [2.0, 3.0]]), k=(0, 1)).numpy().tolist()
    [[2.0, 1.0], [0.0, 3.0]]
    """
    band = _band(k, "diag")
    if band is None:
        return _diag(diagonal, name, k, num_rows, num_cols, padding_value, align)
    low, high = band
    d = convert_to_tensor(diagonal)
    count = high - low + 1
    if d.ndim < 2 or d.shape[-2] != count:
        raise InvalidArgumentError(
            f"diag: k=({low}, {high}) names {count} diagonals, so diagonal must have shape "
            f"[..., {count}, max_diag_len], got shape {d.shape}."
        )
    longest = d.shape[-1]
    rows = -1 if num_rows is None else int(num_rows)
    cols = -1 if num_cols is None else int(num_cols)
    least_rows, least_cols = longest - min(high, 0), longest + max(low, 0)
    if rows == -1 and cols == -1:
        rows = cols = max(least_rows, least_cols)
    elif rows == -1:
        rows = least_rows
    elif cols == -1:
        cols = least_cols
    if min(rows + min(high, 0), cols - max(low, 0)) != longest:
        raise InvalidArgumentError(
            f"diag: num_rows={rows} and num_cols={cols} do not fit diagonals k=({low}, {high}) "
            f"of length {longest} (shape {d.shape}): the longest must fill the matrix exactly."
        )
    out: Any = None
    for i, j in enumerate(range(high, low - 1, -1)):
        length = _diag_len(j, rows, cols)
        start = _offset(j, length, longest, align, "diag")
        values = getitem(d, (Ellipsis, i, slice(start, start + length)))
        term = matrix_diag_p.bind(values, k=j, shape=(rows, cols))
        out = term if out is None else out + term
    fill = _scalar_value(padding_value)
    if np.any(fill != 0):
        offsets = np.arange(cols)[None, :] - np.arange(rows)[:, None]
        outside = (offsets < low) | (offsets > high)
        out = out + _const(fill * outside, d.dtype)
    return out


def diag_part(
    input: Any,
    name: Any = "diag_part",
    k: Any = 0,
    padding_value: Any = 0,
    align: str = "RIGHT_LEFT",
) -> Tensor:
    """The diagonals of each matrix (``tf.linalg.diag_part``): one, or a band.

    For one diagonal ``k`` this is :func:`tapegrad.ops.linalg.diag_part`. For a band
    ``k = (low, high)`` the result is ``[..., high - low + 1, max_diag_len]``: diagonals
    from ``high`` down to ``low``, the shorter ones padded with ``padding_value`` as
    ``align`` says (see :func:`diag`).

    Args:
        input: ``[..., M, N]``.
        name: Ignored.
        k: A diagonal (0 main, > 0 above, < 0 below) or a band ``(low, high)``.
        padding_value: Fills the padding of a band's shorter diagonals.
        align: Where they sit in their rows.

    Returns:
        ``[..., L]`` for one diagonal, ``[..., high - low + 1, max_diag_len]`` for a band.

    >>> import tapegrad as tg
    >>> x = tg.reshape(tg.range(9.0), [3, 3])
    >>> tg.linalg.diag_part(x, k=(-1, 0)).numpy().tolist()
    [[0.0, 4.0, 8.0], [3.0, 7.0, 0.0]]
    """
    band = _band(k, "diag_part")
    if band is None:
        return _diag_part(input, name, k, padding_value, align)
    low, high = band
    x = convert_to_tensor(input)
    if x.ndim < 2:
        raise InvalidArgumentError(f"diag_part: input must have rank >= 2, got shape {x.shape}.")
    m, n = x.shape[-2:]
    for j in (low, high):
        if not -m <= j <= n:
            raise InvalidArgumentError(
                f"diag_part: k={j} is out of range for matrices of shape {x.shape[-2:]} "
                f"(valid: {-m} to {n})."
            )
    fill = _scalar_value(padding_value).astype(x.dtype)[()]
    longest = min(m + min(high, 0), n - max(low, 0))
    rows = []
    for j in range(high, low - 1, -1):
        part = matrix_diag_part_p.bind(x, k=j)
        length = part.shape[-1]
        before = _offset(j, length, longest, align, "diag_part")
        widths = [[0, 0]] * (x.ndim - 2) + [[before, longest - length - before]]
        rows.append(pad(part, widths, constant_values=fill) if longest != length else part)
    return stack(rows, axis=-2)
