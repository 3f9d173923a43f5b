"""Linear algebra (``tf.linalg``): products, solves and decompositions, batched.

Every op works on the last two axes and broadcasts (or loops over) the
leading batch axes. Forward passes call numpy.linalg / SciPy's BLAS; the
derivative rules are TensorFlow's matrix-calculus formulas (``linalg_grad.py``)
written with tapegrad ops, so they differentiate again (second order works).

Rules never assume how many leading dimensions a cotangent or tangent has:
they use matmul broadcasting, column selection by matmuls with constant
selectors and negative axes, so Jacobians push a whole batch of cotangents
through one sweep.

Conventions shared with TensorFlow:

* ``cholesky`` and ``eigh`` read only the lower triangle; their gradients are
  TensorFlow's (cholesky: symmetrised; eigh: lower-triangular with a halved
  diagonal).
* ``eigh``/``svd`` gradients use ``x / (x**2 + 1e-20)`` for ``1 / x`` (finite for
  repeated eigen/singular values, but then only the eigenvalue part is right).
* ``svd`` returns ``(s, u, v)`` with ``v`` not transposed; ``qr`` and ``slogdet``
  return named tuples ``(q, r)`` and ``(sign, log_abs_determinant)``.
"""

from __future__ import annotations

import string
from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.linalg.blas as _blas

from .._core.primitive import Primitive
from .._core.tensor import Tensor, convert_to_tensor
from ._helpers import add_tangents as _plus
from ._helpers import conj as _conj
from ._helpers import lead
from .shape import matrix_transpose_p, reshape_p

__all__ = [
    "matmul",
    "matvec",
    "inv",
    "det",
    "slogdet",
    "logdet",
    "cholesky",
    "solve",
    "triangular_solve",
    "eigh",
    "svd",
    "qr",
    "trace",
    "diag",
    "diag_part",
    "norm",
    "tensordot",
    "einsum",
]

Qr = namedtuple("Qr", ["q", "r"])
LogMatrixDeterminant = namedtuple("LogMatrixDeterminant", ["sign", "log_abs_determinant"])


# ---------------------------------------------------------------------------------
# Small helpers (tapegrad ops only, so rules stay differentiable)
# ---------------------------------------------------------------------------------
def _mt(x: Tensor) -> Tensor:
    return matrix_transpose_p.bind(x)


def _adj(x: Tensor) -> Tensor:
    """Conjugate transpose of the last two axes."""
    t = matrix_transpose_p.bind(x)
    if t.dtype.kind == "c":
        from .casting import conj_p

        t = conj_p.bind(t)
    return t


def _as_dtype(x: Tensor, dtype: Any) -> Tensor:
    """Cast (differentiably) when the dtype differs, e.g. real singular values to complex."""
    if x.dtype == dtype:
        return x
    from .casting import cast_p

    return cast_p.bind(x, dtype=np.dtype(dtype))


def _real(x: Tensor) -> Tensor:
    if x.dtype.kind != "c":
        return x
    from .casting import real_p

    return real_p.bind(x)


def _mm(a: Tensor, b: Tensor) -> Tensor:
    return matmul_p.bind(a, b)


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


def _diag_mat(v: Tensor) -> Tensor:
    n = v.shape[-1]
    return matrix_diag_p.bind(v, k=0, shape=(n, n))


def _diag_vec(x: Tensor) -> Tensor:
    return matrix_diag_part_p.bind(x, k=0)


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


def _cols(x: Tensor, start: int, stop: int) -> Tensor:
    """``x[..., :, start:stop]`` as a matmul with a constant selector (linear, batchable)."""
    n = x.shape[-1]
    if start == 0 and stop == n:
        return x
    return _mm(x, _const(np.eye(n)[:, start:stop], x.dtype))


