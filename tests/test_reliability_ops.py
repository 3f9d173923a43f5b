"""Gradients at the edges: logsumexp at large logits, singular derivatives behind a ``where``
guard, and reduce_prod over no axes, against closed forms and (when installed) TensorFlow."""

from __future__ import annotations

import os

import numpy as np
import pytest
import scipy.special as sp

import tapegrad as tg
from tapegrad.testing import check_gradients

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # poles on purpose (NumPy warns)
NAN = np.nan


def _softmax(x, axis, keepdims=True):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=keepdims)


def _derivatives(lib, fn, x0):
    """``fn``'s gradient, the gradient of its sum (second order) and a JVP with ones."""
    x = lib.constant(x0)
    with lib.GradientTape() as outer:
        outer.watch(x)
        with lib.GradientTape() as inner:
            inner.watch(x)
            y = fn(lib, x)
        g = inner.gradient(y, x)
        total = lib.reduce_sum(g)
    h = outer.gradient(total, x)
    with lib.autodiff.ForwardAccumulator(x, lib.ones_like(x)) as acc:
        y = fn(lib, x)
    j = acc.jvp(y)
    return [None if v is None else np.asarray(v.numpy(), np.float64) for v in (g, h, j)]


# --- item 5: reduce_logsumexp's gradient is the softmax -----------------------------------------
def test_item05_logsumexp_gradient_is_the_softmax_at_large_logits():
    x = tg.Variable([1e7, 1e7])  # float32: log(2) is lost in the rounded output
    with tg.GradientTape() as tape:
        y = tg.reduce_logsumexp(x)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [0.5, 0.5], rtol=1e-6)

    x16 = tg.constant([1e4] * 4, tg.float16)
    with tg.GradientTape() as tape:
        tape.watch(x16)
        y = tg.reduce_logsumexp(x16)
    g = tape.gradient(y, x16)
    assert g.dtype == tg.float16
    np.testing.assert_allclose(g.numpy(), [0.25] * 4)


def test_item05_logsumexp_second_order_and_forward_mode_at_large_logits():
    x0 = np.float32(1e7) + np.array([0.0, 1.0, 3.0], np.float32)  # exact in float32
    w = _softmax(np.array([0.0, 1.0, 3.0]), axis=0)
    x = tg.constant(x0)
    with tg.GradientTape() as outer:
        outer.watch(x)
        with tg.GradientTape() as inner:
            inner.watch(x)
            y = tg.reduce_logsumexp(x)
        g = inner.gradient(y, x)
    hessian = outer.jacobian(g, x).numpy()
    np.testing.assert_allclose(g.numpy(), w, rtol=1e-5)
    np.testing.assert_allclose(hessian, np.diag(w) - np.outer(w, w), atol=1e-6)
    t = np.array([1.0, -2.0, 0.5], np.float32)
    with tg.ForwardAccumulator(x, tg.constant(t)) as acc:
        y = tg.reduce_logsumexp(x)
    np.testing.assert_allclose(acc.jvp(y).numpy(), w @ t, rtol=1e-5)


@pytest.mark.parametrize("axis", [[0, 2], 1, -1, None])
@pytest.mark.parametrize("keepdims", [False, True])
def test_item05_logsumexp_gradient_on_any_axis(axis, keepdims):
    steps = np.random.default_rng(0).integers(-16, 16, (2, 3, 4)) / 8.0
    x0 = (np.float32(1e6) + steps).astype(np.float32)  # a rounded output is off by up to 0.03
    x = tg.constant(x0)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.reduce_logsumexp(x, axis=axis, keepdims=keepdims)
        cot = np.arange(1, y.size + 1, dtype=np.float32).reshape(y.shape)
        loss = tg.reduce_sum(y * cot)
    g = tape.gradient(loss, x).numpy()
    axes = tuple(range(3)) if axis is None else axis
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    expanded = cot if keepdims else np.expand_dims(cot, tuple(a % 3 for a in axes))
    weights = _softmax(steps, axes)
    np.testing.assert_allclose(g, expanded * weights, rtol=1e-5, atol=1e-7)


