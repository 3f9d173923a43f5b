"""Gradients with respect to Variables: reads, snapshots, first and second order."""

from __future__ import annotations

import numpy as np

import tapegrad as tg


def test_value_read_is_differentiable_first_and_second_order():
    v = tg.Variable(np.array([0.5, -1.5]))
    with tg.GradientTape() as outer:
        with tg.GradientTape() as inner:
            r = v.value()  # the read_variable primitive
            y = tg.reduce_sum(r * r * r)
        g = inner.gradient(y, v)
        s = tg.reduce_sum(g * g)
    np.testing.assert_allclose(g.numpy(), 3 * v.numpy() ** 2)
    # s = sum(9 v^4) -> ds/dv = 36 v^3
    np.testing.assert_allclose(outer.gradient(s, v).numpy(), 36 * v.numpy() ** 3)


def test_forward_mode_through_a_variable_read():
    v = tg.Variable(2.0)
    with tg.autodiff.ForwardAccumulator(v, tg.constant(1.0)) as acc:
        y = v.read_value() * v
    assert float(acc.jvp(y)) == 4.0


def test_identity_of_a_variable_reads_it():
    v = tg.Variable(3.0)
    with tg.GradientTape() as tape:
        y = tg.identity(v) * 2.0
    assert float(tape.gradient(y, v)) == 2.0