def _join_cols(a: Tensor, b: Tensor) -> Tensor:
    """``concat([a, b], axis=-1)`` as two matmuls with constant selectors."""
    p, q = a.shape[-1], b.shape[-1]
    eye = np.eye(p + q)
    return _mm(a, _const(eye[:p], a.dtype)) + _mm(b, _const(eye[p:], b.dtype))


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
        raise ValueError(
            f"{op}: {arg} must be a matrix or a batch of matrices (rank >= 2), got shape "
            f"{x.shape}."
        )
    if square and x.shape[-1] != x.shape[-2]:
        raise ValueError(
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
        raise ValueError(
            f"{op}: batch dimensions {a.shape[:-2]} and {b.shape[:-2]} (of shapes {a.shape} "
            f"and {b.shape}) do not broadcast."
        ) from None


# ---------------------------------------------------------------------------------
# matmul, matvec
# ---------------------------------------------------------------------------------
def _matmul_impl(a, b, ta=False, tb=False):
    if ta:
        a = a.swapaxes(-1, -2)
    if tb:
        b = b.swapaxes(-1, -2)
    return np.matmul(a, b)


def _matmul_vjp_a(g, ans, a, b, ta=False, tb=False):
    b = _conj(b)  # complex: the adjoint of the other operand (TensorFlow's convention)
    if not ta:
        return matmul_p.bind(g, b, ta=False, tb=not tb)  # g @ op(b)^T
    return matmul_p.bind(b, g, ta=tb, tb=True)  # op(b) @ g^T


def _matmul_vjp_b(g, ans, a, b, ta=False, tb=False):
    a = _conj(a)
    if not tb:
        return matmul_p.bind(a, g, ta=not ta, tb=False)  # op(a)^T @ g
    return matmul_p.bind(g, a, ta=True, tb=ta)  # g^T @ op(a)


def _matmul_jvp(t, ans, a, b, ta=False, tb=False):
    t_a, t_b = t
    out = None if t_a is None else matmul_p.bind(t_a, b, ta=ta, tb=tb)
    if t_b is not None:
        other = matmul_p.bind(a, t_b, ta=ta, tb=tb)
        out = other if out is None else out + other
    return out


# ``ta``/``tb`` swap the last two axes of an operand inside the op, so the backward pass
# needs no separate transposes (one op per cotangent instead of two).
matmul_p: Primitive = Primitive(
    "matmul",
    _matmul_impl,
    vjps=(_matmul_vjp_a, _matmul_vjp_b),
    jvp=_matmul_jvp,
    vjp_reads=((1,), (0,)),
    dtypes="fciu",
)


def matmul(
    a: Any,
    b: Any,
    transpose_a: bool = False,
    transpose_b: bool = False,
    adjoint_a: bool = False,
    adjoint_b: bool = False,
    a_is_sparse: bool = False,
    b_is_sparse: bool = False,
    output_type: Any = None,
    name: Any = None,
) -> Tensor:
    """Matrix product of the last two axes, broadcasting the leading (batch) axes.

    Args:
        a: Tensor of rank >= 2.
        b: Tensor of rank >= 2 with ``b.shape[-2] == a.shape[-1]`` (after transposes).
        transpose_a, transpose_b: Transpose the last two axes first.
        adjoint_a, adjoint_b: Conjugate-transpose the last two axes first.
        a_is_sparse, b_is_sparse, output_type, name: Accepted for TensorFlow
            compatibility and ignored.

    Returns:
        ``a @ b`` with broadcast batch dimensions.

    >>> import tapegrad as tg
    >>> tg.matmul(tg.ones((2, 3)), tg.ones((3, 4))).shape
    (2, 4)
    """
    # Variables go to the op as they are (the tape snapshots what it saves): no extra read op.
    a = a if isinstance(a, Tensor) else convert_to_tensor(a)
    b = b if isinstance(b, Tensor) else convert_to_tensor(b, dtype_hint=a.dtype)
    if a.ndim < 2 or b.ndim < 2:
        raise ValueError(
            f"matmul: both inputs must have rank >= 2, got shapes {a.shape} and {b.shape}. "
            "Use tapegrad.linalg.matvec for matrix @ vector, or expand_dims."
        )
    ta = bool(transpose_a or adjoint_a)
    tb = bool(transpose_b or adjoint_b)
    if adjoint_a:
        a = _conj(a)
    if adjoint_b:
        b = _conj(b)
    inner_a = a.shape[-2] if ta else a.shape[-1]
    inner_b = b.shape[-1] if tb else b.shape[-2]
    if inner_a != inner_b:
        raise ValueError(
            f"matmul: inner dimensions differ: a has shape {a.shape}"
            f"{' (transposed)' if ta else ''} and b has shape {b.shape}"
            f"{' (transposed)' if tb else ''}; the contracted dimensions must be equal."
        )
    if a.ndim > 2 or b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ValueError(
                f"matmul: batch dimensions {a.shape[:-2]} and {b.shape[:-2]} do not broadcast."
            ) from None
    if ta or tb:
        return matmul_p.bind(a, b, ta=ta, tb=tb)
    return matmul_p.bind(a, b)


def matvec(
    a: Any,
    b: Any,
    transpose_a: bool = False,
    adjoint_a: bool = False,
    a_is_sparse: bool = False,
    b_is_sparse: bool = False,
    name: Any = None,
) -> Tensor:
    """Matrix times vector over the last axes: ``a @ b[..., None]``, squeezed.

    Args:
        a: Tensor of shape ``[..., M, N]``.
        b: Tensor of shape ``[..., N]``.
        transpose_a, adjoint_a: (Conjugate-)transpose ``a`` first.
        a_is_sparse, b_is_sparse, name: Ignored (TensorFlow compatibility).

    Returns:
        Tensor of shape ``[..., M]``.

    >>> import tapegrad as tg
    >>> tg.linalg.matvec(tg.eye(2), tg.constant([1.0, 2.0])).numpy().tolist()
    [1.0, 2.0]
    """
    from .shape import expand_dims, squeeze

    a = convert_to_tensor(a)
    b = convert_to_tensor(b, dtype_hint=a.dtype)
    if b.ndim < 1:
        raise ValueError(f"matvec: b must be a vector (rank >= 1), got shape {b.shape}.")
    out = matmul(a, expand_dims(b, -1), transpose_a=transpose_a, adjoint_a=adjoint_a)
    return squeeze(out, -1)


# ---------------------------------------------------------------------------------
# diag, diag_part, trace
# ---------------------------------------------------------------------------------
def _diag_part_impl(x, k):
    return np.diagonal(x, offset=k, axis1=-2, axis2=-1).copy()


matrix_diag_part_p: Primitive = Primitive(
    "matrix_diag_part",
    _diag_part_impl,
    vjps=(lambda g, ans, x, k: matrix_diag_p.bind(g, k=k, shape=tuple(x.shape[-2:])),),
    jvp=lambda t, ans, x, k: matrix_diag_part_p.bind(t[0], k=k),
    save_inputs=(),
)


def _diag_impl(d, k, shape):
    rows, cols = shape
    out = np.zeros(d.shape[:-1] + (rows, cols), dtype=d.dtype)
    i = np.arange(d.shape[-1])
    out[..., i + max(-k, 0), i + max(k, 0)] = d
    return out


matrix_diag_p: Primitive = Primitive(
    "matrix_diag",
    _diag_impl,
    vjps=(lambda g, ans, d, k, shape: matrix_diag_part_p.bind(g, k=k),),
    jvp=lambda t, ans, d, k, shape: matrix_diag_p.bind(t[0], k=k, shape=shape),
    save_inputs=(),
)


def _single_k(k: Any, op: str) -> int:
    if isinstance(k, Tensor):
        k = k.numpy().tolist()
    if isinstance(k, np.ndarray):
        k = k.tolist()
    if isinstance(k, (list, tuple)):
        if len(k) == 2 and int(k[0]) == int(k[1]):
            return int(k[0])
        if len(k) == 1:
            return int(k[0])
        raise NotImplementedError(
            f"{op}: k={list(k)} names a band of diagonals; tapegrad supports one diagonal "
            "(an int k, or a pair with k[0] == k[1])."
        )
    try:
        return int(k)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: k must be an integer, got {k!r}.") from None


def diag(
    diagonal: Any,
    name: Any = "diag",
    k: Any = 0,
    num_rows: int = -1,
    num_cols: int = -1,
    padding_value: Any = 0,
    align: str = "RIGHT_LEFT",
) -> Tensor:
    """Batched diagonal matrices from vectors (``tf.linalg.diag``).

    Args:
        diagonal: Tensor of shape ``[..., L]``: the values of diagonal ``k``.
        name: Ignored.
        k: Which diagonal (0 main, > 0 above, < 0 below). One diagonal only.
        num_rows, num_cols: Output size. When both are -1 the output is square,
            ``L + |k|``; when one is -1 it is the smallest that fits.
        padding_value: Value of the entries off the diagonal.
        align: Accepted for compatibility (irrelevant for a single diagonal).

    Returns:
        Tensor of shape ``[..., num_rows, num_cols]``.

    >>> import tapegrad as tg
    >>> tg.linalg.diag(tg.constant([1.0, 2.0])).numpy().tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    """
    d = convert_to_tensor(diagonal)
    if d.ndim < 1:
        raise ValueError(f"diag: diagonal must have rank >= 1, got shape {d.shape}.")
    k = _single_k(k, "diag")
    length = d.shape[-1]
    rows = -1 if num_rows is None else int(num_rows)
    cols = -1 if num_cols is None else int(num_cols)
    if rows == -1 and cols == -1:  # TensorFlow: square, just big enough
        rows = cols = length + abs(k)
    elif rows == -1:
        rows = length + max(-k, 0)
    elif cols == -1:
        cols = length + max(k, 0)
    if min(rows - max(-k, 0), cols - max(k, 0)) != length:
        raise ValueError(
            f"diag: num_rows={rows} and num_cols={cols} do not fit diagonal k={k} of length "
            f"{length} (shape {d.shape}): the diagonal must fill the matrix exactly."
        )
    out = matrix_diag_p.bind(d, k=k, shape=(rows, cols))
    pad = np.asarray(padding_value.numpy() if isinstance(padding_value, Tensor) else padding_value)
    if np.any(pad != 0):
        on = _diag_impl(np.ones((length,), dtype=np.float64), k, (rows, cols))
        out = out + _const(pad * (1 - on), d.dtype)
    return out


def diag_part(
    input: Any,
    name: Any = "diag_part",
    k: Any = 0,
    padding_value: Any = 0,
    align: str = "RIGHT_LEFT",
) -> Tensor:
    """The ``k``-th diagonal of each matrix (``tf.linalg.diag_part``).

    Args:
        input: Tensor of shape ``[..., M, N]``.
        name: Ignored.
        k: Which diagonal (0 main, > 0 above, < 0 below). One diagonal only.
        padding_value, align: Accepted for compatibility (unused for one diagonal).

    Returns:
        Tensor of shape ``[..., L]``.

    >>> import tapegrad as tg
    >>> tg.linalg.diag_part(tg.reshape(tg.range(9.0), [3, 3])).numpy().tolist()
    [0.0, 4.0, 8.0]
    """
    x = convert_to_tensor(input)
    if x.ndim < 2:
        raise ValueError(f"diag_part: input must have rank >= 2, got shape {x.shape}.")
    k = _single_k(k, "diag_part")
    m, n = x.shape[-2:]
    if not -m <= k <= n:
        raise ValueError(
            f"diag_part: k={k} is out of range for matrices of shape {x.shape[-2:]} (valid: "
            f"{-m} to {n})."
        )
    return matrix_diag_part_p.bind(x, k=k)


def trace(x: Any, name: Any = None) -> Tensor:
    """Sum of the main diagonal of each matrix (``tf.linalg.trace``).

    Args:
        x: Tensor of shape ``[..., M, N]``.
        name: Ignored.

    Returns:
        Tensor of shape ``[...]``.

    >>> import tapegrad as tg
    >>> float(tg.linalg.trace(tg.reshape(tg.range(9.0), [3, 3])))
    12.0
    """
    from .reduce import reduce_sum_p

    x = convert_to_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"trace: x must have rank >= 2, got shape {x.shape}.")
    return reduce_sum_p.bind(matrix_diag_part_p.bind(x, k=0), axis=(-1,), keepdims=False)