def test_logsumexp_gradient_with_minus_inf_entries():
    x = tg.constant([[1.0, 2.0, -np.inf], [-np.inf, -np.inf, -np.inf]])
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.reduce_logsumexp(x, axis=1)
    g = tape.gradient(y, x).numpy()
    np.testing.assert_allclose(g[0], [*_softmax(np.array([1.0, 2.0]), 0), 0.0], rtol=1e-6)
    assert np.isnan(g[1]).all()  # a row of only -inf: NaN, as TensorFlow
    assert y.numpy()[1] == -np.inf


# --- item 17: a zero incoming gradient at a singular derivative --------------------------------
def _guarded(op):
    """``sum(where(mask, op(x), 0))``: the first element's incoming gradient is 0."""

    def fn(lib, x):
        y = op(lib, x)
        mask = np.ones(y.shape, bool)
        mask.reshape(-1)[0] = False
        return lib.reduce_sum(lib.where(lib.constant(mask), y, lib.zeros_like(y)))

    return fn


# name: (x, op, gradient, second order), the values TensorFlow 2.21 gives. These reach
# SqrtGrad, RsqrtGrad or ReciprocalGrad with a zero gradient at the singular point: 0 there.
FUSED = {
    "sqrt": ([0.0, 4.0], lambda L, x: L.sqrt(x), [0, 0.25], [NAN, -1 / 32]),
    "rsqrt": ([0.0, 4.0], lambda L, x: L.math.rsqrt(x), [0, -1 / 16], [NAN, 3 / 128]),
    "reciprocal": ([0.0, 4.0], lambda L, x: L.math.reciprocal(x), [0, -1 / 16], [NAN, 1 / 32]),
    "sqrt_of_square": ([0.0, 4.0], lambda L, x: L.sqrt(L.square(x)), [0, 1], [NAN, 0]),
    "rsqrt_of_square": ([0.0, 4.0], lambda L, x: L.math.rsqrt(L.square(x)), [0, -1 / 16],
                        [NAN, 1 / 32]),
    "log": ([0.0, 4.0], lambda L, x: L.math.log(x), [NAN, 0.25], [0, -1 / 16]),
    "log1p": ([-1.0, 3.0], lambda L, x: L.math.log1p(x), [NAN, 0.25], [0, -1 / 16]),
    "atanh": ([1.0, 0.5], lambda L, x: L.math.atanh(x), [NAN, 4 / 3], [0, 16 / 9]),
    "asin": ([1.0, 0.5], lambda L, x: L.asin(x), [NAN, 1 / np.sqrt(0.75)],
             [0, 0.5 / 0.75**1.5]),
    "acos": ([-1.0, 0.5], lambda L, x: L.acos(x), [NAN, -1 / np.sqrt(0.75)],
             [0, -0.5 / 0.75**1.5]),
    "reduce_std": ([[1.0, 1.0], [1.0, 3.0]], lambda L, x: L.math.reduce_std(x, axis=1),
                   [[0, 0], [-0.5, 0.5]], [[NAN, NAN], [0, 0]]),
    "norm": ([[0.0, 0.0], [3.0, 4.0]], lambda L, x: L.norm(x, axis=1), [[0, 0], [0.6, 0.8]],
             [[NAN, NAN], [0.032, -0.024]]),
}

