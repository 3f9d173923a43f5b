"""Matrix building blocks shared by the linear-algebra ops (written with tapegrad ops)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.tensor import Tensor, convert_to_tensor
from .casting import cast_p, conj_p, real_p
from .shape import matrix_transpose_p, reshape_p


# ---------------------------------------------------------------------------------
# Small helpers (tapegrad ops only, so rules stay differentiable)
# ---------------------------------------------------------------------------------
def _mt(x: Tensor) -> Tensor:
    return matrix_transpose_p.bind(x)


def _adj(x: Tensor) -> Tensor:
    """Conjugate transpose of the last two axes."""
    t = matrix_transpose_p.bind(x)
    if t.dtype.kind == "c":

        t = conj_p.bind(t)
    return t


def _as_dtype(x: Tensor, dtype: Any) -> Tensor:
    """Cast (differentiably) when the dtype differs, e.g. real singular values to complex."""
    if x.dtype == dtype:
        return x

    return cast_p.bind(x, dtype=np.dtype(dtype))


def _real(x: Tensor) -> Tensor:
    if x.dtype.kind != "c":
        return x

    return real_p.bind(x)


def _const(value: Any, dtype: Any) -> Tensor:
    return Tensor._wrap(np.asarray(value, dtype=dtype))


def _mask(x: Tensor, kind: str) -> Tensor:
    """Constant mask over the last two axes of ``x``.

    ``lower``/``upper``: triangle with diagonal; ``strict_lower``; ``offdiag``;
    ``lower_half``: lower triangle with 0.5 on the diagonal (TensorFlow's Phi).
    """
    n, m = x.shape[-2], x.shape[-1]
    ones = np.ones((n, m))
    if kind == "lower":
        value = np.tril(ones)
    elif kind == "upper":
        value = np.triu(ones)
    elif kind == "strict_lower":
        value = np.tril(ones, -1)
    elif kind == "offdiag":
        value = ones - np.eye(n, m)
    else:  # lower_half
        value = np.tril(ones) - 0.5 * np.eye(n, m)
    return _const(value, x.dtype)


def _per_matrix(s: Tensor) -> Tensor:
    """Append two unit axes so one value per matrix broadcasts over the matrix."""
    return reshape_p.bind(s, shape=tuple(s.shape) + (1, 1))


def _safe_reciprocal(x: Tensor) -> Tensor:
    """TensorFlow's ``_SafeReciprocal``: ``x / (x*x + 1e-20)``."""
    return x / (x * x + 1e-20)


def _pairwise_f(e: Tensor) -> Tensor:
    """``f[..., i, j] = 1 / (e_j - e_i)`` off the diagonal, 0 on it."""
    n = e.shape[-1]
    row = reshape_p.bind(e, shape=tuple(e.shape[:-1]) + (1, n))
    col = reshape_p.bind(e, shape=tuple(e.shape[:-1]) + (n, 1))
    diff = row - col
    return _safe_reciprocal(diff) * _mask(diff, "offdiag")


def _via_float32(fn, x, *args):
    """numpy.linalg has no float16: compute in float32 and cast back (as TF's half kernels)."""
    if x.dtype == np.float16:
        out = fn(x.astype(np.float32), *args)
        if isinstance(out, tuple):
            return tuple(o.astype(np.float16) for o in out)
        return out.astype(np.float16)
    return fn(x, *args)


def _np_adj(x: np.ndarray) -> np.ndarray:
    x = np.swapaxes(x, -1, -2)
    return np.conj(x) if x.dtype.kind == "c" else x


_FLOAT = (np.float32, np.float64)
_FLOAT_COMPLEX = (np.float32, np.float64, np.complex64, np.complex128)


def _matrix_arg(
    value: Any,
    op: str,
    arg: str = "input",
    square: bool = False,
    dtypes: Sequence = _FLOAT,
    dtype_hint: Any = None,
) -> Tensor:
    """Convert and validate a (batch of) matrices with a clear message."""
    x = convert_to_tensor(value, dtype_hint=dtype_hint)
    if x.dtype not in [np.dtype(d) for d in dtypes]:
        allowed = ", ".join(np.dtype(d).name for d in dtypes)
        raise TypeError(
            f"{op}: {arg} must have dtype {allowed}, got {x.dtype.name} (shape {x.shape}). "
            "Convert it first, e.g. tapegrad.cast(x, tapegrad.float64)."
        )
    if x.ndim < 2:
        raise InvalidArgumentError(
            f"{op}: {arg} must be a matrix or a batch of matrices (rank >= 2), got shape "
            f"{x.shape}."
        )
    if square and x.shape[-1] != x.shape[-2]:
        raise InvalidArgumentError(
            f"{op}: {arg} must be square in its last two dimensions, got shape {x.shape}."
        )
    return x


def _same_dtype(a: Tensor, b: Tensor, op: str) -> None:
    if a.dtype != b.dtype:
        raise TypeError(
            f"{op}: matrix and rhs must have the same dtype, got {a.dtype.name} and "
            f"{b.dtype.name}; convert one with tapegrad.cast."
        )


def _batch_broadcast(a: Tensor, b: Tensor, op: str) -> None:
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise InvalidArgumentError(
            f"{op}: batch dimensions {a.shape[:-2]} and {b.shape[:-2]} (of shapes {a.shape} "
            f"and {b.shape}) do not broadcast."
        ) from None