# ---------------------------------------------------------------------------------
# inv, det, slogdet, logdet
# ---------------------------------------------------------------------------------
def _singular(op: str, shape: tuple) -> ValueError:
    return ValueError(
        f"{op}: matrix is singular (not invertible): a matrix in the input of shape {shape} "
        "has no inverse."
    )


def _inv_impl(x, adjoint):
    try:
        return _via_float32(np.linalg.inv, _np_adj(x) if adjoint else x)
    except np.linalg.LinAlgError:
        raise _singular("inv", x.shape) from None


def _inv_vjp(g, ans, x, adjoint):
    if adjoint:
        return -_mm(ans, _mm(_adj(g), ans))
    return -_mm(_adj(ans), _mm(g, _adj(ans)))


def _inv_jvp(t, ans, x, adjoint):
    t = t[0]
    return -_mm(ans, _mm(_adj(t) if adjoint else t, ans))


inv_p: Primitive = Primitive("inv", _inv_impl, vjps=(_inv_vjp,), jvp=_inv_jvp, save_inputs=(),
                  save_ans=True, dtypes="fc")


def inv(input: Any, adjoint: bool = False, name: Any = None) -> Tensor:
    """Inverse of each square matrix (``tf.linalg.inv``).

    Args:
        input: Tensor of shape ``[..., M, M]`` (float16/32/64 or complex).
        adjoint: Invert the conjugate transpose instead.
        name: Ignored.

    Returns:
        Tensor of shape ``[..., M, M]``.

    Raises:
        ValueError: if a matrix is not square or is singular.

    >>> import tapegrad as tg
    >>> tg.linalg.inv(tg.constant([[2.0, 0.0], [0.0, 4.0]])).numpy().tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    """
    x = _matrix_arg(input, "inv", square=True,
                    dtypes=(np.float16, np.float32, np.float64, np.complex64, np.complex128))
    return inv_p.bind(x, adjoint=bool(adjoint))


def _logdet_tangent(t, x):
    """``trace(x^-1 t)`` for each matrix (batched over the tangent's lead dims)."""
    from .reduce import reduce_sum_p

    return reduce_sum_p.bind(_mt(inv_p.bind(x, adjoint=False)) * t, axis=(-2, -1),
                             keepdims=False)


det_p: Primitive = Primitive(
    "det",
    np.linalg.det,
    vjps=(lambda g, ans, x: _per_matrix(g * ans) * inv_p.bind(x, adjoint=True),),
    jvp=lambda t, ans, x: ans * _logdet_tangent(t[0], x),
    save_inputs=(0,),
    save_ans=True,
    dtypes="fc",
)


def det(input: Any, name: Any = None) -> Tensor:
    """Determinant of each square matrix (``tf.linalg.det``).

    The gradient is ``g * det * inv(A)^T``, as TensorFlow's (so it fails for a
    singular matrix).

    Args:
        input: Tensor of shape ``[..., M, M]`` (float32/64, complex64/128).
        name: Ignored.

    Returns:
        Tensor of shape ``[...]``.

    >>> import tapegrad as tg
    >>> float(tg.linalg.det(tg.constant([[2.0, 1.0], [1.0, 3.0]])))
    5.0
    """
    x = _matrix_arg(input, "det", square=True, dtypes=_FLOAT_COMPLEX)
    return det_p.bind(x)


def _slogdet_impl(x):
    sign, logabs = np.linalg.slogdet(x)
    return np.asarray(sign, dtype=x.dtype)[()], np.asarray(logabs, dtype=x.dtype)[()]


slogdet_p: Primitive = Primitive(
    "slogdet",
    _slogdet_impl,
    vjp=lambda g, ans, x: (_per_matrix(g[1]) * inv_p.bind(x, adjoint=True),),
    jvp=lambda t, ans, x: (None, _logdet_tangent(t[0], x)),
    save_inputs=(0,),
    multiple_results=True,
    dtypes="fc",
)


def slogdet(input: Any, name: Any = None):
    """Sign and log of the absolute determinant (``tf.linalg.slogdet``).

    Args:
        input: Tensor of shape ``[..., M, M]`` (float32/64, complex64/128).
        name: Ignored.

    Returns:
        Named tuple ``(sign, log_abs_determinant)``, each of shape ``[...]`` and of
        the input's dtype (for complex input the sign is a unit complex number).
        The sign has no gradient.

    >>> import tapegrad as tg
    >>> sign, logabs = tg.linalg.slogdet(tg.constant([[0.0, 2.0], [1.0, 0.0]]))
    >>> float(sign), round(float(logabs), 4)
    (-1.0, 0.6931)
    """
    x = _matrix_arg(input, "slogdet", square=True, dtypes=_FLOAT_COMPLEX)
    return LogMatrixDeterminant(*slogdet_p.bind(x))


def logdet(matrix: Any, name: Any = None) -> Tensor:
    """Log-determinant of Hermitian positive definite matrices (``tf.linalg.logdet``).

    Computed as TensorFlow does, ``2 * sum(log(diag(cholesky(matrix))))``, so only
    the lower triangle is read and the gradient is symmetric.

    Args:
        matrix: Tensor of shape ``[..., M, M]`` (float32/64, complex64/128),
            Hermitian positive definite.
        name: Ignored.

    Returns:
        Real tensor of shape ``[...]``.

    >>> import tapegrad as tg
    >>> round(float(tg.linalg.logdet(tg.constant([[4.0, 0.0], [0.0, 1.0]]))), 4)
    1.3863
    """
    from .reduce import reduce_sum_p
    from .unary import log_p

    x = _matrix_arg(matrix, "logdet", square=True, dtypes=_FLOAT_COMPLEX)
    chol = cholesky_p.bind(x)
    logs = log_p.bind(_real(_diag_vec(chol)))
    return 2.0 * reduce_sum_p.bind(logs, axis=(-1,), keepdims=False)


# ---------------------------------------------------------------------------------
# cholesky
# ---------------------------------------------------------------------------------
def _cholesky_impl(x):
    try:
        return np.linalg.cholesky(x)
    except np.linalg.LinAlgError:
        raise ValueError(
            f"cholesky: the input of shape {x.shape} is not positive definite (a matrix in it "
            "has no Cholesky factor); pass symmetric positive definite matrices."
        ) from None


def _eye_like(x: Tensor) -> Tensor:
    return _const(np.eye(x.shape[-1]), x.dtype)


def _cholesky_vjp(g, ans, x):
    # TensorFlow: L^-H Phi(L^H g) L^-1, symmetrised (Phi: lower triangle, half diagonal).
    l_inv = triangular_solve_p.bind(ans, _eye_like(ans), lower=True, adjoint=False)
    middle = _mm(_adj(ans), g) * _mask(ans, "lower_half")
    grad = _mm(_mm(_adj(l_inv), middle), l_inv)
    return 0.5 * (grad + _adj(grad))