# Other singular derivatives: TensorFlow's formulas fix these values by themselves.
OTHERS = {
    "acosh": ([1.0, 2.0], lambda L, x: L.acosh(x), [NAN, 1 / np.sqrt(3)], [NAN, -2 / 3**1.5]),
    "pow": ([0.0, 4.0], lambda L, x: L.pow(x, 0.5), [NAN, 0.25], [NAN, -1 / 32]),
    "divide": ([0.0, 4.0], lambda L, x: L.divide(L.ones_like(x), x), [NAN, -1 / 16],
               [NAN, 1 / 32]),
    "divide_no_nan": ([0.0, 4.0], lambda L, x: L.math.divide_no_nan(L.ones_like(x), x),
                      [0, -1 / 16], [0, 1 / 32]),
    "xlogy": ([0.0, 4.0], lambda L, x: L.math.xlogy(L.ones_like(x), x), [NAN, 0.25],
              [NAN, -1 / 16]),
    "xlogy_of_x": ([0.0, 4.0], lambda L, x: L.math.xlogy(x, x), [0, np.log(4) + 1], [0, 0.25]),
    "lgamma": ([0.0, 2.5], lambda L, x: L.math.lgamma(x), [NAN, sp.digamma(2.5)],
               [NAN, sp.polygamma(1, 2.5)]),
    "digamma": ([-1.0, 2.5], lambda L, x: L.math.digamma(x), [NAN, sp.polygamma(1, 2.5)],
                [NAN, sp.polygamma(2, 2.5)]),
    "abs": ([0.0, 2.0], lambda L, x: L.abs(x), [0, 1], [0, 0]),
    "reduce_euclidean_norm": ([[0.0, 0.0], [3.0, 4.0]],
                              lambda L, x: L.math.reduce_euclidean_norm(x, axis=1),
                              [[NAN, NAN], [0.6, 0.8]], [[NAN, NAN], [0.032, -0.024]]),
}
SINGULAR = {**FUSED, **OTHERS}


def _check_singular(name):
    x0, op, grad, second = SINGULAR[name]
    g, h, _ = _derivatives(tg, _guarded(op), np.array(x0))
    np.testing.assert_allclose(g, grad, rtol=1e-12, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(h, second, rtol=1e-12, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("name", sorted(FUSED))
def test_item17_where_guard_at_a_singular_derivative(name):
    _check_singular(name)


@pytest.mark.parametrize("name", sorted(OTHERS))
def test_other_singular_derivatives_behind_a_where_guard(name):
    _check_singular(name)


def test_item17_where_guarded_sqrt_in_float32():
    x = tg.constant([0.0, 4.0])
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.reduce_sum(tg.where(x > 0, tg.sqrt(x), 0.0))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0.0, 0.25])


# forward mode with a zero tangent at the singular point: TensorFlow transposes the VJP, so
# rsqrt and reciprocal give 0 (their fused gradient op), while sqrt (SqrtGradGrad's
# 0.5 * t / y) and log (t * reciprocal(x)) give 0 * inf = nan
ZERO_TANGENT = {
    "rsqrt": (lambda L, x: L.math.rsqrt(x), [0, -1 / 16]),
    "reciprocal": (lambda L, x: L.math.reciprocal(x), [0, -1 / 16]),
    "sqrt": (lambda L, x: L.sqrt(x), [NAN, 0.25]),
    "log": (lambda L, x: L.math.log(x), [NAN, 0.25]),
}


def _zero_tangent_jvp(lib, name):
    x = lib.constant([0.0, 4.0], lib.float64)
    with lib.autodiff.ForwardAccumulator(x, lib.constant([0.0, 1.0], lib.float64)) as acc:
        y = ZERO_TANGENT[name][0](lib, x)
    return acc.jvp(y).numpy()


@pytest.mark.parametrize("name", ["rsqrt", "reciprocal"])
def test_item17_forward_mode_with_a_zero_tangent_at_the_singular_point(name):
    np.testing.assert_array_equal(_zero_tangent_jvp(tg, name), ZERO_TANGENT[name][1])


@pytest.mark.parametrize("name", ["sqrt", "log"])
def test_forward_mode_with_a_zero_tangent_is_nan_where_tensorflow_is(name):
    np.testing.assert_array_equal(_zero_tangent_jvp(tg, name), ZERO_TANGENT[name][1])


COMPLEX = {  # op and its derivative
    "sqrt": (lambda L, z: L.sqrt(z), lambda z: 0.5 / np.sqrt(z)),
    "rsqrt": (lambda L, z: L.math.rsqrt(z), lambda z: -0.5 * z**-1.5),
    "reciprocal": (lambda L, z: L.math.reciprocal(z), lambda z: -1 / z**2),
}


def _real(lib, z):
    return lib.math.real(z) if lib is not tg else tg.cast(z, tg.float64)


