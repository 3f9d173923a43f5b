"""tapegrad.optimize against SciPy given hand-written derivatives.

Rosenbrock, a logistic regression, an exponential fit and a small nonlinear system.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize as so

import tapegrad as tg
from tapegrad.optimize import least_squares, minimize, root

X0 = np.array([-1.2, 1.0, -0.5, 0.8, 1.3])


def rosen(x):
    return tg.reduce_sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


# What SciPy is given for each method when the derivatives are written by hand.
HAND = {
    "BFGS": {"jac": so.rosen_der},
    "L-BFGS-B": {"jac": so.rosen_der},
    "SLSQP": {"jac": so.rosen_der},
    "Newton-CG": {"jac": so.rosen_der, "hessp": so.rosen_hess_prod},
    "trust-ncg": {"jac": so.rosen_der, "hessp": so.rosen_hess_prod},
    "trust-krylov": {"jac": so.rosen_der, "hessp": so.rosen_hess_prod},
    "trust-exact": {"jac": so.rosen_der, "hess": so.rosen_hess},
    "Nelder-Mead": {},
}


@pytest.mark.parametrize("method", sorted(HAND))
def test_rosenbrock_follows_scipy_with_hand_written_derivatives(method):
    ours = minimize(rosen, X0, method=method)
    theirs = so.minimize(so.rosen, X0, method=method, **HAND[method])
    assert ours.success and theirs.success
    np.testing.assert_allclose(ours.x, theirs.x, rtol=0, atol=1e-9)
    assert ours.fun == pytest.approx(theirs.fun, rel=1e-9, abs=1e-14)
    for count in ("nit", "nfev", "njev", "nhev"):
        if count in theirs:
            assert ours[count] == theirs[count], count  # the same path, step for step


@pytest.mark.parametrize("method", ["CG", "TNC", "trust-constr"])
def test_rosenbrock_round_off_sensitive_methods_agree_with_scipy(method):
    # These paths depend on the last bits of the gradient: same answer, not the same steps.
    ours = minimize(rosen, X0, method=method)
    hand = {"jac": so.rosen_der}
    if method == "trust-constr":
        hand["hessp"] = so.rosen_hess_prod
    theirs = so.minimize(so.rosen, X0, method=method, **hand)
    np.testing.assert_allclose(ours.x, theirs.x, atol=1e-3)


def test_derivatives_equal_the_hand_written_ones():
    from tapegrad.optimize import _Problem

    problem = _Problem("minimize", rosen, X0, ())
    rng = np.random.default_rng(0)
    for _ in range(3):
        x, p = rng.normal(size=5), rng.normal(size=5)
        value, grad = problem.value_and_grad(x)
        assert value == pytest.approx(so.rosen(x), rel=1e-14)
        np.testing.assert_allclose(grad, so.rosen_der(x), rtol=1e-13)
        np.testing.assert_allclose(problem.hessp(x, p), so.rosen_hess_prod(x, p), rtol=1e-12)
        np.testing.assert_allclose(problem.hess(x), so.rosen_hess(x), rtol=1e-12)


def test_evaluations_are_reported():
    res = minimize(rosen, X0, method="trust-ncg")
    e = res.evaluations
    assert e["grad"] == res.nfev  # the value and the gradient come from one call
    assert e["hessp"] in (res.nhev, res.nhev - 1)  # SciPy counts one product it reuses
    assert e["fun"] == e["grad"] + e["hessp"]  # each product runs fun once more
    res = minimize(rosen, X0, method="trust-exact")
    assert res.evaluations["hess"] == res.nhev
    res = minimize(rosen, X0, method="Nelder-Mead")
    assert res.evaluations == {"fun": res.nfev, "grad": 0, "hessp": 0, "hess": 0, "jac": 0}


# ----------------------------------------------------------------------------------
# logistic regression, parameters as a nest and as Variables
# ----------------------------------------------------------------------------------
RNG = np.random.default_rng(1)
FEATURES = RNG.normal(size=(80, 3))
LABELS = (FEATURES @ np.array([1.5, -2.0, 0.5]) + 0.3 + RNG.normal(size=80) > 0).astype(float)
L2 = 0.1


def logistic_loss(params):
    logits = tg.linalg.matvec(tg.constant(FEATURES), params["w"]) + params["b"]
    data = tg.reduce_mean(tg.nn.sigmoid_cross_entropy_with_logits(LABELS, logits))
    return data + 0.5 * L2 * tg.reduce_sum(params["w"] ** 2)


def _split(theta):  # the flat order: dict keys sorted, so "b" before "w"
    return theta[0], theta[1:]


def hand_loss(theta):
    b, w = _split(theta)
    z = FEATURES @ w + b
    return np.mean(np.logaddexp(0, z) - LABELS * z) + 0.5 * L2 * w @ w


def hand_grad(theta):
    b, w = _split(theta)
    r = 1 / (1 + np.exp(-(FEATURES @ w + b))) - LABELS
    n = len(LABELS)
    return np.concatenate([[r.sum() / n], FEATURES.T @ r / n + L2 * w])


def hand_hess(theta):
    b, w = _split(theta)
    s = 1 / (1 + np.exp(-(FEATURES @ w + b)))
    a = np.hstack([np.ones((len(LABELS), 1)), FEATURES])
    h = a.T @ (a * (s * (1 - s))[:, None]) / len(LABELS)
    h[1:, 1:] += L2 * np.eye(3)
    return h


@pytest.mark.parametrize("method", ["BFGS", "Newton-CG", "dogleg", "trust-exact"])
def test_logistic_regression_follows_scipy(method):
    x0 = {"w": np.zeros(3), "b": np.zeros(())}
    ours = minimize(logistic_loss, x0, method=method)
    hand = {"jac": hand_grad}
    if method != "BFGS":
        hand["hess"] = hand_hess
    theirs = so.minimize(hand_loss, np.zeros(4), method=method, **hand)
    assert ours.success and theirs.success
    assert set(ours.x) == {"w", "b"} and ours.x["w"].shape == (3,) and ours.x["b"].shape == ()
    np.testing.assert_allclose(np.concatenate([[ours.x["b"]], ours.x["w"]]), theirs.x,
                               rtol=0, atol=1e-8)
    assert ours.nit == theirs.nit
    assert ours.fun == pytest.approx(theirs.fun, rel=1e-12)


def test_variables_are_updated_in_place():
    w = tg.Variable(np.zeros(3), name="w")
    b = tg.Variable(np.float64(0.0), name="b")
    res = minimize(lambda _: logistic_loss({"w": w, "b": b}), [w, b], method="L-BFGS-B")
    theirs = so.minimize(hand_loss, np.zeros(4), jac=hand_grad, method="L-BFGS-B")
    np.testing.assert_allclose(w.numpy(), theirs.x[1:], atol=1e-6)
    np.testing.assert_allclose(b.numpy(), theirs.x[0], atol=1e-6)
    np.testing.assert_array_equal(res.x[0], w.numpy())  # res.x: arrays in x0's structure


def test_float32_variables_keep_their_dtype():
    v = tg.Variable(np.array([2.0, -1.0], np.float32))
    res = minimize(lambda x: tg.reduce_sum((x - 0.5) ** 2), v, method="BFGS")
    assert v.dtype == np.float32 and res.x.dtype == np.float32
    np.testing.assert_allclose(v.numpy(), [0.5, 0.5], atol=1e-3)


def test_args_are_passed_to_fun():
    res = minimize(lambda x, c: tg.reduce_sum((x - c) ** 2), np.zeros(2), args=(3.0,))
    np.testing.assert_allclose(res.x, [3.0, 3.0], atol=1e-6)


# ----------------------------------------------------------------------------------
# least_squares and root
# ----------------------------------------------------------------------------------
T = np.linspace(0.0, 3.0, 30)
Y = 2.5 * np.exp(-1.3 * T) + 0.4 + 0.01 * np.sin(7 * T)


def residuals(p):
    a, k, c = p[0], p[1], p[2]
    return a * tg.exp(-k * T) + c - Y


def hand_residuals(p):
    return p[0] * np.exp(-p[1] * T) + p[2] - Y


def hand_jacobian(p):
    e = np.exp(-p[1] * T)
    return np.stack([e, -p[0] * T * e, np.ones_like(T)], axis=1)


@pytest.mark.parametrize("method", ["trf", "lm", "dogbox"])
def test_least_squares_follows_scipy(method):
    p0 = np.array([1.0, 1.0, 0.0])
    ours = least_squares(residuals, p0, method=method)
    theirs = so.least_squares(hand_residuals, p0, jac=hand_jacobian, method=method)
    np.testing.assert_allclose(ours.x, theirs.x, rtol=0, atol=1e-10)
    assert ours.nfev == theirs.nfev and ours.njev == theirs.njev
    if method != "lm":  # MINPACK's count is not the number of Jacobian calls
        assert ours.evaluations["jac"] == theirs.njev
    np.testing.assert_allclose(ours.jac, hand_jacobian(ours.x), rtol=1e-12)


def test_least_squares_nest_of_residuals_and_parameters():
    res = least_squares(lambda p: [p["a"] - 1.0, tg.reshape(p["m"] - 2.0, (-1,)) * 3.0],
                        {"a": 0.0, "m": np.zeros((2, 2))})
    assert res.x["m"].shape == (2, 2)
    np.testing.assert_allclose(res.x["m"], 2.0, atol=1e-8)
    assert res.x["a"] == pytest.approx(1.0)


def _system(x):
    return tg.stack([x[0] + 0.5 * (x[0] - x[1]) ** 3 - 1.0, 0.5 * (x[1] - x[0]) ** 3 + x[1]])


def _hand_system(x):
    return [x[0] + 0.5 * (x[0] - x[1]) ** 3 - 1.0, 0.5 * (x[1] - x[0]) ** 3 + x[1]]


def _hand_system_jac(x):
    d = 1.5 * (x[0] - x[1]) ** 2
    return np.array([[1 + d, -d], [-d, 1 + d]])


@pytest.mark.parametrize("method", ["hybr", "lm"])
def test_root_follows_scipy(method):
    ours = root(_system, np.zeros(2), method=method)
    theirs = so.root(_hand_system, np.zeros(2), jac=_hand_system_jac, method=method)
    assert ours.success
    np.testing.assert_allclose(ours.x, theirs.x, rtol=0, atol=1e-12)
    assert ours.nfev == theirs.nfev


def test_root_without_jacobian():
    res = root(_system, np.zeros(2), method="broyden1")
    np.testing.assert_allclose(_hand_system(res.x), 0.0, atol=1e-5)
    assert res.evaluations["jac"] == 0


# ----------------------------------------------------------------------------------
# errors
# ----------------------------------------------------------------------------------
def test_non_scalar_objective_is_a_clear_error():
    with pytest.raises(ValueError, match=r"minimize: fun must return a scalar, got shape \(2,\)"):
        minimize(lambda x: x * 2.0, np.ones(2), method="BFGS")


def test_integer_variable_is_rejected():
    with pytest.raises(TypeError, match="must be floating"):
        minimize(lambda x: tg.reduce_sum(x), tg.Variable([1, 2]))


def test_fun_must_be_callable():
    with pytest.raises(TypeError, match="fun must be callable"):
        minimize(3.0, np.ones(2))


def test_empty_start_is_rejected():
    with pytest.raises(ValueError, match="x0 holds no arrays"):
        least_squares(lambda x: x, [])


def test_objective_of_shape_one_is_a_scalar():
    res = minimize(lambda x: tg.reshape(tg.reduce_sum((x - 1.0) ** 2), (1,)), np.zeros(2))
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-6)


def test_compiled_objective_compiles_its_gradient_and_changes_nothing():
    from tapegrad.optimize import _Problem

    compiled = tg.function(rosen)
    for method in ("BFGS", "trust-ncg"):
        ours = minimize(compiled, X0, method=method)
        eager = minimize(rosen, X0, method=method)
        np.testing.assert_array_equal(ours.x, eager.x)  # bit for bit, the same path
        assert ours.nit == eager.nit and ours.evaluations == eager.evaluations
    problem = _Problem("minimize", compiled, X0, ())
    assert problem.compiled
    for x in np.random.default_rng(0).normal(size=(3, 5)):
        value, grad = problem.value_and_grad(x)
        np.testing.assert_allclose(grad, so.rosen_der(x), rtol=1e-13)
    assert problem._grads.experimental_get_tracing_count() == 1  # traced once, then replayed
    w = tg.Variable(X0)
    assert not _Problem("minimize", compiled, w, ()).compiled  # Variables are assigned eagerly
