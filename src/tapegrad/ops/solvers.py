"""Inverses, determinants and linear solves (``tf.linalg``), batched over leading axes."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np
import scipy.linalg.blas as _blas

from .._core.errors import InvalidArgumentError
from .._core.primitive import ANS, Primitive
from .._core.tensor import Tensor
from ._matrix import (
    _FLOAT_COMPLEX,
    _adj,
    _batch_broadcast,
    _const,
    _mask,
    _matrix_arg,
    _mt,
    _np_adj,
    _per_matrix,
    _real,
    _same_dtype,
    _via_float32,
)
from ._namespace import numpy_only
from .linalg import _diag_vec, _mm
from .reduce import reduce_sum_p
from .unary import log_p

__all__ = [
    "inv",
    "det",
    "slogdet",
    "logdet",
    "cholesky",
    "solve",
    "triangular_solve",
]


LogMatrixDeterminant = namedtuple("LogMatrixDeterminant", ["sign", "log_abs_determinant"])


# ---------------------------------------------------------------------------------
# inv, det, slogdet, logdet
# ---------------------------------------------------------------------------------
def _singular(op: str, shape: tuple) -> ValueError:
    return ValueError(
        f"{op}: matrix is singular (not invertible): a matrix in the input of shape {shape} "
        "has no inverse."
    )


def _inv_impl(x, adjoint):
    numpy_only("inv", x)  # (LAPACK on whole matrices)
    try:
        return _via_float32(np.linalg.inv, _np_adj(x) if adjoint else x)
    except np.linalg.LinAlgError:
        raise _singular("inv", x.shape) from None


def _inv_vjp(g, ans, x, adjoint):
    if adjoint:
        return -_mm(ans, _mm(_adj(g), ans))
    return -_mm(_adj(ans), _mm(g, _adj(ans)))


def _inv_jvp(t, ans, x, adjoint):
    return -_mm(ans, _mm(_adj(t) if adjoint else t, ans))


inv_p: Primitive = Primitive("inv", _inv_impl, vjps=(_inv_vjp,), jvps=(_inv_jvp,),
                             reads=((ANS,),), dtypes="fc")


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

    return reduce_sum_p.bind(_mt(inv_p.bind(x, adjoint=False)) * t, axis=(-2, -1),
                             keepdims=False)


det_p: Primitive = Primitive(
    "det",
    np.linalg.det,
    vjps=(lambda g, ans, x: _per_matrix(g * ans) * inv_p.bind(x, adjoint=True),),
    jvps=(lambda t, ans, x: ans * _logdet_tangent(t, x),),
    reads=((0, ANS),),
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
    numpy_only("slogdet", x)  # (LAPACK on whole matrices)
    sign, logabs = np.linalg.slogdet(x)
    return np.asarray(sign, dtype=x.dtype)[()], np.asarray(logabs, dtype=x.dtype)[()]


slogdet_p: Primitive = Primitive(
    "slogdet",
    _slogdet_impl,
    vjps=(lambda g, ans, x: _per_matrix(g[1]) * inv_p.bind(x, adjoint=True),),
    jvps=(lambda t, ans, x: (None, _logdet_tangent(t, x)),),  # the sign is constant
    reads=((0,),),
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

    x = _matrix_arg(matrix, "logdet", square=True, dtypes=_FLOAT_COMPLEX)
    chol = cholesky_p.bind(x)
    logs = log_p.bind(_real(_diag_vec(chol)))
    return 2.0 * reduce_sum_p.bind(logs, axis=(-1,), keepdims=False)


# ---------------------------------------------------------------------------------
# cholesky
# ---------------------------------------------------------------------------------
def _cholesky_impl(x):
    numpy_only("cholesky", x)  # (LAPACK on whole matrices)
    try:
        return np.linalg.cholesky(x)
    except np.linalg.LinAlgError:
        raise InvalidArgumentError(
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
    sym = 0.5 * (t + _adj(t))
    left = triangular_solve_p.bind(ans, sym, lower=True, adjoint=False)
    both = _adj(triangular_solve_p.bind(ans, _adj(left), lower=True, adjoint=False))
    return _mm(ans, both * _mask(ans, "lower_half"))


cholesky_p = Primitive("cholesky", _cholesky_impl, vjps=(_cholesky_vjp,), jvps=(_cholesky_jvp,),
                       reads=((ANS,),), dtypes="fc")


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
    numpy_only("solve", a, b)  # (LAPACK on whole matrices)
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


def _solve_jvp_a(t, ans, a, b, adjoint):
    return solve_p.bind(a, -_mm(_adj(t) if adjoint else t, ans), adjoint=adjoint)


def _solve_jvp_b(t, ans, a, b, adjoint):
    return solve_p.bind(a, t, adjoint=adjoint)


solve_p: Primitive = Primitive("solve", _solve_impl, vjp=_solve_vjp,
                               jvps=(_solve_jvp_a, _solve_jvp_b), reads=(0, ANS), dtypes="fc")


def _rhs_arg(matrix: Tensor, rhs: Any, op: str) -> Tensor:
    b = _matrix_arg(rhs, op, "rhs", dtypes=_FLOAT_COMPLEX, dtype_hint=matrix.dtype)
    _same_dtype(matrix, b, op)
    if b.shape[-2] != matrix.shape[-1]:
        raise InvalidArgumentError(
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
    numpy_only("triangular_solve", a, b)  # (LAPACK on whole matrices)
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


def _trsm_jvp_a(t, ans, a, b, lower, adjoint):
    t = t * _mask(t, "lower" if lower else "upper")
    rhs = -_mm(_adj(t) if adjoint else t, ans)
    return triangular_solve_p.bind(a, rhs, lower=lower, adjoint=adjoint)


def _trsm_jvp_b(t, ans, a, b, lower, adjoint):
    return triangular_solve_p.bind(a, t, lower=lower, adjoint=adjoint)


triangular_solve_p = Primitive("triangular_solve", _trsm_impl, vjp=_trsm_vjp,
                               jvps=(_trsm_jvp_a, _trsm_jvp_b), reads=(0, ANS), dtypes="fc")


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


