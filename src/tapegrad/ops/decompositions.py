"""Cholesky, eigh, SVD and QR (``tf.linalg``) with TensorFlow's gradients, batched."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError
from .._core.primitive import ANS, Primitive
from .._core.tensor import Tensor, convert_to_tensor
from ._matrix import (
    _FLOAT_COMPLEX,
    _adj,
    _as_dtype,
    _const,
    _mask,
    _matrix_arg,
    _np_adj,
    _pairwise_f,
    _real,
    _safe_reciprocal,
    _via_float32,
)
from ._namespace import numpy_only
from ._rules import conj as _conj
from .linalg import _axes_list, _cols, _diag_mat, _diag_vec, _join_cols, _mm
from .reduce import reduce_max, reduce_sum
from .shape import expand_dims, reshape_p, squeeze, transpose
from .solvers import (
    triangular_solve_p,
)
from .unary import abs as abs_
from .unary import sqrt

__all__ = [
    "norm",
    "eigh",
    "svd",
    "qr",
]


Qr = namedtuple("Qr", ["q", "r"])


# ---------------------------------------------------------------------------------
# eigh
# ---------------------------------------------------------------------------------
def _eigh_impl(x):
    numpy_only("eigh", x)
    e, v = np.linalg.eigh(x)
    return e.astype(x.dtype), v  # TensorFlow: complex input gives complex eigenvalues


def _eigh_vjp(g, ans, x):
    ge, gv = g
    e, v = ans
    f = _pairwise_f(e)
    inner = _diag_mat(ge) + f * _mm(_adj(v), gv)
    grad = _mm(v, _mm(inner, _adj(v)))
    # The forward reads the lower triangle only: symmetrise, keep it, halve the diagonal.
    return (grad + _adj(grad)) * _mask(grad, "lower_half")


def _eigh_jvp(t, ans, x):
    e, v = ans
    # The Hermitian matrix the lower triangle of the tangent stands for (LAPACK reads the
    # real part of the diagonal only).
    low = t * _mask(t, "strict_lower")
    diag = _diag_mat(_as_dtype(_real(_diag_vec(t)), t.dtype)) if t.dtype.kind == "c" else (
        t * _const(np.eye(t.shape[-1]), t.dtype))
    m = _mm(_adj(v), _mm(low + _adj(low) + diag, v))
    return _diag_vec(m), _mm(v, _pairwise_f(e) * m)


eigh_p: Primitive = Primitive("eigh", _eigh_impl, vjps=(_eigh_vjp,), jvps=(_eigh_jvp,),
                              reads=((ANS,),), multiple_results=True, dtypes="fc")


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
    numpy_only("svd", x)  # (LAPACK on whole matrices)
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
    return _adj(out) if use_adjoint else out


def _svd_jvp(da, ans, x, full_matrices):
    """Thin SVD tangent (JAX's formula, with TensorFlow's safe reciprocals)."""
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


svd_p = Primitive("svd", _svd_impl, vjps=(_svd_vjp,), jvps=(_svd_jvp,), reads=((ANS,),),
                  multiple_results=True, dtypes="fc")
# full_matrices=True on a non-square matrix: the engine transposes the VJP for forward mode
svd_full_p = Primitive("svd_full", _svd_impl, vjps=(_svd_vjp,), reads=((ANS,),),
                       multiple_results=True, dtypes="fc")


def _svd_values_impl(x):
    numpy_only("svd_values", x)  # (LAPACK on whole matrices)
    return np.linalg.svd(x, compute_uv=False)


def _svd_values_vjp(g, ans, x):
    _, u, v = svd_p.bind(x, full_matrices=False)
    return _mm(u, _mm(_diag_mat(_as_dtype(g, x.dtype)), _adj(v)))


def _svd_values_jvp(t, ans, x):
    _, u, v = svd_p.bind(x, full_matrices=False)
    return _real(_diag_vec(_mm(_adj(u), _mm(t, v))))


svd_values_p: Primitive = Primitive("svd_values", _svd_values_impl, vjps=(_svd_values_vjp,),
                                    jvps=(_svd_values_jvp,), reads=((0,),), dtypes="fc")


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
    numpy_only("qr", x)  # (LAPACK on whole matrices)
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
        return _qr_grad_deep(q, r, dq, dr)
    # Wide matrix: a = [x, y], r = [u, v]; reduce to the square case (TensorFlow).
    y = _cols(x, m, n)
    u = _cols(r, 0, m)
    dv = _cols(dr, m, n)
    du = _cols(dr, 0, m)
    dy = _mm(q, dv)
    dx = _qr_grad_deep(q, u, dq + _mm(y, _adj(dv)), du)
    return _join_cols(dx, dy)


def _qr_jvp_deep(q, r, dx):
    """Tangents of a thin QR with rows >= columns (JAX's rule, with its complex correction)."""
    dx_rinv = _adj(triangular_solve_p.bind(r, _adj(dx), lower=False, adjoint=True))  # dx r^-1
    qt = _mm(_adj(q), dx_rinv)
    low = qt * _mask(qt, "strict_lower")
    do = low - _adj(low)
    if qt.dtype.kind == "c":
        do = do + (qt - _as_dtype(_real(qt), qt.dtype)) * _const(np.eye(qt.shape[-1]), qt.dtype)
    return _mm(q, do - qt) + dx_rinv, _mm(qt - do, r)


def _qr_jvp(dx, ans, x, full_matrices):
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


qr_p = Primitive("qr", _qr_impl, vjps=(_qr_vjp,), jvps=(_qr_jvp,), reads=((0, ANS),),
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

    x = convert_to_tensor(tensor)
    axis = _axes_list(axis)
    is_matrix = isinstance(axis, (list, tuple)) and len(axis) == 2
    if is_matrix:
        if not all(_is_int(a) for a in axis) or axis[0] == axis[1]:
            raise InvalidArgumentError(
                f"norm: 'axis' must be None, an integer, or a tuple of 2 unique integers, got "
                f"{axis!r}."
            )
        if isinstance(ord, str) or ord not in (1, 2, np.inf):
            if ord not in ("euclidean", "fro"):
                raise InvalidArgumentError(
                    "norm: 'ord' must be a supported matrix norm in ['euclidean', 'fro', 1, 2, "
                    f"inf], got {ord!r}."
                )
        rank = x.ndim
        for a in axis:
            if not -rank <= a < rank:
                raise InvalidArgumentError(f"norm: axis {a} is out of range for shape {x.shape}.")
        axes: Any = tuple(int(a) % rank for a in axis)
        if axes[0] == axes[1]:
            raise InvalidArgumentError(f"norm: axis {axis} names the same axis twice.")
    else:
        if isinstance(axis, (list, tuple)) and len(axis) == 1:
            axis = axis[0]
        if not (axis is None or _is_int(axis)):
            raise InvalidArgumentError(
                f"norm: 'axis' must be None, an integer, or a tuple of 2 unique integers, got "
                f"{axis!r}."
            )
        ok = ord == "euclidean" or (
            not isinstance(ord, (str, bool)) and np.isreal(ord) and float(ord) > 0
        )
        if not ok:
            raise InvalidArgumentError(f"norm: 'ord' must be a supported vector norm, got {ord!r}.")
        if axis is not None:
            if not -x.ndim <= axis < max(x.ndim, 1):
                raise InvalidArgumentError(
                    f"norm: axis {axis} is out of range for shape {x.shape}."
                )
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

