"""tapegrad.linalg: TensorFlow's gradient conventions, output structure, dtypes and errors.

Expected gradients below were produced by TensorFlow 2.21 (``tf.GradientTape``) on the same
inputs. Smooth gradients to order 2 (both modes, batched) are in tests/op_specs/linalg.py.
Eigenvector and singular-vector signs are LAPACK's and may differ from TensorFlow's, so
the values compared here are sign-invariant.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tapegrad as tg
from tapegrad.testing import check_gradients

LA = tg.linalg
A = [[2.0, 1.0], [0.5, 3.0]]
S = [[4.0, 1.0], [1.0, 3.0]]
M = [[1.0, 2.0], [3.0, -1.0], [0.5, 1.0]]


def grads(f, *xs):
    ts = [tg.constant(np.asarray(x, np.complex128 if np.iscomplexobj(x) else np.float64))
          for x in xs]
    with tg.GradientTape() as tape:
        tape.watch(ts)
        y = f(*ts)
    return [None if g is None else g.numpy() for g in tape.gradient(y, ts)]


def close(got, expected, rtol=1e-7, atol=1e-8):
    np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=rtol, atol=atol)


# --- gradients equal to TensorFlow's ------------------------------------------------------------
TF_GRADIENTS = [
    ("det", lambda a: LA.det(a), [A], [[[3.0, -0.5], [-1.0, 2.0]]]),
    ("slogdet", lambda a: LA.slogdet(a).log_abs_determinant, [A],
     [[[0.54545455, -0.09090909], [-0.18181818, 0.36363636]]]),
    ("inv", lambda a: tg.reduce_sum(LA.inv(a) * [[1.0, 2], [3, 4]]), [A],
     [[[-0.01652893, -0.23966942], [-0.29752066, -0.31404959]]]),
    ("inv/adjoint", lambda a: tg.reduce_sum(LA.inv(a, adjoint=True) * [[1.0, 2], [3, 4]]), [A],
     [[[0.03305785, -0.42975207], [-0.1322314, -0.28099174]]]),
    ("solve/adjoint",
     lambda a, b: tg.reduce_sum(LA.solve(a, b, adjoint=True) * [[1.0], [2]]), [A, [[1.0], [-1]]],
     [[[-0.11570248, -0.40495868], [0.09917355, 0.34710744]], [[0.18181818], [0.63636364]]]),
    ("triangular_solve/upper",
     lambda a, b: tg.reduce_sum(LA.triangular_solve(a, b, lower=False) * [[1.0], [2]]),
     [A, [[1.0], [-1]]],
     [[[-0.33333333, 0.16666667], [0.0, 0.16666667]], [[0.5], [0.5]]]),
    # eigh reads the lower triangle: its gradient is lower-triangular, diagonal halved
    ("eigh/largest", lambda a: LA.eigh(a)[0][1], [S],
     [[[0.7236068, 0.0], [0.89442719, 0.2763932]]]),
    ("eigh/nonsymmetric_input", lambda a: tg.reduce_sum(LA.eigh(a)[0] * [1.0, 2.0]),
     [[[4.0, 7.0], [1.0, 3.0]]], [[[1.7236068, 0.0], [0.89442719, 1.2763932]]]),
    # cholesky reads the lower triangle too, but its gradient is symmetrised
    ("cholesky", lambda a: tg.reduce_sum(LA.cholesky(a) * [[1.0, 0], [2.0, 3.0]]), [S],
     [[[0.18153338, 0.27386649], [0.27386649, 0.90453403]]]),
    ("cholesky/nonsymmetric_input",
     lambda a: tg.reduce_sum(LA.cholesky(a) * [[1.0, 0], [2.0, 3.0]]), [[[4.0, 9.0], [1.0, 3.0]]],
     [[[0.18153338, 0.27386649], [0.27386649, 0.90453403]]]),
    ("logdet", LA.logdet, [[[4.0, 9.0], [1.0, 3.0]]],
     [[[0.27272727, -0.09090909], [-0.09090909, 0.36363636]]]),
    ("svd/values", lambda a: tg.reduce_sum(LA.svd(a, compute_uv=False) * [1.0, 3.0]), [M],
     [[[0.53422813, 2.54225733], [0.86578387, -0.9026784], [0.26711407, 1.27112866]]]),
    ("svd/uv", lambda a: (lambda s, u, v: tg.reduce_sum(s) + tg.reduce_sum(u * u * [[1.0, 2.0]])
                          + tg.reduce_sum(v * v * [[3.0, 1.0]]))(*LA.svd(a)), [M],
     [[[0.33540206, 0.82915949], [0.92702849, -0.3749909], [0.16770103, 0.41457974]]]),
    ("svd/full_matrices",
     lambda a: (lambda s, u, v: tg.reduce_sum(s) + tg.reduce_sum(u * u * [[1.0, 2.0, 3.0]])
                + tg.reduce_sum(v * v * [[3.0, 1.0]]))(*LA.svd(a, full_matrices=True)), [M],
     [[[0.33540206, 0.82915949], [0.92702849, -0.3749909], [0.16770103, 0.41457974]]]),
    ("qr/tall", lambda a: (lambda q, r: tg.reduce_sum(q * [[1.0, 2.0]])
                           + tg.reduce_sum(r * [[3.0, 1.0], [0, 2]]))(*LA.qr(a)), [M],
     [[[-2.41431508, 1.20025295], [-2.1728944, -1.63547287], [-1.34337615, 1.00920707]]]),
    ("qr/wide", lambda a: (lambda q, r: tg.reduce_sum(q * [[1.0, 2.0]])
                           + tg.reduce_sum(r * [[3.0, 1.0, 1.0], [0, 2, -1]]))(*LA.qr(a)),
     [np.array(M).T], [[[-1.78885438, -2.23606798, 0.4472136], [-2.45967478, 0.0, -1.34164079]]]),
    ("norm/inf_ties", lambda a: tg.norm(a, ord=np.inf), [[[1.0, -2.0], [2.0, 0.0]]],
     [[[0.0, -0.5], [0.5, 0.0]]]),
    ("norm/matrix_1_ties", lambda a: tg.norm(a, ord=1, axis=[0, 1]), [[[1.0, -2.0], [2.0, 1.0]]],
     [[[0.5, -0.5], [0.5, 0.5]]]),
    ("norm/matrix_2", lambda a: tg.norm(a, ord=2, axis=[0, 1]), [M],
     [[[0.23598902, -0.02738943], [0.9576508, -0.11114715], [0.11799451, -0.01369471]]]),
    ("norm/ord3_at_zero", lambda a: tg.norm(a, ord=3), [[[0.0, 1.0]]], [[[0.0, 1.0]]]),
    ("norm/ord1_at_zero", lambda a: tg.norm(a, ord=1), [[[0.0, 1.0]]], [[[0.0, 1.0]]]),
    ("einsum/trace_times_matrix", lambda a, b: tg.einsum("ii,ij->j", a, b), [A, M[:2]],
     [[[3.0, 0.0], [0.0, 2.0]], [[2.0, 2.0], [3.0, 3.0]]]),
    ("trace/nonsquare", LA.trace, [M], [[[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]]),
    ("diag_part/k", lambda a: tg.reduce_sum(LA.diag_part(a, k=1) * [2.0]), [M],
     [[[0.0, 2.0], [0.0, 0.0], [0.0, 0.0]]]),
    ("diag/k_padding", lambda d: tg.reduce_sum(
        LA.diag(d, k=1, padding_value=5.0) * np.arange(9.0).reshape(3, 3)), [[1.0, 2.0]],
     [[1.0, 5.0]]),
]


@pytest.mark.parametrize("name,f,xs,expected", TF_GRADIENTS, ids=[t[0] for t in TF_GRADIENTS])
def test_gradient_matches_tensorflow(name, f, xs, expected):
    got = grads(f, *xs)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        close(g, e)


def test_euclidean_norm_gradient_at_zero_is_nan_like_tensorflow():
    with np.errstate(divide="ignore", invalid="ignore"):
        (g,) = grads(lambda a: tg.norm(a), [[0.0, 0.0]])
    assert np.isnan(g).all()


def test_second_order_matches_tensorflow():
    def hessian_vector(f, x, w):
        x = tg.constant(np.asarray(x, np.float64))
        with tg.GradientTape() as outer:
            outer.watch(x)
            with tg.GradientTape() as inner:
                inner.watch(x)
                y = f(x)
            z = tg.reduce_sum(inner.gradient(y, x) * w)
        return outer.gradient(z, x).numpy()

    close(hessian_vector(lambda a: tg.reduce_sum(LA.inv(a) ** 2), A, [[1.0, 0], [0, 2]]),
          [[0.77207841, -0.39915306], [-0.54586435, 0.37948228]])

    def eig_fn(a):
        e, v = LA.eigh(a)
        return tg.reduce_sum(e**3) + v[0, 0] ** 2

    close(hessian_vector(eig_fn, S, [[1.0, 0], [3, 2]]),
          [[42.10733126, 0.0], [143.17712698, 53.89266874]])


# --- values, structure, dtypes -------------------------------------------------------------------
def test_decomposition_outputs_rebuild_the_input():
    a = np.random.default_rng(0).standard_normal((2, 4, 3))
    s, u, v = LA.svd(a)  # TF's order; v not transposed
    close(np.einsum("bik,bk,bjk->bij", u.numpy(), s.numpy(), v.numpy()), a)
    s, u, v = LA.svd(a, full_matrices=True)
    assert (s.shape, u.shape, v.shape) == ((2, 3), (2, 4, 4), (2, 3, 3))
    q, r = LA.qr(a)
    close(q.numpy() @ r.numpy(), a)
    assert LA.qr(a, full_matrices=True).q.shape == (2, 4, 4)
    spd = a[0] @ a[0].T + np.eye(4)
    e, vec = LA.eigh(spd)
    close(vec.numpy() @ np.diag(e.numpy()) @ vec.numpy().T, spd)
    assert np.all(np.diff(e.numpy()) > 0)
    chol = LA.cholesky(spd).numpy()
    close(chol @ chol.T, spd)
    assert np.allclose(np.triu(chol, 1), 0)


def test_named_tuples_like_tensorflow():
    out = LA.qr(np.eye(2))
    assert out._fields == ("q", "r") and out.q is out[0]
    out = LA.slogdet(-np.eye(2) * 2)
    assert out._fields == ("sign", "log_abs_determinant")
    close([out.sign.numpy(), out.log_abs_determinant.numpy()], [1.0, np.log(4.0)])
    assert isinstance(LA.eigh(np.eye(2)), tuple) and len(LA.svd(np.eye(2))) == 3


def test_float32_stays_float32_and_float16_where_tensorflow_allows():
    x = np.array([[2.0, 1.0], [1.0, 3.0]], np.float32)
    for f in (LA.inv, LA.det, LA.cholesky, LA.logdet, LA.trace, LA.diag_part,
              lambda a: LA.eigh(a)[1], lambda a: LA.svd(a)[2], lambda a: LA.qr(a).r,
              lambda a: LA.slogdet(a).sign, lambda a: LA.solve(a, a), tg.norm,
              lambda a: LA.triangular_solve(a, a), lambda a: tg.einsum("ij,jk", a, a)):
        assert f(tg.constant(x)).dtype == np.float32
    half = tg.constant(x.astype(np.float16))
    assert LA.inv(half).dtype == np.float16
    assert LA.qr(half).q.dtype == np.float16
    close(LA.inv(half).numpy(), np.linalg.inv(x), rtol=1e-2, atol=1e-3)
    with pytest.raises(TypeError, match="det"):
        LA.det(half)


def test_triangular_solve_zero_diagonal_gives_inf_like_tensorflow():
    with np.errstate(divide="ignore", invalid="ignore"):
        out = LA.triangular_solve([[1.0, 0.0], [1.0, 0.0]], [[1.0], [2.0]]).numpy()
    assert out[0, 0] == 1.0 and np.isinf(out[1, 0])


def test_triangular_solve_reads_one_triangle():
    a = np.array([[2.0, 100.0], [1.0, 4.0]])
    b = np.array([[2.0], [5.0]])
    close(LA.triangular_solve(a, b).numpy(), np.linalg.solve(np.tril(a), b))
    close(LA.triangular_solve(a, b, lower=False, adjoint=True).numpy(),
          np.linalg.solve(np.triu(a).T, b))


def test_diag_shapes_like_tensorflow():
    d = tg.constant([1.0, 2.0])
    assert LA.diag(d, k=1).shape == (3, 3)
    assert LA.diag(d, k=-1, num_rows=4, padding_value=9.0).numpy().tolist() == [
        [9.0, 9.0], [1.0, 9.0], [9.0, 2.0], [9.0, 9.0]]
    assert LA.diag(d, num_rows=3).shape == (3, 2)
    assert LA.diag(d, num_cols=5).shape == (2, 5)
    assert LA.diag(tg.ones((2, 3)), k=1).shape == (2, 4, 4)
    assert LA.diag_part(np.arange(12.0).reshape(3, 4), k=-2).numpy().tolist() == [8.0]


def test_norm_shapes_like_tensorflow():
    x = tg.ones((2, 3, 4))
    assert tg.norm(x).shape == ()
    assert tg.norm(x, keepdims=True).shape == (1, 1, 1)
    assert tg.norm(x, axis=1, keepdims=True).shape == (2, 1, 4)
    assert LA.norm(x, ord=2, axis=[0, 2], keepdims=True).shape == (1, 3, 1)
    assert tg.norm(x, ord=1, axis=[2, 0]).shape == (3,)
    close(tg.norm(np.arange(1.0, 7.0).reshape(2, 3), ord=1, axis=(1, 0)).numpy(), 15.0)
    close(tg.norm(np.arange(1.0, 7.0).reshape(2, 3), ord=0.5, axis=0).numpy(),
          [9.0, 13.3245553, 17.48528137])


def test_tensordot_and_einsum_shapes_like_tensorflow():
    a, b = tg.ones((2, 3, 4)), tg.ones((4, 3, 5))
    assert tg.tensordot(a, b, axes=[[1, 2], [1, 0]]).shape == (2, 5)
    assert tg.tensordot(a, b, [2, 0]).shape == (2, 3, 3, 5)
    assert tg.tensordot(a, tg.ones((3, 4)), 2).shape == (2,)
    assert tg.tensordot(a, b, [[-1], [0]]).shape == (2, 3, 3, 5)
    assert tg.einsum("Ba,aC", tg.ones((2, 3)), tg.ones((3, 4))).shape == (2, 4)
    assert tg.einsum("...ij,...jk->...ik", tg.ones((5, 1, 2, 3)), tg.ones((4, 3, 6))).shape == (
        5, 4, 2, 6)
    assert tg.einsum(" i j , j k -> i k ", tg.ones((2, 3)), tg.ones((3, 4))).shape == (2, 4)
    assert float(tg.einsum("ii", np.arange(9.0).reshape(3, 3))) == 12.0
    assert tg.einsum("ij->j", np.ones((2, 3), np.int32)).dtype == np.int32


def test_einsum_gradient_through_broadcast_ellipsis():
    a = np.random.default_rng(1).standard_normal((1, 2, 3))
    b = np.random.default_rng(2).standard_normal((4, 3, 2))
    ga, gb = grads(lambda x, y: tg.reduce_sum(tg.einsum("...ij,...jk->...ik", x, y) ** 2), a, b)
    prod = a @ b
    close(ga, np.sum(2 * prod @ np.swapaxes(b, -1, -2), axis=0, keepdims=True))
    close(gb, np.swapaxes(a, -1, -2) @ (2 * prod))


@settings(max_examples=15, deadline=None)
@given(st.data())
def test_einsum_random_equations(data):
    """Random two-operand equations (shared, summed, repeated and free labels)."""
    labels = "abcd"
    sizes = {c: data.draw(st.integers(1, 3)) for c in labels}
    terms = [data.draw(st.text(labels, min_size=1, max_size=3)) for _ in range(2)]
    used = sorted(set("".join(terms)))
    out = "".join(data.draw(st.permutations(used))[: data.draw(st.integers(0, len(used)))])
    eq = ",".join(terms) + "->" + out
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal([sizes[c] for c in t]) for t in terms]
    close(tg.einsum(eq, *xs).numpy(), np.einsum(eq, *xs))
    check_gradients(lambda x, y: tg.einsum(eq, x, y), xs, order=1)


def test_batched_forward_mode_through_decompositions():
    """A batch of tangents through svd/qr (JVPs transposed from the VJP) and eigh (explicit)."""
    a = np.random.default_rng(3).standard_normal((3, 3))
    x = tg.constant(a)
    tangents = tg.constant(np.eye(9).reshape(9, 3, 3))
    with tg.autodiff.ForwardAccumulator(x, tangents, batch_ndim=1) as acc:
        s = LA.svd(x, compute_uv=False)
        r = LA.qr(x).r
        e = LA.eigh(x)[0]
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        outs = [LA.svd(x, compute_uv=False), LA.qr(x).r, LA.eigh(x)[0]]
    for fwd, out in zip([s, r, e], outs):
        jac = tape.jacobian(out, x).numpy().reshape(out.shape + (9,))
        close(np.moveaxis(acc.jvp(fwd).numpy(), 0, -1), jac, rtol=1e-9, atol=1e-10)


# --- complex input ---------------------------------------------------------------------------
def _crandn(*shape, seed=0):
    r = np.random.default_rng(seed)
    return r.standard_normal(shape) + 1j * r.standard_normal(shape)


def _abs2(z):
    return tg.cast(z * tg.math.conj(z), tg.float64)


def _herm(a):
    return 0.5 * (a + LA.matrix_transpose(a, conjugate=True))


_C = _crandn(3, 3, seed=9)
_HPD = _C @ _C.conj().T + 3 * np.eye(3)
COMPLEX = [
    ("inv", LA.inv, [_crandn(3, 3) + 3 * np.eye(3)]),
    ("solve", LA.solve, [_crandn(3, 3) + 3 * np.eye(3), _crandn(3, 2, seed=1)]),
    ("triangular_solve", lambda a, b: LA.triangular_solve(a, b, adjoint=True),
     [_crandn(3, 3) + 3 * np.eye(3), _crandn(3, 2, seed=1)]),
    ("cholesky", lambda a: LA.cholesky(_herm(a)), [_HPD]),
    ("logdet", lambda a: LA.logdet(_herm(a)), [_HPD]),
    ("eigh", lambda a: (lambda e, v: (e, _abs2(v)))(*LA.eigh(a)), [_HPD]),
    ("svd/tall", lambda a: (lambda s, u, v: (s, _abs2(u), _abs2(v)))(*LA.svd(a)),
     [_crandn(4, 3)]),
    ("svd/values_wide", lambda a: LA.svd(a, compute_uv=False), [_crandn(2, 3)]),
    ("qr/tall", lambda a: tuple(LA.qr(a)), [_crandn(4, 3)]),
    ("qr/wide", lambda a: tuple(LA.qr(a)), [_crandn(2, 3)]),
    ("einsum", lambda a, b: tg.einsum("ij,jk->ik", a, b), [_crandn(2, 3), _crandn(3, 2, seed=1)]),
]


@pytest.mark.parametrize("name,f,xs", COMPLEX, ids=[c[0] for c in COMPLEX])
def test_complex_gradients_match_finite_differences(name, f, xs):
    check_gradients(f, xs, order=2)


def test_complex_det_and_slogdet_use_tensorflows_formula():
    """TensorFlow's gradient is ``g * det * inv(A)^H`` (no conjugate of det) and treats
    log|det| as log det: not the conjugate-convention derivative, but TensorFlow's values."""
    a = [[1 + 1j, 2.0], [0.5j, 3 - 1j]]
    (g,) = grads(lambda x: tg.cast(LA.det(x), tg.float64), np.array(a))
    close(g, [[2.17647058823529 + 2.29411764705882j, -0.23529411764705 + 0.44117647058823j],
              [-1.76470588235294 - 0.94117647058823j, 1.35294117647058 - 0.41176470588235j]],
          rtol=1e-12)
    (g,) = grads(lambda x: tg.cast(LA.slogdet(x)[1], tg.float64), np.array(a))
    close(g, [[0.64705882352941 + 0.41176470588235j, -0.02941176470588 + 0.11764705882352j],
              [-0.47058823529411 - 0.11764705882352j, 0.29411764705882 - 0.17647058823529j]],
          rtol=1e-12)
    sign, logabs = LA.slogdet(np.array(a))
    assert sign.dtype == logabs.dtype == np.complex128
    close([sign.numpy(), logabs.numpy()], [0.9701425001453319 + 0.24253562503633302j,
                                          1.416606672028108])