def _cholesky_jvp(t, ans, x):
    # dL = L Phi(L^-1 sym(dA) L^-H): the transpose of the VJP above.
    t = t[0]
    sym = 0.5 * (t + _adj(t))
    left = triangular_solve_p.bind(ans, sym, lower=True, adjoint=False)
    both = _adj(triangular_solve_p.bind(ans, _adj(left), lower=True, adjoint=False))
    return _mm(ans, both * _mask(ans, "lower_half"))


cholesky_p = Primitive("cholesky", _cholesky_impl, vjps=(_cholesky_vjp,), jvp=_cholesky_jvp,
                       save_inputs=(), save_ans=True, dtypes="fc")


def cholesky(input: Any, name: Any = None) -> Tensor:
    """Lower Cholesky factor ``L`` with ``L @ L^T == input`` (``tf.linalg.cholesky``).

    Only the lower triangle of ``input`` is read. The gradient is TensorFlow's
    (Murray 2016), symmetrised.

    Args:
        input: Tensor of shape ``[..., M, M]`` (float32/64, complex64/128),
            Hermitian positive definite.
        name: Ignored.

    Returns:
        Lower-triangular tensor of shape ``[..., M, M]``.

    Raises:
        ValueError: if a matrix is not square or not positive definite (TensorFlow
            returns NaNs there).

    >>> import tapegrad as tg
    >>> tg.linalg.cholesky(tg.constant([[4.0, 2.0], [2.0, 2.0]])).numpy().tolist()
    [[2.0, 0.0], [1.0, 1.0]]
    """
    x = _matrix_arg(input, "cholesky", square=True, dtypes=_FLOAT_COMPLEX)
    return cholesky_p.bind(x)


# ---------------------------------------------------------------------------------
# solve, triangular_solve
# ---------------------------------------------------------------------------------
def _solve_impl(a, b, adjoint):
    try:
        return np.linalg.solve(_np_adj(a) if adjoint else a, b)
    except np.linalg.LinAlgError:
        raise _singular("solve", a.shape) from None


def _solve_vjp(g, ans, a, b, adjoint):
    grad_b = solve_p.bind(a, g, adjoint=not adjoint)
    if adjoint:
        grad_a = -_mm(ans, _adj(grad_b))
    else:
        grad_a = -_mm(grad_b, _adj(ans))
    return grad_a, grad_b


def _solve_jvp(t, ans, a, b, adjoint):
    ta, tb = t
    rhs = tb
    if ta is not None:
        rhs = _plus(rhs, -_mm(_adj(ta) if adjoint else ta, ans))
    return solve_p.bind(a, rhs, adjoint=adjoint)


solve_p = Primitive("solve", _solve_impl, vjp=_solve_vjp, jvp=_solve_jvp, save_inputs=(0,),
                    save_ans=True, dtypes="fc")


def _rhs_arg(matrix: Tensor, rhs: Any, op: str) -> Tensor:
    b = _matrix_arg(rhs, op, "rhs", dtypes=_FLOAT_COMPLEX, dtype_hint=matrix.dtype)
    _same_dtype(matrix, b, op)
    if b.shape[-2] != matrix.shape[-1]:
        raise ValueError(
            f"{op}: rhs must have shape [..., {matrix.shape[-1]}, K] to match matrix of shape "
            f"{matrix.shape}, got {b.shape}."
        )
    _batch_broadcast(matrix, b, op)
    return b


def solve(matrix: Any, rhs: Any, adjoint: bool = False, name: Any = None) -> Tensor:
    """Solve ``matrix @ x = rhs`` for ``x`` (``tf.linalg.solve``).

    Args:
        matrix: Tensor of shape ``[..., M, M]``.
        rhs: Tensor of shape ``[..., M, K]`` (batch dimensions broadcast).
        adjoint: Solve with the conjugate transpose of ``matrix``.
        name: Ignored.

    Returns:
        Tensor of shape ``[..., M, K]``.

    Raises:
        ValueError: on mismatched shapes or a singular matrix.

    >>> import tapegrad as tg
    >>> tg.linalg.solve(tg.constant([[2.0, 0.0], [0.0, 4.0]]), tg.constant([[1.0], [2.0]])
    ...                 ).numpy().tolist()
    [[0.5], [0.5]]
    """
    a = _matrix_arg(matrix, "solve", "matrix", square=True, dtypes=_FLOAT_COMPLEX)
    b = _rhs_arg(a, rhs, "solve")
    return solve_p.bind(a, b, adjoint=bool(adjoint))


def _trsm_impl(a, b, lower, adjoint):
    dtype = a.dtype
    compute = np.float32 if dtype == np.float16 else dtype
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    n, k = b.shape[-2:]
    count = int(np.prod(batch, dtype=np.int64))  # not -1: ambiguous for empty matrices
    a3 = np.broadcast_to(a, batch + a.shape[-2:]).reshape((count,) + a.shape[-2:]).astype(compute)
    b3 = np.broadcast_to(b, batch + b.shape[-2:]).reshape(count, n, k).astype(compute)
    out = np.empty(b3.shape, dtype=compute)
    if out.size:
        trsm = _blas.get_blas_funcs("trsm", (a3,))
        for i in range(a3.shape[0]):
            out[i] = trsm(1.0, a3[i], b3[i], lower=int(bool(lower)),
                          trans_a=2 if adjoint else 0)
    return out.reshape(batch + (n, k)).astype(dtype, copy=False)


def _trsm_vjp(g, ans, a, b, lower, adjoint):
    grad_b = triangular_solve_p.bind(a, g, lower=lower, adjoint=not adjoint)
    if adjoint:
        grad_a = -_mm(ans, _adj(grad_b))
    else:
        grad_a = -_mm(grad_b, _adj(ans))
    return grad_a * _mask(grad_a, "lower" if lower else "upper"), grad_b


def _trsm_jvp(t, ans, a, b, lower, adjoint):
    ta, tb = t
    rhs = tb
    if ta is not None:
        ta = ta * _mask(ta, "lower" if lower else "upper")
        rhs = _plus(rhs, -_mm(_adj(ta) if adjoint else ta, ans))
    return triangular_solve_p.bind(a, rhs, lower=lower, adjoint=adjoint)


triangular_solve_p = Primitive("triangular_solve", _trsm_impl, vjp=_trsm_vjp, jvp=_trsm_jvp,
                               save_inputs=(0,), save_ans=True, dtypes="fc")


def triangular_solve(
    matrix: Any, rhs: Any, lower: bool = True, adjoint: bool = False, name: Any = None
) -> Tensor:
    """Solve ``matrix @ x = rhs`` with a triangular matrix (``tf.linalg.triangular_solve``).

    Only the lower (``lower=True``) or upper triangle of ``matrix`` is read. As in
    TensorFlow, a zero on the diagonal gives inf/nan rather than an error.

    Args:
        matrix: Tensor of shape ``[..., M, M]``.
        rhs: Tensor of shape ``[..., M, K]`` (batch dimensions broadcast).
        lower: Use the lower triangle (else the upper one).
        adjoint: Solve with the conjugate transpose of the triangle.
        name: Ignored.

    Returns:
        Tensor of shape ``[..., M, K]``.

    >>> import tapegrad as tg
    >>> tg.linalg.triangular_solve(tg.constant([[2.0, 0.0], [1.0, 1.0]]),
    ...                            tg.constant([[2.0], [3.0]])).numpy().tolist()
    [[1.0], [2.0]]
    """
    a = _matrix_arg(matrix, "triangular_solve", "matrix", square=True, dtypes=_FLOAT_COMPLEX)
    b = _rhs_arg(a, rhs, "triangular_solve")
    return triangular_solve_p.bind(a, b, lower=bool(lower), adjoint=bool(adjoint))


# ---------------------------------------------------------------------------------
# eigh
# ---------------------------------------------------------------------------------
def _eigh_impl(x):
    e, v = np.linalg.eigh(x)
    return e.astype(x.dtype), v  # TensorFlow: complex input gives complex eigenvalues


