"""custom_gradient, stop_gradient and recompute_grad."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg


def test_custom_gradient_replaces_the_rule():
    @tg.custom_gradient
    def log1pexp(x):
        e = tg.exp(x)

        def grad(dy):
            return dy * (1 - 1 / (1 + e))

        return tg.log(1 + e), grad

    x = tg.constant(100.0)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = log1pexp(x)
    assert float(tape.gradient(y, x)) == 1.0  # naive rule would give nan


def test_custom_gradient_second_order_through_grad_fn():
    @tg.custom_gradient
    def cube(x):
        def grad(dy):
            return dy * 3.0 * x * x

        return x * x * x, grad

    x = tg.constant(2.0)
    with tg.GradientTape() as outer:
        outer.watch(x)
        with tg.GradientTape() as inner:
            inner.watch(x)
            y = cube(x)
        dy = inner.gradient(y, x)
    assert float(dy) == 12.0
    assert float(outer.gradient(dy, x)) == 12.0  # d/dx 3x^2 = 6x


def test_custom_gradient_with_variables():
    w = tg.Variable(3.0)

    @tg.custom_gradient
    def scale(x):
        def grad(dy, variables=None):
            assert variables == [w] or list(variables)[0] is w
            return dy * w, [dy * x * 10.0]  # deliberately scaled variable gradient

        return x * w, grad

    x = tg.constant(2.0)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = scale(x)
    gx, gw = tape.gradient(y, [x, w])
    assert float(gx) == 3.0 and float(gw) == 20.0


def test_custom_gradient_requires_variables_argument():
    w = tg.Variable(3.0)

    @tg.custom_gradient
    def scale(x):
        return x * w, lambda dy: dy * w

    with pytest.raises(TypeError, match="variables"):
        scale(tg.constant(1.0))


def test_custom_gradient_wrong_variable_gradient_count():
    w = tg.Variable(3.0)

    @tg.custom_gradient
    def scale(x):
        def grad(dy, variables=None):
            return dy * w, []

        return x * w, grad

    x = tg.constant(2.0)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = scale(x)
    with pytest.raises(ValueError, match="variable gradients"):
        tape.gradient(y, [x, w])


def test_custom_gradient_multiple_outputs():
    @tg.custom_gradient
    def split(x):
        def grad(da, db):
            return da * 2.0 + db * 3.0

        return (x * 2.0, x * 3.0), grad

    x = tg.constant(1.0)
    with tg.GradientTape() as tape:
        tape.watch(x)
        a, b = split(x)
        y = a + b * b
    assert float(tape.gradient(y, x)) == 2.0 + 2 * 3.0 * 3.0


def test_stop_gradient():
    x = tg.constant(3.0)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = x * tg.stop_gradient(x * x)
    assert float(tape.gradient(y, x)) == 9.0


def test_recompute_grad_matches_plain_gradient():
    def block(x):
        return tg.reduce_sum(tg.tanh(x) * tg.sin(x))

    x = tg.constant(np.linspace(-1, 1, 5))
    with tg.GradientTape() as t1:
        t1.watch(x)
        y1 = block(x)
    with tg.GradientTape() as t2:
        t2.watch(x)
        y2 = tg.recompute_grad(block)(x)
    np.testing.assert_allclose(t1.gradient(y1, x).numpy(), t2.gradient(y2, x).numpy(),
                               rtol=1e-12)
    assert float(y1) == float(y2)


def test_recompute_grad_with_variables():
    w = tg.Variable(np.array([0.5, -0.25]))

    def layer(x):
        return tg.reduce_sum(tg.tanh(x * w))

    x = tg.constant(np.array([1.0, 2.0]))
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.recompute_grad(layer)(x)
    gx, gw = tape.gradient(y, [x, w])
    t = np.tanh(np.array([1.0, 2.0]) * w.numpy())
    np.testing.assert_allclose(gw.numpy(), (1 - t**2) * np.array([1.0, 2.0]))
    np.testing.assert_allclose(gx.numpy(), (1 - t**2) * w.numpy())


def test_jacobian_through_custom_gradient_loops_over_rows():
    f = tg.recompute_grad(lambda x: tg.sin(x) * x)
    x = tg.constant(np.array([0.5, 1.0]))
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    expected = np.diag(np.cos([0.5, 1.0]) * [0.5, 1.0] + np.sin([0.5, 1.0]))
    np.testing.assert_allclose(tape.jacobian(y, x).numpy(), expected, rtol=1e-12)
