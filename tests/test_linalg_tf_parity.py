"""tapegrad.linalg against TensorFlow itself (skipped without it).

Each case runs the same function, written once against a library handle (``lib`` is
``tensorflow`` or ``tapegrad``), in both libraries on the same float64 (or complex128)
inputs, and compares the value, the gradient and a Hessian-vector product. Functions of
eigenvectors and singular vectors are sign-invariant (LAPACK's signs may differ from
TensorFlow's); QR signs agree.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

tf = pytest.importorskip("tensorflow")

R = np.random.default_rng(0)


def randn(*shape):
    return R.standard_normal(shape)


def shifted(*shape):
    return randn(*shape) + 3 * np.eye(shape[-1])


def spd(*shape):
    a = randn(*shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def crandn(*shape):
    return randn(*shape) + 1j * randn(*shape)


W3 = randn(3, 3)


def _mt(lib, x):
    return lib.linalg.matrix_transpose(x)


def _eigh(lib, a):
    e, v = lib.linalg.eigh(a)
    return lib.reduce_sum(e * [1.0, 2.0, -1.0]) + lib.reduce_sum(v * v * W3)


def _w(shape):
    """Fixed weights for the last two axes of ``shape``."""
    m, n = shape[-2:]
    return np.cos(np.arange(m * n)).reshape(m, n) + 0.5


def _svd(lib, a, **kw):
    s, u, v = lib.linalg.svd(a, **kw)
    weights = np.arange(1.0, s.shape[-1] + 1)
    return (lib.reduce_sum(s * weights) + lib.reduce_sum(u * u * _w(u.shape))
            + lib.reduce_sum(v * v * _w(v.shape)))


def _qr(lib, a, **kw):
    q, r = lib.linalg.qr(a, **kw)
    return lib.reduce_sum(q * _w(q.shape)) + lib.reduce_sum(r * _w(r.shape))


def _closs(lib, y):
    """A real loss of a complex tensor (cast takes the real part in both libraries)."""
    c = np.asarray((0.5 - 1.5j) * np.arange(1, y.shape[-1] + 1), np.complex128)
    return lib.cast(lib.reduce_sum(y * y * c), np.float64)


def _abs2(lib, z):
    return lib.cast(z * lib.math.conj(z), np.float64)


def _ceigh(lib, a):
    e, v = lib.linalg.eigh(a)
    return lib.reduce_sum(lib.cast(e, np.float64) * [1.0, 2.0, -1.0]) + lib.reduce_sum(
        _abs2(lib, v) * _w(v.shape))


def _csvd(lib, a):
    s, u, v = lib.linalg.svd(a)
    return (lib.reduce_sum(s * np.arange(1.0, s.shape[-1] + 1))
            + lib.reduce_sum(_abs2(lib, u) * _w(u.shape))
            + lib.reduce_sum(_abs2(lib, v) * _w(v.shape)))


_C = crandn(3, 3)
HPD = _C @ _C.conj().T + 3 * np.eye(3)

CASES = [
    ("inv/batched", lambda lib, a: lib.reduce_sum(lib.linalg.inv(a) ** 2), [shifted(2, 3, 3)]),
    ("inv/adjoint", lambda lib, a: lib.reduce_sum(lib.linalg.inv(a, adjoint=True) * W3),
     [shifted(3, 3)]),
    ("det", lambda lib, a: lib.linalg.det(a), [shifted(2, 3, 3)]),
    ("slogdet", lambda lib, a: lib.linalg.slogdet(a)[1] * 2.0, [-shifted(3, 3)]),
    ("logdet/nonsymmetric", lambda lib, a: lib.linalg.logdet(a), [spd(3, 3) + np.triu(W3, 1)]),
    ("cholesky/nonsymmetric", lambda lib, a: lib.reduce_sum(lib.linalg.cholesky(a) * W3),
     [spd(2, 3, 3) + np.triu(W3, 1)]),
    ("solve", lambda lib, a, b: lib.reduce_sum(lib.linalg.solve(a, b) ** 2),
     [shifted(2, 3, 3), randn(2, 3, 2)]),
    ("solve/adjoint", lambda lib, a, b: lib.reduce_sum(lib.linalg.solve(a, b, adjoint=True) * b),
     [shifted(3, 3), randn(3, 2)]),
    ("triangular_solve/lower", lambda lib, a, b: lib.reduce_sum(
        lib.linalg.triangular_solve(a, b) ** 2), [shifted(3, 3), randn(3, 2)]),
    ("triangular_solve/upper_adjoint_broadcast", lambda lib, a, b: lib.reduce_sum(
        lib.linalg.triangular_solve(a, b, lower=False, adjoint=True) ** 2),
     [shifted(3, 3), randn(2, 3, 1)]),
    ("eigh", _eigh, [spd(3, 3)]),
    ("eigh/nonsymmetric_batched", _eigh, [spd(2, 3, 3) + np.triu(W3, 1)]),
    ("svd/square", _svd, [randn(3, 3)]),
    ("svd/tall", _svd, [randn(4, 3)]),
    ("svd/wide_batched", _svd, [randn(2, 3, 4)]),
    ("svd/full_matrices", lambda lib, a: _svd(lib, a, full_matrices=True), [randn(4, 3)]),
    ("svd/values", lambda lib, a: lib.reduce_sum(lib.linalg.svd(a, compute_uv=False) ** 3),
     [randn(2, 4, 3)]),
    ("qr/square", _qr, [randn(3, 3)]),
    ("qr/tall_batched", _qr, [randn(2, 4, 3)]),
    ("qr/wide", _qr, [randn(3, 4)]),
    ("qr/wide_full", lambda lib, a: _qr(lib, a, full_matrices=True), [randn(2, 4)]),
    ("trace", lambda lib, a: lib.linalg.trace(a) ** 2, [randn(2, 3, 4)]),
    ("diag", lambda lib, d: lib.reduce_sum(lib.linalg.diag(d, k=-1, num_cols=4,
                                                            padding_value=2.0) ** 2),
     [randn(2, 3)]),
    ("diag_part", lambda lib, a: lib.reduce_sum(lib.linalg.diag_part(a, k=1) ** 3),
     [randn(2, 3, 4)]),
    ("matmul/adjoint", lambda lib, a, b: lib.reduce_sum(
        lib.linalg.matmul(a, b, adjoint_a=True, transpose_b=True) ** 2),
     [randn(2, 4, 3), randn(2, 2, 4)]),
    ("matvec", lambda lib, a, b: lib.reduce_sum(lib.linalg.matvec(a, b) ** 2),
     [randn(2, 3, 4), randn(2, 4)]),
    ("norm/euclidean", lambda lib, a: lib.norm(a), [randn(2, 3)]),
    ("norm/axis", lambda lib, a: lib.reduce_sum(lib.norm(a, axis=1, keepdims=True) * W3[0]),
     [randn(2, 3, 3)]),
    ("norm/ord3", lambda lib, a: lib.reduce_sum(lib.norm(a, ord=3, axis=-1)), [randn(2, 3)]),
    ("norm/ord_half", lambda lib, a: lib.norm(a, ord=0.5), [randn(4)]),
    ("norm/fro", lambda lib, a: lib.reduce_sum(lib.linalg.norm(a, ord="fro", axis=[0, 2])),
     [randn(2, 3, 4)]),
    ("norm/matrix_1", lambda lib, a: lib.reduce_sum(lib.norm(a, ord=1, axis=[-1, -2])),
     [randn(2, 3, 4)]),
    ("norm/matrix_inf", lambda lib, a: lib.norm(a, ord=np.inf, axis=[0, 1]), [randn(3, 4)]),
    ("norm/matrix_2", lambda lib, a: lib.reduce_sum(lib.norm(a, ord=2, axis=[2, 0])),
     [randn(3, 2, 4)]),
    ("tensordot/int", lambda lib, a, b: lib.reduce_sum(lib.tensordot(a, b, 1) ** 2),
     [randn(2, 3), randn(3, 4)]),
    ("tensordot/lists", lambda lib, a, b: lib.reduce_sum(
        lib.tensordot(a, b, [[0, 2], [2, 0]]) ** 2), [randn(2, 3, 4), randn(4, 5, 2)]),
    ("einsum/batch_matmul", lambda lib, a, b: lib.reduce_sum(
        lib.einsum("...ij,...jk->...ik", a, b) ** 2), [randn(2, 1, 2, 3), randn(3, 3, 2)]),
    ("einsum/diagonal_sum", lambda lib, a, b: lib.reduce_sum(lib.einsum("iij,k->jk", a, b) ** 2),
     [randn(3, 3, 2), randn(4)]),
    ("einsum/three", lambda lib, a, b, c: lib.reduce_sum(lib.einsum("ab,bc,cd->ad", a, b, c) ** 2),
     [randn(2, 3), randn(3, 4), randn(4, 2)]),
    ("einsum/implicit_trace", lambda lib, a: lib.einsum("ii", a) ** 2, [randn(3, 3)]),
    # complex: TensorFlow's conjugation conventions
    ("complex/inv", lambda lib, a: _closs(lib, lib.linalg.inv(a)), [crandn(3, 3) + 3 * np.eye(3)]),
    ("complex/solve_adjoint", lambda lib, a, b: _closs(lib, lib.linalg.solve(a, b, adjoint=True)),
     [crandn(3, 3) + 3 * np.eye(3), crandn(3, 2)]),
    ("complex/triangular_solve", lambda lib, a, b: _closs(
        lib, lib.linalg.triangular_solve(a, b, adjoint=True)), [crandn(3, 3) + 3 * np.eye(3),
                                                               crandn(3, 2)]),
    ("complex/einsum", lambda lib, a, b: _closs(lib, lib.einsum("ij,jk->ik", a, b)),
     [crandn(2, 3), crandn(3, 2)]),
    ("complex/det", lambda lib, a: _closs(lib, lib.reshape(lib.linalg.det(a), [1])),
     [crandn(3, 3) + 2 * np.eye(3)]),
    ("complex/slogdet", lambda lib, a: _closs(lib, lib.stack(list(lib.linalg.slogdet(a)))),
     [crandn(3, 3) + 2 * np.eye(3)]),
    ("complex/logdet", lambda lib, a: lib.linalg.logdet(a) * 2.0, [HPD]),
    ("complex/cholesky", lambda lib, a: _closs(lib, lib.linalg.cholesky(a)), [HPD]),
    ("complex/eigh", _ceigh, [HPD + np.triu(crandn(3, 3), 1)]),
    ("complex/svd", _csvd, [crandn(3, 3)]),
    ("complex/svd_tall", _csvd, [crandn(4, 3)]),
    ("complex/svd_values", lambda lib, a: lib.reduce_sum(lib.linalg.svd(a, compute_uv=False) ** 3),
     [crandn(2, 4)]),
    ("complex/qr", lambda lib, a: _closs(lib, lib.linalg.qr(a).q) + _closs(lib, lib.linalg.qr(a).r),
     [crandn(4, 3)]),
    ("complex/qr_wide", lambda lib, a: _closs(lib, lib.linalg.qr(a).q)
     + _closs(lib, lib.linalg.qr(a).r), [crandn(2, 3)]),
    ("complex/norm", lambda lib, a: lib.cast(lib.norm(a), np.float64), [crandn(2, 3)]),
    ("complex/norm_1", lambda lib, a: lib.reduce_sum(lib.norm(a, ord=1, axis=-1)),
     [crandn(2, 3)]),
    ("complex/norm_matrix_2", lambda lib, a: lib.norm(a, ord=2, axis=[0, 1]), [crandn(3, 2)]),
    ("complex/matmul_adjoint",
     lambda lib, a, b: _closs(lib, lib.linalg.matmul(a, b, adjoint_b=True)),
     [crandn(2, 3), crandn(2, 3)]),
]


def _derivatives(lib, fn, xs):
    """Value, gradients and a Hessian-vector product (direction: fixed random arrays)."""
    ts = [lib.constant(x) for x in xs]
    dirs = [np.random.default_rng(i + 7).standard_normal(x.shape).astype(x.dtype)
            for i, x in enumerate(xs)]
    with lib.GradientTape() as outer:
        outer.watch(ts)
        with lib.GradientTape() as inner:
            inner.watch(ts)
            y = fn(lib, *ts)
        grads = inner.gradient(y, ts)
        z = None
        for g, d in zip(grads, dirs):
            term = lib.reduce_sum(g * d)
            if np.iscomplexobj(d):
                term = lib.cast(term, np.float64)
            z = term if z is None else z + term
    hvp = outer.gradient(z, ts)
    return (np.asarray(y.numpy()), [g.numpy() for g in grads],
            [None if h is None else h.numpy() for h in hvp])


# TensorFlow's second derivative of complex SVD disagrees with finite differences of its own
# gradient (tapegrad's agrees; tests/test_linalg.py checks it): compare values and gradients.
NO_HVP = {"complex/svd", "complex/svd_tall", "complex/norm_matrix_2"}


@pytest.mark.parametrize("name,fn,xs", CASES, ids=[c[0] for c in CASES])
def test_matches_tensorflow(name, fn, xs):
    y_tf, g_tf, h_tf = _derivatives(tf, fn, xs)
    y_tg, g_tg, h_tg = _derivatives(tg, fn, xs)
    np.testing.assert_allclose(y_tg, y_tf, rtol=1e-9, atol=1e-10, err_msg=f"{name}: value")
    for i, (a, b) in enumerate(zip(g_tg, g_tf)):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-9, err_msg=f"{name}: grad {i}")
    for i, (a, b) in enumerate(zip(h_tg, h_tf)):
        if name in NO_HVP:
            break
        if b is None:
            assert a is None or np.allclose(a, 0), f"{name}: hvp {i}"
            continue
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-8, err_msg=f"{name}: hvp {i}")