def _eigh_vjp(g, ans, x):
    ge, gv = g
    e, v = ans
    f = _pairwise_f(e)
    inner = _diag_mat(ge) + f * _mm(_adj(v), gv)
    grad = _mm(v, _mm(inner, _adj(v)))
    # The forward reads the lower triangle only: symmetrise, keep it, halve the diagonal.
    return ((grad + _adj(grad)) * _mask(grad, "lower_half"),)


def _eigh_jvp(t, ans, x):
    e, v = ans
    t = t[0]
    # The Hermitian matrix the lower triangle of the tangent stands for (LAPACK reads the
    # real part of the diagonal only).
    low = t * _mask(t, "strict_lower")
    diag = _diag_mat(_as_dtype(_real(_diag_vec(t)), t.dtype)) if t.dtype.kind == "c" else (
        t * _const(np.eye(t.shape[-1]), t.dtype))
    m = _mm(_adj(v), _mm(low + _adj(low) + diag, v))
    return _diag_vec(m), _mm(v, _pairwise_f(e) * m)


eigh_p: Primitive = Primitive("eigh", _eigh_impl, vjp=_eigh_vjp, jvp=_eigh_jvp, save_inputs=(),
                   save_ans=True, multiple_results=True, dtypes="fc")


def eigh(tensor: Any, name: Any = None):
    """Eigen-decomposition of symmetric matrices (``tf.linalg.eigh``).

    Only the lower triangle is read. Eigenvalues ascend; each eigenvector's sign
    is LAPACK's (use sign-invariant functions of ``v`` for portable results). The
    eigenvector gradient assumes distinct eigenvalues (TensorFlow's formula).

    Args:
        tensor: Tensor of shape ``[..., N, N]`` (float32/64, complex64/128).
        name: Ignored.

    Returns:
        Tuple ``(e, v)``: eigenvalues ``[..., N]`` (of the input's dtype, as in
        TensorFlow) and eigenvectors as columns ``[..., N, N]``.

    >>> import tapegrad as tg
    >>> e, v = tg.linalg.eigh(tg.constant([[2.0, 1.0], [1.0, 2.0]]))
    >>> [round(x, 4) for x in e.numpy().tolist()]
    [1.0, 3.0]
    """
    x = _matrix_arg(tensor, "eigh", square=True, dtypes=_FLOAT_COMPLEX)
    e, v = eigh_p.bind(x)
    return e, v


# ---------------------------------------------------------------------------------
# svd
# ---------------------------------------------------------------------------------
def _svd_impl(x, full_matrices):
    u, s, vh = np.linalg.svd(x, full_matrices=full_matrices)
    return s, u, _np_adj(vh)


def _svd_vjp(g, ans, x, full_matrices):
    """TensorFlow's SVD gradient (Townsend's thin formula; Giles for full matrices)."""
    grad_s, grad_u, grad_v = g
    s, u, v = ans
    m, n = x.shape[-2], x.shape[-1]
    use_adjoint = m > n
    if use_adjoint:
        m, n = n, m
        u, v = v, u
        grad_u, grad_v = grad_v, grad_u
    if full_matrices and abs(m - n) > 1:
        raise NotImplementedError(
            f"svd: the gradient is not implemented for full_matrices=True when the matrix "
            f"dimensions differ by more than 1 (input shape {tuple(x.shape)}), as in TensorFlow."
        )
    dtype = x.dtype
    s = _as_dtype(s, dtype)  # complex input: real singular values, complex algebra
    grad_s = _as_dtype(grad_s, dtype)
    s_mat = _diag_mat(s)
    f = _pairwise_f(s * s)
    s_inv_mat = _diag_mat(_safe_reciprocal(s))
    v1 = _cols(v, 0, m)
    grad_v1 = _cols(grad_v, 0, m)
    f_u = f * _mm(_adj(u), grad_u)
    v_gv = _mm(_adj(v1), grad_v1)
    f_v = f * v_gv
    term1_nouv = (_diag_mat(grad_s) + _mm(f_u + _adj(f_u), s_mat)
                  + _mm(s_mat, f_v + _adj(f_v)))
    out = _mm(u, _mm(term1_nouv, _adj(v1)))
    if m != n:
        gv1t = _adj(grad_v1)
        term2_nous = gv1t - _mm(_mm(gv1t, v1), _adj(v1))
        if full_matrices:
            v2 = _cols(v, m, n)
            grad_v2 = _cols(grad_v, m, n)
            term2_nous = term2_nous - _mm(_mm(_adj(v1), grad_v2), _adj(v2))
        out = out + _mm(_mm(u, s_inv_mat), term2_nous)
    if dtype.kind == "c":
        diag_v_gv = v_gv * _const(np.eye(m), dtype)
        term3_nouv = _mm(s_inv_mat, _adj(diag_v_gv) - diag_v_gv)
        out = out + 0.5 * _mm(u, _mm(term3_nouv, _adj(v1)))
    return (_adj(out) if use_adjoint else out,)


def _svd_jvp(t, ans, x, full_matrices):
    """Thin SVD tangent (JAX's formula, with TensorFlow's safe reciprocals)."""
    da = t[0]
    s, u, v = ans
    dtype = x.dtype
    m, n = x.shape[-2], x.shape[-1]
    k = s.shape[-1]
    sc = _as_dtype(s, dtype)
    row = reshape_p.bind(sc, shape=tuple(s.shape[:-1]) + (1, k))
    col = reshape_p.bind(sc, shape=tuple(s.shape[:-1]) + (k, 1))
    row_inv = _safe_reciprocal(row)
    ds_mat = _mm(_adj(u), _mm(da, v))
    ds = _real(_diag_vec(ds_mat))
    f = _pairwise_f(sc * sc)
    dss = ds_mat * row
    sds = col * ds_mat
    du_inner = f * (dss + _adj(dss))
    if dtype.kind == "c":
        du_inner = du_inner + 0.5 * (ds_mat - _adj(ds_mat)) * _const(np.eye(k), dtype) * row_inv
    du = _mm(u, du_inner)
    dv = _mm(v, f * (sds + _adj(sds)))
    if m > n:
        dav = _mm(da, v)
        du = du + (dav - _mm(u, _mm(_adj(u), dav))) * row_inv
    if n > m:
        dahu = _mm(_adj(da), u)
        dv = dv + (dahu - _mm(v, _mm(_adj(v), dahu))) * row_inv
    return ds, du, dv


svd_p = Primitive("svd", _svd_impl, vjp=_svd_vjp, jvp=_svd_jvp, save_inputs=(), save_ans=True,
                  multiple_results=True, dtypes="fc")
# full_matrices=True on a non-square matrix: the engine transposes the VJP for forward mode
svd_full_p = Primitive("svd_full", _svd_impl, vjp=_svd_vjp, save_inputs=(), save_ans=True,
                       multiple_results=True, dtypes="fc")


def _svd_values_impl(x):
    return np.linalg.svd(x, compute_uv=False)


def _svd_values_vjp(g, ans, x):
    _, u, v = svd_p.bind(x, full_matrices=False)
    return _mm(u, _mm(_diag_mat(_as_dtype(g, x.dtype)), _adj(v)))


def _svd_values_jvp(t, ans, x):
    _, u, v = svd_p.bind(x, full_matrices=False)
    return _real(_diag_vec(_mm(_adj(u), _mm(t[0], v))))


svd_values_p: Primitive = Primitive("svd_values", _svd_values_impl, vjps=(_svd_values_vjp,),
                         jvp=_svd_values_jvp, save_inputs=(0,), dtypes="fc")


