"""Specs for tapegrad.linalg (src/tapegrad/ops/linalg.py).

Inputs are well conditioned: shifted by a multiple of the identity for
inverses and solves, symmetric positive definite for cholesky/logdet/eigh,
Gaussian (distinct singular values) for svd. Eigenvectors and singular
vectors are checked through sign-invariant functions (``v * v``,
``u diag(s) v^T``). cholesky reads the lower triangle and its gradient is
TensorFlow's symmetrised one, so its specs feed it a symmetrised input
(finite differences then move only along symmetric directions); eigh reads
the lower triangle and its gradient is lower-triangular, so it takes raw input.
"""

from __future__ import annotations

import numpy as np

import tapegrad as tg

from . import Empty, OpSpec, randn

LA = tg.linalg


# --- inputs --------------------------------------------------------------------------------------
def shifted(*shape: int, seed: int = 0) -> np.ndarray:
    """Random square matrices, well conditioned (``+ 3 I``)."""
    return randn(*shape, seed=seed) + 3 * np.eye(shape[-1])


def spd(*shape: int, seed: int = 0) -> np.ndarray:
    """Random symmetric positive definite matrices with distinct eigenvalues."""
    a = randn(*shape, seed=seed)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def upper_tri(*shape: int, seed: int = 0) -> np.ndarray:
    return np.triu(shifted(*shape, seed=seed))


# --- helpers used by the functions under test ------------------------------------------------
def _sym(a):
    return 0.5 * (a + LA.matrix_transpose(a))


def _npsym(a):
    return 0.5 * (a + np.swapaxes(a, -1, -2))


def _np_adj(a):
    return np.swapaxes(a, -1, -2)


def _eigh_out(e, v):
    return e, v * v


def _svd_out(s, u, v):
    return s, u * u, v * v


def _svd_rebuild(s, u, v):
    return tg.matmul(u * tg.expand_dims(s, -2), v, transpose_b=True)


def _np_eigh(a):
    e, v = np.linalg.eigh(a)
    return e, v * v


def _np_svd(a, full_matrices=False):
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return s, u * u, _np_adj(vh) ** 2


def _np_norm(x, ord, axis, keepdims=False):
    return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)


def _np_diag(d, k=0):
    n = d.shape[-1] + abs(k)
    out = np.zeros(d.shape[:-1] + (n, n), d.dtype)
    i = np.arange(d.shape[-1])
    out[..., i + max(-k, 0), i + max(k, 0)] = d
    return out