def test_complex_eigh_gives_complex_eigenvalues_like_tensorflow():
    e, v = LA.eigh(np.array([[2.0, 1 - 1j], [1 + 1j, 3.0]]))
    assert e.dtype == v.dtype == np.complex128
    close(e.numpy(), [1.0, 4.0])
    s = LA.svd(np.array([[2.0, 1 - 1j], [1 + 1j, 3.0]]), compute_uv=False)
    assert s.dtype == np.float64


# --- bad input -----------------------------------------------------------------------------------
@pytest.mark.parametrize("op", [LA.inv, LA.det, LA.slogdet, LA.cholesky, LA.eigh, LA.logdet])
def test_non_square_matrix_is_rejected(op):
    with pytest.raises(ValueError, match=r"square.*\(2, 3\)"):
        op(np.ones((2, 3)))


@pytest.mark.parametrize("op", [LA.inv, LA.det, LA.cholesky, LA.eigh, LA.svd, LA.qr, LA.trace,
                                LA.diag_part])
def test_vectors_are_rejected(op):
    with pytest.raises(ValueError, match=r"rank >= 2.*\(3,\)"):
        op(np.ones(3))


def test_singular_matrix_errors():
    with pytest.raises(ValueError, match=r"inv: matrix is singular.*\(2, 2\)"):
        LA.inv(np.ones((2, 2)))
    with pytest.raises(ValueError, match="solve: matrix is singular"):
        LA.solve(np.ones((2, 2)), np.ones((2, 1)))