def svd(tensor: Any, full_matrices: bool = False, compute_uv: bool = True, name: Any = None):
    """Singular value decomposition ``tensor = u @ diag(s) @ v^H`` (``tf.linalg.svd``).

    Singular values descend. The gradient is TensorFlow's: it assumes distinct
    (non-zero, for non-square input) singular values; with ``full_matrices=True``
    it exists only when the two matrix dimensions differ by at most 1.

    Args:
        tensor: Tensor of shape ``[..., M, N]`` (float32/64, complex64/128).
        full_matrices: Return square ``u`` ``[..., M, M]`` and ``v`` ``[..., N, N]``
            instead of the thin ``[..., M, P]`` and ``[..., N, P]`` (P = min(M, N)).
        compute_uv: Return ``(s, u, v)`` when True, only ``s`` when False.
        name: Ignored.

    Returns:
        ``(s, u, v)`` in that order (``v`` not transposed), or ``s``; ``s`` is
        real for complex input.

    >>> import tapegrad as tg
    >>> s = tg.linalg.svd(tg.constant([[3.0, 0.0], [0.0, -2.0]]), compute_uv=False)
    >>> s.numpy().tolist()
    [3.0, 2.0]
    """
    x = _matrix_arg(tensor, "svd", dtypes=_FLOAT_COMPLEX)
    if not compute_uv:
        return svd_values_p.bind(x)
    if full_matrices and x.shape[-1] != x.shape[-2]:
        s, u, v = svd_full_p.bind(x, full_matrices=True)
    else:
        s, u, v = svd_p.bind(x, full_matrices=False)
    return s, u, v


# ---------------------------------------------------------------------------------
# qr
# ---------------------------------------------------------------------------------
def _qr_impl(x, full_matrices):
    mode = "complete" if full_matrices else "reduced"
    return _via_float32(lambda a: tuple(np.linalg.qr(a, mode=mode)), x)


def _solve_r(x: Tensor, r: Tensor) -> Tensor:
    """``x @ inv(r)^H`` for upper-triangular ``r`` (TensorFlow's ``_TriangularSolve``)."""
    return _adj(triangular_solve_p.bind(r, _adj(x), lower=False, adjoint=False))


def _qr_grad_deep(q, r, dq, dr):
    qdq = _mm(_adj(q), dq)
    qdq_ = qdq - _adj(qdq)
    rdr = _mm(r, _adj(dr))
    rdr_ = rdr - _adj(rdr)
    tril = (qdq_ + rdr_) * _mask(qdq, "lower")
    grad_a = _mm(q, dr + _solve_r(tril, r))
    grad_b = _solve_r(dq - _mm(q, qdq), r)
    out = grad_a + grad_b
    if q.dtype.kind == "c":  # TensorFlow's correction for complex input
        m = rdr - _adj(qdq)
        eyem = _diag_mat(_diag_vec(m))
        correction = eyem - _as_dtype(_real(eyem), q.dtype)
        out = out + _solve_r(_mm(q, _adj(correction)), r)
    return out


def _qr_vjp(g, ans, x, full_matrices):
    dq, dr = g
    q, r = ans
    m, n = q.shape[-2], r.shape[-1]
    if r.shape[-2] > r.shape[-1] and q.shape[-2] == q.shape[-1]:
        raise NotImplementedError(
            f"qr: the gradient is not implemented for full_matrices=True with more rows than "
            f"columns (input shape {tuple(x.shape)}), as in TensorFlow."
        )
    if m >= n:
        return (_qr_grad_deep(q, r, dq, dr),)
    # Wide matrix: a = [x, y], r = [u, v]; reduce to the square case (TensorFlow).
    y = _cols(x, m, n)
    u = _cols(r, 0, m)
    dv = _cols(dr, m, n)
    du = _cols(dr, 0, m)
    dy = _mm(q, dv)
    dx = _qr_grad_deep(q, u, dq + _mm(y, _adj(dv)), du)
    return (_join_cols(dx, dy),)


def _qr_jvp_deep(q, r, dx):
    """Tangents of a thin QR with rows >= columns (JAX's rule, with its complex correction)."""
    dx_rinv = _adj(triangular_solve_p.bind(r, _adj(dx), lower=False, adjoint=True))  # dx r^-1
    qt = _mm(_adj(q), dx_rinv)
    low = qt * _mask(qt, "strict_lower")
    do = low - _adj(low)
    if qt.dtype.kind == "c":
        do = do + (qt - _as_dtype(_real(qt), qt.dtype)) * _const(np.eye(qt.shape[-1]), qt.dtype)
    return _mm(q, do - qt) + dx_rinv, _mm(qt - do, r)


def _qr_jvp(t, ans, x, full_matrices):
    dx = t[0]
    q, r = ans
    m, n = x.shape[-2], x.shape[-1]
    if m > n and full_matrices:
        raise NotImplementedError(
            f"qr: the derivative is not implemented for full_matrices=True with more rows than "
            f"columns (input shape {tuple(x.shape)}), as in TensorFlow."
        )
    if m >= n:
        return _qr_jvp_deep(q, r, dx)
    # Wide: x = [X, Y] and r = [U, V] with X = q U and V = q^H Y.
    dq, du = _qr_jvp_deep(q, _cols(r, 0, m), _cols(dx, 0, m))
    dv = _mm(_adj(dq), _cols(x, m, n)) + _mm(_adj(q), _cols(dx, m, n))
    return dq, _join_cols(du, dv)


qr_p = Primitive("qr", _qr_impl, vjp=_qr_vjp, jvp=_qr_jvp, save_inputs=(0,), save_ans=True,
                 multiple_results=True, dtypes="fc")


def qr(input: Any, full_matrices: bool = False, name: Any = None):
    """QR decomposition ``input = q @ r`` (``tf.linalg.qr``).

    The signs follow LAPACK's Householder QR (the same as TensorFlow's). The
    gradient is TensorFlow's; it is not defined for ``full_matrices=True`` with
    more rows than columns.

    Args:
        input: Tensor of shape ``[..., M, N]`` (float16/32/64, complex64/128).
        full_matrices: Return ``q`` ``[..., M, M]`` and ``r`` ``[..., M, N]``
            instead of ``[..., M, P]`` and ``[..., P, N]`` (P = min(M, N)).
        name: Ignored.

    Returns:
        Named tuple ``(q, r)``.

    >>> import tapegrad as tg
    >>> q, r = tg.linalg.qr(tg.constant([[3.0, 1.0], [4.0, 2.0]]))
    >>> [round(x, 4) for x in tg.abs(r).numpy().ravel().tolist()]
    [5.0, 2.2, 0.0, 0.4]
    """
    x = _matrix_arg(input, "qr", dtypes=(np.float16,) + _FLOAT_COMPLEX)
    q, r = qr_p.bind(x, full_matrices=bool(full_matrices))
    return Qr(q, r)


# ---------------------------------------------------------------------------------
# einsum, tensordot
# ---------------------------------------------------------------------------------
_LETTERS = string.ascii_letters


def _einsum_impl(*xs, equation):
    if len(xs) == 1:
        out = np.einsum(equation, xs[0])
        if isinstance(out, np.ndarray) and not out.flags.owndata:
            out = out.copy()
        return out
    return np.einsum(equation, *xs, optimize=True)


def _split_equation(equation: str) -> tuple[list, str]:
    ins, out = equation.split("->")
    return ins.split(","), out


def _fresh_letters(used: str):
    return iter(c for c in _LETTERS if c not in used)