SPECS = [
    # --- matmul / matvec ------------------------------------------------------------------------
    OpSpec("linalg.matmul/adjoint_a_transpose_b",
           lambda a, b: LA.matmul(a, b, adjoint_a=True, transpose_b=True),
           [randn(4, 3), randn(2, 4, seed=1)], ("matmul", "matrix_transpose"),
           lambda a, b: a.T @ b.T, empty=Empty([(0, 3), (2, 0)], [(3, 2)])),
    OpSpec("linalg.matmul/broadcast_batch", tg.matmul, [randn(2, 1, 3, 4), randn(3, 4, 2, seed=1)],
           ("matmul",), np.matmul, empty=Empty([(2, 1, 3, 0), (3, 0, 2)], [(2, 3, 3, 2)])),
    OpSpec("linalg.matvec/batched_transpose",
           lambda a, b: LA.matvec(a, b, transpose_a=True),
           [randn(2, 4, 3), randn(2, 4, seed=1)], ("matmul",),
           lambda a, b: np.einsum("bij,bi->bj", a, b), empty=Empty([(2, 0, 3), (2, 0)], [(2, 3)])),
    # --- inv, det, slogdet, logdet ----------------------------------------------------------------
    OpSpec("linalg.inv", LA.inv, [shifted(3, 3)], ("inv",), np.linalg.inv, float32_rtol=1e-4,
           empty=Empty([(0, 0)], [(0, 0)])),
    OpSpec("linalg.inv/batched", LA.inv, [shifted(2, 3, 3, seed=1)], ("inv",), np.linalg.inv,
           float32_rtol=1e-4, empty=Empty([(0, 3, 3)], [(0, 3, 3)])),
    OpSpec("linalg.inv/adjoint", lambda a: LA.inv(a, adjoint=True), [shifted(3, 3, seed=2)],
           ("inv",), lambda a: np.linalg.inv(a.T), float32_rtol=1e-4,
           empty=Empty([(0, 0)], [(0, 0)])),
    OpSpec("linalg.det", LA.det, [shifted(3, 3)], ("det",), np.linalg.det, float32_rtol=1e-4,
           empty=Empty([(0, 0)], [()])),
    OpSpec("linalg.det/batched", LA.det, [shifted(2, 3, 3, seed=3)], ("det",), np.linalg.det,
           float32_rtol=1e-4, empty=Empty([(2, 0, 0)], [(2,)])),
    OpSpec("linalg.slogdet", lambda a: tuple(LA.slogdet(a)), [-shifted(3, 3, seed=4)],
           ("slogdet",), lambda a: tuple(np.linalg.slogdet(a)), float32_rtol=1e-4,
           empty=Empty([(0, 0)], [(), ()])),
    OpSpec("linalg.slogdet/batched", lambda a: tuple(LA.slogdet(a)),
           [shifted(2, 3, 3, seed=5) * np.array([1.0, -1.0])[:, None, None]], ("slogdet",),
           lambda a: tuple(np.linalg.slogdet(a)), float32_rtol=1e-4,
           empty=Empty([(2, 0, 0)], [(2,), (2,)])),
    OpSpec("linalg.logdet", lambda a: LA.logdet(_sym(a)), [spd(3, 3, seed=6)],
           ("cholesky", "matrix_diag_part", "log"),
           lambda a: np.linalg.slogdet(_npsym(a))[1], float32_rtol=1e-4,
           empty=Empty([(0, 0)], [()])),
    OpSpec("linalg.logdet/batched", lambda a: LA.logdet(_sym(a)), [spd(2, 3, 3, seed=7)],
           ("cholesky",), lambda a: np.linalg.slogdet(_npsym(a))[1], float32_rtol=1e-4,
           empty=Empty([(0, 3, 3)], [(0,)])),
    # --- cholesky ---------------------------------------------------------------------------------
    OpSpec("linalg.cholesky", lambda a: LA.cholesky(_sym(a)), [spd(3, 3, seed=8)],
           ("cholesky", "triangular_solve"), lambda a: np.linalg.cholesky(_npsym(a)),
           float32_rtol=1e-4, empty=Empty([(0, 0)], [(0, 0)])),
    OpSpec("linalg.cholesky/batched", lambda a: LA.cholesky(_sym(a)), [spd(2, 3, 3, seed=9)],
           ("cholesky",), lambda a: np.linalg.cholesky(_npsym(a)), float32_rtol=1e-4,
           empty=Empty([(2, 0, 0)], [(2, 0, 0)])),
    # --- solve, triangular_solve ------------------------------------------------------------------
    OpSpec("linalg.solve", LA.solve, [shifted(3, 3), randn(3, 2, seed=1)], ("solve",),
           np.linalg.solve, float32_rtol=1e-4, empty=Empty([(0, 0), (0, 2)], [(0, 2)])),
    OpSpec("linalg.solve/adjoint", lambda a, b: LA.solve(a, b, adjoint=True),
           [shifted(3, 3, seed=2), randn(3, 2, seed=3)], ("solve",),
           lambda a, b: np.linalg.solve(a.T, b), float32_rtol=1e-4,
           empty=Empty([shifted(3, 3, seed=2), (3, 0)], [(3, 0)])),
    OpSpec("linalg.solve/broadcast_batch", LA.solve, [shifted(2, 3, 3, seed=4), randn(3, 1)],
           ("solve",), lambda a, b: np.linalg.solve(a, b), float32_rtol=1e-4,
           empty=Empty([(0, 3, 3), (3, 1)], [(0, 3, 1)],
                       no_tf="TensorFlow's solve does not broadcast batches")),
    OpSpec("linalg.triangular_solve/lower", LA.triangular_solve,
           [shifted(3, 3, seed=5), randn(3, 2, seed=6)], ("triangular_solve",),
           lambda a, b: np.linalg.solve(np.tril(a), b), float32_rtol=1e-4,
           empty=Empty([(0, 0), (0, 2)], [(0, 2)])),
    OpSpec("linalg.triangular_solve/upper_adjoint",
           lambda a, b: LA.triangular_solve(a, b, lower=False, adjoint=True),
           [shifted(3, 3, seed=7), randn(3, 2, seed=8)], ("triangular_solve",),
           lambda a, b: np.linalg.solve(np.triu(a).T, b), float32_rtol=1e-4,
           empty=Empty([shifted(3, 3, seed=7), (3, 0)], [(3, 0)])),
    OpSpec("linalg.triangular_solve/broadcast_batch", LA.triangular_solve,
           [shifted(3, 3, seed=9), randn(2, 3, 2, seed=10)], ("triangular_solve",),
           lambda a, b: np.linalg.solve(np.tril(a), b), float32_rtol=1e-4,
           empty=Empty([(0, 0), (2, 0, 2)], [(2, 0, 2)])),
    # --- eigh -------------------------------------------------------------------------------------
    OpSpec("linalg.eigh", lambda a: _eigh_out(*LA.eigh(a)), [spd(3, 3, seed=11)],
           ("eigh", "multiply"), _np_eigh, float32_rtol=1e-3, float32_atol=1e-4,
           empty=Empty([(0, 0)], [(0,), (0, 0)])),
    OpSpec("linalg.eigh/batched", lambda a: _eigh_out(*LA.eigh(a)), [spd(2, 3, 3, seed=12)],
           ("eigh",), _np_eigh, float32_rtol=1e-3, float32_atol=1e-4,
           empty=Empty([(2, 0, 0)], [(2, 0), (2, 0, 0)])),
    OpSpec("linalg.eigh/function_of_matrix",
           lambda a: (lambda e, v: tg.matmul(v * tg.expand_dims(tg.exp(0.3 * e), -2), v,
                                             transpose_b=True))(*LA.eigh(a)),
           [spd(3, 3, seed=13)], ("eigh", "exp"), None, empty=Empty([(0, 0)], [(0, 0)])),
    # --- svd --------------------------------------------------------------------------------------
    OpSpec("linalg.svd", lambda a: _svd_out(*LA.svd(a)), [randn(3, 3, seed=14)], ("svd",),
           _np_svd, float32_rtol=1e-3, float32_atol=1e-4,
           empty=Empty([(0, 0)], [(0,), (0, 0), (0, 0)])),
    OpSpec("linalg.svd/tall", lambda a: _svd_out(*LA.svd(a)), [randn(4, 3, seed=15)], ("svd",),
           _np_svd, float32_rtol=1e-3, float32_atol=1e-4,
           empty=Empty([(4, 0)], [(0,), (4, 0), (0, 0)])),
    OpSpec("linalg.svd/wide_batched", lambda a: _svd_out(*LA.svd(a)), [randn(2, 2, 4, seed=16)],
           ("svd",), _np_svd, float32_rtol=1e-3, float32_atol=1e-4,
           empty=Empty([(2, 0, 4)], [(2, 0), (2, 0, 0), (2, 4, 0)])),
    OpSpec("linalg.svd/full_matrices", lambda a: _svd_out(*LA.svd(a, full_matrices=True)),
           [randn(3, 2, seed=17)], ("svd_full",), lambda a: _np_svd(a, True), float32_rtol=1e-3,
           float32_atol=1e-4, empty=Empty([(1, 0)], [(0,), (1, 1), (0, 0)])),
    OpSpec("linalg.svd/full_matrices_wide", lambda a: _svd_out(*LA.svd(a, full_matrices=True)),
           [randn(2, 3, seed=18)], ("svd_full",), lambda a: _np_svd(a, True), float32_rtol=1e-3,
           float32_atol=1e-4, empty=Empty([(0, 1)], [(0,), (0, 0), (1, 1)])),
    OpSpec("linalg.svd/rebuild", lambda a: _svd_rebuild(*LA.svd(a)), [randn(4, 3, seed=19)],
           ("svd",), lambda a: a, float32_rtol=1e-4, float32_atol=1e-4,
           empty=Empty([(4, 0)], [(4, 0)])),
    OpSpec("linalg.svd/compute_uv=False", lambda a: LA.svd(a, compute_uv=False),
           [randn(2, 4, 3, seed=20)], ("svd_values",),
           lambda a: np.linalg.svd(a, compute_uv=False), float32_rtol=1e-4,
           empty=Empty([(2, 0, 3)], [(2, 0)])),
    # --- qr ---------------------------------------------------------------------------------------
    OpSpec("linalg.qr", lambda a: tuple(LA.qr(a)), [randn(3, 3, seed=21)], ("qr",),
           lambda a: tuple(np.linalg.qr(a)), float32_rtol=1e-3, float32_atol=1e-4,
           empty=Empty([(0, 0)], [(0, 0), (0, 0)])),
    OpSpec("linalg.qr/tall_batched", lambda a: tuple(LA.qr(a)), [randn(2, 4, 3, seed=22)],
           ("qr",), lambda a: tuple(np.linalg.qr(a)), float32_rtol=1e-3, float32_atol=1e-4,
           empty=Empty([(2, 4, 0)], [(2, 4, 0), (2, 0, 0)])),
    OpSpec("linalg.qr/wide", lambda a: tuple(LA.qr(a)), [randn(3, 5, seed=23)], ("qr",),
           lambda a: tuple(np.linalg.qr(a)), float32_rtol=1e-3, float32_atol=1e-4,
           empty=Empty([(0, 5)], [(0, 0), (0, 5)])),
    OpSpec("linalg.qr/wide_full_matrices", lambda a: tuple(LA.qr(a, full_matrices=True)),
           [randn(2, 4, seed=24)], ("qr",), lambda a: tuple(np.linalg.qr(a, "complete")),
           float32_rtol=1e-3, float32_atol=1e-4, empty=Empty([(0, 2)], [(0, 0), (0, 2)])),
    # --- trace, diag, diag_part -------------------------------------------------------------------
    OpSpec("linalg.trace", LA.trace, [randn(3, 3)], ("matrix_diag_part", "reduce_sum"),
           lambda a: np.trace(a, axis1=-2, axis2=-1), empty=Empty([(0, 0)], [()])),
    OpSpec("linalg.trace/batched_nonsquare", LA.trace, [randn(2, 3, 4, seed=1)],
           ("matrix_diag_part",), lambda a: np.trace(a, axis1=-2, axis2=-1),
           empty=Empty([(2, 3, 0)], [(2,)])),
    OpSpec("linalg.diag", LA.diag, [randn(3)], ("matrix_diag",), _np_diag,
           empty=Empty([(0,)], [(0, 0)])),
    OpSpec("linalg.diag/batched_k", lambda d: LA.diag(d, k=-1), [randn(2, 3, seed=2)],
           ("matrix_diag",), lambda d: _np_diag(d, -1), empty=Empty([(2, 0)], [(2, 1, 1)])),
    OpSpec("linalg.diag/num_cols_padding",
           lambda d: LA.diag(d, num_cols=4, padding_value=2.0), [randn(2, seed=3)],
           ("matrix_diag",),
           lambda d: np.where(np.eye(2, 4) > 0, np.pad(np.diag(d), ((0, 0), (0, 2))), 2.0),
           empty=Empty([(0,)], [(0, 4)])),
    OpSpec("linalg.diag_part", LA.diag_part, [randn(2, 3, 3, seed=4)], ("matrix_diag_part",),
           lambda a: np.diagonal(a, axis1=-2, axis2=-1), empty=Empty([(2, 0, 0)], [(2, 0)])),
    OpSpec("linalg.diag_part/k", lambda a: LA.diag_part(a, k=1), [randn(3, 4, seed=5)],
           ("matrix_diag_part",), lambda a: np.diagonal(a, 1), empty=Empty([(0, 4)], [(0,)])),
    # --- norm -------------------------------------------------------------------------------------
    OpSpec("linalg.norm/euclidean_all", lambda x: tg.norm(x), [randn(2, 3)], ("sqrt",),
           lambda x: np.sqrt(np.sum(x * x)), empty=Empty([(2, 0)], [()])),
    OpSpec("linalg.norm/axis_keepdims", lambda x: LA.norm(x, axis=-1, keepdims=True),
           [randn(3, 4, seed=1)], ("sqrt",), lambda x: _np_norm(x, None, -1, True),
           empty=Empty([(3, 0)], [(3, 1)])),
    OpSpec("linalg.norm/fro", lambda x: tg.norm(x, ord="fro", axis=[0, 2]),
           [randn(2, 3, 2, seed=2)], ("sqrt",),
           lambda x: np.sqrt(np.sum(x * x, axis=(0, 2))), empty=Empty([(2, 3, 0)], [(3,)])),
    OpSpec("linalg.norm/ord1_vector", lambda x: tg.norm(x, ord=1, axis=0), [randn(3, 2, seed=3)],
           ("abs",), lambda x: _np_norm(x, 1, 0), empty=Empty([(0, 2)], [(2,)])),
    OpSpec("linalg.norm/ord_inf_vector", lambda x: tg.norm(x, ord=np.inf), [randn(5, seed=4)],
           ("abs", "reduce_max"), lambda x: np.max(np.abs(x)), empty=Empty([(0,)], [()])),
    OpSpec("linalg.norm/ord3", lambda x: tg.norm(x, ord=3, axis=1), [randn(2, 3, seed=5)],
           ("pow",), lambda x: _np_norm(x, 3, 1), float32_rtol=1e-4, empty=Empty([(2, 0)], [(2,)])),
    OpSpec("linalg.norm/matrix_1", lambda x: tg.norm(x, ord=1, axis=[-2, -1]),
           [randn(2, 3, 3, seed=6)], ("abs", "reduce_max"), lambda x: _np_norm(x, 1, (-2, -1)),
           empty=Empty([(2, 0, 3)], [(2,)])),
    OpSpec("linalg.norm/matrix_inf", lambda x: tg.norm(x, ord=np.inf, axis=(0, 1)),
           [randn(3, 4, seed=7)], ("abs", "reduce_max"), lambda x: _np_norm(x, np.inf, (0, 1)),
           empty=Empty([(0, 4)], [()])),
    OpSpec("linalg.norm/matrix_2", lambda x: tg.norm(x, ord=2, axis=[2, 0], keepdims=True),
           [randn(3, 2, 4, seed=8)], ("svd_values", "reduce_max", "transpose"),
           lambda x: _np_norm(x, 2, (2, 0), True), float32_rtol=1e-4,
           empty=Empty([(0, 2, 4)], [(1, 2, 1)])),
    # --- tensordot, einsum ------------------------------------------------------------------------
    OpSpec("linalg.tensordot/int", lambda a, b: tg.tensordot(a, b, 2),
           [randn(2, 3, 4), randn(3, 4, 2, seed=1)], ("einsum",),
           lambda a, b: np.tensordot(a, b, 2), float32_rtol=1e-4,
           empty=Empty([(2, 3, 0), (3, 0, 2)], [(2, 2)])),
    OpSpec("linalg.tensordot/lists", lambda a, b: LA.tensordot(a, b, [[1, 0], [0, 2]]),
           [randn(2, 3, 4), randn(3, 5, 2, seed=1)], ("einsum",),
           lambda a, b: np.tensordot(a, b, [[1, 0], [0, 2]]), float32_rtol=1e-4,
           empty=Empty([(0, 3, 4), (3, 5, 0)], [(4, 5)])),
    OpSpec("linalg.tensordot/outer", lambda a, b: tg.tensordot(a, b, 0),
           [randn(2), randn(3, seed=1)], ("einsum",), np.multiply.outer,
           empty=Empty([(0,), (3,)], [(0, 3)])),
    OpSpec("linalg.einsum/matmul", lambda a, b: tg.einsum("ij,jk->ik", a, b),
           [randn(2, 3), randn(3, 4, seed=1)], ("einsum",), np.matmul, float32_rtol=1e-4,
           empty=Empty([(2, 0), (0, 4)], [(2, 4)])),
    OpSpec("linalg.einsum/ellipsis_broadcast",
           lambda a, b: LA.einsum("...ij,...jk->...ik", a, b),
           [randn(2, 1, 2, 3), randn(3, 3, 2, seed=1)], ("einsum",), np.matmul,
           float32_rtol=1e-4, empty=Empty([(2, 1, 2, 0), (3, 0, 2)], [(2, 3, 2, 2)])),
    OpSpec("linalg.einsum/implicit", lambda a, b: tg.einsum("bj,ja", a, b),
           [randn(2, 3), randn(3, 4, seed=1)], ("einsum",),
           lambda a, b: np.einsum("bj,ja", a, b), float32_rtol=1e-4,
           empty=Empty([(0, 3), (3, 4)], [(4, 0)])),
    OpSpec("linalg.einsum/trace", lambda a: tg.einsum("ii", a), [randn(3, 3)], ("einsum",),
           np.trace, empty=Empty([(0, 0)], [()])),
    OpSpec("linalg.einsum/diagonal", lambda a: tg.einsum("iij->ji", a), [randn(3, 3, 2)],
           ("einsum",), lambda a: np.einsum("iij->ji", a), empty=Empty([(0, 0, 2)], [(2, 0)])),
    OpSpec("linalg.einsum/sum_and_repeat", lambda a, b: tg.einsum("ij,k->", a, b),
           [randn(2, 3), randn(4, seed=1)], ("einsum",), lambda a, b: np.sum(a) * np.sum(b),
           float32_rtol=1e-4, empty=Empty([(2, 0), (4,)], [()])),
    OpSpec("linalg.einsum/three_operands", lambda a, b, c: tg.einsum("bi,bij,j->b", a, b, c),
           [randn(2, 3), randn(2, 3, 4, seed=1), randn(4, seed=2)], ("einsum",),
           lambda a, b, c: np.einsum("bi,bij,j->b", a, b, c), float32_rtol=1e-4,
           empty=Empty([(2, 0), (2, 0, 4), (4,)], [(2,)])),
]