def _complex_derivatives(lib, name):
    """Gradient, second order and JVP of a weighted real part, the first entry guarded."""
    op = COMPLEX[name][0]
    x = lib.constant(np.array([0, 1 + 2j, -0.5 + 0.3j]))
    with lib.GradientTape() as outer:
        outer.watch(x)
        with lib.GradientTape() as inner:
            inner.watch(x)
            y = op(lib, x)
            y = lib.where(lib.constant([False, True, True]), y, lib.zeros_like(y))
            loss = lib.reduce_sum(_real(lib, y * (0.7 - 0.3j)))
        g = inner.gradient(loss, x)
        total = lib.reduce_sum(_real(lib, g * (0.2 + 0.9j)))
    h = outer.gradient(total, x)
    with lib.autodiff.ForwardAccumulator(x, lib.constant(np.array([0, 0.3 - 1j, 2 + 1j]))) as acc:
        y = op(lib, x)
    return g.numpy(), h.numpy(), acc.jvp(y).numpy()


@pytest.mark.parametrize("name", sorted(COMPLEX))
def test_item17_where_guard_on_complex_inputs(name):
    g, _, _ = _complex_derivatives(tg, name)
    z = np.array([1 + 2j, -0.5 + 0.3j])
    np.testing.assert_allclose(g, [0, *np.conj(COMPLEX[name][1](z) * (0.7 - 0.3j))], rtol=1e-12)


def test_fused_gradient_ops_on_complex_inputs_match_finite_differences():
    def fn(a, b):
        z = tg.cast(a, tg.complex128) + tg.cast(b, tg.complex128) * 1j
        w = tg.sqrt(z) * tg.math.rsqrt(z + 2.0) + tg.math.reciprocal(z * z + 1.0) * tg.math.conj(z)
        return tg.cast(w, tg.float64) + tg.cast(w * -1j, tg.float64)  # real + imaginary part

    rng = np.random.default_rng(0)
    check_gradients(fn, [rng.uniform(0.5, 2.0, 3), rng.uniform(-1.0, 1.0, 3)], order=2,
                    modes=("rev", "fwd"))


@pytest.mark.parametrize("op", ["sqrt_grad", "rsqrt_grad", "reciprocal_grad"])
def test_item17_fused_gradient_ops_are_zero_where_the_gradient_is_zero(op):
    from tapegrad.ops import unary

    prim = getattr(unary, f"{op}_p")
    y = tg.constant([0.0, np.inf, 2.0, 0.0])
    g = tg.constant([0.0, 0.0, 0.0, np.nan])
    np.testing.assert_array_equal(prim.bind(y, g).numpy()[:3], [0.0, 0.0, 0.0])
    assert np.isnan(prim.bind(y, g).numpy()[3])  # nan stays nan


# --- item 20: reduce_prod over no axes ------------------------------------------------------
@pytest.mark.parametrize("x0, kwargs", [
    ([[2.0, 3.0, 4.0]], {"axis": []}),
    ([[2.0, 3.0, 4.0]], {"axis": [], "keepdims": True}),
    (3.0, {}),  # a scalar: axis=None reduces nothing
])
def test_item20_reduce_prod_without_reduced_axes_has_zero_second_derivative(x0, kwargs):
    def prod(lib, x):
        return lib.reduce_prod(x, **kwargs)

    g, h, j = _derivatives(tg, prod, np.array(x0))
    np.testing.assert_array_equal(g, np.ones_like(x0))
    assert h is not None
    np.testing.assert_array_equal(h, np.zeros_like(x0))
    x = tg.constant(x0)
    with tg.ForwardAccumulator(x, tg.ones_like(x)) as outer:
        with tg.ForwardAccumulator(x, tg.ones_like(x)) as inner:
            y = tg.reduce_prod(x, **kwargs)
        t = inner.jvp(y)
    assert outer.jvp(t) is not None
    np.testing.assert_array_equal(outer.jvp(t).numpy(), np.zeros_like(x0))


def test_reduce_prod_over_a_size_one_axis_has_zero_second_derivative():
    g, h, _ = _derivatives(tg, lambda L, x: L.reduce_prod(x, axis=0), np.array([[2.0, 3.0]]))
    np.testing.assert_array_equal(g, [[1.0, 1.0]])
    np.testing.assert_array_equal(h, [[0.0, 0.0]])