def _einsum_vjp_rule(i: int):
    def rule(g, ans, *xs, equation):
        ins, out = _split_equation(equation)
        used = set(equation)
        fresh = _fresh_letters("".join(used))
        k = lead(g, len(out))
        batch = "".join(next(fresh) for _ in range(k))
        operands, subs = [g], [batch + out]
        for j, x in enumerate(xs):
            if j != i:
                operands.append(_conj(x))
                subs.append(ins[j])
        available = set("".join(subs))
        target = list(ins[i])
        seen: set = set()
        for pos, c in enumerate(target):
            size = xs[i].shape[pos]
            if c in seen:  # repeated label (a diagonal): a fresh label tied by an identity
                new = next(fresh)
                target[pos] = new
                operands.append(_const(np.eye(size), g.dtype))
                subs.append(c + new)
                continue
            seen.add(c)
            if c not in available:  # summed in the forward: broadcast back with ones
                operands.append(_const(np.ones(size), g.dtype))
                subs.append(c)
                available.add(c)
        eq = ",".join(subs) + "->" + batch + "".join(target)
        return einsum_p.bind(*operands, equation=eq)

    return rule


def _einsum_jvp(tangents, ans, *xs, equation):
    ins, out = _split_equation(equation)
    total = None
    for i, t in enumerate(tangents):
        if t is None:
            continue
        fresh = _fresh_letters(equation)
        k = lead(t, xs[i].ndim)
        batch = "".join(next(fresh) for _ in range(k))
        subs = list(ins)
        subs[i] = batch + ins[i]
        operands = list(xs)
        operands[i] = t
        term = einsum_p.bind(*operands, equation=",".join(subs) + "->" + batch + out)
        total = _plus(total, term)
    return total


einsum_p: Primitive = Primitive(
    "einsum",
    _einsum_impl,
    vjps=tuple(_einsum_vjp_rule(i) for i in range(len(_LETTERS))),
    jvp=_einsum_jvp,
    # operand i's rule reads the other operands (and only the shape of operand i)
    vjp_reads=tuple(tuple(j for j in range(len(_LETTERS)) if j != i)
                    for i in range(len(_LETTERS))),
    dtypes="fciu",
)


def _parse_einsum(equation: str, shapes: list) -> str:
    """Validate ``equation`` against ``shapes``; return it explicit, without ellipses."""
    eq = "".join(equation.split())
    if not isinstance(equation, str) or eq.count("->") > 1:
        raise ValueError(f"einsum: malformed equation {equation!r}.")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(
            f"einsum: equation {equation!r} names {len(terms)} operand(s) but "
            f"{len(shapes)} were given (shapes {shapes})."
        )
    for term in terms + ([rhs] if arrow else []):
        rest = term.replace("...", "", 1)
        bad = [c for c in rest if c not in _LETTERS]
        if bad:
            raise ValueError(
                f"einsum: invalid character {bad[0]!r} in equation {equation!r}; use letters "
                "a-z, A-Z and at most one '...' per term."
            )
    used = "".join(c for c in eq if c in _LETTERS)
    ell_ranks = []
    for term, shape in zip(terms, shapes):
        named = len(term.replace("...", ""))
        if "..." in term:
            if len(shape) < named:
                raise ValueError(
                    f"einsum: operand of shape {shape} has rank {len(shape)}, fewer than the "
                    f"{named} labels of {term!r} in {equation!r}."
                )
            ell_ranks.append(len(shape) - named)
        else:
            if len(shape) != named:
                raise ValueError(
                    f"einsum: operand of shape {shape} has rank {len(shape)}, but {term!r} in "
                    f"{equation!r} has {named} labels."
                )
            ell_ranks.append(0)
    n_ell = max(ell_ranks, default=0)
    fresh = _fresh_letters(used)
    ell_letters = "".join(next(fresh) for _ in range(n_ell))
    if len(ell_letters) < n_ell:
        raise ValueError(f"einsum: too many dimensions for equation {equation!r}.")
    explicit = []
    for term, r in zip(terms, ell_ranks):
        explicit.append(term.replace("...", ell_letters[n_ell - r:] if r else ""))
    # Sizes: named labels must agree exactly; ellipsis labels broadcast (1 or equal).
    sizes: dict = {}
    for term, shape in zip(explicit, shapes):
        for c, d in zip(term, shape):
            if c in ell_letters:
                prev = sizes.get(c, 1)
                if prev != d and 1 not in (prev, d):
                    raise ValueError(
                        f"einsum: the '...' dimensions of the operands (shapes {shapes}) do not "
                        f"broadcast in {equation!r}."
                    )
                sizes[c] = max(prev, d) if 1 in (prev, d) else d
            elif c in sizes and sizes[c] != d:
                raise ValueError(
                    f"einsum: label {c!r} has size {sizes[c]} in one place and {d} in another "
                    f"in {equation!r} (operand shapes {shapes})."
                )
            else:
                sizes[c] = d
    if arrow:
        if "..." in rhs:
            out = rhs.replace("...", ell_letters)
        elif n_ell and any(sizes[c] != 1 for c in ell_letters):
            raise ValueError(
                f"einsum: the operands have '...' dimensions but the output {rhs!r} of "
                f"{equation!r} has no '...'."
            )
        else:
            out = rhs
        for c in out:
            if c not in sizes:
                raise ValueError(
                    f"einsum: output label {c!r} of {equation!r} appears in no operand."
                )
        if len(set(out)) != len(out):
            raise ValueError(f"einsum: output of {equation!r} repeats a label.")
    else:
        counts: dict = {}
        for term in terms:
            for c in term.replace("...", ""):
                counts[c] = counts.get(c, 0) + 1
        out = ell_letters + "".join(sorted(c for c, n in counts.items() if n == 1))
    return ",".join(explicit) + "->" + out


def einsum(equation: str, *inputs: Any, **kwargs: Any) -> Tensor:
    """Einstein summation (``tf.einsum``), with ``...`` for broadcast batch dimensions.

    The gradient with respect to each operand is another einsum (repeated labels
    and summed labels handled with identity and ones operands), so it works to
    any order.

    Args:
        equation: Subscripts such as ``"ij,jk->ik"``, ``"...ij,...jk"`` or ``"ii"``;
            without ``->`` the output holds the labels used once, sorted.
        *inputs: The operands (one per comma-separated term).
        **kwargs: ``name`` and ``optimize`` are accepted and ignored.

    Returns:
        The contracted tensor.

    >>> import tapegrad as tg
    >>> tg.einsum("ij,jk->ik", tg.ones((2, 3)), tg.ones((3, 4))).shape
    (2, 4)
    """
    unknown = set(kwargs) - {"name", "optimize"}
    if unknown:
        raise TypeError(f"einsum: unexpected keyword arguments {sorted(unknown)}.")
    if not isinstance(equation, str):
        raise TypeError(f"einsum: equation must be a string, got {type(equation).__name__}.")
    if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)) and inputs[0] and all(
        isinstance(v, Tensor) for v in inputs[0]
    ):
        inputs = tuple(inputs[0])
    if not inputs:
        raise ValueError("einsum: no operands given.")
    tensors = []
    hint = next((v.dtype for v in inputs if isinstance(v, Tensor)), None)
    for v in inputs:
        tensors.append(convert_to_tensor(v, dtype_hint=hint))
    explicit = _parse_einsum(equation, [t.shape for t in tensors])
    return einsum_p.bind(*tensors, equation=explicit)


def _axes_list(axes: Any) -> Any:
    if isinstance(axes, Tensor):
        axes = axes.numpy()
    if isinstance(axes, np.ndarray):
        axes = axes.tolist()
    return axes