def test_cholesky_of_indefinite_matrix_is_an_error():
    with pytest.raises(ValueError, match="cholesky: .*not positive definite"):
        LA.cholesky(-np.eye(3))


def test_shape_mismatches():
    with pytest.raises(ValueError, match=r"solve: rhs must have shape \[\.\.\., 3, K\]"):
        LA.solve(np.eye(3), np.ones((2, 1)))
    with pytest.raises(ValueError, match="solve: rhs must be a matrix"):
        LA.solve(np.eye(3), np.ones(3))
    with pytest.raises(ValueError, match="triangular_solve: batch dimensions"):
        LA.triangular_solve(np.ones((2, 3, 3)), np.ones((3, 3, 1)))
    with pytest.raises(ValueError, match="matmul: inner dimensions"):
        LA.matmul(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="tensordot: cannot contract axis 2"):
        tg.tensordot(np.ones((2, 3, 4)), np.ones((3, 4)), 1)
    with pytest.raises(ValueError, match="tensordot: axes"):
        tg.tensordot(np.ones((2, 3)), np.ones((3, 4)), [[1], [0, 1]])
    with pytest.raises(ValueError, match="tensordot: axis 5 is out of range"):
        tg.tensordot(np.ones((2, 3)), np.ones((3, 4)), [[5], [0]])