# --- against TensorFlow ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return pytest.importorskip("tensorflow")


def _assert_same(ours, theirs, name):
    for what, a, b in zip(("gradient", "second order", "jvp"), ours, theirs):
        assert (a is None) == (b is None), f"{name}: {what}: tapegrad {a}, TensorFlow {b}"
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7, equal_nan=True,
                                       err_msg=f"{name}: {what}")


def _same_singular_derivatives(tf, name):
    x0, op, _, _ = SINGULAR[name]
    fn = _guarded(op)
    _assert_same(_derivatives(tg, fn, np.array(x0)), _derivatives(tf, fn, np.array(x0)), name)


@pytest.mark.parametrize("name", sorted(FUSED))
def test_item17_singular_derivatives_match_tensorflow(tf, name):
    _same_singular_derivatives(tf, name)


@pytest.mark.parametrize("name", sorted(OTHERS))
def test_other_singular_derivatives_match_tensorflow(tf, name):
    _same_singular_derivatives(tf, name)


@pytest.mark.parametrize("name", sorted(COMPLEX))
def test_item17_complex_derivatives_match_tensorflow(tf, name):
    for what, a, b in zip(("gradient", "second order", "jvp"), _complex_derivatives(tg, name),
                          _complex_derivatives(tf, name)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, equal_nan=True,
                                   err_msg=f"{name}: {what}")


@pytest.mark.parametrize("name", sorted(ZERO_TANGENT))
def test_zero_tangent_at_the_singular_point_matches_tensorflow(tf, name):
    np.testing.assert_allclose(_zero_tangent_jvp(tg, name), _zero_tangent_jvp(tf, name),
                               rtol=1e-12, equal_nan=True)


LARGE_LOGITS = [
    (np.array([1e7, 1e7], np.float32), {}),
    (np.array([1e4] * 4, np.float16), {}),
    (np.array([3e38, 3e38], np.float32), {}),
    (np.array([[1e7, 1e7 + 2, 1e7 + 5], [-1e7, -1e7, 0]], np.float32), {"axis": 1}),
]
EDGES = [
    (np.array([[1.0, 2.0, -np.inf], [-np.inf, -np.inf, -np.inf]], np.float32), {"axis": 1}),
    (np.array([[1.0, 2.0, np.inf], [3.0, 4.0, 5.0]], np.float32), {"axis": 1, "keepdims": True}),
    (np.random.default_rng(0).standard_normal((2, 3, 4)) * 100, {"axis": [0, 2]}),
    (np.random.default_rng(1).standard_normal((2, 3)), {"axis": []}),
]


def _same_logsumexp(tf, x0, kwargs):

    def fn(lib, x):
        y = lib.reduce_logsumexp(x, **kwargs)
        weights = np.arange(1, int(np.prod(y.shape)) + 1).reshape(y.shape).astype(x0.dtype)
        return lib.reduce_sum(y * lib.constant(weights))

    tol = 2e-3 if x0.dtype == np.float16 else 1e-5
    for a, b in zip(_derivatives(tg, fn, x0), _derivatives(tf, fn, x0)):
        np.testing.assert_allclose(a, b, rtol=tol, atol=1e-6, equal_nan=True)


@pytest.mark.parametrize("case", range(len(LARGE_LOGITS)))
def test_item05_logsumexp_at_large_logits_matches_tensorflow(tf, case):
    _same_logsumexp(tf, *LARGE_LOGITS[case])


@pytest.mark.parametrize("case", range(len(EDGES)))
def test_logsumexp_at_infinities_and_on_any_axis_matches_tensorflow(tf, case):
    _same_logsumexp(tf, *EDGES[case])


@pytest.mark.parametrize("kwargs", [{"axis": []}, {}])
def test_item20_reduce_prod_without_reduced_axes_matches_tensorflow(tf, kwargs):
    def prod(lib, x):
        return lib.reduce_prod(x, **kwargs)

    x0 = np.array([[2.0, 3.0, 4.0]]) if kwargs else np.array(3.0)
    _assert_same(_derivatives(tg, prod, x0), _derivatives(tf, prod, x0), str(kwargs))