def tensordot(a: Any, b: Any, axes: Any, name: Any = None) -> Tensor:
    """Contract ``a`` and ``b`` over the given axes (``tf.tensordot``).

    Args:
        a: Tensor.
        b: Tensor of the same dtype.
        axes: An int ``N`` (the last ``N`` axes of ``a`` with the first ``N`` of
            ``b``) or a pair ``[a_axes, b_axes]`` of equal-length lists (or ints).
        name: Ignored.

    Returns:
        Tensor with the free axes of ``a`` followed by the free axes of ``b``.

    >>> import tapegrad as tg
    >>> tg.tensordot(tg.ones((2, 3, 4)), tg.ones((4, 3, 5)), axes=[[1, 2], [1, 0]]).shape
    (2, 5)
    """
    a = convert_to_tensor(a)
    b = convert_to_tensor(b, dtype_hint=a.dtype)
    axes = _axes_list(axes)
    if isinstance(axes, (int, np.integer)):
        count = int(axes)
        if count < 0 or count > a.ndim or count > b.ndim:
            raise ValueError(
                f"tensordot: axes={count} must be between 0 and the ranks of a {a.shape} and "
                f"b {b.shape}."
            )
        a_axes: Any = list(range(a.ndim - count, a.ndim))
        b_axes: Any = list(range(count))
    elif isinstance(axes, (list, tuple)) and len(axes) == 2:
        a_axes, b_axes = (_axes_list(x) for x in axes)
        a_axes = [a_axes] if isinstance(a_axes, (int, np.integer)) else list(a_axes)
        b_axes = [b_axes] if isinstance(b_axes, (int, np.integer)) else list(b_axes)
        if len(a_axes) != len(b_axes):
            raise ValueError(
                f"tensordot: axes {a_axes} of a and {b_axes} of b must have the same length."
            )
    else:
        raise ValueError(
            f"tensordot: axes must be an int or a pair of lists [a_axes, b_axes], got {axes!r}."
        )

    def positive(ax_list, x, which):
        out = []
        for ax in ax_list:
            ax = int(ax)
            if not -x.ndim <= ax < x.ndim:
                raise ValueError(
                    f"tensordot: axis {ax} is out of range for {which} of shape {x.shape}."
                )
            out.append(ax % x.ndim)
        if len(set(out)) != len(out):
            raise ValueError(f"tensordot: axes {ax_list} of {which} repeat an axis.")
        return out

    a_axes = positive(a_axes, a, "a")
    b_axes = positive(b_axes, b, "b")
    for i, j in zip(a_axes, b_axes):
        if a.shape[i] != b.shape[j]:
            raise ValueError(
                f"tensordot: cannot contract axis {i} of a (shape {a.shape}, size {a.shape[i]}) "
                f"with axis {j} of b (shape {b.shape}, size {b.shape[j]})."
            )
    if a.ndim + b.ndim - len(a_axes) > len(_LETTERS):
        raise ValueError("tensordot: too many dimensions.")
    a_sub = list(_LETTERS[: a.ndim])
    fresh = iter(_LETTERS[a.ndim:])
    b_sub: list = [None] * b.ndim
    for i, j in zip(a_axes, b_axes):
        b_sub[j] = a_sub[i]
    b_sub = [c if c is not None else next(fresh) for c in b_sub]
    out = [c for i, c in enumerate(a_sub) if i not in a_axes]
    out += [c for j, c in enumerate(b_sub) if j not in b_axes]
    eq = "".join(a_sub) + "," + "".join(b_sub) + "->" + "".join(out)
    return einsum_p.bind(a, b, equation=eq)


# ---------------------------------------------------------------------------------
# norm
# ---------------------------------------------------------------------------------
def _is_int(x: Any) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def norm(
    tensor: Any,
    ord: Any = "euclidean",
    axis: Any = None,
    keepdims: Any = None,
    name: Any = None,
) -> Tensor:
    """Vector and matrix norms (``tf.norm`` / ``tf.linalg.norm``), computed as TensorFlow does.

    ``axis=None`` treats the whole tensor as one vector; an int is a vector norm
    along that axis; a pair of ints is a matrix norm over those axes.
    Gradients follow TensorFlow's composition (``sqrt(sum(x * x))``: NaN at 0;
    ties of the max in ``ord=1``/``inf`` share the gradient).

    Args:
        tensor: Float tensor.
        ord: Vectors: ``'euclidean'``, ``1``, ``2``, ``np.inf`` or any real
            ``p > 0``. Matrices: ``'euclidean'``/``'fro'``, ``1``, ``2`` (largest
            singular value), ``np.inf``.
        axis: None, an int, or a pair of distinct ints.
        keepdims: Keep the reduced axes with size 1.
        name: Ignored.

    Returns:
        The norm(s).

    >>> import tapegrad as tg
    >>> float(tg.norm(tg.constant([3.0, 4.0])))
    5.0
    """
    from .reduce import reduce_max, reduce_sum
    from .shape import expand_dims, squeeze, transpose
    from .unary import abs as abs_
    from .unary import sqrt

    x = convert_to_tensor(tensor)
    axis = _axes_list(axis)
    is_matrix = isinstance(axis, (list, tuple)) and len(axis) == 2
    if is_matrix:
        if not all(_is_int(a) for a in axis) or axis[0] == axis[1]:
            raise ValueError(
                f"norm: 'axis' must be None, an integer, or a tuple of 2 unique integers, got "
                f"{axis!r}."
            )
        if isinstance(ord, str) or ord not in (1, 2, np.inf):
            if ord not in ("euclidean", "fro"):
                raise ValueError(
                    "norm: 'ord' must be a supported matrix norm in ['euclidean', 'fro', 1, 2, "
                    f"inf], got {ord!r}."
                )
        rank = x.ndim
        for a in axis:
            if not -rank <= a < rank:
                raise ValueError(f"norm: axis {a} is out of range for shape {x.shape}.")
        axes: Any = tuple(int(a) % rank for a in axis)
        if axes[0] == axes[1]:
            raise ValueError(f"norm: axis {axis} names the same axis twice.")
    else:
        if isinstance(axis, (list, tuple)) and len(axis) == 1:
            axis = axis[0]
        if not (axis is None or _is_int(axis)):
            raise ValueError(
                f"norm: 'axis' must be None, an integer, or a tuple of 2 unique integers, got "
                f"{axis!r}."
            )
        ok = ord == "euclidean" or (
            not isinstance(ord, (str, bool)) and np.isreal(ord) and float(ord) > 0
        )
        if not ok:
            raise ValueError(f"norm: 'ord' must be a supported vector norm, got {ord!r}.")
        if axis is not None:
            if not -x.ndim <= axis < max(x.ndim, 1):
                raise ValueError(f"norm: axis {axis} is out of range for shape {x.shape}.")
            axes = (int(axis) % max(x.ndim, 1),)
        else:
            axes = None
    sum_axes = None if axes is None else list(axes)
    if (not isinstance(ord, str)) and is_matrix and ord == 2:
        rank = x.ndim
        others = [i for i in range(rank) if i not in axes]
        perm_before = others + list(axes)
        perm_after = [perm_before.index(i) for i in range(rank)]
        s = svd(transpose(x, perm_before), compute_uv=False)
        result = expand_dims(reduce_max(abs_(s), axis=-1, keepdims=True), -1)
        result = transpose(result, perm_after)
    elif isinstance(ord, str) or ord == 2:
        result = sqrt(reduce_sum(x * _conj(x), sum_axes, keepdims=True))
    else:
        result = abs_(x)
        if ord == 1:
            result = reduce_sum(result, None if axes is None else axes[0], keepdims=True)
            if is_matrix:
                result = reduce_max(result, axes[-1], keepdims=True)
        elif ord == np.inf:
            if is_matrix:
                result = reduce_sum(result, axes[1], keepdims=True)
            result = reduce_max(result, None if axes is None else axes[0], keepdims=True)
        else:
            p = float(ord)
            result = reduce_sum(result ** p, sum_axes, keepdims=True) ** (1.0 / p)
    if not keepdims:
        result = squeeze(result, sum_axes)
    return result