def test_einsum_errors():
    with pytest.raises(ValueError, match="names 2 operand"):
        tg.einsum("ij,jk->ik", np.ones((2, 3)))
    with pytest.raises(ValueError, match="label 'j' has size 3 in one place and 4"):
        tg.einsum("ij,jk->ik", np.ones((2, 3)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="has 2 labels"):
        tg.einsum("ij->i", np.ones(3))
    with pytest.raises(ValueError, match="invalid character"):
        tg.einsum("i1->i", np.ones((3, 3)))
    with pytest.raises(ValueError, match="appears in no operand"):
        tg.einsum("ij->k", np.ones((3, 3)))
    with pytest.raises(ValueError, match="no '...'"):
        tg.einsum("...i->i", np.ones((2, 3)))
    with pytest.raises(TypeError, match="same dtype"):
        tg.einsum("i,i", np.ones(3), np.ones(3, np.float32))


def test_norm_errors():
    with pytest.raises(ValueError, match="supported vector norm, got 'fro'"):
        tg.norm(np.ones(3), ord="fro")
    with pytest.raises(ValueError, match="supported vector norm, got 0"):
        tg.norm(np.ones(3), ord=0)
    with pytest.raises(ValueError, match="supported matrix norm"):
        tg.norm(np.ones((2, 2)), ord=3, axis=[0, 1])
    with pytest.raises(ValueError, match="'axis' must be None, an integer, or a tuple"):
        tg.norm(np.ones((2, 2)), axis=[0, 0])


def test_dtype_errors():
    with pytest.raises(TypeError, match="inv: input must have dtype"):
        LA.inv(np.eye(2, dtype=np.int32))
    with pytest.raises(TypeError, match="eigh: input must have dtype float32, float64, complex64"):
        LA.eigh(np.eye(2, dtype=np.int64))
    with pytest.raises(TypeError, match="solve: matrix and rhs must have the same dtype"):
        LA.solve(np.eye(2), np.ones((2, 1), np.float32))


def test_diag_errors():
    with pytest.raises(ValueError, match="k=\\(0, 1\\) names 2 diagonals"):
        LA.diag(np.ones((3, 2)), k=(0, 1))  # bands work (tests/test_ops_extra*.py)
    with pytest.raises(ValueError, match="do not fit diagonal"):
        LA.diag(np.ones(2), num_rows=3, num_cols=3)
    with pytest.raises(ValueError, match="diag_part: k=5 is out of range"):
        LA.diag_part(np.ones((3, 4)), k=5)


def test_unsupported_decomposition_gradients_raise_like_tensorflow():
    with pytest.raises(NotImplementedError, match="svd: .*full_matrices=True"):
        grads(lambda a: LA.svd(a, full_matrices=True)[1], np.ones((4, 2)))
    with pytest.raises(NotImplementedError, match="qr: .*full_matrices=True"):
        grads(lambda a: LA.qr(a, full_matrices=True).q, np.eye(3, 2))
